"""The case-handling REST API (/api/v1): login, users, clues, cases, penalties, appeals, documents, audit.

Thin: each handler opens one unit of work, authenticates the bearer token and calls one
service function (docs/cases.md, "For the API"); permissions, masking and the audit trail
live in the service layer, so the API and the CLI cannot drift apart.
"""

from __future__ import annotations

import base64
import binascii
import tempfile
from dataclasses import asdict
from decimal import Decimal
from pathlib import Path
from typing import Annotated
from urllib.parse import quote

import duckdb
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from yibao.api.case_http import ERROR_RESPONSES, CaseRoute, Token, acting, unauthenticated
from yibao.api.case_models import (
    ActionIn,
    ActionInfo,
    ActiveIn,
    AppealIn,
    AppealOut,
    AppealReviewIn,
    AssignIn,
    AuditEntryOut,
    CaseOpenIn,
    CaseOut,
    CaseSummaryOut,
    ClueDetailOut,
    ClueIn,
    ClueOut,
    ConflictIn,
    FindingOut,
    IntakeIn,
    IntakeOut,
    LoginIn,
    LoginOut,
    PasswordIn,
    PenaltyIn,
    PenaltyOut,
    PrecisionOut,
    ReasonIn,
    ReporterOut,
    StepOut,
    UserIn,
    UserOut,
    VerifyOut,
    WithdrawIn,
)
from yibao.audit.log import record, verify
from yibao.audit.models import AuditEntry
from yibao.auth.masking import mask_name
from yibao.auth.models import User
from yibao.auth.roles import Permission, require
from yibao.auth.sessions import authenticate, login, logout
from yibao.cases.errors import CaseError

__all__ = ["router"]

router = APIRouter(route_class=CaseRoute, responses=ERROR_RESPONSES)  # type: ignore[arg-type]

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --- login ---------------------------------------------------------------------------------------


@router.post("/auth/login", tags=["登录 auth"], response_model=LoginOut)
def api_login(request: Request, body: LoginIn) -> LoginOut:
    """登录，返回会话令牌（Bearer）/ Log in; the token goes in `Authorization: Bearer …`."""
    with unauthenticated(request) as s:
        token = login(s, body.username, body.password)
        user = authenticate(s, token)
        return LoginOut(token=token, username=user.username, role=user.role)


@router.post("/auth/logout", tags=["登录 auth"], status_code=204)
def api_logout(request: Request, token: Token) -> Response:
    """注销本会话 / Revoke this session."""
    with acting(request, token) as (s, _):
        logout(s, token or "")
    return Response(status_code=204)


@router.get("/auth/me", tags=["登录 auth"], response_model=UserOut)
def api_me(request: Request, token: Token) -> UserOut:
    with acting(request, token) as (_, user):
        return UserOut.model_validate(user)


# --- users (director) ----------------------------------------------------------------------------


@router.get("/users", tags=["用户 users"], response_model=list[UserOut])
def api_users(request: Request, token: Token) -> list[UserOut]:
    from yibao.auth.users import list_users

    with acting(request, token) as (s, user):
        return [UserOut.model_validate(u) for u in list_users(s, user)]


@router.post("/users", tags=["用户 users"], response_model=UserOut, status_code=201)
def api_create_user(request: Request, token: Token, body: UserIn) -> UserOut:
    from yibao.auth.users import create_user

    with acting(request, token) as (s, user):
        created = create_user(
            s,
            user,
            body.username,
            body.password,
            body.role,
            display_name=body.display_name,
            cert_no=body.cert_no,
            fixmedins_code=body.fixmedins_code,
        )
        return UserOut.model_validate(created)


@router.put("/users/{username}/active", tags=["用户 users"], status_code=204)
def api_set_active(request: Request, token: Token, username: str, body: ActiveIn) -> Response:
    from yibao.auth.users import set_active

    with acting(request, token) as (s, user):
        set_active(s, user, username, body.active)
    return Response(status_code=204)


@router.put("/users/{username}/password", tags=["用户 users"], status_code=204)
def api_set_password(request: Request, token: Token, username: str, body: PasswordIn) -> Response:
    """本人修改或负责人重置密码 / Own password, or a director resets anyone's."""
    from yibao.auth.users import set_password

    with acting(request, token) as (s, user):
        set_password(s, user, username, body.password)
    return Response(status_code=204)


