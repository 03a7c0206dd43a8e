"""A tiny hand-made store (two institutions, three encounters, findings, risk scores) and page helpers."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

from yibao.findings import Finding, Grade, Level, Violation
from yibao.findings_store import replace_findings
from yibao.store import connect

with warnings.catch_warnings():  # starlette asks for `httpx2`, which this project does not install
    warnings.filterwarnings("ignore", message=".*httpx2.*")
    from fastapi.testclient import TestClient

H1, H2 = "H43010200001", "H43010200002"
PASSWORD = "secret-pass-1"
ROLES = {
    "boss": "director",
    "insp": "inspector",
    "officer": "case_officer",
    "auditor": "auditor",
    "legal": "legal_reviewer",
    "h2user": "institution",
}


LIBRARY_RULE = "item_type_mismatch@1"  # a packaged rule, so that the rule library page counts its finding


def _finding(
    violation: Violation,
    level: Level,
    amount: float,
    grade: Grade,
    evidence: str,
    detector: str = "test_rule@1",
    **keys: str,
) -> Finding:
    return Finding(violation, detector, level, amount, 0.8, grade, evidence, **keys)


def build_store(path: Path) -> Path:
    con = connect(path)
    con.execute(
        "INSERT INTO medins (fixmedins_code, fixmedins_name, fixmedins_type, hosp_lv, admdvs, city, beds) VALUES "
        f"('{H1}', '长沙市第一人民医院', '1', '1', '430102', '长沙市', 800), "
        f"('{H2}', '芙蓉区仁心诊所', '1', '3', '430102', '长沙市', 20)"
    )
    con.execute(
        "INSERT INTO psn (psn_no, certno, psn_name, gend, brdy, insutype, insuplc_admdvs) VALUES "
        "('P1', '430102198001010012', '张三丰', '1', DATE '1980-01-01', '310', '430102')"
    )
    con.execute(
        "INSERT INTO practitioner (prac_code, prac_name, prac_type, fixmedins_code, dept_codg) VALUES "
        f"('D1', '李医生', 'doctor', '{H1}', 'A03')"
    )
    con.execute(
        "INSERT INTO mdtrt (mdtrt_id, psn_no, fixmedins_code, med_type, begntime, endtime, dise_codg, dise_name, "
        "atddr_no) VALUES "
        f"('M1', 'P1', '{H1}', '21', TIMESTAMP '2025-01-05 09:00:00', TIMESTAMP '2025-01-10 10:00:00', 'J18.9', '肺炎', 'D1'),"
        f"('M2', 'P1', '{H2}', '11', TIMESTAMP '2025-02-03 09:00:00', TIMESTAMP '2025-02-03 09:30:00', 'J06.9', '上感', NULL),"
        f"('M3', 'P1', '{H1}', '11', TIMESTAMP '2025-02-20 09:00:00', TIMESTAMP '2025-02-20 09:30:00', 'I10', '高血压', NULL)"
    )
    con.execute(
        "INSERT INTO setl (setl_id, mdtrt_id, psn_no, fixmedins_code, setl_time, medfee_sumamt, hifp_pay, "
        "fund_pay_sumamt, acct_pay, psn_cash_pay) VALUES "
        f"('S1', 'M1', 'P1', '{H1}', TIMESTAMP '2025-01-10 10:00:00', 5000.00, 4000.00, 4000.00, 0, 1000.00),"
        f"('S2', 'M2', 'P1', '{H2}', TIMESTAMP '2025-02-03 09:30:00', 300.00, 200.00, 200.00, 50.00, 50.00),"
        f"('S3', 'M3', 'P1', '{H1}', TIMESTAMP '2025-02-20 09:30:00', 100.00, 60.00, 60.00, 0, 40.00)"
    )
    con.execute(
        "INSERT INTO catalog (med_list_codg, name, list_type) VALUES "
        "('C001', '血常规', '201'), ('C002', '阿莫西林胶囊', '101'), ('C003', 'C反应蛋白', '201')"
    )
    lines = [
        ("L1", "M1", H1, "2025-01-05 10:00:00", "C001", "201", 1, 20.00),
        ("L2", "M1", H1, "2025-01-05 10:00:00", "C001", "201", 1, 20.00),
        ("L3", "M1", H1, "2025-01-06 10:00:00", "C003", "201", 1, 30.00),
        ("L4", "M2", H2, "2025-02-03 09:10:00", "C002", "101", 2, 15.00),
        ("L5", "M3", H1, "2025-02-20 09:10:00", "C002", "101", 1, 15.00),
    ]
    con.executemany(
        "INSERT INTO fee (feedetl_sn, mdtrt_id, psn_no, fixmedins_code, fee_ocur_time, med_list_codg, list_type, "
        "cnt, pric, det_item_fee_sumamt, bilg_dr_codg) VALUES (?, ?, 'P1', ?, CAST(? AS TIMESTAMP), ?, ?, ?, ?, ?, ?)",
        [
            (sn, m, h, t, c, lt, n, p, n * p, "D1" if sn in ("L2", "L3") else None)
            for sn, m, h, t, c, lt, n, p in lines
        ],
    )
    findings = [
        # L2 is hit by two rules: money at risk counts it once (its larger amount, 20.00)
        _finding(
            Violation.DUPLICATE_BILLING,
            Level.LINE,
            20.0,
            Grade.DEFINITE,
            "血常规同日重复收费",
            feedetl_sn="L2",
            mdtrt_id="M1",
            psn_no="P1",
            fixmedins_code=H1,
        ),
        _finding(
            Violation.OVER_PRICE,
            Level.LINE,
            5.0,
            Grade.SUSPECT,
            "单价高于限价",
            feedetl_sn="L2",
            mdtrt_id="M1",
            psn_no="P1",
            fixmedins_code=H1,
        ),
        _finding(
            Violation.LAB_ABUSE,
            Level.LINE,
            30.0,
            Grade.SUSPECT,
            "无指征检查C反应蛋白",
            feedetl_sn="L3",
            mdtrt_id="M1",
            psn_no="P1",
            fixmedins_code=H1,
        ),
        # an encounter finding larger than its lines: M1 counts 4000.00
        _finding(
            Violation.GHOST_BED,
            Level.ENCOUNTER,
            4000.0,
            Grade.SUSPECT,
            "住院期间连续3天无治疗明细",
            mdtrt_id="M1",
            psn_no="P1",
            fixmedins_code=H1,
        ),
        _finding(
            Violation.ITEM_SUBSTITUTION,
            Level.LINE,
            30.0,
            Grade.DEFINITE,
            "串换药品：生活用品按药品结算",
            detector=LIBRARY_RULE,
            feedetl_sn="L4",
            mdtrt_id="M2",
            psn_no="P1",
            fixmedins_code=H2,
        ),
        # an institution finding summarises encounters: counted as a finding, not added to the money at risk
        _finding(
            Violation.INSTITUTION_OUTLIER,
            Level.INSTITUTION,
            9000.0,
            Grade.SUSPECT,
            "次均费用远高于同级机构",
            fixmedins_code=H1,
        ),
    ]
    replace_findings(con, "test_rule@1", [f for f in findings if f.detector == "test_rule@1"])
    replace_findings(con, LIBRARY_RULE, [f for f in findings if f.detector == LIBRARY_RULE])
    con.execute(
        "CREATE TABLE risk_scores (level VARCHAR, entity_key VARCHAR, risk DOUBLE, rule DOUBLE, iso DOUBLE, "
        "sup DOUBLE, rank BIGINT, reasons VARCHAR, detector VARCHAR, model_id VARCHAR)"
    )
    con.execute(
        "INSERT INTO risk_scores VALUES "
        f"('institution', '{H1}', 0.91, 0.95, 0.8, NULL, 1, '机构风险评分0.91（第1/2名）；1. 已有疑点：挂床住院1条；"
        "2. 孤立森林：次均费用5000（总体中位数200）', 'risk_score@1', NULL),"
        f"('institution', '{H2}', 0.30, 0.3, 0.3, NULL, 2, '机构风险评分0.30（第2/2名）', 'risk_score@1', NULL),"
        "('practitioner', 'D1', 0.77, 0.8, 0.7, NULL, 1, '医师风险评分0.77（第1/1名）；1. 已有疑点：挂床住院1条', "
        "'risk_score@1', NULL),"
        "('person', 'P1', 0.66, 0.7, 0.6, NULL, 1, '参保人风险评分0.66（第1/1名）', 'risk_score@1', NULL)"
    )
    con.close()
    return path


def log_in(client: TestClient, username: str, password: str = PASSWORD) -> None:
    r = client.post("/console/login", data={"username": username, "password": password, "next": "/console/"})
    assert r.status_code == 200, r.text
    assert "退出登录" in r.text


def cells(html: str, table_id: str) -> list[list[str]]:
    """The text of each body row of one table (tags stripped), for checking what a page shows."""
    body = html.split(f'id="{table_id}"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", body.split("<tbody>", 1)[1], flags=re.S)
    return [
        [" ".join(re.sub(r"<[^>]+>", " ", c).split()) for c in re.findall(r"<td[^>]*>(.*?)</td>", r, re.S)]
        for r in rows
    ]
