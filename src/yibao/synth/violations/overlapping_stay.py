"""OVERLAPPING_STAY (住院时间重叠): one person in two places at once.

Forms (encounter level, the second stay is labelled):
* two_hospitals — a stay at another hospital beginning while a stay is running;
* same_hospital_twice — a second admission registered at the same hospital during a running stay.
Clean transfers begin on the discharge day after the first stay has ended (no overlap).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from yibao.synth.violations._base import count, encounters, fresh, label_encounters, new_encounters, pick
from yibao.synth.world import World

CODE = "OVERLAPPING_STAY"


def _rows(world: World, rng: np.random.Generator, stays: pl.DataFrame, same: bool) -> list[dict[str, object]]:
    hosp = world.medins.filter(pl.col("tier").is_in(["T1", "T2"]) & (pl.col("city") == "长沙市"))
    rows = []
    for r in stays.iter_rows(named=True):
        start = r["begin"] + dt.timedelta(days=int(rng.integers(1, max(2, r["los"] - 2))), hours=2)
        los = int(rng.integers(3, 7))
        end = dt.datetime.combine(start.date() + dt.timedelta(days=los), dt.time(10))
        if (end.date() - world.start).days >= world.days:
            continue
        dead = world.dead_date(r["psn_idx"])
        if dead is not None and dead <= end.date():
            continue
        other = hosp.filter(pl.col("inst_idx") != r["inst_idx"])
        inst = r["inst_idx"] if same else int(other["inst_idx"][int(rng.integers(0, other.height))])
        rows.append({"psn_idx": r["psn_idx"], "inst_idx": inst, "med_type": "21", "group": r["group"], "dx": r["dx"],
                     "begin": start, "end": end, "los": los, "dept": r["dept"] if same else None,
                     "dscg_way": "1"})
        world.touched_psn.add(r["psn_idx"])
    return rows


def inject(world: World) -> None:
    rng = world.rng(CODE)
    for same, form, note in ((False, "two_hospitals", "住院期间又在另一家医院办理住院，时间重叠"),
                             (True, "same_hospital_twice", "同一医院对同一患者重复登记住院，时间重叠")):
        stays = fresh(world, encounters(world)).filter(
            (pl.col("med_type") == "21") & (pl.col("los") >= 6) & (pl.col("dscg_way") == "1")
            & pl.col("group").is_in(["pneumonia", "stroke", "heart_failure", "copd_exac", "diabetes", "lumbar_disc"]))
        rows = _rows(world, rng, pick(rng, stays, count(world, 15)), same)
        if rows:
            enc, _ = new_encounters(world, rows)
            label_encounters(world, enc, CODE, form, note)
