"""The case REST API: from a screened store's findings to a closed penalty case, by the right roles only.

Every test runs on SQLite and on a real PostgreSQL server (the `engine` fixture); the app is the
one `yibao serve` builds (`create_app`), driven in-process by TestClient, and once over real HTTP.
"""

from __future__ import annotations

import base64
import contextlib
import io
import signal
import socket
import subprocess
import sys
import time
import warnings
import zipfile
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from casedb import PASSWORD
from openpyxl import load_workbook
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from storefix import H1, H2, findings_store
from typer.testing import CliRunner

from yibao.api.app import create_app
from yibao.auth.cli_session import dispose_engines
from yibao.realtime.service import ServeSettings

with warnings.catch_warnings():  # starlette asks for `httpx2`, which this project does not install
    warnings.filterwarnings("ignore", message=".*httpx2.*")
    from fastapi.testclient import TestClient

API = "/api/v1"


@pytest.fixture
def store(tmp_path: Path) -> Path:
    path = tmp_path / "store.duckdb"
    findings_store(path).close()
    return path


class Api:
    """A TestClient with one bearer token per user."""

    def __init__(self, engine, store: Path) -> None:
        app = create_app(ServeSettings(db=store))  # lifespan (the review service) is not started
        app.state.case_engine = engine
        app.state.findings_db = store
        self.client = TestClient(app)
        self.tokens: dict[str, str] = {}

    def login(self, *names: str) -> None:
        for name in names:
            r = self.client.post(f"{API}/auth/login", json={"username": name, "password": PASSWORD})
            assert r.status_code == 200, r.text
            self.tokens[name] = r.json()["token"]

    def _h(self, who: str | None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"} if who else {}

    def get(self, who: str | None, path: str, status: int = 200, **params: object) -> httpx.Response:
        r = self.client.get(f"{API}{path}", headers=self._h(who), params=params)
        assert r.status_code == status, r.text
        return r

    def post(self, who: str | None, path: str, body: object = None, status: int = 200) -> httpx.Response:
        r = self.client.post(f"{API}{path}", headers=self._h(who), json=body if body is not None else {})
        assert r.status_code == status, r.text
        return r

    def step(self, who: str, case_no: str, action: str, status: int = 200, **payload: object) -> dict:
        body = {"reason": f"{action} 理由", "payload": payload}
        return self.post(who, f"/cases/{case_no}/actions/{action}", body, status).json()


@pytest.fixture
def api(engine, staff, store) -> Api:
    a = Api(engine, store)
    a.login("boss", "wang", "li", "zhao", "fa", "shen", "jing", "hosp", "hosp2")
    return a


def _bilingual(r: httpx.Response) -> dict:
    body = r.json()
    assert body["zh"] and body["en"] and body["zh"] != body["en"]
    return body


def test_api_walks_a_finding_to_a_closed_penalty_case(api: Api, engine, store: Path) -> None:
    # clues from the screened store: inspectors may take them in, institutions may not
    assert _bilingual(api.post("hosp", "/clues/intake", status=403))["error"] == "forbidden"
    intake = api.post("zhao", "/clues/intake").json()
    assert len(intake["clues_created"]) == 2 and intake["findings_added"] == 7
    queue = api.get("boss", "/clues").json()
    assert [c["fixmedins_code"] for c in queue] == [H1, H2]  # ranked by amount × score
    assert Decimal(queue[0]["priority"]) > Decimal(queue[1]["priority"])
    clue_no = queue[0]["clue_no"]
    api.post("wang", f"/clues/{clue_no}/assign", {"username": "wang"}, status=403)
    assert api.post("boss", f"/clues/{clue_no}/assign", {"username": "wang"}).json()["assignee"] == "wang"

    # appeals: each institution sees and answers only its own findings
    own = api.get("hosp", "/findings").json()
    assert own and {f["fixmedins_code"] for f in own} == {H1}
    assert {f["fixmedins_code"] for f in api.get("hosp2", "/findings").json()} == {H2}
    fid = own[0]["finding_id"]
    att = {"filename": "说明.txt", "content_base64": base64.b64encode("病历".encode()).decode()}
    api.post("hosp2", "/appeals", {"finding_id": fid, "explanation": "不是我院"}, status=404)
    appeal = api.post(
        "hosp", "/appeals", {"finding_id": fid, "explanation": "已退费", "attachments": [att]}, 201
    )
    api.post("hosp", f"/appeals/{appeal.json()['id']}/review", {"outcome": "overturned", "note": "x"}, 403)
    api.post("jing", f"/appeals/{appeal.json()['id']}/review", {"outcome": "confirmed", "note": "维持"})
    assert api.get("hosp2", "/appeals").json() == []
    assert [a["status"] for a in api.get("hosp", "/appeals").json()] == ["confirmed"]
    precision = {r["detector"]: r for r in api.get("boss", "/appeals/precision").json()}
    assert precision[own[0]["detector"]]["confirmed"] == 1
    api.get("hosp", "/appeals/precision", status=403)

    # the case: opened by the officer, staffed by the director, 回避 enforced
    api.post("shen", "/cases", {"clue_no": clue_no, "region": "430102"}, status=403)
    case = api.post("wang", "/cases", {"clue_no": clue_no, "region": "430102"}, status=201).json()
    no, amount = case["summary"]["case_no"], case["summary"]["amount"]
    assert case["summary"]["state"] == "verification" and case["officers"] == ["wang"]
    api.post("wang", f"/cases/{no}/officers", {"username": "li"}, status=403)
    api.post("boss", f"/cases/{no}/officers", {"username": "li"}, status=204)
    api.post("boss", "/users/zhao/conflicts", {"party_code": H1, "reason": "配偶在该院任职"}, status=204)
    refused = _bilingual(api.post("boss", f"/cases/{no}/officers", {"username": "zhao"}, status=409))
    assert "回避" in refused["zh"]
    api.post("boss", f"/cases/{no}/officers", {"username": "fa"}, status=409)  # not a certified officer

    api.step("wang", no, "propose_filing")
    api.step("wang", no, "approve_filing", status=403)
    assert api.step("boss", no, "approve_filing")["state"] == "investigation"
    api.step("li", no, "add_evidence", evidence="调取HIS收费记录")
    on = (date.today() - timedelta(days=60)).isoformat()
    concluded = api.step(
        "wang", no, "conclude_investigation", article=38, amount=amount, violation_date=on, facts="重复收费"
    )
    # the penalty comes from the dated parameters, the same as the calculator endpoint says
    calc = api.post("wang", "/penalties/calculate", {"article": 38, "amount": amount, "on": on}).json()
    api.post("hosp", "/penalties/calculate", {"article": 38, "amount": amount, "on": on}, status=403)
    assert concluded["payload"]["penalty"]["refund"] == calc["refund"] == f"{Decimal(amount):.2f}"
    assert concluded["payload"]["penalty"]["proposed_fine"] == calc["proposed_fine"]
    assert Decimal(calc["proposed_fine"]) > 0 and calc["explanation"]

    api.step("wang", no, "submit_review")
    api.step("wang", no, "approve_review", status=403)
    api.step("fa", no, "approve_review", opinion="事实清楚，证据确凿")
    api.step("zhao", no, "issue_notice", status=409)  # not an officer of this case
    assert api.step("wang", no, "issue_notice")["state"] == "notified"
    api.step("li", no, "receive_statement", statement="当事人对事实无异议")
    api.step("fa", no, "decide", status=403, type="penalty")
    decided = api.step("boss", no, "decide", type="penalty")
    assert decided["state"] == "decided"
    decision = api.get("boss", f"/cases/{no}").json()["decision"]
    assert decision["fine"] == calc["proposed_fine"]

    # documents: Word files with the case's facts; the ledger as a workbook
    for kind in ("filing_approval", "notice", "decision"):
        r = api.get("wang", f"/cases/{no}/documents/{kind}")
        assert r.headers["content-type"].startswith("application/vnd.openxmlformats")
        body = zipfile.ZipFile(io.BytesIO(r.content)).read("word/document.xml").decode()
        assert "长沙市第一人民医院" in body
    api.get("hosp", f"/cases/{no}/documents/decision", status=403)
    api.get("wang", f"/cases/{no}/documents/nonsense", status=409)

    api.step("wang", no, "serve")
    api.step("li", no, "record_execution", refunded=decision["refund"], fine_paid=decision["fine"])
    api.step("wang", no, "close", status=403)
    assert api.step("boss", no, "close")["state"] == "closed"
    api.step("boss", no, "close", status=409)  # already closed: the procedure refuses, not a 5xx

    view = api.get("shen", f"/cases/{no}").json()
    assert view["summary"]["state"] == "closed" and view["summary"]["outcome"]
    assert [e["action"] for e in view["events"]][-1] == "close"
    api.get("hosp", f"/cases/{no}", status=403)
    ledger = load_workbook(io.BytesIO(api.get("shen", "/ledger").content))
    assert no in [row[0] for row in ledger.active.iter_rows(values_only=True)]
    api.get("zhao", "/ledger", status=403)

    # the audit trail: readable by the auditor only, chained, and tampering is found
    log = api.get("shen", "/audit/log", limit=5000).json()
    kinds = {e["action"] for e in log}
    assert {"case.decide", "case.close", "document.generate", "appeal.submit", "case.read"} <= kinds
    assert {"finding.read", "appeal.read", "login"} <= kinds  # reads of protected data are logged too
    assert any(e["object_id"] == no for e in log)
    api.get("wang", "/audit/log", status=403)
    assert api.get(None, "/audit/verify").json()["ok"]
    runner = CliRunner()
    url = engine.url.render_as_string(hide_password=False)
    from yibao.cli import app as cli

    try:
        assert runner.invoke(cli, ["audit", "verify", "--case-db", url]).exit_code == 0
        edit = text("UPDATE audit_log SET actor = 'mallory' WHERE seq = 3")
        with pytest.raises(DBAPIError), engine.begin() as con:
            con.execute(edit)  # refused by the append-only triggers ...
        with engine.begin() as con:  # ... so the tamperer first drops them, as a DB owner could
            if engine.dialect.name == "postgresql":
                con.execute(text("DROP TRIGGER audit_log_no_change ON audit_log"))
            else:
                con.execute(text("DROP TRIGGER audit_log_no_update"))
            con.execute(edit)
        assert runner.invoke(cli, ["audit", "verify", "--case-db", url]).exit_code == 1
    finally:
        dispose_engines()
    broken = api.get(None, "/audit/verify").json()
    assert not broken["ok"] and broken["problems"][0]["seq"] == 3


def _case(api: Api, amount: str, title: str, officers: tuple[str, ...] = ("li",)) -> str:
    clue = {"source": "inspection", "title": title, "fixmedins_code": H2, "party_name": "芙蓉区某诊所"}
    clue_no = api.post("wang", "/clues", {**clue, "amount": amount, "score": 0.9}, status=201).json()[
        "clue_no"
    ]
    no = api.post("wang", "/cases", {"clue_no": clue_no, "region": "430102"}, status=201).json()["summary"]
    for name in officers:
        api.post("boss", f"/cases/{no['case_no']}/officers", {"username": name}, status=204)
    return no["case_no"]


def test_api_hearing_branches_and_withdrawal(api: Api) -> None:
    # a large case: legal review, then a hearing; the decision may not exceed the notice (Art. 41 of 令第4号)
    big = _case(api, "200000", "串换项目")
    api.step("wang", big, "propose_filing")
    api.step("boss", big, "approve_filing")
    on = (date.today() - timedelta(days=30)).isoformat()
    api.step(
        "wang", big, "conclude_investigation", article=38, amount="200000", violation_date=on, facts="串换"
    )
    api.step("wang", big, "issue_notice", status=409)  # a major case goes to legal review first
    api.step("wang", big, "submit_review")
    api.step("fa", big, "approve_review", opinion="同意")
    notice = api.step("wang", big, "issue_notice")["payload"]
    assert notice["hearing_eligible"] is True
    assert api.step("li", big, "request_hearing")["state"] == "hearing"
    api.step("boss", big, "decide", status=409, type="penalty")  # not while the hearing runs
    assert api.step("wang", big, "conclude_hearing")["state"] == "notified"
    heavier = str(Decimal(notice["fine"]) + 1)
    body = {"payload": {"type": "penalty", "fine": heavier}}
    refused = api.post("boss", f"/cases/{big}/actions/decide", body, status=409)
    assert "不得" in _bilingual(refused)["zh"]
    assert api.step("boss", big, "decide", type="penalty")["state"] == "decided"

    # 回避: an officer withdraws himself; a colleague may not withdraw him, the director may
    small = _case(api, "500", "少量重复收费", officers=("li", "zhao"))
    api.post("wang", f"/cases/{small}/officers/zhao/withdraw", {"reason": "同学关系"}, status=403)
    api.post("zhao", f"/cases/{small}/officers/zhao/withdraw", {"reason": "同学关系"}, status=204)
    api.post(
        "boss", f"/cases/{small}/officers/li/withdraw", {"reason": "当事人申请", "on_application": True}, 204
    )
    assert api.get("boss", f"/cases/{small}").json()["officers"] == ["wang"]
    api.step("li", small, "add_evidence", status=409, evidence="x")  # withdrawn: no more steps
    # branches: no violation found, agreement handling by the agency, transfer to the police
    assert api.step("boss", small, "dismiss")["state"] == "closed"
    agreement = _case(api, "800", "协议管理问题")
    assert api.step("boss", agreement, "refer_agreement")["state"] == "agreement"
    api.step("wang", agreement, "record_agreement", status=403, measure="约谈")
    api.step("jing", agreement, "record_agreement", measure="约谈并追回", recovered="800")
    assert api.step("boss", agreement, "close")["state"] == "closed"
    police = _case(api, "90000", "涉嫌欺诈骗保")
    api.step("boss", police, "transfer", status=409, to="mars")
    assert api.step("boss", police, "transfer", to="police")["state"] == "transferred"
    assert api.step("boss", police, "close")["state"] == "closed"
    outcomes = {c["case_no"]: c["outcome"] for c in api.get("shen", "/cases", state="closed").json()}
    assert outcomes[police] == "transferred:police" and set(outcomes) == {small, agreement, police}


def test_api_refuses_bad_input_and_missing_logins_with_4xx(api: Api) -> None:
    r = api.get(None, "/cases", status=401)
    assert r.headers["www-authenticate"] == "Bearer" and _bilingual(r)["error"] == "unauthenticated"
    api.client.headers["Authorization"] = "Bearer not-a-token"
    assert api.client.get(f"{API}/cases").status_code == 401
    del api.client.headers["Authorization"]
    bad = api.client.post(f"{API}/auth/login", json={"username": "boss", "password": "wrong"})
    assert bad.status_code == 401 and _bilingual(bad)
    body = api.post("wang", "/cases", {"clue_no": "XS1", "region": "43"}, status=422).json()
    assert body["errors"][0]["field"] == "region" and body["errors"][0]["zh"]
    api.post("wang", "/cases", {"clue_no": "XS1", "region": "430102", "bogus": 1}, status=422)
    api.post("wang", "/cases", {"clue_no": "XS-none", "region": "430102"}, status=404)
    api.step("wang", "AJ-none", "propose_filing", status=404)
    api.step("wang", "AJ-none", "fly_to_the_moon", status=422)
    api.get("boss", "/clues", status=422, limit=0)
    api.post("wang", "/penalties/calculate", {"article": 37, "amount": "1", "on": "2026-01-01"}, status=422)
    api.post("wang", "/penalties/calculate", {"article": 38, "amount": "x", "on": "2026-01-01"}, status=422)
    r = api.client.post(f"{API}/appeals", headers=api._h("hosp"), content=b"{not json", params={})
    assert r.status_code == 422
    api.post(
        "hosp",
        "/appeals",
        {"finding_id": "f", "explanation": "x", "attachments": [{"filename": "a", "content_base64": "!!"}]},
        status=409,
    )

    # logout revokes the token
    api.post("li", "/auth/logout", status=204)
    api.get("li", "/auth/me", status=401)


def test_api_users_are_managed_by_the_director_only(api: Api) -> None:
    new = {"username": "zhou", "password": PASSWORD, "role": "case_officer", "cert_no": "执法0009"}
    api.post("wang", "/users", new, status=403)
    assert api.post("boss", "/users", new, status=201).json()["role"] == "case_officer"
    api.post("boss", "/users", new, status=422)  # taken
    api.post("boss", "/users", {**new, "username": "qian", "password": "short"}, status=422)
    assert "zhou" in [u["username"] for u in api.get("boss", "/users").json()]
    api.get("shen", "/users", status=403)
    api.login("zhou")
    assert api.get("zhou", "/auth/me").json()["username"] == "zhou"
    r = api.client.put(f"{API}/users/zhou/active", headers=api._h("boss"), json={"active": False})
    assert r.status_code == 204
    api.get("zhou", "/auth/me", status=401)


def test_api_masks_persons_and_audits_unmasked_reads(api: Api) -> None:
    clue = api.post(
        "zhao",
        "/clues",
        {
            "source": "report",
            "title": "举报冒名就医",
            "psn_no": "P001",
            "amount": "3000",
            "score": 0.8,
            "reporter_name": "李四",
            "reporter_contact": "138",
        },
        status=201,
    ).json()
    api.get("zhao", f"/clues/{clue['clue_no']}/reporter", status=403)
    assert api.get("boss", f"/clues/{clue['clue_no']}/reporter").json()["name"] == "李四"
    body = {
        "clue_no": clue["clue_no"],
        "region": "430102",
        "party_name": "张三",
        "party_certno": "430102198001010012",
    }
    no = api.post("zhao", "/cases", body, status=201).json()["summary"]["case_no"]
    listed = api.get("wang", "/cases").json()
    assert listed[0]["party_name"] != "张三" and "*" in listed[0]["party_name"]
    seen = api.get("zhao", f"/cases/{no}").json()  # inspectors may not see ID numbers
    assert seen["party_certno"] != "430102198001010012" and seen["summary"]["party_name"] != "张三"
    full = api.get("wang", f"/cases/{no}").json()
    assert full["party_certno"] == "430102198001010012" and full["summary"]["party_name"] == "张三"
    log = api.get("shen", "/audit/log", limit=5000, action="pii.read").json()
    assert [(e["actor"], e["object_id"]) for e in log] == [("wang", no)]
    reads = api.get("shen", "/audit/log", limit=5000, action="reporter.read").json()
    assert [e["actor"] for e in reads] == ["boss"]


def test_openapi_lists_the_case_api(api: Api) -> None:
    spec = api.client.get("/openapi.json").json()
    for path in ("/api/v1/auth/login", "/api/v1/cases/{case_no}/actions/{action}", "/api/v1/audit/verify"):
        assert path in spec["paths"]
    assert "bearer" in str(spec["components"]["securitySchemes"]).lower()
    actions = api.get(None, "/cases/actions").json()
    assert {"decide", "close", "transfer", "refer_agreement"} <= {a["action"] for a in actions}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def serving(engine, store: Path, tmp_path: Path) -> Iterator[str]:
    """`yibao serve --case-db URL` in a subprocess; yields the base address of /api/v1."""
    port = _free_port()
    url = engine.url.render_as_string(hide_password=False)
    cmd = [sys.executable, "-m", "yibao", "serve", "--db", str(store), "--port", str(port), "--case-db", url]
    log = (tmp_path / "serve.log").open("w")
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}{API}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert proc.poll() is None and time.monotonic() < deadline, (tmp_path / "serve.log").read_text()
            time.sleep(0.2)
        yield base
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def _bearer(base: str, name: str) -> dict[str, str]:
    r = httpx.post(f"{base}/auth/login", json={"username": name, "password": PASSWORD}, timeout=10)
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


