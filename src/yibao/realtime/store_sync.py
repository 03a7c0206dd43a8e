"""Between the service and the store: history in (seeding the state), seen settlements out.

The service never keeps the DuckDB store open: DuckDB lets one process write at a time and batch
screening must be able to run beside the service. History is copied into the state once per
version of the store's settlement data; the settlements the service saw are written back in
batches (settled ones into the contract tables, every decision into `realtime_decision`), so that
`yibao screen` sees them too. A store that is busy is simply tried again later.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from yibao.contract import CONTRACT
from yibao.realtime.rows import COLS, as_dict

__all__ = ["DECISION_DDL", "flush_outbox", "history_bundles", "history_trace_sales", "settlement_fingerprint"]

DECISION_DDL = """
CREATE TABLE IF NOT EXISTS realtime_decision (
    request_id VARCHAR PRIMARY KEY,
    decided_at TIMESTAMP,
    stage VARCHAR,
    decision VARCHAR,
    psn_no VARCHAR,
    mdtrt_id VARCHAR,
    fixmedins_code VARCHAR,
    n_findings INTEGER,
    findings VARCHAR
)"""
_BUNDLE_TABLES = ("mdtrt", "setl", "diag", "fee")


def _cols(table: str) -> list[str]:
    return [f.name for f in CONTRACT[table].fields]


def settlement_fingerprint(con: duckdb.DuckDBPyConnection) -> str:
    """Changes whenever settlement data is loaded into the store (new batch, new rows)."""
    parts = [str(con.execute(f"SELECT count(*), max(_batch) FROM {t}").fetchall()[0]) for t in _BUNDLE_TABLES]
    return "|".join(parts)


def _array(table: str, alias: str) -> str:
    return "json_array(" + ", ".join(f"{alias}.{c}" for c in COLS[table]) + ")"


def history_bundles(con: duckdb.DuckDBPyConnection, lookback_days: int) -> Iterator[tuple[str, str, str]]:
    """(mdtrt_id, psn_no, bundle JSON) for every encounter of the last `lookback_days` before the
    store's latest one; DuckDB writes the JSON itself, so seeding a city takes seconds."""
    sql = f"""
    WITH m AS (
      SELECT * FROM mdtrt
      WHERE begntime >= (SELECT max(begntime) FROM mdtrt) - INTERVAL ({int(lookback_days)}) DAY
    ),
    s AS (SELECT s.mdtrt_id, json_group_array({_array("setl", "s")}) AS rows FROM setl AS s
          WHERE s.mdtrt_id IN (SELECT mdtrt_id FROM m) GROUP BY s.mdtrt_id),
    d AS (SELECT d.mdtrt_id, json_group_array({_array("diag", "d")}) AS rows FROM diag AS d
          WHERE d.mdtrt_id IN (SELECT mdtrt_id FROM m) GROUP BY d.mdtrt_id),
    f AS (SELECT f.mdtrt_id, json_group_array({_array("fee", "f")}) AS rows FROM fee AS f
          WHERE f.mdtrt_id IN (SELECT mdtrt_id FROM m) GROUP BY f.mdtrt_id)
    SELECT m.mdtrt_id, m.psn_no,
           CAST(json_object('mdtrt', {_array("mdtrt", "m")}, 'setl', coalesce(s.rows, '[]'::JSON),
                            'diag', coalesce(d.rows, '[]'::JSON), 'fee', coalesce(f.rows, '[]'::JSON)) AS VARCHAR)
    FROM m LEFT JOIN s USING (mdtrt_id) LEFT JOIN d USING (mdtrt_id) LEFT JOIN f USING (mdtrt_id)
    """
    cur = con.execute(sql)
    while chunk := cur.fetchmany(10000):
        yield from chunk


