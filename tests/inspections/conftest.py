"""Case-database fixtures (SQLite and a real PostgreSQL) for this folder."""

from cases.casedb import case_db_url, cheap_hashing, engine, pg_server, staff  # noqa: F401
