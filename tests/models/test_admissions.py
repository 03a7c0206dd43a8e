"""INDUCED_ADMISSION, PHANTOM_ADMISSION and CO_ADMISSION on small hand-made stores."""

from __future__ import annotations

import datetime as dt

import pytest
from model_builders import T0, days, encounter, hospital, line, minutes, person, store

from yibao.findings import Level, Violation
from yibao.models.admissions import CoAdmission, InducedAdmission, PhantomAdmission
from yibao.models.features import DataUnavailable


def _background(n: int = 40) -> tuple[list[dict], list[dict]]:
    """A year of ordinary admissions at H1, one every ~9 days, mixed diagnoses."""
    psns, encs = [], []
    for i in range(n):
        psns.append(person(f"B{i:03d}", "1970-01-01"))
        b = T0 + days(9 * i) + dt.timedelta(hours=10)
        encs.append(
            encounter(f"MB{i:03d}", f"B{i:03d}", "H1", b, b + days(6), dx="J18.900" if i % 2 else "I10.x00")
        )
    return psns, encs


def _batch(n: int, day: int, gap_minutes: float, dx: str = "M54.500") -> tuple[list[dict], list[dict]]:
    psns, encs = [], []
    for i in range(n):
        psns.append(person(f"R{day}{i:02d}", "1952-03-01"))
        b = T0 + days(day) + dt.timedelta(hours=8, minutes=30) + minutes(gap_minutes * i)
        encs.append(encounter(f"MR{day}{i:02d}", f"R{day}{i:02d}", "H1", b, b + days(8), dx=dx))
    return psns, encs


def test_induced_batch_of_mild_admissions_is_reported_and_ordinary_days_are_not():
    bp, be = _background()
    p1, e1 = _batch(7, 100, 5)
    p2, e2 = _batch(7, 200, 5)
    con = store({"medins": [hospital("H1")], "psn": bp + p1 + p2, "mdtrt": be + e1 + e2})
    found = InducedAdmission().fit(con).findings(con)
    enc = {f.mdtrt_id for f in found if f.level == Level.ENCOUNTER}
    assert enc == {e["mdtrt_id"] for e in e1 + e2}
    assert all(f.violation == Violation.INDUCED_ADMISSION and 0.5 <= f.score <= 1 for f in found)
    assert "集中入院7人" in next(iter(found)).evidence
    inst = [f for f in found if f.level == Level.INSTITUTION]
    assert [f.fixmedins_code for f in inst] == ["H1"]  # two batches: the institution too


def test_induced_spread_out_or_severe_admissions_are_not_a_batch():
    bp, be = _background()
    p1, e1 = _batch(7, 100, 90)  # one every 90 minutes: no batch
    p2, e2 = _batch(7, 200, 5, dx="I21.000")  # acute infarction: not low-acuity
    con = store({"medins": [hospital("H1")], "psn": bp + p1 + p2, "mdtrt": be + e1 + e2})
    assert InducedAdmission().fit(con).findings(con) == []


def _stay_with_lines(
    mid: str, psn: str, begin: dt.datetime, codes: list[tuple[str, float, float]]
) -> tuple[dict, list]:
    enc = encounter(mid, psn, "H1", begin, begin + days(7))
    lines = [
        line(f"{mid}-{k}", enc, code, amt, at=begin + dt.timedelta(hours=h))
        for k, (code, amt, h) in enumerate(codes)
    ]
    return enc, lines


def test_phantom_templated_stays_share_items_counts_and_times():
    template = [(f"C{k:02d}", 10.0 + k, 2.0 + 24 * (k % 7) + k / 10) for k in range(20)]
    encs, lines, psns = [], [], []
    for i in range(6):
        tpl = template if i != 3 else template[:-1]  # one copy leaves an item out: still the template
        e, ls = _stay_with_lines(
            f"MT{i}", f"T{i}", T0 + days(30 * i) + dt.timedelta(hours=9, minutes=7 * i), tpl
        )
        encs.append(e)
        lines += ls
        psns.append(person(f"T{i}"))
    own = [(f"C{k:02d}", 10.0 + k, 3.5 + 24 * (k % 5) + k / 7) for k in range(20)]  # same items, other times
    e, ls = _stay_with_lines("MO", "O1", T0 + days(200), own)
    con = store(
        {"medins": [hospital("H1")], "psn": [*psns, person("O1")], "mdtrt": [*encs, e], "fee": lines + ls}
    )
    found = PhantomAdmission().fit(con).findings(con)
    assert {f.mdtrt_id for f in found if f.level == Level.ENCOUNTER} == {f"MT{i}" for i in range(6)}
    assert all("模板" in f.evidence for f in found)
    # six templated stays at one hospital: the hospital too
    assert [f.fixmedins_code for f in found if f.level == Level.INSTITUTION] == ["H1"]


