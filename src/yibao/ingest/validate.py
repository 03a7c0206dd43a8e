"""Row validation as one SQL statement per table, generated from the contract.

Validating in SQL keeps a four-million-line fee file to seconds. Each row gets a
list of errors, each `field<US>中文原因<US>English reason`; a row with an empty
list is valid. Values are parsed leniently only where Chinese exports really
differ (`2025/01/05` dates from Excel), never by guessing.
"""

from __future__ import annotations

from yibao.contract import FieldSpec, TableSpec
from yibao.findings import Violation

__all__ = ["SEP", "staging_sql"]

SEP = "\x1f"

_DATE_FORMATS = "['%Y-%m-%d', '%Y/%m/%d', '%Y%m%d']"
_DATETIME_FORMATS = (
    "['%Y-%m-%d %H:%M:%S', '%Y/%m/%d %H:%M:%S', '%Y-%m-%dT%H:%M:%S', '%Y-%m-%d %H:%M', "
    "'%Y/%m/%d %H:%M', '%Y-%m-%d %H:%M:%S.%f', '%Y%m%d%H%M%S']"
)
_DECIMALS = {"money": 2, "price": 4, "decimal": 6}
_TYPE_NAMES = {
    "date": ("日期格式错误（应为YYYY-MM-DD）", "invalid date (expected YYYY-MM-DD)"),
    "datetime": (
        "时间格式错误（应为YYYY-MM-DD HH:MM:SS）",
        "invalid datetime (expected YYYY-MM-DD HH:MM:SS)",
    ),
    "money": ("金额格式错误（数字，最多2位小数）", "invalid amount (a number with at most 2 decimals)"),
    "price": ("单价格式错误（数字，最多4位小数）", "invalid price (a number with at most 4 decimals)"),
    "decimal": ("数值格式错误", "invalid number"),
    "int": ("整数格式错误", "invalid integer"),
    "bool": ("布尔值格式错误（应为1/0）", "invalid boolean (expected 1/0)"),
}
_TRUE = "('1', 'true', 't', 'y', 'yes', '是')"
_FALSE = "('0', 'false', 'f', 'n', 'no', '否')"


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _err(field: str, zh: str, en: str, value: str | None = None) -> str:
    """SQL for one error message; `value` (SQL) is appended, cut to 40 characters."""
    head = _lit(f"{field}{SEP}")
    if value is None:
        return f"{head} || {_lit(zh + SEP + en)}"
    shown = f"left(coalesce(CAST({value} AS VARCHAR), ''), 40)"
    return f"{head} || {_lit(zh + '：')} || {shown} || {_lit(SEP + en + ': ')} || {shown}"


def _typed(f: FieldSpec, v: str) -> str:
    if f.type == "str":
        return v
    if f.type == "date":
        return f"CAST(try_strptime({v}, {_DATE_FORMATS}) AS DATE)"
    if f.type == "datetime":
        return f"try_strptime({v}, {_DATETIME_FORMATS})"
    if f.type in _DECIMALS:
        d = _DECIMALS[f.type]
        return (
            f"CASE WHEN regexp_full_match({v}, '[+-]?[0-9]{{1,15}}(\\.[0-9]{{0,{d}}})?') "
            f"THEN CAST({v} AS {f.sql_type}) END"
        )
    if f.type == "int":
        return f"CASE WHEN regexp_full_match({v}, '[+-]?[0-9]{{1,15}}') THEN CAST({v} AS BIGINT) END"
    if f.type == "bool":
        return f"CASE WHEN lower({v}) IN {_TRUE} THEN true WHEN lower({v}) IN {_FALSE} THEN false END"
    raise ValueError(f.type)