@router.post("/users/{username}/conflicts", tags=["用户 users"], status_code=204)
def api_declare_conflict(request: Request, token: Token, username: str, body: ConflictIn) -> Response:
    """申报与当事人的利害关系（回避事由）/ Declare an interest in a party."""
    from yibao.auth.users import declare_conflict

    with acting(request, token) as (s, user):
        declare_conflict(s, user, username, body.party_code, body.reason)
    return Response(status_code=204)


# --- clues ---------------------------------------------------------------------------------------


def _clue_out(s: Session, user: User, clue: object) -> ClueOut:
    from yibao.cases.models import Clue

    assert isinstance(clue, Clue)
    assignee = s.get(User, clue.assignee_id) if clue.assignee_id else None
    person = clue.grouping == "person" or (clue.psn_no and not clue.fixmedins_code)
    return ClueOut(
        clue_no=clue.clue_no,
        source=clue.source,
        grouping=clue.grouping,
        title=clue.title,
        description=clue.description,
        party_name=mask_name(clue.party_name) if person else clue.party_name,  # persons masked in lists
        fixmedins_code=clue.fixmedins_code,
        psn_no=clue.psn_no,
        violation=clue.violation,
        amount=Decimal(clue.amount_fen) / 100,
        score=clue.score,
        priority=Decimal(str(round(clue.priority, 2))),
        status=clue.status,
        assignee=assignee.username if assignee else None,
    )


def _store(request: Request) -> Path:
    """The screened DuckDB store: `app.state.findings_db`, else the one `yibao serve --db` names."""
    path = getattr(request.app.state, "findings_db", None)
    if path is None and getattr(request.app.state, "service", None) is not None:
        path = request.app.state.service.settings.db
    if path is None:
        raise CaseError("服务未配置筛查库（--db）", "no screened store configured (--db)")
    return Path(path)


@router.post("/clues/intake", tags=["线索 clues"], response_model=IntakeOut)
def api_intake(request: Request, token: Token, body: IntakeIn) -> IntakeOut:
    """把筛查库的疑点归并为线索（可重复执行）/ Turn the store's findings into clues (idempotent)."""
    from yibao.cases.clues import intake_findings

    with acting(request, token) as (s, user):
        require(user, Permission.CLUE_CREATE)  # before touching the store
        try:
            con = duckdb.connect(str(_store(request)), read_only=True)
        except duckdb.Error as exc:
            raise CaseError(
                "筛查库暂不可读，请稍后重试", f"the screened store cannot be read: {exc}"
            ) from exc
        try:
            r = intake_findings(
                s, user, con, group_by=body.group_by, min_amount=body.min_amount, violation=body.violation
            )
        finally:
            con.close()
        return IntakeOut(
            clues_created=r.clues_created,
            clues_updated=r.clues_updated,
            findings_added=r.findings_added,
            findings_known=r.findings_known,
            findings_ungrouped=r.findings_ungrouped,
        )


@router.post("/clues", tags=["线索 clues"], response_model=ClueOut, status_code=201)
def api_add_clue(request: Request, token: Token, body: ClueIn) -> ClueOut:
    """登记举报、检查或移交线索 / Register a report, inspection or referral."""
    from yibao.cases.clues import create_clue

    reporter = (body.reporter_name, body.reporter_contact or "", body.insider) if body.reporter_name else None
    with acting(request, token) as (s, user):
        clue = create_clue(
            s,
            user,
            source=body.source,
            title=body.title,
            description=body.description,
            fixmedins_code=body.fixmedins_code,
            psn_no=body.psn_no,
            party_name=body.party_name,
            violation=body.violation,
            amount=body.amount,
            score=body.score,
            reporter=reporter,
        )
        return _clue_out(s, user, clue)


@router.get("/clues", tags=["线索 clues"], response_model=list[ClueOut])
def api_queue(
    request: Request,
    token: Token,
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
    include_assigned: bool = True,
) -> list[ClueOut]:
    """待办线索，按金额×可信度排序 / The triage queue, ranked by amount × score."""
    from yibao.cases.clues import triage_queue

    with acting(request, token) as (s, user):
        rows = triage_queue(s, user, limit=limit, include_assigned=include_assigned)
        return [_clue_out(s, user, c) for c in rows]


