"""Whistleblower reports (举报): filing with a query code, acceptance as a clue, follow-up, duties.

《医疗保障基金使用监督管理举报处理暂行办法》(国家医保局令第5号): anonymous or real-name reports;
a real-name reporter is told within 5 working days of the decision whether a case is opened.
The public files and follows a report without an account (audited as `public`); staff record
reports taken by phone, mail or visit. Every read and write goes to the audit log, never the
identity itself.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from yibao.audit.log import lock_chain, record
from yibao.auth.models import User
from yibao.auth.roles import Permission, require
from yibao.cases.clues import create_clue
from yibao.cases.deadlines import add_working_days
from yibao.cases.errors import CaseError
from yibao.cases.models import Case, Clue
from yibao.cases.record import fen, yuan
from yibao.whistle.crypto import IdentityCipher, ReporterIdentity
from yibao.whistle.models import WhistleReport

__all__ = [
    "CHANNELS",
    "INFORM_WORKING_DAYS",
    "STATUS_LABELS",
    "FiledReport",
    "InformDuty",
    "PublicStatus",
    "accept_report",
    "file_report",
    "follow_report",
    "get_report",
    "inform_duties",
    "list_reports",
    "mark_informed",
    "record_filing_decision",
    "reject_report",
    "reporter_identity",
    "rotate_key",
]

CHANNELS = {"web": "网络", "phone": "电话", "mail": "信件", "fax": "传真", "visit": "来访"}
STATUS_LABELS = {
    "received": "已收到，待受理",
    "accepted": "已受理，核查中",
    "rejected": "不予受理",
    "filed": "已立案查处",
    "not_filed": "经核查不予立案",
}
INFORM_WORKING_DAYS = 5  # 令第5号: inform within 5 working days of the filing decision
PUBLIC = "public"


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _hash(code: str) -> str:
    return hashlib.sha256(code.strip().upper().replace("-", "").encode()).hexdigest()


def _new_code() -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud over the phone
    raw = "".join(secrets.choice(alphabet) for _ in range(16))
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))


def _next_no(session: Session, now: datetime) -> str:
    lock_chain(session)
    stem = f"JB{now.year}-"
    last = session.execute(
        select(WhistleReport.report_no)
        .where(WhistleReport.report_no.like(f"{stem}%"))
        .order_by(WhistleReport.report_no.desc())
        .limit(1)
    ).scalar_one_or_none()
    n = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{stem}{n:06d}"


def _get(session: Session, report_no: str) -> WhistleReport:
    r = session.execute(
        select(WhistleReport).where(WhistleReport.report_no == report_no)
    ).scalar_one_or_none()
    if r is None:
        raise CaseError(f"举报不存在：{report_no}", f"no such report: {report_no}")
    return r


@dataclass(frozen=True, slots=True)
class FiledReport:
    report_no: str
    query_code: str  # shown once to the reporter; only its hash is kept


def file_report(
    session: Session,
    actor: User | None,
    *,
    admdvs: str,
    target_name: str,
    content: str,
    fixmedins_code: str | None = None,
    psn_no: str | None = None,
    violation: str | None = None,
    claimed_amount: Decimal | float = 0,
    channel: str = "web",
    reporter: ReporterIdentity | None = None,
    wants_reward: bool = False,
    insider: bool = False,
    key_file: str | None = None,
    now: datetime | None = None,
) -> FiledReport:
    """Register a report and return its query code. Without an actor it comes from the public form."""
    if actor is not None:
        require(actor, Permission.CLUE_CREATE)
    if channel not in CHANNELS:
        raise CaseError(f"渠道须为：{'/'.join(CHANNELS)}", f"channel must be one of {list(CHANNELS)}")
    if not (len(admdvs) == 6 and admdvs.isdigit()):
        raise CaseError("医保区划须为6位数字", "admdvs must be 6 digits")
    if not target_name.strip() or not content.strip():
        raise CaseError("须写明被举报对象和举报内容", "name the target and describe the conduct")
    if wants_reward and reporter is None:
        raise CaseError("申请奖励须实名举报", "a reward needs a real-name report")
    now = now or _now()
    code = _new_code()
    report = WhistleReport(
        report_no=_next_no(session, now),
        query_hash=_hash(code),
        channel=channel,
        admdvs=admdvs,
        fixmedins_code=fixmedins_code,
        psn_no=psn_no,
        target_name=target_name.strip(),
        content=content.strip(),
        violation=violation,
        claimed_fen=fen(claimed_amount),
        anonymous=reporter is None,
        wants_reward=wants_reward,
        insider=insider,
        identity_token=IdentityCipher(key_file).encrypt(reporter) if reporter else None,
        received_at=now,
        received_by=actor.id if actor else None,
        status="received",
        public_note="",
    )
    session.add(report)
    session.flush()
    record(
        session,
        actor.username if actor else PUBLIC,
        "report.file",
        "report",
        report.report_no,
        {"channel": channel, "anonymous": report.anonymous, "admdvs": admdvs},
        now=now.replace(tzinfo=UTC),
    )
    return FiledReport(report.report_no, code)


def accept_report(
    session: Session,
    actor: User,
    report_no: str,
    *,
    duplicate_of: str | None = None,
    fixmedins_code: str | None = None,
    psn_no: str | None = None,
    score: float = 0.5,
) -> Clue:
    """Accept (受理) a report: it becomes a clue, or joins the clue of the earlier report it repeats.

    Staff may identify the institution or person here where the reporter named them only in words.
    """
    require(actor, Permission.CLUE_CREATE)
    r = _get(session, report_no)
    r.fixmedins_code = fixmedins_code or r.fixmedins_code
    r.psn_no = psn_no or r.psn_no
    if r.status != "received":
        raise CaseError(f"举报已处理：{STATUS_LABELS[r.status]}", f"report already handled: {r.status}")
    if duplicate_of:
        first = _get(session, duplicate_of)
        if first.clue_id is None or first.id == r.id:
            raise CaseError("被重复的举报须先受理", "the earlier report must be accepted first")
        clue = session.get(Clue, first.clue_id)
        r.duplicate_of = first.id
    else:
        clue = create_clue(
            session,
            actor,
            source="report",
            title=f"举报：{r.target_name}",
            description=f"{r.report_no}：{r.content}",
            fixmedins_code=r.fixmedins_code,
            psn_no=r.psn_no if not r.fixmedins_code else None,
            party_name=r.target_name,
            violation=r.violation,
            amount=yuan(r.claimed_fen),
            score=score,
        )
    assert clue is not None
    r.clue_id = clue.id
    r.status = "accepted"
    record(session, actor.username, "report.accept", "report", r.report_no, {"clue": clue.clue_no})
    return clue


def reject_report(session: Session, actor: User, report_no: str, reason: str) -> None:
    """不予受理, with the reason the reporter sees when following the report."""
    require(actor, Permission.CLUE_CREATE)
    r = _get(session, report_no)
    if r.status != "received":
        raise CaseError(f"举报已处理：{STATUS_LABELS[r.status]}", f"report already handled: {r.status}")
    r.status, r.public_note = "rejected", reason
    record(session, actor.username, "report.reject", "report", r.report_no, {"reason": reason})


def record_filing_decision(
    session: Session, actor: User, report_no: str, decision: str, *, on: date | None = None, note: str = ""
) -> WhistleReport:
    """The decision whether to open a case; starts the 5-working-day duty to inform a real-name reporter.

    `filed` without a date takes the filing date of the case opened from the report's clue.
    """
    require(actor, Permission.CLUE_CREATE)
    if decision not in ("filed", "not_filed"):
        raise CaseError("决定须为 filed 或 not_filed", "decision must be filed or not_filed")
    r = _get(session, report_no)
    if r.status != "accepted":
        raise CaseError("须先受理举报", "accept the report first")
    if on is None and decision == "filed":
        case = session.execute(select(Case).where(Case.clue_id == r.clue_id)).scalars().first()
        if case is None or case.filed_at is None:
            raise CaseError("该举报的线索尚未立案", "no case has been filed from this report's clue")
        on = case.filed_at.date()
    on = on or _now().date()
    r.status, r.filing_decision, r.filing_decided_on = decision, decision, on
    r.public_note = note
    r.inform_due = None if r.anonymous else add_working_days(on, INFORM_WORKING_DAYS)
    record(
        session, actor.username, "report.decision", "report", r.report_no, {"decision": decision, "on": on}
    )
    return r


def mark_informed(session: Session, actor: User, report_no: str, on: date | None = None) -> None:
    require(actor, Permission.CLUE_CREATE)
    r = _get(session, report_no)
    if r.inform_due is None:
        raise CaseError(
            "该举报无需告知（匿名或尚未决定）", "nothing to inform (anonymous or no decision yet)"
        )
    r.informed_on = on or _now().date()
    record(session, actor.username, "report.inform", "report", r.report_no, {"on": r.informed_on})


@dataclass(frozen=True, slots=True)
class InformDuty:
    report_no: str
    decided_on: date
    due: date
    informed_on: date | None
    status: str  # pending / overdue / done / late


def inform_duties(session: Session, actor: User, today: date | None = None) -> list[InformDuty]:
    """Every real-name report's duty to inform, with pending ones past their due date marked overdue."""
    require(actor, Permission.CLUE_READ)
    today = today or _now().date()
    rows = session.execute(
        select(WhistleReport).where(WhistleReport.inform_due.is_not(None)).order_by(WhistleReport.inform_due)
    ).scalars()
    out = []
    for r in rows:
        assert r.inform_due is not None and r.filing_decided_on is not None
        if r.informed_on:
            status = "done" if r.informed_on <= r.inform_due else "late"
        else:
            status = "overdue" if today > r.inform_due else "pending"
        out.append(InformDuty(r.report_no, r.filing_decided_on, r.inform_due, r.informed_on, status))
    return out


