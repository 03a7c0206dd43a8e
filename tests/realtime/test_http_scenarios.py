"""A user starts `yibao serve` on a city and gets the right decision for every cross-settlement kind.

The same scenario runs against the embedded state and against a real Redis; the embedded state
survives a restart; what the service saw reaches the store, where batch screening finds it.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import duckdb
import pytest
from realtime_cases import VISIT_FEE, line, rule_ids, scenario, settlement

from conftest import serving
from yibao.rules.detector import RuleDetector, ensure_prepared
from yibao.rules.loader import load_library

pytestmark = pytest.mark.slow


def _run_scenario(server, roles, tag: str) -> list[dict]:
    answers = []
    for step in scenario(roles, tag):
        res = server.post("/api/v1/precheck", step.body)
        assert res.status_code == 200, res.text
        answer = res.json()
        assert answer["decision"] == step.decision, (step.name, answer)
        assert step.rules <= rule_ids(answer), (step.name, answer)
        assert answer["replay"] is step.replay, step.name
        for f in answer["findings"]:  # the contract's findings shape
            assert {
                "finding_id",
                "violation",
                "detector",
                "level",
                "amount",
                "score",
                "grade",
                "evidence",
            } <= set(f)
        answers.append(answer)
    return answers


def test_serve_decides_every_cross_settlement_kind_embedded(city):
    db, roles = city
    with serving(db, "--flush-interval", "0.5") as server:
        _run_scenario(server, roles, "E")


def test_serve_decides_every_cross_settlement_kind_redis(city, redis_flushed):
    db, roles = city
    with serving(db, "--redis", redis_flushed) as server:
        answers = _run_scenario(server, roles, "R")
        health = server.post("/api/v1/precheck", {}).status_code
        assert health == 422
    assert answers[1]["findings"][0]["violation"] == "TRACE_CODE_REUSE"


def test_serve_with_two_workers_shares_state_through_redis(city, redis_flushed):
    db, roles = city
    with serving(db, "--redis", redis_flushed, "--workers", "2") as server:
        _run_scenario(server, roles, "W")
        # concurrent retries of one request id get one decision; two same-day visits of one
        # person sent at once are judged one after the other (per-person lock across workers)
        who, (h1, h2) = roles.fresh[4], roles.hospitals[:2]
        visit = [line("QV1-1", "2026-01-25 09:05:00", VISIT_FEE)]
        first = settlement("QV1", who, h1, "2026-01-25 09:00:00", "2026-01-25 09:30:00", visit)
        second = settlement(
            "QV2",
            who,
            h2,
            "2026-01-25 14:00:00",
            "2026-01-25 14:30:00",
            [line("QV2-1", "2026-01-25 14:05:00", VISIT_FEE)],
        )
        once = settlement(
            "QV3",
            roles.fresh[5],
            h1,
            "2026-01-26 09:00:00",
            "2026-01-26 09:30:00",
            [line("QV3-1", "2026-01-26 09:05:00", VISIT_FEE)],
        )
        with ThreadPoolExecutor(8) as pool:
            pair = list(pool.map(lambda b: server.post("/api/v1/precheck", b).json(), [first, second]))
            copies = list(pool.map(lambda _: server.post("/api/v1/precheck", once).json(), range(8)))
        assert sorted(a["decision"] for a in pair) == ["pass", "refuse"]
        assert {a["decision"] for a in copies} == {"pass"}
        assert sum(not a["replay"] for a in copies) == 1


def test_embedded_state_survives_a_restart(city):
    db, roles = city
    steps = scenario(roles, "K")
    with serving(db) as server:
        first = server.post("/api/v1/precheck", steps[0].body).json()
        assert first["decision"] == "pass"
    with serving(db) as server:
        again = server.post("/api/v1/precheck", steps[0].body).json()
        assert again["replay"] is True and again["decision"] == "pass"
        # the pack sold before the restart is still known after it
        second = server.post("/api/v1/precheck", steps[1].body).json()
        assert second["decision"] == "refuse"
        assert "trace_code_reuse" in rule_ids(second)


def test_seen_settlements_reach_the_store_and_batch_screening(city):
    db, roles = city
    steps = scenario(roles, "B")
    with serving(db, "--flush-interval", "0.3") as server:
        for step in steps[:4]:
            assert server.post("/api/v1/precheck", step.body).json()["decision"] == step.decision
    con = duckdb.connect(str(db))
    try:
        decisions = dict(con.execute("SELECT request_id, decision FROM realtime_decision").fetchall())
        assert decisions == {"BTR1": "pass", "BTR2": "refuse", "BCT1": "pass", "BCT2": "warn"}
        settled = {
            r[0] for r in con.execute("SELECT mdtrt_id FROM mdtrt WHERE mdtrt_id LIKE 'MB%'").fetchall()
        }
        assert settled == {
            "MBTR1",
            "MBCT1",
            "MBCT2",
        }  # a refused settlement is not paid, so not stored as one
        ensure_prepared(con)
        travel = next(r for r in load_library() if r.id == "card_impossible_travel")
        found = RuleDetector(travel).findings(con)
        assert "MBCT2" in {f.mdtrt_id for f in found}
    finally:
        con.close()
