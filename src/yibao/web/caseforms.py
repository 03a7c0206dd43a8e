"""The case page's forms: each step of the procedure, officers (指派/回避) and document downloads.

Thin over the cases library: a form is parsed into the payload `yibao case do --set key=value`
gives `flow.transition`, which checks the role, the state, the officers and every rule of the
procedure. Steps whose amounts the penalties library computes (调查终结, 告知, 决定) take two posts:
the first runs the step and rolls it back to show what the library computed, the second confirms.
"""

from __future__ import annotations

import json
import re
import tempfile
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from yibao.auth.models import User
from yibao.auth.roles import BilingualError, PermissionDenied
from yibao.cases.errors import CaseError
from yibao.cases.flow import assign_officer, get_case, transition, withdraw_officer, yuan
from yibao.cases.models import Case
from yibao.cases.states import ACTION_LABELS, STATE_LABELS, Action, State
from yibao.cases.steps import DECISION_TYPES, TRANSFER_TARGETS
from yibao.documents.casefiles import KINDS, generate_document, penalty_text
from yibao.penalties.params import ParamError, load_params
from yibao.web.casework import allowed_actions, officer_names
from yibao.web.routes import denied, page
from yibao.web.session import current_user, unit_of_work

__all__ = ["PREVIEW_ACTIONS", "FormError", "FormField", "parse_form", "router", "step_fields"]

router = APIRouter(include_in_schema=False)
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
# the steps whose amounts the penalties library computes: shown first, then confirmed
PREVIEW_ACTIONS = frozenset({Action.CONCLUDE, Action.ISSUE_NOTICE, Action.DECIDE})
_NOT_STEPS = frozenset({Action.OPEN, Action.ASSIGN_OFFICER, Action.WITHDRAW_OFFICER})
_MONEY = re.compile(r"^\d{1,12}(\.\d{1,2})?$")


@dataclass(frozen=True, slots=True)
class FormField:
    name: str
    label: str
    kind: str = "text"  # text / textarea / money / int / date / select / check
    required: bool = False
    choices: tuple[tuple[str, str], ...] = ()
    default: str = ""
    hint: str = ""


@dataclass(frozen=True, slots=True)
class FormError:
    field: str | None  # None: the whole step (a rule of the procedure), else the field to correct
    message: str
    detail: str = ""


def _reason(required: bool = False, label: str = "办理说明") -> FormField:
    return FormField("reason", label, "textarea", required, hint="记入办案经过")


def _yes(data: dict[str, Any] | None, key: str) -> str:
    return "1" if data and data.get(key) else ""


