"""The console's inspection pages (双随机一公开): plans and their draw, checklists and results, coverage.

Thin, like `routes.py`: each route checks the user, calls the same library as `yibao inspect ...`
and the inspections API (`plans.build_inputs` + `plans.save_plan`, `results.record_result`,
`coverage.coverage`, `coverage.write_ledger`), which check the permissions and write the audit
log themselves; the reads are in `inspect_views.py`. Reading needs `clue.read` (as the API's
coverage), drawing `case.approve`, recording a result `case.investigate`, the ledger `ledger.export`.
"""

from __future__ import annotations

import json
import re
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from yibao.auth.models import User
from yibao.auth.roles import BilingualError, Permission, PermissionDenied, can
from yibao.web.data import StoreBusy
from yibao.web.inspect_views import (
    directory,
    plan_detail,
    plan_lines,
    result_lines,
    target_options,
)
from yibao.web.routes import busy, denied, page, store_of
from yibao.web.session import current_user, safe_next, unit_of_work

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _refuse_unless(user: User, permission: Permission, zh: str, en: str) -> None:
    if not can(user, permission):
        raise PermissionDenied(f"{user.username}{zh}：{permission}", f"{user.username} {en}")


def _read(user: User) -> None:
    _refuse_unless(user, Permission.CLUE_READ, "无权查看检查计划", "may not read inspections")


def _today() -> date:
    return datetime.now(UTC).date()


def _error(request: Request, user: User, status: int, title: str, exc: BilingualError) -> HTMLResponse:
    return page(request, "error.html", user, status, title=title, message=exc.zh, detail=exc.en)


# --- plans ----------------------------------------------------------------------------------------------


@dataclass
class DrawForm:
    """What the draw form holds, kept when the draw is refused so nothing needs typing again."""

    month: str = ""
    n: str = "1"
    seed: str = ""
    kinds: list[str] = field(default_factory=list)
    admdvs: str = ""
    weighted: bool = False
    experts: str = ""
    purpose: str = "routine"


def _plans_page(
    request: Request,
    session: Session,
    user: User,
    status: int = 200,
    form: DrawForm | None = None,
    error: str | None = None,
    imported: str | None = None,
) -> HTMLResponse:
    from yibao.inspections.params import KINDS
    from yibao.inspections.plans import PURPOSES

    today = _today()
    return page(
        request,
        "inspections.html",
        user,
        status,
        title="检查计划",
        plans=plan_lines(session),
        dir=directory(session),
        form=form or DrawForm(month=f"{today.year}-{today.month:02d}"),
        error=error,
        imported=imported,
        kinds=KINDS,
        purposes=PURPOSES,
        can_draw=can(user, Permission.CASE_APPROVE),
    )


@router.get("/console/inspections")
def plans(request: Request) -> Response:
    with unit_of_work(request) as session:
        user = current_user(request, session)
        try:
            _read(user)
        except PermissionDenied as exc:
            return denied(request, user, exc)
        imported = request.query_params.get("imported")
        return _plans_page(
            request, session, user, imported=imported if imported and imported.isdigit() else None
        )


@router.post("/console/inspections/targets")
def import_targets(request: Request) -> Response:
    """名录库: the store's designated institutions become inspection targets (`yibao inspect targets --from-store`)."""
    from yibao.inspections.directory import import_targets_from_store

    with unit_of_work(request) as session:
        user = current_user(request, session)
        try:
            rep = store_of(request).read(lambda con: import_targets_from_store(session, user, con))
        except PermissionDenied as exc:
            session.rollback()
            return denied(request, user, exc)
        except StoreBusy:
            session.rollback()
            return busy(request, user)
        except BilingualError as exc:
            session.rollback()
            return _error(request, user, 409, "无法导入", exc)
    return RedirectResponse(f"/console/inspections?imported={rep.added + rep.updated}", status_code=303)


def _draw_form(raw: Any) -> DrawForm:
    return DrawForm(
        month=str(raw.get("month") or "").strip(),
        n=str(raw.get("n") or "").strip(),
        seed=str(raw.get("seed") or "").strip(),
        kinds=[str(k) for k in raw.getlist("kinds")],
        admdvs=str(raw.get("admdvs") or "").strip(),
        weighted=bool(raw.get("weighted")),
        experts=str(raw.get("experts") or "").strip(),
        purpose=str(raw.get("purpose") or "routine"),
    )