@pytest.mark.slow  # starts a server process (~5 s) and logs in three times with production hashing
def test_yibao_serve_answers_the_case_api_over_http(engine, staff, store: Path, tmp_path: Path) -> None:
    with serving(engine, store, tmp_path) as base:
        zhao, wang, boss = _bearer(base, "zhao"), _bearer(base, "wang"), _bearer(base, "boss")
        r = httpx.post(f"{base}/clues/intake", headers=zhao, json={}, timeout=30)
        assert r.status_code == 200 and r.json()["findings_added"] == 7, r.text
        clue_no = httpx.get(f"{base}/clues", headers=boss, timeout=10).json()[0]["clue_no"]
        r = httpx.post(
            f"{base}/cases", headers=wang, json={"clue_no": clue_no, "region": "430102"}, timeout=10
        )
        assert r.status_code == 201, r.text
        no = r.json()["summary"]["case_no"]
        step = f"{base}/cases/{no}/actions"
        r = httpx.post(f"{base}/cases/{no}/officers", headers=boss, json={"username": "li"}, timeout=10)
        assert r.status_code == 204, r.text
        assert httpx.post(f"{step}/approve_filing", headers=wang, json={}, timeout=10).status_code == 403
        assert httpx.post(f"{step}/propose_filing", headers=wang, json={}, timeout=10).status_code == 200
        r = httpx.post(f"{step}/approve_filing", headers=boss, json={}, timeout=10)
        assert r.status_code == 200 and r.json()["state"] == "investigation", r.text
        assert httpx.get(f"{base}/audit/verify", timeout=10).json()["ok"]


