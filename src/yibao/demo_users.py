"""Demo accounts for the demo city, so that a new user can log in to the console at once.

Created only in the demo's own case database, with published passwords: never use them on
real data. A real deployment creates its first director with `yibao user create`.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from yibao.auth.models import User
from yibao.auth.users import create_user
from yibao.cases.db import case_db_url, make_engine, open_session, upgrade

__all__ = ["DEMO_USERS", "ensure_demo_users"]

# username, role, password, enforcement certificate no. (officers need one)
DEMO_USERS: tuple[tuple[str, str, str, str | None], ...] = (
    ("demo-director", "director", "demo-director-2026", "JD-0001"),
    ("demo-inspector", "inspector", "demo-inspector-2026", "JD-0002"),
    ("demo-officer", "case_officer", "demo-officer-2026", "JD-0003"),
    ("demo-officer2", "case_officer", "demo-officer2-2026", "JD-0004"),
    ("demo-legal", "legal_reviewer", "demo-legal-2026", None),
    ("demo-auditor", "auditor", "demo-auditor-2026", None),
)


def ensure_demo_users(case_db: Path) -> list[tuple[str, str, str]]:
    """Create the demo accounts that are missing; returns (username, role, password) of all."""
    engine = make_engine(case_db_url(case_db))
    try:
        upgrade(engine)
        with open_session(engine) as session:
            director = session.execute(select(User).where(User.username == DEMO_USERS[0][0])).scalar_one_or_none()
            for username, role, password, cert in DEMO_USERS:
                if session.execute(select(User).where(User.username == username)).scalar_one_or_none():
                    continue
                user = create_user(session, director, username, password, role, cert_no=cert)
                if director is None:
                    director = user
    finally:
        engine.dispose()
    return [(u, r, p) for u, r, p, _ in DEMO_USERS]
