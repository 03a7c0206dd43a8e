"""The issue-7 tables come with their own migration, which matches the models and runs both ways."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from yibao.cases.db import downgrade, upgrade
from yibao.cases.schema import metadata

TABLES = {
    "whistle_reports",
    "whistle_rewards",
    "insp_targets",
    "insp_inspectors",
    "insp_relations",
    "insp_plans",
    "insp_assignments",
    "insp_results",
    "self_reports",
    "credit_prac_scores",
    "credit_disclosures",
}


def test_supervision_migration_matches_models_and_round_trips(engine):
    assert set(inspect(engine).get_table_names()) >= TABLES
    with engine.connect() as con:
        assert compare_metadata(MigrationContext.configure(con), metadata) == []
    downgrade(engine, "0001")
    assert not TABLES & set(inspect(engine).get_table_names())
    upgrade(engine)
    assert set(inspect(engine).get_table_names()) >= TABLES
