"""HTTP routes for credit: practitioner points, institution grades, the disclosure feed."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field
from sqlalchemy import Engine

from yibao.whistle.api_session import public_unit, staff_unit

__all__ = ["router"]


class ScoreIn(BaseModel):
    case_no: str
    prac_code: str
    prac_name: str
    points: int = Field(ge=1, le=12)
    band: str | None = None
    responsibility: str = "general"
    conduct: str = ""


class DiscloseIn(BaseModel):
    on: date
    title: str | None = None
    mask: list[str] = []


def router(engine: Engine) -> APIRouter:
    """Routes under the caller's prefix: /credit…, /disclosures."""
    from yibao.credit import disclosure, grades, scoring

    r = APIRouter(tags=["信用 / credit"])

    @r.post("/credit/scores", status_code=201)
    def score(body: ScoreIn, request: Request) -> dict[str, object]:
        with staff_unit(engine, request) as (s, user):
            row = scoring.score_practitioner(
                s,
                user,
                body.case_no,
                prac_code=body.prac_code,
                prac_name=body.prac_name,
                points=body.points,
                band=body.band,
                responsibility=body.responsibility,
                conduct=body.conduct,
            )
            return {"prac_code": row.prac_code, "year": row.year, "points": row.points, "band": row.band}

    @r.get("/credit/practitioners/{prac_code}")
    def practitioner(prac_code: str, request: Request, year: Annotated[int | None, Query(ge=1900, le=2999)] = None) -> dict[str, object]:
        with staff_unit(engine, request) as (s, user):
            return asdict(scoring.practitioner_status(s, user, prac_code, year=year))

    @r.get("/credit/institutions/{fixmedins_code}")
    def institution(fixmedins_code: str, request: Request, on: date | None = None) -> dict[str, object]:
        with staff_unit(engine, request) as (s, user):
            return asdict(grades.institution_grade(s, user, fixmedins_code, on=on))

    @r.post("/disclosures/{case_no}", status_code=201)
    def disclose(case_no: str, body: DiscloseIn, request: Request) -> dict[str, str]:
        with staff_unit(engine, request) as (s, user):
            d = disclosure.publish_case(s, user, case_no, on=body.on, title=body.title, mask=body.mask)
            return {"case_no": d.case_no, "title": d.title}

    @r.get("/disclosures")
    def feed() -> list[dict[str, object]]:
        with public_unit(engine) as s:
            return disclosure.public_feed(s)

    return r
