"""Run rules: build the shared intermediates once, bind parameters, turn rows into findings."""

from __future__ import annotations

import functools
import math
import re
import time
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

from yibao.findings import LEVEL_KEYS, Finding
from yibao.rules.loader import PARAM_RE
from yibao.rules.model import Rule, RuleError

__all__ = [
    "PRELUDE",
    "PreludeStep",
    "RuleRun",
    "intermediates_for",
    "prelude_steps",
    "prepare",
    "run_rule",
    "run_rules",
    "split_statements",
]

PRELUDE = Path(__file__).with_name("prelude")
_KEYS = ("feedetl_sn", "mdtrt_id", "psn_no", "prac_code", "fixmedins_code")


@dataclass(slots=True)
class RuleRun:
    """One rule's findings, or why it could not run on this data."""

    rule: Rule
    findings: list[Finding] = field(default_factory=list)
    seconds: float = 0.0
    error: str | None = None

    @property
    def amount(self) -> float:
        return sum(f.amount for f in self.findings)


def split_statements(sql: str) -> list[str]:
    """Split a script on `;` outside quotes, dropping `--` comments (a `;` may sit in a literal)."""
    out: list[str] = []
    buf: list[str] = []
    quote: str | None = None
    i = 0
    while i < len(sql):
        ch = sql[i]
        if quote:
            buf.append(ch)
            if ch == quote:
                quote = None
        elif ch in ("'", '"'):
            quote = ch
            buf.append(ch)
        elif sql.startswith("--", i):
            end = sql.find("\n", i)
            i = len(sql) if end < 0 else end
            continue
        elif ch == ";":
            out.append("".join(buf))
            buf = []
        else:
            buf.append(ch)
        i += 1
    out.append("".join(buf))
    return [s.strip() for s in out if s.strip()]


_CREATE_RE = re.compile(r"\s*CREATE\s+OR\s+REPLACE\s+TEMP(?:ORARY)?\s+(?:TABLE|VIEW)\s+(\w+)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class PreludeStep:
    """One shared intermediate: its name, statement, file and the intermediates it reads."""

    name: str
    sql: str
    source: str
    deps: frozenset[str]


def _mentions(sql: str, names: list[str] | set[str]) -> set[str]:
    return {n for n in names if re.search(rf"\b{re.escape(n)}\b", sql)}


@functools.cache
def prelude_steps() -> tuple[PreludeStep, ...]:
    """The prelude's statements in build order, each with what it depends on."""
    steps: list[PreludeStep] = []
    for path in sorted(PRELUDE.glob("*.sql")):
        for stmt in split_statements(path.read_text(encoding="utf-8")):
            m = _CREATE_RE.match(stmt)
            if not m:
                raise RuleError(f"{path.name}: 前置语句必须是 CREATE OR REPLACE TEMP TABLE/VIEW … AS SELECT / "
                                "prelude statements must be CREATE OR REPLACE TEMP TABLE/VIEW … AS SELECT")
            deps = frozenset(_mentions(stmt[m.end():], [s.name for s in steps]))
            steps.append(PreludeStep(m.group(1), stmt, path.name, deps))
    return tuple(steps)


def intermediates_for(sql: str) -> set[str]:
    """The intermediates a rule's SQL reads, with everything they are built from."""
    by_name = {s.name: s for s in prelude_steps()}
    need = _mentions(" ".join(split_statements(sql)), set(by_name))
    todo = list(need)
    while todo:
        for dep in by_name[todo.pop()].deps - need:
            need.add(dep)
            todo.append(dep)
    return need


def prepare(
    con: duckdb.DuckDBPyConnection, only: set[str] | None = None, done: set[str] | None = None
) -> set[str]:
    """Build the shared intermediates (`fee_ctx`, `enc_ctx`, …) over the current store.

    Every `prelude/*.sql` statement runs in name order; a family of rules that needs its own
    intermediate adds a file there instead of re-reading the fee table in each rule. With
    `only`, just those intermediates are built (see `intermediates_for`), skipping the ones in
    `done`, so a run of a few rules builds only what they read. Returns what was built.
    """
    built: set[str] = set()
    for step in prelude_steps():
        if (only is None or step.name in only) and step.name not in (done or set()):
            con.execute(step.sql)
            built.add(step.name)
    return built


class _Missing(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    return value


def _text(value: Any) -> str:
    value = _plain(value)
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".") if not value.is_integer() else str(int(value))
    return str(value)


def bind_sql(rule: Rule) -> str:
    """`:name` → `$name`, DuckDB's named parameter syntax."""
    return PARAM_RE.sub(lambda m: "$" + m.group(1), rule.sql.strip().rstrip(";"))


def to_findings(rule: Rule, cols: list[str], rows: list[Any], values: dict[str, Any]) -> list[Finding]:
    """Rows returned by a rule's SQL (on any engine) → findings in the contract's shape."""
    key = LEVEL_KEYS[rule.level]
    if key not in cols or "amount" not in cols:
        raise RuleError(f"{rule.path}: SQL必须返回 {key} 和 amount 列 / must return {key} and amount")
    findings = []
    for row in rows:
        rec = dict(zip(cols, row, strict=True))
        ctx = _Missing({k: _text(v) for k, v in rec.items()})
        ctx.update({f"param_{k}": _text(v) for k, v in values.items()})
        score = _plain(rec.get("score", rule.score))
        score = rule.score if score is None or (isinstance(score, float) and math.isnan(score)) else score
        findings.append(
            Finding(
                violation=rule.violation,
                detector=rule.detector,
                level=rule.level,
                amount=round(float(_plain(rec["amount"]) or 0.0), 2),
                score=min(1.0, max(0.0, float(score))),
                grade=rule.grade,
                evidence=rule.evidence.format_map(ctx),
                **{k: (str(rec[k]) if rec.get(k) is not None else None) for k in _KEYS},
            )
        )
    return findings


def run_rule(con: duckdb.DuckDBPyConnection, rule: Rule, params: dict[str, Any] | None = None) -> RuleRun:
    """Run one rule over prepared intermediates; the caller has called `prepare`."""
    start = time.perf_counter()
    values = rule.bound(params)
    try:
        cur = con.execute(bind_sql(rule), values or None)
    except duckdb.Error as exc:
        return RuleRun(rule, [], time.perf_counter() - start, str(exc).splitlines()[0])
    cols = [d[0] for d in cur.description]
    findings = to_findings(rule, cols, cur.fetchall(), values)
    return RuleRun(rule, findings, time.perf_counter() - start)


def run_rules(
    con: duckdb.DuckDBPyConnection,
    rules: list[Rule] | tuple[Rule, ...],
    params: dict[str, dict[str, Any]] | None = None,
) -> list[RuleRun]:
    """Prepare once, then run each rule with its own parameter overrides."""
    prepare(con)
    return [run_rule(con, r, (params or {}).get(r.id)) for r in rules]
