"""Clues (线索): intake of screened findings from the DuckDB store, other sources, triage, assignment.

Findings are grouped per institution, per person or per pattern (violation code). Each
finding enters one clue once; re-running intake after a new screening adds only new
findings, to the open clue of their group where there is one. A clue's priority is the
sum of amount × score over its findings: the expected money at stake.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import duckdb
from sqlalchemy import select
from sqlalchemy.orm import Session

from yibao.audit.log import lock_chain, record
from yibao.auth.models import User
from yibao.auth.roles import Permission, can, require
from yibao.auth.users import get_user
from yibao.cases.errors import CaseError
from yibao.cases.flow import fen, yuan
from yibao.cases.models import Clue, ClueFinding, ClueReporter
from yibao.findings import VIOLATION_LABELS, Violation

__all__ = [
    "GROUPINGS",
    "SOURCES",
    "IntakeReport",
    "assign_clue",
    "create_clue",
    "dismiss_clue",
    "get_clue",
    "intake_findings",
    "recompute_clue",
    "reporter_of",
    "triage_queue",
]

GROUPINGS = {"institution": "fixmedins_code", "person": "psn_no", "pattern": "violation"}
SOURCES = {
    "finding": "筛查疑点",
    "report": "举报",
    "inspection": "检查（飞行检查、双随机、日常稽核）",
    "referral": "其他部门移交",
}
_OPEN = ("new", "assigned")


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _next_clue_no(session: Session, now: datetime) -> str:
    lock_chain(session)
    stem = f"XS{now.year}-"
    last = session.execute(
        select(Clue.clue_no).where(Clue.clue_no.like(f"{stem}%")).order_by(Clue.clue_no.desc()).limit(1)
    ).scalar_one_or_none()
    n = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{stem}{n:06d}"


@dataclass(slots=True)
class IntakeReport:
    clues_created: list[str] = field(default_factory=list)
    clues_updated: list[str] = field(default_factory=list)
    findings_added: int = 0
    findings_known: int = 0
    findings_ungrouped: int = 0  # no key for the chosen grouping (e.g. person grouping, no psn_no)


def recompute_clue(session: Session, clue: Clue) -> None:
    """Amount, score and priority from the clue's findings, leaving out overturned ones.

    A fee line hit by several rules counts once (its largest amount), as in the screening summary.
    """
    from yibao.cases.models import Appeal

    rows = session.execute(
        select(ClueFinding, Appeal.status)
        .outerjoin(Appeal, Appeal.finding_id == ClueFinding.finding_id)
        .where(ClueFinding.clue_id == clue.id)
    ).all()
    best: dict[str, tuple[int, float]] = {}
    for f, status in rows:
        if status == "overturned":
            continue
        key = f.feedetl_sn or f.finding_id
        if key not in best or f.amount_fen > best[key][0]:
            best[key] = (f.amount_fen, f.score)
    amount = sum(a for a, _ in best.values())
    priority = sum(a / 100 * s for a, s in best.values())
    clue.amount_fen = amount
    clue.priority = round(priority, 2)
    clue.score = round(priority / (amount / 100), 4) if amount else 0.0


def intake_findings(
    session: Session,
    actor: User,
    con: duckdb.DuckDBPyConnection,
    *,
    group_by: str = "institution",
    min_amount: Decimal | float = 0,
    violation: str | None = None,
) -> IntakeReport:
    """Turn the store's findings into clues, one per group."""
    require(actor, Permission.CLUE_CREATE)
    if group_by not in GROUPINGS:
        raise CaseError(f"分组方式须为：{'/'.join(GROUPINGS)}", f"group_by must be one of {list(GROUPINGS)}")
    key_col = GROUPINGS[group_by]
    where, args = ("WHERE f.violation = ?", [violation]) if violation else ("", [])
    rows = con.execute(
        f"""SELECT f.finding_id, f.violation, f.detector, f.level, f.feedetl_sn, f.mdtrt_id, f.psn_no,
                   f.prac_code, f.fixmedins_code, CAST(f.amount AS DOUBLE), f.score, f.grade, f.evidence,
                   m.fixmedins_name
            FROM findings f LEFT JOIN medins m USING (fixmedins_code) {where}
            ORDER BY f.finding_id""",
        args,
    ).fetchall()
    known = set(session.execute(select(ClueFinding.finding_id)).scalars())
    report = IntakeReport()
    groups: dict[str, list[tuple[Any, ...]]] = {}
    names: dict[str, str] = {}
    for r in rows:
        if r[0] in known:
            report.findings_known += 1
            continue
        key = {"fixmedins_code": r[8], "psn_no": r[6], "violation": r[1]}[key_col]
        if not key:
            report.findings_ungrouped += 1
            continue
        groups.setdefault(key, []).append(r)
        if r[13]:
            names[r[8]] = r[13]
    threshold = fen(min_amount)
    now = _now()
    for key, members in sorted(groups.items()):
        if sum(fen(m[9] or 0) for m in members) < threshold:
            continue
        clue = (
            session.execute(
                select(Clue).where(
                    Clue.source == "finding",
                    Clue.grouping == group_by,
                    Clue.group_key == key,
                    Clue.status.in_(_OPEN),
                )
            )
            .scalars()
            .first()
        )
        if clue is None:
            codes = sorted({m[1] for m in members})
            top = max(codes, key=lambda c: sum(m[9] or 0 for m in members if m[1] == c))
            inst = members[0][8] if group_by == "institution" else None
            psn = members[0][6] if group_by == "person" else None
            if group_by == "institution":
                title = f"{names.get(key, key)}（{key}）疑点线索"
            elif group_by == "person":
                title = f"参保人{key}疑点线索"
            else:
                title = f"{VIOLATION_LABELS.get(Violation(key), key) if key in Violation.__members__ else key}模式线索"
            clue = Clue(
                clue_no=_next_clue_no(session, now),
                source="finding",
                grouping=group_by,
                group_key=key,
                title=title,
                description="由筛查疑点生成，涉及违规类型："
                + "、".join(
                    VIOLATION_LABELS.get(Violation(c), c) if c in Violation.__members__ else c for c in codes
                ),
                party_name=names.get(key) if group_by == "institution" else None,
                fixmedins_code=inst,
                psn_no=psn,
                violation=top,
                status="new",
                created=now,
                created_by=actor.id,
            )
            session.add(clue)
            session.flush()
            report.clues_created.append(clue.clue_no)
        else:
            report.clues_updated.append(clue.clue_no)
        for m in members:
            session.add(
                ClueFinding(
                    clue_id=clue.id,
                    finding_id=m[0],
                    violation=m[1],
                    detector=m[2],
                    level=m[3],
                    feedetl_sn=m[4],
                    mdtrt_id=m[5],
                    psn_no=m[6],
                    prac_code=m[7],
                    fixmedins_code=m[8],
                    amount_fen=fen(m[9] or 0),
                    score=float(m[10] or 0),
                    grade=m[11],
                    evidence=m[12] or "",
                )
            )
            report.findings_added += 1
        session.flush()
        recompute_clue(session, clue)
    record(
        session,
        actor.username,
        "clue.intake",
        "clue",
        "-",
        {
            "group_by": group_by,
            "created": report.clues_created,
            "updated": report.clues_updated,
            "findings_added": report.findings_added,
            "violation": violation,
            "min_amount": str(min_amount),
        },
    )
    return report


