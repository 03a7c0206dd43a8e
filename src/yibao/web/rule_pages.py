"""The rule library in detail: one page per rule (its SQL, own test cases, knowledge tables, findings,
appeals and confirmed precision) and the knowledge-base browser (catalogue restrictions, item_rule,
item_limit), for users who read every institution's findings."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import Response

from yibao.audit.log import record
from yibao.auth.roles import Permission, PermissionDenied, can
from yibao.web.data import GRADE_LABELS, StoreBusy
from yibao.web.knowledge import PERIODS, RELATIONS, KnowledgeFilter, knowledge_page
from yibao.web.routes import busy, denied, page, store_of
from yibao.web.rulebook import KNOWLEDGE_TABLES, readers_of, rule_detail
from yibao.web.session import current_user, unit_of_work

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

APPEAL_STATUS = {"submitted": "待复核", "confirmed": "维持（疑点成立）", "overturned": "撤销（疑点不成立）"}


@router.get("/console/rules/{rule_id}")
def rule_page(request: Request, rule_id: str) -> Response:
    with unit_of_work(request) as session:
        user = current_user(request, session)
        try:
            detail = rule_detail(session, user, store_of(request), rule_id)
        except PermissionDenied as exc:
            return denied(request, user, exc)
        except StoreBusy:
            return busy(request, user)
        if detail is None:
            return page(
                request,
                "error.html",
                user,
                404,
                title="找不到规则",
                message=f"没有规则：{rule_id}",
                detail="",
            )
        record(
            session,
            user.username,
            "finding.read",
            "rule",
            detail.line.detector,
            {"via": "console", "findings": len(detail.findings)},
        )
    return page(
        request,
        "rule_detail.html",
        user,
        title=f"规则 {detail.line.rule.label}",
        d=detail,
        r=detail.line.rule,
        grades=GRADE_LABELS,
        tables=KNOWLEDGE_TABLES,
        appeal_status=APPEAL_STATUS,
    )


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _int(value: str | None) -> int:
    try:
        return max(1, int(value or 1))
    except ValueError:
        return 1


@router.get("/console/knowledge")
def knowledge(request: Request) -> Response:
    """知识库: the store's knowledge tables, filtered by item and date, with the rules that read each."""
    q = request.query_params
    table = q.get("table") if q.get("table") in KNOWLEDGE_TABLES else "catalog"
    flt = KnowledgeFilter(
        table=table, q=(q.get("q") or "").strip()[:64], on=_date(q.get("on")), page=_int(q.get("page"))
    )
    with unit_of_work(request) as session:
        user = current_user(request, session)
    if not can(user, Permission.FINDING_READ):
        return denied(request, user, PermissionDenied("无权查看知识库", "may not read the knowledge base"))
    try:
        result = knowledge_page(store_of(request), flt)
    except StoreBusy:
        return busy(request, user)
    direct, via = readers_of(table)
    params = {k: v for k, v in {"table": table, "q": flt.q, "on": q.get("on") or ""}.items() if v}
    return page(
        request,
        "knowledge.html",
        user,
        title="知识库",
        flt=flt,
        result=result,
        tables=KNOWLEDGE_TABLES,
        direct=direct,
        via=via,
        params=params,
        bad_date=bool(q.get("on")) and flt.on is None,
        relations=RELATIONS,
        periods=PERIODS,
    )