def _field_errors(f: FieldSpec, v: str, t: str) -> list[str]:
    """Error expressions for one field; `v` is the trimmed text, `t` the typed value."""
    out: list[str] = []
    name = f.name
    if f.required:
        out.append(
            f"CASE WHEN {v} IS NULL THEN {_err(name, '缺少必填字段', 'required field is missing')} END"
        )
    if f.required_when:
        for other, values in f.required_when.items():
            vals = ", ".join(_lit(x) for x in values)
            zh = f"{other}为{'/'.join(values)}时必填"
            en = f"required when {other} is {'/'.join(values)}"
            out.append(f"CASE WHEN {v} IS NULL AND {_q(other)} IN ({vals}) THEN {_err(name, zh, en)} END")
    if f.type in _TYPE_NAMES:
        zh, en = _TYPE_NAMES[f.type]
        out.append(f"CASE WHEN {v} IS NOT NULL AND {t} IS NULL THEN {_err(name, zh, en, v)} END")
    if f.max_len is not None:
        zh, en = f"字段过长（上限{f.max_len}字符）", f"value too long (max {f.max_len} characters)"
        out.append(f"CASE WHEN length({v}) > {f.max_len} THEN {_err(name, zh, en, f'length({v})')} END")
    if f.codes is not None:
        allowed = "/".join(f.codes)
        vals = ", ".join(_lit(c) for c in f.codes)
        zh, en = f"代码值不在允许范围（{allowed}）", f"code not allowed ({allowed})"
        out.append(f"CASE WHEN {v} IS NOT NULL AND {v} NOT IN ({vals}) THEN {_err(name, zh, en, v)} END")
    if f.taxonomy:
        vals = ", ".join(_lit(c.value) for c in Violation)
        zh, en = "不是违规类型代码", "not a violation code of the taxonomy"
        out.append(f"CASE WHEN {v} IS NOT NULL AND {v} NOT IN ({vals}) THEN {_err(name, zh, en, v)} END")
    if f.pattern is not None:
        zh, en = "格式不符", "malformed value"
        out.append(
            f"CASE WHEN {v} IS NOT NULL AND NOT regexp_full_match({v}, {_lit(f.pattern.strip('^$'))}) "
            f"THEN {_err(name, zh, en, v)} END"
        )
    if f.min is not None:
        zh, en = f"数值小于下限{f.min:g}", f"value below the minimum {f.min:g}"
        out.append(f"CASE WHEN {t} < {f.min} THEN {_err(name, zh, en, t)} END")
    if f.max is not None:
        zh, en = f"数值大于上限{f.max:g}", f"value above the maximum {f.max:g}"
        out.append(f"CASE WHEN {t} > {f.max} THEN {_err(name, zh, en, t)} END")
    if f.type in ("date", "datetime"):
        zh, en = "日期超出合理范围（1900–2100年）", "date out of range (years 1900-2100)"
        out.append(
            f"CASE WHEN {t} < DATE '1900-01-01' OR {t} >= DATE '2101-01-01' THEN {_err(name, zh, en, v)} END"
        )
    return out


def staging_sql(spec: TableSpec, present: list[str], target: str, source: str = "raw") -> str:
    """CREATE TEMP TABLE `target` with typed contract columns, `_row`, `_extra` and `_errors`.

    `present` are the file's columns; contract fields missing from the file are NULL
    (the caller has already refused files that lack a required column).
    """
    known = set(spec.field_names)
    typed_cols: list[str] = []
    text_cols: list[str] = []
    for f in spec.fields:
        v = f"nullif(trim(r.{_q(f.name)}), '')" if f.name in present else "CAST(NULL AS VARCHAR)"
        text_cols.append(f"{v} AS {_q('__v_' + f.name)}")
        typed_cols.append(f"{_typed(f, v)} AS {_q(f.name)}")
    extras = [c for c in present if c not in known]
    extra = (
        "CAST(to_json(struct_pack(" + ", ".join(f"{_q(c)} := r.{_q(c)}" for c in extras) + ")) AS VARCHAR)"
        if extras
        else "CAST(NULL AS VARCHAR)"
    )
    errors: list[str] = []
    for f in spec.fields:
        errors += _field_errors(f, _q("__v_" + f.name), _q(f.name))
    for check in spec.checks:
        errors.append(
            f"CASE WHEN NOT coalesce({check.expr}, true) THEN {_err(check.field, check.zh, check.en)} END"
        )
    cols = ", ".join(_q(n) for n in spec.field_names)
    return (
        f"CREATE OR REPLACE TEMP TABLE {target} AS\n"
        f"WITH t AS (SELECT r._row, {', '.join(typed_cols)}, {', '.join(text_cols)}, {extra} AS _extra "
        f"FROM {source} AS r)\n"
        f"SELECT _row, {cols}, _extra, list_filter([{', '.join(errors)}], lambda x: x IS NOT NULL) AS _errors FROM t"
    )
