"""系统管理: users (the same library as `yibao user ...`, each change audited by it), roles and their
permissions, the dated policy parameters (read-only), and the audit log.

Users need `user.manage` (directors); the roles, parameters and audit pages are also open to `audit.read`
(auditors), the audit log to `audit.read` only. Forms post back here; SameSite=Strict on the session
cookie is the CSRF defence, as for the console's other forms.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from yibao.audit.log import verify
from yibao.auth.models import User
from yibao.auth.roles import (
    ROLE_LABELS,
    ROLE_PERMISSIONS,
    BilingualError,
    Permission,
    PermissionDenied,
    Role,
    can,
)
from yibao.auth.users import UserError, create_user, get_user, list_users, set_active, set_password
from yibao.web.accounts import change_role, read_audit
from yibao.web.policy import policy_tables
from yibao.web.routes import denied, page
from yibao.web.session import current_user, unit_of_work

__all__ = ["PERMISSION_LABELS", "router"]

router = APIRouter(include_in_schema=False)

PERMISSION_LABELS: dict[Permission, str] = {
    Permission.USER_MANAGE: "管理用户",
    Permission.CLUE_READ: "查看线索",
    Permission.CLUE_CREATE: "登记线索",
    Permission.CLUE_ASSIGN: "分派线索",
    Permission.CASE_READ: "查看案件",
    Permission.CASE_OPEN: "开案核查",
    Permission.CASE_INVESTIGATE: "调查取证（本案执法人员）",
    Permission.CASE_APPROVE: "负责人审批（立案、人员、延期、决定、移送）",
    Permission.CASE_LEGAL_REVIEW: "法制审核",
    Permission.CASE_AGREEMENT: "协议处理（经办机构）",
    Permission.FINDING_READ: "查看全部机构疑点",
    Permission.FINDING_READ_OWN: "查看本机构疑点",
    Permission.APPEAL_SUBMIT: "提交申诉",
    Permission.APPEAL_REVIEW: "复核申诉",
    Permission.APPEAL_READ: "查看申诉",
    Permission.PII_VIEW: "查看未脱敏个人信息",
    Permission.REPORTER_VIEW: "查看举报人身份",
    Permission.PENALTY_CALC: "计算罚款",
    Permission.DOCUMENT_GENERATE: "生成执法文书",
    Permission.LEDGER_EXPORT: "导出台账",
    Permission.AUDIT_READ: "查看审计日志",
}
USERNAME = re.compile(r"^[A-Za-z0-9_.-]{2,64}$")
DONE = {
    "created": "已创建用户",
    "role": "已修改角色",
    "deactivated": "已停用账号",
    "activated": "已启用账号",
    "password": "已重置密码",
}


class FormError(Exception):
    """A form field the console checks before the library: wrong shape, passwords that differ."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(zh)
        self.zh, self.en = zh, en


def _admin(user: User) -> bool:
    return can(user, Permission.USER_MANAGE) or can(user, Permission.AUDIT_READ)


def _refuse(request: Request, user: User, zh: str, en: str) -> Response:
    return denied(request, user, PermissionDenied(zh, en))


def _nav(user: User) -> dict[str, bool]:
    return {"users": can(user, Permission.USER_MANAGE), "audit": can(user, Permission.AUDIT_READ)}


@router.get("/console/admin")
def admin_home(request: Request) -> Response:
    with unit_of_work(request) as session:
        user = current_user(request, session)
    if can(user, Permission.USER_MANAGE):
        return RedirectResponse("/console/admin/users", status_code=303)
    if can(user, Permission.AUDIT_READ):
        return RedirectResponse("/console/admin/audit", status_code=303)
    return _refuse(request, user, "无权进入系统管理", "may not open the administration pages")


# --- users ---------------------------------------------------------------------------------------------


def _users_page(
    request: Request,
    session: Session,
    user: User,
    status: int = 200,
    error: tuple[str, str] | None = None,
    form: dict[str, str] | None = None,
) -> Response:
    users = list_users(session, user)
    done = request.query_params.get("done")
    return page(
        request,
        "admin_users.html",
        user,
        status,
        title="用户管理",
        nav=_nav(user),
        section="users",
        users=users,
        roles=ROLE_LABELS,
        error=error,
        form=form or {},
        done=f"{DONE[done]}：{request.query_params.get('who', '')}" if done in DONE else None,
    )


@router.get("/console/admin/users")
def users_page(request: Request) -> Response:
    with unit_of_work(request) as session:
        user = current_user(request, session)
        try:
            return _users_page(request, session, user)
        except PermissionDenied as exc:
            return denied(request, user, exc)


def _text(form: Any, name: str, limit: int = 64) -> str:
    return str(form.get(name) or "").strip()[:limit]


def _passwords(form: Any) -> str:
    password, again = str(form.get("password") or ""), str(form.get("password2") or "")
    if password != again:
        raise FormError("两次输入的密码不一致", "the two passwords differ")
    return password


@router.post("/console/admin/users")
async def user_create(request: Request) -> Response:
    form = await request.form()
    typed = {k: _text(form, k) for k in ("username", "display_name", "role", "cert_no", "fixmedins_code")}
    with unit_of_work(request) as session:
        actor = current_user(request, session)
        try:
            if not USERNAME.match(typed["username"]):
                raise FormError(
                    "用户名须为2–64位字母、数字、下划线、点或连字符",
                    "username: 2-64 letters, digits, _ . -",
                )
            if typed["role"] not in {str(r) for r in Role}:
                raise FormError("请选择角色", "choose a role")
            create_user(
                session,
                actor,
                typed["username"],
                _passwords(form),
                typed["role"],
                display_name=typed["display_name"] or None,
                cert_no=typed["cert_no"] or None,
                fixmedins_code=typed["fixmedins_code"] or None,
            )
        except PermissionDenied as exc:
            session.rollback()
            return denied(request, actor, exc)
        except (UserError, FormError) as exc:
            session.rollback()
            try:
                return _users_page(request, session, actor, 400, (exc.zh, exc.en), typed)
            except PermissionDenied as denial:
                return denied(request, actor, denial)
    return RedirectResponse(f"/console/admin/users?done=created&who={typed['username']}", status_code=303)