@dataclass(frozen=True, slots=True)
class PublicStatus:
    report_no: str
    received: date
    status: str
    label: str
    note: str


def follow_report(session: Session, query_code: str) -> PublicStatus:
    """What the reporter sees with the query code: the state, never who reported or what staff noted."""
    r = session.execute(
        select(WhistleReport).where(WhistleReport.query_hash == _hash(query_code))
    ).scalar_one_or_none()
    if r is None:
        record(session, PUBLIC, "report.query_failed", "report", "-", {})
        session.commit()  # kept although the error rolls the caller's unit of work back (as a failed login)
        raise CaseError("查询码无效", "unknown query code")
    record(session, PUBLIC, "report.query", "report", r.report_no, {})
    return PublicStatus(r.report_no, r.received_at.date(), r.status, STATUS_LABELS[r.status], r.public_note)


def get_report(session: Session, actor: User, report_no: str) -> WhistleReport:
    """A report for staff, without the identity (audited read)."""
    require(actor, Permission.CLUE_READ)
    r = _get(session, report_no)
    record(session, actor.username, "report.read", "report", report_no, {})
    return r


def reporter_identity(
    session: Session, actor: User, report_no: str, *, key_file: str | None = None
) -> ReporterIdentity | None:
    """The reporter's identity, decrypted for the permitted role only; each read is audited."""
    require(actor, Permission.REPORTER_VIEW)
    r = _get(session, report_no)
    record(session, actor.username, "reporter.read", "report", report_no, {"anonymous": r.anonymous})
    if r.identity_token is None:
        return None
    return IdentityCipher(key_file, create=False).decrypt(r.identity_token)


