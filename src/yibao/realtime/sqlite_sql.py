"""The rule library's DuckDB SQL written for SQLite, so one settlement is judged in microseconds.

Nothing here re-implements a rule: each prelude statement and rule query is parsed as DuckDB
SQL by sqlglot and written as SQLite SQL, like the Spark runner does. Where SQLite lacks a
DuckDB function the AST is rewritten to a small deterministic SQL function registered on the
connection (`register_functions`), with DuckDB's semantics: day differences count calendar-date
boundaries, `/` divides as real numbers, `unnest(string_split(…))` becomes a `json_each` join,
`string_agg(DISTINCT … ORDER BY …)` an ordered distinct aggregate.
"""

from __future__ import annotations

import functools
import json
import re
import sqlite3
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlglot
from sqlglot import exp

from yibao.rules.loader import PARAM_RE

__all__ = ["SqlTranslationError", "bind_literals", "referenced_tables", "register_functions", "to_sqlite"]


class SqlTranslationError(ValueError):
    """A construct of the rule SQL that has no SQLite rendering here (the message names it)."""


def _literal(value: Any) -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def bind_literals(sql: str, values: dict[str, Any] | None = None) -> str:
    """`:name` parameters bound as SQL literals (thresholds are fixed per loaded knowledge)."""
    return PARAM_RE.sub(lambda m: _literal((values or {})[m.group(1)]), sql.strip().rstrip(";"))


def _fn(name: str, *args: exp.Expression) -> exp.Expression:
    return exp.Anonymous(this=name, expressions=list(args))


def _unit(node: exp.Expression) -> exp.Literal:
    unit = node.args.get("unit")
    text = unit.name if unit is not None else "day"
    return exp.Literal.string(text.lower())


def _sql(text: str) -> exp.Expression:
    return sqlglot.parse_one(text, read="sqlite")


def _day_of(node: exp.Expression) -> str:
    return f"date({node.sql(dialect='sqlite')})"


def _rewrite(node: exp.Expression) -> exp.Expression:
    # SQLite's own date functions where they match DuckDB exactly (they run in C, not Python)
    if isinstance(node, exp.DateDiff) and _unit(node).name == "day":
        a, b = _day_of(node.expression), _day_of(node.this)
        return _sql(f"CAST(julianday({b}) - julianday({a}) AS INTEGER)")
    if isinstance(node, exp.DateDiff):
        return _fn("yb_date_diff", _unit(node), node.expression, node.this)
    if isinstance(node, (exp.TimestampTrunc, exp.DateTrunc)):
        unit, arg = _unit(node).name, _day_of(node.this)
        modifier = {
            "day": None,
            "month": "'start of month'",
            "year": "'start of year'",
            "week": "'-6 days', 'weekday 1'",
        }.get(unit)
        if unit in ("day", "month", "year", "week"):
            return _sql(arg if modifier is None else f"date({arg}, {modifier})")
        return _fn("yb_date_trunc", _unit(node), node.this)
    if isinstance(node, exp.TimeToUnix):
        return _sql(f"unixepoch({node.this.sql(dialect='sqlite')})")
    if isinstance(node, (exp.Year, exp.Month, exp.Day)):
        fmt = {exp.Year: "%Y", exp.Month: "%m", exp.Day: "%d"}[type(node)]
        return _sql(f"CAST(strftime('{fmt}', {node.this.sql(dialect='sqlite')}) AS INTEGER)")
    if isinstance(node, exp.Left):
        return _fn("substr", node.this, exp.Literal.number(1), node.expression)
    if isinstance(node, exp.Right):
        return _fn("yb_right", node.this, node.expression)
    if isinstance(node, exp.Concat):
        return _fn("yb_concat", *node.expressions)
    if isinstance(node, exp.StartsWith):
        return _fn("yb_starts_with", node.this, node.expression)
    if isinstance(node, exp.RegexpLike):
        return _fn("yb_regexp_matches", node.this, node.expression)
    if isinstance(node, exp.Div):
        return exp.Div(this=exp.cast(node.this, "REAL"), expression=node.expression)
    if isinstance(node, exp.Interval):
        raise SqlTranslationError("INTERVAL arithmetic is not supported per request")
    if isinstance(node, exp.GroupConcat):
        inner = node.this
        distinct = False
        if isinstance(inner, exp.Order):
            inner = inner.this
        if isinstance(inner, exp.Distinct):
            distinct = True
            inner = inner.expressions[0]
        sep = node.args.get("separator") or exp.Literal.string(",")
        return _fn("yb_string_agg_distinct" if distinct else "yb_string_agg", inner, sep)
    if isinstance(node, exp.Cast) and node.to.is_type("varchar", "text"):
        inner = node.this
        if isinstance(inner, exp.Cast) and inner.to.is_type("decimal"):
            params = inner.to.expressions
            scale = int(params[1].name) if len(params) > 1 else 0
            return _fn("yb_decimal_text", inner.this, exp.Literal.number(scale))
    return node


def _explode_to_join(select: exp.Select) -> None:
    """`SELECT …, unnest(string_split(x, s)) AS tok FROM t` → `… j.value AS tok FROM t, json_each(…) AS j`."""
    for i, proj in enumerate(select.expressions):
        target = proj.this if isinstance(proj, exp.Alias) else proj
        if not isinstance(target, (exp.Explode, exp.Unnest)):
            continue
        arg = target.this if isinstance(target, exp.Explode) else target.expressions[0]
        if not isinstance(arg, exp.Split):
            raise SqlTranslationError("unnest() is supported over string_split() only")
        alias = f"_yb_j{i}"
        name = proj.alias if isinstance(proj, exp.Alias) else "value"
        select.expressions[i] = exp.alias_(exp.column("value", table=alias), name)
        each = exp.Table(
            this=exp.Anonymous(
                this="json_each", expressions=[_fn("yb_split_json", arg.this, arg.expression)]
            ),
            alias=exp.TableAlias(this=exp.to_identifier(alias)),
        )
        select.append("joins", exp.Join(this=each))


