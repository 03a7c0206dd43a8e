"""TCM_ABUSE (中医治疗滥用): TCM therapies at implausible frequency, or one therapy for everyone.

Forms:
* over_frequency_stay (encounter) — a TCM-hospital stay of 18-24 days with four therapies (针刺, 艾灸, 拔罐,
  推拿) every day; thresholds assumed: more than 2 therapy units a day, or more than 10 therapy days in any
  30 days, for one person (clean data stays within both);
* therapy_for_everyone (institution) — a clinic bills 艾灸 on nine of ten visits, whatever the diagnosis.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from yibao.synth.violations._base import (
    add_line,
    count,
    encounters,
    fresh,
    idle_persons,
    label_encounters,
    lines_of,
    new_encounters,
    stay_row,
)
from yibao.synth.world import World

CODE = "TCM_ABUSE"


def _stays(world: World, rng: np.random.Generator) -> None:
    tcm = world.medins.filter((pl.col("tier") == "TCM") & (pl.col("city") == "长沙市"))
    people = idle_persons(world).filter(pl.col("age").is_between(35, 80) & (pl.col("len") <= 4))
    rows = []
    for psn in people["psn_idx"].to_list()[: count(world, 5) * 4]:
        if len(rows) >= count(world, 5):
            break
        los = int(rng.integers(18, 25))
        day = int(rng.integers(0, max(1, world.days - los - 1)))
        lo = dt.datetime.combine(world.start, dt.time()) + dt.timedelta(days=day - 16)
        if not world.is_free(psn, lo, lo + dt.timedelta(days=los + 32)) or world.dead_date(psn) is not None:
            continue
        inst = int(tcm["inst_idx"][int(rng.integers(0, tcm.height))])
        rows.append(stay_row(world, rng, psn, inst, day, los, "lumbar_disc", "M51.202", dept="A50"))
        world.touched_psn.add(psn)
    if not rows:
        return
    enc, _ = new_encounters(world, rows)
    for e in enc.iter_rows(named=True):
        days = [e["begin"].date() + dt.timedelta(days=k) for k in range(1, e["los"])]
        stay = pl.concat([enc.filter(pl.col("enc") == e["enc"])] * len(days))
        have = lines_of(world, stay.head(1),
            ["acupuncture", "warm_needle", "moxa", "cupping", "tuina_lumbar"])
        for key in ("acupuncture", "moxa", "cupping", "tuina_lumbar"):
            taken = set(have.filter(pl.col("key_name") == key)["time"].dt.date().to_list())
            when = [dt.datetime.combine(d, dt.time(9 + int(rng.integers(0, 7)))) for d in days if d not in taken]
            if when:
                add_line(world, stay.head(len(when)), key, time=pl.Series(when))
    label_encounters(world, enc, CODE, "over_frequency_stay", "住院期间每日叠加四项中医治疗，频次明显超出合理范围")


def _everyone(world: World, rng: np.random.Generator) -> None:
    enc = fresh(world, encounters(world)).filter((pl.col("med_type") == "11") & (pl.col("city") == "长沙市")
                                                 & pl.col("tier").is_in(["CLN", "CHC"]))
    busiest = enc.filter(pl.col("dept") == "A50").group_by("inst_idx").len().sort("len", "inst_idx",
                                                                                   descending=[True, False])
    if busiest.is_empty():
        busiest = enc.group_by("inst_idx").len().sort("len", "inst_idx", descending=[True, False])
    inst = int(busiest["inst_idx"][0])
    visits = enc.filter(pl.col("inst_idx") == inst)
    have = lines_of(world, visits, ["moxa"])["enc"]
    visits = visits.filter(~pl.col("enc").is_in(have.implode()))
    visits = visits.filter(pl.Series(rng.random(visits.height) < 0.9)).with_columns(
        pl.col("begin").dt.date().alias("d")).unique(["psn_idx", "d"], keep="first", maintain_order=True).drop("d")
    if visits.is_empty():
        return
    added = add_line(world, visits, "moxa", dept="A50")
    world.label(CODE, "institution", "therapy_for_everyone", "诊所对绝大多数就诊者不论诊断均收取艾灸治疗",
                int(added["amt"].sum()), inst_idx=inst)


def inject(world: World) -> None:
    rng = world.rng(CODE)
    _stays(world, rng)
    _everyone(world, rng)
