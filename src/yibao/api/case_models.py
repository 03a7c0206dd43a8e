"""Request and response bodies of the case API (pydantic): the typed edge over the service layer.

Money is a decimal string in yuan (never a float); times are UTC. Requests refuse unknown
fields, so a misspelt field is a 422, not a silently ignored value.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from yibao.auth.roles import Role


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


# --- login and users ---------------------------------------------------------------------------


class LoginIn(_In):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


class LoginOut(BaseModel):
    token: str
    token_type: Literal["bearer"] = "bearer"
    username: str
    role: str


class UserOut(_Out):
    username: str
    display_name: str
    role: str
    cert_no: str | None
    fixmedins_code: str | None
    active: bool


class UserIn(_In):
    username: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")
    password: str = Field(min_length=1, max_length=256)
    role: Role
    display_name: str | None = Field(default=None, max_length=64)
    cert_no: str | None = Field(default=None, max_length=32)
    fixmedins_code: str | None = Field(default=None, max_length=32)


class ActiveIn(_In):
    active: bool


class PasswordIn(_In):
    password: str = Field(min_length=1, max_length=256)


class ConflictIn(_In):
    party_code: str = Field(min_length=1, max_length=32)
    reason: str = Field(min_length=1, max_length=256)


# --- clues -------------------------------------------------------------------------------------


class IntakeIn(_In):
    group_by: Literal["institution", "person", "pattern"] = "institution"
    min_amount: Decimal = Field(default=Decimal(0), ge=0)
    violation: str | None = Field(default=None, max_length=32)


class IntakeOut(BaseModel):
    clues_created: list[str]
    clues_updated: list[str]
    findings_added: int
    findings_known: int
    findings_ungrouped: int


class ClueIn(_In):
    source: Literal["report", "inspection", "referral"]
    title: str = Field(min_length=1, max_length=256)
    description: str = Field(default="", max_length=4000)
    fixmedins_code: str | None = Field(default=None, max_length=32)
    psn_no: str | None = Field(default=None, max_length=32)
    party_name: str | None = Field(default=None, max_length=128)
    violation: str | None = Field(default=None, max_length=32)
    amount: Decimal = Field(default=Decimal(0), ge=0, le=Decimal("1e12"))
    score: float = Field(default=0.5, ge=0, le=1)
    reporter_name: str | None = Field(default=None, max_length=64)
    reporter_contact: str | None = Field(default=None, max_length=128)
    insider: bool = False


class ClueOut(BaseModel):
    clue_no: str
    source: str
    grouping: str | None
    title: str
    description: str
    party_name: str | None
    fixmedins_code: str | None
    psn_no: str | None
    violation: str | None
    amount: Decimal
    score: float
    priority: Decimal
    status: str
    assignee: str | None


class FindingOut(BaseModel):
    finding_id: str
    violation: str
    detector: str
    level: str
    feedetl_sn: str | None
    mdtrt_id: str | None
    psn_no: str | None
    fixmedins_code: str | None
    amount: Decimal
    score: float
    grade: str
    evidence: str
    appeal_status: str | None


class ClueDetailOut(ClueOut):
    findings: list[FindingOut]


class AssignIn(_In):
    username: str = Field(min_length=1, max_length=64)


class ReasonIn(_In):
    reason: str = Field(min_length=1, max_length=2000)


class ReporterOut(BaseModel):
    name: str
    contact: str
    insider: bool


# --- cases -------------------------------------------------------------------------------------


class CaseOpenIn(_In):
    clue_no: str = Field(min_length=1, max_length=32)
    region: str = Field(pattern=r"^\d{6}$")
    party_type: Literal["institution", "individual"] | None = None
    party_name: str | None = Field(default=None, max_length=128)
    party_certno: str | None = Field(default=None, max_length=32)
    title: str | None = Field(default=None, max_length=256)


class ActionIn(_In):
    reason: str = Field(default="", max_length=4000)
    payload: dict[str, Any] = Field(default_factory=dict)


class WithdrawIn(_In):
    reason: str = Field(min_length=1, max_length=256)
    on_application: bool = False


class CaseSummaryOut(_Out):
    case_no: str
    title: str
    state: str
    state_label: str
    party_type: str
    party_code: str
    party_name: str | None
    amount: Decimal
    deadline: str | None
    time_level: str
    time_label: str
    days_left: int | None
    outcome: str | None
    review_due: str | None = None


class EventOut(_Out):
    seq: int
    action: str
    label: str
    from_state: str | None
    to_state: str
    actor: str
    created: datetime
    reason: str
    payload: dict[str, Any]


class CaseOut(_Out):
    summary: CaseSummaryOut
    party_certno: str | None
    region: str
    violation: str | None
    officers: list[str]
    report: dict[str, Any] | None
    notice: dict[str, Any] | None
    decision: dict[str, Any] | None
    refunded: Decimal
    fine_paid: Decimal
    filed_at: datetime | None
    closed_at: datetime | None
    events: list[EventOut]


class StepOut(BaseModel):
    case_no: str
    action: str
    label: str
    state: str
    state_label: str
    payload: dict[str, Any]


class ActionInfo(BaseModel):
    action: str
    label: str
    from_states: list[str]
    to_state: str | None
    permission: str
    by_officer: bool


# --- penalties, appeals, audit -----------------------------------------------------------------


class PenaltyIn(_In):
    article: Literal[38, 39, 40, 41]
    amount: Decimal = Field(ge=0, le=Decimal("1e12"))
    on: date
    level: str = Field(default="general", max_length=16)
    region: str = Field(default="000000", pattern=r"^\d{6}$")
    serious: bool = False
    fraud: bool = False
    correction_refused: bool = False


class PenaltyOut(BaseModel):
    """The calculator's result; `explanation` lists the values and references it used."""

    article: int
    party_type: str
    level: str
    level_label: str
    refund: Decimal
    fine_range: tuple[Decimal, Decimal] | None
    level_fine_range: tuple[Decimal, Decimal] | None
    proposed_fine: Decimal
    multiple_range: tuple[float, float] | None
    proposed_multiple: float | None
    suspension_range: tuple[int, int] | None
    proposed_suspension_months: int | None
    termination_possible: bool
    explanation: list[str]
    params_used: dict[str, Any]


class AttachmentIn(_In):
    filename: str = Field(min_length=1, max_length=200)
    content_base64: str


class AppealIn(_In):
    finding_id: str = Field(min_length=1, max_length=32)
    explanation: str = Field(min_length=1, max_length=8000)
    attachments: list[AttachmentIn] = Field(default_factory=list, max_length=20)


class AppealReviewIn(_In):
    outcome: Literal["confirmed", "overturned"]
    note: str = Field(min_length=1, max_length=4000)


class AppealOut(_Out):
    id: int
    finding_id: str
    fixmedins_code: str
    detector: str
    explanation: str
    submitted_at: datetime
    status: str
    review_note: str | None = None
    reviewed_at: datetime | None = None


class PrecisionOut(BaseModel):
    detector: str
    findings: int
    appealed: int
    confirmed: int
    overturned: int
    pending: int
    precision: float | None
    overturn_rate: float | None


class AuditEntryOut(_Out):
    seq: int
    created: str
    actor: str
    action: str
    object_type: str
    object_id: str
    payload: str
    hash: str


class ProblemOut(_Out):
    seq: int
    kind: str
    message: str


class VerifyOut(BaseModel):
    ok: bool
    entries: int
    problems: list[ProblemOut]