@functools.lru_cache(maxsize=512)
def to_sqlite(sql: str) -> str:
    """One DuckDB statement (parameters already bound) → SQLite SQL text."""
    tree = sqlglot.parse_one(sql, read="duckdb")
    for select in list(tree.find_all(exp.Select)):
        _explode_to_join(select)
    tree = tree.transform(_rewrite)
    return tree.sql(dialect="sqlite")


def referenced_tables(sql: str) -> set[str]:
    """Tables a statement reads (CTE names left out): decides what is knowledge and what is per request."""
    tree = sqlglot.parse_one(sql, read="duckdb")
    ctes = {c.alias_or_name for c in tree.find_all(exp.CTE)}
    created = tree.this.name if isinstance(tree, exp.Create) and isinstance(tree.this, exp.Table) else None
    names = {t.name for t in tree.find_all(exp.Table) if t.name and not isinstance(t.this, exp.Anonymous)}
    return names - ctes - ({created} if created else set())


# --- the SQL functions SQLite lacks, with DuckDB's semantics --------------------------------------------


def _day(value: Any) -> date | None:
    if value is None:
        return None
    if isinstance(value, (int, float)):
        raise ValueError(f"not a date: {value!r}")
    return date.fromisoformat(str(value)[:10])


def _date_diff(unit: str, a: Any, b: Any) -> int | None:
    da, db = _day(a), _day(b)
    if da is None or db is None:
        return None
    if unit == "day":
        return (db - da).days
    if unit == "month":
        return (db.year - da.year) * 12 + db.month - da.month
    if unit == "year":
        return db.year - da.year
    if unit == "week":
        return (db - da).days // 7
    raise ValueError(f"date_diff unit {unit!r}")


def _date_trunc(unit: str, value: Any) -> str | None:
    d = _day(value)
    if d is None:
        return None
    if unit == "day":
        return d.isoformat()
    if unit == "week":
        return (d - timedelta(days=d.weekday())).isoformat()
    if unit == "month":
        return d.replace(day=1).isoformat()
    if unit == "year":
        return d.replace(month=1, day=1).isoformat()
    raise ValueError(f"date_trunc unit {unit!r}")


def _epoch(value: Any) -> float | None:
    if value is None:
        return None
    return datetime.fromisoformat(str(value)).replace(tzinfo=UTC).timestamp()


def _part(index: int):
    def f(value: Any) -> int | None:
        d = _day(value)
        return None if d is None else (d.year, d.month, d.day)[index]

    return f


def _right(value: Any, n: Any) -> str | None:
    if value is None or n is None:
        return None
    n = int(n)
    return str(value)[-n:] if n > 0 else ""


def _concat(*args: Any) -> str:
    return "".join(_as_text(a) for a in args if a is not None)


def _as_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(value)
    return str(value)


def _regexp_matches(value: Any, pattern: Any) -> int | None:
    if value is None or pattern is None:
        return None
    return 1 if re.search(str(pattern), str(value)) else 0


def _starts_with(value: Any, prefix: Any) -> int | None:
    if value is None or prefix is None:
        return None
    return 1 if str(value).startswith(str(prefix)) else 0


def _split_json(value: Any, sep: Any) -> str | None:
    if value is None or sep is None:
        return None
    return json.dumps(str(value).split(str(sep)), ensure_ascii=False)


def _decimal_text(value: Any, scale: int) -> str | None:
    if value is None:
        return None
    return f"{float(value):.{int(scale)}f}"


class _StringAgg:
    distinct = False

    def __init__(self) -> None:
        self.items: list[str] = []
        self.sep = ","

    def step(self, value: Any, sep: Any) -> None:
        if value is not None:
            self.items.append(str(value))
            self.sep = str(sep)

    def finalize(self) -> str | None:
        if not self.items:
            return None
        items = sorted(set(self.items)) if self.distinct else self.items
        return self.sep.join(items)


class _StringAggDistinct(_StringAgg):
    distinct = True


def register_functions(con: sqlite3.Connection) -> None:
    """The DuckDB functions the rules use that SQLite lacks, as deterministic SQL functions."""
    det = {"deterministic": True}
    con.execute("PRAGMA case_sensitive_like = ON")  # DuckDB's LIKE is case-sensitive
    con.create_function("yb_starts_with", 2, _starts_with, **det)
    con.create_function("yb_date_diff", 3, _date_diff, **det)
    con.create_function("yb_date_trunc", 2, _date_trunc, **det)
    con.create_function("yb_epoch", 1, _epoch, **det)
    con.create_function("yb_year", 1, _part(0), **det)
    con.create_function("yb_month", 1, _part(1), **det)
    con.create_function("yb_day", 1, _part(2), **det)
    con.create_function("yb_right", 2, _right, **det)
    con.create_function("yb_concat", -1, _concat, **det)
    con.create_function("yb_regexp_matches", 2, _regexp_matches, **det)
    con.create_function("yb_split_json", 2, _split_json, **det)
    con.create_function("yb_decimal_text", 2, _decimal_text, **det)
    con.create_aggregate("yb_string_agg", 2, _StringAgg)
    con.create_aggregate("yb_string_agg_distinct", 2, _StringAggDistinct)
