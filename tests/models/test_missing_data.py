"""Data with only encounter-level records: detectors skip what cannot run, say so, and score with the rest."""

from __future__ import annotations

import datetime as dt

import pytest
from model_builders import T0, days, encounter, hospital, minutes, store

from yibao.models.detector import model_detectors
from yibao.models.features import DataUnavailable, ensure_features
from yibao.screening import screen


def _claims_only(with_settlements: bool = True) -> dict[str, list[dict]]:
    """Like a claims export: persons without households, encounters, settlements; no fee lines at all."""
    psns, encs, setl = [], [], []
    for i in range(30):
        psns.append(
            {
                "psn_no": f"P{i:02d}",
                "gend": "1",
                "brdy": dt.date(1950, 1, 1),
                "insutype": "390",
                "insuplc_admdvs": "430102",
            }
        )
    for i in range(60):
        b = T0 + days(6 * i) + dt.timedelta(hours=10)
        inst = f"H{i % 3}"
        e = encounter(f"M{i:02d}", f"P{i % 30:02d}", inst, b, b + days(4), dx="J18.900", doctor=f"D{i % 3}")
        encs.append(e)
        setl.append(
            {
                "setl_id": f"S{i:02d}",
                "mdtrt_id": e["mdtrt_id"],
                "psn_no": e["psn_no"],
                "fixmedins_code": inst,
                "setl_time": b + days(4),
                "medfee_sumamt": 3000.0 + 10 * (i % 7),
                "hifp_pay": 2000.0,
                "fund_pay_sumamt": 2000.0,
                "acct_pay": 0.0,
                "psn_cash_pay": 1000.0,
            }
        )
    # a visit elsewhere in the middle of a stay: still visible without fee lines
    encs.append(encounter("MX", "P00", "H2", T0 + days(2), T0 + days(2) + minutes(20), med_type="11"))
    tables = {"medins": [hospital(f"H{k}") for k in range(3)], "psn": psns, "mdtrt": encs}
    if with_settlements:
        tables["setl"] = setl
    return tables


def test_screen_on_claims_without_fee_lines_skips_with_reasons_and_still_scores():
    con = store(_claims_only())
    report = screen(con)
    runs = {r.detector: r for r in report.runs}
    co = runs["co_admission_household@1"]
    assert co.error is not None and "户号" in co.error and "household" in co.error
    assert runs["phantom_admission_pattern@1"].error is None
    assert runs["risk_score@1"].error is None
    phantom = con.execute(
        "SELECT mdtrt_id FROM findings WHERE detector = 'phantom_admission_pattern@1'"
    ).fetchall()
    assert phantom == [("M00",)]
    notes = ensure_features(con).notes
    assert any("无费用明细" in n for n in notes)
    n_scored = con.execute("SELECT count(*) FROM risk_scores WHERE level = 'institution'").fetchone()[0]
    assert n_scored == 3


def test_tables_missing_from_the_store_become_skips_not_crashes():
    con = store(_claims_only(with_settlements=False), schema=False)
    con.execute(
        "CREATE TABLE findings (finding_id VARCHAR, violation VARCHAR, detector VARCHAR, level VARCHAR, "
        "feedetl_sn VARCHAR, mdtrt_id VARCHAR, psn_no VARCHAR, prac_code VARCHAR, fixmedins_code VARCHAR, "
        "amount DECIMAL(18,2), score DOUBLE, grade VARCHAR, evidence VARCHAR)"
    )
    outcomes = {}
    for det in model_detectors():
        try:
            outcomes[det.id] = len(det.fit(con).findings(con))
        except DataUnavailable as exc:
            outcomes[det.id] = str(exc)
    assert "户号" in str(outcomes["co_admission_household"])
    assert outcomes["phantom_admission_pattern"] == 1
    assert isinstance(outcomes["risk_score"], int)


def test_no_encounters_at_all_is_a_clear_error():
    con = store({"medins": [hospital("H1")]})
    with pytest.raises(DataUnavailable, match="mdtrt"):
        model_detectors()[0].fit(con)
