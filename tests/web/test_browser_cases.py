"""End to end in real headless Chromium: a director and two officers carry a case opened on the riskiest
institution of the screened city through filing, evidence, the end of the investigation, legal review,
notice and decision (its amount computed by the penalties library and shown before it is confirmed), and
download the decision document. Screenshots go to test-artifacts/web/case-*.png."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest
from browserfix import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS
from docx import Document
from sqlalchemy import select
from webfix import PASSWORD

from yibao.auth.models import User
from yibao.auth.users import create_user, get_user
from yibao.cases.db import make_engine, open_session
from yibao.penalties.calculator import PenaltyInput, calculate

pytestmark = pytest.mark.slow

VIOLATION_DAY = datetime.now(UTC).date() - timedelta(days=30)
PEOPLE = {  # username: (role, display name, 执法证号)
    "li": ("case_officer", "李承办", "执法0101"),
    "zhao": ("case_officer", "赵承办", "执法0102"),
    "fa": ("legal_reviewer", "钱法审", None),
}


def _add_people(case_url: str) -> None:
    engine = make_engine(case_url)
    with open_session(engine) as session:
        names = set(session.execute(select(User.username)).scalars())
        boss = get_user(session, "boss")
        for name, (role, shown, cert) in PEOPLE.items():
            if name not in names:
                create_user(session, boss, name, PASSWORD, role, display_name=shown, cert_no=cert)
    engine.dispose()


def _unlabelled(page: Any) -> list[str]:
    return page.evaluate(
        "[...document.querySelectorAll('select, input:not([type=hidden]), textarea')]"
        ".filter(e => e.labels.length === 0).map(e => e.name)"
    )


def test_director_and_two_officers_carry_a_case_to_its_decision(server: str, city: tuple[Path, str]) -> None:
    from playwright.sync_api import expect, sync_playwright

    db, case_url = city
    _add_people(case_url)
    con = duckdb.connect(str(db), read_only=True)
    riskiest = con.execute(
        "SELECT m.fixmedins_code, m.fixmedins_name, m.admdvs FROM risk_scores r "
        "JOIN medins m ON m.fixmedins_code = r.entity_key "
        "WHERE r.level = 'institution' ORDER BY r.risk DESC, m.fixmedins_code LIMIT 1"
    ).fetchone()
    con.close()
    assert riskiest is not None
    code, name, region = riskiest
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            pages: dict[str, Any] = {}

            def as_user(username: str) -> Any:
                """Each person in a browser context of their own (their own session cookie)."""
                if username not in pages:
                    context = browser.new_context(
                        viewport={"width": 1366, "height": 768}, locale="zh-CN", accept_downloads=True
                    )
                    page = context.new_page()
                    page.goto(f"{server}/console/login")
                    page.get_by_label("用户名").fill(username)
                    page.get_by_label("密码").fill(PASSWORD)
                    page.keyboard.press("Enter")
                    expect(page.get_by_role("button", name="退出登录")).to_be_visible()
                    pages[username] = page
                return pages[username]

            def open_case(page: Any) -> None:
                page.goto(f"{server}/console/cases/{case_no}")
                expect(page.get_by_role("heading", level=1)).to_contain_text(case_no)

            def step(page: Any, action: str, reason: str) -> None:
                page.get_by_label("操作", exact=True).select_option(action)
                page.get_by_label("理由 / 意见").fill(reason)
                page.get_by_role("button", name="办理", exact=True).click()
                expect(page.get_by_test_id("step-done")).to_be_visible()

            # an officer opens a case on the riskiest institution's findings, from its profile
            li = as_user("li")
            li.goto(f"{server}/console/institutions/{code}")
            expect(li.get_by_role("heading", level=1)).to_contain_text(name)
            li.get_by_role("button", name="对本机构疑点开案核查").click()
            li.wait_for_url(re.compile(r"opened=|/open-case$"))
            if "opened=" in li.url:
                case_no = re.search(r"AJ\d{4}-\d{5}", li.get_by_test_id("case-opened").inner_text())[0]
            else:  # the other browser test of this session opened it already: carry that case on
                li.goto(f"{server}/console/institutions/{code}")
                case_no = li.locator("#cases tbody tr").first.get_by_role("link").inner_text().strip()
            open_case(li)
            if li.get_by_test_id("case-state").inner_text() == "线索核查":
                step(li, "propose_filing", "疑点集中，建议立案")
            expect(li.get_by_test_id("case-state")).to_have_text("立案审批")
            li.screenshot(path=str(ARTIFACTS / "case-proposed.png"), full_page=True)

            # the director staffs the case with two certified officers (anyone else withdraws) and files it
            boss = as_user("boss")
            open_case(boss)
            for who in ("li", "zhao"):
                options = boss.locator("#assign-user option").evaluate_all("os => os.map(o => o.value)")
                if who in options:
                    boss.get_by_label("指派执法人员").select_option(who)
                    boss.get_by_role("button", name="指派", exact=True).click()
                    expect(boss.get_by_test_id("step-done")).to_have_text("已办理：指派执法人员")
            others = [
                o
                for o in boss.locator("#withdraw-user option").evaluate_all("os => os.map(o => o.value)")
                if o not in ("li", "zhao")
            ]
            for other in others:  # e.g. the inspector of the other test: the director decides 回避
                boss.get_by_label("回避人员").select_option(other)
                boss.get_by_label("回避理由").fill("工作调整，另行指派")
                boss.get_by_role("button", name="决定回避").click()
                expect(boss.get_by_test_id("step-done")).to_have_text("已办理：执法人员回避")
            assert _unlabelled(boss) == []
            boss.screenshot(path=str(ARTIFACTS / "case-officers.png"), full_page=True)
            step(boss, "approve_filing", "同意立案")
            expect(boss.get_by_test_id("case-state")).to_have_text("调查取证")

            # li registers evidence and ends the investigation; the penalty is computed before confirming
            open_case(li)
            li.get_by_role("link", name="登记证据").click()
            # by keyboard: type the evidence, Tab past the note to the submit button, Enter
            li.get_by_label("证据名称及证明内容").focus()
            li.keyboard.type("现场检查笔录；住院病历与费用明细")
            li.keyboard.press("Tab")
            expect(li.get_by_label("办理说明")).to_be_focused()
            li.keyboard.press("Tab")
            expect(li.get_by_role("button", name="提交")).to_be_focused()
            li.keyboard.press("Enter")
            expect(li.get_by_test_id("step-done")).to_have_text("已办理：登记证据")
            li.get_by_role("link", name="调查终结，提出处理意见").click()
            assert _unlabelled(li) == []
            expect(li.get_by_label("违反的条例条款")).to_have_value("38")
            amount = Decimal(li.get_by_label("涉案金额（元，造成损失或骗取金额）").input_value())
            li.get_by_label("违法行为发生日期").fill(str(VIOLATION_DAY))
            # the facts are missing: said in the summary and beside the field, whose link leads to it
            li.get_by_role("button", name="计算并核对").click()
            expect(li.get_by_test_id("form-errors")).to_contain_text("请填写违法事实")
            expect(li.get_by_label("违法行为发生日期")).to_have_value(str(VIOLATION_DAY))  # typed, kept
            li.screenshot(path=str(ARTIFACTS / "case-form-errors.png"), full_page=True)
            li.get_by_role("link", name="请填写违法事实").click()
            expect(li.get_by_label("违法事实")).to_be_focused()
            li.keyboard.type("经查，该院存在挂床住院、重复收费等违规使用医保基金行为。")
            li.get_by_role("button", name="计算并核对").click()
            expected = calculate(PenaltyInput(38, amount, VIOLATION_DAY, region=str(region)))
            shown = li.get_by_test_id("preview-fine").inner_text()
            assert Decimal(shown.removesuffix(" 元").replace(",", "")) == expected.proposed_fine
            expect(li.get_by_test_id("explanation")).to_contain_text(expected.explanation[-1])
            assert li.evaluate("document.documentElement.scrollWidth") <= 1366
            li.screenshot(path=str(ARTIFACTS / "case-conclusion.png"), full_page=True)
            li.get_by_role("button", name="确认调查终结，提出处理意见").click()
            expect(li.get_by_test_id("case-state")).to_have_text("调查终结")
            step(li, "submit_review", "提请法制审核")
            expect(li.get_by_test_id("case-state")).to_have_text("法制审核")

            # the legal reviewer approves
            fa = as_user("fa")
            open_case(fa)
            step(fa, "approve_review", "事实清楚，证据确凿，适用依据正确")
            expect(fa.get_by_test_id("case-state")).to_have_text("法制审核通过")

            # zhao notifies the party of the intended penalty, as proposed
            zhao = as_user("zhao")
            open_case(zhao)
            zhao.get_by_role("link", name="送达行政处罚事先告知书").click()
            expect(zhao.get_by_label("罚款（元）")).to_have_value(str(expected.proposed_fine))
            zhao.get_by_role("button", name="计算并核对").click()
            zhao.get_by_role("button", name="确认送达行政处罚事先告知书").click()
            expect(zhao.get_by_test_id("case-state")).to_have_text("已告知（陈述申辩期）")

            # the director decides: the amount computed from the dated parameters is shown, then confirmed
            open_case(boss)
            boss.get_by_role("link", name="作出决定").click()
            expect(boss.get_by_test_id("proposal")).to_contain_text(f"{expected.proposed_fine}元")
            boss.get_by_role("button", name="计算并核对").click()
            fine = boss.get_by_test_id("preview-fine").inner_text()
            assert Decimal(fine.removesuffix(" 元").replace(",", "")) == expected.proposed_fine
            boss.screenshot(path=str(ARTIFACTS / "case-decision.png"), full_page=True)
            boss.get_by_role("button", name="确认作出决定").click()
            expect(boss.get_by_test_id("case-state")).to_have_text("已作出决定")
            expect(boss.get_by_test_id("decision-terms")).to_contain_text(f"处罚款{expected.proposed_fine}元")
            expect(boss.locator("#timeline")).to_contain_text("证据：现场检查笔录")
            assert boss.evaluate("document.documentElement.scrollWidth") <= 1366
            boss.screenshot(path=str(ARTIFACTS / "case-decided.png"), full_page=True)

            with boss.expect_download() as info:
                boss.get_by_role("link", name="下载行政处罚决定书（.docx）").click()
            target = ARTIFACTS / "case-decision.docx"
            info.value.save_as(str(target))
            text = "\n".join(p.text for p in Document(io.BytesIO(target.read_bytes())).paragraphs)
            assert "行政处罚决定书" in text and f"处罚款{expected.proposed_fine}元" in text
            assert case_no.rsplit("-", 1)[1] in text
        finally:
            browser.close()
