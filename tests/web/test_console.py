"""The console's routes over the app `yibao serve` builds: login, permissions, masking, audit, numbers."""

from __future__ import annotations

import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

from sqlalchemy import create_engine, select, text
from webfix import H1, H2, LIBRARY_RULE, PASSWORD, TestClient, cells, log_in

from yibao.audit.models import AuditEntry
from yibao.auth.users import get_user
from yibao.cases.appeals import list_findings, review_appeal, submit_appeal
from yibao.cases.db import open_session
from yibao.rules.loader import load_library
from yibao.web.data import FindingFilter, Store, StoreBusy


def audit_actions(case_db: str) -> list[tuple[str, str, str]]:
    engine = create_engine(case_db)
    with engine.connect() as con:
        rows = con.execute(
            select(AuditEntry.actor, AuditEntry.action, AuditEntry.object_id).order_by(AuditEntry.seq)
        ).all()
    engine.dispose()
    return [tuple(r) for r in rows]


def test_pages_need_a_login_and_come_back_after_it(app_client: TestClient) -> None:
    r = app_client.get(f"/console/institutions/{H1}")
    assert r.url.path == "/console/login"
    assert '<label for="username">用户名</label>' in r.text and '<label for="password">密码</label>' in r.text
    assert f'value="/console/institutions/{H1}"' in r.text  # where to go back to
    r = app_client.post(
        "/console/login",
        data={"username": "insp", "password": PASSWORD, "next": f"/console/institutions/{H1}"},
    )
    assert r.url.path == f"/console/institutions/{H1}"
    assert "长沙市第一人民医院" in r.text
    cookie = r.history[0].headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie


def test_wrong_password_is_refused_and_audited(app_client: TestClient, case_db: str) -> None:
    r = app_client.post("/console/login", data={"username": "insp", "password": "wrong-password"})
    assert r.status_code == 401
    assert "用户名或密码错误" in r.text
    assert app_client.get("/console/").url.path == "/console/login"
    assert ("insp", "login.failed", audit_actions(case_db)[-1][2]) == audit_actions(case_db)[-1]


