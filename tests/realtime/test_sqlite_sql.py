"""The SQLite rendering of rule SQL keeps DuckDB's meaning, expression by expression."""

from __future__ import annotations

import sqlite3

import duckdb
import pytest

from yibao.realtime.sqlite_sql import SqlTranslationError, referenced_tables, register_functions, to_sqlite

ROWS = [
    ("a", "2025-03-01 09:30:00", "2024-12-30", 7, 2, "x;y;y", "Ab"),
    ("b", "2025-01-05 23:59:59", "2025-01-06", 1, 4, None, "aB"),
    ("c", "2024-02-29 00:00:00", "2023-02-28", 9, 3, "", "ab"),
]


@pytest.fixture
def engines():
    duck = duckdb.connect()
    duck.execute("CREATE TABLE t (k VARCHAR, ts TIMESTAMP, d DATE, i BIGINT, j BIGINT, s VARCHAR, c VARCHAR)")
    duck.executemany("INSERT INTO t VALUES (?, ?, ?, ?, ?, ?, ?)", ROWS)
    lite = sqlite3.connect(":memory:")
    register_functions(lite)
    lite.execute("CREATE TABLE t (k, ts, d, i, j, s, c)")
    lite.executemany("INSERT INTO t VALUES (?, ?, ?, ?, ?, ?, ?)", ROWS)
    yield duck, lite
    duck.close()
    lite.close()


def _value(v):
    if isinstance(v, bool):
        return v
    if isinstance(v, (int, float)):
        return round(float(v), 6)
    return str(v)


def _norm(rows):
    return sorted((tuple(_value(v) for v in r) for r in rows), key=repr)


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT k, date_diff('day', d, CAST(ts AS DATE)) FROM t",
        "SELECT k, date_diff('day', d, ts) FROM t",
        "SELECT k, CAST(date_trunc('week', d) AS DATE), CAST(date_trunc('month', ts) AS DATE) FROM t",
        "SELECT k, CAST(date_trunc('year', d) AS DATE) FROM t",
        "SELECT k, i / j, 1.0 * i / j FROM t",
        "SELECT k, year(ts) - year(d), month(ts), day(d) FROM t",
        "SELECT k, left(c, 1), right(k || c, 2) FROM t",
        "SELECT k FROM t WHERE c LIKE 'a%'",
        "SELECT k, epoch(ts) FROM t",
        "SELECT k, concat(k, '-', s) FROM t",
        "SELECT k, tok FROM (SELECT k, unnest(string_split(s, ';')) AS tok FROM t) AS x",
        "SELECT string_agg(DISTINCT tok, '或' ORDER BY tok) FROM (SELECT unnest(string_split(s, ';')) AS tok FROM t) AS x",
        "SELECT k, regexp_matches(c, 'b|c') FROM t",
        "SELECT k, starts_with(c, 'a') FROM t",
        "SELECT k, CAST(CAST(i / 4 AS DECIMAL(18,2)) AS VARCHAR) FROM t",
        "SELECT k, greatest(i, j), least(i, NULL) FROM t",
    ],
)
def test_sqlite_rendering_gives_duckdb_results(engines, sql):
    duck, lite = engines
    expected = duck.execute(sql).fetchall()
    got = lite.execute(to_sqlite(sql)).fetchall()
    if sql.startswith("SELECT k, regexp") or sql.startswith("SELECT k, starts_with"):
        got = [(k, bool(v)) for k, v in got]
    assert _norm(got) == _norm(expected)


def test_interval_arithmetic_is_refused_per_request():
    with pytest.raises(SqlTranslationError):
        to_sqlite("SELECT CAST(d - INTERVAL 1 DAY AS DATE) FROM t")


def test_referenced_tables_leave_out_ctes_and_the_created_table():
    sql = "CREATE TEMP TABLE x AS WITH a AS (SELECT * FROM fee) SELECT * FROM a JOIN catalog USING (med_list_codg)"
    assert referenced_tables(sql) == {"fee", "catalog"}
