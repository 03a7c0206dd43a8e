"""The CLI as a user meets it: bilingual help, clear messages, exit codes, no tracebacks."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from helpers import minimal_tables, write_dataset
from yibao.cli import app

runner = CliRunner()


@pytest.mark.parametrize(
    "command", [[], ["synth"], ["ingest"], ["screen"], ["evaluate"], ["findings", "export"]]
)
def test_help_is_bilingual(command):
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0
    text = result.output
    assert any("\u4e00" <= ch <= "\u9fff" for ch in text), text
    assert any(
        word in text.lower() for word in ("store", "dataset", "synthetic", "findings", "score", "supervision")
    )


def test_ingest_prints_per_table_balance(tmp_path):
    folder = write_dataset(tmp_path / "d", minimal_tables())
    result = runner.invoke(app, ["ingest", str(folder), "--db", str(tmp_path / "s.duckdb")])
    assert result.exit_code == 0, result.output
    assert "fee" in result.output and "隔离" in result.output


def test_ingest_bad_row_reports_reason_and_quarantine_command_shows_it(tmp_path):
    tables = minimal_tables()
    tables["psn"][1]["brdy"] = "1990-02-31"
    folder = write_dataset(tmp_path / "d", tables)
    db = str(tmp_path / "s.duckdb")
    result = runner.invoke(app, ["ingest", str(folder), "--db", db])
    assert result.exit_code == 0 and "brdy：日期格式错误" in result.output
    shown = runner.invoke(app, ["quarantine", "--db", db, "--table", "psn"])
    assert "psn.csv" in shown.output and "1990-02-31" in shown.output


def test_ingest_unusable_input_exits_2_with_file_named(tmp_path):
    folder = write_dataset(tmp_path / "d", minimal_tables())
    (folder / "mdtrt.csv").write_text("mdtrt_id,psn_no\nM1,P1\n", encoding="utf-8")
    result = runner.invoke(app, ["ingest", str(folder), "--db", str(tmp_path / "s.duckdb")])
    assert result.exit_code == 2
    assert "mdtrt.csv" in result.output and "fixmedins_code" in result.output
    assert "Traceback" not in result.output


def test_ingest_missing_folder_exits_2(tmp_path):
    result = runner.invoke(app, ["ingest", str(tmp_path / "nope"), "--db", str(tmp_path / "s.duckdb")])
    assert result.exit_code == 2 and "not found" in result.output


def test_screen_and_summary_run_on_an_ingested_store(tmp_path):
    folder = write_dataset(tmp_path / "d", minimal_tables())
    db = str(tmp_path / "s.duckdb")
    runner.invoke(app, ["ingest", str(folder), "--db", db])
    result = runner.invoke(app, ["screen", "--db", db])
    assert result.exit_code == 0, result.output
    assert "按违规类型" in result.output and "参保人 2" in result.output
    assert runner.invoke(app, ["summary", "--db", db]).exit_code == 0
