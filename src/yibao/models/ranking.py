"""How well the risk ranking orders entities against confirmed outcomes, beside ranking by claim volume.

A fraud system must beat the naive list "biggest spenders first"; this measures it as PR-AUC per level
over the whole window. With a supervised model trained on the same outcomes the full risk is
in-sample, so the ranking without it (rules + isolation forest) is reported too; the honest
out-of-time figure for the supervised model is its validation in `yibao models train`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
from sklearn.metrics import average_precision_score

from yibao.findings import Level
from yibao.models.features import ensure_features
from yibao.models.risk import LEVEL_COLUMNS, combine
from yibao.models.supervised import load_outcomes, targets

__all__ = ["RankingQuality", "ranking_quality"]


@dataclass(frozen=True, slots=True)
class RankingQuality:
    level: str
    entities: int
    positives: int
    pr_auc_risk: float | None
    pr_auc_without_supervised: float | None
    pr_auc_claim_volume: float | None


def _ap(y: np.ndarray, s: np.ndarray) -> float | None:
    return round(float(average_precision_score(y, s)), 4) if 0 < y.sum() < len(y) else None


def ranking_quality(con: duckdb.DuckDBPyConnection, labels: Path) -> list[RankingQuality]:
    """PR-AUC per level of the stored risk scores, of rules + isolation alone, and of claim volume."""
    feats = ensure_features(con)
    load_outcomes(con, labels)
    lo = con.execute("SELECT min(adm_date) FROM mdl_enc").fetchone()[0]  # type: ignore[index]
    hi = feats.as_of + dt.timedelta(days=1)
    out = []
    for level in LEVEL_COLUMNS:
        key = {Level.INSTITUTION: "fixmedins_code", Level.PRACTITIONER: "prac_code", Level.PERSON: "psn_no"}[
            level
        ]
        rows = con.execute(
            f"""SELECT r.entity_key, r.risk, r.rule, r.iso, coalesce(v.amt, 0)
                FROM risk_scores r LEFT JOIN (SELECT {key} AS k, sum(amt) AS amt FROM mdl_enc GROUP BY 1) v
                  ON v.k = r.entity_key
                WHERE r.level = ? ORDER BY r.entity_key""",
            [level.value],
        ).fetchall()
        if not rows:
            continue
        keys = [r[0] for r in rows]
        y = targets(con, Level(level), keys, lo, hi)
        risk, rule, iso, vol = (np.array([r[i] for r in rows], dtype=float) for i in (1, 2, 3, 4))
        out.append(
            RankingQuality(
                level.value,
                len(keys),
                int(y.sum()),
                _ap(y, risk),
                _ap(y, combine(rule, iso, None)),
                _ap(y, vol),
            )
        )
    return out
