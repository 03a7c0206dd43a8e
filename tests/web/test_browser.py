"""End to end in real headless Chromium (Debian's, driven by Playwright): `yibao serve` on a screened
synthetic city; an inspector logs in by keyboard, reads the overview, opens the riskiest institution,
drills to its suspect fee lines, opens a case on them and proposes filing. Screenshots go to test-artifacts/web/."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest
from browserfix import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS
from webfix import PASSWORD

pytestmark = pytest.mark.slow


def test_inspector_finds_the_riskiest_institution_and_its_suspect_fee_lines(
    server: str, city: tuple[Path, str]
) -> None:
    from playwright.sync_api import expect, sync_playwright

    db, _ = city
    con = duckdb.connect(str(db), read_only=True)  # the server holds no lock between requests
    riskiest = con.execute(
        "SELECT m.fixmedins_name FROM risk_scores r JOIN medins m ON m.fixmedins_code = r.entity_key "
        "WHERE r.level = 'institution' ORDER BY r.risk DESC, m.fixmedins_code LIMIT 1"
    ).fetchone()
    con.close()
    assert riskiest is not None
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1366, "height": 768}, locale="zh-CN")
            page.goto(f"{server}/console/")
            expect(page.get_by_role("heading", name="登录监管工作台")).to_be_visible()
            # by keyboard: the user name field has focus, Tab to the password, Enter to submit
            expect(page.get_by_label("用户名")).to_be_focused()
            page.keyboard.type("wang")
            page.keyboard.press("Tab")
            expect(page.get_by_label("密码")).to_be_focused()
            page.keyboard.type(PASSWORD)
            page.keyboard.press("Enter")

            expect(page.get_by_role("heading", name="监管概览")).to_be_visible()
            expect(page.get_by_test_id("current-user")).to_have_text("王稽查（稽查员）")
            for chart in ("chart-monthly", "chart-violations"):
                expect(page.locator(f"#{chart}[data-rendered='1'] svg").first).to_be_visible()
            assert page.evaluate("document.documentElement.scrollWidth") <= 1366
            page.screenshot(path=str(ARTIFACTS / "overview.png"), full_page=True)

            first = page.locator("#top-institutions tbody tr").first.get_by_role("link")
            expect(first).to_have_text(riskiest[0])
            first.click()
            expect(page.get_by_role("heading", level=1)).to_contain_text(riskiest[0])
            expect(page.get_by_test_id("risk-score")).to_be_visible()
            assert page.get_by_test_id("risk-reasons").locator("li").count() >= 1
            expect(page.locator("#chart-peers[data-rendered='1'] svg").first).to_be_visible()
            page.screenshot(path=str(ARTIFACTS / "institution.png"), full_page=True)

            page.get_by_role("link", name="查看本机构费用明细疑点").click()
            expect(page.get_by_role("heading", name="疑点查询")).to_be_visible()
            expect(page.get_by_label("层级")).to_have_value("line")
            unlabelled = page.evaluate(
                "[...document.querySelectorAll('select, input:not([type=hidden]), textarea')]"
                ".filter(e => e.labels.length === 0).map(e => e.name)"
            )
            assert unlabelled == []
            # the filters work from the keyboard: choose 定性 = 明确违规, then Enter on 查询
            page.get_by_label("定性").select_option("definite")
            page.get_by_role("button", name="查询").press("Enter")
            expect(page).to_have_url(re.compile(r"grade=definite"))
            expect(page.get_by_label("定性")).to_have_value("definite")
            expect(page.get_by_label("层级")).to_have_value("line")
            expect(page.get_by_test_id("findings-summary")).not_to_contain_text("共 0 条")
            assert page.evaluate("document.documentElement.scrollWidth") <= 1366
            page.screenshot(path=str(ARTIFACTS / "findings.png"), full_page=True)

            page.locator("table.findings tbody tr").first.locator("a[href^='/console/encounters/']").click()
            expect(page.get_by_role("heading", level=1)).to_contain_text("就诊")
            suspect = page.locator("#fee-lines tr.suspect")
            assert suspect.count() >= 1
            expect(suspect.first).to_contain_text("疑点 ·")
            expect(page.get_by_test_id("person")).to_contain_text("*")  # an inspector sees masked data
            page.screenshot(path=str(ARTIFACTS / "encounter.png"), full_page=True)

            # back to the institution by the breadcrumb, and open a case on its findings
            page.locator(".crumbs").get_by_role("link", name=riskiest[0]).click()
            page.get_by_role("button", name="对本机构疑点开案核查").click()
            expect(page.get_by_test_id("case-opened")).to_contain_text("已开案：AJ")
            expect(page.locator("#cases tbody tr").first).to_contain_text("线索核查")
            page.screenshot(path=str(ARTIFACTS / "case-opened.png"), full_page=True)

            page.locator("#cases tbody tr").first.get_by_role("link").click()
            expect(page.get_by_test_id("case-state")).to_have_text("线索核查")
            expect(page.locator("#timeline li").first).to_contain_text("受理线索")
            page.get_by_label("操作", exact=True).select_option("propose_filing")
            page.get_by_label("理由 / 意见").fill("疑点集中，建议立案")
            page.get_by_role("button", name="办理").click()
            expect(page.get_by_test_id("case-state")).to_have_text("立案审批")
            expect(page.get_by_test_id("step-done")).to_have_text("已办理：提请立案")
            page.screenshot(path=str(ARTIFACTS / "case.png"), full_page=True)
        finally:
            browser.close()


def test_a_reporter_files_a_report_on_a_phone_and_follows_it(server: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True)
            page.goto(f"{server}/public/")
            page.get_by_role("link", name="举报欺诈骗保").click()
            page.get_by_label("医保区划代码（6位）").fill("430102")
            page.get_by_label("被举报机构或个人").fill("某某大药房")
            page.get_by_label("举报内容（时间、地点、经过、证据线索）").fill("用医保卡购买日用品")
            # the form fits the phone's width: no sideways scrolling
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
            page.screenshot(path=str(ARTIFACTS / "public-report-phone.png"), full_page=True)
            page.get_by_role("button", name="提交举报").click()
            code = page.get_by_test_id("query-code").inner_text()
            report_no = page.get_by_test_id("report-no").inner_text()
            page.get_by_role("link", name="举报进度查询").click()
            page.get_by_label("查询码").fill(code)
            page.keyboard.press("Enter")
            expect(page.get_by_test_id("report-status")).to_contain_text(report_no)
            page.screenshot(path=str(ARTIFACTS / "public-follow-phone.png"), full_page=True)
        finally:
            browser.close()