def test_login_never_redirects_off_site(app_client: TestClient) -> None:
    r = app_client.post(
        "/console/login",
        data={"username": "insp", "password": PASSWORD, "next": "https://evil.example/"},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/console/"


def test_overview_numbers(app_client: TestClient) -> None:
    log_in(app_client, "insp")
    html = app_client.get("/console/").text
    assert 'data-testid="kpi-fund" data-yuan="4260.00"' in html
    # M1: lines 20 (L2 once, its larger amount) + 30 < its encounter finding 4000; M2: 30. The
    # institution finding (9000) summarises encounters and is not added.
    assert 'data-testid="kpi-risk" data-yuan="4030.00"' in html
    assert 'data-testid="kpi-definite" data-yuan="50.00"' in html
    assert 'data-testid="kpi-findings">6<' in html
    top = cells(html, "top-institutions")
    assert [row[1].split()[0] for row in top] == ["长沙市第一人民医院", "芙蓉区仁心诊所"]
    assert top[0][2] == "0.91" and top[0][4] == "4,000.00" and top[1][4] == "30.00"
    data = re.search(r'id="overview-data">(.*?)</script>', html, re.S)
    assert data is not None
    assert '"month": "2025-01", "fund_pay": 4000.0, "at_risk": 4000.0' in data.group(1)
    assert '"month": "2025-02", "fund_pay": 260.0, "at_risk": 30.0' in data.group(1)
    assert '"label": "机构异常", "n": 1, "amount": 9000.0' in data.group(1)
    assert "/console/static/vendor/echarts/echarts.min.js" in html
    districts = re.findall(r'<li class="tile".*?</li>', html, re.S)
    assert len(districts) == 1  # both institutions lie in 430102
    assert (
        "94.6%" in districts[0] and "疑点 4,030.00 元 / 基金 4,260.00 元 · 2家机构 · 6条疑点" in districts[0]
    )


def test_findings_filter_sort_and_page(app_client: TestClient, store: Path) -> None:
    log_in(app_client, "insp")
    html = app_client.get("/console/findings").text
    assert "共 <strong>6</strong> 条疑点" in html
    html = app_client.get(f"/console/findings?fixmedins_code={H1}&grade=definite").text
    assert "共 <strong>1</strong> 条疑点" in html and "血常规同日重复收费" in html
    html = app_client.get(f"/console/findings?fixmedins_code={H1}&level=line").text
    assert "共 <strong>3</strong> 条疑点" in html and "次均费用远高于同级机构" not in html
    html = app_client.get("/console/findings?violation=LAB_ABUSE").text
    assert "共 <strong>1</strong> 条疑点" in html and "无指征检查C反应蛋白" in html
    asc = app_client.get("/console/findings?sort=amount&order=asc").text
    assert asc.index("单价高于限价") < asc.index("次均费用远高于同级机构")
    desc = app_client.get("/console/findings?sort=amount&order=desc").text
    assert desc.index("次均费用远高于同级机构") < desc.index("单价高于限价")
    # unknown values are ignored, not passed to SQL
    assert (
        "共 <strong>6</strong>" in app_client.get("/console/findings?violation=x';--&sort=evil&page=x").text
    )
    # paging: the library pages by any size; the page is clamped to the last one
    s = Store(store)
    pages = [s.findings(FindingFilter(page=p), page_size=4) for p in (1, 2, 3)]
    assert [len(p.rows) for p in pages] == [4, 2, 2] and pages[2].page == 2 and pages[0].pages == 2
    assert {r.finding_id for r in pages[0].rows}.isdisjoint({r.finding_id for r in pages[1].rows})
    assert pages[0].total_amount == Decimal("13085.00")


def test_institution_profile_with_risk_and_reasons(app_client: TestClient) -> None:
    log_in(app_client, "insp")
    html = app_client.get(f"/console/institutions/{H1}").text
    assert 'data-testid="risk-score">0.91' in html and "第 1 / 2 名" in html
    reasons = re.findall(r"<li>(.*?)</li>", html.split('data-testid="risk-reasons"')[1].split("</ul>")[0])
    assert reasons == [
        "机构风险评分0.91（第1/2名）",
        "已有疑点：挂床住院1条",
        "孤立森林：次均费用5000（总体中位数200）",
    ]
    enc = cells(html, "suspect-encounters")
    assert enc[0][0] == "M1" and enc[0][4] == "重复收费、挂床住院、检查化验滥用、超标准收费"
    assert app_client.get("/console/institutions/H000").status_code == 404


def test_encounter_shows_fee_lines_with_evidence_and_masks_the_person(
    app_client: TestClient, case_db: str
) -> None:
    log_in(app_client, "insp")
    html = app_client.get("/console/encounters/M1").text
    lines = cells(html, "fee-lines")
    assert [row[0] for row in lines] == ["L1", "L2", "L3"]
    assert lines[0][7] == "" and lines[0][4] == "1" and lines[0][5] == "20.00"
    assert "疑点 · 重复收费 20.00元：血常规同日重复收费" in lines[1][7]
    assert "疑点 · 超标准收费 5.00元：单价高于限价" in lines[1][7]
    assert html.count('data-suspect="1"') == 2
    assert "住院期间连续3天无治疗明细" in html  # the encounter-level finding
    assert "张**" in html and "430102********0012" in html
    assert "张三丰" not in html and "430102198001010012" not in html
    actions = audit_actions(case_db)
    assert ("insp", "finding.read", "M1") in actions
    assert not any(a == "pii.read" for _, a, _ in actions)


def test_case_officer_sees_the_person_and_the_read_is_audited(app_client: TestClient, case_db: str) -> None:
    log_in(app_client, "officer")
    html = app_client.get("/console/encounters/M1").text
    assert "张三丰" in html and "430102198001010012" in html
    assert ("officer", "pii.read", "M1") in audit_actions(case_db)


def test_institution_user_sees_only_its_own(app_client: TestClient) -> None:
    log_in(app_client, "h2user")
    r = app_client.get("/console/")
    assert r.url.path == "/console/findings"
    assert "共 <strong>1</strong> 条疑点" in r.text and "串换药品" in r.text
    assert "长沙市第一人民医院" not in r.text
    assert "共 <strong>0</strong>" in app_client.get(f"/console/findings?fixmedins_code={H1}").text
    assert app_client.get(f"/console/institutions/{H1}").status_code == 403
    assert app_client.get(f"/console/institutions/{H2}").status_code == 200
    assert app_client.get("/console/encounters/M1").status_code == 404
    assert app_client.get("/console/encounters/M2").status_code == 200


def test_logout_revokes_the_session(app_client: TestClient) -> None:
    log_in(app_client, "auditor")
    token = app_client.cookies.get("yibao_console")
    assert token
    app_client.post("/console/logout")
    app_client.cookies.set("yibao_console", token)
    assert app_client.get("/console/").url.path == "/console/login"


def test_static_files_are_served_from_the_package_only(app_client: TestClient) -> None:
    r = app_client.get("/console/static/vendor/echarts/echarts.min.js")
    assert r.status_code == 200 and len(r.content) > 500_000
    assert app_client.get("/console/static/vendor/echarts/LICENSE").status_code == 200
    assert app_client.get("/console/static/../routes.py").status_code == 404
    assert app_client.get("/console/static/%2e%2e/routes.py").status_code == 404


def test_store_is_not_held_between_requests_and_a_writer_makes_pages_wait(
    app_client: TestClient, store: Path
) -> None:
    log_in(app_client, "insp")
    assert app_client.get("/console/findings").status_code == 200
    writer = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('open', flush=True); time.sleep(30)",
            str(store),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert writer.stdout is not None and writer.stdout.readline().strip() == "open"  # ingest could run
        try:
            Store(store, wait_s=0.3).overview()
            raise AssertionError("a store held by a writer must not be readable")
        except StoreBusy:
            pass
        app_client.app.state.web_store.wait_s = 0.3  # type: ignore[attr-defined]
        r = app_client.get("/console/findings")
        assert r.status_code == 503 and "数据库正在写入" in r.text
    finally:
        writer.kill()
        writer.wait()
        if writer.stdout is not None:
            writer.stdout.close()
    assert app_client.get("/console/findings").status_code == 200


def test_inspector_opens_a_case_on_one_institutions_findings(app_client: TestClient, case_db: str) -> None:
    log_in(app_client, "insp")
    html = app_client.get(f"/console/institutions/{H1}").text
    assert "暂无案件" in html and "对本机构疑点开案核查" in html
    r = app_client.post(f"/console/institutions/{H1}/open-case")
    assert r.status_code == 200 and r.url.path == f"/console/institutions/{H1}"
    case_no = r.url.params["opened"]
    assert re.fullmatch(r"AJ\d{4}-00001", case_no)
    assert f"已开案：{case_no}" in r.text
    assert cells(r.text, "cases")[0][:3] == [
        case_no,
        "长沙市第一人民医院（H43010200001）疑点线索",
        "线索核查",
    ]
    engine = create_engine(case_db)
    with engine.connect() as con:
        clues = con.execute(text("SELECT id, group_key, status FROM clues")).all()
        members = con.execute(text("SELECT fixmedins_code, count(*) FROM clue_findings GROUP BY 1")).all()
        case = con.execute(text("SELECT party_code, state, clue_id FROM cases")).one()
    engine.dispose()
    assert [(c[1], c[2]) for c in clues] == [(H1, "opened")]  # H2's finding was left alone
    assert members == [(H1, 5)]
    assert case == (H1, "verification", clues[0][0])
    actions = audit_actions(case_db)
    assert ("insp", "clue.intake", "-") in actions and ("insp", "case.open", case_no) in actions
    again = app_client.post(f"/console/institutions/{H1}/open-case")
    assert again.status_code == 409 and "没有尚未立案核查的疑点" in again.text


def test_only_roles_that_open_cases_may(app_client: TestClient) -> None:
    log_in(app_client, "auditor")
    assert "对本机构疑点开案核查" not in app_client.get(f"/console/institutions/{H1}").text
    assert app_client.post(f"/console/institutions/{H1}/open-case").status_code == 403
    app_client.post("/console/logout")
    log_in(app_client, "h2user")
    assert app_client.post(f"/console/institutions/{H2}/open-case").status_code == 403


def test_practitioner_profile(app_client: TestClient) -> None:
    log_in(app_client, "insp")
    html = app_client.get("/console/practitioners/D1").text
    assert (
        "李医生" in html
        and 'data-testid="risk-score">0.77' in html
        and "<li>已有疑点：挂床住院1条</li>" in html
    )
    # lines L2 (two findings) and L3 that D1 ordered, and the encounter finding of M1 that D1 attended
    assert html.count('<tr class="grade-') == 4 and "串换药品" not in html
    assert app_client.get("/console/practitioners/D9").status_code == 404
    app_client.post("/console/logout")
    log_in(app_client, "h2user")
    assert app_client.get("/console/practitioners/D1").status_code == 404  # another institution's doctor


def test_person_profile_masks_by_role_and_audits_unmasked_reads(app_client: TestClient, case_db: str) -> None:
    log_in(app_client, "insp")
    html = app_client.get("/console/persons/P1").text
    assert "张**" in html and "430102********0012" in html and "张三丰" not in html
    assert 'data-testid="risk-score">0.66' in html
    assert html.count('<tr class="grade-') == 5
    assert [row[0] for row in cells(html, "person-encounters")] == ["M3", "M2", "M1"]
    app_client.post("/console/logout")
    log_in(app_client, "officer")
    html = app_client.get("/console/persons/P1").text
    assert "张三丰" in html and "430102198001010012" in html
    assert ("officer", "pii.read", "P1") in audit_actions(case_db)
    app_client.post("/console/logout")
    log_in(app_client, "h2user")
    assert app_client.get("/console/persons/P1").status_code == 403


def test_case_board_page_timeline_and_a_step(app_client: TestClient, case_db: str) -> None:
    log_in(app_client, "insp")
    case_no = app_client.post(f"/console/institutions/{H1}/open-case").url.params["opened"]
    board = cells(app_client.get("/console/cases").text, "case-board")
    assert board[0][0] == case_no and board[0][3] == "线索核查"
    html = app_client.get(f"/console/cases/{case_no}").text
    assert 'data-testid="case-state">线索核查<' in html and "承办人</dt><dd>insp<" in html
    timeline = re.findall(r"<li><time[^>]*>[^<]*</time>(.*?)</li>", html, re.S)
    assert [re.sub(r"XS\d{4}-", "XS-", t.strip()) for t in timeline] == [
        "受理线索、开始核查 · insp：受理线索XS-000001",
        "指派执法人员 · insp：指派insp",
    ]
    assert '<option value="propose_filing">' in html  # an officer of the case may propose filing
    assert "add_evidence" in html  # offered through the CLI: it carries evidence
    r = app_client.post(
        f"/console/cases/{case_no}/step", data={"action": "propose_filing", "reason": "建议立案"}
    )
    assert r.url.path == f"/console/cases/{case_no}" and 'case-state">立案审批<' in r.text
    assert "已办理：提请立案" in r.text
    assert ("insp", "case.propose_filing", case_no) in audit_actions(case_db)
    # a step the role may not take is refused by the library, whatever the form says
    refused = app_client.post(
        f"/console/cases/{case_no}/step", data={"action": "approve_filing", "reason": "x"}
    )
    assert refused.status_code == 403
    app_client.post("/console/logout")
    log_in(app_client, "boss")
    html = app_client.get(f"/console/cases/{case_no}").text
    assert '<option value="approve_filing">' in html and '<option value="propose_filing">' not in html
    # the two-officer rule of the procedure holds in the console too: one officer is not enough
    r = app_client.post(f"/console/cases/{case_no}/step", data={"action": "approve_filing", "reason": "同意"})
    assert r.status_code == 409, r.text
    assert "立案须有不少于2名执法人员（现1名）" in r.text
    assert 'case-state">立案审批<' in app_client.get(f"/console/cases/{case_no}").text
    app_client.post("/console/logout")
    log_in(app_client, "h2user")
    assert app_client.get("/console/cases").status_code == 403


def test_rule_library_with_findings_and_confirmed_precision(app_client: TestClient, case_db: str) -> None:
    log_in(app_client, "insp")
    app_client.post(f"/console/institutions/{H2}/open-case")  # its finding becomes a clue finding
    engine = create_engine(case_db)
    with open_session(engine) as session:
        h2 = get_user(session, "h2user")
        finding_id = list_findings(session, h2)[0][0].finding_id
        appeal = submit_appeal(session, h2, finding_id, "该商品为医用耗材，非生活用品")
        review_appeal(session, get_user(session, "insp"), appeal.id, "confirmed", "现场核实为生活用品")
    engine.dispose()
    html = app_client.get("/console/rules").text
    rows = cells(html, "rules")
    assert len(rows) == len(load_library())
    row = next(r for r in rows if LIBRARY_RULE in r[0])
    assert row[1] == "串换药品/项目" and row[6:] == ["1", "1/0/0", "100%"]
    others = [r for r in rows if LIBRARY_RULE not in r[0]]
    assert all(r[8] == "—" for r in others)
    app_client.post("/console/logout")
    log_in(app_client, "h2user")
    assert app_client.get("/console/rules").status_code == 403