def _draw_errors(form: DrawForm) -> list[str]:
    from yibao.inspections.params import KINDS

    errors = []
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", form.month):
        errors.append("计划月份须为 YYYY-MM，如 2026-03")
    if not (form.n.isdigit() and 1 <= int(form.n) <= 100_000):
        errors.append("抽取家数须为1到100000之间的整数")
    if form.experts and not (form.experts.isdigit() and int(form.experts) <= 1_000):
        errors.append("每组专家数须为0到1000之间的整数，或留空按参数")
    if form.admdvs and not (form.admdvs.isdigit() and len(form.admdvs) <= 6):
        errors.append("区划须为医保区划代码或其前缀（数字，至多6位）")
    if set(form.kinds) - set(KINDS):
        errors.append("机构类型无效")
    if len(form.seed) > 64:
        errors.append("随机种子至多64个字符")
    return errors


@router.post("/console/inspections/plans")
async def draw_submit(request: Request) -> Response:
    """抽取并保存月度计划: the same calls as `yibao inspect draw --save` and POST /api/v1/inspections/plans."""
    from yibao.inspections import plans as lib

    form = _draw_form(await request.form())
    with unit_of_work(request) as session:
        user = current_user(request, session)
        try:
            _refuse_unless(user, Permission.CASE_APPROVE, "无权抽取检查计划", "may not draw a plan")
        except PermissionDenied as exc:
            return denied(request, user, exc)
        errors = _draw_errors(form)
        if errors:
            return _plans_page(request, session, user, 400, form, "；".join(errors))
        try:
            grades = None
            if form.weighted:
                from yibao.credit.grades import institution_grades

                grades = {g.fixmedins_code: g.grade for g in institution_grades(session, user)}
            inputs = lib.build_inputs(
                session,
                seed=form.seed or lib.new_seed(),
                n_targets=int(form.n),
                admdvs=form.admdvs,
                kinds=form.kinds or None,
                grades=grades,
                weighted=form.weighted,
                on=date.fromisoformat(f"{form.month}-01"),
                experts_per_team=int(form.experts) if form.experts else None,
            )
            plan = lib.save_plan(session, user, inputs, month=form.month, purpose=form.purpose)
        except PermissionDenied as exc:
            session.rollback()
            return denied(request, user, exc)
        except BilingualError as exc:
            session.rollback()
            return _plans_page(request, session, user, 409, form, exc.zh)
        plan_no = plan.plan_no
    return RedirectResponse(f"/console/inspections/plans/{plan_no}?drawn=1", status_code=303)


@router.get("/console/inspections/plans/{plan_no}")
def plan_page(request: Request, plan_no: str) -> Response:
    with unit_of_work(request) as session:
        user = current_user(request, session)
        try:
            _read(user)
            detail = plan_detail(session, plan_no)
        except PermissionDenied as exc:
            return denied(request, user, exc)
        except BilingualError as exc:
            return _error(request, user, 404, "找不到抽查计划", exc)
    return page(
        request,
        "inspections_plan.html",
        user,
        title=f"抽查计划 {plan_no}",
        plan=detail,
        drawn=request.query_params.get("drawn") == "1",
        recorded=request.query_params.get("recorded"),
        can_record=can(user, Permission.CASE_INVESTIGATE),
        can_publish=can(user, Permission.CASE_APPROVE),
    )


# --- checklists and results -----------------------------------------------------------------------------


@router.get("/console/inspections/checklists")
def checklists(request: Request) -> RedirectResponse:
    return RedirectResponse("/console/inspections/checklists/hospital", status_code=303)