def step_fields(case: Case, action: str) -> list[FormField]:
    """The fields of one step's form, with defaults from the case's record (proposal, notice, decision)."""
    a = Action(action)
    report = json.loads(case.report or "{}")
    proposal = report.get("penalty") or {}
    notice = json.loads(case.notice or "{}")
    decision = json.loads(case.decision or "{}")
    if a == Action.ADD_EVIDENCE:
        return [
            FormField(
                "evidence",
                "证据名称及证明内容",
                "textarea",
                True,
                hint="如：现场检查笔录、询问笔录、费用明细、病历、票据、电子数据",
            ),
            _reason(),
        ]
    if a == Action.CONCLUDE:
        params = load_params()
        today = date.today()
        articles = tuple(
            (str(n), f"第{n}条 {rule.label[:40]}")
            for n in params.articles()
            if (rule := params.article(n, today)).party == case.party_type
        )
        _, _, levels, _ = params.discretion(case.region, today)
        return [
            FormField(
                "article", "违反的条例条款", "select", True, articles, articles[0][0] if articles else ""
            ),
            FormField(
                "amount",
                "涉案金额（元，造成损失或骗取金额）",
                "money",
                True,
                default=str(yuan(case.amount_fen)),
            ),
            FormField(
                "violation_date", "违法行为发生日期", "date", hint="不填则按立案日期；适用该日施行的罚则"
            ),
            FormField(
                "level",
                "裁量档次",
                "select",
                True,
                tuple((code, lv.label) for code, lv in levels.items()),
                "general" if "general" in levels else next(iter(levels)),
            ),
            FormField("facts", "违法事实", "textarea", True),
            FormField("serious", "拒不改正或造成严重后果（第38条暂停）", "check"),
            FormField("fraud", "以骗取医保基金为目的（第41条罚款）", "check"),
            FormField("correction_refused", "拒不改正（第39条罚款）", "check"),
            FormField("health_harm", "涉及生命健康安全且有危害后果（追责时效五年）", "check"),
            _reason(label="处理意见"),
        ]
    if a in (Action.ISSUE_NOTICE, Action.DECIDE):
        base = notice if a == Action.DECIDE and notice else {}
        fine = str(base.get("fine", proposal.get("proposed_fine", "0")))
        months = str(base.get("suspension_months", proposal.get("proposed_suspension_months") or 0))
        rng = proposal.get("fine_range")
        fields = [
            FormField(
                "fine",
                "罚款（元）",
                "money",
                True,
                default=fine,
                hint=f"法定幅度 {rng[0]}–{rng[1]} 元" if rng else "本案不适用罚款，填0",
            ),
            FormField(
                "suspension_months",
                "暂停月数",
                "int",
                True,
                default=months,
                hint="法定{}–{}个月".format(*proposal["suspension_range"])
                if proposal.get("suspension_range")
                else "本案不适用暂停，填0",
            ),
            FormField("termination", "解除医保服务协议", "check", default=_yes(base, "termination")),
            _reason(),
        ]
        if a == Action.DECIDE:
            fields.insert(
                0,
                FormField("type", "决定类型", "select", True, tuple(DECISION_TYPES.items()), "penalty"),
            )
        return fields
    if a == Action.RECEIVE_STATEMENT:
        return [FormField("statement", "陈述申辩内容", "textarea", True), _reason(label="复核意见")]
    if a == Action.REJECT_REVIEW:
        return [FormField("opinion", "审核意见（须补充调查的内容）", "textarea", True), _reason()]
    if a == Action.RECORD_EXECUTION:
        due = (
            f"应退回{decision.get('refund', '0')}元，已退回{yuan(case.refunded_fen)}元；"
            f"应缴罚款{decision.get('fine', '0')}元，已缴{yuan(case.fine_paid_fen)}元"
        )
        return [
            FormField("refunded", "本次退回医保基金（元）", "money", hint=due),
            FormField("fine_paid", "本次缴纳罚款（元）", "money"),
            FormField("note", "执行说明", "textarea"),
            _reason(),
        ]
    if a == Action.CLOSE:
        return [
            FormField("unpaid_reason", "未执行完毕的说明（如已申请法院强制执行）", "textarea"),
            _reason(True, "结案意见"),
        ]
    if a == Action.EXTEND:
        return [
            FormField("collective_discussion", "经集体讨论决定（第二次及以后延长）", "check"),
            FormField("days", "延长天数（第二次及以后）", "int"),
            _reason(True, "延长理由"),
        ]
    if a == Action.TRANSFER:
        return [
            FormField("to", "移送机关", "select", True, tuple(TRANSFER_TARGETS.items())),
            _reason(True, "移送理由"),
        ]
    if a == Action.RECORD_AGREEMENT:
        return [
            FormField("measure", "协议处理措施", "text", True, hint="约谈、拒付、追回、暂停、解除协议等"),
            FormField("recovered", "追回金额（元）", "money"),
            _reason(),
        ]
    return [_reason(True, "理由或意见")]


def _field_error(f: FormField, value: str) -> str | None:
    if not value:
        return f"请填写{f.label}" if f.required and f.kind != "check" else None
    if f.kind == "money" and not _MONEY.match(value.replace(",", "")):
        return f"{f.label}须为不小于0的金额，最多两位小数"
    if f.kind == "int" and not value.isdigit():
        return f"{f.label}须为不小于0的整数"
    if f.kind == "date":
        try:
            date.fromisoformat(value)
        except ValueError:
            return f"{f.label}须为日期（YYYY-MM-DD）"
    if f.kind == "select" and value not in {c for c, _ in f.choices}:
        return f"请从列表中选择{f.label}"
    if len(value) > 4000:
        return f"{f.label}不能超过4000字"
    return None


def parse_form(fields: list[FormField], raw: dict[str, str]) -> tuple[str, dict[str, Any], list[FormError]]:
    """(reason, payload, errors): the payload holds only what was given, so the library's defaults apply."""
    payload: dict[str, Any] = {}
    errors: list[FormError] = []
    reason = ""
    for f in fields:
        value = raw.get(f.name, "").strip()
        message = _field_error(f, value)
        if message:
            errors.append(FormError(f.name, message))
            continue
        if f.name == "reason":
            reason = value
        elif f.kind == "check":
            payload[f.name] = value == "1"
        elif not value:
            continue
        elif f.kind == "money":
            payload[f.name] = str(Decimal(value.replace(",", "")))
        elif f.kind == "int":
            payload[f.name] = int(value)
        else:
            payload[f.name] = value
    return reason, payload, errors


