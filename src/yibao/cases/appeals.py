"""Appeals (申诉): an institution answers a finding; a reviewer confirms or overturns it.

Institution users see and answer only their own institution's findings. Outcomes feed
back per rule (detector): the confirmed precision is confirmed / (confirmed + overturned).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from yibao.audit.log import record
from yibao.auth.models import User
from yibao.auth.roles import Permission, PermissionDenied, can, require
from yibao.cases.clues import recompute_clue
from yibao.cases.errors import CaseError
from yibao.cases.models import Appeal, AppealAttachment, Clue, ClueFinding

__all__ = [
    "MAX_ATTACHMENT",
    "RulePrecision",
    "list_appeals",
    "list_findings",
    "review_appeal",
    "rule_precision",
    "submit_appeal",
]

MAX_ATTACHMENT = 20 * 1024 * 1024
OUTCOMES = {"confirmed": "维持疑点（申诉不成立）", "overturned": "撤销疑点（申诉成立）"}


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _own_scope(user: User) -> str | None:
    """None: every institution; otherwise the one institution this user may see."""
    if can(user, Permission.FINDING_READ):
        return None
    require(user, Permission.FINDING_READ_OWN)
    if not user.fixmedins_code:
        raise PermissionDenied("机构用户未绑定机构", "institution user has no institution")
    return user.fixmedins_code


def list_findings(
    session: Session,
    user: User,
    *,
    fixmedins_code: str | None = None,
    clue_no: str | None = None,
    limit: int = 500,
) -> list[tuple[ClueFinding, str | None]]:
    """Findings with their appeal status; institution users get their own only. Each read is audited."""
    scope = _own_scope(user)
    q = select(ClueFinding, Appeal.status).outerjoin(Appeal, Appeal.finding_id == ClueFinding.finding_id)
    if scope is not None:
        q = q.where(ClueFinding.fixmedins_code == scope)
    if fixmedins_code:
        q = q.where(ClueFinding.fixmedins_code == fixmedins_code)
    if clue_no:
        q = q.join(Clue, Clue.id == ClueFinding.clue_id).where(Clue.clue_no == clue_no)
    rows: list[tuple[ClueFinding, str | None]] = [
        (f, s) for f, s in session.execute(q.order_by(ClueFinding.amount_fen.desc()).limit(limit)).all()
    ]
    record(
        session,
        user.username,
        "finding.read",
        "finding",
        clue_no or fixmedins_code or scope or "*",
        {"count": len(rows), "scope": scope},
    )
    return rows


def submit_appeal(
    session: Session,
    user: User,
    finding_id: str,
    explanation: str,
    attachments: list[tuple[str, bytes]] | None = None,
) -> Appeal:
    require(user, Permission.APPEAL_SUBMIT)
    finding = session.execute(
        select(ClueFinding).where(ClueFinding.finding_id == finding_id)
    ).scalar_one_or_none()
    if finding is None or finding.fixmedins_code != user.fixmedins_code:
        # the same answer whether it does not exist or belongs to another institution
        raise CaseError(f"本机构没有疑点{finding_id}", f"no finding {finding_id} for your institution")
    if not explanation.strip():
        raise CaseError("申诉须写明理由", "an appeal needs an explanation")
    if session.execute(select(Appeal).where(Appeal.finding_id == finding_id)).scalar_one_or_none():
        raise CaseError(f"疑点{finding_id}已申诉", f"finding {finding_id} was already appealed")
    appeal = Appeal(
        finding_id=finding_id,
        fixmedins_code=finding.fixmedins_code,
        detector=finding.detector,
        explanation=explanation,
        submitted_by=user.id,
        submitted_at=_now(),
        status="submitted",
    )
    session.add(appeal)
    session.flush()
    names = []
    for name, content in attachments or []:
        if len(content) > MAX_ATTACHMENT:
            raise CaseError(f"附件{name}超过20MB", f"attachment {name} is over 20 MB")
        digest = hashlib.sha256(content).hexdigest()
        session.add(AppealAttachment(appeal_id=appeal.id, filename=name, sha256=digest, content=content))
        names.append({"filename": name, "sha256": digest, "size": len(content)})
    record(
        session,
        user.username,
        "appeal.submit",
        "appeal",
        appeal.id,
        {"finding_id": finding_id, "attachments": names},
    )
    return appeal


def review_appeal(session: Session, user: User, appeal_id: int, outcome: str, note: str) -> Appeal:
    require(user, Permission.APPEAL_REVIEW)
    if outcome not in OUTCOMES:
        raise CaseError(
            "结论须为 confirmed（维持疑点）或 overturned（撤销疑点）", "outcome: confirmed or overturned"
        )
    appeal = session.get(Appeal, appeal_id)
    if appeal is None:
        raise CaseError(f"申诉不存在：{appeal_id}", f"no such appeal: {appeal_id}")
    if appeal.status != "submitted":
        raise CaseError("该申诉已审核", "this appeal was already reviewed")
    if not note.strip():
        raise CaseError("须写明审核意见", "give the review note")
    appeal.status, appeal.reviewer_id, appeal.reviewed_at, appeal.review_note = outcome, user.id, _now(), note
    session.flush()
    finding = session.execute(
        select(ClueFinding).where(ClueFinding.finding_id == appeal.finding_id)
    ).scalar_one()
    clue = session.get(Clue, finding.clue_id)
    if clue is not None:
        recompute_clue(session, clue)
    record(
        session,
        user.username,
        "appeal.review",
        "appeal",
        appeal.id,
        {"finding_id": appeal.finding_id, "detector": appeal.detector, "outcome": outcome, "note": note},
    )
    return appeal


def list_appeals(session: Session, user: User, *, status: str | None = None) -> list[Appeal]:
    require(user, Permission.APPEAL_READ)
    q = select(Appeal)
    if not can(user, Permission.FINDING_READ):
        q = q.where(Appeal.fixmedins_code == user.fixmedins_code)
    if status:
        q = q.where(Appeal.status == status)
    rows = list(session.execute(q.order_by(Appeal.id)).scalars())
    record(session, user.username, "appeal.read", "appeal", "*", {"count": len(rows), "status": status})
    return rows


@dataclass(frozen=True, slots=True)
class RulePrecision:
    detector: str
    findings: int
    appealed: int
    confirmed: int
    overturned: int
    pending: int

    @property
    def precision(self) -> float | None:
        """Confirmed precision over reviewed appeals; None until one is reviewed."""
        done = self.confirmed + self.overturned
        return self.confirmed / done if done else None

    @property
    def overturn_rate(self) -> float | None:
        done = self.confirmed + self.overturned
        return self.overturned / done if done else None


def rule_precision(session: Session, user: User) -> list[RulePrecision]:
    """Per rule: how many of its findings were appealed, confirmed and overturned."""
    require(user, Permission.FINDING_READ)
    counts = dict(
        session.execute(select(ClueFinding.detector, func.count()).group_by(ClueFinding.detector)).all()
    )
    by: dict[str, dict[str, int]] = {d: {"submitted": 0, "confirmed": 0, "overturned": 0} for d in counts}
    for det, status, n in session.execute(
        select(Appeal.detector, Appeal.status, func.count()).group_by(Appeal.detector, Appeal.status)
    ).all():
        by.setdefault(det, {"submitted": 0, "confirmed": 0, "overturned": 0})[status] = n
    out = [
        RulePrecision(d, counts.get(d, 0), sum(v.values()), v["confirmed"], v["overturned"], v["submitted"])
        for d, v in by.items()
    ]
    return sorted(out, key=lambda r: (-r.appealed, r.detector))