def _checklist_page(
    request: Request,
    session: Session,
    user: User,
    kind: str,
    status: int = 200,
    form: dict[str, Any] | None = None,
    error: str | None = None,
) -> HTMLResponse:
    from yibao.inspections.params import KINDS, checklist
    from yibao.inspections.results import ANSWERS, KINDS_OF_VISIT

    q = request.query_params
    cl = checklist(kind)
    form = form or {
        "fixmedins_code": q.get("fixmedins_code", ""),
        "plan_no": q.get("plan", ""),
        "inspected_on": _today().isoformat(),
        "kind": "routine",
        "amount": "0",
        "summary": "",
        "answers": {},
    }
    recorded = q.get("recorded")
    return page(
        request,
        "inspections_checklist.html",
        user,
        status,
        title=f"现场检查清单（{cl.label}）",
        cl=cl,
        kind=kind,
        kinds=KINDS,
        answers=ANSWERS,
        visits=KINDS_OF_VISIT,
        targets=target_options(session, kind),
        plans=plan_lines(session)[:50],
        form=form,
        error=error,
        recorded=recorded if recorded and recorded.isdigit() else None,
        can_record=can(user, Permission.CASE_INVESTIGATE),
        recent=[r for r in result_lines(session) if r.checklist == cl.label][:20],
    )


@router.get("/console/inspections/checklists/{kind}")
def checklist_page(request: Request, kind: str) -> Response:
    from yibao.inspections.params import KINDS

    with unit_of_work(request) as session:
        user = current_user(request, session)
        try:
            _read(user)
        except PermissionDenied as exc:
            return denied(request, user, exc)
        if kind not in KINDS:
            return page(
                request,
                "error.html",
                user,
                404,
                title="没有该检查清单",
                message=f"没有该类型：{kind}",
                detail="",
            )
        return _checklist_page(request, session, user, kind)


def _amount(text: str) -> Decimal | None:
    try:
        value = Decimal(text or "0")
    except InvalidOperation:
        return None
    return value.quantize(Decimal("0.01")) if value.is_finite() and 0 <= value < Decimal("1e12") else None


@router.post("/console/inspections/results")
async def result_submit(request: Request) -> Response:
    """登记现场检查结果: every checklist item answered, through `results.record_result`."""
    from yibao.inspections.params import KINDS, checklist
    from yibao.inspections.results import record_result

    raw = await request.form()
    kind = str(raw.get("checklist") or "")
    if kind not in KINDS:
        kind = "hospital"
    codes = [i.code for i in checklist(kind).items]
    form: dict[str, Any] = {
        "fixmedins_code": str(raw.get("fixmedins_code") or "").strip(),
        "plan_no": str(raw.get("plan_no") or "").strip(),
        "inspected_on": str(raw.get("inspected_on") or "").strip(),
        "kind": str(raw.get("kind") or "routine"),
        "amount": str(raw.get("amount") or "0").strip(),
        "summary": str(raw.get("summary") or "").strip(),
        "answers": {c: str(raw.get(f"item-{c}") or "") for c in codes},
    }
    with unit_of_work(request) as session:
        user = current_user(request, session)
        try:
            _refuse_unless(user, Permission.CASE_INVESTIGATE, "无权登记检查结果", "may not record results")
        except PermissionDenied as exc:
            return denied(request, user, exc)
        errors = []
        try:
            on = date.fromisoformat(form["inspected_on"])
            if on > _today():
                errors.append("检查日期不能晚于今天")
        except ValueError:
            errors.append("检查日期须为 YYYY-MM-DD")
        amount = _amount(form["amount"])
        if amount is None:
            errors.append("涉及金额须为不小于0的数字")
        if not form["fixmedins_code"]:
            errors.append("请选择被检查机构")
        if len(form["summary"]) > 2000:
            errors.append("检查结论至多2000字")
        if errors:
            return _checklist_page(request, session, user, kind, 400, form, "；".join(errors))
        try:
            res = record_result(
                session,
                user,
                form["fixmedins_code"],
                inspected_on=on,
                answers=form["answers"],
                kind=form["kind"],
                plan_no=form["plan_no"] or None,
                summary=form["summary"],
                amount=amount or Decimal(0),
            )
        except PermissionDenied as exc:
            session.rollback()
            return denied(request, user, exc)
        except BilingualError as exc:
            session.rollback()
            return _checklist_page(request, session, user, kind, 409, form, exc.zh)
        result_id = res.id
    if form["plan_no"]:
        return RedirectResponse(
            f"/console/inspections/plans/{form['plan_no']}?recorded={result_id}#t-{form['fixmedins_code']}",
            status_code=303,
        )
    return RedirectResponse(f"/console/inspections/checklists/{kind}?recorded={result_id}", status_code=303)


