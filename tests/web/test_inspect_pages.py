"""The inspection pages (双随机一公开) and the profiles' inspection and credit histories, over the app
`yibao serve` builds: a director imports the targets and draws a plan, an inspector records results
against the checklist, coverage counts them, the profiles show them; refused roles get 403."""

from __future__ import annotations

import io
import json
import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import create_engine, select, text
from webfix import H1, H2, TestClient, cells, log_in

from yibao.auth.users import get_user
from yibao.cases.db import open_session
from yibao.credit.models import PracScore
from yibao.inspections.directory import add_relation, import_inspectors, import_targets
from yibao.inspections.draw import DrawInputs, draw, inputs_sha256
from yibao.inspections.models import InspPlan
from yibao.inspections.params import checklist
from yibao.inspections.plans import build_inputs

P3 = "P43010200003"
SEED = "seed-2026-console"
INSPECTORS = """code,name,category,cert_no,org_code
I1,赵执法,officer,执法I1,
I2,钱执法,officer,执法I2,
I3,孙执法,officer,执法I3,H43010200001
I4,李执法,officer,执法I4,
I5,周执法,officer,执法I5,
E1,吴专家,clinician,,
"""


def _today() -> date:
    return datetime.now(UTC).date()


@pytest.fixture
def directories(app_client: TestClient, case_db: str, tmp_path: Path) -> str:
    """The director imports the targets from the store in the console; inspectors, one pharmacy and
    one declared relation come from files, as `yibao inspect inspectors/targets/relation` load them."""
    log_in(app_client, "boss")
    r = app_client.post("/console/inspections/targets")
    assert r.status_code == 200 and r.url.path == "/console/inspections"
    assert "已从数据库导入检查对象 2 家" in r.text
    (tmp_path / "inspectors.csv").write_text(INSPECTORS, encoding="utf-8")
    (tmp_path / "targets.csv").write_text(
        f"fixmedins_code,name,kind,admdvs\n{P3},芙蓉区康民大药房,pharmacy,430102\n", encoding="utf-8"
    )
    engine = create_engine(case_db)
    with open_session(engine) as s:
        boss = get_user(s, "boss")
        import_inspectors(s, boss, tmp_path / "inspectors.csv")
        import_targets(s, boss, tmp_path / "targets.csv")
        add_relation(s, boss, "I4", H2, "配偶在该机构任职")
    engine.dispose()
    app_client.post("/console/logout")
    return case_db


def _draw(client: TestClient, **form: str) -> object:
    data = {"month": f"{_today().year}-01", "n": "2", "seed": SEED, "kinds": "hospital", "purpose": "routine"}
    return client.post("/console/inspections/plans", data={**data, **form})


def _answers(kind: str, fail: set[str] = frozenset(), na: set[str] = frozenset()) -> dict[str, str]:
    return {
        f"item-{i.code}": "fail" if i.code in fail else "na" if i.code in na else "pass"
        for i in checklist(kind).items
    }


def test_director_draws_a_plan_the_page_shows_teams_recusals_and_a_verifiable_draw(
    app_client: TestClient, directories: str
) -> None:
    log_in(app_client, "boss")
    page = app_client.get("/console/inspections").text
    assert '<a href="/console/inspections" aria-current="page">检查计划</a>' in page
    assert [row for row in cells(page, "directory") if row[0].startswith("检查对象")] == [
        ["检查对象：医院", "2"],
        ["检查对象：诊所", "0"],
        ["检查对象：药店", "1"],
    ]
    assert ["检查人员：执法人员", "5"] in cells(page, "directory")
    r = _draw(app_client)
    assert r.status_code == 200, r.text
    plan_no = r.url.path.rsplit("/", 1)[1]
    assert re.fullmatch(rf"CJ{_today().year}01-01", plan_no)
    assert "已抽取并保存计划" in r.text and "抽中 2 家" in r.text

    engine = create_engine(directories)
    with open_session(engine) as s:
        plan = s.execute(select(InspPlan)).scalar_one()
        inputs = DrawInputs.from_dict(json.loads(plan.spec))
        # the same library call as `yibao inspect draw --seed … --kinds hospital` gives the same plan
        again = draw(
            build_inputs(s, seed=SEED, n_targets=2, kinds=["hospital"], on=date(_today().year, 1, 1))
        )
        audit = s.execute(text("SELECT actor, action, object_id FROM audit_log ORDER BY seq")).all()
    engine.dispose()
    assert plan.seed == SEED and inputs_sha256(inputs) == plan.inputs_sha256 == again.inputs_sha256
    assert ("boss", "inspect.draw", plan_no) in [tuple(a) for a in audit]
    assert f'data-testid="plan-seed">{SEED}<' in r.text
    assert f'data-testid="plan-hash">{plan.inputs_sha256}<' in r.text
    assert "一致" in r.text.split('data-testid="plan-redo"', 1)[1].split("</dd>", 1)[0]

    teams = {row[1].split()[-1]: row for row in cells(r.text, "teams")}
    assert set(teams) == {H1, H2} == {t.fixmedins_code for t in again.teams}
    for t in again.teams:
        for code in t.officers:
            assert f"（{code}）" in teams[t.fixmedins_code][3]
    # 回避: I3 works at H1, I4 declared a relation with H2; neither is in that team
    assert "孙执法 （I3） ：本机构人员" in teams[H1][5] and "I3" not in teams[H1][3]
    assert "李执法 （I4） ：配偶在该机构任职" in teams[H2][5] and "I4" not in teams[H2][3]

    listed = cells(app_client.get("/console/inspections").text, "plans")
    assert listed[0][:6] == [
        plan_no,
        f"{_today().year}-01",
        "日常双随机检查",
        SEED,
        f"{plan.inputs_sha256[:16]}…",
        "2",
    ]


