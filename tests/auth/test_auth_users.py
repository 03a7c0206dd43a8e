"""Users, password hashing, sessions, permissions per action and masking of personal data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from yibao.audit.log import verify
from yibao.audit.models import AuditEntry
from yibao.auth.masking import mask_certno, mask_name, reveal
from yibao.auth.models import User
from yibao.auth.roles import ROLE_PERMISSIONS, Permission, PermissionDenied, Role, can, require
from yibao.auth.sessions import AuthError, authenticate, login, logout
from yibao.auth.users import UserError, create_user, set_active, set_password
from yibao.cases.db import open_session

PW = "correct horse 1"


def test_auth_bootstrap_only_first_director(engine):
    with open_session(engine) as s:
        with pytest.raises(UserError, match="负责人"):
            create_user(s, None, "x", PW, Role.INSPECTOR)
        boss = create_user(s, None, "boss", PW, Role.DIRECTOR)
        assert boss.password_hash.startswith("$argon2id$") and PW not in boss.password_hash
    with open_session(engine) as s, pytest.raises(UserError, match="已有用户"):
        create_user(s, None, "boss2", PW, Role.DIRECTOR)


def test_auth_only_directors_manage_users(engine, staff):
    with open_session(engine) as s:
        with pytest.raises(PermissionDenied):
            create_user(s, staff["wang"], "new", PW, Role.INSPECTOR)
        with pytest.raises(UserError, match="至少8位"):
            create_user(s, staff["boss"], "new", "short", Role.INSPECTOR)
        with pytest.raises(UserError, match="机构编码"):
            create_user(s, staff["boss"], "inst", PW, Role.INSTITUTION)
        with pytest.raises(UserError, match="已存在"):
            create_user(s, staff["boss"], "wang", PW, Role.INSPECTOR)


def test_auth_login_session_expiry_and_logout(engine, staff):
    t0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
    with open_session(engine) as s:
        token = login(s, "wang", PW, now=t0)
    with open_session(engine) as s:
        assert authenticate(s, token, now=t0 + timedelta(hours=1)).username == "wang"
        with pytest.raises(AuthError, match="过期"):
            authenticate(s, token, now=t0 + timedelta(hours=13))
        with pytest.raises(AuthError):
            authenticate(s, "forged-token", now=t0)
    with open_session(engine) as s:
        logout(s, token)
    with open_session(engine) as s, pytest.raises(AuthError):
        authenticate(s, token, now=t0)


def test_auth_failed_login_is_audited_even_though_it_raises(engine, staff):
    with pytest.raises(AuthError), open_session(engine) as s:
        login(s, "wang", "wrong password")
    with open_session(engine) as s:
        actions = list(s.execute(select(AuditEntry.action).where(AuditEntry.actor == "wang")).scalars())
        assert "login.failed" in actions
        assert verify(s).ok


def test_auth_disabled_user_cannot_log_in_and_password_change_works(engine, staff):
    with open_session(engine) as s:
        set_active(s, staff["boss"], "li", False)
    with pytest.raises(AuthError), open_session(engine) as s:
        login(s, "li", PW)
    with open_session(engine) as s:
        set_password(s, staff["wang"], "wang", "new password 2")
        with pytest.raises(PermissionDenied):
            set_password(s, staff["wang"], "zhao", "new password 2")
    with open_session(engine) as s:
        assert login(s, "wang", "new password 2")


@pytest.mark.parametrize(
    ("role", "allowed", "denied"),
    [
        (
            Role.INSPECTOR,
            [Permission.CASE_OPEN, Permission.APPEAL_REVIEW],
            [Permission.PII_VIEW, Permission.CASE_APPROVE],
        ),
        (
            Role.CASE_OFFICER,
            [Permission.CASE_INVESTIGATE, Permission.PII_VIEW],
            [Permission.CASE_LEGAL_REVIEW],
        ),
        (
            Role.LEGAL_REVIEWER,
            [Permission.CASE_LEGAL_REVIEW],
            [Permission.CASE_INVESTIGATE, Permission.CASE_APPROVE],
        ),
        (
            Role.DIRECTOR,
            [Permission.CASE_APPROVE, Permission.USER_MANAGE, Permission.REPORTER_VIEW],
            [Permission.CASE_LEGAL_REVIEW],
        ),
        (
            Role.AUDITOR,
            [Permission.AUDIT_READ, Permission.CASE_READ],
            [Permission.PII_VIEW, Permission.CASE_OPEN],
        ),
        (Role.AGENCY_CLERK, [Permission.CASE_AGREEMENT, Permission.APPEAL_REVIEW], [Permission.CASE_APPROVE]),
        (
            Role.INSTITUTION,
            [Permission.APPEAL_SUBMIT, Permission.FINDING_READ_OWN],
            [Permission.FINDING_READ, Permission.CASE_READ],
        ),
    ],
)
def test_auth_permissions_per_role(role, allowed, denied):
    user = User(username="u", role=str(role))
    for p in allowed:
        assert can(user, p)
    for p in denied:
        assert not can(user, p)
        with pytest.raises(PermissionDenied):
            require(user, p)


def test_auth_every_role_has_permissions():
    assert set(ROLE_PERMISSIONS) == set(Role)
    assert all(ROLE_PERMISSIONS[r] for r in Role)


@pytest.mark.parametrize(
    ("value", "masked"),
    [("430102198001010012", "430102********0012"), ("12345", "12***"), (None, None)],
)
def test_auth_mask_certno(value, masked):
    assert mask_certno(value) == masked


@pytest.mark.parametrize(("value", "masked"), [("张三", "张*"), ("欧阳娜娜", "欧***"), ("", "")])
def test_auth_mask_name(value, masked):
    assert mask_name(value) == masked


def test_auth_reveal_masks_or_audits(engine, staff):
    with open_session(engine) as s:
        assert reveal(s, staff["shen"], "case", "AJ1", name="张三", certno="430102198001010012") == (
            "张*",
            "430102********0012",
        )
        assert reveal(s, staff["wang"], "case", "AJ1", name="张三", certno="430102198001010012") == (
            "张三",
            "430102198001010012",
        )
        reads = list(s.execute(select(AuditEntry).where(AuditEntry.action == "pii.read")).scalars())
    assert [r.actor for r in reads] == ["wang"]