def rotate_key(session: Session, actor: User, *, old_key_file: str | None, new_key_file: str) -> int:
    """Re-encrypt every reporter identity with a new key (created if missing); returns how many.

    All or nothing: one unit of work. Afterwards point `YIBAO_WHISTLE_KEY_FILE` at the new file
    and destroy the old one.
    """
    require(actor, Permission.REPORTER_VIEW)
    old = IdentityCipher(old_key_file, create=False)
    new = IdentityCipher(new_key_file)
    rows = (
        session.execute(select(WhistleReport).where(WhistleReport.identity_token.is_not(None)))
        .scalars()
        .all()
    )
    for r in rows:
        assert r.identity_token is not None
        r.identity_token = new.encrypt(old.decrypt(r.identity_token))
    record(session, actor.username, "reporter.rekey", "report", "-", {"reports": len(rows)})
    return len(rows)


def list_reports(session: Session, actor: User, *, status: str | None = None) -> list[WhistleReport]:
    """Reports for staff, newest first, without identities (audited read)."""
    require(actor, Permission.CLUE_READ)
    q = select(WhistleReport).order_by(WhistleReport.received_at.desc(), WhistleReport.report_no.desc())
    if status:
        q = q.where(WhistleReport.status == status)
    rows = list(session.execute(q).scalars())
    record(session, actor.username, "report.list", "report", "-", {"status": status, "rows": len(rows)})
    return rows
