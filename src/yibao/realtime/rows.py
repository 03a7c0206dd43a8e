"""Contract rows as compact lists (column order of the contract), the form state and judge share.

A settlement's rows are stored and passed as plain lists rather than dicts: a third of the size in
the state store and no per-value key lookups on the hot path.
"""

from __future__ import annotations

from typing import Any

from yibao.contract import CONTRACT

__all__ = ["COLS", "FEE", "Row", "as_dict", "as_row", "trace_codes"]

Row = list[Any]
COLS: dict[str, tuple[str, ...]] = {
    t: tuple(f.name for f in CONTRACT[t].fields) for t in ("psn", "death", "mdtrt", "diag", "setl", "fee")
}


class _FeeIndex:
    feedetl_sn = COLS["fee"].index("feedetl_sn")
    mdtrt_id = COLS["fee"].index("mdtrt_id")
    drug_trac_codg = COLS["fee"].index("drug_trac_codg")
    fee_ocur_time = COLS["fee"].index("fee_ocur_time")
    med_list_codg = COLS["fee"].index("med_list_codg")


FEE = _FeeIndex


def as_row(table: str, values: dict[str, Any]) -> Row:
    return [values.get(c) for c in COLS[table]]


def as_dict(table: str, row: Row) -> dict[str, Any]:
    return dict(zip(COLS[table], row, strict=True))


def trace_codes(line: Row) -> list[str]:
    """The traceability codes of one fee line (`,`-separated in the contract)."""
    text = line[FEE.drug_trac_codg]
    return [c.strip() for c in str(text).split(",") if c.strip()] if text else []
