"""Ingest: valid data loads, bad rows are quarantined with file/row/field/reason, nothing is lost."""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path

import duckdb
import polars as pl
import pytest

from helpers import minimal_tables, write_dataset, write_table
from yibao.ingest import UnusableInput, ingest


@pytest.fixture
def tables() -> dict[str, list[dict[str, str]]]:
    return copy.deepcopy(minimal_tables())


def _count(db: Path, table: str) -> int:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # type: ignore[index]


def _quarantine(db: Path, table: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(
            "SELECT file_name, row_no, field, reason_zh, reason_en, raw FROM quarantine WHERE table_name = ? "
            "ORDER BY row_no",
            [table],
        ).fetchall()


def test_ingest_valid_dataset_loads_every_row_with_types(tmp_path, tables):
    report = ingest(write_dataset(tmp_path / "d", tables), tmp_path / "s.duckdb")
    assert report.balanced and report.quarantined == 0
    by_table = {t.table: t for t in report.tables}
    assert by_table["fee"].new == 3 and by_table["psn"].new == 2
    with duckdb.connect(str(tmp_path / "s.duckdb"), read_only=True) as con:
        cnt, pric, total, when = con.execute(
            "SELECT cnt, pric, det_item_fee_sumamt, fee_ocur_time FROM fee WHERE feedetl_sn = 'F002'"
        ).fetchone()
        assert float(cnt) == 2 and float(pric) == 12.5 and float(total) == 25.0
        assert str(when) == "2025-03-01 09:20:00"
        assert con.execute("SELECT psn_name FROM psn WHERE psn_no = 'P001'").fetchone()[0] == "张三"


def test_reingest_same_files_changes_nothing(tmp_path, tables):
    folder = write_dataset(tmp_path / "d", tables)
    db = tmp_path / "s.duckdb"
    tables["fee"][0]["cnt"] = "abc"  # one bad row so quarantine idempotence is tested too
    write_table(folder / "fee.csv", tables["fee"])
    ingest(folder, db)
    before = (_count(db, "fee"), _count(db, "quarantine"), _count(db, "psn"))
    report = ingest(folder, db)
    assert all(f.skipped for t in report.tables for f in t.files)
    assert (_count(db, "fee"), _count(db, "quarantine"), _count(db, "psn")) == before


def test_later_month_appends_and_known_rows_count_as_unchanged(tmp_path, tables):
    db = tmp_path / "s.duckdb"
    ingest(write_dataset(tmp_path / "m1", tables), db)
    later = copy.deepcopy(tables)
    later["mdtrt"].append(
        {
            **tables["mdtrt"][0],
            "mdtrt_id": "M003",
            "begntime": "2025-04-01 09:00:00",
            "endtime": "2025-04-01 09:30:00",
        }
    )
    later["setl"] = [{**tables["setl"][0], "setl_id": "S003", "mdtrt_id": "M003"}]
    later["fee"] = [
        {**tables["fee"][0], "feedetl_sn": "F004", "mdtrt_id": "M003", "fee_ocur_time": "2025-04-01 09:10:00"}
    ]
    report = ingest(write_dataset(tmp_path / "m2", later), db)
    by_table = {t.table: t for t in report.tables}
    assert by_table["mdtrt"].new == 1 and by_table["mdtrt"].unchanged == 2
    assert by_table["fee"].new == 1
    assert _count(db, "fee") == 4 and _count(db, "mdtrt") == 3 and report.balanced


def test_master_row_change_updates_and_fact_conflict_is_quarantined(tmp_path, tables):
    db = tmp_path / "s.duckdb"
    ingest(write_dataset(tmp_path / "m1", tables), db)
    later = copy.deepcopy(tables)
    later["psn"][0]["resd_addr"] = "天心区新地址"
    later["fee"][0]["fee_ocur_time"] = "2025-03-01 09:11:00"
    report = ingest(write_dataset(tmp_path / "m2", later), db)
    by_table = {t.table: t for t in report.tables}
    assert by_table["psn"].updated == 1 and _count(db, "psn") == 2
    assert by_table["fee"].quarantined == 1 and by_table["fee"].unchanged == 2
    (row,) = _quarantine(db, "fee")
    assert row[1] == 2 and "主键相同但内容不同" in row[3] and "conflicts" in row[4]


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gb18030", "gbk", "utf-16"])
def test_chinese_excel_encodings_load_names_intact(tmp_path, tables, encoding):
    folder = write_dataset(tmp_path / "d", tables)
    write_table(folder / "psn.csv", tables["psn"], encoding=encoding)
    write_table(folder / "medins.csv", tables["medins"], encoding=encoding)
    report = ingest(folder, tmp_path / "s.duckdb")
    assert report.quarantined == 0
    with duckdb.connect(str(tmp_path / "s.duckdb"), read_only=True) as con:
        names = {r[0] for r in con.execute("SELECT psn_name FROM psn").fetchall()}
        assert names == {"张三", "李四"}
        assert con.execute("SELECT count(*) FROM medins WHERE city = '长沙市'").fetchone()[0] == 2


def test_parquet_and_xlsx_sources(tmp_path, tables):
    folder = write_dataset(tmp_path / "d", tables)
    pl.read_csv(folder / "fee.csv", infer_schema=False).write_parquet(folder / "fee.parquet")
    (folder / "fee.csv").unlink()
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    for name in ("psn", "medins"):
        ws = wb.create_sheet(name)
        cols = list(tables[name][0])
        ws.append(cols)
        for r in tables[name]:
            ws.append([r[c] for c in cols])
        (folder / f"{name}.csv").unlink()
    wb.save(folder / "master.xlsx")
    report = ingest(folder, tmp_path / "s.duckdb")
    assert report.quarantined == 0 and report.balanced
    assert _count(tmp_path / "s.duckdb", "fee") == 3 and _count(tmp_path / "s.duckdb", "psn") == 2


def test_missing_required_table_is_unusable_and_names_it(tmp_path, tables):
    folder = write_dataset(tmp_path / "d", tables)
    (folder / "fee.csv").unlink()
    with pytest.raises(UnusableInput) as exc:
        ingest(folder, tmp_path / "s.duckdb")
    assert "fee.csv" in exc.value.zh and "missing" in exc.value.en
    assert not (tmp_path / "s.duckdb").exists() or _count(tmp_path / "s.duckdb", "psn") == 0


def test_missing_required_column_names_file_and_column(tmp_path, tables):
    folder = write_dataset(tmp_path / "d", tables)
    cols = [c for c in tables["setl"][0] if c != "hifp_pay"]
    write_table(folder / "setl.csv", tables["setl"], columns=cols)
    with pytest.raises(UnusableInput) as exc:
        ingest(folder, tmp_path / "s.duckdb")
    assert "setl.csv" in exc.value.zh and "hifp_pay" in exc.value.zh


def test_empty_file_is_unusable_but_header_only_is_zero_rows(tmp_path, tables):
    folder = write_dataset(tmp_path / "d", tables)
    (folder / "death.csv").write_text("psn_no,dead_date\n", encoding="utf-8")
    report = ingest(folder, tmp_path / "s.duckdb")
    assert {t.table: t.read for t in report.tables}["death"] == 0
    (folder / "setl.csv").write_bytes(b"")
    with pytest.raises(UnusableInput) as exc:
        ingest(folder, tmp_path / "s2.duckdb")
    assert "setl.csv" in exc.value.zh and "空" in exc.value.zh


def test_unreadable_parquet_names_the_file(tmp_path, tables):
    folder = write_dataset(tmp_path / "d", tables)
    (folder / "purchase.parquet").write_bytes(b"this is not parquet")
    with pytest.raises(UnusableInput) as exc:
        ingest(folder, tmp_path / "s.duckdb")
    assert "purchase.parquet" in exc.value.zh


@pytest.mark.parametrize(
    ("table", "row", "field", "value", "reason"),
    [
        ("mdtrt", 0, "begntime", "2025-02-30 09:00:00", "时间格式错误"),
        ("psn", 1, "brdy", "1990-13-01", "日期格式错误"),
        ("psn", 0, "gend", "M", "代码值不在允许范围"),
        ("fee", 1, "det_item_fee_sumamt", "-25.00", "金额为负"),
        ("fee", 0, "det_item_fee_sumamt", "11.00", "数量×单价"),
        ("fee", 0, "cnt", "一", "数值格式错误"),
        ("setl", 0, "medfee_sumamt", "-35.00", "金额为负"),
        ("setl", 1, "medfee_sumamt", "30.00", "医疗费总额不等于"),
        ("fee", 2, "mdtrt_id", "M999", "引用不存在"),
        ("fee", 2, "psn_no", "P001", "不一致"),
        ("mdtrt", 0, "psn_no", "P404", "引用不存在"),
        ("psn", 0, "certno", "12345", "格式不符"),
        ("medins", 0, "admdvs", "4301", "格式不符"),
        ("fee", 0, "medins_list_codg", "X" * 100_000, "字段过长"),
        ("mdtrt", 0, "dise_codg", "", "med_type为14/21时必填"),
    ],
)
def test_bad_value_is_quarantined_with_row_field_and_reason(
    tmp_path, tables, table, row, field, value, reason
):
    if reason.startswith("med_type"):
        tables["mdtrt"][0]["med_type"] = "21"
    tables[table][row][field] = value
    folder = write_dataset(tmp_path / "d", tables)
    report = ingest(folder, tmp_path / "s.duckdb")
    assert report.balanced
    quarantined = _quarantine(tmp_path / "s.duckdb", table)
    assert len(quarantined) >= 1
    file_name, row_no, bad_field, zh, en, raw = quarantined[0]
    assert file_name == f"{table}.csv" and row_no == row + 2  # header is row 1
    assert field in bad_field.split(",") and reason in zh and en
    if len(value) < 1000:
        assert json.loads(raw)[field] in (value, None)
    good = {t.table: t for t in report.tables}[table]
    assert good.read == len(tables[table])


def test_duplicate_key_keeps_first_and_quarantines_repeat(tmp_path, tables):
    tables["fee"].append(dict(tables["fee"][1]))
    report = ingest(write_dataset(tmp_path / "d", tables), tmp_path / "s.duckdb")
    fee = {t.table: t for t in report.tables}["fee"]
    assert (fee.read, fee.new, fee.quarantined) == (4, 3, 1)
    (q,) = _quarantine(tmp_path / "s.duckdb", "fee")
    assert q[1] == 5 and "主键重复" in q[3] and "第3行" in q[3]


def test_ragged_record_is_quarantined_and_others_load(tmp_path, tables):
    folder = write_dataset(tmp_path / "d", tables)
    text = (folder / "psn.csv").read_text(encoding="utf-8")
    (folder / "psn.csv").write_text(text + "P003,too,few\n\n", encoding="utf-8")
    report = ingest(folder, tmp_path / "s.duckdb")
    psn = {t.table: t for t in report.tables}["psn"]
    assert (psn.read, psn.new, psn.quarantined) == (3, 2, 1)
    (q,) = _quarantine(tmp_path / "s.duckdb", "psn")
    assert q[1] == 4 and q[2] == "*" and "字段数" in q[3]


def test_cascade_orphans_are_quarantined_not_dropped(tmp_path, tables):
    tables["mdtrt"][0]["begntime"] = "bad"
    report = ingest(write_dataset(tmp_path / "d", tables), tmp_path / "s.duckdb")
    by_table = {t.table: t for t in report.tables}
    assert by_table["mdtrt"].quarantined == 1
    assert by_table["fee"].quarantined == 2 and by_table["setl"].quarantined == 1
    assert report.balanced


def test_unknown_columns_are_kept(tmp_path, tables):
    for r in tables["fee"]:
        r["hosp_note"] = "备注"
    ingest(write_dataset(tmp_path / "d", tables), tmp_path / "s.duckdb")
    with duckdb.connect(str(tmp_path / "s.duckdb"), read_only=True) as con:
        extra = con.execute("SELECT _extra FROM fee WHERE feedetl_sn = 'F001'").fetchone()[0]
    assert json.loads(extra) == {"hosp_note": "备注"}


def test_reversal_lines_are_valid(tmp_path, tables):
    tables["fee"].append(
        {**tables["fee"][1], "feedetl_sn": "F002R", "cnt": "-2", "det_item_fee_sumamt": "-25.00"}
    )
    report = ingest(write_dataset(tmp_path / "d", tables), tmp_path / "s.duckdb")
    assert report.quarantined == 0


def test_copy_of_dataset_with_uppercase_headers_loads(tmp_path, tables):
    folder = write_dataset(tmp_path / "d", tables)
    text = (folder / "medins.csv").read_text(encoding="utf-8").split("\n", 1)
    (folder / "medins.csv").write_text(text[0].upper() + "\n" + text[1], encoding="utf-8")
    report = ingest(folder, tmp_path / "s.duckdb")
    assert report.quarantined == 0
    shutil.rmtree(folder)


def test_quoted_newline_in_a_field_loads_and_later_rows_keep_record_numbers(tmp_path, tables):
    tables["psn"][0]["resd_addr"] = "芙蓉区\n五一大道1号"
    tables["psn"][1]["gend"] = "X"
    folder = write_dataset(tmp_path / "d", tables)
    report = ingest(folder, tmp_path / "s.duckdb")
    psn = {t.table: t for t in report.tables}["psn"]
    assert (psn.new, psn.quarantined) == (1, 1)
    (q,) = _quarantine(tmp_path / "s.duckdb", "psn")
    assert q[1] == 3  # the second record, although it starts on line 4
    with duckdb.connect(str(tmp_path / "s.duckdb"), read_only=True) as con:
        assert con.execute("SELECT resd_addr FROM psn").fetchone()[0] == "芙蓉区\n五一大道1号"
