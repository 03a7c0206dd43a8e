"""Money at risk counts a fee line once however many rules hit it."""

from __future__ import annotations

from helpers import minimal_tables, write_dataset
from yibao.findings import Finding, Grade, Level, Violation
from yibao.findings_store import replace_findings
from yibao.ingest import ingest
from yibao.reports.summary import screening_summary
from yibao.store import connect


def _f(detector, violation, level, amount, **keys):
    return Finding(Violation(violation), detector, Level(level), amount, 0.9, Grade.DEFINITE, "测试", **keys)


def test_line_hit_by_two_rules_counts_once_and_encounter_takes_the_larger(tmp_path):
    db = tmp_path / "s.duckdb"
    ingest(write_dataset(tmp_path / "d", minimal_tables()), db)
    con = connect(db)
    h = "H43010200001"
    replace_findings(
        con,
        "a@1",
        [_f("a@1", "OVER_PRICE", "line", 10, feedetl_sn="F001", mdtrt_id="M001", fixmedins_code=h)],
    )
    replace_findings(
        con,
        "b@1",
        [
            _f("b@1", "OVER_PRICE", "line", 8, feedetl_sn="F001", mdtrt_id="M001", fixmedins_code=h),
            _f("b@1", "OVER_PRICE", "line", 5, feedetl_sn="F002", mdtrt_id="M001", fixmedins_code=h),
        ],
    )
    replace_findings(
        con,
        "c@1",
        [
            _f("c@1", "GHOST_BED", "encounter", 35, mdtrt_id="M001", fixmedins_code=h),
            _f("c@1", "INSTITUTION_OUTLIER", "institution", 999, fixmedins_code=h),
        ],
    )
    s = screening_summary(con)
    by_code = {r[0]: r for r in s.by_violation}
    assert by_code["OVER_PRICE"][2] == 3 and by_code["OVER_PRICE"][3] == 15  # 10 (max of F001) + 5
    assert by_code["GHOST_BED"][3] == 35 and by_code["INSTITUTION_OUTLIER"][3] == 0
    (inst,) = s.by_institution
    assert inst[0] == h and inst[2] == 5 and inst[3] == 35  # max(35, 10 + 5) for M001
    assert s.total_amount == 35 and s.total_findings == 5