# English words of the library's errors → the field to correct (the rest concern the whole step)
_FIELD_HINTS = (
    ("violation date", "violation_date"),
    ("limitation", "violation_date"),
    ("article", "article"),
    ("discretion level", "level"),
    ("no fine", "fine"),
    ("fine ", "fine"),
    ("suspension", "suspension_months"),
    ("termination is not", "termination"),
    ("statement", "statement"),
    ("measure", "measure"),
    ("'to'", "to"),
    ("type must", "type"),
    ("number of days", "days"),
    ("review opinion", "opinion"),
    ("not fully executed", "unpaid_reason"),
    ("refund, fine paid", "refunded"),
    ("amount", "amount"),
)


def field_of(en: str, fields: list[FormField]) -> str | None:
    names = {f.name for f in fields}
    for words, name in _FIELD_HINTS:
        if words in en and name in names:
            return name
    return None


def _case_facts(case: Case) -> dict[str, Any]:
    """What the form page shows beside the form: the state and the penalty computed so far."""
    report = json.loads(case.report or "{}")
    notice = json.loads(case.notice or "{}")
    return {
        "case_no": case.case_no,
        "title": case.title,
        "state_label": STATE_LABELS[State(case.state)],
        "amount": yuan(case.amount_fen),
        "proposal": report.get("penalty"),
        "article": report.get("article"),
        "notice_text": penalty_text(notice, case.party_type) if notice else "",
        "notice": notice,
    }


def _offered(session: Session, user: User, case: Case, action: str) -> None:
    """Only the steps this role may take in this state are offered (the library re-checks on submit)."""
    names = officer_names(session, case)
    if action not in {a.action for a in allowed_actions(user, case.state, names)}:
        raise PermissionDenied(
            f"案件处于「{STATE_LABELS[State(case.state)]}」，您不能办理：{ACTION_LABELS[Action(action)]}",
            f"{user.username} may not take {action} on this case now",
        )


def _form_page(
    request: Request,
    user: User,
    case: Case,
    action: str,
    values: dict[str, str],
    errors: list[FormError],
    status_code: int = 200,
    preview: dict[str, Any] | None = None,
) -> HTMLResponse:
    return page(
        request,
        "case_confirm.html" if preview is not None else "case_step.html",
        user,
        status_code,
        title=f"{ACTION_LABELS[Action(action)]} · {case.case_no}",
        case=_case_facts(case),
        action=action,
        label=ACTION_LABELS[Action(action)],
        fields=step_fields(case, action),
        values=values,
        errors=errors,
        field_errors={e.field: e.message for e in errors if e.field},
        preview=preview,
    )


def _step(action: str) -> Action | None:
    try:
        a = Action(action)
    except ValueError:
        return None
    return None if a in _NOT_STEPS else a


@router.get("/console/cases/{case_no}/do/{action}")
def step_form(request: Request, case_no: str, action: str) -> Response:
    with unit_of_work(request) as session:
        user = current_user(request, session)
        if _step(action) is None:
            return page(request, "error.html", user, 404, title="没有此操作", message=action, detail="")
        try:
            case = get_case(session, case_no)
            _offered(session, user, case, action)
        except PermissionDenied as exc:
            return denied(request, user, exc)
        except BilingualError as exc:
            return page(request, "error.html", user, 404, title="找不到案件", message=exc.zh, detail=exc.en)
        values = {f.name: f.default for f in step_fields(case, action)}
        return _form_page(request, user, case, action, values, [])


@router.post("/console/cases/{case_no}/do/{action}")
async def step_submit(request: Request, case_no: str, action: str) -> Response:
    form = await request.form()
    raw = {k: v for k, v in form.items() if isinstance(v, str)}
    with unit_of_work(request) as session:
        user = current_user(request, session)
        step = _step(action)
        if step is None:
            return page(request, "error.html", user, 404, title="没有此操作", message=action, detail="")
        try:
            case = get_case(session, case_no)
        except BilingualError as exc:
            return page(request, "error.html", user, 404, title="找不到案件", message=exc.zh, detail=exc.en)
        fields = step_fields(case, action)
        values = {f.name: raw.get(f.name, "") for f in fields}
        reason, payload, errors = parse_form(fields, raw)
        if errors or raw.get("edit"):
            return _form_page(request, user, case, action, values, errors, 422 if errors else 200)
        try:
            ev = transition(session, user, case_no, action, reason=reason, payload=payload)
            if step in PREVIEW_ACTIONS and raw.get("confirm") != "1":
                result = json.loads(ev.payload)
                session.rollback()  # a dry run: show what the library computed, keep nothing
                case = get_case(session, case_no)
                return _form_page(request, user, case, action, values, [], preview=_preview(case, result))
        except PermissionDenied as exc:
            session.rollback()
            return denied(request, user, exc)
        except (CaseError, ParamError, BilingualError) as exc:
            session.rollback()
            case = get_case(session, case_no)
            err = FormError(field_of(exc.en, fields), exc.zh, exc.en)
            return _form_page(request, user, case, action, values, [err], 409)
    return RedirectResponse(f"/console/cases/{case_no}?done={action}", status_code=303)


