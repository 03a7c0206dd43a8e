"""Fixtures: the hand-made store, a case database with one user per role, and the app `yibao serve`
builds (create_app + the console's routers), driven in-process by TestClient; for the browser tests, one
screened synthetic city and one real `yibao serve` on it, shared by every browser test file."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from webfix import H2, PASSWORD, ROLES, TestClient, build_store

from yibao.api.app import create_app
from yibao.auth.models import User
from yibao.auth.users import create_user
from yibao.cases.db import make_engine, open_session, upgrade
from yibao.realtime.service import ServeSettings
from yibao.web import routers
from yibao.web.session import dispose_engines


@pytest.fixture(scope="session")
def _templates(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Built once (Argon2 hashing and migrations take seconds); each test gets its own copies."""
    folder = tmp_path_factory.mktemp("web-template")
    store = build_store(folder / "store.duckdb")
    cases = folder / "cases.sqlite"
    engine = make_engine(f"sqlite:///{cases}")
    upgrade(engine)
    with open_session(engine) as session:
        boss = create_user(session, None, "boss", PASSWORD, "director", display_name="张局长")
        for name, role in ROLES.items():
            if name != "boss":
                create_user(
                    session,
                    boss,
                    name,
                    PASSWORD,
                    role,
                    display_name=f"{name}用户",
                    fixmedins_code=H2 if role == "institution" else None,
                    cert_no=f"执法{name}" if role in ("inspector", "case_officer") else None,
                )
        assert len(session.execute(select(User)).scalars().all()) == len(ROLES)
    engine.dispose()
    return store, cases


@pytest.fixture
def store(_templates: tuple[Path, Path], tmp_path: Path) -> Path:
    return Path(shutil.copy(_templates[0], tmp_path / "store.duckdb"))


@pytest.fixture
def case_db(_templates: tuple[Path, Path], tmp_path: Path) -> Iterator[str]:
    yield f"sqlite:///{shutil.copy(_templates[1], tmp_path / 'cases.sqlite')}"
    dispose_engines()


@pytest.fixture
def app_client(store: Path, case_db: str, tmp_path: Path) -> Iterator[TestClient]:
    app = create_app(ServeSettings(db=store, state_path=tmp_path / "state.sqlite"), routers=routers())
    app.state.case_db = case_db
    with TestClient(app) as client:
        yield client


def _yibao(*args: str, cwd: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "yibao", *args], cwd=cwd, check=True, capture_output=True, timeout=600
    )


@pytest.fixture(scope="session")
def city(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A screened city of 2,000 persons and 6 months, and a case database with one inspector."""
    folder = tmp_path_factory.mktemp("web-city")
    _yibao("synth", "--out", "city", "--persons", "2000", "--months", "6", cwd=folder)
    _yibao("ingest", "city", "--db", "city.duckdb", cwd=folder)
    _yibao("screen", "--db", "city.duckdb", cwd=folder)
    url = f"sqlite:///{folder / 'cases.sqlite'}"
    engine = make_engine(url)
    upgrade(engine)
    with open_session(engine) as session:
        boss = create_user(session, None, "boss", PASSWORD, "director")
        create_user(session, boss, "wang", PASSWORD, "inspector", display_name="王稽查", cert_no="执法0001")
    engine.dispose()
    return folder / "city.duckdb", url


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def server(city: tuple[Path, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    db, case_url = city
    port = _free_port()
    log = tmp_path_factory.mktemp("serve") / "serve.log"
    env = {
        **os.environ,
        "YIBAO_CASE_DB": case_url,
        "YIBAO_WHISTLE_KEY_FILE": str(tmp_path_factory.mktemp("key") / "whistle.key"),
    }
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "yibao", "serve", "--db", str(db), "--port", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{base}/console/login", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"yibao serve did not start:\n{log.read_text()}")
            time.sleep(0.3)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
