"""HTTP routes for random inspections: published plans and their redo, results, the public list, coverage."""

from __future__ import annotations

import tempfile
from dataclasses import asdict
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import Response
from pydantic import BaseModel, Field
from sqlalchemy import Engine

from yibao.whistle.api_session import public_unit, staff_unit

__all__ = ["router"]

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class DrawIn(BaseModel):
    month: str = Field(pattern=r"^\d{4}-\d{2}$")
    n: int = Field(ge=1, le=100_000)
    seed: str | None = None
    kinds: list[str] | None = None
    admdvs: str = ""
    weighted: bool = False
    experts: int | None = Field(default=None, ge=0, le=1_000)
    purpose: str = "routine"


class ResultIn(BaseModel):
    fixmedins_code: str
    inspected_on: date
    answers: dict[str, str]
    kind: str = "routine"
    plan_no: str | None = None
    summary: str = ""
    amount: Decimal = Field(default=Decimal(0), ge=0, max_digits=14, decimal_places=2)


def router(engine: Engine) -> APIRouter:
    """Routes under the caller's prefix: /inspections…."""
    from yibao.inspections import coverage as cov
    from yibao.inspections import plans, results

    r = APIRouter(tags=["双随机一公开 / inspections"])

    @r.post("/inspections/plans", status_code=201)
    def draw(body: DrawIn, request: Request) -> dict[str, object]:
        with staff_unit(engine, request) as (s, user):
            grades = None
            if body.weighted:
                from yibao.credit.grades import institution_grades

                grades = {g.fixmedins_code: g.grade for g in institution_grades(s, user)}
            inputs = plans.build_inputs(
                s,
                seed=body.seed or plans.new_seed(),
                n_targets=body.n,
                admdvs=body.admdvs,
                kinds=body.kinds,
                grades=grades,
                weighted=body.weighted,
                on=date.fromisoformat(f"{body.month}-01"),
                experts_per_team=body.experts,
            )
            plan = plans.save_plan(s, user, inputs, month=body.month, purpose=body.purpose)
            return {"plan_no": plan.plan_no, "seed": plan.seed, "inputs_sha256": plan.inputs_sha256}

    @r.get("/inspections/plans/{plan_no}")
    def published(plan_no: str) -> dict[str, object]:
        """The plan as published: inputs (directory snapshot, seed) and result; anyone may redo it."""
        with public_unit(engine) as s:
            view = plans.get_plan(s, plan_no)
        return {
            "plan_no": view.plan_no,
            "month": view.month,
            "purpose": view.purpose,
            "inputs": view.inputs.as_dict(),
            "result": view.result.as_dict(),
            "recorded": [
                {"rank": n, "fixmedins_code": c, "inspectors": team} for n, c, team in view.assignments
            ],
        }

    @r.get("/inspections/plans/{plan_no}/redo")
    def redo(plan_no: str) -> dict[str, object]:
        with public_unit(engine) as s:
            same, view = plans.redo_plan(s, plan_no)
        return {"plan_no": plan_no, "matches": same, "inputs_sha256": view.result.inputs_sha256}

    @r.post("/inspections/results", status_code=201)
    def result(body: ResultIn, request: Request) -> dict[str, object]:
        with staff_unit(engine, request) as (s, user):
            res = results.record_result(
                s,
                user,
                body.fixmedins_code,
                inspected_on=body.inspected_on,
                answers=body.answers,
                kind=body.kind,
                plan_no=body.plan_no,
                summary=body.summary,
                amount=body.amount,
            )
            return {"id": res.id, "problems": res.problems}

    @r.post("/inspections/results/{result_id}/publish")
    def publish(result_id: Annotated[int, PathParam(ge=1, le=2**62)], request: Request) -> dict[str, int]:
        with staff_unit(engine, request) as (s, user):
            return {"published": results.publish_results(s, user, [result_id])}

    @r.get("/inspections/public")
    def public(year: Annotated[int | None, Query(ge=1900, le=2999)] = None) -> list[dict[str, object]]:
        with public_unit(engine) as s:
            return [asdict(x) for x in results.public_list(s, year)]

    @r.get("/inspections/coverage")
    def coverage(year: Annotated[int, Query(ge=1900, le=2999)], request: Request,
                 month: Annotated[int, Query(ge=1, le=12)] = 12, admdvs: str = "") -> dict[str, object]:
        with staff_unit(engine, request) as (s, user):
            rep = cov.coverage(s, user, year, month=month, admdvs=admdvs)
        return {
            "year": rep.year,
            "month": rep.month,
            "admdvs": rep.admdvs,
            "total": {
                **asdict(rep.total),
                "coverage": rep.total.coverage,
                "visits_per_institution": rep.total.visits_per_institution,
                "supervisory_ratio": rep.total.supervisory_ratio,
            },
            "checks": [{"quota": q, "actual": a, "required": req, "met": m} for q, a, req, m in rep.checks],
            "months": [asdict(p) for p in rep.months],
            "quarters": [{"quarter": q, "visits": v, "coverage": c} for q, v, c in rep.quarters],
            "uncovered": [{"fixmedins_code": c, "name": n, "kind": k} for c, n, k in rep.uncovered],
            "reference": rep.rule.reference,
        }

    @r.get("/inspections/ledger.xlsx")
    def ledger(year: Annotated[int, Query(ge=1900, le=2999)], month: Annotated[int, Query(ge=1, le=12)],
               request: Request, admdvs: str = "") -> Response:
        with tempfile.TemporaryDirectory() as tmp, staff_unit(engine, request) as (s, user):
            out = Path(tmp) / "ledger.xlsx"
            cov.write_ledger(s, user, out, year, month, admdvs=admdvs)
            data = out.read_bytes()
        name = f"coverage-{year}-{month:02d}.xlsx"
        return Response(
            data, media_type=XLSX, headers={"Content-Disposition": f'attachment; filename="{name}"'}
        )

    return r
