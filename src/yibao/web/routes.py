"""The console's pages (server-rendered, Chinese): login, overview, findings, institution, encounter.

Thin: each route checks the user's permission, reads the store through `yibao.web.data`, writes
the read to the audit log where the data is protected, and renders a template.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape

from yibao.audit.log import record
from yibao.auth.masking import reveal
from yibao.auth.models import User
from yibao.auth.roles import ROLE_LABELS, BilingualError, Permission, PermissionDenied, Role, can
from yibao.auth.sessions import AuthError, login, logout
from yibao.cases.states import ACTION_LABELS, Action
from yibao.cases.views import case_view, list_cases
from yibao.findings import VIOLATION_LABELS, Grade
from yibao.web.casework import (
    allowed_actions,
    case_panel,
    cases_of_party,
    open_institution_case,
    take_step,
)
from yibao.web.data import FINDING_SORTS, GRADE_LABELS, LEVEL_LABELS, FindingFilter, Store, StoreBusy
from yibao.web.histories import PracStatus, institution_history, practitioner_credit
from yibao.web.peers import PersonPeers, PracPeers, person_peers, practitioner_peers
from yibao.web.profiles import EntityView, person_profile, practitioner_profile
from yibao.web.rulebook import rule_lines
from yibao.web.session import COOKIE, current_user, safe_next, unit_of_work

__all__ = ["router"]

HERE = Path(__file__).parent
STATIC = (HERE / "static").resolve()
router = APIRouter(include_in_schema=False)
SHANGHAI = ZoneInfo("Asia/Shanghai")
_ACTIONS = {str(a) for a in Action}

MED_TYPES = {"11": "普通门诊", "14": "门诊慢特病", "21": "普通住院", "41": "定点药店购药"}
LIST_TYPES = {"101": "西药中成药", "102": "中药饮片", "201": "医疗服务项目", "301": "医用耗材"}
GENDERS = {"1": "男", "2": "女", "9": "未知"}
HOSP_LEVELS = {"1": "三级", "2": "二级", "3": "一级", "9": "未定级"}
INST_TYPES = {"1": "医疗机构", "2": "零售药店"}


def _yuan(value: Any) -> str:
    if value is None:
        return "—"
    return f"{Decimal(value):,.2f}"


def _qty(value: Any) -> str:
    """Quantities without trailing zeros: 1.000000 → 1, 0.500 → 0.5."""
    if value is None:
        return ""
    text = f"{Decimal(value):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _local(value: datetime) -> str:
    """Case times are stored in UTC; officers read Beijing time."""
    return value.replace(tzinfo=UTC).astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")


def _wan(value: Any) -> str:
    """Large sums in 万元, as bureau reports write them."""
    return f"{Decimal(value or 0) / 10000:,.2f}"


_env = Environment(
    loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html"]), auto_reload=False
)
_env.filters["yuan"] = _yuan
_env.filters["wan"] = _wan
_env.filters["qty"] = _qty
_env.filters["local"] = _local
_env.globals.update(
    MED_TYPES=MED_TYPES,
    LIST_TYPES=LIST_TYPES,
    GENDERS=GENDERS,
    HOSP_LEVELS=HOSP_LEVELS,
    INST_TYPES=INST_TYPES,
)


def page(
    request: Request, template: str, user: User | None, status_code: int = 200, **ctx: Any
) -> HTMLResponse:
    body = _env.get_template(template).render(
        request=request,
        user=user,
        role_label=ROLE_LABELS.get(Role(user.role), user.role) if user else "",
        can_overview=bool(user and can(user, Permission.FINDING_READ)),
        can_cases=bool(user and can(user, Permission.CASE_READ)),
        can_inspections=bool(user and can(user, Permission.CLUE_READ)),
        can_admin=bool(user and (can(user, Permission.USER_MANAGE) or can(user, Permission.AUDIT_READ))),
        **ctx,
    )
    return HTMLResponse(body, status_code=status_code, headers={"Cache-Control": "no-store"})


def denied(request: Request, user: User, exc: PermissionDenied) -> HTMLResponse:
    return page(request, "error.html", user, 403, title="无权访问", message=exc.zh, detail=exc.en)


def store_of(request: Request) -> Store:
    """One `Store` per app, sharing the review service's lock on the store file (see data.py)."""
    store = getattr(request.app.state, "web_store", None)
    if store is None:
        service = request.app.state.service
        store = Store(service.settings.db, lock=getattr(service, "_store_lock", None))
        request.app.state.web_store = store
    return store


