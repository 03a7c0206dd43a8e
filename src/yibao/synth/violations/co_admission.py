"""CO_ADMISSION (同进同出): relatives or co-residents admitted and discharged together, again and again.

Forms (encounter level, every stay of the group):
* household_pair — a couple aged 50+ admitted to the same hospital on the same day and discharged on the
  same day, two or three times in the window (episodes at least 40 days apart);
* household_group — three or more members of one household (same hshld_no), adult children included,
  admitted and discharged together.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from yibao.synth.violations._base import (
    count,
    idle_persons,
    inst_of,
    label_encounters,
    new_encounters,
    stay_row,
)
from yibao.synth.world import World

CODE = "CO_ADMISSION"
MILD = (("hypertension", "I10.x00"), ("back_pain", "M54.500"), ("gastritis", "K29.700"), ("headache", "R51.x00"))


def _free(world: World, members: list[int], day: int, los: int) -> bool:
    lo = dt.datetime.combine(world.start, dt.time()) + dt.timedelta(days=day - 16)
    hi = lo + dt.timedelta(days=los + 32)
    return all(world.is_free(m, lo, hi) for m in members)


def _episodes(world: World, rng: np.random.Generator, members: list[int], inst: int, n: int) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    day = int(rng.integers(5, 60))
    for _ in range(n):
        los = int(rng.integers(5, 9))
        if day + los >= world.days:
            break
        if _free(world, members, day, los):
            b = dt.datetime.combine(world.start, dt.time(9)) + dt.timedelta(days=day, minutes=int(rng.integers(0, 90)))
            for k, psn in enumerate(members):
                group, dx = MILD[int(rng.integers(0, len(MILD)))]
                r = stay_row(world, rng, psn, inst, day, los, group, dx, dept="A03")
                r["begin"] = b + dt.timedelta(minutes=7 * k)
                r["end"] = dt.datetime.combine(world.start, dt.time(10)) + dt.timedelta(days=day + los, minutes=3 * k)
                rows.append(r)
        day += los + int(rng.integers(40, 90))
    return rows


def inject(world: World) -> None:
    rng = world.rng(CODE)
    hosp = pl.concat([inst_of(world, "T1"), inst_of(world, "T2", private=True)])
    people = idle_persons(world).filter(pl.col("age") >= 18)
    dead = set(world.death["psn_idx"].to_list())
    hh = people.filter(~pl.col("psn_idx").is_in(list(dead))).group_by("hh_idx").agg(
        pl.col("psn_idx"), pl.col("role"), pl.col("age")).sort("hh_idx")
    pairs = hh.filter(pl.col("role").list.contains(0) & pl.col("role").list.contains(1)
                      & (pl.col("age").list.min() >= 50))
    groups = hh.filter(pl.col("psn_idx").list.len() >= 3)
    for table, n_want, form, note in (
        (pairs, count(world, 6), "household_pair", "夫妻同日入院、同日出院，多次重复"),
        (groups, count(world, 3), "household_group", "同一户籍三名以上家庭成员同进同出住院"),
    ):
        done = 0
        order = rng.permutation(table.height)
        for i in order.tolist():
            if done >= n_want:
                break
            members = table["psn_idx"][i].to_list()
            if form == "household_pair":
                roles = table["role"][i].to_list()
                members = [m for m, r in zip(members, roles, strict=True) if r in (0, 1)]
            if any(m in world.touched_psn for m in members):
                continue
            inst = int(hosp["inst_idx"][int(rng.integers(0, hosp.height))])
            rows = _episodes(world, rng, members, inst, 3 if form == "household_pair" else 2)
            if len(rows) < 2 * len(members) and form == "household_pair":
                continue
            if not rows:
                continue
            world.touched_psn.update(members)
            enc, _ = new_encounters(world, rows)
            label_encounters(world, enc, CODE, form, note)
            done += 1
