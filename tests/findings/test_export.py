"""findings export: the contract's columns, CSV or Parquet, re-runs replace rather than double."""

from __future__ import annotations

import duckdb
import polars as pl
import pytest
from typer.testing import CliRunner

from yibao.cli import app
from yibao.findings import FINDING_COLUMNS, Finding, Grade, Level, Violation
from yibao.findings_store import replace_findings
from yibao.store import connect


def _f(sn: str, score: float = 0.7) -> Finding:
    return Finding(
        Violation.OVER_PRICE,
        "price_ceiling@1",
        Level.LINE,
        12.345,
        score,
        Grade.DEFINITE,
        "单价超过最高限价",
        feedetl_sn=sn,
        mdtrt_id="M1",
        psn_no="P1",
        fixmedins_code="H1",
    )


def test_finding_rejects_score_outside_unit_interval():
    with pytest.raises(ValueError):
        _f("F1", score=1.5)


def test_finding_id_is_stable_and_distinct():
    assert _f("F1").finding_id == _f("F1").finding_id != _f("F2").finding_id


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_export_has_contract_columns(tmp_path, suffix):
    db = tmp_path / "s.duckdb"
    con = connect(db)
    replace_findings(con, "price_ceiling@1", [_f("F1"), _f("F2")])
    replace_findings(con, "price_ceiling@1", [_f("F1"), _f("F2")])  # a re-run replaces
    con.close()
    out = tmp_path / f"findings{suffix}"
    result = CliRunner().invoke(app, ["findings", "export", str(out), "--db", str(db)])
    assert result.exit_code == 0, result.output
    frame = pl.read_csv(out, infer_schema=False) if suffix == ".csv" else pl.read_parquet(out)
    assert tuple(frame.columns) == FINDING_COLUMNS
    assert frame.height == 2 and set(frame["feedetl_sn"]) == {"F1", "F2"}
    assert float(frame["amount"][0]) == 12.35 and frame["evidence"][0] == "单价超过最高限价"


def test_export_empty_store_writes_header_only(tmp_path):
    db = tmp_path / "s.duckdb"
    connect(db).close()
    out = tmp_path / "f.csv"
    result = CliRunner().invoke(app, ["findings", "export", str(out), "--db", str(db), "--excel"])
    assert result.exit_code == 0
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and data.decode("utf-8-sig").strip() == ",".join(FINDING_COLUMNS)


def test_export_refuses_unknown_format(tmp_path):
    db = tmp_path / "s.duckdb"
    duckdb.connect(str(db)).close()
    result = CliRunner().invoke(app, ["findings", "export", str(tmp_path / "f.json"), "--db", str(db)])
    assert result.exit_code == 2
