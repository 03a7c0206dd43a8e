"""The supervised risk model: LightGBM per level, learnt from confirmed outcomes and validated in time order.

Outcomes are labels (`labels.csv` of the synthetic city; closed cases later). Per level an entity is
positive when a label names it: institutions by institution-level labels, practitioners by any label
naming them, persons by person- or encounter-level labels. Validation never looks ahead: features
and outcomes of the first two thirds of the window train, the last third validates (PR-AUC against
ranking by claim volume alone); the saved model is then refitted on the whole window.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import lightgbm as lgb
import numpy as np
from sklearn.metrics import average_precision_score, roc_auc_score

from yibao.findings import Level
from yibao.models.features import ensure_features
from yibao.models.outliers import build_relative_cost
from yibao.models.risk import FEATURES, SEED, _matrix, build_finding_facts, entity_features, isolation_scores

__all__ = ["LevelModel", "TrainError", "load_outcomes", "targets", "train_level"]

_PARAMS = {
    "objective": "binary",
    "learning_rate": 0.05,
    "num_leaves": 15,
    "feature_fraction": 0.8,
    "bagging_fraction": 1.0,
    "seed": SEED,
    "deterministic": True,
    "force_row_wise": True,
    "num_threads": 1,
    "verbose": -1,
}
_ROUNDS = 150


class TrainError(ValueError):
    """Training is impossible on this data (no outcomes, a single class …); bilingual message."""


@dataclass(slots=True)
class LevelModel:
    """One level's booster and how it validated."""

    level: str
    booster: str  # LightGBM model text: no pickle, safe to load
    features: list[str]
    metrics: dict[str, object] = field(default_factory=dict)

    def predict(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(lgb.Booster(model_str=self.booster).predict(x), dtype=float)

    def contributions(self, x: np.ndarray) -> np.ndarray:
        """Per-feature contributions (SHAP values from LightGBM), last column the bias."""
        return np.asarray(lgb.Booster(model_str=self.booster).predict(x, pred_contrib=True), dtype=float)


def load_outcomes(con: duckdb.DuckDBPyConnection, labels: Path) -> None:
    """`mdl_out`: confirmed outcomes with the entities they name and their date (NULL: about the whole window)."""
    if not labels.is_file():
        raise TrainError(f"标签文件不存在 / labels file not found: {labels}")
    ensure_features(con)
    con.execute(
        "CREATE OR REPLACE TEMP TABLE mdl_raw_out AS SELECT * FROM read_csv(?, all_varchar = true, header = true)",
        [str(labels)],
    )
    have = {r[0] for r in con.execute("DESCRIBE mdl_raw_out").fetchall()}
    if "level" not in have:
        raise TrainError(f"{labels.name}：缺少 level 列 / missing column level")
    cols = {
        c: (c if c in have else f"NULL::VARCHAR AS {c}")
        for c in ("mdtrt_id", "psn_no", "prac_code", "fixmedins_code")
    }
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE mdl_out AS
        SELECT o.level, o.psn_no, o.prac_code, o.fixmedins_code, e.adm_date AS day
        FROM (SELECT level, {", ".join(cols.values())} FROM mdl_raw_out) o
        LEFT JOIN mdl_enc e ON e.mdtrt_id = o.mdtrt_id"""
    )


def targets(
    con: duckdb.DuckDBPyConnection, level: Level, keys: list[str], lo: dt.date, hi: dt.date
) -> np.ndarray:
    where = {
        Level.INSTITUTION: "level = 'institution' AND fixmedins_code IS NOT NULL",
        Level.PRACTITIONER: "prac_code IS NOT NULL",
        Level.PERSON: "level IN ('person', 'encounter') AND psn_no IS NOT NULL",
    }[level]
    col = {Level.INSTITUTION: "fixmedins_code", Level.PRACTITIONER: "prac_code", Level.PERSON: "psn_no"}[
        level
    ]
    pos = {
        r[0]
        for r in con.execute(
            f"SELECT DISTINCT {col} FROM mdl_out WHERE {where} AND (day IS NULL OR (day >= ? AND day < ?))",
            [lo, hi],
        ).fetchall()
    }
    return np.array([k in pos for k in keys], dtype=float)


def _fit(x: np.ndarray, y: np.ndarray) -> str:
    params = dict(_PARAMS, min_data_in_leaf=int(max(2, min(20, y.sum() // 2))), min_data_in_bin=1)
    booster = lgb.train(params, lgb.Dataset(x, label=y, params={"verbose": -1}), num_boost_round=_ROUNDS)
    return str(booster.model_to_string())


def _pr_auc(y: np.ndarray, s: np.ndarray) -> float | None:
    return round(float(average_precision_score(y, s)), 4) if 0 < y.sum() < len(y) else None


def train_level(con: duckdb.DuckDBPyConnection, level: Level, window: tuple[dt.date, dt.date]) -> LevelModel:
    """Time-ordered validation, then the final fit on the whole window."""
    lo, hi = window
    build_relative_cost(con)
    build_finding_facts(con, bool(ensure_features(con).avail.rows.get("fee")))
    cut = lo + (hi - lo) * 2 // 3
    cut = dt.date(cut.year, cut.month, 1)
    train = entity_features(con, level, lo, cut)
    valid = entity_features(con, level, cut, hi)
    y_tr = targets(con, level, train["k"].to_list(), lo, cut)
    y_va = targets(con, level, valid["k"].to_list(), cut, hi)
    metrics: dict[str, object] = {
        "train_window": [lo.isoformat(), cut.isoformat()],
        "valid_window": [cut.isoformat(), hi.isoformat()],
        "n_train": train.height,
        "pos_train": int(y_tr.sum()),
        "n_valid": valid.height,
        "pos_valid": int(y_va.sum()),
    }
    if y_tr.sum() < 2 or y_tr.sum() == len(y_tr):
        raise TrainError(
            f"{level.value}：训练期正例不足 / too few positives in the training window ({int(y_tr.sum())})"
        )
    model = _fit(_matrix(train), y_tr)
    if 0 < y_va.sum() < len(y_va):
        p = np.asarray(lgb.Booster(model_str=model).predict(_matrix(valid)), dtype=float)
        iso, _ = isolation_scores(valid)
        rule = valid["rule"].to_numpy()
        metrics.update(
            roc_auc=round(float(roc_auc_score(y_va, p)), 4),
            pr_auc=_pr_auc(y_va, p),
            pr_auc_rules_only=_pr_auc(y_va, rule),
            pr_auc_isolation_only=_pr_auc(y_va, iso),
            pr_auc_claim_volume=_pr_auc(y_va, valid["amt"].to_numpy()),
            positive_rate=round(float(y_va.mean()), 4),
        )
    full = entity_features(con, level, lo, hi)
    y_full = targets(con, level, full["k"].to_list(), lo, hi)
    metrics.update(n_final=full.height, pos_final=int(y_full.sum()))
    return LevelModel(level.value, _fit(_matrix(full), y_full), list(FEATURES), metrics)
