"""Peer comparison on the practitioner and person profiles, over the hand-made store plus peers.

The extra rows (added to this test's own copy of the store) give doctor D1 five department peers
with 30 outpatient visits each, and person P1 a group of persons of the same age band, insurance
type and city. The expected figures are computed here from those rows, not read from the code.
"""

from __future__ import annotations

import json
import math
import re
import statistics
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from browserfix import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS
from webfix import H1, PASSWORD, TestClient, cells, log_in

from yibao.api.app import create_app
from yibao.realtime.service import ServeSettings
from yibao.web import routers

H3, H4 = "H43010300003", "P43010200004"
YEAR = 2025
# doctor: (institution, cost per visit, distinct drugs per visit); every visit J06.9, 10 yuan per drug
DOCTORS = {
    "D1": (H1, 200, 4),
    "D2": (H1, 100, 1),
    "D3": (H1, 120, 2),
    "D4": (H3, 80, 1),
    "D5": (H3, 150, 3),
    "D6": (H3, 90, 2),
}
VISITS = 30  # the model's outlier_min_cases
# person: (birthday, insutype, insured district); P1 (1980, 310, 430102) is in the hand-made store
PERSONS = {
    "P2": ("1982-05-05", "310", "430103"),
    "P3": ("1985-03-03", "310", "430104"),
    "P4": ("1976-08-01", "310", "430111"),  # 48 on 1 July 2025: still 40-49
    "P5": ("1990-01-01", "310", "430102"),  # 30-39
    "P6": ("1981-01-01", "390", "430102"),  # residents' insurance
    "P7": ("1983-01-01", "310", "430102"),  # no encounter this year
    "P8": ("1984-01-01", "310", "460105"),  # another city
}
VISITORS = ["P2", "P3", "P4", "P5", "P6", "P8"]
PHARMACY = {"P2": 3, "P3": 1}  # pharmacy purchases of 20 yuan fund each
# P1's own year in the hand-made store: M1 (stay, H1), M2 (H2), M3 (H1); fund 4000 + 200 + 60
P1_YEAR = {"fund": 4260.0, "visits": 3, "stays": 1, "insts": 2, "pharmacy": 0}


