"""What a mapping file is: the typed form of `MAP.yaml`, checked against the contract before any data is read.

A mapping tells ingest how a dataset with other file names, column names and codes becomes
the contract's tables. Every problem in the file itself is reported with the file, the key
path (`tables.psn.parts[0].fields.gend.codes`) and what is wrong, in Chinese and English.
"""

from __future__ import annotations

import re
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import duckdb
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from yibao.contract import CONTRACT, FieldSpec
from yibao.ingest.errors import UnusableInput
from yibao.ingest.mapping_expr import ExprError, ParsedExpr, parse_expr, sandbox

__all__ = [
    "FieldMap",
    "Mapping",
    "MappingError",
    "Part",
    "Problem",
    "SourceSpec",
    "TableMap",
    "builtin_mappings",
    "load_mapping",
]

_PACKAGE = "yibao.ingest.mappings"


class Problem(BaseModel):
    """One thing wrong in a mapping file, at one key."""

    key: str
    zh: str
    en: str
    line: int | None = None


class MappingError(UnusableInput):
    """A mapping file that cannot be used; nothing is read or loaded."""

    def __init__(self, file: str, problems: list[Problem]) -> None:
        self.problems = problems

        def zh_at(p: Problem) -> str:
            return f"{p.key}（第{p.line}行）" if p.line else p.key

        def en_at(p: Problem) -> str:
            return f"{p.key} (line {p.line})" if p.line else p.key

        zh = f"映射文件 {file} 有误：" + "".join(f"\n  · {zh_at(p)}：{p.zh}" for p in problems)
        en = f"mapping file {file} is invalid:" + "".join(f"\n  · {en_at(p)}: {p.en}" for p in problems)
        super().__init__(zh, en, file)


def _bilingual(zh: str, en: str) -> ValueError:
    return ValueError(f"{zh}\x1f{en}")


# ---------------------------------------------------------------- the file's shape


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class SourceSpec(_Strict):
    """Files of the dataset that share one layout (e.g. monthly files of one export)."""

    files: list[str] = Field(min_length=1)
    label: str = ""
    required: bool = True
    if_missing: dict[str, str | None] = Field(default_factory=dict)
    """Columns a file may lack, with the value to use then (null or a constant)."""

    @field_validator("files", mode="before")
    @classmethod
    def _one_file(cls, v: Any) -> Any:
        return [v] if isinstance(v, str) else v

    @field_validator("if_missing")
    @classmethod
    def _lower(cls, v: dict[str, str | None]) -> dict[str, str | None]:
        return {k.strip().lower(): x for k, x in v.items()}


class FieldMap(_Strict):
    """How one contract field gets its value: exactly one of column, columns, expr, const."""

    column: str | None = None
    columns: list[str] | None = Field(default=None, min_length=2)
    sep: str = " "
    expr: str | None = None
    const: str | None = None
    format: list[str] | None = None
    """strptime formats of the source value, for date and datetime fields."""
    codes: dict[str, str] | None = None
    default: str | None = None
    nullable: bool = False
    """The derivation may legitimately give nothing (no quarantine when it does)."""

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, v: Any) -> Any:
        if isinstance(v, str):
            return {"column": v}
        if isinstance(v, dict) and isinstance(v.get("format"), str):
            return {**v, "format": [v["format"]]}
        return v

    @model_validator(mode="after")
    def _one_source(self) -> FieldMap:
        given = [k for k in ("column", "columns", "expr", "const") if k in self.model_fields_set]
        if len(given) != 1:
            raise _bilingual(
                "必须且只能给出 column、columns、expr、const 之一"
                + (f"（给了 {', '.join(given)}）" if given else ""),
                "give exactly one of column, columns, expr, const"
                + (f" (got {', '.join(given)})" if given else ""),
            )
        if self.codes is not None and "const" in self.model_fields_set:
            raise _bilingual("常量不需要 codes", "a const needs no codes")
        return self

    @cached_property
    def parsed(self) -> ParsedExpr | None:
        return parse_expr(self.expr) if self.expr is not None else None

    @property
    def names(self) -> tuple[str, ...]:
        """Source columns this field reads, spelled as in the mapping file (for messages)."""
        if self.column is not None:
            return (self.column.strip(),)
        if self.columns is not None:
            return tuple(c.strip() for c in self.columns)
        return self.parsed.names if self.parsed is not None else ()

    @property
    def inputs(self) -> frozenset[str]:
        """Source columns (lower-cased) this field reads."""
        if self.column is not None:
            return frozenset({self.column.strip().lower()})
        if self.columns is not None:
            return frozenset(c.strip().lower() for c in self.columns)
        if self.parsed is not None:
            return self.parsed.columns
        return frozenset()


