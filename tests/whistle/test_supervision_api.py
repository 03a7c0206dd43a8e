"""The supervision routes over HTTP: a public report followed by its code, staff handling, rewards,
a published draw anyone can redo, results, coverage and the ledger, credit and the disclosure feed."""

from __future__ import annotations

import asyncio
import io

import httpx
import pytest
from fastapi import FastAPI
from openpyxl import load_workbook

from cases.flowhelp import H1, new_case, step, to_notice
from yibao.auth.sessions import login
from yibao.cases.db import open_session
from yibao.credit.api import router as credit_router
from yibao.inspections.api import router as inspections_router
from yibao.inspections.models import Inspector, InspTarget
from yibao.whistle.api import router as whistle_router

PASSWORD = "correct horse 1"


class Client:
    """A synchronous face over httpx's ASGI transport: requests go through the real app, no server."""

    def __init__(self, app: FastAPI) -> None:
        self.loop = asyncio.new_event_loop()
        self.http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")

    def request(self, method: str, url: str, **kw: object) -> httpx.Response:
        return self.loop.run_until_complete(self.http.request(method, url, **kw))

    def get(self, url: str, **kw: object) -> httpx.Response:
        return self.request("GET", url, **kw)

    def post(self, url: str, **kw: object) -> httpx.Response:
        return self.request("POST", url, **kw)

    def close(self) -> None:
        self.loop.run_until_complete(self.http.aclose())
        self.loop.close()


@pytest.fixture
def client(engine, staff, tmp_path):
    app = FastAPI()
    app.include_router(whistle_router(engine, key_file=str(tmp_path / "k.key")), prefix="/api")
    app.include_router(inspections_router(engine), prefix="/api")
    app.include_router(credit_router(engine), prefix="/api")
    c = Client(app)
    yield c
    c.close()


def token(engine, name: str) -> dict[str, str]:
    with open_session(engine) as s:
        return {"Authorization": f"Bearer {login(s, name, PASSWORD)}"}


def test_api_reports_and_rewards(client, engine):
    r = client.post(
        "/api/reports",
        json={
            "admdvs": "420102",
            "target_name": "某药店",
            "content": "串换药品",
            "fixmedins_code": "P1",
            "name": "张三",
            "contact": "138",
            "wants_reward": True,
            "insider": True,
        },
    )
    assert r.status_code == 201
    filed = r.json()
    assert (
        client.post("/api/reports/follow", json={"query_code": filed["query_code"]}).json()["status"]
        == "received"
    )
    assert client.post("/api/reports/follow", json={"query_code": "nope"}).status_code == 400
    assert (
        client.post("/api/reports", json={"admdvs": "42", "target_name": "x", "content": "y"}).status_code
        == 422
    )
    no = filed["report_no"]
    assert client.post(f"/api/reports/{no}/accept", json={}).status_code == 401
    wang, boss = token(engine, "wang"), token(engine, "boss")
    assert client.post(f"/api/reports/{no}/accept", json={}, headers=wang).json()["clue_no"].startswith("XS")
    d = client.post(
        f"/api/reports/{no}/decision", json={"decision": "filed", "on": "2026-03-06"}, headers=wang
    )
    assert d.json()["inform_due"] == "2026-03-13"
    assert client.get(f"/api/reports/{no}/reporter", headers=wang).status_code == 403
    assert client.get(f"/api/reports/{no}/reporter", headers=boss).json()["name"] == "张三"
    assert client.get("/api/reports/duties", headers=wang).json()[0]["report_no"] == no
    calc = client.get("/api/rewards/calc", params={"admdvs": "430102", "verified_amount": "1000"}).json()
    assert calc["reward"] == "200.00"
    assert (
        client.get(
            "/api/rewards/calc", params={"admdvs": "430102", "verified_amount": "1", "on": "2020-01-01"}
        ).status_code
        == 400
    )
    decided = client.post(f"/api/rewards/{no}/decide", json={"verified_amount": "100000"}, headers=boss)
    assert decided.json()["reward"] == "3000.00"
    pay = client.post(
        f"/api/rewards/{no}/payments", json={"amount": "3000", "on": "2026-04-01"}, headers=boss
    )
    assert pay.status_code == 201


def test_api_inspections_credit_and_disclosure(client, engine, staff):
    with open_session(engine) as s:
        for n in range(1, 6):
            s.add(
                InspTarget(
                    fixmedins_code=f"P{n}", name=f"药店{n}", kind="pharmacy", admdvs="420102", active=True
                )
            )
        s.add(
            InspTarget(
                fixmedins_code=H1, name="长沙市第一人民医院", kind="hospital", admdvs="430102", active=True
            )
        )
        for n in range(1, 4):
            s.add(Inspector(code=f"I{n}", name=f"员{n}", category="officer", cert_no=f"执法{n}", active=True))
    boss, wang = token(engine, "boss"), token(engine, "wang")
    plan = client.post(
        "/api/inspections/plans",
        json={"month": "2026-03", "n": 3, "seed": "s1", "kinds": ["pharmacy"]},
        headers=boss,
    ).json()
    pub = client.get(f"/api/inspections/plans/{plan['plan_no']}").json()
    assert pub["inputs"]["seed"] == "s1" and len(pub["recorded"]) == 3
    assert client.get(f"/api/inspections/plans/{plan['plan_no']}/redo").json()["matches"] is True
    first = pub["recorded"][0]["fixmedins_code"]
    answers = {f"P0{i}": "pass" for i in range(1, 9)} | {"P03": "fail"}
    res = client.post(
        "/api/inspections/results",
        json={
            "fixmedins_code": first,
            "inspected_on": "2026-03-10",
            "answers": answers,
            "plan_no": plan["plan_no"],
        },
        headers=wang,
    )
    assert res.json()["problems"] == 1
    client.post(f"/api/inspections/results/{res.json()['id']}/publish", headers=boss)
    assert client.get("/api/inspections/public").json()[0]["fixmedins_code"] == first
    cov = client.get("/api/inspections/coverage", params={"year": 2026, "month": 3}, headers=wang).json()
    assert cov["total"]["covered"] == 1 and cov["total"]["designated"] == 6
    x = client.get("/api/inspections/ledger.xlsx", params={"year": 2026, "month": 3}, headers=wang)
    assert (
        load_workbook(io.BytesIO(x.content))["统计表"]["A1"].value == "定点医药机构现场检查全覆盖情况统计表"
    )
    assert client.get("/api/credit/institutions/" + H1, headers=wang).json()["grade"] == "A"
    no = new_case(engine, staff)
    to_notice(engine, staff, no, article=38, amount="20000")
    step(engine, staff["boss"], no, "decide", type="penalty")
    assert client.get("/api/credit/institutions/" + H1, headers=wang).json()["grade"] == "B"
    s = client.post(
        "/api/credit/scores",
        json={"case_no": no, "prac_code": "D1", "prac_name": "李医生", "points": 5},
        headers=boss,
    )
    assert s.status_code == 201
    year = s.json()["year"]
    st = client.get("/api/credit/practitioners/D1", params={"year": year}, headers=wang).json()
    assert st["points"] == 5 and st["status"] == "normal"
    assert client.post(f"/api/disclosures/{no}", json={"on": "2026-04-01"}, headers=boss).status_code == 201
    assert client.get("/api/disclosures").json()[0]["case_no"] == no
