"""The rule detail page and the knowledge-base browser, over the hand-made store (webfix.build_store)."""

from __future__ import annotations

import html as htmllib
import re
from pathlib import Path

from sqlalchemy import create_engine
from webfix import H2, LIBRARY_RULE, TestClient, cells, log_in

from yibao.auth.users import get_user
from yibao.cases.appeals import list_findings, review_appeal, submit_appeal
from yibao.cases.db import open_session
from yibao.findings import Finding, Grade, Level, Violation
from yibao.findings_store import replace_findings
from yibao.rules.loader import load_library
from yibao.store import connect
from yibao.web.knowledge import restriction_text
from yibao.web.rulebook import readers_of, table_uses

RULE_ID = LIBRARY_RULE.split("@")[0]


def _audit(case_db: str) -> list[tuple[str, str, str]]:
    engine = create_engine(case_db)
    with engine.connect() as con:
        rows = con.exec_driver_sql("SELECT actor, action, object_id FROM audit_log ORDER BY seq").all()
    engine.dispose()
    return [tuple(r) for r in rows]


def _text(html: str, testid: str) -> str:
    m = re.search(rf'data-testid="{testid}"[^>]*>(?:<code>)?(.*?)(?:</code>)?</(?:pre|p|code)>', html, re.S)
    assert m is not None, testid
    return htmllib.unescape(m.group(1))


def test_rules_page_links_each_rule_to_its_detail_page(app_client: TestClient) -> None:
    log_in(app_client, "insp")
    html = app_client.get("/console/rules").text
    links = re.findall(r'<a href="/console/rules/([a-z0-9_]+)">', html)
    assert links == [r.id for r in load_library()]
    assert 'href="/console/knowledge"' in html


def test_detail_page_shows_sql_cases_findings_versions_and_appeals(
    app_client: TestClient, store: Path, case_db: str
) -> None:
    rule = next(r for r in load_library() if r.detector == LIBRARY_RULE)
    # an older version's finding is still in the store: the versions table shows both side by side
    con = connect(store)
    old = Finding(
        Violation.ITEM_SUBSTITUTION, f"{RULE_ID}@0", Level.LINE, 12.5, 0.9, Grade.DEFINITE, "旧版疑点",
        feedetl_sn="L5", mdtrt_id="M3", psn_no="P1", fixmedins_code="H43010200001",
    )  # fmt: skip
    replace_findings(con, old.detector, [old])
    con.close()
    log_in(app_client, "insp")
    app_client.post(f"/console/institutions/{H2}/open-case")  # its finding becomes a clue finding
    engine = create_engine(case_db)
    with open_session(engine) as session:
        h2 = get_user(session, "h2user")
        finding_id = list_findings(session, h2)[0][0].finding_id
        appeal = submit_appeal(session, h2, finding_id, "该商品为医用耗材，非生活用品")
        review_appeal(session, get_user(session, "insp"), appeal.id, "confirmed", "现场核实为生活用品")
    engine.dispose()

    r = app_client.get(f"/console/rules/{RULE_ID}")
    assert r.status_code == 200
    html = r.text
    assert f'data-testid="rule-detector">{LIBRARY_RULE}<' in html
    assert _text(html, "rule-sql") == rule.sql  # the SQL itself, as packaged
    assert _text(html, "rule-evidence") == rule.evidence and _text(html, "rule-reference") == rule.reference
    # its own test cases, each as small tables, marked fires / stays silent
    fires = html.count('data-fires="1"')
    silent = html.count('data-fires="0"')
    assert (fires, silent) == (
        sum(1 for c in rule.tests if c.output),
        sum(1 for c in rule.tests if not c.output),
    )
    assert fires >= 1 and silent >= 1
    first = rule.tests[0]
    assert htmllib.escape(first.name, quote=False) in html
    for table in first.input:
        assert f"<caption>输入 {table}</caption>" in html
    # the findings it has in the store, the versions, the appeal and the confirmed precision
    assert "当前版本共 <strong>1</strong> 条疑点，金额合计 30.00 元；明确违规 1 条" in html
    assert "串换药品：生活用品按药品结算" in html and "旧版疑点" not in html
    versions = cells(html, "rule-versions")
    assert versions == [
        [f"{RULE_ID}@0", "1", "12.50", "0/0/0", "—"],
        [f"{LIBRARY_RULE}（当前）", "1", "30.00", "1/0/0", "100%"],
    ]
    appeals = cells(html, "rule-appeals")
    assert len(appeals) == 1 and appeals[0][5] == "维持（疑点成立）" and "医用耗材" in appeals[0][4]
    assert 'data-testid="rule-precision">100%<' in html
    assert ("insp", "finding.read", LIBRARY_RULE) in _audit(case_db)
    # the knowledge tables it reads link to the browser
    for use in table_uses(rule):
        assert f'href="/console/knowledge?table={use.table}"' in html


def test_detail_page_of_a_rule_with_parameters_and_without_findings(app_client: TestClient) -> None:
    rule = next(r for r in load_library() if r.params)
    log_in(app_client, "auditor")
    html = app_client.get(f"/console/rules/{rule.id}").text
    params = cells(html, "rule-params")
    assert [p[0] for p in params] == list(rule.params)
    assert params[0][2] == str(next(iter(rule.params.values())).default)
    assert "当前版本共 <strong>0</strong> 条疑点" in html
    assert cells(html, "rule-appeals") == [["本规则的疑点尚无申诉。"]]


