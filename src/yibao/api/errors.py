"""Bad input answers 422 with one entry per field, in Chinese and English; never a 5xx.

Pydantic's error types are mapped to Chinese sentences; messages of our own validators are
already written "中文 / English" and are split on the slash.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from yibao.realtime.service import InputProblem

__all__ = ["ErrorBody", "FieldError", "install_error_handlers"]


class FieldError(BaseModel):
    """One problem with one field of the request."""

    field: str
    type: str
    zh: str
    en: str


class ErrorBody(BaseModel):
    """The body of every 4xx answer."""

    error: str
    zh: str
    en: str
    errors: list[FieldError] = []


_ZH = {
    "missing": "缺少必填字段",
    "extra_forbidden": "不允许的字段",
    "string_type": "应为字符串",
    "string_pattern_mismatch": "格式不符合要求",
    "string_too_long": "字符串过长",
    "string_too_short": "字符串过短",
    "literal_error": "取值不在允许范围内",
    "float_type": "应为数字",
    "float_parsing": "应为数字",
    "finite_number": "应为有限数字",
    "int_parsing": "应为整数",
    "greater_than": "数值过小",
    "greater_than_equal": "数值过小",
    "less_than": "数值过大",
    "less_than_equal": "数值过大",
    "datetime_type": "应为日期时间 YYYY-MM-DD HH:MM:SS",
    "datetime_parsing": "应为日期时间 YYYY-MM-DD HH:MM:SS",
    "datetime_from_date_parsing": "应为日期时间 YYYY-MM-DD HH:MM:SS",
    "date_type": "应为日期 YYYY-MM-DD",
    "date_parsing": "应为日期 YYYY-MM-DD",
    "date_from_datetime_parsing": "应为日期 YYYY-MM-DD",
    "date_from_datetime_inexact": "应为日期 YYYY-MM-DD",
    "list_type": "应为数组",
    "too_long": "条目过多",
    "too_short": "条目过少",
    "model_type": "应为对象",
    "dict_type": "应为对象",
    "model_attributes_type": "应为对象",
    "json_invalid": "请求体不是合法的JSON",
    "json_type": "请求体不是合法的JSON",
    "bool_type": "应为布尔值",
}


def _field(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p != "body"]
    return ".".join(parts) or "body"


def _entry(err: dict[str, Any]) -> FieldError:
    kind = str(err.get("type", "value_error"))
    msg = str(err.get("msg", ""))
    if kind == "value_error":
        text = msg.removeprefix("Value error, ")
        zh, _, en = text.partition(" / ")
        return FieldError(field=_field(tuple(err.get("loc", ()))), type=kind, zh=zh, en=en or text)
    zh = _ZH.get(kind, "字段值不合法")
    ctx = err.get("ctx") or {}
    if "expected" in ctx:
        zh += f"：{ctx['expected']}"
    elif "pattern" in ctx:
        zh += f"：{ctx['pattern']}"
    return FieldError(field=_field(tuple(err.get("loc", ()))), type=kind, zh=zh, en=msg)


def install_error_handlers(app: FastAPI) -> None:
    """422 for invalid bodies, 4xx bodies in one shape for every route of the app."""

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        body = ErrorBody(
            error="invalid_request",
            zh="请求数据不合法",
            en="invalid request",
            errors=[_entry(e) for e in exc.errors()],
        )
        return JSONResponse(body.model_dump(), status_code=422)

    @app.exception_handler(InputProblem)
    async def _unknown(_: Request, exc: InputProblem) -> JSONResponse:
        body = ErrorBody(
            error="invalid_request",
            zh="请求数据不合法",
            en="invalid request",
            errors=[FieldError(field=exc.field, type="unknown_reference", zh=exc.zh, en=exc.en)],
        )
        return JSONResponse(body.model_dump(), status_code=422)

    @app.exception_handler(TimeoutError)
    async def _busy(_: Request, exc: TimeoutError) -> JSONResponse:
        # another worker held this person's state too long: ask the caller to retry, nothing was decided
        body = ErrorBody(error="busy", zh="服务繁忙，请稍后重试（未作结论）", en=f"busy, retry later: {exc}")
        return JSONResponse(body.model_dump(), status_code=503, headers={"Retry-After": "1"})

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        zh = {404: "找不到该地址", 405: "不支持该请求方法", 413: "请求体过大"}.get(
            exc.status_code, "请求有误"
        )
        body = ErrorBody(error=f"http_{exc.status_code}", zh=zh, en=str(exc.detail))
        return JSONResponse(
            body.model_dump(), status_code=exc.status_code, headers=getattr(exc, "headers", None)
        )
