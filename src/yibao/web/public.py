"""Public pages, no login (公众服务): file a report, follow it with the query code, read the
disclosed cases and the published inspection results. They call the same library as the API
(`yibao.whistle`, `yibao.credit`, `yibao.inspections`), so a report filed here is the same
report staff see, with the reporter's identity encrypted at rest."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse

from yibao.auth.roles import BilingualError
from yibao.web.routes import page
from yibao.web.session import unit_of_work

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


@router.get("/public/", response_class=HTMLResponse)
def home(request: Request) -> HTMLResponse:
    return page(request, "public_home.html", None, title="公众服务")


@router.get("/public/report", response_class=HTMLResponse)
def report_form(request: Request) -> HTMLResponse:
    return page(request, "public_report.html", None, title="举报欺诈骗保", form={}, errors=[])


def _amount(text: str) -> Decimal | None:
    try:
        value = Decimal(text or "0")
    except InvalidOperation:
        return None
    return value if value.is_finite() and 0 <= value < Decimal("1e12") else None


@router.post("/public/report", response_class=HTMLResponse)
def report_submit(
    request: Request,
    admdvs: Annotated[str, Form()] = "",
    target_name: Annotated[str, Form()] = "",
    content: Annotated[str, Form()] = "",
    claimed_amount: Annotated[str, Form()] = "",
    name: Annotated[str, Form()] = "",
    contact: Annotated[str, Form()] = "",
    wants_reward: Annotated[str, Form()] = "",
    insider: Annotated[str, Form()] = "",
) -> HTMLResponse:
    from yibao.whistle.crypto import ReporterIdentity
    from yibao.whistle.reports import file_report

    form = {"admdvs": admdvs, "target_name": target_name, "content": content, "claimed_amount": claimed_amount,
            "name": name, "contact": contact, "wants_reward": bool(wants_reward), "insider": bool(insider)}
    errors = []
    if not (len(admdvs) == 6 and admdvs.isdigit()):
        errors.append(("admdvs", "请填写6位医保区划代码，如 430102"))
    if not target_name.strip() or len(target_name) > 128:
        errors.append(("target_name", "请填写被举报的机构或个人名称（128字以内）"))
    if not content.strip() or len(content) > 10_000:
        errors.append(("content", "请描述举报内容（10000字以内）"))
    amount = _amount(claimed_amount)
    if amount is None:
        errors.append(("claimed_amount", "涉及金额须为不小于0的数字"))
    if bool(name.strip()) != bool(contact.strip()) or len(name) > 64 or len(contact) > 128:
        errors.append(("name", "实名举报请同时填写姓名和联系方式；匿名举报两项都不填"))
    if wants_reward and not name.strip():
        errors.append(("wants_reward", "申请奖励须实名举报"))
    if errors:
        return page(request, "public_report.html", None, 422, title="举报欺诈骗保", form=form, errors=errors)
    who = ReporterIdentity(name.strip(), contact.strip()) if name.strip() else None
    try:
        with unit_of_work(request) as session:
            filed = file_report(session, None, admdvs=admdvs, target_name=target_name.strip(), content=content.strip(),
                                claimed_amount=amount or Decimal(0), reporter=who, wants_reward=bool(wants_reward),
                                insider=bool(insider))
    except BilingualError as exc:
        errors.append(("content", exc.zh))
        return page(request, "public_report.html", None, 422, title="举报欺诈骗保", form=form, errors=errors)
    return page(request, "public_filed.html", None, 201, title="举报已受理", filed=filed)


@router.get("/public/follow", response_class=HTMLResponse)
def follow_form(request: Request) -> HTMLResponse:
    return page(request, "public_follow.html", None, title="举报进度查询", status=None, error=None)


@router.post("/public/follow", response_class=HTMLResponse)
def follow_submit(request: Request, query_code: Annotated[str, Form()] = "") -> HTMLResponse:
    from yibao.whistle.reports import follow_report

    try:
        with unit_of_work(request) as session:
            status = follow_report(session, query_code.strip()[:64])
    except BilingualError as exc:
        return page(request, "public_follow.html", None, 404, title="举报进度查询", status=None, error=exc.zh)
    return page(request, "public_follow.html", None, title="举报进度查询", status=status, error=None)


@router.get("/public/disclosures", response_class=HTMLResponse)
def disclosures(request: Request) -> HTMLResponse:
    from yibao.credit.disclosure import public_feed

    with unit_of_work(request) as session:
        cases = public_feed(session)
    return page(request, "public_disclosures.html", None, title="典型案例曝光", cases=cases)


@router.get("/public/inspections", response_class=HTMLResponse)
def inspections(request: Request) -> HTMLResponse:
    from dataclasses import asdict

    from yibao.inspections.results import public_list

    with unit_of_work(request) as session:
        rows = [asdict(x) for x in public_list(session, None)]
    return page(request, "public_inspections.html", None, title="检查结果公示", rows=rows)