def _preview(case: Case, result: dict[str, Any]) -> dict[str, Any]:
    penalty = result.get("penalty")
    terms = {k: result[k] for k in ("fine", "suspension_months", "termination", "refund") if k in result}
    if penalty and not terms:  # 调查终结: the calculator's proposal
        terms = {
            "refund": penalty["refund"],
            "fine": penalty["proposed_fine"],
            "suspension_months": penalty.get("proposed_suspension_months") or 0,
            "termination": False,
        }
    kind = result.get("type")
    proposal = penalty or json.loads(case.report or "{}").get("penalty")
    return {
        "penalty": proposal,
        "terms": terms,
        "text": penalty_text(terms, case.party_type) if kind in (None, "penalty") else DECISION_TYPES[kind],
        "type": kind,
        "major": result.get("major"),
        "hearing_eligible": result.get("hearing_eligible"),
    }


@router.post("/console/cases/{case_no}/officers")
async def officer_assign(request: Request, case_no: str) -> Response:
    """指派执法人员: the director assigns; the library refuses officers without a 执法证 or with a conflict."""
    form = await request.form()
    username = str(form.get("username") or "").strip()
    with unit_of_work(request) as session:
        user = current_user(request, session)
        try:
            if not username:
                raise CaseError("请选择要指派的执法人员", "choose an officer to assign")
            assign_officer(session, user, case_no, username)
        except PermissionDenied as exc:
            session.rollback()
            return denied(request, user, exc)
        except BilingualError as exc:
            session.rollback()
            return page(request, "error.html", user, 409, title="无法指派", message=exc.zh, detail=exc.en)
    return RedirectResponse(f"/console/cases/{case_no}?done=assign_officer", status_code=303)


@router.post("/console/cases/{case_no}/officers/withdraw")
async def officer_withdraw(request: Request, case_no: str) -> Response:
    """回避: an officer withdraws, or the director decides it (also on the party's application)."""
    form = await request.form()
    username = str(form.get("username") or "").strip()
    reason = str(form.get("reason") or "").strip()
    with unit_of_work(request) as session:
        user = current_user(request, session)
        try:
            if not username:
                raise CaseError("请选择回避的执法人员", "choose the officer who withdraws")
            withdraw_officer(
                session, user, case_no, username, reason, on_application=form.get("on_application") == "1"
            )
        except PermissionDenied as exc:
            session.rollback()
            return denied(request, user, exc)
        except BilingualError as exc:
            session.rollback()
            return page(request, "error.html", user, 409, title="无法回避", message=exc.zh, detail=exc.en)
    return RedirectResponse(f"/console/cases/{case_no}?done=withdraw_officer", status_code=303)


@router.get("/console/cases/{case_no}/documents/{kind}")
def document(request: Request, case_no: str, kind: str) -> Response:
    """A case document (.docx) from the record; the library checks the permission and audits it."""
    with unit_of_work(request) as session:
        user = current_user(request, session)
        try:
            with tempfile.TemporaryDirectory() as tmp:
                out = generate_document(session, user, case_no, kind, Path(tmp) / f"{kind}.docx")
                data = out.read_bytes()
        except PermissionDenied as exc:
            session.rollback()
            return denied(request, user, exc)
        except (BilingualError, FileNotFoundError) as exc:
            session.rollback()
            zh, en = (exc.zh, exc.en) if isinstance(exc, BilingualError) else (str(exc), "")
            return page(request, "error.html", user, 409, title="无法制作文书", message=zh, detail=en)
    filename = f"{case_no}-{KINDS[kind]}.docx"
    disposition = f"attachment; filename=\"{case_no}-{kind}.docx\"; filename*=UTF-8''{quote(filename)}"
    return Response(
        data, media_type=DOCX, headers={"Content-Disposition": disposition, "Cache-Control": "no-store"}
    )
