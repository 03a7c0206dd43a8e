"""Roles, the actions they may take (one permission per action), and the check itself.

The table is data: a region that splits duties differently edits this mapping only.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol

__all__ = [
    "ROLE_LABELS",
    "ROLE_PERMISSIONS",
    "BilingualError",
    "Permission",
    "PermissionDenied",
    "Role",
    "can",
    "require",
]


class BilingualError(Exception):
    """An error a user reads: Chinese for the officers, English for operators."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(f"{zh} / {en}")
        self.zh, self.en = zh, en


class Role(StrEnum):
    INSPECTOR = "inspector"
    CASE_OFFICER = "case_officer"
    LEGAL_REVIEWER = "legal_reviewer"
    DIRECTOR = "director"
    AUDITOR = "auditor"
    AGENCY_CLERK = "agency_clerk"
    INSTITUTION = "institution"


ROLE_LABELS: dict[Role, str] = {
    Role.INSPECTOR: "稽查员",
    Role.CASE_OFFICER: "案件承办人",
    Role.LEGAL_REVIEWER: "法制审核员",
    Role.DIRECTOR: "负责人",
    Role.AUDITOR: "审计员",
    Role.AGENCY_CLERK: "经办机构经办员",
    Role.INSTITUTION: "定点医药机构用户",
}


class Permission(StrEnum):
    USER_MANAGE = "user.manage"
    CLUE_READ = "clue.read"
    CLUE_CREATE = "clue.create"
    CLUE_ASSIGN = "clue.assign"
    CASE_READ = "case.read"
    CASE_OPEN = "case.open"
    CASE_INVESTIGATE = "case.investigate"  # steps taken by the case's own officers
    CASE_APPROVE = "case.approve"  # the head's steps: filing, officers, extension, decision, transfer
    CASE_LEGAL_REVIEW = "case.legal_review"
    CASE_AGREEMENT = "case.agreement"  # agreement handling (协议处理) by the agency
    FINDING_READ = "finding.read"  # every institution's findings
    FINDING_READ_OWN = "finding.read_own"  # one's own institution's findings
    APPEAL_SUBMIT = "appeal.submit"
    APPEAL_REVIEW = "appeal.review"
    APPEAL_READ = "appeal.read"
    PII_VIEW = "pii.view"  # unmasked ID numbers and names
    REPORTER_VIEW = "reporter.view"  # whistleblower identity
    PENALTY_CALC = "penalty.calc"
    DOCUMENT_GENERATE = "document.generate"
    LEDGER_EXPORT = "ledger.export"
    AUDIT_READ = "audit.read"


P = Permission
_OFFICER = {
    P.CLUE_READ,
    P.CLUE_CREATE,
    P.CASE_READ,
    P.CASE_OPEN,
    P.CASE_INVESTIGATE,
    P.FINDING_READ,
    P.APPEAL_READ,
    P.APPEAL_REVIEW,
    P.PENALTY_CALC,
    P.DOCUMENT_GENERATE,
}

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.INSPECTOR: frozenset(_OFFICER),
    Role.CASE_OFFICER: frozenset(_OFFICER | {P.PII_VIEW, P.LEDGER_EXPORT}),
    Role.LEGAL_REVIEWER: frozenset(
        {P.CASE_READ, P.CASE_LEGAL_REVIEW, P.FINDING_READ, P.APPEAL_READ, P.PENALTY_CALC, P.PII_VIEW}
    ),
    Role.DIRECTOR: frozenset(
        {
            P.USER_MANAGE,
            P.CLUE_READ,
            P.CLUE_CREATE,
            P.CLUE_ASSIGN,
            P.CASE_READ,
            P.CASE_OPEN,
            P.CASE_APPROVE,
            P.FINDING_READ,
            P.APPEAL_READ,
            P.APPEAL_REVIEW,
            P.PII_VIEW,
            P.REPORTER_VIEW,
            P.PENALTY_CALC,
            P.DOCUMENT_GENERATE,
            P.LEDGER_EXPORT,
            P.AUDIT_READ,
        }
    ),
    Role.AUDITOR: frozenset(
        {P.CLUE_READ, P.CASE_READ, P.FINDING_READ, P.APPEAL_READ, P.LEDGER_EXPORT, P.AUDIT_READ}
    ),
    Role.AGENCY_CLERK: frozenset(
        {
            P.CLUE_READ,
            P.CLUE_CREATE,
            P.CASE_READ,
            P.CASE_AGREEMENT,
            P.FINDING_READ,
            P.APPEAL_READ,
            P.APPEAL_REVIEW,
            P.PENALTY_CALC,
        }
    ),
    Role.INSTITUTION: frozenset({P.FINDING_READ_OWN, P.APPEAL_SUBMIT, P.APPEAL_READ}),
}


class PermissionDenied(BilingualError):
    pass


class _HasRole(Protocol):
    """Anything with a role and a username: the ORM `User`, or a user object of the API layer."""

    @property
    def role(self) -> str: ...

    @property
    def username(self) -> str: ...


def can(user: _HasRole, permission: Permission) -> bool:
    try:
        return permission in ROLE_PERMISSIONS[Role(user.role)]
    except ValueError:
        return False


def require(user: _HasRole, permission: Permission) -> None:
    """Refuse the action unless the user's role carries the permission."""
    if not can(user, permission):
        label = (
            ROLE_LABELS.get(Role(user.role), user.role)
            if user.role in Role.__members__.values()
            else user.role
        )
        raise PermissionDenied(
            f"{user.username}（{label}）无权执行此操作：{permission}",
            f"{user.username} ({user.role}) may not do {permission}",
        )