def test_draw_form_refuses_bad_input_and_keeps_what_was_typed(
    app_client: TestClient, directories: str
) -> None:
    log_in(app_client, "boss")
    r = _draw(app_client, month="2026-13", seed="mine")
    assert r.status_code == 400 and "计划月份须为 YYYY-MM" in r.text
    assert 'value="2026-13"' in r.text and 'value="mine"' in r.text
    r = _draw(app_client, n="3")  # only two hospitals in the directory
    assert r.status_code == 409 and "抽取家数须在1到2之间" in r.text
    assert "尚无抽查计划" in r.text


def test_inspector_records_results_against_the_checklist_and_coverage_counts_them(
    app_client: TestClient, directories: str
) -> None:
    log_in(app_client, "boss")
    plan_no = _draw(app_client).url.path.rsplit("/", 1)[1]
    app_client.post("/console/logout")
    log_in(app_client, "insp")
    plan_page = app_client.get(f"/console/inspections/plans/{plan_no}").text
    assert f"/console/inspections/checklists/hospital?fixmedins_code={H1}&amp;plan={plan_no}" in plan_page

    form_page = app_client.get(f"/console/inspections/checklists/hospital?fixmedins_code={H1}&plan={plan_no}")
    hospital = checklist("hospital")
    assert [row[0] for row in cells(form_page.text, "checklist")] == [i.code for i in hospital.items]
    assert f'<option value="{H1}" selected>' in form_page.text
    assert f'<option value="{plan_no}" selected>' in form_page.text
    first, second = hospital.items[0].code, hospital.items[1].code
    jan1 = date(_today().year, 1, 1)
    r = app_client.post(
        "/console/inspections/results",
        data={
            "checklist": "hospital",
            "fixmedins_code": H1,
            "plan_no": plan_no,
            "inspected_on": jan1.isoformat(),
            "kind": "routine",
            "amount": "1200.5",
            "summary": "限期整改",
            **_answers("hospital", fail={first, second}),
        },
    )
    assert r.status_code == 200 and r.url.path == f"/console/inspections/plans/{plan_no}"
    assert "已登记检查结果" in r.text
    row = next(t for t in cells(r.text, "teams") if H1 in t[1])
    assert "问题 2 项" in row[6] and "限期整改" in row[6]
    # an unplanned supervisory check of H2, today, without problems
    r = app_client.post(
        "/console/inspections/results",
        data={
            "checklist": "hospital",
            "fixmedins_code": H2,
            "inspected_on": _today().isoformat(),
            "kind": "supervisory",
            "amount": "0",
            **_answers("hospital", na={first}),
        },
    )
    assert r.url.path == "/console/inspections/checklists/hospital" and "已登记检查结果" in r.text
    recent = cells(r.text, "results")
    assert [x[1] for x in recent] == ["芙蓉区仁心诊所", "长沙市第一人民医院"]
    assert recent[1][4].startswith(f"{first} ") and f"；{second} " in recent[1][4]

    html = app_client.get("/console/inspections/coverage").text
    kinds = {row[0]: row for row in cells(html, "kinds")}
    # designated, month inst., month visits, covered, coverage, visits, per inst., supervisory, problems, amount
    assert kinds["医院"][1] == "2" and kinds["医院"][4:8] == ["2", "100.0%", "2", "1.00"]
    assert kinds["药店"][1] == "1" and kinds["药店"][4] == "0"
    assert kinds["合计"][1:2] + kinds["合计"][4:] == ["3", "2", "66.7%", "2", "0.67", "1", "1", "1,200.50"]
    checks = cells(html, "checks")
    assert checks[0][1:] == ["66.7%", "100%", "未达标"]
    assert checks[1][1:] == ["0.67", "1.5", "未达标"]
    assert checks[2][1:] == ["33.3%", "5%", "达标"]
    assert "000000 自 2020-01-01 起施行" in html
    months = cells(html, "months")
    assert len(months) == _today().month and sum(int(m[1]) for m in months) == 2
    assert months[-1][3:] == ["2", "66.7%"]
    assert cells(html, "uncovered") == [[f"芙蓉区康民大药房 {P3}", "药店"]]
    chart = json.loads(re.search(r'id="coverage-data">(.*?)</script>', html, re.S).group(1))  # type: ignore[union-attr]
    assert sum(chart["visits"]) == 2 and chart["coverage"][-1] == 66.7 and chart["required"] == 100.0


