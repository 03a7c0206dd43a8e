"""The case database: one SQLAlchemy metadata for cases, users and the audit log, migrated by Alembic.

The embedded default is a SQLite file next to the DuckDB store; a PostgreSQL URL
(`postgresql+psycopg://...`) from `--case-db` or `YIBAO_CASE_DB` selects a server.
Migrations ship inside the package (`yibao/cases/migrations`), so an installed
wheel can create and upgrade its own schema.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

__all__ = ["DEFAULT_CASE_DB", "ENV_VAR", "Base", "case_db_url", "make_engine", "open_session", "upgrade"]

ENV_VAR = "YIBAO_CASE_DB"
DEFAULT_CASE_DB = Path("yibao.cases.sqlite")


class Base(DeclarativeBase):
    """Every table of the case database (cases, clues, appeals, users, sessions, audit log)."""


def case_db_url(value: str | Path | None = None, *, duckdb_path: Path | None = None) -> str:
    """Resolve the database URL: explicit value, then the env var, then a SQLite file.

    A bare path is taken as a SQLite file; the default file sits beside the DuckDB store
    so that one folder holds one deployment.
    """
    raw = str(value) if value else os.environ.get(ENV_VAR, "")
    if not raw:
        base = duckdb_path.parent if duckdb_path else Path(".")
        raw = str(base / DEFAULT_CASE_DB)
    if "://" in raw:
        return raw
    return f"sqlite:///{Path(raw).resolve()}"


def _sqlite_pragmas(dbapi_con: object, _record: object) -> None:
    dbapi_con.isolation_level = None  # type: ignore[attr-defined]  # SQLAlchemy emits BEGIN itself
    cur = dbapi_con.cursor()  # type: ignore[attr-defined]
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=5000")
    cur.close()


def _sqlite_begin_immediate(con: object) -> None:
    # Take the write lock at BEGIN: a read-then-write transaction (the audit chain head) would
    # otherwise fail with SQLITE_BUSY on lock upgrade when two processes write at once.
    con.exec_driver_sql("BEGIN IMMEDIATE")  # type: ignore[attr-defined]


def make_engine(url: str) -> Engine:
    """An engine; SQLite gets foreign keys, WAL, a busy timeout and BEGIN IMMEDIATE transactions,
    so that several CLI processes or API workers can share one file."""
    engine = create_engine(url)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin_immediate)
    return engine


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to `revision` with the packaged Alembic migrations."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    with engine.begin() as con:
        cfg.attributes["connection"] = con
        command.upgrade(cfg, revision)


def downgrade(engine: Engine, revision: str = "base") -> None:
    """Undo migrations (used by the migration round-trip test)."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    with engine.begin() as con:
        cfg.attributes["connection"] = con
        command.downgrade(cfg, revision)


@contextmanager
def open_session(engine: Engine) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error."""
    factory = sessionmaker(engine, expire_on_commit=False)
    with factory() as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
