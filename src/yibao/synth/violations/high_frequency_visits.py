"""HIGH_FREQUENCY_VISITS (高频就医): a person visiting or buying far more than plausible.

Forms (person level; thresholds assumed: more than 12 clinic visits (11) in any 30 days, more than 8
pharmacy purchases (41) in any 30 days, more than 5 admissions (21, chemotherapy excluded) in a year):
* outpatient_shopping — 14-22 clinic visits within 30 days across 4-6 institutions, collecting the same
  antihypertensives (职业开药人 / doctor shopping);
* pharmacy_hopping — 10-16 purchases within 30 days at several pharmacies;
* frequent_admissions — 6-8 short admissions in the window at three or more hospitals, each at least 16
  days after the previous (so none is a split admission).
Clean data: at most 6 clinic visits and 4 purchases in any 30 days, at most 4 admissions (chemotherapy and
dialysis schedules excepted, which are med_type 21 Z51 cycles and med_type 14 sessions).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from yibao.synth.violations._base import count, idle_persons, new_encounters, pick, stay_row
from yibao.synth.world import World

CODE = "HIGH_FREQUENCY_VISITS"


def _clear(world: World, psn: int, d0: int, d1: int) -> bool:
    lo = dt.datetime.combine(world.start, dt.time()) + dt.timedelta(days=d0 - 16)
    hi = dt.datetime.combine(world.start, dt.time()) + dt.timedelta(days=d1 + 16)
    return world.is_free(psn, lo, hi) and world.dead_date(psn) is None


def _burst(world: World, rng: np.random.Generator, tiers: dict[str, float], med_type: str, n_lo: int, n_hi: int,
           form: str, note: str) -> None:
    people = pick(rng, idle_persons(world).filter(pl.col("age").is_between(45, 80) & (pl.col("len") <= 3)),
                  count(world, 5) * 4)
    done = 0
    for psn, adm in people.select("psn_idx", "insuplc_admdvs").iter_rows():
        if done >= count(world, 5):
            break
        d0 = int(rng.integers(0, max(1, world.days - 31)))
        if not _clear(world, psn, d0, d0 + 30):
            continue
        n = int(rng.integers(n_lo, n_hi + 1))
        insts = world.places.pick_inst(rng, tiers, np.array([adm] * 6))
        days = np.sort(rng.choice(30, size=n, replace=False)) + d0
        rows = []
        for k, d in enumerate(days.tolist()):
            b = dt.datetime.combine(world.start, dt.time(8)) + dt.timedelta(days=d, minutes=int(rng.integers(0, 540)))
            row = {"psn_idx": psn, "inst_idx": int(insts[k % len(insts)]), "med_type": med_type, "begin": b,
                   "end": b + dt.timedelta(minutes=int(rng.integers(5, 30)))}
            row.update({"group": "pharmacy"} if med_type == "41" else {"group": "hypertension", "dx": "I10.x00"})
            rows.append(row)
        world.touched_psn.add(psn)
        _, lines = new_encounters(world, rows)
        world.label(CODE, "person", form, note.format(n=n), int(lines["amt"].sum()), psn_idx=psn)
        done += 1


def _admissions(world: World, rng: np.random.Generator) -> None:
    if world.days < 150:
        return
    people = pick(rng, idle_persons(world).filter(pl.col("age").is_between(55, 85) & (pl.col("len") == 0)),
                  count(world, 3) * 3)
    hosp = world.medins.filter(pl.col("tier").is_in(["T1", "T2"]) & (pl.col("city") == "长沙市"))["inst_idx"].to_list()
    done = 0
    for psn in people["psn_idx"].to_list():
        if done >= count(world, 3):
            break
        n = int(rng.integers(6, 9))
        rows, day = [], int(rng.integers(0, 10))
        for k in range(n):
            los = int(rng.integers(3, 6))
            if day + los >= world.days:
                break
            inst = hosp[int(rng.integers(0, len(hosp)))] if k % 3 else hosp[k % len(hosp)]
            group, dx = (("hypertension", "I10.x00"), ("back_pain", "M54.500"), ("gastritis", "K29.700"))[k % 3]
            rows.append(stay_row(world, rng, psn, inst, day, los, group, dx, dept="A03"))
            day += los + 16 + int(rng.integers(0, 12))
        if len(rows) < 6 or len({r["inst_idx"] for r in rows}) < 2:
            continue
        world.touched_psn.add(psn)
        _enc, lines = new_encounters(world, rows)
        world.label(CODE, "person", "frequent_admissions", f"一年内住院{len(rows)}次，频繁住院",
                    int(lines["amt"].sum()), psn_idx=psn)
        done += 1


def inject(world: World) -> None:
    rng = world.rng(CODE)
    _burst(world, rng, {"CHC": 0.3, "T1": 0.2, "T2": 0.3, "CLN": 0.2}, "11", 14, 22, "outpatient_shopping",
           "30天内门诊就诊{n}次，辗转多家机构开取同类药品")
    _burst(world, rng, {"PHA": 1.0}, "41", 10, 16, "pharmacy_hopping", "30天内在多家药店购药{n}次")
    _admissions(world, rng)