class Unpivot(_Strict):
    """Wide to long: one output row per non-empty value of these columns."""

    columns: list[str] = Field(min_length=1)
    as_: str = Field(default="value", alias="as")
    index: str = "position"


class Part(_Strict):
    """One or more sources feeding a table with one field mapping."""

    source: list[str] = Field(min_length=1)
    where: str | None = None
    unpivot: Unpivot | None = None
    fields: dict[str, FieldMap]
    keep_unmapped: bool = True
    """Keep the source's unmapped columns (they go to the row's `_extra`, as the contract asks)."""

    @field_validator("source", mode="before")
    @classmethod
    def _one_source(cls, v: Any) -> Any:
        return [v] if isinstance(v, str) else v

    @cached_property
    def parsed_where(self) -> ParsedExpr | None:
        return parse_expr(self.where) if self.where is not None else None

    @property
    def generated(self) -> frozenset[str]:
        """Names the unpivot adds to the row (usable in fields)."""
        if self.unpivot is None:
            return frozenset()
        return frozenset({self.unpivot.as_.lower(), self.unpivot.index.lower()})

    def inputs(self) -> frozenset[str]:
        """Source columns this part reads."""
        cols: set[str] = set()
        for f in self.fields.values():
            cols |= f.inputs
        if self.parsed_where is not None:
            cols |= self.parsed_where.columns
        if self.unpivot is not None:
            cols |= {c.strip().lower() for c in self.unpivot.columns}
        return frozenset(cols - self.generated)


class TableMap(_Strict):
    """A contract table: `empty` (the source has no such data) or built from parts."""

    empty: bool = False
    parts: list[Part] = Field(default_factory=list)
    distinct: bool = False
    distinct_on: list[str] | None = None
    keep: Literal["first", "most_frequent"] = "first"

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, v: Any) -> Any:
        if v == "empty":
            return {"empty": True}
        if isinstance(v, list):
            return {"parts": v}
        return v

    @model_validator(mode="after")
    def _parts_or_empty(self) -> TableMap:
        if self.empty == bool(self.parts):
            raise _bilingual(
                "须写 empty（源数据无此表）或给出 parts，二者取一",
                "give either `empty` (the source has no such data) or `parts`, not both or neither",
            )
        return self


class Mapping(_Strict):
    """A whole mapping file."""

    version: int = 1
    name: str
    label: str
    description: str = ""
    sources: dict[str, SourceSpec] = Field(min_length=1)
    tables: dict[str, TableMap] = Field(min_length=1)

    @field_validator("version")
    @classmethod
    def _known_version(cls, v: int) -> int:
        if v != 1:
            raise _bilingual(
                f"不支持的映射文件版本 {v}（支持：1）", f"unsupported mapping version {v} (supported: 1)"
            )
        return v


# ---------------------------------------------------------------- checks against the contract


def _check_contract(m: Mapping) -> list[Problem]:
    problems: list[Problem] = []

    def add(key: str, zh: str, en: str) -> None:
        problems.append(Problem(key=key, zh=zh, en=en))

    for name in m.tables:
        if name not in CONTRACT.names:
            add(
                f"tables.{name}",
                f"数据契约中没有表 {name}（可用：{', '.join(CONTRACT.names)}）",
                f"no table {name} in the data contract (known: {', '.join(CONTRACT.names)})",
            )
    for spec in CONTRACT.tables:
        if not spec.optional and spec.name not in m.tables:
            add(
                f"tables.{spec.name}",
                f"缺少必需表 {spec.name}（{spec.label}）；源数据没有时写 `{spec.name}: empty`",
                f"required table {spec.name} is not mapped; write `{spec.name}: empty` if the source has none",
            )
    for tname, tmap in m.tables.items():
        if tname not in CONTRACT.names:
            continue
        spec = CONTRACT[tname]
        mapped: set[str] = set()
        for i, part in enumerate(tmap.parts):
            pkey = f"tables.{tname}.parts[{i}]"
            for s in part.source:
                if s not in m.sources:
                    add(
                        f"{pkey}.source",
                        f"未定义的源 {s}（sources 中有：{', '.join(m.sources)}）",
                        f"undefined source {s} (sources has: {', '.join(m.sources)})",
                    )
            for fname, fmap in part.fields.items():
                fkey = f"{pkey}.fields.{fname}"
                if fname not in spec.field_names:
                    add(
                        fkey,
                        f"表 {tname} 没有字段 {fname}（可用：{', '.join(spec.field_names)}）",
                        f"table {tname} has no field {fname} (known: {', '.join(spec.field_names)})",
                    )
                    continue
                problems += _check_field(fkey, spec.field(fname), fmap)
            mapped |= set(part.fields)
            for req in spec.required_fields:
                if req not in part.fields:
                    add(
                        f"{pkey}.fields",
                        f"未映射必填字段 {req}（可用 const 给常量）",
                        f"required field {req} is not mapped (use `const` for a constant)",
                    )
        for k in tmap.distinct_on or []:
            if k not in mapped:
                add(
                    f"tables.{tname}.distinct_on",
                    f"{k} 不是本表已映射的字段",
                    f"{k} is not a mapped field of this table",
                )
    return problems


