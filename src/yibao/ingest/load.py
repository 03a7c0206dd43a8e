"""Load a dataset folder into the store in one transaction.

The whole batch commits or nothing does, so an ingest killed half-way (even
`kill -9`) leaves the store as it was. A file already ingested (same table, same
bytes) is skipped; rows already stored unchanged are counted, not duplicated, so
re-ingesting is idempotent and a later month simply appends.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import duckdb

from yibao.contract import CONTRACT, TableSpec
from yibao.ingest.errors import UnusableInput
from yibao.ingest.readers import SourceFile, discover, file_sha256, read_header, read_rows
from yibao.ingest.report import FileReport, IngestReport, TableReport
from yibao.ingest.validate import SEP, staging_sql
from yibao.store import connect, ensure_schema

__all__ = ["Progress", "ingest"]

Progress = Callable[[str, int, int], None]
"""progress(file being loaded, files done, files in all)."""

# Fault injection for the crash test: sleep this long just before COMMIT.
_STALL_ENV = "YIBAO_INGEST_STALL_SECONDS"


def _q(name: str) -> str:
    return '"' + name + '"'


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _plan(folder: Path) -> list[tuple[TableSpec, SourceFile, list[str], str | None]]:
    """Check the whole dataset is usable before touching the store."""
    files = discover(folder)
    missing = [t.name for t in CONTRACT.tables if not t.optional and not files[t.name]]
    if missing:
        names = ", ".join(f"{m}.csv" for m in missing)
        raise UnusableInput(
            f"{folder}：缺少必需的表 {names}", f"{folder}: required table(s) missing: {names}", str(folder)
        )
    plan = []
    for spec in CONTRACT.tables:
        for src in files[spec.name]:
            columns, encoding = read_header(src)
            lacking = [c for c in spec.required_fields if c not in columns]
            if lacking:
                cols = ", ".join(lacking)
                raise UnusableInput(
                    f"{src.display}：缺少必需列 {cols}",
                    f"{src.display}: required column(s) missing: {cols}",
                    src.display,
                )
            plan.append((spec, src, columns, encoding))
    return plan


def ingest(folder: Path | str, db: Path | str, progress: Progress | None = None) -> IngestReport:
    """Validate and load every contract table found in `folder`.

    Raises UnusableInput (nothing loaded) for a missing required table or column
    or an unreadable file; bad rows are quarantined, never raised.
    """
    folder = Path(folder)
    plan = _plan(folder)
    con = connect(db, init=False)
    try:
        con.begin()
        ensure_schema(con)
        batch_id = con.execute("SELECT coalesce(max(batch_id), 0) + 1 FROM ingest_batch").fetchone()[0]  # type: ignore[index]
        con.execute(
            "INSERT INTO ingest_batch VALUES (?, ?, ?, NULL)",
            [batch_id, str(folder.resolve()), dt.datetime.now()],
        )
        report = IngestReport(batch_id=batch_id, source=str(folder), db=str(db))
        tables: dict[str, TableReport] = {}
        for i, (spec, src, columns, encoding) in enumerate(plan):
            if progress:
                progress(src.display, i, len(plan))
            rep = _load_file(con, spec, src, columns, encoding, batch_id)
            tables.setdefault(spec.name, TableReport(spec.name, spec.label)).files.append(rep)
        if progress:
            progress("", len(plan), len(plan))
        report.tables = list(tables.values())
        con.execute(
            "UPDATE ingest_batch SET finished_at = ? WHERE batch_id = ?", [dt.datetime.now(), batch_id]
        )
        _stall_before_commit()
        con.commit()
        return report
    except BaseException:
        con.rollback()
        raise
    finally:
        con.close()


def _stall_before_commit() -> None:
    """Fault injection for the crash test: hold the open transaction so it can be killed."""
    stall = float(os.environ.get(_STALL_ENV, "0") or 0)
    if stall > 0:
        print("ingest: stalling before commit", file=sys.stderr, flush=True)
        time.sleep(stall)


def _key_match(spec: TableSpec, left: str, right: str) -> str:
    """Join condition on the table's key (all fields for a keyless table), NULL-safe where needed."""
    key = spec.key or spec.field_names
    parts = []
    for k in key:
        f = spec.field(k)
        op = "=" if f.required else "IS NOT DISTINCT FROM"
        parts.append(f"{left}.{_q(k)} {op} {right}.{_q(k)}")
    return " AND ".join(parts)


