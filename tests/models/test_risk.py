"""Risk scores: every entity scored with Chinese reasons; deterministic; top entities become findings."""

from __future__ import annotations

import datetime as dt

from model_builders import T0, days, encounter, hospital, line, person, store

from yibao.findings import Finding, Grade, Level, Violation
from yibao.findings_store import replace_findings
from yibao.models.scoring import RiskScore


def _city():
    psns, encs, lines = [], [], []
    for i in range(40):
        inst = f"H{i % 4}"
        b = T0 + days(5 * i) + dt.timedelta(hours=9)
        e = encounter(
            f"M{i:02d}",
            f"P{i:02d}",
            inst,
            b,
            b + dt.timedelta(minutes=20),
            med_type="11",
            dx="J06.900",
            doctor=f"D{i % 4}",
        )
        psns.append(person(f"P{i:02d}"))
        encs.append(e)
        lines.append(line(f"L{i:02d}", e, "X1", 50.0 + i % 3))
    con = store({"medins": [hospital(f"H{k}") for k in range(4)], "psn": psns, "mdtrt": encs, "fee": lines})
    rule = [
        Finding(
            violation=Violation.DUPLICATE_BILLING,
            detector="dup@1",
            level=Level.LINE,
            amount=51.0,
            score=1.0,
            grade=Grade.DEFINITE,
            evidence="重复",
            feedetl_sn="L07",
            mdtrt_id="M07",
            psn_no="P07",
            fixmedins_code="H3",
        ),
        Finding(
            violation=Violation.HIGH_FREQUENCY_VISITS,
            detector="hf@1",
            level=Level.PERSON,
            amount=300.0,
            score=0.9,
            grade=Grade.SUSPECT,
            evidence="高频",
            psn_no="P07",
        ),
    ]
    replace_findings(con, "dup@1", rule[:1])
    replace_findings(con, "hf@1", rule[1:])
    return con


def test_every_entity_is_scored_with_reasons_and_the_flagged_person_ranks_first():
    con = _city()
    found = RiskScore().fit(con).findings(con)
    rows = con.execute(
        "SELECT level, entity_key, risk, rank, reasons FROM risk_scores ORDER BY level, rank"
    ).fetchall()
    levels = {r[0] for r in rows}
    assert levels == {"institution", "practitioner", "person"}
    persons = [r for r in rows if r[0] == "person"]
    assert len(persons) == 40 and persons[0][1] == "P07" and persons[0][3] == 1
    assert "已有疑点" in persons[0][4] and "高频就医" in persons[0][4] and "参保人风险评分" in persons[0][4]
    assert all(0 <= r[2] <= 1 for r in rows)
    # the top person becomes a finding under the code detectors report at person level
    top = [f for f in found if f.level == Level.PERSON]
    assert [(f.psn_no, f.violation) for f in top] == [("P07", Violation.HIGH_FREQUENCY_VISITS)]
    assert top[0].evidence.startswith("主要违规类型高频就医")
    # no person is reported as 重复收费: nothing reports that code at person level
    assert not any(f.violation == Violation.DUPLICATE_BILLING and f.level != Level.LINE for f in found)


def test_risk_scores_are_deterministic_and_ignore_their_own_findings():
    con = _city()
    first = RiskScore().fit(con).findings(con)
    replace_findings(con, "risk_score@1", first)
    a = con.execute("SELECT level, entity_key, risk FROM risk_scores ORDER BY ALL").fetchall()
    second = RiskScore().fit(con).findings(con)
    b = con.execute("SELECT level, entity_key, risk FROM risk_scores ORDER BY ALL").fetchall()
    assert a == b
    assert [f.as_row() for f in first] == [f.as_row() for f in second]


def test_risk_without_a_trained_model_says_so():
    con = _city()
    det = RiskScore().fit(con)
    det.findings(con)
    assert det.features_ is not None
    assert any("无已训练的监督模型" in n for n in det.features_.notes)
    assert con.execute("SELECT count(*) FROM risk_scores WHERE sup IS NOT NULL").fetchone()[0] == 0
