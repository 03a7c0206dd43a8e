"""The case database: migrations match the models, run both ways, and the URL is resolved sensibly."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from yibao.cases.db import case_db_url, downgrade, make_engine, upgrade
from yibao.cases.schema import metadata


def test_case_db_migrations_match_models(engine):
    with engine.connect() as con:
        diff = compare_metadata(MigrationContext.configure(con), metadata)
    assert diff == []


def test_case_db_migrations_round_trip(engine):
    downgrade(engine)
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    upgrade(engine)
    assert {"cases", "case_events", "audit_log", "users", "appeals"} <= set(inspect(engine).get_table_names())


def test_case_db_url_resolution(tmp_path, monkeypatch):
    monkeypatch.delenv("YIBAO_CASE_DB", raising=False)
    assert (
        case_db_url(None, duckdb_path=tmp_path / "x.duckdb") == f"sqlite:///{tmp_path / 'yibao.cases.sqlite'}"
    )
    assert case_db_url(str(tmp_path / "c.db")) == f"sqlite:///{tmp_path / 'c.db'}"
    monkeypatch.setenv("YIBAO_CASE_DB", "postgresql+psycopg://u@h/db")
    assert case_db_url(None) == "postgresql+psycopg://u@h/db"
    assert case_db_url("sqlite:///a.db") == "sqlite:///a.db"


def test_case_db_migrations_ship_inside_the_package():
    import yibao.cases

    root = Path(yibao.cases.__file__).parent / "migrations"
    assert (root / "env.py").exists() and list((root / "versions").glob("0001_*.py"))


def test_case_db_fresh_sqlite_file_is_created_and_migrated(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'new.sqlite'}")
    upgrade(engine)
    upgrade(engine)  # idempotent
    assert "audit_head" in inspect(engine).get_table_names()
    engine.dispose()