def _check_field(key: str, f: FieldSpec, fmap: FieldMap) -> list[Problem]:
    out: list[Problem] = []
    if fmap.format is not None and f.type not in ("date", "datetime"):
        out.append(
            Problem(
                key=f"{key}.format",
                zh=f"format 只用于日期/时间字段，{f.name} 的类型是 {f.type}",
                en=f"format is for date/datetime fields; {f.name} is {f.type}",
            )
        )
    if f.codes is not None:
        allowed = "/".join(f.codes)
        targets = [("const", fmap.const), ("default", fmap.default)]
        targets += [(f"codes.{k}", v) for k, v in (fmap.codes or {}).items()]
        for sub, value in targets:
            if value is not None and value not in f.codes:
                out.append(
                    Problem(
                        key=f"{key}.{sub}",
                        zh=f"{value} 不是 {f.name} 的合法代码（{allowed}）",
                        en=f"{value} is not a valid code of {f.name} ({allowed})",
                    )
                )
    return out


def _check_exprs(m: Mapping) -> list[Problem]:
    """Parse every expression (row-local only), then bind it over text columns as the source
    will be read, so a type error (`a + 1` on text) is a mapping error, not a failed load."""
    problems: list[Problem] = []
    con = sandbox()
    try:
        for tname, tmap in m.tables.items():
            for i, part in enumerate(tmap.parts):
                pkey = f"tables.{tname}.parts[{i}]"
                checks: list[tuple[str, str | None, Any]] = [
                    (f"{pkey}.where", part.where, lambda p=part: p.parsed_where)
                ]
                checks += [
                    (f"{pkey}.fields.{n}.expr", f.expr, lambda f=f: f.parsed) for n, f in part.fields.items()
                ]
                for key, sql, get in checks:
                    try:
                        parsed = get()
                    except ExprError as exc:
                        problems.append(Problem(key=key, zh=exc.zh, en=exc.en))
                        continue
                    if parsed is not None and sql is not None:
                        problems += _bind(con, key, sql, parsed.columns, part)
    finally:
        con.close()
    return problems


def _bind(con: Any, key: str, sql: str, columns: frozenset[str], part: Part) -> list[Problem]:
    index = part.unpivot.index.lower() if part.unpivot else None
    cols = [f'CAST(NULL AS {"INTEGER" if c == index else "VARCHAR"}) AS "{c}"' for c in sorted(columns)]
    dummy = f"(SELECT {', '.join(cols) or '1 AS _'})"
    try:
        con.execute(f"SELECT TRY({sql}) FROM {dummy} LIMIT 0").fetchall()
    except duckdb.Error as exc:
        msg = str(exc).splitlines()[0]
        return [
            Problem(
                key=key,
                zh=f"表达式无法求值（源数据的列都是文本，数值请先 CAST）：{msg}",
                en=f"expression cannot be evaluated (source columns are text; CAST numbers first): {msg}",
            )
        ]
    return []


# ---------------------------------------------------------------- loading


class _TextLoader(yaml.SafeLoader):
    """YAML where every scalar is text (only `null`/`~`/empty is None): codes such as
    `01`, `1`, `Y` or `yes` stay what they look like; pydantic converts typed keys."""


# A copy: the resolvers dict is inherited from SafeLoader, and changing it in place would
# change every yaml.safe_load in the process.
_TextLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag == "tag:yaml.org,2002:null"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}