def _extend(path: Path) -> dict[str, dict[str, float]]:
    """Add the peers' rows; returns each new person's year as this test counts it."""
    con = duckdb.connect(str(path))
    con.execute(
        "INSERT INTO medins (fixmedins_code, fixmedins_name, fixmedins_type, hosp_lv, admdvs, city) VALUES "
        f"('{H3}', '长沙市第三医院', '1', '1', '430103', '长沙市'), ('{H4}', '百姓大药房', '2', NULL, '430102', '长沙市')"
    )
    con.executemany(
        "INSERT INTO practitioner (prac_code, prac_name, prac_type, fixmedins_code, dept_codg) "
        "VALUES (?, ?, 'doctor', ?, 'A03')",
        [(d, f"医生{d}", inst) for d, (inst, _, _) in DOCTORS.items() if d != "D1"]
        + [("D7", "无就诊医生", H1)],
    )
    con.executemany(
        "INSERT INTO psn (psn_no, certno, psn_name, gend, brdy, insutype, insuplc_admdvs) "
        "VALUES (?, ?, ?, '1', CAST(? AS DATE), ?, ?)",
        [
            (p, f"43010219{i:02d}0101001X", f"参保人{p}", b, t, a)
            for i, (p, (b, t, a)) in enumerate(PERSONS.items())
        ],
    )
    year = {p: {"fund": 0.0, "visits": 0, "stays": 0, "insts": set(), "pharmacy": 0} for p in PERSONS}
    enc, setl, fee = [], [], []
    n = 0
    for doctor, (inst, cost, drugs) in DOCTORS.items():
        for v in range(VISITS):
            n += 1
            mid, psn = f"V{n:04d}", VISITORS[n % len(VISITORS)]
            day = f"2025-03-{1 + v % 28:02d} 09:00:00"
            enc.append((mid, psn, inst, "11", day, day, "J06.9", doctor))
            setl.append((f"SV{n:04d}", mid, psn, inst, day, cost, cost * 0.6))
            fee += [(f"FV{n:04d}D{k}", mid, psn, inst, day, f"X0{k}", "101", 10.0) for k in range(drugs)]
            fee.append((f"FV{n:04d}T", mid, psn, inst, day, "C001", "201", float(cost - 10 * drugs)))
            year[psn]["fund"] += cost * 0.6
            year[psn]["visits"] += 1
            year[psn]["insts"].add(inst)
    for psn, times in PHARMACY.items():
        for k in range(times):
            n += 1
            mid, day = f"V{n:04d}", f"2025-04-{10 + k:02d} 10:00:00"
            enc.append((mid, psn, H4, "41", day, day, None, None))
            setl.append((f"SV{n:04d}", mid, psn, H4, day, 25.0, 20.0))
            year[psn]["fund"] += 20.0
            year[psn]["pharmacy"] += 1
            year[psn]["insts"].add(H4)
    con.executemany(
        "INSERT INTO mdtrt (mdtrt_id, psn_no, fixmedins_code, med_type, begntime, endtime, dise_codg, atddr_no) "
        "VALUES (?, ?, ?, ?, CAST(? AS TIMESTAMP), CAST(? AS TIMESTAMP), ?, ?)",
        enc,
    )
    con.executemany(
        "INSERT INTO setl (setl_id, mdtrt_id, psn_no, fixmedins_code, setl_time, medfee_sumamt, fund_pay_sumamt) "
        "VALUES (?, ?, ?, ?, CAST(? AS TIMESTAMP), ?, ?)",
        setl,
    )
    con.executemany(
        "INSERT INTO fee (feedetl_sn, mdtrt_id, psn_no, fixmedins_code, fee_ocur_time, med_list_codg, list_type, "
        "cnt, pric, det_item_fee_sumamt) VALUES (?, ?, ?, ?, CAST(? AS TIMESTAMP), ?, ?, 1, ?, ?)",
        [(*row, row[-1]) for row in fee],
    )
    con.close()
    return {p: {**y, "insts": len(y["insts"])} for p, y in year.items()}  # type: ignore[arg-type]


@pytest.fixture
def peer_client(store: Path, case_db: str, tmp_path: Path) -> Iterator[tuple[TestClient, dict]]:
    years = _extend(store)
    app = create_app(ServeSettings(db=store, state_path=tmp_path / "state.sqlite"), routers=routers())
    app.state.case_db = case_db
    with TestClient(app) as client:
        log_in(client, "insp")
        yield client, years


def _log_median(values: list[float], offset: float = 0.0) -> float:
    """The model's peer median: the median on a log scale (of value + offset), back-transformed."""
    return math.exp(statistics.median(math.log(v + offset) for v in values)) - offset


def _chart(html: str) -> dict:
    raw = re.search(r'<script type="application/json" id="profile-peers-data">(.*?)</script>', html, re.S)
    assert raw, "no chart data on the page"
    return json.loads(raw.group(1))


