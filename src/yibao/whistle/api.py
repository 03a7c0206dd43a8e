"""HTTP routes for reports and rewards: the public form and follow-up, staff handling, reward decisions."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Engine

from yibao.whistle.api_session import public_unit, staff_unit

__all__ = ["router"]


class ReportIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    admdvs: str = Field(pattern=r"^\d{6}$")
    target_name: str = Field(min_length=1, max_length=128)
    content: str = Field(min_length=1, max_length=10_000)
    # bounded like the columns they are stored in, so that no input reaches the database unfit
    fixmedins_code: str | None = Field(default=None, max_length=32)
    psn_no: str | None = Field(default=None, max_length=32)
    violation: str | None = Field(default=None, max_length=32)
    claimed_amount: Decimal = Field(default=Decimal(0), ge=0, max_digits=14, decimal_places=2)
    name: str | None = Field(default=None, max_length=64)  # real name; both name and contact, or neither
    contact: str | None = Field(default=None, max_length=128)
    wants_reward: bool = False
    insider: bool = False


class Filed(BaseModel):
    report_no: str
    query_code: str


class FollowIn(BaseModel):
    query_code: str


class AcceptIn(BaseModel):
    duplicate_of: str | None = None
    fixmedins_code: str | None = None
    psn_no: str | None = None


class DecisionIn(BaseModel):
    decision: str
    on: date | None = None
    note: str = ""


class RewardIn(BaseModel):
    verified_amount: Decimal = Field(gt=0, max_digits=14, decimal_places=2)
    case_no: str | None = None


class PaymentIn(BaseModel):
    amount: Decimal = Field(gt=0, max_digits=14, decimal_places=2)
    on: date
    ref: str = ""


def router(engine: Engine, *, key_file: str | None = None) -> APIRouter:
    """Routes under the caller's prefix (e.g. `/api`): /reports…, /rewards…."""
    from yibao.whistle import awards, reports
    from yibao.whistle.crypto import ReporterIdentity
    from yibao.whistle.rewards import compute_reward

    r = APIRouter(tags=["举报 / reports"])

    @r.post("/reports", response_model=Filed, status_code=201)
    def file_public(body: ReportIn) -> Filed:
        who = ReporterIdentity(body.name, body.contact) if body.name and body.contact else None
        with public_unit(engine) as s:
            f = reports.file_report(
                s,
                None,
                admdvs=body.admdvs,
                target_name=body.target_name,
                content=body.content,
                fixmedins_code=body.fixmedins_code,
                psn_no=body.psn_no,
                violation=body.violation,
                claimed_amount=body.claimed_amount,
                reporter=who,
                wants_reward=body.wants_reward,
                insider=body.insider,
                key_file=key_file,
            )
        return Filed(report_no=f.report_no, query_code=f.query_code)

    @r.post("/reports/follow")
    def follow(body: FollowIn) -> dict[str, object]:
        with public_unit(engine) as s:
            st = reports.follow_report(s, body.query_code)
        return {
            "report_no": st.report_no,
            "received": st.received,
            "status": st.status,
            "label": st.label,
            "note": st.note,
        }

    @r.post("/reports/{report_no}/accept")
    def accept(report_no: str, body: AcceptIn, request: Request) -> dict[str, str]:
        with staff_unit(engine, request) as (s, user):
            clue = reports.accept_report(
                s,
                user,
                report_no,
                duplicate_of=body.duplicate_of,
                fixmedins_code=body.fixmedins_code,
                psn_no=body.psn_no,
            )
            return {"report_no": report_no, "clue_no": clue.clue_no}

    @r.post("/reports/{report_no}/decision")
    def decide(report_no: str, body: DecisionIn, request: Request) -> dict[str, object]:
        with staff_unit(engine, request) as (s, user):
            rep = reports.record_filing_decision(
                s, user, report_no, body.decision, on=body.on, note=body.note
            )
            return {"report_no": report_no, "decision": rep.filing_decision, "inform_due": rep.inform_due}

    @r.get("/reports/duties")
    def duties(request: Request) -> list[dict[str, object]]:
        with staff_unit(engine, request) as (s, user):
            rows = reports.inform_duties(s, user)
        return [
            {
                "report_no": d.report_no,
                "decided_on": d.decided_on,
                "due": d.due,
                "informed_on": d.informed_on,
                "status": d.status,
            }
            for d in rows
        ]

    @r.get("/reports/{report_no}/reporter")
    def reporter(report_no: str, request: Request) -> dict[str, object]:
        with staff_unit(engine, request) as (s, user):
            who = reports.reporter_identity(s, user, report_no, key_file=key_file)
        return {
            "anonymous": who is None,
            "name": who.name if who else None,
            "contact": who.contact if who else None,
        }

    @r.get("/rewards/calc")
    def calc(
        admdvs: Annotated[str, Query(pattern=r"^\d{6}$")],
        verified_amount: Annotated[Decimal, Query(ge=0, max_digits=14, decimal_places=2)],
        insider: bool = False,
        on: date | None = None,
    ) -> dict[str, object]:
        with public_unit(engine):
            return compute_reward(admdvs, verified_amount, insider=insider, on=on).as_dict()

    @r.post("/rewards/{report_no}/decide")
    def reward(report_no: str, body: RewardIn, request: Request) -> dict[str, object]:
        with staff_unit(engine, request) as (s, user):
            return awards.decide_reward(
                s, user, report_no, body.verified_amount, case_no=body.case_no
            ).as_dict()

    @r.post("/rewards/{report_no}/payments", status_code=201)
    def pay(report_no: str, body: PaymentIn, request: Request) -> dict[str, str]:
        with staff_unit(engine, request) as (s, user):
            awards.record_payment(s, user, report_no, body.amount, on=body.on, ref=body.ref)
        return {"report_no": report_no, "paid": str(body.amount)}

    return r
