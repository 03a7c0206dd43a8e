"""`yibao serve`: the review service over HTTP (thin: parse options, start uvicorn)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated

import typer

from yibao.auth.cli_session import CaseDbOption
from yibao.store import DEFAULT_DB

__all__ = ["serve"]


def serve(
    db: Annotated[Path, typer.Option("--db", help="已筛查的数据库 / the screened store (DuckDB).")] = Path(
        DEFAULT_DB
    ),
    host: Annotated[str, typer.Option(help="监听地址 / address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="端口 / port.")] = 8000,
    workers: Annotated[
        int, typer.Option(help="工作进程数，多于1个须 --redis / worker processes.", min=1)
    ] = 1,
    redis: Annotated[
        str | None,
        typer.Option("--redis", help="Redis地址，多进程共享状态 / shared state, e.g. redis://host:6379/0"),
    ] = None,
    state: Annotated[
        Path | None,
        typer.Option("--state", help="嵌入式状态文件 / embedded state file (default beside --db)."),
    ] = None,
    lookback_days: Annotated[
        int, typer.Option(help="载入的历史天数 / days of history to load.", min=1)
    ] = 400,
    reload_interval: Annotated[
        float, typer.Option(help="知识库检查间隔秒 / knowledge check interval (s).")
    ] = 10.0,
    flush_interval: Annotated[float, typer.Option(help="写回数据库间隔秒 / write-back interval (s).")] = 5.0,
    prune_history: Annotated[
        bool,
        typer.Option(
            help="只载入与本次结算相关的历史明细（更快，见 docs/realtime.md）/ relevant history lines only."
        ),
    ] = False,
    log_level: Annotated[str, typer.Option(help="日志级别 / log level.")] = "warning",
    case_db: CaseDbOption = None,
) -> None:
    """启动事中审核与事前提醒服务 / Start the in-settlement review service (HTTP, OpenAPI at /docs)."""
    import uvicorn

    from yibao.api.app import SETTINGS_ENV, create_app
    from yibao.realtime.service import ServeSettings
    from yibao.web import routers as web_routers

    if not db.exists():
        typer.echo(f"数据库不存在，请先运行 yibao ingest / store not found: {db}", err=True)
        raise typer.Exit(2)
    if workers > 1 and not redis:
        typer.echo("多个工作进程须共享状态，请加 --redis / several workers need --redis", err=True)
        raise typer.Exit(2)
    if case_db:  # the case API (yibao.api.cases) reads it in every worker
        os.environ["YIBAO_CASE_DB"] = case_db
    settings = ServeSettings(
        db=db.resolve(),
        redis_url=redis,
        state_path=state.resolve() if state else None,
        lookback_days=lookback_days,
        reload_interval_s=reload_interval,
        flush_interval_s=flush_interval,
        prune_history=prune_history,
    )
    typer.echo(
        json.dumps(
            {
                "listen": f"http://{host}:{port}",
                "workers": workers,
                "db": str(settings.db),
                "state": redis or str(settings.state_file),
            },
            ensure_ascii=False,
        )
    )
    common = {
        "host": host,
        "port": port,
        "log_level": log_level,
        "access_log": False,
        "timeout_graceful_shutdown": 10,
    }
    if workers == 1:
        uvicorn.run(create_app(settings, routers=web_routers()), **common)  # type: ignore[arg-type]
    else:
        os.environ[SETTINGS_ENV] = settings.to_json()
        uvicorn.run("yibao.api.app:create_app_from_env", factory=True, workers=workers, **common)  # type: ignore[arg-type]
