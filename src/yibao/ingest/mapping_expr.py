"""Derivation expressions in mapping files: DuckDB SQL, but only over the row's own columns.

A mapping file comes from outside (a province's IT department, a consultant), so its
expressions are parsed, not trusted: the parse tree may hold only column references,
constants, operators, CASE, casts and deterministic scalar functions. Subqueries,
aggregates, window functions, table functions and functions that read files, settings or
the clock are refused before any data is read. The expressions then run in an in-memory
DuckDB with external access disabled, so a function missed here still cannot reach a file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from typing import Any

import duckdb

__all__ = ["ExprError", "ParsedExpr", "parse_expr", "sandbox"]

_ALLOWED_CLASSES = {
    "COLUMN_REF",
    "CONSTANT",
    "FUNCTION",
    "OPERATOR",
    "CASE",
    "CAST",
    "COMPARISON",
    "CONJUNCTION",
    "BETWEEN",
    "LAMBDA",
}
# Scalar functions that are not a pure function of the row: clock, randomness, settings, state.
_DENIED = {
    "random",
    "setseed",
    "uuid",
    "gen_random_uuid",
    "uuidv4",
    "uuidv7",
    "now",
    "current_timestamp",
    "get_current_timestamp",
    "get_current_time",
    "current_date",
    "current_time",
    "current_localtime",
    "current_localtimestamp",
    "today",
    "transaction_timestamp",
    "current_setting",
    "getenv",
    "getvariable",
    "nextval",
    "currval",
    "version",
    "current_query",
    "current_schema",
    "current_schemas",
    "current_database",
    "current_catalog",
    "txid_current",
    "error",
}
_DENIED_PREFIXES = ("read_", "duckdb_", "pragma_", "sql_", "query", "glob", "parquet_", "iceberg_", "delta_")


class ExprError(ValueError):
    """An expression that is not allowed or does not parse; zh and en say why."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(f"{zh} / {en}")
        self.zh = zh
        self.en = en


@dataclass(frozen=True, slots=True)
class ParsedExpr:
    """A checked expression, the source columns it reads (lower-cased) and their spelling as written."""

    sql: str
    columns: frozenset[str]
    names: tuple[str, ...]


def sandbox() -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB that can neither read nor write files nor change its settings."""
    con = duckdb.connect(config={"enable_external_access": False})
    # DuckDB 2.0 hoists a subexpression shared by several columns out of TRY(), so one bad
    # value would fail the whole statement instead of giving NULL; keep TRY() whole.
    con.execute("SET disabled_optimizers = 'common_subexpressions'")
    con.execute("SET lock_configuration = true")
    return con


@cache
def _scalar_functions() -> frozenset[str]:
    con = duckdb.connect()
    try:
        rows = con.execute(
            "SELECT DISTINCT lower(function_name) FROM duckdb_functions() WHERE function_type IN ('scalar', 'macro')"
        ).fetchall()
    finally:
        con.close()
    return frozenset(r[0] for r in rows)


def parse_expr(sql: str) -> ParsedExpr:
    """Parse one SQL expression and check it is a pure function of the row's columns."""
    con = duckdb.connect()
    try:
        ((text,),) = con.execute("SELECT json_serialize_sql(?)", [f"SELECT {sql}"]).fetchall()
    finally:
        con.close()
    tree = json.loads(text)
    if tree.get("error"):
        msg = str(tree.get("error_message", "")).splitlines()[0]
        raise ExprError(f"表达式无法解析：{msg}", f"expression does not parse: {msg}")
    statements = tree.get("statements", [])
    node = statements[0]["node"] if len(statements) == 1 else {}
    if (
        node.get("type") != "SELECT_NODE"
        or len(node.get("select_list", [])) != 1
        or (node.get("from_table") or {}).get("type") != "EMPTY"
        or node.get("where_clause")
        or node.get("group_expressions")
        or node.get("having")
        or node.get("qualify")
        or node.get("modifiers")
        or (node.get("cte_map") or {}).get("map")
    ):
        raise ExprError(
            "只能写一个表达式（不能有FROM、WHERE、子句或多个值）",
            "write a single expression (no FROM, WHERE, other clauses or several values)",
        )
    columns: dict[str, str] = {}
    _walk(node["select_list"][0], columns, set())
    return ParsedExpr(sql=sql, columns=frozenset(columns), names=tuple(columns.values()))


def _walk(node: Any, columns: dict[str, str], lambda_params: set[str]) -> None:
    if isinstance(node, list):
        for item in node:
            _walk(item, columns, lambda_params)
        return
    if not isinstance(node, dict):
        return
    cls = node.get("class")
    if cls is not None and cls != "TYPE":
        if cls not in _ALLOWED_CLASSES:
            kind = {"SUBQUERY": "子查询 subquery", "WINDOW": "窗口函数 window function", "STAR": "*"}.get(
                cls, cls
            )
            raise ExprError(
                f"表达式中不允许 {kind}：只能使用本行的列",
                f"{kind} is not allowed: use the row's columns only",
            )
        if cls == "COLUMN_REF":
            names = node.get("column_names", [])
            if len(names) != 1:
                dotted = ".".join(names)
                raise ExprError(
                    f"列名不能带表名：{dotted}", f"qualified column names are not allowed: {dotted}"
                )
            if names[0].lower() not in lambda_params:
                columns.setdefault(names[0].lower(), names[0])
            return
        if cls == "LAMBDA":
            params = set(lambda_params)
            lhs = node.get("lhs")
            for ref in lhs if isinstance(lhs, list) else [lhs]:
                if isinstance(ref, dict):
                    params.update(n.lower() for n in ref.get("column_names", []))
            _walk(node.get("expr"), columns, params)
            return
        if cls == "FUNCTION":
            _check_function(node)
    for key, value in node.items():
        if key in ("type_expr",):
            continue
        _walk(value, columns, lambda_params)


def _check_function(node: dict[str, Any]) -> None:
    name = str(node.get("function_name", "")).lower()
    if node.get("is_operator"):
        return
    if node.get("schema") or node.get("catalog"):
        raise ExprError(f"函数名不能带模式名：{name}", f"schema-qualified function: {name}")
    if node.get("filter") or (node.get("order_bys") or {}).get("orders") or node.get("distinct"):
        raise ExprError(f"不允许聚合写法：{name}", f"aggregate syntax is not allowed: {name}")
    if name in _DENIED or name.startswith(_DENIED_PREFIXES):
        raise ExprError(
            f"不允许的函数：{name}（读取文件、设置、时钟或随机数）",
            f"function not allowed: {name} (reads files, settings, the clock or randomness)",
        )
    if name not in _scalar_functions():
        raise ExprError(
            f"未知函数或非标量函数：{name}（不允许聚合、窗口和表函数）",
            f"unknown or non-scalar function: {name} (no aggregates, window or table functions)",
        )
