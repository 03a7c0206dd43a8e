"""Alembic environment: runs on the connection handed over by `yibao.cases.db.upgrade`."""

from __future__ import annotations

from alembic import context

from yibao.cases.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only the library entry point is supported
    raise RuntimeError("run migrations through yibao.cases.db.upgrade(engine)")

context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
