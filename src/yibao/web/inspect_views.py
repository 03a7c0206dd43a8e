"""What the inspection pages show, read from the case database: plans with their draw, teams with
their recusals, results against the checklist, one institution's inspection history.

Plans are read through `inspections.plans.get_plan`, so the page shows the draw as redone from the
published inputs and says whether it matches what was recorded; inspector names come from the
published directory snapshot of the plan, not from today's directory.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from yibao.auth.models import User
from yibao.cases.record import yuan
from yibao.inspections.directory import CATEGORIES
from yibao.inspections.models import InspAssignment, Inspector, InspPlan, InspRelation, InspResult, InspTarget
from yibao.inspections.params import KINDS, checklist
from yibao.inspections.plans import PURPOSES, get_plan
from yibao.inspections.results import KINDS_OF_VISIT
from yibao.whistle.dated import ParamError

__all__ = [
    "Directory",
    "DrawnIn",
    "PlanDetail",
    "PlanLine",
    "ResultLine",
    "TeamLine",
    "directory",
    "institution_plans",
    "plan_detail",
    "plan_lines",
    "result_lines",
    "target_options",
]


@dataclass(frozen=True, slots=True)
class PlanLine:
    plan_no: str
    month: str
    purpose: str
    seed: str
    inputs_sha256: str
    created: datetime
    created_by: str
    targets: int
    results: int


@dataclass(frozen=True, slots=True)
class ResultLine:
    id: int
    fixmedins_code: str
    name: str
    inspected_on: date
    kind: str
    checklist: str
    problems: int
    failed: list[tuple[str, str]]  # (item code, item text)
    not_applicable: list[str]
    amount: Decimal
    summary: str
    published: bool
    plan_no: str | None
    recorded_by: str


@dataclass(frozen=True, slots=True)
class TeamLine:
    rank: int
    fixmedins_code: str
    name: str
    kind: str
    kind_code: str  # hospital / clinic / pharmacy: the checklist to record against
    officers: list[tuple[str, str]]  # (code, name)
    experts: list[tuple[str, str]]
    recused: list[tuple[str, str, str]]  # (code, name, why)
    results: list[ResultLine]


@dataclass(frozen=True, slots=True)
class PlanDetail:
    line: PlanLine
    n_targets: int
    directory_targets: int
    directory_inspectors: int
    officers_per_team: int
    experts_per_team: int
    weights: list[tuple[str, float]]
    matches: bool
    teams: list[TeamLine]


@dataclass(frozen=True, slots=True)
class Directory:
    targets: dict[str, int]  # kind label → active targets
    inspectors: dict[str, int]  # category label → active inspectors
    relations: int


def _usernames(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(session.execute(select(User.id, User.username).where(User.id.in_(ids))).all())


def plan_lines(session: Session) -> list[PlanLine]:
    """Every plan, newest first, with how many targets were drawn and results entered under it."""
    plans = (
        session.execute(select(InspPlan).order_by(InspPlan.created.desc(), InspPlan.id.desc()))
        .scalars()
        .all()
    )
    targets = dict(
        session.execute(select(InspAssignment.plan_id, func.count()).group_by(InspAssignment.plan_id)).all()
    )
    results = dict(
        session.execute(
            select(InspResult.plan_id, func.count())
            .where(InspResult.plan_id.is_not(None))
            .group_by(InspResult.plan_id)
        ).all()
    )
    names = _usernames(session, {p.created_by for p in plans})
    return [_line(p, names, targets.get(p.id, 0), results.get(p.id, 0)) for p in plans]


def _line(p: InspPlan, names: dict[int, str], targets: int, results: int) -> PlanLine:
    return PlanLine(
        p.plan_no,
        p.month,
        PURPOSES.get(p.purpose, p.purpose),
        p.seed,
        p.inputs_sha256,
        p.created,
        names.get(p.created_by, str(p.created_by)),
        targets,
        results,
    )


def result_lines(
    session: Session, *, fixmedins_code: str | None = None, plan_id: int | None = None
) -> list[ResultLine]:
    """Results, newest inspection first, with the failed checklist items spelled out."""
    q = (
        select(InspResult, InspTarget.name, InspPlan.plan_no)
        .outerjoin(InspTarget, InspTarget.fixmedins_code == InspResult.fixmedins_code)
        .outerjoin(InspPlan, InspPlan.id == InspResult.plan_id)
        .order_by(InspResult.inspected_on.desc(), InspResult.id.desc())
    )
    if fixmedins_code is not None:
        q = q.where(InspResult.fixmedins_code == fixmedins_code)
    if plan_id is not None:
        q = q.where(InspResult.plan_id == plan_id)
    rows = session.execute(q).all()
    names = _usernames(session, {r.recorded_by for r, _, _ in rows})
    out = []
    for r, name, plan_no in rows:
        answers: dict[str, str] = json.loads(r.answers or "{}")
        try:
            texts = {i.code: i.text for i in checklist(r.checklist).items}
        except ParamError:  # a checklist file removed later: show the codes alone
            texts = {}
        out.append(
            ResultLine(
                r.id,
                r.fixmedins_code,
                name or r.fixmedins_code,
                r.inspected_on,
                KINDS_OF_VISIT.get(r.kind, r.kind),
                KINDS.get(r.checklist, r.checklist),
                r.problems,
                [(c, texts.get(c, "")) for c, v in sorted(answers.items()) if v == "fail"],
                [c for c, v in sorted(answers.items()) if v == "na"],
                yuan(r.amount_fen),
                r.summary,
                r.published,
                plan_no,
                names.get(r.recorded_by, str(r.recorded_by)),
            )
        )
    return out


def plan_detail(session: Session, plan_no: str) -> PlanDetail:
    """A plan as published, redone from its inputs; raises `CaseError` when there is no such plan."""
    view = get_plan(session, plan_no)
    plan = session.execute(select(InspPlan).where(InspPlan.plan_no == plan_no)).scalar_one()
    redone = [(t.rank, t.fixmedins_code, list(t.inspectors)) for t in view.result.teams]
    people = {i.code: i for i in view.inputs.inspectors}
    targets = {t.fixmedins_code: t for t in view.inputs.targets}
    declared = {
        (a, b): why
        for a, b, why in session.execute(
            select(InspRelation.inspector_code, InspRelation.fixmedins_code, InspRelation.reason)
        ).all()
    }
    results = result_lines(session, plan_id=plan.id)
    teams = []
    for rank, code, team in view.assignments:
        t = targets.get(code)

        def named(codes: list[str]) -> list[tuple[str, str]]:
            return [(c, people[c].name if c in people else c) for c in codes]

        officers = [c for c in team if c in people and people[c].category == "officer"]
        experts = [c for c in team if c not in officers]
        recused = []
        for c in view.result.excluded.get(code, []):
            p = people.get(c)
            why = "本机构人员" if p and p.org_code == code else declared.get((c, code), "登记的利害关系")
            recused.append((c, p.name if p else c, why))
        teams.append(
            TeamLine(
                rank,
                code,
                t.name if t else code,
                KINDS.get(t.kind, t.kind) if t else "",
                t.kind if t else "hospital",
                named(officers),
                named(experts),
                recused,
                [r for r in results if r.fixmedins_code == code],
            )
        )
    line = _line(
        plan,
        _usernames(session, {plan.created_by}),
        len(view.assignments),
        len(results),
    )
    return PlanDetail(
        line,
        view.inputs.n_targets,
        len(view.inputs.targets),
        len(view.inputs.inspectors),
        view.inputs.officers_per_team,
        view.inputs.experts_per_team,
        list(view.inputs.weights),
        redone == view.assignments,
        teams,
    )


def directory(session: Session) -> Directory:
    """How many active targets per kind and inspectors per category the next draw would use."""
    kinds = dict(
        session.execute(
            select(InspTarget.kind, func.count()).where(InspTarget.active.is_(True)).group_by(InspTarget.kind)
        ).all()
    )
    cats = dict(
        session.execute(
            select(Inspector.category, func.count())
            .where(Inspector.active.is_(True))
            .group_by(Inspector.category)
        ).all()
    )
    relations = session.execute(select(func.count()).select_from(InspRelation)).scalar_one()
    return Directory(
        {label: kinds.get(k, 0) for k, label in KINDS.items()},
        {label: cats[c] for c, label in CATEGORIES.items() if cats.get(c)},
        int(relations),
    )


def target_options(session: Session, kind: str) -> list[tuple[str, str]]:
    """(code, name) of the active targets of one kind, for the result form."""
    q = (
        select(InspTarget.fixmedins_code, InspTarget.name)
        .where(InspTarget.kind == kind, InspTarget.active.is_(True))
        .order_by(InspTarget.fixmedins_code)
    )
    return [(c, n) for c, n in session.execute(q).all()]


@dataclass(frozen=True, slots=True)
class DrawnIn:
    plan_no: str
    month: str
    purpose: str
    rank: int
    team: list[str]


def institution_plans(session: Session, code: str) -> list[DrawnIn]:
    """The plans one institution was drawn in, newest first, with the team's inspector names."""
    rows = session.execute(
        select(InspPlan, InspAssignment)
        .join(InspAssignment, InspAssignment.plan_id == InspPlan.id)
        .where(InspAssignment.fixmedins_code == code)
        .order_by(InspPlan.month.desc(), InspPlan.plan_no.desc())
    ).all()
    names = dict(session.execute(select(Inspector.code, Inspector.name)).all())
    return [
        DrawnIn(
            p.plan_no,
            p.month,
            PURPOSES.get(p.purpose, p.purpose),
            a.rank,
            [names.get(c, c) for c in a.inspectors.split(",") if c],
        )
        for p, a in rows
    ]
