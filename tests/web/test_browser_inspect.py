"""End to end in real headless Chromium: on the shared `yibao serve`, a director imports the targets and
draws a month's plan, an inspector records a result against the checklist, coverage counts it, and the
institution's profile shows the inspection and its credit grade. Screenshots: inspection-*.png."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from browserfix import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS
from sqlalchemy import create_engine
from webfix import PASSWORD

from yibao.auth.users import get_user
from yibao.cases.db import open_session
from yibao.inspections.directory import import_inspectors

pytestmark = pytest.mark.slow

INSPECTORS = """code,name,category,cert_no,org_code
BI1,赵执法,officer,执法B1,
BI2,钱执法,officer,执法B2,
BI3,孙执法,officer,执法B3,
BI4,李执法,officer,执法B4,
"""
UNLABELLED = (
    "[...document.querySelectorAll('select, input:not([type=hidden]), textarea')]"
    ".filter(e => e.labels.length === 0).map(e => e.name)"
)


def _log_in(page: object, server: str, username: str) -> None:
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    page.goto(f"{server}/console/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("current-user")).to_be_visible()


def test_director_draws_inspector_records_coverage_and_profile_show_it(
    server: str, city: tuple[Path, str], tmp_path: Path
) -> None:
    from playwright.sync_api import expect, sync_playwright

    _, case_url = city
    (tmp_path / "inspectors.csv").write_text(INSPECTORS, encoding="utf-8")
    engine = create_engine(case_url)
    with open_session(engine) as s:  # the inspector directory, as `yibao inspect inspectors` loads it
        import_inspectors(s, get_user(s, "boss"), tmp_path / "inspectors.csv")
    engine.dispose()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    today = datetime.now(UTC).date()

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1366, "height": 768}, locale="zh-CN")
            _log_in(page, server, "boss")
            page.get_by_role("navigation", name="主导航").get_by_role("link", name="检查计划").click()
            expect(page.get_by_role("heading", level=1)).to_have_text("检查计划（双随机一公开）")
            page.get_by_role("button", name="从数据库导入检查对象").click()
            expect(page.get_by_test_id("targets-imported")).to_contain_text("已从数据库导入检查对象")
            assert page.evaluate(UNLABELLED) == []
            expect(page.get_by_label("计划月份")).to_have_value(f"{today.year}-{today.month:02d}")
            page.get_by_label("抽取家数").fill("3")
            page.get_by_label("公开的随机种子（空则生成）").fill("browser-seed-1")
            page.get_by_role("button", name="抽取并保存计划").click()

            expect(page.get_by_test_id("plan-drawn")).to_contain_text("抽中 3 家")
            expect(page.get_by_test_id("plan-seed")).to_have_text("browser-seed-1")
            expect(page.get_by_test_id("plan-hash")).to_have_text(re.compile(r"^[0-9a-f]{64}$"))
            expect(page.get_by_test_id("plan-redo")).to_contain_text("一致")
            assert page.locator("#teams tbody tr").count() == 3
            plan_url = page.url.split("?", 1)[0]
            assert page.evaluate("document.documentElement.scrollWidth") <= 1366
            page.screenshot(path=str(ARTIFACTS / "inspection-plan.png"), full_page=True)
            page.get_by_role("navigation", name="检查计划栏目").get_by_role("link", name="抽查计划").click()
            listed = page.locator("#plans tbody tr").first
            expect(listed).to_contain_text(plan_url.rsplit("/", 1)[1])
            expect(listed).to_contain_text("browser-seed-1")
            page.screenshot(path=str(ARTIFACTS / "inspection-plans.png"), full_page=True)
            page.get_by_role("button", name="退出登录").click()

            _log_in(page, server, "wang")
            page.goto(plan_url)
            first = page.locator("#teams tbody tr").first
            link = first.locator("a[href^='/console/institutions/']")
            name, inst = link.inner_text(), str(link.get_attribute("href")).rsplit("/", 1)[1]
            first.get_by_role("link", name=re.compile("^登记结果")).click()
            expect(page.get_by_role("heading", level=1)).to_have_text("现场检查清单")
            expect(page.get_by_label("被检查机构")).to_have_value(inst)
            expect(page.get_by_label("所属抽查计划")).to_have_value(plan_url.rsplit("/", 1)[1])
            assert page.evaluate(UNLABELLED) == []
            item = page.locator("fieldset.item").first
            code = item.get_attribute("data-item")
            item.get_by_label("不符合").check()
            page.get_by_label("涉及金额（元）").fill("860")
            page.get_by_label("检查结论与处理").fill("未按规定公示价格，责令整改")
            page.screenshot(path=str(ARTIFACTS / "inspection-checklist.png"), full_page=True)
            page.get_by_role("button", name="登记检查结果").click()

            expect(page.get_by_test_id("result-recorded")).to_be_visible()
            expect(page.locator("#teams tbody tr").first).to_contain_text("问题 1 项")

            page.get_by_role("link", name="全覆盖进度").click()
            expect(page.locator("#chart-coverage[data-rendered='1'] svg").first).to_be_visible()
            total = page.locator("#kinds tbody tr.total td")
            expect(total.nth(4)).to_have_text("1")  # institutions covered this year
            expect(total.nth(9)).to_have_text("1")  # with problems
            expect(total.nth(10)).to_have_text("860.00")
            assert page.evaluate(UNLABELLED) == []
            assert page.evaluate("document.documentElement.scrollWidth") <= 1366
            page.screenshot(path=str(ARTIFACTS / "inspection-coverage.png"), full_page=True)

            page.goto(plan_url)
            page.locator("#teams tbody tr").first.get_by_role("link", name=name, exact=True).click()
            expect(page.get_by_role("heading", level=1)).to_contain_text(name)
            row = page.locator("#inst-results tbody tr").first
            expect(row).to_contain_text(today.isoformat())
            expect(row).to_contain_text(f"{code} ")
            expect(row).to_contain_text("未按规定公示价格，责令整改")
            expect(page.locator("#inst-plans tbody tr").first).to_contain_text(plan_url.rsplit("/", 1)[1])
            expect(page.get_by_test_id("credit-grade")).to_contain_text("级")
            expect(page.locator("#credit-history tbody tr").first).to_contain_text("检查问题 -2.0")
            page.locator("#h-insp").scroll_into_view_if_needed()
            page.screenshot(path=str(ARTIFACTS / "inspection-institution.png"), full_page=True)
        finally:
            browser.close()
