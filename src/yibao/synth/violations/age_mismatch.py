"""AGE_MISMATCH (限年龄): an item outside its age bounds.

Forms (line level):
* child_item_for_adult — 小儿氨酚黄那敏颗粒 (lmt_age_max 14) for someone aged exactly 15 (just past) or an adult;
* adult_item_for_child — 左氧氟沙星 (lmt_age_min 18) for a child, some aged exactly 17;
* newborn_item_after_28_days — 新生儿听力筛查 (lmt_age_max_days 28) at 29 days or later.
Clean data holds the just-inside cases: 14-year-olds on child items, hearing screens on day 28.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from yibao.synth.population import whole_years
from yibao.synth.violations._base import (
    add_line,
    count,
    encounters,
    fresh,
    label_lines,
    new_encounters,
    pick,
    visit_times,
)
from yibao.synth.world import World

CODE = "AGE_MISMATCH"


def inject(world: World) -> None:
    rng = world.rng(CODE)
    enc = fresh(world, encounters(world)).filter(pl.col("med_type").is_in(["11", "41"]))
    enc = enc.with_columns(whole_years(pl.col("brdy"), pl.col("begin").dt.date()).alias("yrs"))
    n = count(world, 60)
    edge = pick(rng, enc.filter(pl.col("yrs") == 15), max(1, n // 3))
    adult = pick(rng, enc.filter(pl.col("yrs") >= 18), n - edge.height)
    for part in (edge, adult):
        if part.height:
            label_lines(world, add_line(world, part, "child_cold"), CODE, "child_item_for_adult",
                        "儿童专用药品用于超过限定年龄的参保人")
    kids = fresh(world, encounters(world)).filter(pl.col("med_type") == "11")
    kids = kids.with_columns(whole_years(pl.col("brdy"), pl.col("begin").dt.date()).alias("yrs"))
    edge = pick(rng, kids.filter(pl.col("yrs") == 17), max(1, n // 3))
    young = pick(rng, kids.filter(pl.col("yrs").is_between(8, 16)), n - edge.height)
    for part in (edge, young):
        if part.height:
            label_lines(world, add_line(world, part, "levofloxacin"), CODE, "adult_item_for_child",
                        "限成人使用的喹诺酮类药品用于未成年人")
    # babies seen for a hearing re-screen after day 28
    babies = world.psn.filter((pl.col("role") == 4) & ~pl.col("psn_idx").is_in(list(world.touched_psn)))
    babies = babies.join(world.death.select("psn_idx"), on="psn_idx", how="anti")
    babies = pick(rng, babies, count(world, 15))
    rows = []
    for psn, brdy, adm in babies.select("psn_idx", "brdy", "insuplc_admdvs").iter_rows():
        age_days = 29 if rng.random() < 0.4 else int(rng.integers(30, 60))
        day = (brdy + dt.timedelta(days=age_days) - world.start).days
        lo = dt.datetime.combine(world.start, dt.time()) + dt.timedelta(days=day)
        if day >= world.days or not world.is_free(psn, lo, lo + dt.timedelta(hours=23, minutes=59)):
            continue
        inst = world.places.pick_inst(rng, {"T2": 0.5, "T3": 0.5}, np.array([adm]))[0]
        b, e = visit_times(world, day, rng)
        rows.append({"psn_idx": psn, "inst_idx": int(inst), "med_type": "11", "group": "newborn_check",
                     "dx": "Z00.100", "begin": b, "end": e, "dept": "A07"})
    if rows:
        enc_new, _ = new_encounters(world, rows, bill=False)
        add_line(world, enc_new, "reg_outpt", time=enc_new["begin"] + dt.timedelta(minutes=2))
        label_lines(world, add_line(world, enc_new, "hearing_screen"), CODE, "newborn_item_after_28_days",
                    "新生儿项目用于出生超过28天的婴儿")