def test_phantom_seen_elsewhere_during_the_stay_but_not_before_admission():
    b = T0 + days(50) + dt.timedelta(hours=10)
    stay = encounter("MS", "P1", "H1", b, b + days(6))
    during = encounter("MV", "P1", "P9", b + days(2), b + days(2) + minutes(5), med_type="41", dx=None)
    stay2 = encounter("MS2", "P2", "H1", b, b + days(6))
    before = encounter(
        "MV2", "P2", "P9", b - dt.timedelta(hours=2), b - dt.timedelta(hours=1), med_type="41", dx=None
    )
    con = store(
        {
            "medins": [hospital("H1"), hospital("P9", lv="", inst_type="P100", kind="2")],
            "psn": [person("P1"), person("P2")],
            "mdtrt": [stay, during, stay2, before],
        }
    )
    found = PhantomAdmission().fit(con).findings(con)
    assert [f.mdtrt_id for f in found] == ["MS"]
    assert "P9购药" in found[0].evidence


def test_co_admission_household_together_repeatedly():
    b = T0 + days(40) + dt.timedelta(hours=9)
    psns = [
        person("A", hshld="H-1"),
        person("B", hshld="H-1"),
        person("C", hshld="H-2"),
        person("D", hshld="H-2"),
        person("E", "2025-03-01", hshld="H-3"),
        person("F", "1995-01-01", hshld="H-3"),
    ]
    encs = [
        encounter("A1", "A", "H1", b, b + days(6)),
        encounter("B1", "B", "H1", b + minutes(10), b + days(6)),
        encounter("A2", "A", "H1", b + days(60), b + days(66)),
        encounter("B2", "B", "H1", b + days(60) + minutes(5), b + days(66)),
        # same household, same admission day, different discharge day: not together
        encounter("C1", "C", "H1", b, b + days(6)),
        encounter("D1", "D", "H1", b, b + days(9)),
        # mother and newborn: not reported
        encounter("E1", "E", "H1", dt.datetime(2025, 3, 1, 10), dt.datetime(2025, 3, 4, 10)),
        encounter("F1", "F", "H1", dt.datetime(2025, 3, 1, 9), dt.datetime(2025, 3, 4, 10), dx="O80.000"),
    ]
    con = store({"medins": [hospital("H1")], "psn": psns, "mdtrt": encs})
    found = CoAdmission().fit(con).findings(con)
    assert {f.mdtrt_id for f in found} == {"A1", "B1", "A2", "B2"}
    assert all("共2次" in f.evidence for f in found)


def test_co_admission_needs_household_numbers():
    b = T0 + days(40)
    con = store(
        {
            "medins": [hospital("H1")],
            "psn": [
                {
                    "psn_no": "A",
                    "gend": "1",
                    "brdy": dt.date(1950, 1, 1),
                    "insutype": "390",
                    "insuplc_admdvs": "430102",
                }
            ],
            "mdtrt": [encounter("A1", "A", "H1", b, b + days(3))],
        }
    )
    with pytest.raises(DataUnavailable, match="户号"):
        CoAdmission().fit(con).findings(con)


def test_co_admission_at_one_hospital_by_three_households_reports_the_hospital():
    psns, encs = [], []
    for h in range(3):
        b = T0 + days(30 + 50 * h) + dt.timedelta(hours=9)
        for m in range(2):
            pid = f"H{h}M{m}"
            psns.append(person(pid, hshld=f"HH{h}"))
            encs.append(encounter(f"E{h}{m}", pid, "H1", b + minutes(5 * m), b + days(7)))
    con = store({"medins": [hospital("H1")], "psn": psns, "mdtrt": encs})
    found = CoAdmission().fit(con).findings(con)
    assert len([f for f in found if f.level == Level.ENCOUNTER]) == 6
    inst = [f for f in found if f.level == Level.INSTITUTION]
    assert [f.fixmedins_code for f in inst] == ["H1"] and "3户" in inst[0].evidence
