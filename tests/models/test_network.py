"""COLLUSION_RING: communities of repeated unusual ties (card pools, shared packs, prescription flows)."""

from __future__ import annotations

import datetime as dt

from model_builders import T0, days, encounter, hospital, line, minutes, person, store

from yibao.findings import Level, Violation
from yibao.models.network import CollusionRing


def _pharmacy() -> dict:
    return hospital("P1", lv="", inst_type="P100", kind="2")


def test_card_pool_swiped_in_sequence_on_several_evenings_is_a_ring():
    psns = [person(f"C{i}") for i in range(6)] + [person(f"N{i}") for i in range(6)]
    encs = []
    for d in (10, 40, 70):
        t = T0 + days(d) + dt.timedelta(hours=19)
        encs += [
            encounter(
                f"E{d}-{i}", f"C{i}", "P1", t + minutes(2 * i), t + minutes(2 * i + 1), med_type="41", dx=None
            )
            for i in range(6)
        ]
    for i in range(6):  # ordinary customers: one purchase each, hours apart
        t = T0 + days(5 + 20 * i) + dt.timedelta(hours=10 + i)
        encs.append(encounter(f"O{i}", f"N{i}", "P1", t, t + minutes(3), med_type="41", dx=None))
    con = store({"medins": [_pharmacy()], "psn": psns, "mdtrt": encs})
    found = CollusionRing().fit(con).findings(con)
    persons = {f.psn_no for f in found if f.level == Level.PERSON}
    assert persons == {f"C{i}" for i in range(6)}
    assert [f.fixmedins_code for f in found if f.level == Level.INSTITUTION] == ["P1"]
    assert all(f.violation == Violation.COLLUSION_RING for f in found)
    assert "相邻刷卡" in found[0].evidence


def test_doctor_pharmacy_flow_with_shared_packs_reports_members_doctor_and_pharmacy():
    members = [f"R{i}" for i in range(6)]
    psns = [person(p, hshld=f"H{i // 2}") for i, p in enumerate(members)]
    encs, lines = [], []
    prev_code = None
    for k in range(18):
        p = members[k % 6]
        t = T0 + days(5 + 14 * (k // 6) + k % 6) + dt.timedelta(hours=10)
        visit = encounter(f"V{k}", p, "H1", t, t + minutes(15), med_type="11", doctor="D1")
        buy = encounter(f"B{k}", p, "P1", t + minutes(60), t + minutes(65), med_type="41", dx=None)
        encs += [visit, buy]
        code = f"{k:020d}"
        lines.append(
            line(
                f"L{k}",
                buy,
                "XC09CAA001",
                30.0,
                list_type="101",
                doctor="D1",
                trace=prev_code if k % 2 and prev_code else code,
            )
        )
        prev_code = code
    con = store(
        {
            "medins": [hospital("H1", lv="9", inst_type="D200"), _pharmacy()],
            "psn": psns,
            "mdtrt": encs,
            "fee": lines,
            "practitioner": [
                {"prac_code": "D1", "prac_type": "doctor", "fixmedins_code": "H1", "dept_codg": "A02"},
                {"prac_code": "Y1", "prac_type": "pharmacist", "fixmedins_code": "P1"},
            ],
        }
    )
    found = CollusionRing().fit(con).findings(con)
    assert {f.psn_no for f in found if f.level == Level.PERSON} == set(members)
    assert [f.prac_code for f in found if f.level == Level.PRACTITIONER] == ["D1"]
    assert [f.fixmedins_code for f in found if f.level == Level.INSTITUTION] == ["P1"]
    assert "处方流向固定药店" in found[0].evidence and "追溯码" in found[0].evidence


def test_no_unusual_ties_no_ring():
    psns = [person(f"N{i}") for i in range(8)]
    encs = []
    for i in range(8):
        t = T0 + days(3 * i) + dt.timedelta(hours=9 + i)
        encs.append(encounter(f"O{i}", f"N{i}", "P1", t, t + minutes(3), med_type="41", dx=None))
    con = store({"medins": [_pharmacy()], "psn": psns, "mdtrt": encs})
    assert CollusionRing().fit(con).findings(con) == []
