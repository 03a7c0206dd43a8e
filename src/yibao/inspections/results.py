"""Results of on-site inspections against the checklist, and the public list (一公开)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from yibao.audit.log import record
from yibao.auth.models import User
from yibao.auth.roles import Permission, require
from yibao.cases.errors import CaseError
from yibao.cases.record import fen, yuan
from yibao.inspections.models import InspAssignment, InspPlan, InspResult, InspTarget
from yibao.inspections.params import checklist

__all__ = ["ANSWERS", "KINDS_OF_VISIT", "PublicResult", "public_list", "publish_results", "record_result"]

ANSWERS = {"pass": "符合", "fail": "不符合", "na": "不适用"}
KINDS_OF_VISIT = {"routine": "双随机/日常检查", "supervisory": "督查抽查", "special": "专项检查"}


def record_result(
    session: Session,
    actor: User,
    fixmedins_code: str,
    *,
    inspected_on: date,
    answers: dict[str, str],
    kind: str = "routine",
    plan_no: str | None = None,
    summary: str = "",
    amount: Decimal | float | str = 0,
) -> InspResult:
    """One inspection done: every checklist item of the institution's type answered pass/fail/na."""
    require(actor, Permission.CASE_INVESTIGATE)
    target = session.execute(
        select(InspTarget).where(InspTarget.fixmedins_code == fixmedins_code)
    ).scalar_one_or_none()
    if target is None:
        raise CaseError(
            f"不在检查对象名录中：{fixmedins_code}", f"not in the target directory: {fixmedins_code}"
        )
    if kind not in KINDS_OF_VISIT:
        raise CaseError(
            f"检查类型须为 {'/'.join(KINDS_OF_VISIT)}", f"kind must be one of {list(KINDS_OF_VISIT)}"
        )
    cl = checklist(target.kind)
    missing, unknown = cl.codes() - set(answers), set(answers) - cl.codes()
    bad = {v for v in answers.values() if v not in ANSWERS}
    if missing or unknown or bad:
        raise CaseError(
            f"检查清单未答全或有误：缺{sorted(missing)}，多{sorted(unknown)}，无效答案{sorted(bad)}",
            f"checklist incomplete or wrong: missing {sorted(missing)}, unknown {sorted(unknown)}, bad {sorted(bad)}",
        )
    plan_id = None
    if plan_no:
        plan = session.execute(select(InspPlan).where(InspPlan.plan_no == plan_no)).scalar_one_or_none()
        drawn = (
            plan
            and session.execute(
                select(InspAssignment).where(
                    InspAssignment.plan_id == plan.id, InspAssignment.fixmedins_code == fixmedins_code
                )
            ).scalar_one_or_none()
        )
        if not drawn:
            raise CaseError(
                f"{fixmedins_code}不在计划{plan_no}中", f"{fixmedins_code} is not in plan {plan_no}"
            )
        plan_id = plan.id  # type: ignore[union-attr]
    result = InspResult(
        plan_id=plan_id,
        fixmedins_code=fixmedins_code,
        inspected_on=inspected_on,
        kind=kind,
        checklist=target.kind,
        answers=json.dumps(dict(sorted(answers.items())), ensure_ascii=False),
        problems=sum(1 for v in answers.values() if v == "fail"),
        amount_fen=fen(amount),
        summary=summary,
        published=False,
        recorded_by=actor.id,
        recorded_at=datetime.now(UTC).replace(tzinfo=None),
    )
    session.add(result)
    session.flush()
    record(
        session,
        actor.username,
        "inspect.result",
        "institution",
        fixmedins_code,
        {"result": result.id, "on": inspected_on, "kind": kind, "problems": result.problems},
    )
    return result


def publish_results(session: Session, actor: User, result_ids: list[int]) -> int:
    require(actor, Permission.CASE_APPROVE)
    n = 0
    for rid in result_ids:
        r = session.get(InspResult, rid)
        if r is None:
            raise CaseError(f"检查结果不存在：{rid}", f"no such result: {rid}")
        if not r.published:
            r.published, n = True, n + 1
    record(
        session, actor.username, "inspect.publish", "result", ",".join(map(str, result_ids)), {"published": n}
    )
    return n


@dataclass(frozen=True, slots=True)
class PublicResult:
    fixmedins_code: str
    name: str
    inspected_on: date
    kind: str
    problems: int
    amount: Decimal
    summary: str
    plan_no: str | None


def public_list(session: Session, year: int | None = None) -> list[PublicResult]:
    """The published results (no login): institution, date, problems found, what follows."""
    q = (
        select(InspResult, InspTarget.name, InspPlan.plan_no)
        .join(InspTarget, InspTarget.fixmedins_code == InspResult.fixmedins_code)
        .outerjoin(InspPlan, InspPlan.id == InspResult.plan_id)
        .where(InspResult.published.is_(True))
        .order_by(InspResult.inspected_on, InspResult.id)
    )
    out = []
    for r, name, plan_no in session.execute(q).all():
        if year and r.inspected_on.year != year:
            continue
        out.append(
            PublicResult(
                r.fixmedins_code,
                name,
                r.inspected_on,
                KINDS_OF_VISIT[r.kind],
                r.problems,
                yuan(r.amount_fen),
                r.summary,
                plan_no,
            )
        )
    return out
