"""PHANTOM_ADMISSION (虚假住院): stays with no real patient behind them.

Forms (encounter level):
* templated_stays — one private hospital bills 8-12 stays from a single template: same diagnosis, same
  7-day length, the same item list (a lab sometimes left out), so totals are identical or nearly; the
  persons have no other care at all in the window;
* seen_elsewhere — a stay during which the same person visited another clinic or bought at a pharmacy.
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
    inst_of,
    label_encounters,
    new_encounters,
    pick,
    shuffled,
    stay_row,
)
from yibao.synth.world import World

CODE = "PHANTOM_ADMISSION"


def _templated(world: World, rng: np.random.Generator) -> None:
    pool = pl.concat([inst_of(world, "T1", private=True), inst_of(world, "T2", private=True)])
    if pool.is_empty():
        return
    inst = pool.row(int(rng.integers(0, pool.height)), named=True)
    people = idle_persons(world).filter((pl.col("len") == 0) & pl.col("age").is_between(40, 80))
    people = pick(rng, people, count(world, 4, minimum=8) + int(rng.integers(0, 5)))
    if people.height < 3:
        return
    days = np.sort(rng.integers(5, world.days - 20, people.height))
    rows = [stay_row(world, rng, psn, inst["inst_idx"], int(d), 7, "hypertension", "I10.x00", dept="A03")
            for psn, d in zip(people["psn_idx"].to_list(), days, strict=True)]
    span = rows[0]["end"] - rows[0]["begin"]  # type: ignore[operator]
    for r in rows:
        r["end"] = r["begin"] + span  # type: ignore[operator]  # the template's clock, to the second
        world.touched_psn.add(int(r["psn_idx"]))  # type: ignore[call-overload]
    enc, _ = new_encounters(world, rows[:1])
    template = world.fee.filter(pl.col("enc") == enc["enc"][0])
    t0 = enc["begin"][0]
    others, _ = new_encounters(world, rows[1:], bill=False)
    copies = []
    for e, b, psn in others.select("enc", "begin", "psn_idx").iter_rows():
        shift = b - t0
        c = template.with_columns(pl.lit(e, dtype=pl.Int64).alias("enc"), pl.lit(psn, dtype=pl.Int32).alias("psn_idx"),
                                  (pl.col("time") + shift).alias("time"), pl.lit(None, dtype=pl.Int64).alias("uid"))
        if rng.random() < 0.5:  # near-identical: one admission test left out
            labs = c.filter(pl.col("code").str.starts_with("0025"))
            if labs.height:
                c = c.filter(pl.col("code") != labs["code"][int(rng.integers(0, labs.height))])
        copies.append(c)
    if copies:
        world.add_lines(pl.concat(copies))
    label_encounters(world, pl.concat([enc, others]), CODE, "templated_stays",
                     "同一机构按模板虚构住院：诊断、住院天数、收费项目一致，患者无其他就医记录")


def _seen_elsewhere(world: World, rng: np.random.Generator) -> None:
    visits = fresh(world, encounters(world)).filter(pl.col("med_type").is_in(["11", "41"]) & (pl.col("age") >= 30)
                                                    & (pl.col("city") == "长沙市"))
    chosen = shuffled(rng, visits)
    hosp = pl.concat([inst_of(world, "T1"), inst_of(world, "T2")])
    rows = []
    for r in chosen.iter_rows(named=True):
        if len(rows) >= count(world, 20):
            break
        psn = r["psn_idx"]
        if psn in world.touched_psn:
            continue
        day = (r["begin"].date() - world.start).days - int(rng.integers(1, 4))
        los = int(rng.integers(5, 9))
        if day < 0 or day + los >= world.days:
            continue
        lo = dt.datetime.combine(world.start, dt.time()) + dt.timedelta(days=day - 16)
        hi = lo + dt.timedelta(days=los + 32)
        if not world.is_free(psn, lo, hi, allow=r["enc"]) or world.dead_date(psn) is not None:
            continue
        other = hosp.filter(pl.col("inst_idx") != r["inst_idx"])
        inst = int(other["inst_idx"][int(rng.integers(0, other.height))])
        group, dx = ("back_pain", "M54.500") if rng.random() < 0.5 else ("gastritis", "K29.700")
        rows.append(stay_row(world, rng, psn, inst, day, los, group, dx))
        world.touched_psn.add(psn)
    if rows:
        enc, _ = new_encounters(world, rows)
        label_encounters(world, enc, CODE, "seen_elsewhere", "住院期间同一参保人在其他机构门诊就诊或购药，疑似虚假住院")


def inject(world: World) -> None:
    rng = world.rng(CODE)
    _templated(world, rng)
    _seen_elsewhere(world, rng)
