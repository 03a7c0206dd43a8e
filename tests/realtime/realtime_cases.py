"""Crafted settlements, one scenario per kind of cross-settlement check, over a synthetic city.

Times are in January 2026, after the city's own data, so every check sees the city as history.
Each step says which decision and which rules (by rule id) it must get.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

DRUG = ("XC08CAA001", "101", 28.0)  # 苯磺酸氨氯地平片, no restriction
VISIT_FEE = ("001102000010000", "201", 12.0)  # 普通门诊诊查费, at most 1 a day (catalogue max_daily_cnt)


@dataclass(frozen=True)
class Roles:
    """Persons of the city cast in the scenarios."""

    traveller: str  # treated in 长沙 many times
    fresh: tuple[str, ...]  # no encounters in the city at all
    dead: str  # put in the death registry by the fixture
    hospitals: tuple[str, ...]  # 长沙 general hospitals
    pharmacies: tuple[str, ...]  # 长沙 retail pharmacies
    far_hospital: str  # a hospital in another province (海口)


def pick_roles(db: Path) -> Roles:
    con = duckdb.connect(str(db), read_only=True)
    try:
        traveller = con.execute(
            """SELECT m.psn_no FROM mdtrt AS m JOIN medins AS i USING (fixmedins_code)
               WHERE i.city = '长沙市' GROUP BY m.psn_no ORDER BY count(*) DESC, m.psn_no LIMIT 1"""
        ).fetchone()[0]
        fresh = [
            r[0]
            for r in con.execute(
                """SELECT psn_no FROM psn WHERE psn_no NOT IN (SELECT psn_no FROM mdtrt)
                   AND date_diff('year', brdy, DATE '2026-01-01') BETWEEN 25 AND 60 ORDER BY psn_no LIMIT 12"""
            ).fetchall()
        ]
        inst = con.execute(
            """SELECT fixmedins_code, fixmedins_type, city FROM medins
               WHERE fixmedins_type = '2' OR inst_type = 'A100' ORDER BY fixmedins_code"""
        ).fetchall()
    finally:
        con.close()
    return Roles(
        traveller=traveller,
        fresh=tuple(fresh[1:]),
        dead=fresh[0],
        hospitals=tuple(c for c, t, city in inst if t == "1" and city == "长沙市"),
        pharmacies=tuple(c for c, t, city in inst if t == "2" and city == "长沙市"),
        far_hospital=next(c for c, t, city in inst if t == "1" and city != "长沙市"),
    )


def line(
    sn: str, at: str, item: tuple[str, str, float], cnt: float = 1, trace: list[str] | None = None
) -> dict:
    code, list_type, price = item
    out: dict[str, Any] = {
        "feedetl_sn": sn,
        "fee_ocur_time": at,
        "med_list_codg": code,
        "list_type": list_type,
        "cnt": cnt,
        "pric": price,
    }
    if trace:
        out["drug_trac_codg"] = trace
    return out


def settlement(
    rid: str,
    psn_no: str,
    inst: str,
    begin: str,
    end: str,
    lines: list[dict],
    *,
    med_type: str = "11",
    dise_codg: str | None = None,
) -> dict:
    total = round(sum(x["cnt"] * x["pric"] for x in lines), 2)
    fund = round(total * 0.6, 2)
    enc: dict[str, Any] = {
        "mdtrt_id": f"M{rid}",
        "fixmedins_code": inst,
        "med_type": med_type,
        "begntime": begin,
        "endtime": end,
        "mdtrt_cert_type": "01",
    }
    if dise_codg:
        enc["dise_codg"] = dise_codg
    return {
        "request_id": rid,
        "person": {"psn_no": psn_no},
        "encounter": enc,
        "settlement": {
            "setl_id": f"S{rid}",
            "setl_time": end,
            "medfee_sumamt": total,
            "hifp_pay": fund,
            "fund_pay_sumamt": fund,
            "acct_pay": 0,
            "psn_cash_pay": round(total - fund, 2),
        },
        "fee": lines,
    }


@dataclass
class Step:
    name: str
    body: dict
    decision: str
    rules: set[str] = field(default_factory=set)  # rule ids that must be among the findings
    replay: bool = False


def scenario(roles: Roles, tag: str = "") -> list[Step]:
    """Every kind of cross-settlement check, each on its own persons, in time order."""
    f = roles.fresh
    t = tag
    code = "8" + str(zlib.crc32(tag.encode()) % 10**6).zfill(6) + "1234567890123"  # one pack, 20 digits
    trace_first = settlement(
        f"{t}TR1",
        f[0],
        roles.pharmacies[0],
        "2026-01-10 10:00:00",
        "2026-01-10 10:05:00",
        [line(f"{t}TR1-1", "2026-01-10 10:02:00", DRUG, trace=[code])],
        med_type="41",
    )
    trace_again = settlement(
        f"{t}TR2",
        f[1],
        roles.pharmacies[1],
        "2026-01-11 15:00:00",
        "2026-01-11 15:05:00",
        [line(f"{t}TR2-1", "2026-01-11 15:02:00", DRUG, trace=[code])],
        med_type="41",
    )
    home = settlement(
        f"{t}CT1",
        roles.traveller,
        roles.hospitals[0],
        "2026-01-12 09:00:00",
        "2026-01-12 09:30:00",
        [line(f"{t}CT1-1", "2026-01-12 09:05:00", VISIT_FEE), line(f"{t}CT1-2", "2026-01-12 09:20:00", DRUG)],
    )
    away = settlement(
        f"{t}CT2",
        roles.traveller,
        roles.far_hospital,
        "2026-01-12 11:00:00",
        "2026-01-12 11:20:00",
        [line(f"{t}CT2-1", "2026-01-12 11:10:00", DRUG)],
    )
    stay = settlement(
        f"{t}ST1",
        f[2],
        roles.hospitals[1],
        "2026-01-05 08:00:00",
        "2026-01-08 10:00:00",
        [line(f"{t}ST1-{d}", f"2026-01-0{d} 09:00:00", DRUG) for d in (5, 6, 7)],
        med_type="21",
        dise_codg="I10",
    )
    elsewhere = settlement(
        f"{t}ST2",
        f[2],
        roles.hospitals[2],
        "2026-01-06 10:00:00",
        "2026-01-06 10:30:00",
        [line(f"{t}ST2-1", "2026-01-06 10:10:00", DRUG)],
    )
    dead = settlement(
        f"{t}DD1",
        roles.dead,
        roles.hospitals[0],
        "2026-01-10 09:00:00",
        "2026-01-10 09:30:00",
        [line(f"{t}DD1-1", "2026-01-10 09:10:00", DRUG)],
    )
    day1 = settlement(
        f"{t}DL1",
        f[3],
        roles.hospitals[0],
        "2026-01-20 09:00:00",
        "2026-01-20 09:30:00",
        [line(f"{t}DL1-1", "2026-01-20 09:05:00", VISIT_FEE)],
    )
    day2 = settlement(
        f"{t}DL2",
        f[3],
        roles.hospitals[1],
        "2026-01-20 14:00:00",
        "2026-01-20 14:30:00",
        [line(f"{t}DL2-1", "2026-01-20 14:05:00", VISIT_FEE)],
    )
    return [
        Step("追溯码首次销售", trace_first, "pass"),
        Step("追溯码再次销售", trace_again, "refuse", {"trace_code_reuse"}),
        Step("本地就诊", home, "pass"),
        Step("两小时后异地就诊", away, "warn", {"card_impossible_travel"}),
        Step("住院", stay, "pass"),
        Step("住院期间他院门诊", elsewhere, "warn", {"encounter_during_stay"}),
        Step("死亡后就医", dead, "refuse", {"post_death_care"}),
        Step("当日首次诊查费", day1, "pass"),
        Step("当日第二次诊查费", day2, "refuse", {"daily_max_exceeded"}),
        Step("重复请求（通过）", trace_first, "pass", replay=True),
        Step("重复请求（拒付）", trace_again, "refuse", {"trace_code_reuse"}, replay=True),
    ]


def rule_ids(answer: dict) -> set[str]:
    return {f["detector"].split("@")[0] for f in answer["findings"]}