def create_clue(
    session: Session,
    actor: User,
    *,
    source: str,
    title: str,
    description: str = "",
    fixmedins_code: str | None = None,
    psn_no: str | None = None,
    party_name: str | None = None,
    violation: str | None = None,
    amount: Decimal | float = 0,
    score: float = 0.5,
    reporter: tuple[str, str, bool] | None = None,
) -> Clue:
    """A clue from a report (举报), an inspection or a referral; the reporter is kept apart."""
    require(actor, Permission.CLUE_CREATE)
    if source not in SOURCES or source == "finding":
        raise CaseError(
            "来源须为 report/inspection/referral", "source must be report, inspection or referral"
        )
    if not (fixmedins_code or psn_no):
        raise CaseError("须指明被举报或被检查的机构编码或人员编号", "name the institution or the person")
    if violation and violation not in Violation.__members__:
        raise CaseError(f"未知违规类型：{violation}", f"unknown violation code: {violation}")
    if not 0 <= score <= 1:
        raise CaseError("score须在0到1之间", "score must be within 0..1")
    now = _now()
    amount_fen = fen(amount)
    clue = Clue(
        clue_no=_next_clue_no(session, now),
        source=source,
        grouping="none",
        group_key=fixmedins_code or psn_no or "",
        title=title,
        description=description,
        party_name=party_name,
        fixmedins_code=fixmedins_code,
        psn_no=psn_no,
        violation=violation,
        amount_fen=amount_fen,
        score=score,
        priority=round(amount_fen / 100 * score, 2),
        status="new",
        created=now,
        created_by=actor.id,
    )
    session.add(clue)
    session.flush()
    if reporter:
        session.add(ClueReporter(clue_id=clue.id, name=reporter[0], contact=reporter[1], insider=reporter[2]))
    record(
        session,
        actor.username,
        "clue.create",
        "clue",
        clue.clue_no,
        {
            "source": source,
            "fixmedins_code": fixmedins_code,
            "psn_no": psn_no,
            "amount": str(amount),
            "has_reporter": bool(reporter),
        },
    )
    return clue


