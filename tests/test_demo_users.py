"""The demo's accounts: created once, each able to log in with its published password."""

from __future__ import annotations

from yibao.auth.sessions import authenticate, login
from yibao.cases.db import case_db_url, make_engine, open_session
from yibao.demo_users import DEMO_USERS, ensure_demo_users


def test_demo_accounts_are_created_once_and_can_log_in(tmp_path):
    db = tmp_path / "cases.sqlite"
    first = ensure_demo_users(db)
    again = ensure_demo_users(db)  # a second demo run finds them and creates nothing
    assert first == again == [(u, r, p) for u, r, p, _ in DEMO_USERS]
    engine = make_engine(case_db_url(db))
    try:
        with open_session(engine) as session:
            for username, role, password in first:
                user = authenticate(session, login(session, username, password))
                assert (user.username, user.role) == (username, role)
    finally:
        engine.dispose()
