"""screen: runs the library, re-runs replace rather than duplicate, windows and rule globs."""

from __future__ import annotations

import copy
import datetime as dt

from typer.testing import CliRunner

from helpers import minimal_tables, write_dataset
from yibao.cli import app
from yibao.ingest import ingest
from yibao.screening import screen
from yibao.store import connect


def _store(tmp_path):
    tables = copy.deepcopy(minimal_tables())
    tables["catalog"][1]["lmt_gend"] = "2"  # amoxicillin "for women only": both sales to P001/P002?
    db = tmp_path / "s.duckdb"
    ingest(write_dataset(tmp_path / "d", tables), db)
    return db


def _gender_findings(con):
    return con.execute(
        "SELECT feedetl_sn FROM findings WHERE violation = 'GENDER_MISMATCH' ORDER BY 1"
    ).fetchall()


def test_screen_finds_and_rescreen_does_not_duplicate(tmp_path):
    con = connect(_store(tmp_path))
    first = screen(con)
    assert _gender_findings(con) == [("F002",)]  # P001 is male; P002 (female) bought it legitimately
    second = screen(con)
    assert second.findings == first.findings and _gender_findings(con) == [("F002",)]


def test_rules_glob_limits_detectors(tmp_path):
    con = connect(_store(tmp_path))
    report = screen(con, only="gender_*")
    assert report.runs and all(r.detector.startswith("gender_") for r in report.runs)


def test_window_replaces_only_its_own_findings(tmp_path):
    con = connect(_store(tmp_path))
    screen(con, only="gender_restricted_item")
    # A window that does not contain March 2025 keeps the March finding untouched.
    screen(con, only="gender_restricted_item", window=(dt.date(2025, 4, 1), dt.date(2025, 4, 30)))
    assert _gender_findings(con) == [("F002",)]
    # Deleting the line's knowledge and re-screening March removes it.
    con.execute("UPDATE catalog SET lmt_gend = NULL")
    screen(con, only="gender_restricted_item", window=(dt.date(2025, 3, 1), dt.date(2025, 3, 31)))
    assert _gender_findings(con) == []


def test_cli_screen_with_window_and_glob(tmp_path):
    db = _store(tmp_path)
    result = CliRunner().invoke(
        app, ["screen", "--db", str(db), "--from", "2025-03-01", "--to", "2025-03-31", "--rules", "gender_*"]
    )
    assert result.exit_code == 0, result.output
    assert "gender_restricted_item@1" in result.output and "GENDER_MISMATCH" in result.output
