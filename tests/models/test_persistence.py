"""The saved model envelope: JSON round trip, registry in the store, refusal of tampered or broken files."""

from __future__ import annotations

import datetime as dt
import json

import duckdb
import lightgbm as lgb
import numpy as np
import pytest

from yibao.models.persistence import (
    ModelFileError,
    latest_model,
    new_model,
    read_model,
    store_model,
    write_model,
)
from yibao.models.risk import FEATURES
from yibao.models.supervised import LevelModel


def _model():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(200, len(FEATURES)))
    y = (x[:, 0] > 0).astype(float)
    booster = lgb.train(
        {"objective": "binary", "verbose": -1, "seed": 1, "num_threads": 1}, lgb.Dataset(x, y), 5
    )
    m = new_model((dt.date(2025, 1, 1), dt.date(2026, 1, 1)), 7, list(FEATURES))
    m.levels["person"] = LevelModel("person", booster.model_to_string(), list(FEATURES), {"pr_auc": 0.9})
    return m, x


def test_round_trip_keeps_boosters_window_and_versions(tmp_path):
    m, x = _model()
    path = write_model(m, tmp_path / "m.joblib")
    assert path.suffix == ".json"
    back = read_model(path)
    assert back.model_id == m.model_id and back.training_window == ["2025-01-01", "2026-01-01"]
    assert back.libraries["lightgbm"] == lgb.__version__ and back.seed == 7
    assert np.allclose(back.levels["person"].predict(x), m.levels["person"].predict(x))
    contrib = back.levels["person"].contributions(x[:3])
    assert contrib.shape == (3, len(FEATURES) + 1)


def test_store_keeps_the_newest_model():
    con = duckdb.connect()
    assert latest_model(con) is None
    m, _ = _model()
    store_model(con, m)
    assert latest_model(con).model_id == m.model_id  # type: ignore[union-attr]


def test_tampered_or_broken_files_are_refused(tmp_path):
    m, _ = _model()
    path = write_model(m, tmp_path / "m.json")
    raw = json.loads(path.read_text(encoding="utf-8"))
    raw["features"] = raw["features"][:-1]
    path.write_text(json.dumps(raw), encoding="utf-8")
    with pytest.raises(ModelFileError, match="feature"):
        read_model(path)
    (tmp_path / "bad.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(ModelFileError, match="无法读取"):
        read_model(tmp_path / "bad.json")
    (tmp_path / "short.json").write_text("{}", encoding="utf-8")
    with pytest.raises(ModelFileError, match="缺少字段"):
        read_model(tmp_path / "short.json")