def test_a_result_must_answer_every_item_and_belong_to_its_plan(
    app_client: TestClient, directories: str
) -> None:
    log_in(app_client, "boss")
    plan_no = _draw(app_client, n="1").url.path.rsplit("/", 1)[1]
    app_client.post("/console/logout")
    log_in(app_client, "insp")
    answers = _answers("hospital")
    dropped = next(iter(answers))
    del answers[dropped]
    base = {
        "checklist": "hospital",
        "fixmedins_code": H1,
        "inspected_on": _today().isoformat(),
        "kind": "routine",
    }
    r = app_client.post("/console/inspections/results", data={**base, **answers, "summary": "保留的结论"})
    assert r.status_code == 409 and "检查清单未答全" in r.text and "保留的结论" in r.text
    r = app_client.post("/console/inspections/results", data={**base, **_answers("hospital"), "amount": "-1"})
    assert r.status_code == 400 and "涉及金额须为不小于0的数字" in r.text
    drawn = cells(app_client.get(f"/console/inspections/plans/{plan_no}").text, "teams")[0][1].split()[-1]
    other = H2 if drawn == H1 else H1
    r = app_client.post(
        "/console/inspections/results",
        data={**base, "fixmedins_code": other, "plan_no": plan_no, **_answers("hospital")},
    )
    assert r.status_code == 409 and f"{other}不在计划{plan_no}中" in r.text


def test_profiles_show_inspections_and_credit_over_time(app_client: TestClient, directories: str) -> None:
    log_in(app_client, "boss")
    plan_no = _draw(app_client).url.path.rsplit("/", 1)[1]
    app_client.post("/console/logout")
    log_in(app_client, "insp")
    jan1 = date(_today().year, 1, 1)
    app_client.post(
        "/console/inspections/results",
        data={
            "checklist": "hospital",
            "fixmedins_code": H1,
            "plan_no": plan_no,
            "inspected_on": jan1.isoformat(),
            "kind": "routine",
            "summary": "限期整改",
            **_answers(
                "hospital", fail={checklist("hospital").items[0].code, checklist("hospital").items[1].code}
            ),
        },
    )
    app_client.post(f"/console/institutions/{H1}/open-case")  # today: H1's 5 findings become a clue
    app_client.post("/console/logout")
    log_in(app_client, "boss")  # 一公开: the director publishes the result from the plan page
    plan_page = app_client.get(f"/console/inspections/plans/{plan_no}").text
    action = re.search(r'action="(/console/inspections/results/\d+/publish)"', plan_page)
    assert action is not None and "公开结果" in plan_page
    r = app_client.post(action.group(1), data={"back": f"/console/inspections/plans/{plan_no}"})
    assert r.url.path == f"/console/inspections/plans/{plan_no}" and "已公开" in r.text
    assert f"长沙市第一人民医院（{H1}）" in app_client.get("/public/inspections").text
    html = app_client.get(f"/console/institutions/{H1}").text
    plans = cells(html, "inst-plans")
    assert len(plans) == 1 and plans[0][0] == plan_no and plans[0][2] == "日常双随机检查"
    results = cells(html, "inst-results")
    assert results[0][:4] == [jan1.isoformat(), "双随机/日常检查（医院清单）", plan_no, "2"]
    assert results[0][6:] == ["限期整改", "已公开"]
    # the grade: 100, −2 per failed item (on Jan 1), −0.5 per finding taken in (today)
    history = cells(html, "credit-history")
    assert history[0][:3] == [_today().isoformat(), "A", "93.5"]
    assert "疑点 -2.5" in history[0][3] and "检查问题 -4.0" in history[0][3]
    assert history[-1][0] == jan1.isoformat() and "检查问题 -4.0" in history[-1][3]
    assert 'data-testid="credit-grade">A 级' in html

    app_client.post("/console/logout")
    log_in(app_client, "h2user")  # an institution reads its own grade, not the inspection files
    own = app_client.get(f"/console/institutions/{H2}").text
    assert "您的角色不能查看检查记录" in own and "inst-results" not in own
    assert cells(own, "credit-history")[0][:3] == [_today().isoformat(), "A", "100.0"]


