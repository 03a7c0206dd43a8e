"""What every case-database command needs: the database, the logged-in user, error output.

The token of `yibao user login` is kept per database URL in a file only the user can
read (`~/.yibao/sessions.json`, or `YIBAO_SESSION_FILE`); `YIBAO_TOKEN` overrides it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from yibao.auth.models import User
from yibao.auth.roles import BilingualError, PermissionDenied
from yibao.auth.sessions import AuthError, authenticate
from yibao.cases.db import case_db_url, make_engine, open_session, upgrade

__all__ = [
    "CaseDbOption",
    "acting",
    "database",
    "err",
    "forget_token",
    "out",
    "save_token",
    "token_for",
    "unauthenticated",
]

out = Console()
err = Console(stderr=True)

CaseDbOption = Annotated[
    str | None,
    typer.Option(
        "--case-db",
        envvar="YIBAO_CASE_DB",
        help="案件库：SQLite文件或 postgresql+psycopg://… / case database (file or URL).",
    ),
]


def _session_file() -> Path:
    return Path(os.environ.get("YIBAO_SESSION_FILE", Path.home() / ".yibao" / "sessions.json"))


def _tokens() -> dict[str, str]:
    f = _session_file()
    return json.loads(f.read_text(encoding="utf-8")) if f.exists() else {}


def save_token(url: str, token: str) -> None:
    f = _session_file()
    f.parent.mkdir(parents=True, exist_ok=True)
    data = _tokens()
    data[url] = token
    f.write_text(json.dumps(data), encoding="utf-8")
    f.chmod(0o600)


def forget_token(url: str) -> str | None:
    data = _tokens()
    token = data.pop(url, None)
    if token is not None:
        _session_file().write_text(json.dumps(data), encoding="utf-8")
    return token


def token_for(url: str) -> str | None:
    return os.environ.get("YIBAO_TOKEN") or _tokens().get(url)


_ENGINES: dict[str, Engine] = {}


def database(case_db: str | None) -> tuple[str, Engine]:
    """The URL and a migrated engine (migrations run on first use in a process).

    Without `--case-db` or `YIBAO_CASE_DB` every command uses `./yibao.cases.sqlite`, beside the
    default store `./yibao.duckdb`: the same database whichever `--db` a command was given.
    """
    url = case_db_url(case_db)
    if url not in _ENGINES:
        engine = make_engine(url)
        try:
            upgrade(engine)
        except Exception as exc:
            engine.dispose()
            err.print(f"[bold red]无法打开案件库 / cannot open the case database[/]: {url}\n  {exc}")
            raise typer.Exit(2) from exc
        _ENGINES[url] = engine
    return url, _ENGINES[url]


def dispose_engines() -> None:
    """Close every pooled connection (tests, or a long-lived process switching databases)."""
    while _ENGINES:
        _ENGINES.popitem()[1].dispose()


@contextmanager
def unauthenticated(case_db: str | None) -> Iterator[tuple[Session, str]]:
    """A unit of work without a login; bilingual errors become messages and exit codes."""
    url, engine = database(case_db)
    try:
        with open_session(engine) as session:
            yield session, url
    except (PermissionDenied, AuthError) as exc:
        err.print(f"[bold red]拒绝 / denied[/]: {exc.zh}\n  {exc.en}")
        raise typer.Exit(3) from exc
    except BilingualError as exc:
        err.print(f"[bold red]无法执行 / cannot do that[/]: {exc.zh}\n  {exc.en}")
        raise typer.Exit(2) from exc


@contextmanager
def acting(case_db: str | None) -> Iterator[tuple[Session, User, str]]:
    """A unit of work as the logged-in user."""
    with unauthenticated(case_db) as (session, url):
        yield session, authenticate(session, token_for(url)), url