@router.post("/console/inspections/results/{result_id}/publish")
async def publish_submit(request: Request, result_id: Annotated[int, PathParam(ge=1, le=2**62)]) -> Response:
    """一公开: a result goes on the public list (`results.publish_results`, as `yibao inspect publish`)."""
    from yibao.inspections.results import publish_results

    back = safe_next(str((await request.form()).get("back") or ""))
    with unit_of_work(request) as session:
        user = current_user(request, session)
        try:
            publish_results(session, user, [result_id])
        except PermissionDenied as exc:
            session.rollback()
            return denied(request, user, exc)
        except BilingualError as exc:
            session.rollback()
            return _error(request, user, 404, "找不到检查结果", exc)
    return RedirectResponse(back, status_code=303)


# --- coverage -------------------------------------------------------------------------------------------


def _int_in(text: str | None, low: int, high: int, default: int) -> int:
    return int(text) if text and text.isdigit() and low <= int(text) <= high else default


@router.get("/console/inspections/coverage")
def coverage_page(request: Request) -> Response:
    """全覆盖进度: per kind, per month and quarter, against the dated quotas (`inspections.coverage`)."""
    from yibao.inspections.coverage import coverage

    q = request.query_params
    today = _today()
    year = _int_in(q.get("year"), 1900, 2999, today.year)
    month = _int_in(q.get("month"), 1, 12, today.month if year == today.year else 12)
    admdvs = q.get("admdvs", "") if (q.get("admdvs", "").isdigit() and len(q.get("admdvs", "")) <= 6) else ""
    with unit_of_work(request) as session:
        user = current_user(request, session)
        try:
            rep = coverage(session, user, year, month=month, admdvs=admdvs)
        except PermissionDenied as exc:
            return denied(request, user, exc)
        except BilingualError as exc:  # a year before the first coverage rule took effect
            return _error(request, user, 404, "没有该年度的全覆盖参数", exc)
    chart = {
        "months": [f"{year}-{p.month:02d}" for p in rep.months],
        "visits": [p.visits for p in rep.months],
        "coverage": [round(p.coverage_to_date * 100, 1) for p in rep.months],
        "required": round(rep.rule.coverage * 100, 1),
        "kinds": [{"label": k.label, "coverage": round(k.coverage * 100, 1)} for k in rep.kinds],
    }
    return page(
        request,
        "inspections_coverage.html",
        user,
        title="全覆盖进度",
        rep=rep,
        year=year,
        month=month,
        admdvs=admdvs,
        chart_json=json.dumps(chart, ensure_ascii=False).replace("</", "<\\/"),
        can_ledger=can(user, Permission.LEDGER_EXPORT),
    )


@router.get("/console/inspections/ledger.xlsx")
def ledger(request: Request) -> Response:
    """定点医药机构现场检查全覆盖情况统计表, as `yibao inspect ledger` writes it (audited as an export)."""
    from yibao.inspections.coverage import write_ledger

    q = request.query_params
    today = _today()
    year = _int_in(q.get("year"), 1900, 2999, today.year)
    month = _int_in(q.get("month"), 1, 12, today.month if year == today.year else 12)
    admdvs = q.get("admdvs", "") if (q.get("admdvs", "").isdigit() and len(q.get("admdvs", "")) <= 6) else ""
    with unit_of_work(request) as session:
        user = current_user(request, session)
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "ledger.xlsx"
            try:
                write_ledger(session, user, out, year, month, admdvs=admdvs)
            except PermissionDenied as exc:
                session.rollback()
                return denied(request, user, exc)
            except BilingualError as exc:
                session.rollback()
                return _error(request, user, 404, "没有该年度的全覆盖参数", exc)
            data = out.read_bytes()
    name = f"coverage-{year}-{month:02d}.xlsx"
    return Response(data, media_type=XLSX, headers={"Content-Disposition": f'attachment; filename="{name}"'})
