"""The rule library as inspectors read it: each rule, its knowledge point, version, thresholds,
how many findings it has in the store and its confirmed precision from appeals; and one rule in
detail (its SQL, its own test cases, the knowledge tables it reads, its findings and appeals)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any

import duckdb
from sqlalchemy.orm import Session

from yibao.auth.models import User
from yibao.auth.roles import Permission, can
from yibao.cases.appeals import RulePrecision, list_appeals, rule_precision
from yibao.cases.models import Appeal
from yibao.findings import VIOLATION_LABELS
from yibao.rules.engine import intermediates_for, prelude_steps
from yibao.rules.loader import load_library
from yibao.rules.model import Rule
from yibao.web.data import FINDING_SELECT, FindingRow, Store, finding_rows, has_table, rows_as_dicts

__all__ = [
    "KNOWLEDGE_TABLES",
    "CaseView",
    "RuleDetail",
    "RuleLine",
    "SmallTable",
    "TableUse",
    "readers_of",
    "rule_detail",
    "rule_lines",
    "rule_of",
    "table_uses",
]

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


# --- one rule in detail -----------------------------------------------------------------------------

KNOWLEDGE_TABLES = {"catalog": "医保目录与知识库", "item_rule": "项目间规则", "item_limit": "限定频次/限额"}
LEVELS = {
    "line": "费用明细",
    "encounter": "就诊",
    "person": "参保人",
    "practitioner": "医师",
    "institution": "机构",
}


@dataclass(frozen=True)
class SmallTable:
    """A case's input or expected output as rows under a union of columns (blank where a row is silent)."""

    name: str
    columns: list[str]
    rows: list[list[str]]


@dataclass(frozen=True)
class CaseView:
    name: str
    fires: bool
    params: dict[str, Any]
    inputs: list[SmallTable]
    output: SmallTable | None


@dataclass(frozen=True)
class TableUse:
    """How a rule reaches a knowledge table: in its own SQL, or through shared intermediates."""

    table: str
    direct: bool
    via: tuple[str, ...]


@dataclass(frozen=True)
class RuleDetail:
    line: RuleLine
    level_label: str
    cases: list[CaseView]
    uses: list[TableUse]
    versions: list[dict[str, Any]]  # every id@version of this rule found in the store's findings
    findings: list[FindingRow]
    total_amount: Decimal
    by_grade: dict[str, int]
    appeals: list[Appeal]


def _cell(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)


def small_table(name: str, rows: list[dict[str, Any]]) -> SmallTable:
    columns: list[str] = []
    for r in rows:
        columns.extend(k for k in r if k not in columns)
    return SmallTable(name, columns, [[_cell(r[c]) if c in r else "" for c in columns] for r in rows])


def case_views(rule: Rule) -> list[CaseView]:
    return [
        CaseView(
            name=c.name,
            fires=bool(c.output),
            params=dict(c.params),
            inputs=[small_table(t, rows) for t, rows in c.input.items()],
            output=small_table("预期疑点", c.output) if c.output else None,
        )
        for c in rule.tests
    ]


def _code(sql: str) -> str:
    """SQL without its `--` comments and string literals, which often name tables it does not read."""
    return re.sub(r"'[^']*'", "''", re.sub(r"--[^\n]*", " ", sql))


def _mentions(sql: str, name: str) -> bool:
    return re.search(rf"\b{re.escape(name)}\b", _code(sql)) is not None


def table_uses(rule: Rule) -> list[TableUse]:
    """The knowledge tables a rule reads: named in its SQL, or read by an intermediate it uses."""
    steps = {s.name: s for s in prelude_steps()}
    needed = sorted(intermediates_for(rule.sql))
    out = []
    for table in KNOWLEDGE_TABLES:
        direct = _mentions(rule.sql, table)
        via = tuple(n for n in needed if _mentions(steps[n].sql.split(" AS ", 1)[-1], table))
        if direct or via:
            out.append(TableUse(table, direct, via))
    return out


def rule_of(rule_id: str) -> Rule | None:
    return next((r for r in _library() if r.id == rule_id), None)


def rule_detail(
    session: Session, user: User, store: Store, rule_id: str, *, top: int = 20
) -> RuleDetail | None:
    """Everything the detail page shows; None for an unknown rule. Permission checked by `rule_precision`."""
    rule = rule_of(rule_id)
    if rule is None:
        return None
    precision = {p.detector: p for p in rule_precision(session, user)}
    prefix = f"{rule.id}@"

    def read(con: duckdb.DuckDBPyConnection) -> tuple[list[dict[str, Any]], list[FindingRow], dict[str, int]]:
        if not has_table(con, "findings"):
            return [], [], {}
        versions = rows_as_dicts(
            con.execute(
                "SELECT detector, count(*) AS n, coalesce(sum(amount), 0) AS amount FROM findings "
                "WHERE starts_with(detector, ?) GROUP BY detector ORDER BY detector",
                [prefix],
            )
        )
        rows = finding_rows(
            rows_as_dicts(
                con.execute(
                    f"{FINDING_SELECT} WHERE f.detector = ? ORDER BY f.amount DESC NULLS LAST, f.finding_id "
                    f"LIMIT {int(top)}",
                    [rule.detector],
                )
            )
        )
        grades = dict(
            con.execute(
                "SELECT grade, count(*) FROM findings WHERE detector = ? GROUP BY grade", [rule.detector]
            ).fetchall()
        )
        return versions, rows, grades

    versions, rows, grades = store.read(read)
    current = next((v for v in versions if v["detector"] == rule.detector), None)
    for v in versions:
        v["current"] = v["detector"] == rule.detector
        v["precision"] = precision.get(v["detector"])
    appeals = (
        [a for a in list_appeals(session, user) if a.detector.startswith(prefix)]
        if can(user, Permission.APPEAL_READ)
        else []
    )
    line = RuleLine(
        rule=rule,
        detector=rule.detector,
        violation_label=VIOLATION_LABELS[rule.violation],
        stages="、".join(STAGES.get(str(s), str(s)) for s in rule.stages),
        findings=int(current["n"]) if current else 0,
        precision=precision.get(rule.detector),
    )
    return RuleDetail(
        line=line,
        level_label=LEVELS.get(rule.level.value, rule.level.value),
        cases=case_views(rule),
        uses=table_uses(rule),
        versions=versions,
        findings=rows,
        total_amount=Decimal(current["amount"]) if current else Decimal(0),
        by_grade={str(k): int(v) for k, v in grades.items()},
        appeals=appeals,
    )


def readers_of(table: str) -> tuple[list[Rule], list[tuple[Rule, tuple[str, ...]]]]:
    """The rules reading a knowledge table: (in their own SQL, through intermediates (with their names))."""
    direct, via = [], []
    for rule in _library():
        for use in table_uses(rule):
            if use.table != table:
                continue
            if use.direct:
                direct.append(rule)
            else:
                via.append((rule, use.via))
    return direct, via
