"""End to end on a small synthetic city: screen finds the injected patterns; train, save, load and rescore."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from yibao.cli import app
from yibao.evaluate import evaluate
from yibao.ingest import ingest
from yibao.models.persistence import latest_model, read_model
from yibao.screening import screen
from yibao.store import connect
from yibao.synth import generate

pytestmark = pytest.mark.slow

CODES = ("INDUCED_ADMISSION", "PHANTOM_ADMISSION", "CO_ADMISSION", "OVER_TREATMENT", "COLLUSION_RING")


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("models_city")
    generate(root / "city", persons=4000, months=12, seed=20260101)
    db = root / "store.duckdb"
    ingest(root / "city", db)
    con = connect(db)
    screen(con)
    con.close()
    return root / "city" / "labels.csv", db


def test_screen_finds_injected_patterns_with_high_precision(city: tuple[Path, Path]):
    labels, db = city
    con = connect(db, read_only=True)
    try:  # closed before asserting: a left-open read-only connection would break the next tests
        scores = {c.violation: c for c in evaluate(con, labels).codes}
        n = con.execute("SELECT count(*) FROM risk_scores WHERE level = 'person'").fetchone()[0]
        reasons = con.execute(
            "SELECT reasons FROM risk_scores WHERE level = 'institution' AND rank = 1"
        ).fetchone()[0]
    finally:
        con.close()
    for code in CODES:
        c = scores[code]
        if c.labelled:
            assert c.recall is not None and c.recall >= 0.8, code
            assert c.precision is not None and c.precision >= 0.8, code
    assert n > 1000
    assert reasons.startswith("机构风险评分")


def test_train_save_load_and_score_with_the_supervised_model(city: tuple[Path, Path], tmp_path: Path):
    labels, db = city
    runner = CliRunner()
    out = tmp_path / "model.json"
    res = runner.invoke(app, ["models", "train", "--labels", str(labels), "--db", str(db), "--out", str(out)])
    assert res.exit_code == 0, res.output
    saved = read_model(out)
    assert saved.training_window[0] == "2025-01-01" and saved.features and saved.libraries["lightgbm"]
    person = saved.levels["person"].metrics
    assert person["valid_window"][0] > person["train_window"][0]  # validated on a later period
    assert person["pr_auc"] > person["pr_auc_claim_volume"]
    con = duckdb.connect(str(db))
    stored = latest_model(con)
    assert stored is not None and stored.model_id == saved.model_id
    con.close()
    res = runner.invoke(app, ["models", "run", "--db", str(db)])
    assert res.exit_code == 0, res.output
    con = connect(db, read_only=True)
    with_sup = con.execute("SELECT count(*) FROM risk_scores WHERE sup IS NOT NULL").fetchone()[0]
    assert with_sup > 0
    top = con.execute(
        "SELECT reasons FROM risk_scores WHERE level = 'person' ORDER BY rank LIMIT 1"
    ).fetchone()[0]
    assert "监督模型" in top
    con.close()
    res = runner.invoke(app, ["models", "show", "--db", str(db)])
    assert res.exit_code == 0 and saved.model_id in res.output
    meta = json.loads(out.read_text(encoding="utf-8"))
    assert meta["feature_hash"] == saved.feature_hash
    res = runner.invoke(app, ["models", "scores", "--db", str(db), "--level", "person", "--top", "3"])
    assert res.exit_code == 0 and "参保人风险评分" in res.output


def test_risk_ranking_beats_claim_volume(city: tuple[Path, Path]):
    from yibao.models.ranking import ranking_quality

    labels, db = city
    con = duckdb.connect(str(db))
    quality = {q.level: q for q in ranking_quality(con, labels)}
    con.close()
    person = quality["person"]
    assert person.positives > 10 and person.pr_auc_claim_volume is not None
    assert person.pr_auc_without_supervised is not None
    assert person.pr_auc_without_supervised > 2 * person.pr_auc_claim_volume


def test_training_is_deterministic(city: tuple[Path, Path], tmp_path: Path):
    from yibao.models.training import train

    labels, db = city
    con = duckdb.connect(str(db))
    a = train(con, labels)
    b = train(con, labels)
    con.close()
    assert {k: v.booster for k, v in a.levels.items()} == {k: v.booster for k, v in b.levels.items()}
