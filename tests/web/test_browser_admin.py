"""系统管理 and the rule library in real headless Chromium, on the shared `yibao serve` of a screened city:
the director creates a user who then logs in; an inspector opens a rule's detail page from the rule
library and the knowledge base. Screenshots go to test-artifacts/web/admin-*.png and rule-*.png."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest
from browserfix import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS
from webfix import PASSWORD

pytestmark = pytest.mark.slow

UNLABELLED = (
    "[...document.querySelectorAll('select, input:not([type=hidden]), textarea')]"
    ".filter(e => e.labels.length === 0).map(e => e.name || e.id)"
)


def test_the_director_creates_a_user_who_then_logs_in(server: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1366, "height": 768}, locale="zh-CN")
            page.goto(f"{server}/console/login")
            page.get_by_label("用户名").fill("boss")
            page.get_by_label("密码").fill(PASSWORD)
            page.get_by_role("button", name="登录").click()
            page.get_by_role("navigation", name="主导航").get_by_role("link", name="系统管理").click()
            expect(page.get_by_role("heading", name="用户管理")).to_be_visible()
            assert page.evaluate(UNLABELLED) == []
            # the create form, by its labels; a mistyped confirmation is said and nothing is created
            page.get_by_label("用户名（登录名）").fill("browser_li")
            page.get_by_label("姓名").fill("李核查")
            page.get_by_label("角色").select_option("inspector")
            page.get_by_label("执法证号（执法人员）").fill("执法0777")
            page.get_by_label("初始密码（至少8位）").fill("li-pass-2026")
            page.get_by_label("再次输入密码").fill("li-pass-2027")
            page.get_by_role("button", name="创建用户").click()
            expect(page.get_by_role("alert")).to_contain_text("两次输入的密码不一致")
            expect(page.get_by_label("用户名（登录名）")).to_have_value("browser_li")
            page.get_by_label("初始密码（至少8位）").fill("li-pass-2026")
            page.get_by_label("再次输入密码").fill("li-pass-2026")
            page.get_by_role("button", name="创建用户").click()
            expect(page.get_by_test_id("admin-done")).to_have_text("已创建用户：browser_li")
            row = page.locator("#users tbody tr", has_text="browser_li")
            expect(row).to_contain_text("稽查员")
            expect(row).to_contain_text("执法0777")
            assert page.evaluate("document.documentElement.scrollWidth") <= 1366
            page.screenshot(path=str(ARTIFACTS / "admin-users.png"), full_page=True)

            row.get_by_role("link", name="browser_li").click()
            expect(page.get_by_role("heading", level=1)).to_contain_text("browser_li")
            assert page.evaluate(UNLABELLED) == []
            page.screenshot(path=str(ARTIFACTS / "admin-user.png"), full_page=True)

            page.get_by_role("navigation", name="系统管理").get_by_role("link", name="角色与权限").click()
            expect(page.locator("#roles tbody tr").first).to_be_visible()
            page.screenshot(path=str(ARTIFACTS / "admin-roles.png"), full_page=True)
            page.get_by_role("navigation", name="系统管理").get_by_role("link", name="政策参数").click()
            expect(page.locator("#penalty_articles tr.in-force").first).to_be_visible()
            assert page.evaluate(UNLABELLED) == []
            page.screenshot(path=str(ARTIFACTS / "admin-params.png"), full_page=False)
            page.get_by_role("navigation", name="系统管理").get_by_role("link", name="审计日志").click()
            page.get_by_label("操作", exact=True).select_option("user.create")
            page.get_by_role("button", name="查询").click()
            expect(page.locator("#audit tbody tr").first).to_contain_text("browser_li")
            assert page.evaluate(UNLABELLED) == []
            page.screenshot(path=str(ARTIFACTS / "admin-audit.png"), full_page=True)
            page.get_by_role("button", name="退出登录").click()

            # the new user logs in, by keyboard
            expect(page.get_by_label("用户名")).to_be_focused()
            page.keyboard.type("browser_li")
            page.keyboard.press("Tab")
            page.keyboard.type("li-pass-2026")
            page.keyboard.press("Enter")
            expect(page.get_by_test_id("current-user")).to_have_text("李核查（稽查员）")
            expect(page.get_by_role("link", name="系统管理")).to_have_count(0)
        finally:
            browser.close()


def test_an_inspector_opens_a_rule_from_the_rule_library(server: str, city: tuple[Path, str]) -> None:
    from playwright.sync_api import expect, sync_playwright

    db, _ = city
    con = duckdb.connect(str(db), read_only=True)
    detector, n = con.execute(
        "SELECT detector, count(*) FROM findings GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1"
    ).fetchone() or ("", 0)
    con.close()
    rule_id = detector.split("@")[0]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1366, "height": 768}, locale="zh-CN")
            page.goto(f"{server}/console/rules")
            page.get_by_label("用户名").fill("wang")
            page.get_by_label("密码").fill(PASSWORD)
            page.get_by_role("button", name="登录").click()
            expect(page.get_by_role("heading", name="规则库")).to_be_visible()
            page.screenshot(path=str(ARTIFACTS / "rule-library.png"), full_page=False)
            page.locator(f"#rules a[href='/console/rules/{rule_id}']").click()
            expect(page.get_by_test_id("rule-detector")).to_have_text(detector)
            expect(page.get_by_test_id("rule-sql")).to_contain_text("SELECT")
            expect(page.get_by_test_id("rule-findings-summary")).to_contain_text(f"当前版本共 {n} 条疑点")
            assert page.locator("#rule-cases [data-fires='1']").count() >= 1
            assert page.locator("#rule-cases [data-fires='0']").count() >= 1
            assert page.locator("table.findings tbody tr").count() == min(20, n)
            assert page.evaluate("document.documentElement.scrollWidth") <= 1366
            page.screenshot(path=str(ARTIFACTS / "rule-detail.png"), full_page=True)
            # the SQL can be scrolled from the keyboard
            page.get_by_test_id("rule-sql").focus()
            expect(page.get_by_test_id("rule-sql")).to_be_focused()
            page.get_by_role("link", name="规则库").first.click()
            page.get_by_role("link", name="知识库").first.click()
            expect(page.get_by_role("heading", name="知识库")).to_be_visible()
            page.get_by_role("link", name="限定频次/限额（item_limit）").click()
            expect(page.get_by_test_id("knowledge-summary")).to_be_visible()
            assert page.evaluate(UNLABELLED) == []
            page.get_by_label("在此日期有效").fill("2025-03-01")
            page.get_by_role("button", name="查询").press("Enter")
            expect(page).to_have_url(re.compile(r"on=2025-03-01"))
            page.screenshot(path=str(ARTIFACTS / "rule-knowledge.png"), full_page=True)
        finally:
            browser.close()