def history_trace_sales(con: duckdb.DuckDBPyConnection, lookback_days: int) -> Iterator[tuple[str, str, str]]:
    """(traceability code, feedetl_sn, `[psn_no, mdtrt_id]`) for every pack sold in the same window."""
    sql = f"""
    WITH f AS (
      SELECT f.feedetl_sn, f.psn_no, f.mdtrt_id, f.drug_trac_codg FROM fee AS f JOIN mdtrt AS m USING (mdtrt_id)
      WHERE f.drug_trac_codg IS NOT NULL
        AND m.begntime >= (SELECT max(begntime) FROM mdtrt) - INTERVAL ({int(lookback_days)}) DAY
    )
    SELECT DISTINCT trim(code) AS code, feedetl_sn, CAST(json_array(psn_no, mdtrt_id) AS VARCHAR) AS ref FROM (
      SELECT unnest(string_split(drug_trac_codg, ',')) AS code, feedetl_sn, psn_no, mdtrt_id FROM f
    ) AS x WHERE trim(code) <> ''
    """
    cur = con.execute(sql)
    while chunk := cur.fetchmany(10000):
        yield from chunk


def _insert_rows(con: duckdb.DuckDBPyConnection, table: str, rows: list[dict[str, Any]]) -> int:
    if not rows:
        return 0
    spec = CONTRACT[table]
    cols = _cols(table)
    arrow = pa.Table.from_pylist(
        [{c: (None if r.get(c) is None else str(r[c])) for c in cols} for r in rows],
        schema=pa.schema([(c, pa.string()) for c in cols]),
    )
    con.register("_yb_rows", arrow)
    try:
        key = spec.key or ()
        casts = ", ".join(f'CAST(n."{f.name}" AS {f.sql_type}) AS "{f.name}"' for f in spec.fields)
        where = " AND ".join(f't."{k}" = n."{k}"' for k in key)
        anti = f"WHERE NOT EXISTS (SELECT 1 FROM {table} AS t WHERE {where})" if key else ""
        before = con.execute(f"SELECT count(*) FROM {table}").fetchall()[0]
        con.execute(
            f"INSERT INTO {table} ({', '.join(chr(34) + c + chr(34) for c in cols)}) "
            f"SELECT {casts} FROM (SELECT DISTINCT * FROM _yb_rows) AS n {anti}"
        )
        after = con.execute(f"SELECT count(*) FROM {table}").fetchall()[0]
        return int(after[0]) - int(before[0]) if before and after else 0
    finally:
        con.unregister("_yb_rows")


def flush_outbox(db: Path | str, entries: list[dict[str, Any]]) -> tuple[dict[str, int], str, str]:
    """Write seen settlements into the store in one transaction; raises if the store is busy.

    Returns the counts and the settlement fingerprint before and after, so that the state knows
    its history still matches the store (what was written came from the state itself).
    """
    con = duckdb.connect(str(db))
    try:
        con.execute("BEGIN")
        before = settlement_fingerprint(con)
        con.execute(DECISION_DDL)
        settled = [e["bundle"] for e in entries if e.get("settled")]
        counts = {}
        for table in _BUNDLE_TABLES:
            if table == "mdtrt":
                rows = [as_dict("mdtrt", b["mdtrt"]) for b in settled]
            else:
                rows = [as_dict(table, r) for b in settled for r in b.get(table, [])]
            counts[table] = _insert_rows(con, table, rows)
        con.executemany(
            "INSERT OR IGNORE INTO realtime_decision VALUES (?, CAST(? AS TIMESTAMP), ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    e["request_id"],
                    e["decided_at"],
                    e.get("stage", "in"),
                    e["decision"],
                    e["psn_no"],
                    e["mdtrt_id"],
                    e["fixmedins_code"],
                    len(e["findings"]),
                    json.dumps(e["findings"], ensure_ascii=False),
                )
                for e in entries
            ],
        )
        counts["realtime_decision"] = len(entries)
        after = settlement_fingerprint(con)
        con.execute("COMMIT")
        return counts, before, after
    finally:
        con.close()
