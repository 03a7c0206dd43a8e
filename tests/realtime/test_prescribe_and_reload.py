"""事前提醒 warns and never refuses; a knowledge-base update is picked up without a restart."""

from __future__ import annotations

import time

import duckdb
import pytest
from realtime_cases import DRUG, line, rule_ids, settlement

from conftest import serving

pytestmark = pytest.mark.slow

FEMALE_ONLY = ("002703000010000", "201", 150.0)  # 宫颈液基细胞学检查, catalogue lmt_gend 2


def _male(db) -> str:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("SELECT psn_no FROM psn WHERE gend = '1' ORDER BY psn_no LIMIT 1").fetchall()[0][0]
    finally:
        con.close()


def _orders(psn_no: str, hospital: str, *items: tuple[str, str, float]) -> dict:
    return {
        "person": {"psn_no": psn_no},
        "encounter": {
            "mdtrt_id": "RX1",
            "fixmedins_code": hospital,
            "med_type": "11",
            "begntime": "2026-01-15 09:00:00",
            "endtime": "2026-01-15 09:30:00",
        },
        "orders": [{"med_list_codg": c, "list_type": t, "cnt": 1, "pric": p} for c, t, p in items],
    }


def test_prescribe_check_warns_and_stores_nothing(city):
    db, roles = city
    male = _male(db)
    with serving(db) as server:
        res = server.post("/api/v1/prescribe-check", _orders(male, roles.hospitals[0], FEMALE_ONLY))
        assert res.status_code == 200, res.text
        answer = res.json()
        assert answer["decision"] == "warn"
        assert "gender_restricted_item" in rule_ids(answer)
        assert all(f["grade"] == "definite" for f in answer["findings"])  # definite, still only a reminder
        clean = server.post("/api/v1/prescribe-check", _orders(male, roles.hospitals[0], DRUG)).json()
        assert clean["decision"] == "pass" and clean["findings"] == []
        # the same line at settlement is refused: the reminder did not record anything
        body = settlement(
            "PX1",
            male,
            roles.hospitals[0],
            "2026-01-15 09:00:00",
            "2026-01-15 09:30:00",
            [line("PX1-1", "2026-01-15 09:10:00", FEMALE_ONLY)],
        )
        assert server.post("/api/v1/precheck", body).json()["decision"] == "refuse"


def test_knowledge_update_is_picked_up_without_restart(city):
    db, roles = city
    male = _male(db)
    code = "XC09CAA001"
    item = (code, "101", 45.0)
    with serving(db, "--reload-interval", "0.5") as server:
        before = server.post("/api/v1/health", None)
        version = server.post("/api/v1/prescribe-check", _orders(male, roles.hospitals[0], item)).json()
        assert version["decision"] == "pass"
        del before
        for attempt in range(50):  # the service opens the store briefly; retry while it holds it
            try:
                con = duckdb.connect(str(db))
                con.execute("UPDATE catalog SET lmt_gend = '2' WHERE med_list_codg = ?", [code])
                con.close()
                break
            except duckdb.IOException:
                time.sleep(0.1 * attempt)
        deadline = time.monotonic() + 30
        while True:
            answer = server.post("/api/v1/prescribe-check", _orders(male, roles.hospitals[0], item)).json()
            if answer["knowledge_version"] != version["knowledge_version"] or time.monotonic() > deadline:
                break
            time.sleep(0.3)
        assert answer["knowledge_version"] != version["knowledge_version"]
        assert answer["decision"] == "warn" and "gender_restricted_item" in rule_ids(answer)
