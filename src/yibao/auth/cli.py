"""`yibao user ...`: accounts and login sessions of the case database."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from yibao.auth.cli_session import (
    CaseDbOption,
    acting,
    database,
    err,
    forget_token,
    out,
    save_token,
    unauthenticated,
)
from yibao.auth.roles import ROLE_LABELS, Role

app = typer.Typer(help="用户与登录 / Users and login.", no_args_is_help=True)

Password = Annotated[str, typer.Option(prompt="密码 / password", hide_input=True, help="密码 / password.")]


@app.command("create")
def create(
    username: Annotated[str, typer.Argument(help="用户名 / username.")],
    role: Annotated[Role, typer.Option(help="角色 / role.")],
    password: Annotated[
        str,
        typer.Option(
            prompt="密码 / password",
            hide_input=True,
            confirmation_prompt=True,
            help="密码（至少8位）/ password, 8+ characters.",
        ),
    ],
    display_name: Annotated[str | None, typer.Option(help="姓名 / display name.")] = None,
    cert_no: Annotated[str | None, typer.Option(help="执法证号 / enforcement certificate no.")] = None,
    fixmedins_code: Annotated[str | None, typer.Option(help="机构用户的机构编码 / institution code.")] = None,
    case_db: CaseDbOption = None,
) -> None:
    """创建用户；库中无用户时可不登录创建第一个负责人 / Create a user (the first director needs no login)."""
    from sqlalchemy import func, select

    from yibao.auth.models import User
    from yibao.auth.users import create_user

    _, engine = database(case_db)
    with engine.connect() as con:
        first = con.execute(select(func.count()).select_from(User)).scalar_one() == 0
    if first:
        with unauthenticated(case_db) as (s, _):
            user = create_user(
                s,
                None,
                username,
                password,
                role,
                display_name=display_name,
                cert_no=cert_no,
                fixmedins_code=fixmedins_code,
            )
            out.print(f"已创建第一个用户 / created the first user: {user.username}（{ROLE_LABELS[role]}）")
        return
    with acting(case_db) as (s, actor, _):
        user = create_user(
            s,
            actor,
            username,
            password,
            role,
            display_name=display_name,
            cert_no=cert_no,
            fixmedins_code=fixmedins_code,
        )
        out.print(f"已创建用户 / created: {user.username}（{ROLE_LABELS[role]}）")


@app.command("login")
def login_cmd(
    username: Annotated[str, typer.Argument(help="用户名 / username.")],
    password: Password,
    case_db: CaseDbOption = None,
) -> None:
    """登录，会话保存在本机 / Log in; the session token is kept in ~/.yibao/sessions.json."""
    from yibao.auth.sessions import login

    with unauthenticated(case_db) as (s, url):
        token = login(s, username, password)
        save_token(url, token)
    out.print(f"已登录 / logged in: {username}")


@app.command("logout")
def logout_cmd(case_db: CaseDbOption = None) -> None:
    """退出登录 / Log out."""
    from yibao.auth.sessions import logout

    url, _ = database(case_db)
    token = forget_token(url)
    if token:
        with unauthenticated(case_db) as (s, _):
            logout(s, token)
    out.print("已退出 / logged out")


@app.command("whoami")
def whoami(case_db: CaseDbOption = None) -> None:
    """当前登录用户 / Who is logged in."""
    with acting(case_db) as (_, user, url):
        out.print(f"{user.username}（{ROLE_LABELS[Role(user.role)]}，{user.display_name}）@ {url}")


@app.command("list")
def list_cmd(case_db: CaseDbOption = None) -> None:
    """列出用户 / List users (directors)."""
    from yibao.auth.users import list_users

    with acting(case_db) as (s, user, _):
        table = Table(title="用户 / users")
        for col in ("用户名", "姓名", "角色 role", "执法证号", "机构", "状态"):
            table.add_column(col)
        for u in list_users(s, user):
            table.add_row(
                u.username,
                u.display_name,
                f"{ROLE_LABELS[Role(u.role)]} {u.role}",
                u.cert_no or "",
                u.fixmedins_code or "",
                "在用" if u.active else "停用",
            )
        out.print(table)


@app.command("passwd")
def passwd(
    password: Annotated[
        str, typer.Option(prompt="新密码 / new password", hide_input=True, confirmation_prompt=True)
    ],
    username: Annotated[str | None, typer.Argument(help="他人用户名（负责人重置）/ another user.")] = None,
    case_db: CaseDbOption = None,
) -> None:
    """修改密码 / Change a password."""
    from yibao.auth.users import set_password

    with acting(case_db) as (s, user, _):
        set_password(s, user, username or user.username, password)
    out.print("密码已修改 / password changed")


@app.command("disable")
def disable(username: str, case_db: CaseDbOption = None) -> None:
    """停用账号 / Disable an account."""
    from yibao.auth.users import set_active

    with acting(case_db) as (s, user, _):
        set_active(s, user, username, False)
    out.print(f"已停用 / disabled: {username}")


@app.command("conflict")
def conflict(
    username: str,
    party: Annotated[str, typer.Argument(help="机构编码或人员编号 / party code.")],
    reason: Annotated[str, typer.Option(help="利害关系 / the interest.")],
    case_db: CaseDbOption = None,
) -> None:
    """登记利害关系（回避事由）/ Declare a conflict of interest with a party."""
    from yibao.auth.users import declare_conflict

    with acting(case_db) as (s, user, _):
        declare_conflict(s, user, username, party, reason)
    out.print(f"已登记 / recorded: {username} ↔ {party}")


__all__ = ["app", "err"]
