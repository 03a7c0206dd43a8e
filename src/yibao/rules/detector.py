"""The rule library as detectors: one detector per rule, sharing one set of intermediates."""

from __future__ import annotations

import weakref
from typing import Any, Self

import duckdb

from yibao.detectors import Detector, DetectorSkipped, register, run_token
from yibao.findings import Finding
from yibao.rules.engine import prepare, run_rule
from yibao.rules.loader import load_library
from yibao.rules.model import Rule, RuleError

__all__ = ["RuleDetector", "ensure_prepared"]

_PREPARED: weakref.WeakKeyDictionary[duckdb.DuckDBPyConnection, int] = weakref.WeakKeyDictionary()


def ensure_prepared(con: duckdb.DuckDBPyConnection) -> None:
    """Build the intermediates once per screening run, not once per rule."""
    token = run_token(con)
    if _PREPARED.get(con) != token or token == 0:
        prepare(con)
        _PREPARED[con] = token


class RuleDetector:
    """Adapter from a declarative rule to the detector contract."""

    def __init__(self, rule: Rule, params: dict[str, Any] | None = None) -> None:
        self.rule = rule
        self.params = params
        self.id = rule.id
        self.version = str(rule.version)

    def fit(self, con: duckdb.DuckDBPyConnection) -> Self:
        empty = [t for t in self.rule.tables if not con.execute(f"SELECT 1 FROM {t} LIMIT 1").fetchall()]
        if empty:
            raise DetectorSkipped(f"数据缺少 {', '.join(empty)} 表的记录 / no rows in {', '.join(empty)}")
        ensure_prepared(con)
        return self

    def findings(self, con: duckdb.DuckDBPyConnection) -> list[Finding]:
        run = run_rule(con, self.rule, self.params)
        if run.error:
            raise RuleError(f"{self.rule.id}: {run.error}")
        return run.findings


@register
def _builtin_rules() -> list[Detector]:
    return [RuleDetector(r) for r in load_library()]
