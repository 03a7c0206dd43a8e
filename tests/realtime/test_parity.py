"""No second copy of rule logic: the service's findings equal batch screening's on the same rows.

Crafted settlements (every cross-settlement kind, plus line rules) go through the service one by
one; then the same rows are put into a copy of the store and the rule library runs as batch
screening runs it (RuleDetector over DuckDB). What batch screening finds beyond what it found
without them must be exactly what the service answered, finding by finding.
"""

from __future__ import annotations

import shutil

import duckdb
import pytest
from realtime_cases import DRUG, VISIT_FEE, line, scenario, settlement

from yibao.realtime.judge import realtime_rules
from yibao.realtime.schemas import PrecheckRequest
from yibao.realtime.service import ReviewService, ServeSettings
from yibao.realtime.store_sync import flush_outbox
from yibao.rules.detector import RuleDetector, ensure_prepared

pytestmark = pytest.mark.slow

MALE_ONLY = ("002504010030000", "201", 70.0)  # 前列腺特异性抗原测定, catalogue lmt_gend 1
OVER_CEILING = (VISIT_FEE[0], VISIT_FEE[1], 20.0)  # ceiling 13.20


def _batch(db) -> dict[str, tuple]:
    con = duckdb.connect(str(db))
    try:
        ensure_prepared(con)
        out = {}
        for rule in realtime_rules("in"):
            for f in RuleDetector(rule).findings(con):
                out[f.finding_id] = (
                    f.detector,
                    f.grade.value,
                    round(f.amount, 2),
                    round(f.score, 4),
                    f.evidence,
                )
        return out
    finally:
        con.close()


def _female(db) -> str:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(
            "SELECT psn_no FROM psn WHERE gend = '2' AND psn_no NOT IN (SELECT psn_no FROM mdtrt) ORDER BY psn_no"
        ).fetchall()[0][0]
    finally:
        con.close()


def test_service_findings_equal_batch_screening_on_the_same_rows(city, tmp_path):
    db, roles = city
    with_rows = tmp_path / "with_rows.duckdb"
    shutil.copy(db, with_rows)
    steps = [s.body for s in scenario(roles, "P") if not s.replay]
    woman = _female(db)
    steps.append(
        settlement(
            "PL1",
            woman,
            roles.hospitals[0],
            "2026-01-21 09:00:00",
            "2026-01-21 09:30:00",
            [
                line("PL1-1", "2026-01-21 09:05:00", MALE_ONLY),
                line("PL1-2", "2026-01-21 09:06:00", OVER_CEILING),
                line("PL1-3", "2026-01-21 09:07:00", DRUG, cnt=2),
            ],
        )
    )
    service = ReviewService(ServeSettings(db=db, state_path=tmp_path / "state.sqlite"))
    answered: dict[str, tuple] = {}
    entries = []
    try:
        for body in steps:
            decision = service.precheck(PrecheckRequest.model_validate(body))
            for f in decision.findings:
                answered[f.finding_id] = (f.detector, f.grade, f.amount, round(f.score, 4), f.evidence)
        _token, entries = service.state.take_outbox(1000)
    finally:
        service.state.close()
    rules = {d.split("@")[0] for d, *_ in answered.values()}
    assert rules >= {
        "trace_code_reuse",
        "card_impossible_travel",
        "encounter_during_stay",
        "post_death_care",
        "daily_max_exceeded",
        "gender_restricted_item",
        "price_above_ceiling",
    }, rules
    # the same rows, every one of them this time (refused ones too), into the store batch screening reads
    for e in entries:
        e["settled"] = True
    flush_outbox(with_rows, entries)
    batch_before = _batch(db)
    batch_after = _batch(with_rows)
    new = {k: v for k, v in batch_after.items() if k not in batch_before}
    assert new == answered
