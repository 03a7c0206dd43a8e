"""Findings in the store: written per detector run, exported in the contract's shape."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa

from yibao.findings import FINDING_COLUMNS, Finding

__all__ = ["export_findings", "replace_findings"]

_SCHEMA = pa.schema(
    [
        ("finding_id", pa.string()),
        ("violation", pa.string()),
        ("detector", pa.string()),
        ("level", pa.string()),
        ("feedetl_sn", pa.string()),
        ("mdtrt_id", pa.string()),
        ("psn_no", pa.string()),
        ("prac_code", pa.string()),
        ("fixmedins_code", pa.string()),
        ("amount", pa.float64()),
        ("score", pa.float64()),
        ("grade", pa.string()),
        ("evidence", pa.string()),
    ]
)


# When a screening covers a date window, a finding belongs to it by the date of its fee line or,
# failing that, the start of its encounter; findings about a person, practitioner or institution
# as a whole are recomputed over all data and always replaced.
_IN_WINDOW = """coalesce(CASE
  WHEN {t}.feedetl_sn IS NOT NULL THEN
    (SELECT CAST(x.fee_ocur_time AS DATE) FROM fee x WHERE x.feedetl_sn = {t}.feedetl_sn LIMIT 1) BETWEEN $lo AND $hi
  WHEN {t}.mdtrt_id IS NOT NULL THEN
    (SELECT CAST(x.begntime AS DATE) FROM mdtrt x WHERE x.mdtrt_id = {t}.mdtrt_id LIMIT 1) BETWEEN $lo AND $hi
  ELSE TRUE END, TRUE)"""


def replace_findings(
    con: duckdb.DuckDBPyConnection,
    detector: str,
    findings: Iterable[Finding],
    window: tuple[date, date] | None = None,
) -> int:
    """Replace one detector's findings atomically: a re-run never leaves stale or doubled rows.

    With a `window`, only that window's findings are replaced and kept; the rest stay as they were.
    """
    rows = [f.as_row() for f in findings]
    table = pa.Table.from_pylist(rows, schema=_SCHEMA)
    lo, hi = window or (date(1900, 1, 1), date(2999, 12, 31))
    params = {"det": detector, "lo": lo, "hi": hi}

    def in_window(t: str) -> str:
        # Every statement names $lo and $hi, so one parameter dict serves both with or without a window.
        return _IN_WINDOW.format(t=t) if window else "$lo IS NOT NULL AND $hi IS NOT NULL"

    con.begin()
    try:
        con.execute(f"DELETE FROM findings WHERE detector = $det AND {in_window('findings')}", params)
        con.register("new_findings", table)
        con.execute(
            f"""INSERT INTO findings SELECT DISTINCT ON (finding_id) {", ".join(FINDING_COLUMNS)}
                FROM new_findings n WHERE {in_window("n")} AND $det IS NOT NULL""",
            params,
        )
        ((kept,),) = con.execute(
            "SELECT count(*) FROM findings WHERE detector = $det", {"det": detector}
        ).fetchall()
        con.unregister("new_findings")
        con.commit()
    except BaseException:
        con.rollback()
        raise
    return len(rows) if window is None else int(kept)


def export_findings(con: duckdb.DuckDBPyConnection, out: Path, *, excel_bom: bool = False) -> int:
    """Write all findings to CSV or Parquet (chosen by suffix), in a stable order.

    `excel_bom` prefixes the CSV with a UTF-8 BOM so Excel on Chinese Windows shows the
    evidence text correctly.
    """
    suffix = out.suffix.lower()
    if suffix not in (".csv", ".parquet"):
        raise ValueError(f"导出格式只支持 .csv 或 .parquet / only .csv or .parquet: {out}")
    out.parent.mkdir(parents=True, exist_ok=True)
    cols = ", ".join(FINDING_COLUMNS)
    query = f"SELECT {cols} FROM findings ORDER BY violation, detector, finding_id"
    n = con.execute("SELECT count(*) FROM findings").fetchone()[0]  # type: ignore[index]
    target = str(out).replace("'", "''")
    if suffix == ".parquet":
        con.execute(f"COPY ({query}) TO '{target}' (FORMAT parquet)")
    else:
        con.execute(f"COPY ({query}) TO '{target}' (FORMAT csv, HEADER true)")
        if excel_bom:
            data = out.read_bytes()
            out.write_bytes(b"\xef\xbb\xbf" + data)
    return int(n)