def _user_page(
    request: Request, session: Session, actor: User, username: str, status: int = 200, **ctx: Any
) -> Response:
    if not can(actor, Permission.USER_MANAGE):
        raise PermissionDenied("无权管理用户", "may not manage users")
    try:
        target = get_user(session, username)
    except UserError as exc:
        return page(request, "error.html", actor, 404, title="找不到用户", message=exc.zh, detail=exc.en)
    done = request.query_params.get("done")
    return page(
        request,
        "admin_user.html",
        actor,
        status,
        title=f"用户 {target.username}",
        nav=_nav(actor),
        section="users",
        target=target,
        roles=ROLE_LABELS,
        itself=target.id == actor.id,
        done=DONE.get(done or ""),
        error=ctx.get("error"),
        which=ctx.get("which"),
    )


@router.get("/console/admin/users/{username}")
def user_page(request: Request, username: str) -> Response:
    with unit_of_work(request) as session:
        user = current_user(request, session)
        try:
            return _user_page(request, session, user, username)
        except PermissionDenied as exc:
            return denied(request, user, exc)


async def _user_change(request: Request, username: str, which: str) -> Response:
    """One of the three forms of a user's page: role, active, password."""
    form = await request.form()
    with unit_of_work(request) as session:
        actor = current_user(request, session)
        try:
            if which == "role":
                change_role(
                    session,
                    actor,
                    username,
                    _text(form, "role"),
                    fixmedins_code=_text(form, "fixmedins_code") or None,
                    cert_no=_text(form, "cert_no") or None,
                )
                done = "role"
            elif which == "active":
                active = str(form.get("active")) == "1"
                if not active and get_user(session, username).id == actor.id:
                    raise FormError("不能停用自己的账号", "you cannot deactivate your own account")
                set_active(session, actor, username, active)
                done = "activated" if active else "deactivated"
            else:
                set_password(session, actor, username, _passwords(form))
                done = "password"
        except PermissionDenied as exc:
            session.rollback()
            return denied(request, actor, exc)
        except (UserError, FormError) as exc:
            session.rollback()
            try:
                return _user_page(request, session, actor, username, 400, error=(exc.zh, exc.en), which=which)
            except PermissionDenied as denial:
                return denied(request, actor, denial)
    return RedirectResponse(f"/console/admin/users/{username}?done={done}", status_code=303)


@router.post("/console/admin/users/{username}/role")
async def user_role(request: Request, username: str) -> Response:
    return await _user_change(request, username, "role")


@router.post("/console/admin/users/{username}/active")
async def user_active(request: Request, username: str) -> Response:
    return await _user_change(request, username, "active")


@router.post("/console/admin/users/{username}/password")
async def user_password(request: Request, username: str) -> Response:
    return await _user_change(request, username, "password")


# --- roles, parameters, audit log ----------------------------------------------------------------------


@router.get("/console/admin/roles")
def roles_page(request: Request) -> Response:
    with unit_of_work(request) as session:
        user = current_user(request, session)
    if not _admin(user):
        return _refuse(request, user, "无权进入系统管理", "may not open the administration pages")
    return page(
        request,
        "admin_roles.html",
        user,
        title="角色与权限",
        nav=_nav(user),
        section="roles",
        roles=ROLE_LABELS,
        grants=ROLE_PERMISSIONS,
        permissions=PERMISSION_LABELS,
    )


@router.get("/console/admin/params")
def params_page(request: Request) -> Response:
    with unit_of_work(request) as session:
        user = current_user(request, session)
    if not _admin(user):
        return _refuse(request, user, "无权进入系统管理", "may not open the administration pages")
    raw = request.query_params.get("on") or ""
    try:
        on = date.fromisoformat(raw) if raw else date.today()
        bad = False
    except ValueError:
        on, bad = date.today(), True
    try:
        tables = policy_tables(on)
    except BilingualError as exc:  # a broken parameter file, refused as its library refuses it
        return page(request, "error.html", user, 500, title="参数文件有误", message=exc.zh, detail=exc.en)
    except ValueError as exc:  # the model thresholds' loader raises a plain "zh / en" ValueError
        return page(request, "error.html", user, 500, title="参数文件有误", message=str(exc), detail="")
    return page(
        request,
        "admin_params.html",
        user,
        title="政策参数",
        nav=_nav(user),
        section="params",
        tables=tables,
        on=on,
        bad_date=bad,
    )


def _page_no(value: str | None) -> int:
    try:
        return max(1, int(value or 1))
    except ValueError:
        return 1


@router.get("/console/admin/audit")
def audit_page(request: Request) -> Response:
    q = request.query_params
    action, actor = (q.get("action") or "").strip()[:64], (q.get("actor") or "").strip()[:64]
    with unit_of_work(request) as session:
        user = current_user(request, session)
        try:
            result = read_audit(
                session, user, action=action or None, actor=actor or None, page=_page_no(q.get("page"))
            )
        except PermissionDenied as exc:
            return denied(request, user, exc)
        report = verify(session) if q.get("verify") == "1" else None
    params = {k: v for k, v in {"action": action, "actor": actor}.items() if v}
    return page(
        request,
        "admin_audit.html",
        user,
        title="审计日志",
        nav=_nav(user),
        section="audit",
        result=result,
        action=action,
        actor=actor,
        params=params,
        report=report,
    )