def _add_error(con: duckdb.DuckDBPyConnection, where: str, field: str, zh: str, en: str) -> None:
    msg = _lit(f"{field}{SEP}{zh}{SEP}{en}")
    con.execute(f"UPDATE stg SET _errors = list_append(_errors, {msg}) WHERE {where}")


def _check_keys(con: duckdb.DuckDBPyConnection, spec: TableSpec) -> None:
    """A key repeated within the file: the first occurrence loads, later ones are quarantined."""
    key = spec.key or spec.field_names
    part = ", ".join(_q(k) for k in key)
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE dup AS SELECT _row, first_row FROM (
              SELECT _row, row_number() OVER w AS rn, first_value(_row) OVER w AS first_row
              FROM stg WHERE len(_errors) = 0 WINDOW w AS (PARTITION BY {part} ORDER BY _row)
            ) WHERE rn > 1"""
    )
    joined = "+".join(key)
    label = joined if spec.key else "整行"
    con.execute(
        f"""UPDATE stg SET _errors = list_append(_errors,
              {_lit(key[0] + SEP + f"主键重复（{label}）：首次出现在第")} || CAST(dup.first_row AS VARCHAR) || '行'
              || {_lit(SEP + f"duplicate key ({joined}), first seen at row ")} || CAST(dup.first_row AS VARCHAR))
            FROM dup WHERE stg._row = dup._row"""
    )


def _check_refs(con: duckdb.DuckDBPyConnection, spec: TableSpec) -> None:
    """References resolve against the store, which already holds this batch's earlier tables."""
    for f in spec.fields:
        if f.ref:
            table, col = f.ref
            _add_error(
                con,
                f"{_q(f.name)} IS NOT NULL AND {_q(f.name)} NOT IN (SELECT {_q(col)} FROM {table} "
                f"WHERE {_q(col)} IS NOT NULL)",
                f.name,
                f"引用不存在：{table}表中没有该{col}",
                f"orphan reference: no such {col} in {table}",
            )
        if f.same_as:
            table, col = f.same_as
            parent_key = CONTRACT[table].key[0]  # type: ignore[index]
            con.execute(
                f"""UPDATE stg SET _errors = list_append(_errors,
                      {_lit(f.name + SEP + f"与{table}表记录不一致：{table}中为")} || p.{_q(col)}
                      || {_lit(SEP + f"inconsistent with {table} (there: ")} || p.{_q(col)} || ')')
                    FROM {table} AS p WHERE p.{_q(parent_key)} = stg.{_q(parent_key)}
                      AND p.{_q(col)} IS DISTINCT FROM stg.{_q(f.name)}"""
            )