@pytest.mark.slow  # a few hundred fuzzed requests against a server process
def test_fuzzed_case_requests_never_get_a_server_error(engine, staff, store: Path, tmp_path: Path) -> None:
    import schemathesis
    from hypothesis import HealthCheck, given, settings
    from hypothesis.errors import Unsatisfiable
    from schemathesis import GenerationMode

    from yibao.api.cases import router

    ours = {f"{API}{r.path}" for r in router.routes} - {f"{API}/auth/logout"}  # keep the session alive
    failures: list[tuple[str, object, int, str]] = []
    seen: set[tuple[str, int]] = set()
    with serving(engine, store, tmp_path) as base:
        headers = _bearer(base, "boss")
        schema = schemathesis.openapi.from_url(f"{base.removesuffix(API)}/openapi.json")
        for result in schema.get_all_operations():
            op = result.ok()
            if op.path not in ours:
                continue
            negative = [GenerationMode.NEGATIVE] if op.method.upper() in ("POST", "PUT") else []
            for mode in [GenerationMode.POSITIVE, *negative]:

                @settings(
                    max_examples=8, deadline=None, suppress_health_check=list(HealthCheck), database=None
                )
                @given(case=op.as_strategy(generation_mode=mode))
                def check(case) -> None:
                    response = case.call(headers=headers, timeout=30)
                    seen.add((case.path, response.status_code))
                    if response.status_code >= 500:
                        failures.append((case.path, case.body, response.status_code, response.text[:300]))

                with contextlib.suppress(Unsatisfiable):  # e.g. no invalid body for an empty one
                    check()
        assert not failures, failures[:5]
        assert (f"{API}/users", 200) in seen and (f"{API}/audit/log", 200) in seen  # fuzzed as the director
        assert httpx.get(f"{base}/audit/verify", timeout=10).json()["ok"]


