"""The risk-score detector: scores every institution, practitioner and person, reports the top ones.

Every entity's scores and reasons go to `risk_scores` (the ranked list inspectors work from). The
top `risk_report_share` of each level with risk ≥ 0.5 also become findings, under the taxonomy code
that most of the entity's findings carry — but only where some detector reports that code at that
level (a person is never reported as 重复收费; an institution may be as 挂床住院), so a risk finding
says "this entity, mainly for this" in the language labels and inspectors use.
"""

from __future__ import annotations

import duckdb
import numpy as np
import polars as pl

from yibao.findings import VIOLATION_LABELS, Finding, Grade, Level, Violation
from yibao.models.base import ModelDetector
from yibao.models.features import Features
from yibao.models.outliers import build_relative_cost
from yibao.models.persistence import latest_model
from yibao.models.risk import (
    FEATURE_LABELS,
    FEATURES,
    LEVEL_COLUMNS,
    RISK_DETECTOR,
    _matrix,
    build_finding_facts,
    combine,
    entity_features,
    isolation_scores,
    rule_reason,
    top_share,
)

__all__ = ["RiskScore"]

_CODES = [v.value for v in Violation]
_LEVEL_ZH = {Level.INSTITUTION: "机构", Level.PRACTITIONER: "医师", Level.PERSON: "参保人"}


class RiskScore(ModelDetector):
    """Combined risk per entity with its top reasons (Chinese) in the evidence."""

    id = RISK_DETECTOR
    version = "1"
    violation = Violation.INSTITUTION_OUTLIER  # nominal: each finding carries its dominant code

    def detect(self, con: duckdb.DuckDBPyConnection, feats: Features) -> list[Finding]:
        build_relative_cost(con, feats)
        build_finding_facts(con, bool(feats.avail.rows.get("fee")))
        model = latest_model(con)
        if model is not None and model.features != FEATURES:
            feats.note(
                "存储中的监督模型特征与当前版本不符，未使用 / stored model's features differ: not used"
            )
            model = None
        if model is None:
            feats.note(
                "无已训练的监督模型，风险评分仅用规则与孤立森林 / no trained model: rules + isolation forest only"
            )
        reportable: dict[str, set[str]] = {}
        for level, code in con.execute("SELECT DISTINCT level, violation FROM mdl_ff").fetchall():
            reportable.setdefault(level, set()).add(code)
        share = float(feats.params["risk_report_share"])
        out: list[Finding] = []
        tables = []
        for level, key in LEVEL_COLUMNS.items():
            frame = entity_features(con, level)
            if frame.is_empty():
                continue
            iso, iso_why = isolation_scores(frame)
            rule = frame["rule"].to_numpy()
            sup, sup_why = None, [""] * frame.height
            lm = model.levels.get(level.value) if model else None
            if lm is not None:
                x = _matrix(frame)
                sup = lm.predict(x)
                # SHAP contributions cost ~1 ms a row: only where the model sees some risk is there a reason to give
                why = np.flatnonzero(sup >= 0.05)
                if len(why):
                    for i, text in zip(
                        why, _contribution_reasons(lm.contributions(x[why]), frame[why]), strict=True
                    ):
                        sup_why[i] = text
            risk = np.round(combine(rule, iso, sup), 4)
            order = np.lexsort((frame["k"].to_numpy(), -risk))
            rank = np.empty(len(order), dtype=int)
            rank[order] = np.arange(1, len(order) + 1)
            rows = frame.to_dicts()
            reasons = []
            for i, row in enumerate(rows):
                parts = [
                    p
                    for p in (
                        rule_reason(row),
                        f"监督模型（已查实案例训练）：{sup_why[i]}" if sup is not None and sup_why[i] else "",
                        f"孤立森林：{iso_why[i]}" if iso_why[i] else "",
                    )
                    if p
                ]
                reasons.append(
                    f"{_LEVEL_ZH[level]}风险评分{risk[i]:.2f}（第{rank[i]}/{len(rows)}名；规则{rule[i]:.2f}"
                    f"、孤立森林{iso[i]:.2f}"
                    + (f"、监督模型{sup[i]:.2f}" if sup is not None else "")
                    + "）"
                    + ("；" + "；".join(f"{n}. {p}" for n, p in enumerate(parts, 1)) if parts else "")
                )
            tables.append(
                pl.DataFrame(
                    {
                        "level": [level.value] * len(rows),
                        "entity_key": frame["k"].to_list(),
                        "risk": risk,
                        "rule": rule,
                        "iso": iso,
                        "sup": sup if sup is not None else [None] * len(rows),
                        "rank": rank,
                        "reasons": reasons,
                        "detector": [self.detector] * len(rows),
                        "model_id": [model.model_id if model else None] * len(rows),
                    },
                    schema_overrides={"sup": pl.Float64, "model_id": pl.Utf8},
                )
            )
            for i in order[: top_share(len(rows), share)]:
                if risk[i] < 0.5:
                    continue
                counts = [(rows[i][f"f_{c}"], c) for c in _CODES if rows[i][f"f_{c}"]]
                if not counts:
                    continue
                code = max(counts)[1]
                if code not in reportable.get(level.value, set()):
                    continue
                out.append(
                    Finding(
                        violation=Violation(code),
                        detector=self.detector,
                        level=level,
                        amount=float(rows[i]["f_amt"]),
                        score=float(min(1.0, max(0.0, risk[i]))),
                        grade=Grade.SUSPECT,
                        evidence=f"主要违规类型{VIOLATION_LABELS[Violation(code)]}；" + reasons[i],
                        **{key: rows[i]["k"]},
                    )
                )
        if tables:
            con.register("mdl_risk_new", pl.concat(tables).to_arrow())
            con.execute("CREATE OR REPLACE TABLE risk_scores AS SELECT * FROM mdl_risk_new")
            con.unregister("mdl_risk_new")
        return out


def _contribution_reasons(contrib: np.ndarray, frame: pl.DataFrame) -> list[str]:
    """The two features that pushed each entity's predicted risk up the most."""
    values = frame.select(FEATURES).to_numpy().astype(float)
    out = []
    for i in range(contrib.shape[0]):
        top = [j for j in np.argsort(-contrib[i, :-1], kind="stable")[:2] if contrib[i, j] > 0.05]
        out.append(
            "、".join(
                f"{FEATURE_LABELS[FEATURES[j]]}={values[i, j]:.4g}（+{contrib[i, j]:.2f}）" for j in top
            )
        )
    return out
