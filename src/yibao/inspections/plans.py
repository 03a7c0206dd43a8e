"""Monthly inspection plans: a draw over the directories, saved with its inputs, redone on demand.

The plan keeps the full draw inputs (directory snapshot, seed, team sizes, weights) as JSON,
so `redo_plan` recomputes it from what was published, not from today's directories.
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from yibao.audit.log import lock_chain, record
from yibao.auth.models import User
from yibao.auth.roles import Permission, require
from yibao.cases.errors import CaseError
from yibao.inspections.directory import inspector_records, relation_pairs, target_records
from yibao.inspections.draw import DrawInputs, DrawResult, draw
from yibao.inspections.models import InspAssignment, InspPlan
from yibao.inspections.params import coverage_rule

__all__ = ["PURPOSES", "PlanView", "build_inputs", "get_plan", "new_seed", "redo_plan", "save_plan"]

PURPOSES = {"routine": "日常双随机检查", "supervisory": "督查抽查"}


def new_seed() -> str:
    """A fresh seed to publish before the draw (e.g. read out at the draw meeting)."""
    return secrets.token_hex(8)


def build_inputs(
    session: Session,
    *,
    seed: str,
    n_targets: int,
    admdvs: str = "",
    kinds: list[str] | None = None,
    grades: dict[str, str] | None = None,
    weighted: bool = False,
    on: date | None = None,
    officers_per_team: int | None = None,
    experts_per_team: int | None = None,
) -> DrawInputs:
    """The draw inputs from today's directories; team sizes and risk weights from the dated rule."""
    rule = coverage_rule(admdvs.ljust(6, "0") if admdvs else "000000", on or date.today())
    return DrawInputs(
        seed=seed,
        n_targets=n_targets,
        targets=tuple(
            target_records(session, kinds=kinds, admdvs=admdvs, grades=grades if weighted else None)
        ),
        inspectors=tuple(inspector_records(session)),
        relations=tuple(relation_pairs(session)),
        officers_per_team=officers_per_team if officers_per_team is not None else rule.officers_per_team,
        experts_per_team=experts_per_team if experts_per_team is not None else rule.experts_per_team,
        weights=tuple(sorted(rule.risk_weights.items())) if weighted else (),
    )


def _next_no(session: Session, month: str) -> str:
    lock_chain(session)
    stem = f"CJ{month.replace('-', '')}-"
    last = session.execute(
        select(InspPlan.plan_no)
        .where(InspPlan.plan_no.like(f"{stem}%"))
        .order_by(InspPlan.plan_no.desc())
        .limit(1)
    ).scalar_one_or_none()
    return f"{stem}{(int(last.rsplit('-', 1)[1]) + 1) if last else 1:02d}"


def save_plan(
    session: Session, actor: User, inputs: DrawInputs, *, month: str, purpose: str = "routine"
) -> InspPlan:
    """Draw and record the plan of a month (抽查计划), with its seed and inputs hash."""
    require(actor, Permission.CASE_APPROVE)
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", month):
        raise CaseError("月份格式须为YYYY-MM", "month must be YYYY-MM")
    if purpose not in PURPOSES:
        raise CaseError(f"用途须为 {'/'.join(PURPOSES)}", f"purpose must be one of {list(PURPOSES)}")
    result = draw(inputs)
    plan = InspPlan(
        plan_no=_next_no(session, month),
        month=month,
        purpose=purpose,
        seed=inputs.seed,
        spec=json.dumps(inputs.as_dict(), ensure_ascii=False, sort_keys=True),
        inputs_sha256=result.inputs_sha256,
        created=datetime.now(UTC).replace(tzinfo=None),
        created_by=actor.id,
    )
    session.add(plan)
    session.flush()
    for t in result.teams:
        session.add(
            InspAssignment(
                plan_id=plan.id,
                rank=t.rank,
                fixmedins_code=t.fixmedins_code,
                inspectors=",".join(t.inspectors),
            )
        )
    record(
        session,
        actor.username,
        "inspect.draw",
        "plan",
        plan.plan_no,
        {
            "seed": inputs.seed,
            "inputs_sha256": result.inputs_sha256,
            "targets": [t.fixmedins_code for t in result.teams],
        },
    )
    return plan


@dataclass(frozen=True, slots=True)
class PlanView:
    plan_no: str
    month: str
    purpose: str
    inputs: DrawInputs
    result: DrawResult  # as recorded
    assignments: list[tuple[int, str, list[str]]]


def get_plan(session: Session, plan_no: str) -> PlanView:
    """A plan as published (双随机一公开: the plan, the seed and the inputs are public)."""
    plan = session.execute(select(InspPlan).where(InspPlan.plan_no == plan_no)).scalar_one_or_none()
    if plan is None:
        raise CaseError(f"抽查计划不存在：{plan_no}", f"no such plan: {plan_no}")
    inputs = DrawInputs.from_dict(json.loads(plan.spec))
    rows = session.execute(
        select(InspAssignment).where(InspAssignment.plan_id == plan.id).order_by(InspAssignment.rank)
    ).scalars()
    assignments = [(a.rank, a.fixmedins_code, a.inspectors.split(",") if a.inspectors else []) for a in rows]
    return PlanView(plan.plan_no, plan.month, plan.purpose, inputs, draw(inputs), assignments)


def redo_plan(session: Session, plan_no: str) -> tuple[bool, PlanView]:
    """Redo the draw from the plan's published inputs; True when it gives the recorded plan."""
    view = get_plan(session, plan_no)
    redone = [(t.rank, t.fixmedins_code, list(t.inspectors)) for t in view.result.teams]
    return redone == view.assignments, view
