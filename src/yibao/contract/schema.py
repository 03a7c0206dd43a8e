"""Loads `tables.yaml`, the contract held as data, into typed specs.

Keeping the contract as data means ingest validation, the store's DDL and the
documentation all read one source; a field added to the contract needs no code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import yaml

FIELD_TYPES = ("str", "date", "datetime", "money", "price", "decimal", "int", "bool")

# Store types: money keeps 2 decimals as the contract says; unit prices and
# quantities keep more because per-tablet prices (0.0325 元) and fractional packs exist.
SQL_TYPES = {
    "str": "VARCHAR",
    "date": "DATE",
    "datetime": "TIMESTAMP",
    "money": "DECIMAL(18,2)",
    "price": "DECIMAL(18,4)",
    "decimal": "DECIMAL(18,6)",
    "int": "BIGINT",
    "bool": "BOOLEAN",
}


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One contract field and what a valid value looks like."""

    name: str
    type: str
    required: bool = False
    codes: tuple[str, ...] | None = None
    pattern: str | None = None
    max_len: int | None = None
    min: float | None = None
    max: float | None = None
    ref: tuple[str, str] | None = None
    same_as: tuple[str, str] | None = None
    required_when: dict[str, tuple[str, ...]] | None = None
    taxonomy: bool = False

    @property
    def sql_type(self) -> str:
        return SQL_TYPES[self.type]


@dataclass(frozen=True, slots=True)
class Check:
    """A row-level consistency check across fields, as a SQL boolean over typed columns."""

    expr: str
    field: str
    zh: str
    en: str


@dataclass(frozen=True, slots=True)
class TableSpec:
    """One contract table."""

    name: str
    label: str
    fields: tuple[FieldSpec, ...]
    key: tuple[str, ...] | None
    kind: str  # master: a changed row replaces the stored one; fact: a changed row is a conflict
    optional: bool = False
    checks: tuple[Check, ...] = field(default_factory=tuple)

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    @property
    def required_fields(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if f.required)

    def field(self, name: str) -> FieldSpec:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(f"{self.name}.{name}")


@dataclass(frozen=True, slots=True)
class Contract:
    """All tables, in load order."""

    tables: tuple[TableSpec, ...]

    def __getitem__(self, name: str) -> TableSpec:
        for t in self.tables:
            if t.name == name:
                return t
        raise KeyError(name)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(t.name for t in self.tables)


def _pair(value: str | None) -> tuple[str, str] | None:
    if value is None:
        return None
    table, col = value.split(".")
    return table, col


def _field(name: str, raw: dict[str, Any]) -> FieldSpec:
    if raw.get("type") not in FIELD_TYPES:
        raise ValueError(f"field {name}: unknown type {raw.get('type')!r}")
    when = raw.get("required_when")
    return FieldSpec(
        name=name,
        type=raw["type"],
        required=bool(raw.get("required", False)),
        codes=tuple(str(c) for c in raw["codes"]) if "codes" in raw else None,
        pattern=raw.get("pattern"),
        max_len=raw.get("max_len"),
        min=raw.get("min"),
        max=raw.get("max"),
        ref=_pair(raw.get("ref")),
        same_as=_pair(raw.get("same_as")),
        required_when={k: tuple(str(x) for x in v) for k, v in when.items()} if when else None,
        taxonomy=bool(raw.get("taxonomy", False)),
    )


def load_contract() -> Contract:
    """Read the packaged contract definition."""
    text = resources.files("yibao.contract").joinpath("tables.yaml").read_text(encoding="utf-8")
    doc = yaml.safe_load(text)
    tables = []
    for name, raw in doc["tables"].items():
        tables.append(
            TableSpec(
                name=name,
                label=raw["label"],
                fields=tuple(_field(n, f) for n, f in raw["fields"].items()),
                key=tuple(raw["key"]) if raw.get("key") else None,
                kind=raw["kind"],
                optional=bool(raw.get("optional", False)),
                checks=tuple(Check(**c) for c in raw.get("checks", [])),
            )
        )
    return Contract(tables=tuple(tables))


CONTRACT = load_contract()