def _load_file(
    con: duckdb.DuckDBPyConnection,
    spec: TableSpec,
    src: SourceFile,
    columns: list[str],
    encoding: str | None,
    batch_id: int,
) -> FileReport:
    sha = file_sha256(src.path) + (f":{src.sheet}" if src.sheet else "")
    rep = FileReport(file=src.display, encoding=encoding)
    seen = con.execute(
        "SELECT rows_read FROM ingest_file WHERE table_name = ? AND sha256 = ? LIMIT 1", [spec.name, sha]
    ).fetchone()
    if seen:
        rep.skipped = True
        rep.read = rep.unchanged = int(seen[0])
        return rep

    raw = read_rows(src, columns, encoding)
    con.register("raw_in", raw.table)
    try:
        con.execute(staging_sql(spec, columns, "stg", "raw_in"))
        _check_refs(con, spec)
        _check_keys(con, spec)
        fields = ", ".join(_q(n) for n in spec.field_names)
        same = " AND ".join(f"s.{_q(n)} IS NOT DISTINCT FROM t.{_q(n)}" for n in spec.field_names)
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE cmp AS
                SELECT s._row, CASE WHEN NOT EXISTS (SELECT 1 FROM {spec.name} t WHERE {_key_match(spec, "s", "t")})
                    THEN 'new'
                  WHEN EXISTS (SELECT 1 FROM {spec.name} t WHERE {_key_match(spec, "s", "t")} AND {same}
                    AND s._extra IS NOT DISTINCT FROM t._extra) THEN 'unchanged'
                  ELSE 'changed' END AS status
                FROM stg s WHERE len(s._errors) = 0"""
        )
        if spec.kind == "fact":
            _add_error(
                con,
                "_row IN (SELECT _row FROM cmp WHERE status = 'changed')",
                (spec.key or spec.field_names)[0],
                "与已入库记录主键相同但内容不同",
                "conflicts with a stored row that has the same key",
            )
            load = "'new'"
        else:
            con.execute(
                f"""DELETE FROM {spec.name} t WHERE EXISTS (SELECT 1 FROM stg s JOIN cmp USING (_row)
                    WHERE cmp.status = 'changed' AND {_key_match(spec, "s", "t")})"""
            )
            load = "'new', 'changed'"
        con.execute(
            f"""INSERT INTO {spec.name} ({fields}, _extra, _batch)
                SELECT {fields}, _extra, {batch_id} FROM stg JOIN cmp USING (_row)
                WHERE cmp.status IN ({load}) AND len(stg._errors) = 0"""
        )
        counts = dict(
            con.execute(
                "SELECT status, count(*) FROM cmp JOIN stg USING (_row) WHERE len(stg._errors) = 0 GROUP BY status"
            ).fetchall()
        )
        _quarantine(con, spec, src, raw.ragged, len(columns), batch_id)
        rep.read = raw.table.num_rows + len(raw.ragged)
        rep.new = int(counts.get("new", 0))
        rep.updated = int(counts.get("changed", 0))
        rep.unchanged = int(counts.get("unchanged", 0))
        rep.quarantined = con.execute("SELECT count(*) FROM stg WHERE len(_errors) > 0").fetchone()[0]  # type: ignore[index]
        rep.quarantined += len(raw.ragged)
        rep.reasons = Counter(
            dict(
                con.execute(
                    f"""SELECT split_part(e, '{SEP}', 1) || '：' || split_part(split_part(e, '{SEP}', 2), '：', 1),
                        count(*) FROM (SELECT unnest(_errors) AS e FROM stg) GROUP BY 1"""
                ).fetchall()
            )
        )
        if raw.ragged:
            rep.reasons["*：字段数与表头不符"] += len(raw.ragged)
    finally:
        with contextlib.suppress(duckdb.Error):  # an aborted transaction must surface its own error
            con.unregister("raw_in")
    con.execute(
        "INSERT INTO ingest_file VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            batch_id,
            spec.name,
            src.display,
            sha,
            encoding,
            rep.read,
            rep.new,
            rep.updated,
            rep.unchanged,
            rep.quarantined,
        ],
    )
    return rep


def _quarantine(
    con: duckdb.DuckDBPyConnection,
    spec: TableSpec,
    src: SourceFile,
    ragged: list[tuple[int, int, str]],
    width: int,
    batch_id: int,
) -> None:
    """One quarantine row per rejected record: every failing field and every reason."""
    con.execute(
        f"""INSERT INTO quarantine
            SELECT {batch_id}, {_lit(spec.name)}, {_lit(src.display)}, s._row,
                   array_to_string(list_distinct(list_transform(s._errors, lambda x: split_part(x, '{SEP}', 1))), ','),
                   array_to_string(list_transform(s._errors, lambda x: split_part(x, '{SEP}', 1) || '：'
                       || split_part(x, '{SEP}', 2)), '；'),
                   array_to_string(list_transform(s._errors, lambda x: split_part(x, '{SEP}', 1) || ': '
                       || split_part(x, '{SEP}', 3)), '; '),
                   CAST(to_json(r) AS VARCHAR)
            FROM stg s JOIN raw_in r USING (_row) WHERE len(s._errors) > 0 ORDER BY s._row"""
    )
    if ragged:
        con.executemany(
            "INSERT INTO quarantine VALUES (?, ?, ?, ?, '*', ?, ?, ?)",
            [
                (
                    batch_id,
                    spec.name,
                    src.display,
                    row,
                    f"*：字段数{n}与表头列数{width}不符",
                    f"*: {n} fields but the header has {width} columns",
                    text,
                )
                for row, n, text in ragged
            ],
        )
