"""evaluate: recall, precision, amounts and top-k recall computed from findings and labels."""

from __future__ import annotations

import csv
import json

import pytest
from typer.testing import CliRunner

from helpers import minimal_tables, write_dataset
from yibao.cli import app
from yibao.evaluate import LabelError, evaluate
from yibao.findings import Finding, Grade, Level, Violation
from yibao.findings_store import replace_findings
from yibao.ingest import ingest
from yibao.store import connect

LABEL_COLS = [
    "violation",
    "level",
    "feedetl_sn",
    "mdtrt_id",
    "psn_no",
    "prac_code",
    "fixmedins_code",
    "amount",
]


def _labels(path, rows):
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=LABEL_COLS)
        w.writeheader()
        for r in rows:
            w.writerow(r)
    return path


def _finding(violation, level, score=0.5, amount=10.0, **keys):
    return Finding(
        Violation(violation), "test_rule@1", Level(level), amount, score, Grade.SUSPECT, "测试", **keys
    )


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "s.duckdb"
    ingest(write_dataset(tmp_path / "d", minimal_tables()), path)
    return path


def test_evaluate_counts_hits_misses_and_false_alarms(tmp_path, db):
    labels = _labels(
        tmp_path / "labels.csv",
        [
            {"violation": "OVER_PRICE", "level": "line", "feedetl_sn": "F001", "amount": "10"},
            {"violation": "OVER_PRICE", "level": "line", "feedetl_sn": "F002", "amount": "25"},
            {"violation": "POST_DEATH", "level": "encounter", "mdtrt_id": "M001", "amount": "35"},
        ],
    )
    con = connect(db)
    replace_findings(
        con,
        "test_rule@1",
        [
            _finding("OVER_PRICE", "line", feedetl_sn="F001", mdtrt_id="M001"),
            _finding("OVER_PRICE", "line", feedetl_sn="F003", mdtrt_id="M002"),  # false alarm
            _finding(
                "POST_DEATH", "line", feedetl_sn="F002", mdtrt_id="M001", amount=25
            ),  # inside the encounter
            _finding("GENDER_MISMATCH", "line", feedetl_sn="F001"),  # right line, wrong code
        ],
    )
    result = {c.violation: c for c in evaluate(con, labels).codes}
    op = result["OVER_PRICE"]
    assert (op.labelled, op.found, op.findings, op.true_findings) == (2, 1, 2, 1)
    assert op.recall == 0.5 and op.precision == 0.5 and op.f1 == 0.5
    assert op.labelled_amount == 35 and op.found_amount == 20 and op.matched_amount == 10
    pd = result["POST_DEATH"]
    assert (pd.recall, pd.precision) == (1.0, 1.0)
    gm = result["GENDER_MISMATCH"]
    assert gm.labelled == 0 and gm.precision == 0.0 and gm.recall is None


def test_top_percent_recall_ranks_entities_by_score(tmp_path, db):
    con = connect(db)
    # 200 persons so that 1 % is two persons; labelled P001 ranks first, P002 third.
    con.execute(
        "INSERT INTO psn (psn_no, gend, brdy, insutype, insuplc_admdvs) "
        "SELECT 'X' || i, '1', DATE '1980-01-01', '310', '430102' FROM range(198) t(i)"
    )
    labels = _labels(
        tmp_path / "labels.csv",
        [
            {"violation": "HIGH_FREQUENCY_VISITS", "level": "person", "psn_no": "P001"},
            {"violation": "HIGH_FREQUENCY_VISITS", "level": "person", "psn_no": "P002"},
        ],
    )
    replace_findings(
        con,
        "test_rule@1",
        [
            _finding("HIGH_FREQUENCY_VISITS", "person", score=0.9, psn_no="P001"),
            _finding("HIGH_FREQUENCY_VISITS", "person", score=0.8, psn_no="X1"),
            _finding("HIGH_FREQUENCY_VISITS", "person", score=0.7, psn_no="P002"),
        ],
    )
    (score,) = evaluate(con, labels).codes
    assert score.top_recall == {1: 0.5, 2: 1.0, 5: 1.0}


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"violation": "NOT_A_CODE", "level": "line", "feedetl_sn": "F1"}, "第2行 violation"),
        ({"violation": "OVER_PRICE", "level": "line"}, "第2行 feedetl_sn"),
        ({"violation": "OVER_PRICE", "level": "galaxy", "feedetl_sn": "F1"}, "第2行 level"),
        ({"violation": "OVER_PRICE", "level": "line", "feedetl_sn": "F1", "amount": "lots"}, "第2行 amount"),
    ],
)
def test_bad_labels_are_refused_naming_row_and_field(tmp_path, db, row, message):
    labels = _labels(tmp_path / "labels.csv", [row])
    with pytest.raises(LabelError, match=message):
        evaluate(connect(db), labels)


def test_cli_evaluate_writes_json_and_exits_2_on_bad_labels(tmp_path, db):
    labels = _labels(
        tmp_path / "labels.csv", [{"violation": "OVER_PRICE", "level": "line", "feedetl_sn": "F001"}]
    )
    replace_findings(connect(db), "test_rule@1", [_finding("OVER_PRICE", "line", feedetl_sn="F001")])
    runner = CliRunner()
    out = tmp_path / "eval.json"
    result = runner.invoke(app, ["evaluate", "--labels", str(labels), "--db", str(db), "--json", str(out)])
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["overall"]["recall"] == 1.0 and data["codes"][0]["violation"] == "OVER_PRICE"
    result = runner.invoke(app, ["evaluate", "--labels", str(tmp_path / "none.csv"), "--db", str(db)])
    assert result.exit_code == 2 and "labels file not found" in result.output
