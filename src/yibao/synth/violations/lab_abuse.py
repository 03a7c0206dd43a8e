"""LAB_ABUSE (检查化验滥用): tests without indication, repeated, or run on everyone.

Forms:
* repeat_within_days (line) — the same test for the same person at the same institution 1-6 days after
  the first (threshold: the same is_lab code on two dates less than 7 days apart; 7 days apart is clean);
* batch_for_everyone (institution) — a community centre or primary hospital adds 25-羟基维生素D (and often
  视黄醇结合蛋白) to nearly every clinic visit for some months, whatever the diagnosis (Hangzhou case).
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
    inst_of,
    label_lines,
    lines_of,
    new_encounters,
    shuffled,
)
from yibao.synth.world import World

CODE = "LAB_ABUSE"
TESTS = ["cbc", "crp", "liver_panel", "us_abdomen", "ecg", "xray_chest", "urine"]


def _repeat(world: World, rng: np.random.Generator) -> None:
    enc = fresh(world, encounters(world)).filter((pl.col("med_type") == "11") & (pl.col("city") == "长沙市"))
    labs = lines_of(world, enc, TESTS).unique("enc", keep="first", maintain_order=True).sort("uid")
    chosen = shuffled(rng, labs)
    rows, keys = [], []
    for r in chosen.iter_rows(named=True):
        if len(rows) >= count(world, 30) or r["psn_idx"] in world.touched_psn:
            continue
        gap = 6 if rng.random() < 0.3 else int(rng.integers(1, 6))
        day = r["time"].date() + dt.timedelta(days=gap)
        if (day - world.start).days >= world.days:
            continue
        lo = dt.datetime.combine(day, dt.time())
        if not world.is_free(r["psn_idx"], lo, lo + dt.timedelta(hours=23, minutes=59)):
            continue
        src = enc.filter(pl.col("enc") == r["enc"]).row(0, named=True)
        b = dt.datetime.combine(day, dt.time(9)) + dt.timedelta(minutes=int(rng.integers(0, 400)))
        rows.append({"psn_idx": src["psn_idx"], "inst_idx": src["inst_idx"], "med_type": "11", "group": src["group"],
                     "dx": src["dx"], "begin": b, "end": b + dt.timedelta(minutes=30), "dept": src["dept"],
                     "doctor": src["doctor"]})
        keys.append(r["key_name"])
        world.touched_psn.add(r["psn_idx"])
    if not rows:
        return
    new, _ = new_encounters(world, rows, bill=False)
    add_line(world, new, "reg_outpt", time=new["begin"] + dt.timedelta(minutes=1))
    for key in sorted(set(keys)):  # `new` comes back in the order of `rows`, aligned with `keys`
        sel = new.filter(pl.Series([k == key for k in keys], dtype=pl.Boolean))
        if sel.height:
            label_lines(world, add_line(world, sel, key), CODE, "repeat_within_days", "同一检查化验项目数日内重复开具")


def _batch(world: World, rng: np.random.Generator) -> None:
    for tier in ("CHC", "T1"):
        insts = inst_of(world, tier)
        if insts.height:
            break
    else:
        return
    inst = int(insts["inst_idx"][int(rng.integers(0, insts.height))])
    start = world.start + dt.timedelta(days=int(rng.integers(0, max(1, world.days - 120))))
    enc = fresh(world, encounters(world)).filter(
        (pl.col("inst_idx") == inst) & (pl.col("med_type").is_in(["11", "14"]))
        & pl.col("begin").dt.date().is_between(start, start + dt.timedelta(days=120)))
    have = lines_of(world, enc, ["vitd"])["enc"]
    enc = enc.filter(~pl.col("enc").is_in(have.implode())).sort("begin")
    enc = enc.with_columns(pl.col("begin").dt.truncate("1mo").alias("mo")).unique(["psn_idx", "mo"], keep="first",
                                                                                 maintain_order=True)
    enc = enc.filter(pl.Series(rng.random(enc.height) < 0.9))
    last: dict[int, dt.date] = {}
    keep = []
    for psn, b in enc.select("psn_idx", "begin").iter_rows():  # a month apart at least, never a repeat
        ok = psn not in last or (b.date() - last[psn]).days >= 28
        keep.append(ok)
        if ok:
            last[psn] = b.date()
    enc = enc.filter(pl.Series(keep, dtype=pl.Boolean))
    if enc.is_empty():
        return
    a = add_line(world, enc, "vitd")
    rbp = enc.filter(pl.Series(rng.random(enc.height) < 0.6))
    b = add_line(world, rbp, "rbp") if rbp.height else a.clear()
    world.label(CODE, "institution", "batch_for_everyone", "机构对几乎所有门诊患者批量开具维生素D、视黄醇结合蛋白检测",
                int(a["amt"].sum() + b["amt"].sum()), inst_idx=inst)


def inject(world: World) -> None:
    rng = world.rng(CODE)
    _repeat(world, rng)
    _batch(world, rng)
