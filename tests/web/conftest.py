"""Fixtures: the hand-made store, a case database with one user per role, and the app `yibao serve`
builds (create_app + the console's routers), driven in-process by TestClient."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

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