def _finding_out(f: object, status: str | None) -> FindingOut:
    from yibao.cases.models import ClueFinding

    assert isinstance(f, ClueFinding)
    return FindingOut(
        finding_id=f.finding_id,
        violation=f.violation,
        detector=f.detector,
        level=f.level,
        feedetl_sn=f.feedetl_sn,
        mdtrt_id=f.mdtrt_id,
        psn_no=f.psn_no,
        fixmedins_code=f.fixmedins_code,
        amount=Decimal(f.amount_fen) / 100,
        score=f.score,
        grade=f.grade,
        evidence=f.evidence,
        appeal_status=status,
    )


@router.get("/clues/{clue_no}", tags=["线索 clues"], response_model=ClueDetailOut)
def api_clue(request: Request, token: Token, clue_no: str) -> ClueDetailOut:
    from yibao.cases.appeals import list_findings
    from yibao.cases.clues import get_clue

    with acting(request, token) as (s, user):
        require(user, Permission.CLUE_READ)
        clue = get_clue(s, clue_no)
        rows = list_findings(s, user, clue_no=clue_no)
        out = _clue_out(s, user, clue)
        return ClueDetailOut(**out.model_dump(), findings=[_finding_out(f, st) for f, st in rows])


@router.post("/clues/{clue_no}/assign", tags=["线索 clues"], response_model=ClueOut)
def api_assign_clue(request: Request, token: Token, clue_no: str, body: AssignIn) -> ClueOut:
    from yibao.cases.clues import assign_clue

    with acting(request, token) as (s, user):
        return _clue_out(s, user, assign_clue(s, user, clue_no, body.username))


@router.post("/clues/{clue_no}/dismiss", tags=["线索 clues"], response_model=ClueOut)
def api_dismiss_clue(request: Request, token: Token, clue_no: str, body: ReasonIn) -> ClueOut:
    from yibao.cases.clues import dismiss_clue

    with acting(request, token) as (s, user):
        return _clue_out(s, user, dismiss_clue(s, user, clue_no, body.reason))


@router.get("/clues/{clue_no}/reporter", tags=["线索 clues"], response_model=ReporterOut | None)
def api_reporter(request: Request, token: Token, clue_no: str) -> ReporterOut | None:
    """举报人身份（仅负责人，查看留痕）/ The whistleblower (director only, audited)."""
    from yibao.cases.clues import reporter_of

    with acting(request, token) as (s, user):
        rep = reporter_of(s, user, clue_no)
        return ReporterOut(name=rep.name, contact=rep.contact, insider=rep.insider) if rep else None


# --- cases ---------------------------------------------------------------------------------------


@router.get("/cases/actions", tags=["案件 cases"], response_model=list[ActionInfo])
def api_actions() -> list[ActionInfo]:
    """办案程序的各步操作（状态机）/ The steps of the procedure (the state machine)."""
    from yibao.cases.states import ACTION_LABELS, TRANSITIONS

    return [
        ActionInfo(
            action=str(t.action),
            label=ACTION_LABELS[t.action],
            from_states=sorted(str(x) for x in t.sources),
            to_state=str(t.target) if t.target else None,
            permission=str(t.permission),
            by_officer=t.by_officer,
        )
        for t in TRANSITIONS.values()
    ]


@router.post("/cases", tags=["案件 cases"], response_model=CaseOut, status_code=201)
def api_open_case(request: Request, token: Token, body: CaseOpenIn) -> CaseOut:
    """受理线索、开始核查 / Take a clue up for verification (核查)."""
    from yibao.cases.flow import open_case
    from yibao.cases.views import case_view

    with acting(request, token) as (s, user):
        case = open_case(
            s,
            user,
            body.clue_no,
            region=body.region,
            party_type=body.party_type,
            party_name=body.party_name,
            party_certno=body.party_certno,
            title=body.title,
        )
        s.flush()
        return CaseOut.model_validate(case_view(s, user, case.case_no))


@router.get("/cases", tags=["案件 cases"], response_model=list[CaseSummaryOut])
def api_cases(
    request: Request, token: Token, state: str | None = None, attention_only: bool = False
) -> list[CaseSummaryOut]:
    """案件列表（个人当事人一律脱敏）/ Cases, newest first (persons always masked here)."""
    from yibao.cases.views import list_cases

    with acting(request, token) as (s, user):
        rows = list_cases(s, user, state=state, attention_only=attention_only)
        return [CaseSummaryOut.model_validate(c) for c in rows]


@router.get("/cases/{case_no}", tags=["案件 cases"], response_model=CaseOut)
def api_case(request: Request, token: Token, case_no: str) -> CaseOut:
    """案件详情；有权角色可见明文身份信息，查看留痕 / Detail; unmasked only for permitted roles, audited."""
    from yibao.cases.views import case_view

    with acting(request, token) as (s, user):
        return CaseOut.model_validate(case_view(s, user, case_no))


