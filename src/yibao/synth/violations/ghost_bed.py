"""GHOST_BED (挂床住院): an inpatient who is not actually in bed.

Forms:
* no_treatment_days (encounter) — 3-5 consecutive stay days billed with bed, nursing and consultation only:
  no drug, test or treatment line (clean stays have a treatment line every stay day);
* no_lines_days (encounter) — 3-5 consecutive stay days with no line at all, bed fee included;
* over_capacity (institution) — a small private hospital keeps more registered inpatients than approved beds
  (midnight census above `beds`) for about two weeks; each of its ghost stays is also labelled
  (encounter, form over_capacity_stay): bed, nursing and consultation daily, admission tests only.
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
    lines_of,
    new_encounters,
    pick,
    remove_lines,
    stay_row,
)
from yibao.synth.world import World

CODE = "GHOST_BED"
ROUTINE = pl.col("code").str.starts_with("001201") | pl.col("code").str.starts_with("00121") | pl.col("key_name").is_in(
    ["consult_inpt", "newborn_care"])


def _blank_days(world: World, rng: np.random.Generator, form: str, keep_routine: bool, note: str) -> None:
    stays = fresh(world, encounters(world)).filter(
        (pl.col("med_type") == "21") & (pl.col("los") >= 8) & (pl.col("dept") != "A28") & (pl.col("dscg_way") == "1"))
    chosen = pick(rng, stays, count(world, 25))
    lines = lines_of(world, chosen)
    drop = []
    for enc_id, begin, los in chosen.select("enc", "begin", "los").iter_rows():
        k = int(rng.integers(3, 6))
        first = begin.date() + dt.timedelta(days=int(rng.integers(2, max(3, los - k))))
        days = [first + dt.timedelta(days=i) for i in range(k)]
        sel = lines.filter((pl.col("enc") == enc_id) & pl.col("time").dt.date().is_in(days))
        if keep_routine:
            sel = sel.filter(~ROUTINE)
        drop.append(sel["uid"])
    if drop:
        remove_lines(world, pl.concat(drop))
    label_encounters(world, chosen, CODE, form, note)


def _over_capacity(world: World, rng: np.random.Generator) -> None:
    inst = world.medins.filter(pl.col("tier").is_in(["T1"]) & (pl.col("city") == "长沙市") & (pl.col("beds") > 0)
                               & ~pl.col("inst_idx").is_in(list(world.touched_inst)))
    if inst.is_empty():
        return
    target = inst.sort(pl.col("private").not_(), "beds", "inst_idx").row(0, named=True)
    start = int(rng.integers(30, max(31, world.days - 40)))
    need = int(target["beds"]) + 3 + int(rng.integers(0, 5))  # enough on their own, whoever else is in
    cands = idle_persons(world).filter((pl.col("age") >= 50) & (pl.col("len") <= 8)).sort(
        pl.col("insuplc_admdvs") != target["admdvs"], "len", "psn_idx")
    rows = []
    for psn in cands["psn_idx"].to_list():
        if len(rows) >= need:
            break
        day = start + int(rng.integers(-2, 2))
        los = 16 + int(rng.integers(0, 4))
        b = dt.datetime.combine(world.start, dt.time()) + dt.timedelta(days=day - 16)
        e = b + dt.timedelta(days=los + 32)
        if day + los >= world.days or not world.is_free(psn, b, e) or world.dead_date(psn) is not None:
            continue
        rows.append(stay_row(world, rng, psn, target["inst_idx"], day, los, "hypertension", "I10.x00", dept="A03"))
        world.touched_psn.add(psn)
    if len(rows) < need:  # too small a city to fill the ward: leave the institution clean
        world.touched_psn.difference_update(r["psn_idx"] for r in rows)
        return
    enc, _ = new_encounters(world, rows, bill=False)
    lines = world.bill_new(world.rng("ghost_bill"), enc, pl.DataFrame(
        [{"enc": e, "pathway": p} for e in enc["enc"].to_list() for p in ("ip_base_routine", "ip_nurse_2")]))
    amount = int(lines["amt"].sum())
    world.label(CODE, "institution", "over_capacity", f"在院人数超过核定床位{int(target['beds'])}张（挂床）", amount,
                inst_idx=target["inst_idx"])
    label_encounters(world, enc, CODE, "over_capacity_stay", "超床位收治期间的挂床住院：仅收床位、护理、诊查费")


def inject(world: World) -> None:
    rng = world.rng(CODE)
    _over_capacity(world, rng)
    _blank_days(world, rng, "no_treatment_days", True, "连续多日仅收床位、护理、诊查费，无任何治疗")
    _blank_days(world, rng, "no_lines_days", False, "住院期间连续多日无任何费用（含床位费），患者不在院")
