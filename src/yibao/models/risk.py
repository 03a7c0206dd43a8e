"""Risk scores per institution, practitioner and person: rule findings + model signals, with reasons.

Three signals per entity, each in 0..1:
* `rule`  — noisy-OR of the scores of every finding (rules and pattern models) that names the entity;
* `iso`   — scikit-learn IsolationForest over activity and finding features, as a percentile rank
            (fitted on the data being screened: it needs no labels);
* `sup`   — a LightGBM classifier trained on confirmed outcomes (labels, later closed cases), when a
            trained model is in the store (`yibao models train`); validated in time order.
They combine into one risk (weights in `_WEIGHTS`); every score keeps its top reasons in Chinese.
All scores go to the `risk_scores` table; the top-ranked entities also become findings, under the
taxonomy code that dominates their findings (see `RiskScore`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import duckdb
import numpy as np
import polars as pl
from sklearn.ensemble import IsolationForest

from yibao.findings import VIOLATION_LABELS, Level, Violation

__all__ = [
    "FEATURE_LABELS",
    "LEVEL_COLUMNS",
    "RISK_DETECTOR",
    "SEED",
    "EntityScores",
    "build_finding_facts",
    "entity_features",
    "isolation_scores",
]

SEED = 20260101
RISK_DETECTOR = "risk_score"
LEVEL_COLUMNS: dict[Level, str] = {
    Level.INSTITUTION: "fixmedins_code",
    Level.PRACTITIONER: "prac_code",
    Level.PERSON: "psn_no",
}
# Which column of mdl_enc names the entity, and the activity features per level.
_ENC_KEY = {Level.INSTITUTION: "fixmedins_code", Level.PRACTITIONER: "prac_code", Level.PERSON: "psn_no"}

FEATURE_LABELS: dict[str, str] = {
    "n_enc": "就诊次数",
    "n_ip": "住院次数",
    "n_pharm": "购药次数",
    "n_peer": "关联对象数（人/机构）",
    "amt": "医疗费用总额",
    "amt_per_enc": "次均费用",
    "ip_share": "住院费用占比",
    "cost_index": "病种调整后费用指数",
    "drug_share": "药品费用占比",
    "active_days": "就医天数",
    "f_n": "疑点条数",
    "f_amt": "疑点金额",
    "f_max": "疑点最高分",
    "f_share": "疑点金额占费用比",
}
_CODES = [v.value for v in Violation]
for _c in _CODES:
    FEATURE_LABELS[f"f_{_c}"] = f"{VIOLATION_LABELS[Violation(_c)]}疑点数"


def build_finding_facts(con: duckdb.DuckDBPyConnection, has_fee: bool = True) -> None:
    """`mdl_ff`: every finding (not the risk scores' own) with its date and the entities it names."""
    fee = (
        "SELECT feedetl_sn, fee_ocur_time FROM fee "
        "WHERE feedetl_sn IN (SELECT feedetl_sn FROM findings WHERE feedetl_sn IS NOT NULL)"
        if has_fee
        else "SELECT NULL::VARCHAR AS feedetl_sn, NULL::TIMESTAMP AS fee_ocur_time WHERE false"
    )
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE mdl_ff AS
        SELECT f.violation, f.amount::DOUBLE AS amount, coalesce(f.score, 0.5) AS score, f.level,
               coalesce(CAST(x.fee_ocur_time AS DATE), e.adm_date) AS day,
               coalesce(f.psn_no, e.psn_no) AS psn_no,
               coalesce(f.prac_code, e.prac_code) AS prac_code,
               coalesce(f.fixmedins_code, e.fixmedins_code) AS fixmedins_code
        FROM findings f
        LEFT JOIN mdl_enc e ON e.mdtrt_id = f.mdtrt_id
        LEFT JOIN ({fee}) x ON x.feedetl_sn = f.feedetl_sn
        WHERE NOT starts_with(f.detector, '{RISK_DETECTOR}')"""
    )


def entity_features(
    con: duckdb.DuckDBPyConnection, level: Level, lo: object = None, hi: object = None
) -> pl.DataFrame:
    """One row per entity of `level` active in [lo, hi): activity and finding features (fixed columns)."""
    key = _ENC_KEY[level]
    peer = "fixmedins_code" if level == Level.PERSON else "psn_no"
    pivot = ", ".join(f"count(*) FILTER (WHERE violation = '{c}') AS f_{c}" for c in _CODES)
    sql = f"""
        WITH e AS (SELECT e.*, r.lr FROM mdl_enc e LEFT JOIN mdl_rel r USING (mdtrt_id)
                   WHERE {key} IS NOT NULL AND ($lo IS NULL OR adm_date >= $lo) AND ($hi IS NULL OR adm_date < $hi)),
             a AS (SELECT {key} AS k, count(*) AS n_enc, count(*) FILTER (WHERE med_type = '21') AS n_ip,
                          count(*) FILTER (WHERE med_type = '41') AS n_pharm, count(DISTINCT {peer}) AS n_peer,
                          coalesce(sum(amt), 0) AS amt, coalesce(avg(amt), 0) AS amt_per_enc,
                          coalesce(sum(amt) FILTER (WHERE med_type = '21') / nullif(sum(amt), 0), 0) AS ip_share,
                          coalesce(exp(avg(lr)), 1) AS cost_index,
                          coalesce(sum(drug_amt) / nullif(sum(amt), 0), 0) AS drug_share,
                          count(DISTINCT adm_date) AS active_days
                   FROM e GROUP BY 1),
             f AS (SELECT {key} AS k, count(*) AS f_n, coalesce(sum(amount), 0) AS f_amt, max(score) AS f_max,
                          1 - exp(sum(ln(greatest(1 - least(score, 0.999), 1e-9)))) AS rule, {pivot}
                   FROM mdl_ff WHERE {key} IS NOT NULL AND (day IS NULL OR (($lo IS NULL OR day >= $lo)
                                                                           AND ($hi IS NULL OR day < $hi)))
                   GROUP BY 1)
        SELECT a.*, coalesce(f.f_n, 0) AS f_n, coalesce(f.f_amt, 0) AS f_amt, coalesce(f.f_max, 0) AS f_max,
               coalesce(f.f_amt / nullif(a.amt, 0), 0) AS f_share, coalesce(f.rule, 0) AS rule,
               {", ".join(f"coalesce(f.f_{c}, 0) AS f_{c}" for c in _CODES)}
        FROM a LEFT JOIN f USING (k) ORDER BY a.k"""
    frame = pl.from_arrow(con.sql(sql, params={"lo": lo, "hi": hi}).to_arrow_table())
    assert isinstance(frame, pl.DataFrame)
    return frame


FEATURES: list[str] = [c for c in FEATURE_LABELS]


def _matrix(frame: pl.DataFrame) -> np.ndarray:
    """Log-compressed features: counts and money are heavy-tailed."""
    x = frame.select(FEATURES).to_numpy().astype(float)
    # rounded: DuckDB's parallel float sums differ in the last bits from run to run; the model must not
    return np.round(np.sign(x) * np.log1p(np.abs(x)), 6)


def isolation_scores(frame: pl.DataFrame) -> tuple[np.ndarray, list[str]]:
    """IsolationForest percentile (0..1, higher = more isolated) and a reason per entity."""
    n = frame.height
    if n < 10:
        return np.zeros(n), [""] * n
    x = _matrix(frame)
    forest = IsolationForest(n_estimators=100, random_state=SEED, n_jobs=1).fit(x)
    raw = -forest.score_samples(x)
    order = raw.argsort(kind="stable")
    pct = np.empty(n)
    pct[order] = (np.arange(n) + 1) / n
    med = np.median(x, axis=0)
    mad = np.median(np.abs(x - med), axis=0) * 1.4826
    z = (x - med) / np.maximum(mad, 0.25)
    values = frame.select(FEATURES).to_numpy().astype(float)
    medians = np.median(values, axis=0)
    tops = np.argsort(-z, axis=1, kind="stable")[:, :3]
    reasons = []
    for i in range(n):
        top = [j for j in tops[i] if z[i, j] > 2]
        reasons.append(
            "、".join(
                f"{FEATURE_LABELS[FEATURES[j]]}{_fmt(values[i, j])}（总体中位数{_fmt(medians[j])}）"
                for j in top
            )
        )
    return pct, reasons


def _fmt(v: float) -> str:
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    if float(v).is_integer():
        return f"{int(v)}"
    return f"{v:.2f}"


@dataclass(frozen=True, slots=True)
class EntityScores:
    """Scores of one level's entities, aligned with `keys`."""

    level: Level
    keys: list[str]
    rule: np.ndarray
    iso: np.ndarray
    sup: np.ndarray | None
    risk: np.ndarray
    reasons: list[str]


_WEIGHTS = {"with_sup": (0.3, 0.2, 0.5), "without_sup": (0.6, 0.4, 0.0)}  # rule, iso, sup


def combine(rule: np.ndarray, iso: np.ndarray, sup: np.ndarray | None) -> np.ndarray:
    """Weighted mean of the signals; without a supervised model rules and isolation share the weight."""
    if sup is None:
        wr, wi, _ = _WEIGHTS["without_sup"]
        return wr * rule + wi * iso
    wr, wi, ws = _WEIGHTS["with_sup"]
    return wr * rule + wi * iso + ws * sup


def rule_reason(row: dict[str, object]) -> str:
    """The codes with the most findings, in Chinese."""
    counts = sorted(((int(row[f"f_{c}"]), c) for c in _CODES if row[f"f_{c}"]), reverse=True)[:3]  # type: ignore[call-overload]
    if not counts:
        return ""
    parts = "、".join(f"{VIOLATION_LABELS[Violation(c)]}{n}条" for n, c in counts)
    return f"已有疑点：{parts}（疑点金额{float(row['f_amt']):,.2f}元）"  # type: ignore[arg-type]


def percentile(x: np.ndarray) -> np.ndarray:
    n = len(x)
    if n == 0:
        return x
    order = x.argsort(kind="stable")
    out = np.empty(n)
    out[order] = (np.arange(n) + 1) / n
    return out


def top_share(n: int, share: float) -> int:
    return max(1, math.ceil(n * share))
