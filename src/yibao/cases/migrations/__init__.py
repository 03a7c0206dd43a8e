"""Alembic migrations of the case database (shipped with the package)."""