def test_dates_before_the_dated_rules_do_not_break_the_pages(
    app_client: TestClient, directories: str
) -> None:
    """Grades start 2021-01-01 and coverage quotas 2020-01-01: an older inspection is listed, not graded."""
    log_in(app_client, "insp")
    old = {"checklist": "hospital", "fixmedins_code": H2, "inspected_on": "2019-06-01", "kind": "routine"}
    r = app_client.post("/console/inspections/results", data={**old, **_answers("hospital")})
    assert r.status_code == 200 and "已登记检查结果" in r.text
    html = app_client.get(f"/console/institutions/{H2}").text
    assert cells(html, "inst-results")[0][0] == "2019-06-01"
    assert [row[0] for row in cells(html, "credit-history")] == [_today().isoformat()]
    r = app_client.get("/console/inspections/coverage?year=2019")
    assert r.status_code == 404 and "早于最早生效日期" in r.text
    r = _draw(app_client, month="2019-05")
    assert r.status_code == 403  # an inspector may not draw at all
    app_client.post("/console/logout")
    log_in(app_client, "boss")
    r = _draw(app_client, month="2019-05")
    assert r.status_code == 409 and "早于最早生效日期" in r.text


def test_practitioner_profile_shows_points_per_year(app_client: TestClient, case_db: str) -> None:
    year = _today().year
    engine = create_engine(case_db)
    with open_session(engine) as s:
        boss = get_user(s, "boss")
        for n, (y, pts, conduct) in enumerate(
            [(year, 4, "分解住院"), (year, 5, "串换药品"), (year - 1, 3, "超量开药")]
        ):
            s.add(
                PracScore(
                    prac_code="D1",
                    prac_name="李医生",
                    fixmedins_code=H1,
                    year=y,
                    points=pts,
                    band="4-6" if pts > 3 else "1-3",
                    responsibility="general",
                    conduct=conduct,
                    case_no=f"AJ{y}-0000{n + 1}",
                    event_on=date(y, 3, 1 + n),
                    recorded_by=boss.id,
                    recorded_at=datetime(y, 3, 1 + n),
                )
            )
    engine.dispose()
    log_in(app_client, "insp")
    rows = cells(app_client.get("/console/practitioners/D1").text, "credit-years")
    assert [r[:3] for r in rows] == [
        [str(year), "9", "暂停医保支付资格（1–6个月）"],
        [str(year - 1), "3", "正常"],
    ]
    assert f"{year}-03-01 记4分：分解住院" in rows[0][3] and f"AJ{year - 1}-00003" in rows[1][3]


def test_roles_that_may_not_are_refused(app_client: TestClient, directories: str) -> None:
    log_in(app_client, "insp")  # reads and records, but does not draw or export
    assert "检查计划</a>" in app_client.get("/console/findings").text
    assert app_client.post("/console/inspections/results/1/publish").status_code == 403
    assert "抽取并保存计划" not in app_client.get("/console/inspections").text
    assert _draw(app_client).status_code == 403
    assert app_client.post("/console/inspections/targets").status_code == 403
    assert app_client.get("/console/inspections/ledger.xlsx").status_code == 403
    app_client.post("/console/logout")

    log_in(app_client, "auditor")  # reads coverage and exports the ledger, records nothing
    assert app_client.get("/console/inspections/coverage").status_code == 200
    assert "登记检查结果</button>" not in app_client.get("/console/inspections/checklists/pharmacy").text
    r = app_client.post("/console/inspections/results", data={"checklist": "hospital", "fixmedins_code": H1})
    assert r.status_code == 403
    ledger = app_client.get(f"/console/inspections/ledger.xlsx?year={_today().year}&month=1")
    assert ledger.status_code == 200
    sheet = load_workbook(io.BytesIO(ledger.content))["统计表"]
    assert sheet["A1"].value == "定点医药机构现场检查全覆盖情况统计表" and sheet["B7"].value == 3
    app_client.post("/console/logout")

    for name in ("legal", "h2user"):  # no clue.read: no menu item, every inspection page refused
        log_in(app_client, name)
        assert "/console/inspections" not in app_client.get("/console/findings").text
        for path in (
            "/console/inspections",
            "/console/inspections/checklists/hospital",
            "/console/inspections/coverage",
            "/console/inspections/plans/CJ202601-01",
        ):
            r = app_client.get(path)
            assert r.status_code == 403 and "无权" in r.text, path
        app_client.post("/console/logout")
