"""INDUCED_ADMISSION (诱导住院): low-acuity admissions recruited in batches (free bus, free meals).

Forms (encounter level, each recruited stay):
* elderly_batch — a private secondary hospital admits 8-12 people aged 65+ on the same morning with mild
  diagnoses (hypertension, back pain, gastritis, uncomplicated diabetes), all discharged after 7-9 days;
  three or four such batches in the window;
* community_batch — 6-10 residents of one district admitted together to a private primary hospital, each
  given the full admission test panel.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from yibao.synth.violations._base import (
    busy,
    count,
    idle_persons,
    inst_of,
    label_encounters,
    new_encounters,
    seconds,
    stay_row,
)
from yibao.synth.world import World

CODE = "INDUCED_ADMISSION"
MILD = (("hypertension", "I10.x00"), ("back_pain", "M54.500"), ("gastritis", "K29.700"), ("diabetes", "E11.900"))


def _batch(world: World, rng: np.random.Generator, inst: dict[str, object], people: pl.DataFrame, size: int,
           form: str, note: str) -> None:
    day = int(rng.integers(10, max(11, world.days - 25)))
    los = int(rng.integers(7, 10))
    rows = []
    pool = people["psn_idx"].to_list()[: size * 20]
    lo = seconds(world, day, 0)
    taken = busy(world, pool, lo, lo + dt.timedelta(days=los + 1), 16) | set(world.death["psn_idx"].to_list())
    for psn in pool:
        if len(rows) >= size:
            break
        if psn in world.touched_psn or psn in taken:
            continue
        group, dx = MILD[int(rng.integers(0, len(MILD)))]
        r = stay_row(world, rng, psn, int(inst["inst_idx"]), day, los + int(rng.integers(0, 2)), group, dx, dept="A03")
        r["begin"] = dt.datetime.combine(world.start, dt.time(8, 30)) + dt.timedelta(
            days=day, minutes=int(rng.integers(0, 50)))
        rows.append(r)
        world.touched_psn.add(psn)
    if len(rows) >= 3:
        enc, _ = new_encounters(world, rows)
        label_encounters(world, enc, CODE, form, note)


def inject(world: World) -> None:
    rng = world.rng(CODE)
    t2 = inst_of(world, "T2", private=True)
    if t2.height:
        inst = t2.row(0, named=True)
        old = idle_persons(world).filter(pl.col("age") >= 65)
        for _ in range(3 + int(rng.integers(0, 2))):
            shuffled = old.sample(fraction=1.0, shuffle=True, seed=int(rng.integers(0, 2**31)))
            _batch(world, rng, inst, shuffled, count(world, 3, minimum=8) + int(rng.integers(0, 5)), "elderly_batch",
                   "民营医院同日批量收治老年轻症患者住院（诱导住院）")
    t1 = inst_of(world, "T1", private=True)
    t1 = t1 if t1.height else inst_of(world, "T1")
    if t1.height:
        inst = t1.row(int(rng.integers(0, t1.height)), named=True)
        locals_ = idle_persons(world).filter((pl.col("insuplc_admdvs") == inst["admdvs"]) & (pl.col("age") >= 45))
        for _ in range(2):
            shuffled = locals_.sample(fraction=1.0, shuffle=True, seed=int(rng.integers(0, 2**31)))
            _batch(world, rng, inst, shuffled, 6 + int(rng.integers(0, 5)), "community_batch",
                   "同一社区居民被集中组织至民营医院住院（免费接送）")
