"""POST_DEATH (死亡后就医): charges after the date of death (冒用死者医保凭证).

Forms (encounter level):
* card_after_death — pharmacy purchases 10-90 days after a death in the window (relatives using the card);
* stay_after_death — a fabricated stay beginning after the date of death;
* long_dead — clinic visits or purchases for someone who died before the window began.
Clean data includes deaths in hospital, discharged (dscg_way 5) on the day of death.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from yibao.synth.violations._base import (
    count,
    label_encounters,
    new_encounters,
    pick,
    stay_row,
    visit_times,
)
from yibao.synth.world import World

CODE = "POST_DEATH"


def _pharmacy_rows(world: World, rng: np.random.Generator, psn: int, adm: str, day: int) -> dict[str, object]:
    inst = int(world.places.pick_inst(rng, {"PHA": 1.0}, np.array([adm]))[0])
    b, e = visit_times(world, day, rng, 5)
    return {"psn_idx": psn, "inst_idx": inst, "med_type": "41", "group": "pharmacy", "begin": b, "end": e}


def inject(world: World) -> None:
    rng = world.rng(CODE)
    d = world.death.join(world.psn.select("psn_idx", "insuplc_admdvs"), on="psn_idx", maintain_order="left").with_columns(
        (pl.col("dead_date") - pl.lit(world.start)).dt.total_days().alias("dday")).sort("psn_idx")
    d = d.filter(~pl.col("psn_idx").is_in(list(world.touched_psn)))
    recent = d.filter(~pl.col("before_window") & (pl.col("dday") < world.days - 20))
    chosen = pick(rng, recent, count(world, 12))
    rows = []
    for psn, adm, dday in chosen.select("psn_idx", "insuplc_admdvs", "dday").iter_rows():
        for _ in range(int(rng.integers(1, 4))):
            day = dday + int(rng.integers(10, 91))
            if day < world.days:
                rows.append(_pharmacy_rows(world, rng, psn, adm, day))
        world.touched_psn.add(psn)
    if rows:
        enc, _ = new_encounters(world, rows)
        label_encounters(world, enc, CODE, "card_after_death", "参保人死亡后其医保凭证仍在药店购药结算")
    rest = d.filter(~pl.col("psn_idx").is_in(list(world.touched_psn)) & ~pl.col("before_window")
                    & (pl.col("dday") < world.days - 30))
    chosen = pick(rng, rest, count(world, 5))
    hosp = world.medins.filter(pl.col("tier").is_in(["T1", "T2"]) & pl.col("private") & (pl.col("city") == "长沙市"))
    if hosp.is_empty():
        hosp = world.medins.filter(pl.col("tier").is_in(["T1", "T2"]) & (pl.col("city") == "长沙市"))
    rows = []
    for psn, dday in chosen.select("psn_idx", "dday").iter_rows():
        day = dday + int(rng.integers(5, 25))
        los = int(rng.integers(4, 8))
        if day + los < world.days:
            inst = int(hosp["inst_idx"][int(rng.integers(0, hosp.height))])
            rows.append(stay_row(world, rng, psn, inst, day, los, "hypertension", "I10.x00", dept="A03"))
            world.touched_psn.add(psn)
    if rows:
        enc, _ = new_encounters(world, rows)
        label_encounters(world, enc, CODE, "stay_after_death", "死亡日期之后仍有住院结算（虚构住院）")
    old = d.filter(pl.col("before_window") & ~pl.col("psn_idx").is_in(list(world.touched_psn)))
    chosen = pick(rng, old, count(world, 6))
    rows = []
    for psn, adm in chosen.select("psn_idx", "insuplc_admdvs").iter_rows():
        for _ in range(int(rng.integers(1, 4))):
            rows.append(_pharmacy_rows(world, rng, psn, adm, int(rng.integers(0, world.days))))
        world.touched_psn.add(psn)
    if rows:
        enc, _ = new_encounters(world, rows)
        label_encounters(world, enc, CODE, "long_dead", "已于统计期前死亡的参保人发生购药结算")