def _scope(user: User) -> str | None:
    """None: every institution; else the one institution an institution user may see."""
    if can(user, Permission.FINDING_READ):
        return None
    if can(user, Permission.FINDING_READ_OWN) and user.fixmedins_code:
        return user.fixmedins_code
    raise PermissionDenied(
        f"{user.username}无权查看疑点：{Permission.FINDING_READ}", f"{user.username} may not read findings"
    )


def busy(request: Request, user: User | None) -> HTMLResponse:
    return page(
        request,
        "error.html",
        user,
        503,
        title="数据库正在更新",
        message="数据库正在写入（导入或筛查进行中），请稍后刷新页面。",
        detail="the store is being written; retry shortly",
    )


# --- static files and login ---------------------------------------------------------------------------


@router.get("/")
def root() -> RedirectResponse:
    return RedirectResponse("/console/", status_code=303)


@router.get("/console/static/{path:path}")
def static(path: str) -> FileResponse:
    target = (STATIC / path).resolve()
    if not target.is_file() or STATIC not in target.parents:
        raise HTTPException(404, "no such file")
    return FileResponse(target, headers={"Cache-Control": "public, max-age=3600"})


@router.get("/console/login")
def login_form(request: Request, next: str | None = None) -> HTMLResponse:
    return page(request, "login.html", None, next=safe_next(next), error=None, username="")


@router.post("/console/login")
async def login_submit(request: Request) -> Response:
    form = await request.form()
    username = str(form.get("username") or "").strip()
    password = str(form.get("password") or "")
    target = safe_next(str(form.get("next") or ""))
    try:
        with unit_of_work(request) as session:
            token = login(session, username, password)
    except AuthError as exc:
        return page(request, "login.html", None, 401, next=target, error=exc.zh, username=username)
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        COOKIE, token, httponly=True, samesite="strict", path="/", secure=request.url.scheme == "https"
    )
    return response


