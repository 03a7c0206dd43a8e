"""The data contract as typed objects: which tables exist, their fields, keys and references."""

from __future__ import annotations

from yibao.contract.schema import CONTRACT, Check, Contract, FieldSpec, TableSpec

__all__ = ["CONTRACT", "Check", "Contract", "FieldSpec", "TableSpec"]