_PYDANTIC_ZH = {
    "missing": "缺少必填键",
    "extra_forbidden": "不认识的键（拼写错误？）",
    "string_type": "应为文本",
    "list_type": "应为列表",
    "dict_type": "应为映射（键: 值）",
    "model_type": "应为映射（键: 值）",
    "model_attributes_type": "应为映射（键: 值）",
    "bool_parsing": "应为 true 或 false",
    "bool_type": "应为 true 或 false",
    "literal_error": "取值不在允许范围",
    "too_short": "不能为空",
    "int_parsing": "应为整数",
}


def _loc(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif str(part).startswith(("function-", "list[", "dict[", "str", "none")):
            continue  # pydantic's validator and union branch names, not keys of the file
        else:
            out += ("." if out else "") + str(part)
    return out or "(根 root)"


def _from_pydantic(exc: ValidationError) -> list[Problem]:
    problems = []
    for e in exc.errors():
        msg = str(e.get("msg", ""))
        if e["type"] == "value_error" and "\x1f" in msg:
            zh, en = msg.removeprefix("Value error, ").split("\x1f", 1)
        else:
            zh = _PYDANTIC_ZH.get(e["type"], "取值无效")
            en = msg
            if e["type"] == "literal_error":
                zh += f"（{msg.split('Input should be', 1)[-1].strip()}）"
        problems.append(Problem(key=_loc(tuple(e["loc"])), zh=zh, en=en))
    return problems


def builtin_mappings() -> dict[str, Path]:
    """Mapping files shipped with the package, by name (`province_b`, `us_claims`)."""
    folder = resources.files(_PACKAGE)
    return {Path(p.name).stem: Path(str(p)) for p in folder.iterdir() if p.name.endswith((".yaml", ".yml"))}


def _resolve(path: Path | str) -> Path:
    p = Path(path)
    if p.exists():
        return p
    builtin = builtin_mappings()
    if str(path) in builtin:
        return builtin[str(path)]
    known = ", ".join(sorted(builtin))
    raise UnusableInput(
        f"映射文件不存在：{path}（内置映射：{known}）",
        f"mapping file not found: {path} (built-in mappings: {known})",
        str(path),
    )


def load_mapping(path: Path | str) -> Mapping:
    """Read and check a mapping file (or a built-in mapping by name). Raises MappingError."""
    p = _resolve(path)
    display = p.name
    try:
        text = p.read_text(encoding="utf-8")
        doc = yaml.load(text, Loader=_TextLoader)  # a SafeLoader subclass
    except (OSError, UnicodeDecodeError) as exc:
        raise MappingError(
            display, [Problem(key="(文件 file)", zh=f"无法读取：{exc}", en=f"unreadable: {exc}")]
        ) from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"第{mark.line + 1}行第{mark.column + 1}列" if mark else ""
        where_en = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise MappingError(
            display,
            [
                Problem(
                    key=where or "(文件 file)",
                    zh=f"YAML 语法错误：{problem}",
                    en=f"YAML syntax error at {where_en}: {problem}",
                )
            ],
        ) from exc
    if not isinstance(doc, dict):
        raise MappingError(
            display, [Problem(key="(根 root)", zh="应为映射（键: 值）", en="expected a mapping")]
        )
    try:
        mapping = Mapping.model_validate(doc)
    except ValidationError as exc:
        raise MappingError(display, _with_lines(text, _from_pydantic(exc))) from exc
    problems = _check_exprs(mapping)
    problems += _check_contract(mapping)
    if problems:
        raise MappingError(display, _with_lines(text, problems))
    return mapping


def _with_lines(text: str, problems: list[Problem]) -> list[Problem]:
    """Add the line of each problem's key in the file, as far as the key can be followed."""
    root = yaml.compose(text, Loader=_TextLoader)
    return [p.model_copy(update={"line": _line_of(root, p.key)}) if root is not None else p for p in problems]


def _line_of(node: yaml.Node, key: str) -> int | None:
    parts = re.findall(r"\[(\d+)\]|([^.\[\]]+)", key)
    line = None
    for index, name in parts:
        if isinstance(node, yaml.MappingNode) and name:
            hit = next(((k, v) for k, v in node.value if str(k.value) == name), None)
            if hit is None:
                break
            line, node = hit[0].start_mark.line + 1, hit[1]
        elif isinstance(node, yaml.SequenceNode):
            if name == "parts":
                continue  # `table: [...]` is shorthand for `table: {parts: [...]}`
            if not index or int(index) >= len(node.value):
                break
            node = node.value[int(index)]
            line = node.start_mark.line + 1
        else:
            break
    return line