def test_practitioner_is_compared_with_the_models_peer_groups(peer_client: tuple[TestClient, dict]) -> None:
    client, _ = peer_client
    html = client.get("/console/practitioners/D1").text
    # the outpatient case-mix index: each visit over the median J06.9 outpatient visit at level 1
    all_costs = sorted(c for _, c, _ in DOCTORS.values() for _ in range(VISITS))
    m = statistics.median(all_costs)
    index = {d: c / m for d, (_, c, _) in DOCTORS.items()}
    drugs = {d: float(k) for d, (_, _, k) in DOCTORS.items()}
    share = {d: 10 * k / c for d, (_, c, k) in DOCTORS.items()}
    level_peers = ["D2", "D3", "D4", "D5", "D6"]  # 内科 at level-3 (三级) hospitals, D1 left out
    local_peers = ["D2", "D3"]  # 内科 of D1's own hospital
    rows = {r[0]: r for r in cells(html, "prac-peers")}
    expect = {
        "门诊次均费用（病种与等级调整后指数）": (index, 0.0, "{:.2f}"),
        "每次门诊药品品种数": (drugs, 0.5, "{:.2f}"),
        "药品费用占比": (share, 0.05, "{:.1%}"),
    }
    for label, (values, offset, fmt) in expect.items():
        row = rows[label]
        assert row[1] == fmt.format(values["D1"])
        assert row[2] == fmt.format(_log_median([values[d] for d in level_peers], offset))
        assert row[3] == "三级医院内科医师（5名）"
        assert row[5] == fmt.format(_log_median([values[d] for d in local_peers], offset)) + "（2名）"
        assert row[6] == "—"
    # the robust z of the cost index: log distance over 1.4826 × MAD of the peers' logs (floor 0.15)
    logs = [math.log(index[d]) for d in level_peers]
    med = statistics.median(logs)
    z = (math.log(index["D1"]) - med) / max(1.4826 * statistics.median(abs(x - med) for x in logs), 0.15)
    assert rows["门诊次均费用（病种与等级调整后指数）"][4] == f"{z:.1f}"
    # one stay only: shown, but the model does not compare it
    stay = rows["次均住院费用（病种与等级调整后指数）"]
    assert stay[1] == "1.00" and stay[2] == "—" and stay[6] == "住院不足30例，模型不作比较"
    chart = _chart(html)
    assert chart["kind"] == "practitioner"
    cost = next(r for r in chart["rows"] if r["label"].startswith("门诊次均费用"))
    assert cost["self"] == pytest.approx(index["D1"] / _log_median([index[d] for d in level_peers]), abs=1e-3)
    assert cost["local"] == pytest.approx(
        _log_median([index[d] for d in local_peers]) / _log_median([index[d] for d in level_peers]), abs=1e-3
    )
    assert next(r for r in chart["rows"] if r["label"].startswith("次均住院"))["self"] is None


def test_practitioner_page_is_readable_without_the_chart(peer_client: tuple[TestClient, dict]) -> None:
    client, _ = peer_client
    html = client.get("/console/practitioners/D1").text
    assert '<section class="card" aria-labelledby="h-peers">' in html and 'id="h-peers">同类医师对比' in html
    assert re.search(r'id="chart-profile-peers" role="img" aria-label="[^"]+"', html)
    assert "<caption>本医师与同类医师的指标对比</caption>" in html
    heads = re.findall(r"<th\b[^>]*>", html.split('id="prac-peers"')[1].split("</thead>")[0])
    assert len(heads) == 7 and all('scope="col"' in h for h in heads)
    # the vendored ECharts and the chart script, never a CDN
    scripts = re.findall(r'<script src="([^"]+)"', html)
    assert scripts == ["/console/static/vendor/echarts/echarts.min.js", "/console/static/profile_peers.js"]
    js = client.get("/console/static/profile_peers.js")
    assert js.status_code == 200 and "chart-profile-peers" in js.text and "http" not in js.text
    # a doctor who attended no encounter: a sentence, no chart
    none = client.get("/console/practitioners/D7").text
    assert "尚无可比较的数据" in none and "chart-profile-peers" not in none and "echarts" not in none


def _percentile(values: list[float], x: float) -> float:
    below = sum(v < x for v in values)
    ties = sum(v == x for v in values)
    return 100 * (below + ties / 2) / len(values)