@router.post("/console/logout")
def logout_submit(request: Request) -> RedirectResponse:
    token = request.cookies.get(COOKIE)
    if token:
        with unit_of_work(request) as session:
            logout(session, token)
    response = RedirectResponse("/console/login", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response


# --- pages ----------------------------------------------------------------------------------------------


@router.get("/console/")
def overview(request: Request) -> Response:
    with unit_of_work(request) as session:
        user = current_user(request, session)
    if not can(user, Permission.FINDING_READ):
        if can(user, Permission.FINDING_READ_OWN):
            return RedirectResponse("/console/findings", status_code=303)
        return denied(request, user, PermissionDenied("无权查看全市概览", "may not read the overview"))
    try:
        ov = store_of(request).overview()
    except StoreBusy:
        return busy(request, user)
    charts = {
        "violations": [
            {"code": r["violation"], "label": r["label"], "n": r["n"], "amount": float(r["amount"])}
            for r in ov.by_violation
        ],
        "monthly": [
            {"month": r["month"], "fund_pay": float(r["fund_pay"]), "at_risk": float(r["at_risk"])}
            for r in ov.monthly
        ],
        "institutions": [
            {
                "code": r["fixmedins_code"],
                "name": r["fixmedins_name"],
                "risk": r["risk"],
                "amount": float(r["amount"]),
            }
            for r in ov.top_institutions
        ],
    }
    return page(
        request,
        "overview.html",
        user,
        ov=ov,
        chart_json=_script_json(charts),
        title="监管概览",
    )


def _script_json(value: Any) -> str:
    """JSON safe inside a <script> element: no "</" can close it early."""
    return json.dumps(value, ensure_ascii=False).replace("</", "<\\/")


def _int(value: str | None, default: int) -> int:
    try:
        return max(1, int(value)) if value else default
    except ValueError:
        return default


@router.get("/console/findings")
def findings(request: Request) -> Response:
    q = request.query_params
    flt = FindingFilter(
        violation=q.get("violation") if q.get("violation") in VIOLATION_LABELS else None,
        fixmedins_code=q.get("fixmedins_code") or None,
        grade=q.get("grade") if q.get("grade") in {g.value for g in Grade} else None,
        level=q.get("level") if q.get("level") in LEVEL_LABELS else None,
        mdtrt_id=q.get("mdtrt_id") or None,
        sort=q.get("sort") if q.get("sort") in FINDING_SORTS else "amount",
        desc=q.get("order", "desc") != "asc",
        page=_int(q.get("page"), 1),
    )
    with unit_of_work(request) as session:
        user = current_user(request, session)
        try:
            scope = _scope(user)
        except PermissionDenied as exc:
            return denied(request, user, exc)
        try:
            store = store_of(request)
            result = store.findings(flt, scope=scope)
            institutions = store.institutions()
        except StoreBusy:
            return busy(request, user)
        record(
            session,
            user.username,
            "finding.read",
            "finding",
            flt.fixmedins_code or scope or "*",
            {"via": "console", "count": len(result.rows), "page": result.page, "scope": scope},
        )
    if scope is not None:
        institutions = [i for i in institutions if i["fixmedins_code"] == scope]
    params = {k: v for k, v in q.items() if k != "page" and v}
    return page(
        request,
        "findings.html",
        user,
        title="疑点查询",
        flt=flt,
        result=result,
        institutions=institutions,
        violations=VIOLATION_LABELS,
        grades=GRADE_LABELS,
        levels=LEVEL_LABELS,
        params=params,
        sorts={"amount": "疑点金额", "score": "置信度", "violation": "违规类型", "institution": "机构编码"},
    )


@router.get("/console/institutions/{code}")
def institution(request: Request, code: str) -> Response:
    with unit_of_work(request) as session:
        user = current_user(request, session)
        try:
            scope = _scope(user)
            if scope is not None and scope != code:
                raise PermissionDenied(
                    "只能查看本机构的数据", "institution users see their own institution only"
                )
        except PermissionDenied as exc:
            return denied(request, user, exc)
        try:
            view = store_of(request).institution(code)
        except StoreBusy:
            return busy(request, user)
        if view is None:
            return page(
                request, "error.html", user, 404, title="找不到机构", message=f"没有机构：{code}", detail=""
            )
        record(
            session,
            user.username,
            "finding.read",
            "institution",
            code,
            {"via": "console", "findings": view.findings},
        )
        cases = cases_of_party(session, user, code)
        history = institution_history(session, user, code, str(view.info.get("admdvs") or ""))
    peers = [
        {"code": p["fixmedins_code"], "name": p["fixmedins_name"], "risk": p["risk"]} for p in view.peers
    ]
    return page(
        request,
        "institution.html",
        user,
        title=str(view.info.get("fixmedins_name") or code),
        view=view,
        cases=cases,
        can_open_case=can(user, Permission.CASE_OPEN) and can(user, Permission.CLUE_CREATE),
        opened=request.query_params.get("opened"),
        peers_json=_script_json({"peers": peers, "self": code}),
        history=history,
    )


@router.get("/console/encounters/{mdtrt_id}")
def encounter(request: Request, mdtrt_id: str) -> Response:
    with unit_of_work(request) as session:
        user = current_user(request, session)
        try:
            scope = _scope(user)
            view = store_of(request).encounter(mdtrt_id)
        except PermissionDenied as exc:
            return denied(request, user, exc)
        except StoreBusy:
            return busy(request, user)
        if view is None or (scope is not None and view.encounter.get("fixmedins_code") != scope):
            return page(
                request,
                "error.html",
                user,
                404,
                title="找不到就诊",
                message=f"没有就诊：{mdtrt_id}",
                detail="",
            )
        name, certno = reveal(
            session,
            user,
            "encounter",
            mdtrt_id,
            name=view.person.get("psn_name"),
            certno=view.person.get("certno"),
            purpose="console.encounter",
        )
        record(
            session,
            user.username,
            "finding.read",
            "encounter",
            mdtrt_id,
            {"via": "console", "findings": len(view.findings)},
        )
    return page(
        request,
        "encounter.html",
        user,
        title=f"就诊 {mdtrt_id}",
        view=view,
        person_name=name,
        person_certno=certno,
        suspect_total=sum((f.amount for f in view.findings if f.feedetl_sn), Decimal(0)),
    )


@router.post("/console/institutions/{code}/open-case")
def open_case_submit(request: Request, code: str) -> Response:
    """立案核查: this institution's findings become its clue, and the clue a case in verification."""
    with unit_of_work(request) as session:
        user = current_user(request, session)
        try:
            case_no = open_institution_case(session, user, store_of(request), code)
        except PermissionDenied as exc:
            session.rollback()
            return denied(request, user, exc)
        except StoreBusy:
            session.rollback()
            return busy(request, user)
        except BilingualError as exc:
            session.rollback()
            return page(request, "error.html", user, 409, title="无法开案", message=exc.zh, detail=exc.en)
    return RedirectResponse(f"/console/institutions/{code}?opened={case_no}", status_code=303)


@router.get("/console/practitioners/{code}")
def practitioner(request: Request, code: str) -> Response:
    with unit_of_work(request) as session:
        user = current_user(request, session)
        try:
            scope = _scope(user)
            view = practitioner_profile(store_of(request), code)
        except PermissionDenied as exc:
            return denied(request, user, exc)
        except StoreBusy:
            return busy(request, user)
        if view is None or (scope is not None and view.info.get("fixmedins_code") != scope):
            return page(
                request, "error.html", user, 404, title="找不到医师", message=f"没有医师：{code}", detail=""
            )
        try:  # before the audit record: the first read after a store change aggregates every doctor
            peers = practitioner_peers(store_of(request), code)
        except StoreBusy:
            return busy(request, user)
        record(
            session,
            user.username,
            "finding.read",
            "practitioner",
            code,
            {"via": "console", "findings": len(view.findings)},
        )
        credit = practitioner_credit(session, user, code)
    title = f"医师 {view.info.get('prac_name') or code}"
    return _profile_page(request, user, view, title, None, None, credit, peers)


@router.get("/console/persons/{psn_no}")
def person(request: Request, psn_no: str) -> Response:
    """Persons are seen by roles that read every institution's findings; names are masked by role."""
    with unit_of_work(request) as session:
        user = current_user(request, session)
        if not can(user, Permission.FINDING_READ):
            return denied(
                request, user, PermissionDenied("无权查看参保人档案", "may not read person profiles")
            )
        try:
            view = person_profile(store_of(request), psn_no)
            peers = person_peers(store_of(request), psn_no) if view is not None else None
        except StoreBusy:
            return busy(request, user)
        if view is None:
            return page(
                request,
                "error.html",
                user,
                404,
                title="找不到参保人",
                message=f"没有参保人：{psn_no}",
                detail="",
            )
        name, certno = reveal(
            session,
            user,
            "person",
            psn_no,
            name=view.info.get("psn_name"),
            certno=view.info.get("certno"),
            purpose="console.person",
        )
        record(
            session,
            user.username,
            "finding.read",
            "person",
            psn_no,
            {"via": "console", "findings": len(view.findings)},
        )
    return _profile_page(request, user, view, f"参保人 {psn_no}", name, certno, peers=peers)


def _profile_page(
    request: Request,
    user: User,
    view: EntityView,
    title: str,
    name: str | None,
    certno: str | None,
    credit: list[PracStatus] | None = None,
    peers: PracPeers | PersonPeers | None = None,
) -> HTMLResponse:
    i = view.info
    if view.level == "person":
        facts = [
            ("姓名", name or "—"),
            ("证件号码", certno or "—"),
            ("人员编号", view.key),
            ("性别", GENDERS.get(str(i.get("gend")), "—")),
            ("出生日期", str(i.get("brdy") or "—")),
            (
                "险种",
                {"310": "职工基本医疗保险", "390": "城乡居民基本医疗保险"}.get(str(i.get("insutype")), "—"),
            ),
            ("参保地", str(i.get("insuplc_admdvs") or "—")),
        ]
    else:
        facts = [
            ("姓名", str(i.get("prac_name") or "—")),
            ("医师代码", view.key),
            (
                "类别",
                {"doctor": "医师", "pharmacist": "药师", "nurse": "护士"}.get(str(i.get("prac_type")), "—"),
            ),
            ("执业机构", f"{i.get('fixmedins_name') or ''}（{i.get('fixmedins_code')}）"),
            ("科室", str(i.get("dept_codg") or "—")),
        ]
    return page(
        request,
        "profile.html",
        user,
        title=title,
        view=view,
        facts=facts,
        credit=credit,
        peers=peers,
        peers_json=_script_json(peers.chart()) if peers is not None else None,
    )


@router.get("/console/cases")
def case_board(request: Request) -> Response:
    """案件看板: every case with its state and time limit (persons masked in lists, as the library does)."""
    with unit_of_work(request) as session:
        user = current_user(request, session)
        try:
            cases = list_cases(session, user)
        except PermissionDenied as exc:
            return denied(request, user, exc)
    return page(request, "cases.html", user, title="案件看板", cases=cases)


@router.get("/console/cases/{case_no}")
def case_page(request: Request, case_no: str) -> Response:
    with unit_of_work(request) as session:
        user = current_user(request, session)
        try:
            view = case_view(session, user, case_no)
        except PermissionDenied as exc:
            return denied(request, user, exc)
        except BilingualError as exc:
            return page(request, "error.html", user, 404, title="找不到案件", message=exc.zh, detail=exc.en)
        actions = allowed_actions(user, view.summary.state, view.officers)
        panel = case_panel(session, user, case_no)
    return page(
        request,
        "case.html",
        user,
        title=f"案件 {case_no}",
        case=view,
        actions=actions,
        panel=panel,
        done=ACTION_LABELS.get(Action(done), done)
        if (done := request.query_params.get("done")) in _ACTIONS
        else None,
    )


@router.post("/console/cases/{case_no}/step")
async def case_step(request: Request, case_no: str) -> Response:
    form = await request.form()
    action = str(form.get("action") or "")
    reason = str(form.get("reason") or "").strip()
    with unit_of_work(request) as session:
        user = current_user(request, session)
        try:
            take_step(session, user, case_no, action, reason)
        except PermissionDenied as exc:
            session.rollback()
            return denied(request, user, exc)
        except BilingualError as exc:
            session.rollback()
            return page(request, "error.html", user, 409, title="无法办理", message=exc.zh, detail=exc.en)
    return RedirectResponse(f"/console/cases/{case_no}?done={action}", status_code=303)


@router.get("/console/rules")
def rules(request: Request) -> Response:
    """规则库: the rules that screen, review and remind, with their findings and confirmed precision."""
    with unit_of_work(request) as session:
        user = current_user(request, session)
        try:
            lines = rule_lines(session, user, store_of(request))
        except PermissionDenied as exc:
            return denied(request, user, exc)
        except StoreBusy:
            return busy(request, user)
    return page(request, "rules.html", user, title="规则库", lines=lines)
