"""`yibao audit ...`: verify the hash chain, read the log."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from yibao.auth.cli_session import CaseDbOption, acting, out, unauthenticated

app = typer.Typer(help="审计日志 / Audit log (hash-chained, append-only).", no_args_is_help=True)


@app.command("verify")
def verify_cmd(case_db: CaseDbOption = None) -> None:
    """校验审计日志哈希链，发现篡改则退出码为1 / Verify the chain; exit 1 on any tampering."""
    from yibao.audit.log import verify

    with unauthenticated(case_db) as (s, url):
        report = verify(s)
    if report.ok:
        out.print(f"[green]审计日志完整 / audit chain intact[/]: {report.entries:,} 条 entries ({url})")
        return
    out.print(f"[bold red]审计日志被篡改 / audit chain BROKEN[/]: {len(report.problems)} 处 problems")
    for p in report.problems:
        out.print(f"  第{p.seq}条 [{p.kind}] {p.message}")
    raise typer.Exit(1)


@app.command("log")
def log_cmd(
    limit: Annotated[int, typer.Option(help="最近多少条 / last N entries.")] = 50,
    action: Annotated[str | None, typer.Option(help="只看某类操作 / only this action.")] = None,
    case_db: CaseDbOption = None,
) -> None:
    """查看审计日志（审计员、负责人）/ Show the latest entries (auditor, director)."""
    from sqlalchemy import select

    from yibao.audit.log import record
    from yibao.audit.models import AuditEntry
    from yibao.auth.roles import Permission, require

    with acting(case_db) as (s, user, _):
        require(user, Permission.AUDIT_READ)
        q = select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(limit)
        if action:
            q = q.where(AuditEntry.action == action)
        rows = list(s.execute(q).scalars())
        record(s, user.username, "audit.read", "audit_log", "*", {"limit": limit, "action": action})
    table = Table(title="审计日志 / audit log")
    for col in ("序号 seq", "时间 (UTC)", "操作人", "操作 action", "对象", "内容"):
        table.add_column(col)
    for e in reversed(rows):
        table.add_row(
            str(e.seq), e.created[:19], e.actor, e.action, f"{e.object_type}:{e.object_id}", e.payload[:80]
        )
    out.print(table)