def test_person_is_compared_with_age_band_insurance_and_city(peer_client: tuple[TestClient, dict]) -> None:
    client, years = peer_client
    html = client.get("/console/persons/P1").text
    assert "同类参保人对比（2025年）" in html
    assert "同组：长沙市 · 40–49岁 · 职工基本医疗保险，共 5 人" in html
    group = [P1_YEAR, years["P2"], years["P3"], years["P4"], years["P7"]]
    rows = cells(html, "person-peers")
    assert [r[0] for r in rows] == [
        "基金支付（元）",
        "就诊次数（门诊、门诊慢特病、住院）",
        "住院次数",
        "就诊与购药机构数",
        "定点药店购药次数",
    ]
    for row, key in zip(rows, ["fund", "visits", "stays", "insts", "pharmacy"], strict=True):
        values = [float(g[key]) for g in group]
        fmt = "{:,.2f}" if key == "fund" else "{:,.0f}"
        assert row[1] == fmt.format(P1_YEAR[key]), key
        assert row[2] == fmt.format(statistics.median(values)), key
        assert row[3] == f"{_percentile(values, float(P1_YEAR[key])):.1f}", key
    chart = _chart(html)
    assert chart["kind"] == "person" and [r["percentile"] for r in chart["rows"]] == [
        float(r[3]) for r in rows
    ]
    assert "<caption>本人当年就医与同组参保人对比</caption>" in html
    assert re.search(r'id="chart-profile-peers" role="img" aria-label="[^"]+"', html)
    # masking is unchanged: the comparison names no one
    assert "张三丰" not in html and "430102198001010012" not in html
    assert "参保人P2" not in html and "43010219" not in html.split('id="h-peers"')[1].split("</section>")[0]


def test_other_groups_are_their_own(peer_client: tuple[TestClient, dict]) -> None:
    client, years = peer_client
    young = client.get("/console/persons/P5").text
    assert "同组：长沙市 · 30–39岁 · 职工基本医疗保险，共 1 人" in young
    assert cells(young, "person-peers")[1][1:] == [
        str(years["P5"]["visits"]),
        str(years["P5"]["visits"]),
        "50.0",
    ]
    resident = client.get("/console/persons/P6").text
    assert "同组：长沙市 · 40–49岁 · 城乡居民基本医疗保险，共 1 人" in resident
    away = client.get("/console/persons/P8").text
    assert "同组：参保地4601xx · 40–49岁 · 职工基本医疗保险，共 1 人" in away


@pytest.mark.slow
def test_peer_charts_render_in_chromium(server: str, city: tuple[Path, str]) -> None:
    """The riskiest practitioner's and person's pages draw their chart (vendored ECharts, SVG) at 1366×768."""
    from playwright.sync_api import expect, sync_playwright

    db, _ = city
    con = duckdb.connect(str(db), read_only=True)
    top = {
        level: con.execute(
            "SELECT entity_key FROM risk_scores WHERE level = ? ORDER BY risk DESC, entity_key LIMIT 1",
            [level],
        ).fetchall()[0][0]
        for level in ("practitioner", "person")
    }
    con.close()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1366, "height": 768}, locale="zh-CN")
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(f"{server}/console/login")
            page.get_by_label("用户名").fill("wang")
            page.get_by_label("密码").fill(PASSWORD)
            page.get_by_label("密码").press("Enter")
            expect(page.get_by_role("heading", name="监管概览")).to_be_visible()
            for level, path, table in (
                ("practitioner", "practitioners", "prac-peers"),
                ("person", "persons", "person-peers"),
            ):
                page.goto(f"{server}/console/{path}/{top[level]}")
                expect(page.locator("#chart-profile-peers[data-rendered='1'] svg").first).to_be_visible()
                expect(page.get_by_role("img", name=re.compile("条形图"))).to_be_visible()
                assert page.locator(f"#{table} tbody tr").count() in (4, 5)
                assert page.evaluate("document.documentElement.scrollWidth") <= 1366
                page.wait_for_timeout(1200)  # the bars grow in; the screenshot shows them grown
                page.locator("#h-peers").locator("..").screenshot(path=str(ARTIFACTS / f"{level}-peers.png"))
            assert errors == []
        finally:
            browser.close()
