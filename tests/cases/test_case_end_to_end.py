"""From a screened synthetic city to a closed penalty case, on both databases (slow: synth + screen)."""

from __future__ import annotations

import json

import pytest
from flowhelp import step

from yibao.audit.log import verify
from yibao.cases.appeals import list_findings, review_appeal, rule_precision, submit_appeal
from yibao.cases.clues import intake_findings, triage_queue
from yibao.cases.db import open_session
from yibao.cases.flow import assign_officer, get_case, open_case, yuan
from yibao.store import connect

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def screened(tmp_path_factory):
    from yibao.ingest import ingest
    from yibao.screening import screen
    from yibao.synth import generate

    root = tmp_path_factory.mktemp("city")
    generate(root / "city", persons=2000, months=3, seed=11)
    ingest(root / "city", root / "s.duckdb")
    con = connect(root / "s.duckdb")
    screen(con)
    con.close()
    return root / "s.duckdb"


def test_case_end_to_end_from_screened_city(engine, staff, screened):
    con = connect(screened, read_only=True)
    n_inst, total = con.execute(
        "SELECT count(DISTINCT fixmedins_code), sum(amount) FROM (SELECT fixmedins_code, coalesce(feedetl_sn, "
        "finding_id) k, max(amount) amount FROM findings WHERE fixmedins_code IS NOT NULL GROUP BY ALL)"
    ).fetchone()
    with open_session(engine) as s:
        report = intake_findings(s, staff["zhao"], con)
        queue = triage_queue(s, staff["boss"], limit=1000)
    con.close()
    assert len(report.clues_created) == n_inst == len(queue)
    assert float(sum(yuan(c.amount_fen) for c in queue)) == pytest.approx(float(total), abs=0.01 * n_inst)
    assert [c.priority for c in queue] == sorted((c.priority for c in queue), reverse=True)

    top = queue[0]
    staff["hosp"].fixmedins_code = top.fixmedins_code  # the institution user of the top-ranked institution
    with open_session(engine) as s:
        s.merge(staff["hosp"])
    with open_session(engine) as s:
        own = list_findings(s, staff["hosp"])
        assert own and {f.fixmedins_code for f, _ in own} == {top.fixmedins_code}
        for i, (f, _) in enumerate(own[:4]):
            appeal = submit_appeal(s, staff["hosp"], f.finding_id, "院方说明")
            review_appeal(s, staff["jing"], appeal.id, "overturned" if i == 0 else "confirmed", "复核意见")
        assert sum(r.appealed for r in rule_precision(s, staff["boss"])) == 4

    with open_session(engine) as s:
        case = open_case(s, staff["wang"], top.clue_no, region="430102")
        assign_officer(s, staff["boss"], case.case_no, "li")
        no, amount = case.case_no, str(yuan(get_case(s, case.case_no).amount_fen))
    step(engine, staff["wang"], no, "propose_filing")
    step(engine, staff["boss"], no, "approve_filing")
    step(
        engine, staff["wang"], no, "conclude_investigation", article=38, amount=amount, facts="筛查疑点经核实"
    )
    notice_needs_review = float(amount) * 1.5 >= 100000
    if notice_needs_review:
        step(engine, staff["wang"], no, "submit_review")
        step(engine, staff["fa"], no, "approve_review")
    step(engine, staff["wang"], no, "issue_notice")
    step(engine, staff["boss"], no, "decide", type="penalty")
    with open_session(engine) as s:
        decision = json.loads(get_case(s, no).decision)
    step(engine, staff["wang"], no, "serve")
    step(engine, staff["li"], no, "record_execution", refunded=decision["refund"], fine_paid=decision["fine"])
    step(engine, staff["boss"], no, "close")
    with open_session(engine) as s:
        assert get_case(s, no).state == "closed"
        assert verify(s).ok
