"""Well-formed but arbitrary settlements (odd quantities, reversals, unknown codes, any times, repeated
packs) are always judged: the service answers a decision, it never fails inside the rules."""

from __future__ import annotations

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from yibao.realtime.schemas import PrecheckRequest
from yibao.realtime.service import ReviewService, ServeSettings

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def world(city_template, tmp_path_factory):
    import shutil

    src, roles = city_template
    folder = tmp_path_factory.mktemp("random")
    db = folder / "city.duckdb"
    shutil.copy(src, db)
    con = duckdb.connect(str(db), read_only=True)
    codes = [r[0] for r in con.execute("SELECT DISTINCT med_list_codg FROM catalog ORDER BY 1").fetchall()]
    institutions = [r[0] for r in con.execute("SELECT fixmedins_code FROM medins ORDER BY 1").fetchall()]
    persons = [r[0] for r in con.execute("SELECT psn_no FROM psn ORDER BY 1 LIMIT 40").fetchall()]
    con.close()
    service = ReviewService(ServeSettings(db=db, state_path=folder / "state.sqlite"))
    yield service, [*codes, "X0000000NOTACODE"], institutions, [*persons, roles.dead]
    service.state.close()


def _line(draw, codes, k: int) -> dict:
    cnt = draw(st.sampled_from([1, 2, 3, 0.5, 10, -1, 100]))
    price = draw(st.sampled_from([0.0, 1.0, 12.0, 28.0, 999.99]))
    hour = draw(st.integers(0, 23))
    day = draw(st.integers(1, 28))
    line = {
        "feedetl_sn": f"L{k}",
        "fee_ocur_time": f"2026-02-{day:02d} {hour:02d}:00:00",
        "med_list_codg": draw(st.sampled_from(codes)),
        "list_type": draw(st.sampled_from(["101", "102", "201", "301"])),
        "cnt": cnt,
        "pric": price,
    }
    if draw(st.booleans()):
        line["drug_trac_codg"] = [draw(st.sampled_from(["81234567890123456789", "81234567890123456790"]))]
    return line


@st.composite
def settlements(draw, codes, institutions, persons):
    n = draw(st.integers(0, 6))
    rid = draw(st.integers(0, 10**9))
    day = draw(st.integers(1, 28))
    med_type = draw(st.sampled_from(["11", "14", "21", "41"]))
    return {
        "request_id": f"H{rid}",
        "person": {"psn_no": draw(st.sampled_from(persons))},
        "encounter": {
            "mdtrt_id": f"HM{rid}",
            "fixmedins_code": draw(st.sampled_from(institutions)),
            "med_type": med_type,
            "begntime": f"2026-02-{day:02d} 08:00:00",
            "endtime": f"2026-02-{min(28, day + 3):02d} 09:00:00",
            "dise_codg": draw(st.sampled_from(["I10.x00", "O80.000", "N40.x00", "Z51.100"])),
            "diagnoses": draw(st.lists(st.sampled_from(["E11.900", "C34.900", "O80.000"]), max_size=2)),
            "mdtrt_cert_type": "01",
            "term_admdvs": draw(st.sampled_from(["430102", "460105", "110101"])),
        },
        "settlement": {
            "setl_id": f"HS{rid}",
            "setl_time": f"2026-02-{min(28, day + 3):02d} 09:00:00",
            "medfee_sumamt": 100,
            "hifp_pay": 60,
            "fund_pay_sumamt": 60,
            "acct_pay": 0,
            "psn_cash_pay": 40,
            "refd_setl_flag": draw(st.sampled_from(["0", "1"])),
        },
        "fee": [_line(draw, codes, k) for k in range(n)],
    }


def test_arbitrary_well_formed_settlements_are_always_judged(world):
    service, codes, institutions, persons = world

    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(body=settlements(codes, institutions, persons))
    def check(body):
        answer = service.precheck(PrecheckRequest.model_validate(body))
        assert answer.decision in ("pass", "warn", "refuse")
        assert (answer.decision == "pass") == (not answer.findings)

    check()
