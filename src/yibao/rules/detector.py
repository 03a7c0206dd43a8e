"""The rule library as detectors: one detector per rule, sharing one set of intermediates."""

from __future__ import annotations

import weakref
from typing import Any, Self

import duckdb

from yibao.detectors import Detector, DetectorSkipped, register, run_token
from yibao.findings import Finding
from yibao.rules.engine import intermediates_for, prepare, run_rule
from yibao.rules.loader import load_library
from yibao.rules.model import Rule, RuleError

__all__ = ["RuleDetector", "ensure_prepared"]

# per connection: the screening run the intermediates belong to, and which are built
_PREPARED: weakref.WeakKeyDictionary[duckdb.DuckDBPyConnection, tuple[int, set[str]]] = weakref.WeakKeyDictionary()


def ensure_prepared(con: duckdb.DuckDBPyConnection, rule: Rule | None = None) -> None:
    """Build each intermediate once per screening run, when a rule first needs it.

    Without a rule, everything is built. A run of a few rules (`--rules 'split_*'`) builds
    only what those rules read.
    """
    token = run_token(con)
    state = _PREPARED.get(con)
    if state is None or state[0] != token or token == 0:
        state = (token, set())
        _PREPARED[con] = state
    need = None if rule is None else intermediates_for(rule.sql)
    state[1].update(prepare(con, need, state[1]))


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
        ensure_prepared(con, self.rule)
        return self

    def findings(self, con: duckdb.DuckDBPyConnection) -> list[Finding]:
        run = run_rule(con, self.rule, self.params)
        if run.error:
            raise RuleError(f"{self.rule.id}: {run.error}")
        return run.findings


@register
def _builtin_rules() -> list[Detector]:
    return [RuleDetector(r) for r in load_library()]
