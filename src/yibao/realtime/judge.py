"""One settlement judged by the rule library's own SQL on a tiny per-request SQLite database.

The knowledge base (catalogue, pair rules, limits, institutions, persons, deaths) is read from
the store once: the prelude statements that read knowledge only (`catalog_span`, `item_rule_x`,
…) run there in DuckDB, literally as batch screening runs them, and their results become indexed
SQLite tables. The statements that read settlement data (`fee_net`, `fee_ctx`, `limit_breach`, …)
and each rule of the stage are transpiled to SQLite once (`sqlite_sql.to_sqlite`) and stay
prepared; a request fills the contract tables with the person's history and the new settlement,
refreshes the intermediates and runs the rules. A few hundred rows per request instead of
millions: the same SQL answers in milliseconds (measured cost in docs/realtime.md).
"""

from __future__ import annotations

import functools
import hashlib
import sqlite3
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

import duckdb
import sqlglot
from sqlglot import exp

from yibao.contract import CONTRACT
from yibao.findings import Finding
from yibao.realtime.sqlite_sql import bind_literals, referenced_tables, register_functions, to_sqlite
from yibao.rules.engine import PRELUDE, split_statements, to_findings
from yibao.rules.loader import load_library
from yibao.rules.model import Rule

__all__ = [
    "KNOWLEDGE_TABLES",
    "REQUEST_TABLES",
    "Judge",
    "Knowledge",
    "load_knowledge",
    "realtime_rules",
]

Stage = Literal["pre", "in"]

# Read once from the store (知识库); the rest is filled per request.
KNOWLEDGE_TABLES = ("catalog", "item_rule", "item_limit", "medins", "practitioner")
REQUEST_TABLES = ("psn", "death", "mdtrt", "diag", "setl", "fee", "purchase")
# Rules that the stage lists but that judge a whole institution's history (one own code against
# all its uses): they stay with batch screening, see docs/realtime.md.
BATCH_ONLY = frozenset({"code_mapping_conflict"})
# Indexes on knowledge tables for the equi-joins of the prelude (a real catalogue has 100k rows).
_INDEXES = {
    "catalog": ("med_list_codg",),
    "catalog_span": ("med_list_codg",),
    "catalog_dise": ("med_list_codg",),
    "medins": ("fixmedins_code",),
    "item_rule_x": ("pat_a", "pat_b"),
    "item_limit_x": ("limit_no",),
    "item_limit_dept_excl": ("limit_no",),
    "item_pat": ("pat", "pat_code"),
    "k_psn": ("psn_no",),
    "k_death": ("psn_no",),
}


def realtime_rules(stage: Stage, library: Path | None = None) -> tuple[Rule, ...]:
    """The rules of a stage (事前 pre / 事中 in) that a single settlement can be judged by."""
    return tuple(r for r in load_library(library) if stage in r.stages and r.id not in BATCH_ONLY)


def _sql_value(value: Any) -> Any:
    if value is None or isinstance(value, (str, int, float)):
        return int(value) if isinstance(value, bool) else value
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


@dataclass(frozen=True, slots=True)
class _Statement:
    name: str
    select: str  # DuckDB dialect, as in the prelude file
    knowledge: bool


@functools.cache
def _prelude() -> tuple[_Statement, ...]:
    out: list[_Statement] = []
    known: set[str] = set(KNOWLEDGE_TABLES)
    for path in sorted(PRELUDE.glob("*.sql")):
        for stmt in split_statements(path.read_text(encoding="utf-8")):
            tree = sqlglot.parse_one(stmt, read="duckdb")
            if not isinstance(tree, exp.Create) or not isinstance(tree.expression, exp.Query):
                raise ValueError(f"{path.name}: prelude statements must be CREATE … AS SELECT")
            name = tree.this.name if isinstance(tree.this, exp.Table) else tree.this.this.name
            is_knowledge = referenced_tables(stmt) <= known
            if is_knowledge:
                known.add(name)
            out.append(_Statement(name, tree.expression.sql(dialect="duckdb"), is_knowledge))
    return tuple(out)


@dataclass(slots=True)
class Knowledge:
    """The knowledge base as plain rows, read once from the store; `version` changes with it."""

    tables: dict[str, tuple[list[str], list[tuple[Any, ...]]]]
    version: str
    loaded_at: float


def _fingerprint(con: duckdb.DuckDBPyConnection, names: tuple[str, ...]) -> str:
    parts = []
    for name in names:
        row = con.execute(f"SELECT count(*), coalesce(sum(hash(t)), 0) FROM {name} AS t").fetchall()[0]
        parts.append(f"{name}:{row[0]}:{row[1]}")
    return hashlib.sha1("|".join(parts).encode()).hexdigest()[:16]


