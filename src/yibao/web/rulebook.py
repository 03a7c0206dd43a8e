"""The rule library as inspectors read it: each rule, its knowledge point, version, thresholds,
how many findings it has in the store and its confirmed precision from appeals."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import duckdb
from sqlalchemy.orm import Session

from yibao.auth.models import User
from yibao.cases.appeals import RulePrecision, rule_precision
from yibao.findings import VIOLATION_LABELS
from yibao.rules.loader import load_library
from yibao.rules.model import Rule
from yibao.web.data import Store, has_table

__all__ = ["RuleLine", "rule_lines"]

STAGES = {"pre": "事前提醒", "in": "事中审核", "post": "事后筛查"}


@dataclass(frozen=True)
class RuleLine:
    rule: Rule
    detector: str
    violation_label: str
    stages: str
    findings: int
    precision: RulePrecision | None


@lru_cache(maxsize=1)
def _library() -> tuple[Rule, ...]:
    return load_library()


def rule_lines(session: Session, user: User, store: Store) -> list[RuleLine]:
    """Every packaged rule, in library order; `rule_precision` checks the permission and counts appeals."""
    precision = {p.detector: p for p in rule_precision(session, user)}

    def counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
        if not has_table(con, "findings"):
            return {}
        return dict(con.execute("SELECT detector, count(*) FROM findings GROUP BY 1").fetchall())

    found = store.read(counts)
    out = []
    for rule in _library():
        detector = f"{rule.id}@{rule.version}"
        out.append(
            RuleLine(
                rule=rule,
                detector=detector,
                violation_label=VIOLATION_LABELS[rule.violation],
                stages="、".join(STAGES.get(str(s), str(s)) for s in rule.stages),
                findings=int(found.get(detector, 0)),
                precision=precision.get(detector),
            )
        )
    return out