def test_random_steps_by_random_users_never_get_a_server_error(api: Api) -> None:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from yibao.cases.states import TRANSITIONS

    no = _case(api, "20000", "随机步骤")
    keys = [
        "article",
        "amount",
        "violation_date",
        "facts",
        "type",
        "fine",
        "refunded",
        "fine_paid",
        "to",
        "measure",
        "recovered",
        "statement",
        "opinion",
        "days",
        "suspension_months",
        "evidence",
        "level",
    ]
    values = st.one_of(
        st.integers(-(10**30), 10**30),
        st.text(max_size=12),
        st.booleans(),
        st.none(),
        st.sampled_from(["38", "40", "2025-12-01", "police", "penalty", "1e400", "NaN", "-1"]),
        st.floats(allow_nan=False, allow_infinity=False),
        st.lists(st.integers(), max_size=2),
        st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    )
    users = ["boss", "wang", "li", "zhao", "fa", "jing", "hosp"]

    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(
        who=st.sampled_from(users),
        action=st.sampled_from([str(a) for a in TRANSITIONS]),
        payload=st.dictionaries(st.sampled_from(keys), values, max_size=4),
    )
    def check(who: str, action: str, payload: dict) -> None:
        r = api.client.post(
            f"{API}/cases/{no}/actions/{action}",
            headers=api._h(who),
            json={"reason": "r", "payload": payload},
        )
        assert r.status_code < 500, (who, action, payload, r.text)
        assert r.status_code in (200, 403, 409, 422) and r.json()

    check()
    assert api.get(None, "/audit/verify").json()["ok"]