def knowledge_version(db: Path | str) -> str:
    """A cheap fingerprint of the store's knowledge tables, to notice an update without a restart."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        return _fingerprint(con, (*KNOWLEDGE_TABLES, "death"))
    finally:
        con.close()


def load_knowledge(db: Path | str) -> Knowledge:
    """Read the knowledge tables and build the knowledge-only intermediates with DuckDB itself."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        tables: dict[str, tuple[list[str], list[tuple[Any, ...]]]] = {}
        for name in KNOWLEDGE_TABLES:
            cols = [f.name for f in CONTRACT[name].fields]
            tables[name] = (cols, con.execute(f"SELECT {', '.join(cols)} FROM {name}").fetchall())
        for stmt in _prelude():
            if stmt.knowledge:
                con.execute(f"CREATE OR REPLACE TEMP TABLE {stmt.name} AS {stmt.select}")
                cur = con.execute(f"SELECT * FROM {stmt.name}")
                tables[stmt.name] = ([d[0] for d in cur.description], cur.fetchall())
        for name, src in (("k_psn", "psn"), ("k_death", "death")):
            cols = [f.name for f in CONTRACT[src].fields]
            tables[name] = (cols, con.execute(f"SELECT {', '.join(cols)} FROM {src}").fetchall())
        version = _fingerprint(con, (*KNOWLEDGE_TABLES, "death"))
    finally:
        con.close()
    return Knowledge(tables, version, time.time())


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class Judge:
    """Runs the rules of one stage on one settlement plus the person's history (one per thread)."""

    def __init__(self, knowledge: Knowledge, stage: Stage, library: Path | None = None) -> None:
        self.knowledge = knowledge
        self.stage = stage
        self.rules = realtime_rules(stage, library)
        self._con = sqlite3.connect(":memory:", check_same_thread=False, cached_statements=1024)
        self._con.isolation_level = None
        self._lock = threading.Lock()
        register_functions(self._con)
        self._columns: dict[str, list[str]] = {}
        self._load_knowledge()
        self._steps: list[tuple[str, str]] = []
        self._create_request_tables()
        self._queries = [(r, to_sqlite(bind_literals(r.sql, r.bound()))) for r in self.rules]
        self._limit_tokens = self._limits()
        self._tcm = {
            r[0] for r in self._con.execute("SELECT med_list_codg FROM catalog WHERE is_tcm_therapy")
        }
        for rule, sql in self._queries:  # fail at start-up, not on the first request
            self._con.execute(f"EXPLAIN {sql}").fetchall()
            del rule

    def _table(self, name: str, cols: list[str], temp: bool = False) -> None:
        kind = "TEMP TABLE" if temp else "TABLE"
        self._con.execute(f"DROP TABLE IF EXISTS {_q(name)}")
        self._con.execute(f"CREATE {kind} {_q(name)} ({', '.join(_q(c) for c in cols)})")
        self._columns[name] = cols

    def _load_knowledge(self) -> None:
        for name, (cols, rows) in self.knowledge.tables.items():
            self._table(name, cols)
            marks = ", ".join("?" for _ in cols)
            self._con.executemany(
                f"INSERT INTO {_q(name)} VALUES ({marks})", [tuple(_sql_value(v) for v in r) for r in rows]
            )
            for col in _INDEXES.get(name, ()):
                self._con.execute(f"CREATE INDEX {_q('ix_' + name + '_' + col)} ON {_q(name)} ({_q(col)})")
        self._con.execute("ANALYZE")

    def _create_request_tables(self) -> None:
        for name in REQUEST_TABLES:
            self._table(name, [f.name for f in CONTRACT[name].fields], temp=True)
        for stmt in _prelude():
            if stmt.knowledge:
                continue
            select = to_sqlite(stmt.select)
            cur = self._con.execute(f"SELECT * FROM ({select}) LIMIT 0")
            self._table(stmt.name, [d[0] for d in cur.description], temp=True)
            self._steps.append((stmt.name, f"INSERT INTO {_q(stmt.name)} {select}"))
        self._insert = {
            n: f"INSERT INTO {_q(n)} ({', '.join(_q(c) for c in self._columns[n])}) "
            f"VALUES ({', '.join('?' for _ in self._columns[n])})"
            for n in REQUEST_TABLES
        }

    def _limits(self) -> list[tuple[str, ...]]:
        rows = self._con.execute("SELECT DISTINCT limit_codes FROM item_limit_x").fetchall()
        return [tuple(t for t in str(r[0]).split(";") if t) for r in rows if r[0]]

    @functools.lru_cache(maxsize=65536)  # noqa: B019 - one judge per knowledge version, kept for its lifetime
    def limit_groups(self, code: str) -> frozenset[int]:
        """The item_limit rows counting this code (an exact code or a `prefix*` pattern)."""
        return frozenset(
            i
            for i, tokens in enumerate(self._limit_tokens)
            if any(t == code or (t.endswith("*") and code.startswith(t[:-1])) for t in tokens)
        )

    def is_tcm(self, code: str) -> bool:
        return code in self._tcm

    def person(self, psn_no: str) -> tuple[list[Any] | None, list[list[Any]]]:
        """The registry row of a person and their deaths (the knowledge base's copy), as contract rows."""
        with self._lock:
            row = self._con.execute("SELECT * FROM k_psn WHERE psn_no = ?", (psn_no,)).fetchone()
            deaths = self._con.execute("SELECT * FROM k_death WHERE psn_no = ?", (psn_no,)).fetchall()
        return (list(row) if row else None), [list(d) for d in deaths]

    def institution_known(self, code: str) -> bool:
        with self._lock:
            return (
                self._con.execute("SELECT 1 FROM medins WHERE fixmedins_code = ?", (code,)).fetchone()
                is not None
            )

    def run(self, tables: dict[str, Sequence[Sequence[Any]]]) -> list[Finding]:
        """Findings of the stage's rules over these contract rows (lists in contract column order)."""
        with self._lock:
            con = self._con
            con.execute("BEGIN")
            try:
                for name, rows in tables.items():
                    if rows:
                        con.executemany(self._insert[name], rows)
                for _name, sql in self._steps:
                    con.execute(sql)
                findings: list[Finding] = []
                for rule, sql in self._queries:
                    cur = con.execute(sql)
                    rows = cur.fetchall()
                    if rows:
                        cols = [d[0] for d in cur.description]
                        findings.extend(to_findings(rule, cols, rows, rule.bound()))
                return findings
            finally:
                con.execute("ROLLBACK")
