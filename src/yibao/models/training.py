"""Train the supervised risk model from confirmed outcomes (labels) over the screened store."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb

from yibao.findings import Level
from yibao.models.features import ensure_features
from yibao.models.persistence import RiskModel, new_model
from yibao.models.risk import FEATURES, LEVEL_COLUMNS, SEED
from yibao.models.supervised import TrainError, load_outcomes, train_level

__all__ = ["train"]


def train(con: duckdb.DuckDBPyConnection, labels: Path, seed: int = SEED) -> RiskModel:
    """One booster per level that has enough outcomes; levels without them are noted, not fatal.

    Run after `yibao screen`: the model learns from the findings in the store as well as from activity.
    """
    feats = ensure_features(con)
    load_outcomes(con, labels)
    lo = con.execute("SELECT min(adm_date) FROM mdl_enc").fetchone()[0]  # type: ignore[index]
    window = (lo, feats.as_of + dt.timedelta(days=1))
    model = new_model(window, seed, list(FEATURES))
    for level in LEVEL_COLUMNS:
        try:
            model.levels[level.value] = train_level(con, Level(level), window)
        except TrainError as exc:
            model.notes.append(str(exc))
    if not model.levels:
        raise TrainError(
            "没有任何层级可训练 / no level has enough outcomes to train: " + "; ".join(model.notes)
        )
    return model
