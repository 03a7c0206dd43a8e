"""The embedded analytical store (DuckDB): contract tables plus ingest and findings bookkeeping.

Contract tables keep the contract's names and columns so rule SQL reads them
directly; `_extra` holds unknown columns as JSON (the contract says keep them)
and `_batch` the ingest batch that brought the row.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from yibao.contract import CONTRACT, TableSpec

__all__ = ["DEFAULT_DB", "META_DDL", "connect", "ensure_schema", "table_ddl"]

DEFAULT_DB = Path("yibao.duckdb")

META_DDL = (
    """CREATE TABLE IF NOT EXISTS ingest_batch (
        batch_id BIGINT PRIMARY KEY,
        source VARCHAR NOT NULL,
        started_at TIMESTAMP NOT NULL,
        finished_at TIMESTAMP
    )""",
    """CREATE TABLE IF NOT EXISTS ingest_file (
        batch_id BIGINT NOT NULL,
        table_name VARCHAR NOT NULL,
        file_name VARCHAR NOT NULL,
        sha256 VARCHAR NOT NULL,
        encoding VARCHAR,
        rows_read BIGINT NOT NULL,
        rows_new BIGINT NOT NULL,
        rows_updated BIGINT NOT NULL,
        rows_unchanged BIGINT NOT NULL,
        rows_quarantined BIGINT NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS quarantine (
        batch_id BIGINT NOT NULL,
        table_name VARCHAR NOT NULL,
        file_name VARCHAR NOT NULL,
        row_no BIGINT NOT NULL,
        field VARCHAR NOT NULL,
        reason_zh VARCHAR NOT NULL,
        reason_en VARCHAR NOT NULL,
        raw VARCHAR
    )""",
    """CREATE TABLE IF NOT EXISTS findings (
        finding_id VARCHAR PRIMARY KEY,
        violation VARCHAR NOT NULL,
        detector VARCHAR NOT NULL,
        level VARCHAR NOT NULL,
        feedetl_sn VARCHAR,
        mdtrt_id VARCHAR,
        psn_no VARCHAR,
        prac_code VARCHAR,
        fixmedins_code VARCHAR,
        amount DECIMAL(18,2),
        score DOUBLE,
        grade VARCHAR NOT NULL,
        evidence VARCHAR
    )""",
)


def table_ddl(spec: TableSpec) -> str:
    """CREATE TABLE for one contract table; keys are enforced by ingest, not by constraints,
    so that a bad row is quarantined with a reason instead of aborting the load."""
    cols = [f'"{f.name}" {f.sql_type}' for f in spec.fields]
    cols += ["_extra VARCHAR", "_batch BIGINT"]
    return f"CREATE TABLE IF NOT EXISTS {spec.name} (\n    " + ",\n    ".join(cols) + "\n)"


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create every table that does not exist yet (idempotent)."""
    for spec in CONTRACT.tables:
        con.execute(table_ddl(spec))
    for ddl in META_DDL:
        con.execute(ddl)


def connect(
    db: Path | str = DEFAULT_DB, *, read_only: bool = False, init: bool = True
) -> duckdb.DuckDBPyConnection:
    """Open the store. Times are naive local time (Asia/Shanghai) as in the contract.

    `init=False` leaves schema creation to the caller's transaction, so that an
    ingest killed before commit leaves no trace at all.
    """
    path = Path(db)
    if read_only and not path.exists():
        raise FileNotFoundError(f"数据库不存在，请先运行 yibao ingest / store not found: {path}")
    con = duckdb.connect(str(path), read_only=read_only)
    if init and not read_only:
        ensure_schema(con)
    return con
