"""CARD_MISUSE (盗刷/冒名就医): someone else's credential.

Forms:
* two_cities_hours (encounter) — a purchase at a pharmacy in 海口市 1-4 hours before or after the same person's
  visit in 长沙市 (impossible travel; the threshold assumed is different cities within 6 hours);
* remote_terminal (encounter) — a purchase at a 长沙市 pharmacy with the credential read by a terminal in 海口市
  (term_admdvs 460106) within 1-3 hours of a visit in 长沙市;
* swipe_burst (person) — 5-7 purchases at 4-5 different pharmacies within about three hours on one day
  (threshold: 4 or more encounters at different institutions in one day);
* age_implausible_delivery (encounter) — a childbirth admission on the card of a woman aged 60-75.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from yibao.synth.violations._base import (
    count,
    encounters,
    fresh,
    idle_persons,
    label_encounters,
    new_encounters,
    pick,
    shuffled,
    stay_row,
)
from yibao.synth.world import World

CODE = "CARD_MISUSE"


def _same_day_free(world: World, psn: int, day: dt.date, keep: int) -> bool:
    lo = dt.datetime.combine(day - dt.timedelta(days=2), dt.time())
    return world.is_free(psn, lo, lo + dt.timedelta(days=5), allow=keep)


def _pharmacy(world: World, rng: np.random.Generator, away: bool) -> int:
    m = world.medins.filter((pl.col("tier") == "PHA") & ((pl.col("city") != "长沙市") if away else
                                                          (pl.col("city") == "长沙市")))
    return int(m["inst_idx"][int(rng.integers(0, m.height))])


def _near(world: World, rng: np.random.Generator, form: str, note: str, away: bool) -> None:
    base = fresh(world, encounters(world)).filter(pl.col("med_type").is_in(["11", "41"]) & (pl.col("city") == "长沙市")
                                                  & pl.col("begin").dt.hour().is_between(11, 16))
    chosen = shuffled(rng, base)
    rows = []
    for r in chosen.iter_rows(named=True):
        if len(rows) >= count(world, 15):
            break
        if r["psn_idx"] in world.touched_psn or not _same_day_free(world, r["psn_idx"], r["begin"].date(), r["enc"]):
            continue
        hours = float(rng.uniform(1, 4 if away else 3))
        b = r["end"] + dt.timedelta(hours=hours) if rng.random() < 0.5 else r["begin"] - dt.timedelta(hours=hours)
        if b.date() != r["begin"].date():
            continue
        row = {"psn_idx": r["psn_idx"], "inst_idx": _pharmacy(world, rng, away), "med_type": "41", "group": "pharmacy",
               "begin": b, "end": b + dt.timedelta(minutes=int(rng.integers(3, 9))), "cert_type": "01"}
        if not away:
            row["term_admdvs"] = "460106"
        rows.append(row)
        world.touched_psn.add(r["psn_idx"])
    if rows:
        enc, _ = new_encounters(world, rows)
        label_encounters(world, enc, CODE, form, note)


def _burst(world: World, rng: np.random.Generator) -> None:
    people = pick(rng, idle_persons(world).filter(pl.col("age").is_between(25, 70) & (pl.col("len") <= 10)),
                  count(world, 6) * 3)
    pharm = world.medins.filter((pl.col("tier") == "PHA") & (pl.col("city") == "长沙市"))["inst_idx"].to_list()
    done = 0
    for psn in people["psn_idx"].to_list():
        if done >= count(world, 6):
            break
        day = int(rng.integers(0, world.days))
        d = world.start + dt.timedelta(days=day)
        lo = dt.datetime.combine(d - dt.timedelta(days=2), dt.time())
        if not world.is_free(psn, lo, lo + dt.timedelta(days=5)) or world.dead_date(psn) is not None:
            continue
        n = int(rng.integers(5, 8))
        shops = rng.choice(pharm, size=n, replace=len(pharm) < n)
        t = dt.datetime.combine(d, dt.time(9)) + dt.timedelta(minutes=int(rng.integers(0, 300)))
        rows = []
        for k in range(n):
            b = t + dt.timedelta(minutes=int(25 * k + rng.integers(0, 15)))
            rows.append({"psn_idx": psn, "inst_idx": int(shops[k]), "med_type": "41", "group": "pharmacy", "begin": b,
                         "end": b + dt.timedelta(minutes=4)})
        world.touched_psn.add(psn)
        _enc, lines = new_encounters(world, rows)
        world.label(CODE, "person", "swipe_burst", f"同一医保凭证一日内在{n}家药店密集刷卡", int(lines["amt"].sum()),
                    psn_idx=psn)
        done += 1


def _delivery(world: World, rng: np.random.Generator) -> None:
    old = idle_persons(world).filter((pl.col("gend") == "2") & pl.col("age").is_between(60, 75))
    hosp = world.medins.filter(pl.col("tier").is_in(["T2", "T3"]) & (pl.col("city") == "长沙市"))
    rows = []
    for psn in shuffled(rng, old)["psn_idx"].to_list():
        if len(rows) >= count(world, 4):
            break
        day = int(rng.integers(5, world.days - 10))
        lo = dt.datetime.combine(world.start, dt.time()) + dt.timedelta(days=day - 16)
        if not world.is_free(psn, lo, lo + dt.timedelta(days=36)):
            continue
        inst = int(hosp["inst_idx"][int(rng.integers(0, hosp.height))])
        rows.append(stay_row(world, rng, psn, inst, day, 3, "delivery", "O80.000", dept="A05"))
        world.touched_psn.add(psn)
    if rows:
        enc, _ = new_encounters(world, rows)
        label_encounters(world, enc, CODE, "age_implausible_delivery", "六十岁以上女性参保人发生分娩住院，疑似冒名就医")


def inject(world: World) -> None:
    rng = world.rng(CODE)
    _near(world, rng, "two_cities_hours", "同一凭证数小时内先后在长沙、海口两地结算（不可能的行程）", True)
    _near(world, rng, "remote_terminal", "长沙药店结算的凭证读取终端位于海口，与本人长沙就诊相隔数小时", False)
    _burst(world, rng)
    _delivery(world, rng)
