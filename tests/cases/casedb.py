"""Case-database fixtures shared by tests/cases, auth, audit and documents.

Every test that takes `engine` runs twice: on a SQLite file and on a real PostgreSQL 15
server that this module starts in a temporary directory on a free port (initdb refuses
to run as root, so as root the server runs as the `postgres` system user). Missing
PostgreSQL binaries fail the tests: CI installs them (scripts/system-deps.sh).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from argon2 import PasswordHasher
from sqlalchemy import Engine

from yibao.auth.models import User
from yibao.auth.passwords import configure
from yibao.auth.roles import Role
from yibao.auth.users import create_user
from yibao.cases.db import make_engine, open_session, upgrade


def _pg_bin() -> Path:
    """Debian's PostgreSQL 15 (what CI installs), else the newest installed; YIBAO_PG_BIN overrides."""
    if os.environ.get("YIBAO_PG_BIN"):
        return Path(os.environ["YIBAO_PG_BIN"])
    preferred = Path("/usr/lib/postgresql/15/bin")
    if (preferred / "initdb").exists():
        return preferred
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]))
    return found[-1].parent if found else preferred


PG_BIN = _pg_bin()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PgServer:
    """A throwaway PostgreSQL cluster: trust auth on 127.0.0.1, fsync off, removed on stop."""

    def __init__(self) -> None:
        if not (PG_BIN / "initdb").exists():
            pytest.fail(f"PostgreSQL binaries not found in {PG_BIN}: run scripts/system-deps.sh")
        self.root = Path(tempfile.mkdtemp(prefix="yibao-pg-"))
        self.data = self.root / "data"
        self.port = _free_port()
        self._template = ""
        self._as = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self._as:
            shutil.chown(self.root, "postgres")
        self._run(
            PG_BIN / "initdb",
            "-D",
            self.data,
            "-A",
            "trust",
            "-U",
            "postgres",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync",
        )
        opts = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(PG_BIN / "pg_ctl", "-D", self.data, "-o", opts, "-l", self.root / "log", "-w", "start")

    def _run(self, *args: object) -> None:
        cmd = [*self._as, *(str(a) for a in args)]
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if done.returncode:
            log = (self.root / "log").read_text() if (self.root / "log").exists() else ""
            raise RuntimeError(f"{cmd} failed: {done.stdout}{done.stderr}{log}")

    def admin(self) -> psycopg.Connection:
        return psycopg.connect(
            host="127.0.0.1", port=self.port, user="postgres", dbname="postgres", autocommit=True
        )

    def new_database(self, *, migrated: bool = False) -> str:
        """An empty database, or (`migrated`) a copy of one migrated once to head."""
        if migrated and not self._template:
            self._template = self.new_database()
            engine = make_engine(self._template)
            upgrade(engine)
            engine.dispose()
        name = "t_" + uuid.uuid4().hex[:12]
        template = (
            f' TEMPLATE "{self._template.rsplit("/", 1)[1]}" STRATEGY FILE_COPY'
            if migrated and self._template
            else ""
        )
        with self.admin() as con:
            con.execute(f'CREATE DATABASE "{name}"{template}')
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{name}"

    def drop_database(self, url: str) -> None:
        name = url.rsplit("/", 1)[1]
        with self.admin() as con:
            con.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def stop(self) -> None:
        try:
            self._run(PG_BIN / "pg_ctl", "-D", self.data, "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


_SERVER: PgServer | None = None
_USERS = 0


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """One server per test run, however many test folders ask for it."""
    global _SERVER, _USERS
    if _SERVER is None:
        _SERVER = PgServer()
    _USERS += 1
    yield _SERVER
    _USERS -= 1
    if _USERS == 0:
        _SERVER.stop()
        _SERVER = None


_SQLITE_TEMPLATE: list[Path] = []


def _sqlite_template(factory: pytest.TempPathFactory) -> Path:
    if not _SQLITE_TEMPLATE:
        path = factory.mktemp("template") / "cases.sqlite"
        engine = make_engine(f"sqlite:///{path}")
        upgrade(engine)
        engine.dispose()
        _SQLITE_TEMPLATE.append(path)
    return _SQLITE_TEMPLATE[0]


@pytest.fixture(params=["sqlite", "postgresql"])
def case_db_url(
    request: pytest.FixtureRequest, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A fresh case database of each kind, migrated to head by the packaged migrations
    (once per run; each test gets a copy)."""
    if request.param == "sqlite":
        path = tmp_path / "cases.sqlite"
        shutil.copy(_sqlite_template(tmp_path_factory), path)
        yield f"sqlite:///{path}"
        return
    server: PgServer = request.getfixturevalue("pg_server")
    yield server.new_database(migrated=True)  # left for the cluster's removal at the end: faster than DROP


@pytest.fixture
def engine(case_db_url: str) -> Iterator[Engine]:
    e = make_engine(case_db_url)
    yield e
    e.dispose()


PASSWORD = "correct horse 1"

STAFF = [
    ("boss", Role.DIRECTOR, None, None),
    ("wang", Role.CASE_OFFICER, "执法0001", None),
    ("li", Role.CASE_OFFICER, "执法0002", None),
    ("zhao", Role.INSPECTOR, "执法0003", None),
    ("fa", Role.LEGAL_REVIEWER, None, None),
    ("shen", Role.AUDITOR, None, None),
    ("jing", Role.AGENCY_CLERK, None, None),
    ("hosp", Role.INSTITUTION, None, "H43010200001"),
    ("hosp2", Role.INSTITUTION, None, "H43010200002"),
]


@pytest.fixture(autouse=True)
def cheap_hashing() -> Iterator[None]:
    """Argon2id with minimal cost: the production profile takes ~0.2 s a hash on CI machines."""
    previous = configure(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    yield
    configure(previous)


@pytest.fixture
def staff(engine: Engine) -> dict[str, User]:
    """One user of every role (the first, `boss`, bootstrapped without an actor)."""
    users: dict[str, User] = {}
    with open_session(engine) as s:
        for name, role, cert, code in STAFF:
            users[name] = create_user(
                s,
                users.get("boss"),
                name,
                PASSWORD,
                role,
                cert_no=cert,
                fixmedins_code=code,
                display_name=f"{name}同志",
            )
    return users