@router.post("/cases/{case_no}/actions/{action}", tags=["案件 cases"], response_model=StepOut)
def api_step(request: Request, token: Token, case_no: str, action: str, body: ActionIn) -> StepOut:
    """执行一步办案程序（见 GET /cases/actions）/ Take one step of the procedure."""
    import json

    from yibao.cases.flow import get_case, transition
    from yibao.cases.states import ACTION_LABELS, STATE_LABELS, Action, State

    with acting(request, token) as (s, user):
        ev = transition(s, user, case_no, action, reason=body.reason, payload=body.payload)
        case = get_case(s, case_no)
        return StepOut(
            case_no=case_no,
            action=ev.action,
            label=ACTION_LABELS[Action(ev.action)],
            state=case.state,
            state_label=STATE_LABELS[State(case.state)],
            payload=json.loads(ev.payload),
        )


@router.post("/cases/{case_no}/officers", tags=["案件 cases"], status_code=204)
def api_assign_officer(request: Request, token: Token, case_no: str, body: AssignIn) -> Response:
    """负责人指派持证执法人员 / The director assigns a certified officer."""
    from yibao.cases.flow import assign_officer

    with acting(request, token) as (s, user):
        assign_officer(s, user, case_no, body.username)
    return Response(status_code=204)


@router.post("/cases/{case_no}/officers/{username}/withdraw", tags=["案件 cases"], status_code=204)
def api_withdraw(request: Request, token: Token, case_no: str, username: str, body: WithdrawIn) -> Response:
    """执法人员回避（自行回避或负责人决定）/ An officer withdraws (回避)."""
    from yibao.cases.flow import withdraw_officer

    with acting(request, token) as (s, user):
        withdraw_officer(s, user, case_no, username, body.reason, on_application=body.on_application)
    return Response(status_code=204)


def _download(data: bytes, media: str, filename: str) -> Response:
    ascii_name = filename.encode("ascii", "replace").decode().replace("?", "_")
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
    return Response(data, media_type=media, headers={"Content-Disposition": disposition})


@router.get(
    "/cases/{case_no}/documents/{kind}",
    tags=["文书 documents"],
    response_class=Response,
    responses={200: {"content": {DOCX: {}}, "description": "Word 文书 / the .docx"}},
)
def api_document(request: Request, token: Token, case_no: str, kind: str) -> Response:
    """生成并下载文书：filing_approval 立案审批表 / notice 事先告知书 / decision 处罚决定书."""
    from yibao.documents.casefiles import KINDS, generate_document

    with acting(request, token) as (s, user), tempfile.TemporaryDirectory() as tmp:
        out = generate_document(s, user, case_no, kind, Path(tmp) / f"{kind}.docx")
        data = out.read_bytes()
    return _download(data, DOCX, f"{case_no}-{KINDS[kind]}.docx")


@router.get(
    "/ledger",
    tags=["文书 documents"],
    response_class=Response,
    responses={200: {"content": {XLSX: {}}, "description": "案件台账 / the case ledger"}},
)
def api_ledger(request: Request, token: Token) -> Response:
    """导出案件台账（.xlsx）/ The case ledger."""
    from yibao.documents.ledger import export_ledger

    with acting(request, token) as (s, user), tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ledger.xlsx"
        export_ledger(s, user, path)
        data = path.read_bytes()
    return _download(data, XLSX, "案件台账.xlsx")


# --- penalties -----------------------------------------------------------------------------------


@router.post("/penalties/calculate", tags=["处罚 penalties"], response_model=PenaltyOut)
def api_penalty(request: Request, token: Token, body: PenaltyIn) -> PenaltyOut:
    """按条例与裁量基准计算退回、罚款与暂停 / Refund, fine and suspension from dated parameters."""
    from yibao.penalties.calculator import PenaltyInput, calculate

    with acting(request, token) as (_, user):
        require(user, Permission.PENALTY_CALC)
    result = calculate(
        PenaltyInput(
            body.article,
            body.amount,
            body.on,
            level=body.level,
            region=body.region,
            serious=body.serious,
            fraud=body.fraud,
            correction_refused=body.correction_refused,
        )
    )
    return PenaltyOut.model_validate(result.as_dict())


# --- findings and appeals ------------------------------------------------------------------------