def test_unknown_rule_and_roles_without_finding_read(app_client: TestClient) -> None:
    log_in(app_client, "insp")
    assert app_client.get("/console/rules/no_such_rule").status_code == 404
    app_client.post("/console/logout")
    log_in(app_client, "h2user")
    assert app_client.get(f"/console/rules/{RULE_ID}").status_code == 403
    assert app_client.get("/console/knowledge").status_code == 403


def _knowledge(store: Path) -> None:
    con = connect(store)
    con.execute(
        "INSERT INTO catalog (med_list_codg, name, list_type, lmt_gend, begndate, enddate) VALUES "
        "('X001', '黄体酮注射液', '101', '2', DATE '2024-01-01', DATE '2024-12-31'), "
        "('X001', '黄体酮注射液', '101', '2', DATE '2025-01-01', NULL)"
    )
    con.execute(
        "INSERT INTO catalog (med_list_codg, name, list_type, lmt_age_max, lmt_hosp_lv, max_daily_cnt) VALUES "
        "('X002', '小儿氨酚黄那敏颗粒', '101', 14, '2', 3)"
    )
    con.execute(
        "INSERT INTO item_rule (code_a, code_b, relation, scope, begndate) VALUES "
        "('C001', 'C003', 'exclusive', 'day', DATE '2025-06-01'), ('X001', 'C002', 'requires', NULL, NULL)"
    )
    con.execute(
        "INSERT INTO item_limit (med_list_codg, period, max_cnt, begndate) VALUES "
        "('C001', 'day', 2, DATE '2025-01-01'), ('C003', 'month', 1, NULL)"
    )
    con.close()


def test_knowledge_browser_filters_by_item_and_date(app_client: TestClient, store: Path) -> None:
    _knowledge(store)
    log_in(app_client, "insp")
    html = app_client.get("/console/knowledge").text
    # only catalogue rows that carry a restriction: the three above, not the plain rows of build_store
    rows = cells(html, "knowledge")
    assert [r[0] for r in rows] == ["X001", "X001", "X002"]
    assert rows[2][3] == "限0–14岁；限二级及以上医院；单日最多3"
    assert rows[0][3] == "限女性" and rows[0][4:] == ["2024-01-01", "2024-12-31"]
    # by name, and in force on a date: the 2024 row has ended
    rows = cells(app_client.get("/console/knowledge?q=黄体酮&on=2025-03-01").text, "knowledge")
    assert rows == [["X001", "黄体酮注射液", "西药中成药", "限女性", "2025-01-01", "—"]]
    rows = cells(app_client.get("/console/knowledge?q=x002").text, "knowledge")  # code, any case
    assert [r[0] for r in rows] == ["X002"]
    # item_rule: code or the catalogue name of either side; the date filter honours begndate
    html = app_client.get("/console/knowledge?table=item_rule&q=血常规").text
    rows = cells(html, "knowledge")
    assert len(rows) == 1 and rows[0][0] == "C001 血常规" and rows[0][1] == "互斥" and rows[0][3] == "同日"
    assert (
        cells(app_client.get("/console/knowledge?table=item_rule&on=2025-05-31").text, "knowledge")[0][1]
        == "须伴随"
    )
    assert (
        len(cells(app_client.get("/console/knowledge?table=item_rule&on=2025-06-01").text, "knowledge")) == 2
    )
    rows = cells(app_client.get("/console/knowledge?table=item_limit&on=2024-12-31").text, "knowledge")
    assert rows == [["C003", "C反应蛋白", "每月 最多1次", "—", "—"]]
    # which rules read the table, linked to their pages
    direct, via = readers_of("item_limit")
    readers = direct + [rule for rule, _names in via]
    assert "item_limit_exceeded" in {rule.id for rule in readers}  # through the prelude's item_limit_x
    html = app_client.get("/console/knowledge?table=item_limit").text
    for rule in readers:
        assert f'<a href="/console/rules/{rule.id}">{htmllib.escape(rule.label, quote=False)}</a>' in html
    # a bad date is said, not an error; unknown tables fall back to the catalogue
    html = app_client.get("/console/knowledge?on=2025-13-01&table=evil").text
    assert "日期格式应为 YYYY-MM-DD" in html and 'id="knowledge"' in html


def test_knowledge_paging(app_client: TestClient, store: Path) -> None:
    con = connect(store)
    con.executemany(
        "INSERT INTO item_limit (med_list_codg, period, max_cnt) VALUES (?, 'day', 1)",
        [(f"Z{i:03d}",) for i in range(120)],
    )
    con.close()
    log_in(app_client, "insp")
    pages = [
        cells(app_client.get(f"/console/knowledge?table=item_limit&page={p}").text, "knowledge")
        for p in (1, 2, 3, 9)
    ]
    assert [len(p) for p in pages] == [50, 50, 20, 20]
    assert pages[0][0][0] == "Z000" and pages[2][-1][0] == "Z119" and pages[3] == pages[2]


def test_restriction_text_reads_every_field() -> None:
    text = restriction_text(
        {"lmt_gend": "1", "lmt_age_min": 18, "lmt_dise": "N40", "lmt_med_type": "21", "lmt_dept": "A05",
         "lmt_dept_excl": "A28", "lmt_inst_type": "B3", "lmt_age_max_days": 28, "single_herb_unpaid": True,
         "pric_uplmt": 99.5}
    )  # fmt: skip
    assert text == (
        "限男性；限18–∞岁；限出生28天内；限适应症 N40；限就医方式 21；限科室 A05；除外科室 A28；"
        "机构类别 B3 不限科室；单味使用不予支付；最高限价99.5元"
    )
