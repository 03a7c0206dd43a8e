"""Routes of the review service: 事中审核 `/precheck`, 事前提醒 `/prescribe-check`, `/health`."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from yibao.api.errors import ErrorBody
from yibao.realtime.schemas import Decision, PrecheckRequest, PrescribeRequest, PrescribeResponse
from yibao.realtime.service import ReviewService

__all__ = ["router"]

router = APIRouter(tags=["事中审核与事前提醒 / review"])
_BAD = {422: {"model": ErrorBody, "description": "请求数据不合法 / invalid request"}}


def _service(request: Request) -> ReviewService:
    return request.app.state.service  # type: ignore[no-any-return]


def _json(model: Decision | PrescribeResponse) -> Response:
    # Already validated: serialise once, skip FastAPI's second validation of the response.
    return Response(model.model_dump_json(), media_type="application/json")


@router.post("/precheck", response_model=Decision, responses=_BAD, summary="事中审核 / settlement review")
async def precheck(body: PrecheckRequest, request: Request) -> Response:
    """Judge one settlement: `pass`, `warn` (suspect findings only) or `refuse` (a definite finding)."""
    return _json(_service(request).precheck(body))


@router.post(
    "/prescribe-check",
    response_model=PrescribeResponse,
    responses=_BAD,
    summary="事前提醒 / prescribing reminder",
)
async def prescribe_check(body: PrescribeRequest, request: Request) -> Response:
    """Reminders for the orders a doctor is writing: `warn` or `pass`, never refuse, nothing stored."""
    return _json(_service(request).prescribe(body))


@router.get("/health", summary="运行状态 / health")
async def health(request: Request) -> dict[str, Any]:
    """Knowledge version and rule counts, for load balancers and operators."""
    service = _service(request)
    judges = service.judges
    return {
        "status": "ok",
        "knowledge_version": judges.knowledge.version,
        "rules": {"pre": len(judges.pre.rules), "in": len(judges.in_.rules)},
        "state": "redis" if service.settings.redis_url else "embedded",
    }