@router.get("/findings", tags=["申诉 appeals"], response_model=list[FindingOut])
def api_findings(
    request: Request,
    token: Token,
    clue_no: str | None = None,
    fixmedins_code: str | None = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
) -> list[FindingOut]:
    """疑点及申诉状态（机构用户只见本机构）/ Findings; institution users see their own only."""
    from yibao.cases.appeals import list_findings

    with acting(request, token) as (s, user):
        rows = list_findings(s, user, clue_no=clue_no, fixmedins_code=fixmedins_code, limit=limit)
        return [_finding_out(f, st) for f, st in rows]


@router.post("/appeals", tags=["申诉 appeals"], response_model=AppealOut, status_code=201)
def api_submit_appeal(request: Request, token: Token, body: AppealIn) -> AppealOut:
    """机构对疑点提出申诉（附件 base64）/ An institution answers a finding (attachments in base64)."""
    from yibao.cases.appeals import submit_appeal

    files = []
    for a in body.attachments:
        try:
            files.append((a.filename, base64.b64decode(a.content_base64, validate=True)))
        except (binascii.Error, ValueError) as exc:
            raise CaseError(
                f"附件{a.filename}不是有效的base64", f"attachment {a.filename} is not base64"
            ) from exc
    with acting(request, token) as (s, user):
        return AppealOut.model_validate(submit_appeal(s, user, body.finding_id, body.explanation, files))


@router.get("/appeals", tags=["申诉 appeals"], response_model=list[AppealOut])
def api_appeals(request: Request, token: Token, status: str | None = None) -> list[AppealOut]:
    """申诉列表（机构用户只见本机构）/ Appeals; institution users see their own only."""
    from yibao.cases.appeals import list_appeals

    with acting(request, token) as (s, user):
        return [AppealOut.model_validate(a) for a in list_appeals(s, user, status=status)]


@router.get("/appeals/precision", tags=["申诉 appeals"], response_model=list[PrecisionOut])
def api_precision(request: Request, token: Token) -> list[PrecisionOut]:
    """各规则经申诉复核的确认精确率 / Per-rule precision confirmed by appeal reviews."""
    from yibao.cases.appeals import rule_precision

    with acting(request, token) as (s, user):
        return [
            PrecisionOut(
                detector=r.detector,
                findings=r.findings,
                appealed=r.appealed,
                confirmed=r.confirmed,
                overturned=r.overturned,
                pending=r.pending,
                precision=r.precision,
                overturn_rate=r.overturn_rate,
            )
            for r in rule_precision(s, user)
        ]


@router.post("/appeals/{appeal_id}/review", tags=["申诉 appeals"], response_model=AppealOut)
def api_review_appeal(request: Request, token: Token, appeal_id: int, body: AppealReviewIn) -> AppealOut:
    from yibao.cases.appeals import review_appeal

    with acting(request, token) as (s, user):
        return AppealOut.model_validate(review_appeal(s, user, appeal_id, body.outcome, body.note))


# --- audit ---------------------------------------------------------------------------------------


@router.get("/audit/log", tags=["审计 audit"], response_model=list[AuditEntryOut])
def api_audit_log(
    request: Request,
    token: Token,
    limit: Annotated[int, Query(ge=1, le=5000)] = 100,
    action: str | None = None,
    after_seq: Annotated[int, Query(ge=0)] = 0,
) -> list[AuditEntryOut]:
    """审计日志（审计员、负责人；本次查看亦留痕）/ The log, oldest first after `after_seq` (audited)."""
    with acting(request, token) as (s, user):
        require(user, Permission.AUDIT_READ)
        q = select(AuditEntry).where(AuditEntry.seq > after_seq).order_by(AuditEntry.seq).limit(limit)
        if action:
            q = q.where(AuditEntry.action == action)
        rows = [AuditEntryOut.model_validate(e) for e in s.execute(q).scalars()]
        record(s, user.username, "audit.read", "audit_log", "*", {"limit": limit, "after_seq": after_seq})
        return rows


@router.get("/audit/verify", tags=["审计 audit"], response_model=VerifyOut)
def api_audit_verify(request: Request) -> VerifyOut:
    """校验哈希链（无需登录，只报告序号与类型）/ Verify the chain (no login: reveals only seq and kind)."""
    with unauthenticated(request) as s:
        report = verify(s)
    return VerifyOut.model_validate(
        {"ok": report.ok, "entries": report.entries, "problems": [asdict(p) for p in report.problems]}
    )