def get_clue(session: Session, clue_no: str) -> Clue:
    clue = session.execute(select(Clue).where(Clue.clue_no == clue_no)).scalar_one_or_none()
    if clue is None:
        raise CaseError(f"线索不存在：{clue_no}", f"no such clue: {clue_no}")
    return clue


def triage_queue(
    session: Session, actor: User, *, limit: int = 50, include_assigned: bool = True
) -> list[Clue]:
    """Open clues, highest expected money at stake (amount × score) first."""
    require(actor, Permission.CLUE_READ)
    statuses = _OPEN if include_assigned else ("new",)
    return list(
        session.execute(
            select(Clue).where(Clue.status.in_(statuses)).order_by(Clue.priority.desc(), Clue.id).limit(limit)
        ).scalars()
    )


def assign_clue(session: Session, actor: User, clue_no: str, username: str) -> Clue:
    require(actor, Permission.CLUE_ASSIGN)
    clue = get_clue(session, clue_no)
    if clue.status not in _OPEN:
        raise CaseError(f"线索{clue_no}已处理，不能再分派", f"clue {clue_no} is no longer open")
    officer = get_user(session, username)
    if not can(officer, Permission.CASE_OPEN):
        raise CaseError(f"{username}的角色不能承办线索", f"{username}'s role cannot take clues")
    clue.assignee_id, clue.status = officer.id, "assigned"
    record(session, actor.username, "clue.assign", "clue", clue_no, {"to": username})
    return clue


def dismiss_clue(session: Session, actor: User, clue_no: str, reason: str) -> Clue:
    require(actor, Permission.CLUE_ASSIGN)
    clue = get_clue(session, clue_no)
    if clue.status not in _OPEN:
        raise CaseError(f"线索{clue_no}已处理", f"clue {clue_no} is no longer open")
    if not reason:
        raise CaseError("须说明不予处理的理由", "give a reason")
    clue.status = "dismissed"
    record(session, actor.username, "clue.dismiss", "clue", clue_no, {"reason": reason})
    return clue


def reporter_of(session: Session, actor: User, clue_no: str) -> ClueReporter | None:
    """The whistleblower's identity: only for roles allowed to see it, and every read is audited."""
    require(actor, Permission.REPORTER_VIEW)
    clue = get_clue(session, clue_no)
    rep = session.get(ClueReporter, clue.id)
    record(session, actor.username, "reporter.read", "clue", clue_no, {"found": rep is not None})
    return rep


def clue_amount(clue: Clue) -> Decimal:
    return yuan(clue.amount_fen)
