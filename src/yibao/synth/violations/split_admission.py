"""SPLIT_ADMISSION (分解住院): discharge, then readmission to the same institution for the same disease.

Forms (encounter level, the readmission is labelled): readmit_day3, readmit_day14 and readmit_day15 — the
new admission date is 3, 14 or 15 days after the previous discharge date. The window assumed is
"readmitted within 15 days" (gap = admission date − previous discharge date ≤ 15). Clean data holds
readmissions at exactly 16 days, same-day transfers to another hospital, and weekly chemotherapy (Z51.1)
readmissions within the window, which are planned and not split.
"""

from __future__ import annotations

import polars as pl

from yibao.synth.diseases import GROUPS
from yibao.synth.violations._base import (
    alive_on,
    count,
    encounters,
    fresh,
    label_encounters,
    new_encounters,
    shuffled,
    stay_row,
)
from yibao.synth.world import World

CODE = "SPLIT_ADMISSION"
_GROUPS = ["pneumonia", "stroke", "heart_failure", "copd_exac", "diabetes", "lumbar_disc", "uti", "hypertension"]


def inject(world: World) -> None:
    rng = world.rng(CODE)
    base = fresh(world, encounters(world)).filter(
        (pl.col("med_type") == "21") & pl.col("group").is_in(_GROUPS) & (pl.col("kind") == "stay")
        & pl.col("tier").is_in(["T1", "T2", "T3", "TCM"]) & (pl.col("dscg_way") == "1"))
    for gap, form in ((3, "readmit_day3"), (14, "readmit_day14"), (15, "readmit_day15")):
        chosen = shuffled(rng, base.filter(~pl.col("psn_idx").is_in(list(world.touched_psn))))
        rows = []
        for r in chosen.iter_rows(named=True):
            if len(rows) >= count(world, 25):
                break
            day = (r["end"].date() - world.start).days + gap
            los = int(max(3, GROUPS[r["group"]].los[0] * rng.uniform(0.5, 0.9)))
            if day + los >= world.days:
                continue
            # nothing else for this person from 16 days before to 16 days after the new stay but the origin
            if not alive_on(world, r["psn_idx"], day + los) or not _only_origin(world, r, day, los):
                continue
            rows.append(stay_row(world, rng, r["psn_idx"], r["inst_idx"], day, los, r["group"], r["dx"],
                                 dept=r["dept"]))
            world.touched_psn.add(r["psn_idx"])
        if rows:
            enc, _ = new_encounters(world, rows)
            label_encounters(world, enc, CODE, form, f"出院后第{gap}天以相同诊断再次入住同一机构（分解住院）")


def _only_origin(world: World, origin: dict[str, object], day: int, los: int) -> bool:
    """True if the only encounter near the new stay is the stay it splits from."""
    import datetime as dt

    lo = dt.datetime.combine(world.start, dt.time()) + dt.timedelta(days=day - 16)
    hi = dt.datetime.combine(world.start, dt.time()) + dt.timedelta(days=day + los + 16)
    return world.is_free(int(origin["psn_idx"]), lo, hi, allow=int(origin["enc"]))  # type: ignore[call-overload]
