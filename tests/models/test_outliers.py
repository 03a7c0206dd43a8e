"""Peer comparison, OVER_TREATMENT, INSTITUTION_OUTLIER and PRACTITIONER_OUTLIER on small built inputs."""

from __future__ import annotations

import datetime as dt

import polars as pl
from model_builders import T0, days, encounter, hospital, line, person, store

from yibao.findings import Level, Violation
from yibao.models.outliers import InstitutionOutlier, OverTreatment, PractitionerOutlier
from yibao.models.peers import Indicator, compare_with_peers


def test_peers_fall_back_to_a_wider_group_and_use_the_others_only():
    frame = pl.DataFrame(
        {
            "k": ["a", "b", "c", "d", "e"],
            "lv": ["1", "1", "1", "1", "2"],
            "dv": ["x", "x", "y", "y", "y"],
            "v": [1.0, 1.1, 0.9, 3.0, 9.0],
        }
    )
    res = {
        r.key: r
        for r in compare_with_peers(
            frame, "k", [Indicator("v", "指标", floor=0.1)], [("lv", "dv"), ("lv",)], min_peers=2, min_cases=0
        )
    }
    assert set(res) == {"a", "b", "c", "d"}  # "e" has no peer at its level
    assert res["d"].group == "lv=1" and res["d"].peers == 3
    assert abs(res["d"].peer_median - 1.0) < 1e-9  # leave-one-out: d's own 3.0 is not in its yardstick
    assert res["d"].z > 4 and res["a"].z < 1


def _stays(
    n: int, per_day: float, inst: str = "H1", dx: str = "J18.900", start: int = 0
) -> tuple[list, list, list]:
    psns, encs, lines = [], [], []
    for i in range(n):
        pid, mid = f"{inst}{dx[:3]}{start + i:03d}", f"M{inst}{dx[:3]}{start + i:03d}"
        b = T0 + days(3 * i) + dt.timedelta(hours=10)
        e = encounter(mid, pid, inst, b, b + days(5), dx=dx, doctor=f"D{inst}")
        psns.append(person(pid))
        encs.append(e)
        lines.append(line(f"L{mid}", e, "X1", per_day * 5))
    return psns, encs, lines


def test_over_treatment_many_times_the_diagnosis_median_at_the_level():
    p, e, f = _stays(25, 300.0 * 1.0)
    p2, e2, f2 = _stays(1, 300.0 * 6, start=100)  # 6 × the median per stay day
    p3, e3, f3 = _stays(1, 300.0 * 3, start=200)  # 3 ×: within what clean care does
    con = store({"medins": [hospital("H1")], "psn": p + p2 + p3, "mdtrt": e + e2 + e3, "fee": f + f2 + f3})
    found = OverTreatment().fit(con).findings(con)
    assert [x.mdtrt_id for x in found] == [e2[0]["mdtrt_id"]]
    assert found[0].violation == Violation.OVER_TREATMENT and found[0].level == Level.ENCOUNTER
    assert "6.0倍" in found[0].evidence
    assert abs(found[0].amount - (1800 * 5 - 300 * 5)) < 1


def test_institution_outlier_cost_per_case_against_same_type_and_level():
    psns, encs, lines = [], [], []
    for k, inst in enumerate(["H1", "H2", "H3", "H4"]):
        p, e, f = _stays(40, 300.0 * (3.0 if inst == "H4" else 1.0 + 0.05 * k), inst=inst)
        psns += p
        encs += e
        lines += f
    con = store(
        {"medins": [hospital(h) for h in ("H1", "H2", "H3", "H4")], "psn": psns, "mdtrt": encs, "fee": lines}
    )
    found = InstitutionOutlier().fit(con).findings(con)
    assert [f.fixmedins_code for f in found] == ["H4"]
    assert "次均住院费用" in found[0].evidence and "同类组" in found[0].evidence


def test_a_specialist_hospital_is_not_judged_on_inpatient_cost_against_general_hospitals():
    psns, encs, lines = [], [], []
    for k, inst in enumerate(["H1", "H2", "H3", "H4"]):
        p, e, f = _stays(40, 300.0 * (1.0 + 0.05 * k), inst=inst)
        psns, encs, lines = psns + p, encs + e, lines + f
    p, e, f = _stays(40, 900.0, inst="P1")  # a psychiatric hospital: same diagnosis, three times dearer
    psns, encs, lines = psns + p, encs + e, lines + f
    medins = [hospital(h) for h in ("H1", "H2", "H3", "H4")] + [hospital("P1", inst_type="A520")]
    con = store({"medins": medins, "psn": psns, "mdtrt": encs, "fee": lines})
    assert InstitutionOutlier().fit(con).findings(con) == []


def test_two_indicators_off_together_flag_an_institution_neither_would_alone():
    """Growth and cost per case each about 4 robust z from peers: below the single-indicator bar
    (4.5), above the corroborated one (3.5) twice."""
    from yibao.models.outliers import _flagged
    from yibao.models.peers import PeerResult

    def hit(key: str, col: str, z: float, ratio: float = 1.9) -> PeerResult:
        return PeerResult(key, Indicator(col, col), ratio, 1.0, ratio, z, "g", 4)

    results = [hit("A", "growth", 4.4), hit("A", "cost_op", 4.0), hit("B", "growth", 4.4), hit("C", "x", 4.6)]
    assert set(_flagged(results, 4.5, 1.8, 3.5)) == {"A", "C"}
    assert set(_flagged(results, 4.5, 1.8)) == {"C"}  # without corroboration only the single strong one
    assert set(_flagged([hit("A", "growth", 4.4), hit("A", "cost_op", 4.0, ratio=1.2)], 4.5, 1.8, 3.5)) == set()


def test_practitioner_outlier_must_also_stand_out_in_own_department():
    psns, encs, lines = [], [], []
    doctors = {"H1": ["D1", "D2", "D3"], "H2": ["D4", "D5", "D6"]}
    n = 0
    for inst, docs in doctors.items():
        for d in docs:
            for i in range(40):
                n += 1
                b = T0 + days(i * 7) + dt.timedelta(hours=9)
                e = encounter(
                    f"V{n}",
                    f"Q{n}",
                    inst,
                    b,
                    b + dt.timedelta(minutes=20),
                    med_type="11",
                    dx="J06.900",
                    doctor=d,
                )
                cost = 400.0 if d == "D2" else 100.0 + 2 * (n % 5)
                psns.append(person(f"Q{n}"))
                encs.append(e)
                lines.append(line(f"F{n}", e, "X1", cost, list_type="101"))
    con = store(
        {
            "medins": [hospital("H1"), hospital("H2")],
            "psn": psns,
            "mdtrt": encs,
            "fee": lines,
            "practitioner": [
                {"prac_code": d, "prac_type": "doctor", "fixmedins_code": h, "dept_codg": "A03"}
                for h, ds in doctors.items()
                for d in ds
            ],
        }
    )
    found = PractitionerOutlier().fit(con).findings(con)
    assert [(f.prac_code, f.fixmedins_code) for f in found] == [("D2", "H1")]
    assert "门诊次均费用" in found[0].evidence
