"""Case handling from finding to penalty (线索 → 立案 → 处理).

Modules: `db` (engine, Alembic migrations in `migrations/`), `models`, `states` (the
procedure as a transition table), `flow` (open, staff and move cases), `clues` (intake
from the DuckDB findings, other sources, triage), `appeals` (申诉 and per-rule precision),
`views` (masked read models). Every service function takes a SQLAlchemy session and the
acting `User`; the CLI (`cli.py`) and the HTTP API call these and nothing lower.
"""
