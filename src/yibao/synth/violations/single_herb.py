"""SINGLE_HERB (单味中药饮片): a decoction piece that is not paid alone, billed alone.

Forms (line level, each such herb line):
* single_unpaid_herb — 人参片, 西洋参片 or 枸杞子 as the whole prescription of a clinic visit;
* alone_in_stay — 西洋参片 or 人参片 billed on several days of a stay with no other decoction piece at all.
Clean formulas contain these pieces only beside at least two paid herbs in the same encounter-day.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from yibao.synth.violations._base import add_line, count, encounters, fresh, label_lines, lines_of, pick
from yibao.synth.world import World

CODE = "SINGLE_HERB"


def _without_herbs(world: World, enc: pl.DataFrame) -> pl.DataFrame:
    herbs = lines_of(world, enc).filter(pl.col("list_type") == "102")["enc"].unique()
    return enc.filter(~pl.col("enc").is_in(herbs.implode()))


def inject(world: World) -> None:
    rng = world.rng(CODE)
    enc = _without_herbs(world, fresh(world, encounters(world)).filter(
        (pl.col("med_type") == "11") & (pl.col("dept") == "A50")))
    chosen = pick(rng, enc, count(world, 40, minimum=3))
    for i, key in enumerate(["h_renshen", "h_xiyangshen", "h_gouqi"]):
        part = chosen[i::3]
        if part.height:
            grams = pl.Series([int(rng.integers(6, 16)) * 7 for _ in range(part.height)])
            label_lines(world, add_line(world, part, key, cnt=grams), CODE, "single_unpaid_herb",
                        "单味使用不予支付的中药饮片单独开具")
    stays = _without_herbs(world, fresh(world, encounters(world)).filter(
        (pl.col("med_type") == "21") & (pl.col("los") >= 4)))
    for r in pick(rng, stays, count(world, 15)).iter_rows(named=True):
        key = "h_xiyangshen" if rng.random() < 0.5 else "h_renshen"
        days = [dt.datetime.combine(r["begin"].date() + dt.timedelta(days=d), dt.time(15)) for d in range(1, 4)]
        stay = pl.concat([stays.filter(pl.col("enc") == r["enc"])] * len(days))
        added = add_line(world, stay, key, cnt=int(rng.integers(6, 13)), time=pl.Series(days))
        label_lines(world, added, CODE, "alone_in_stay", "住院期间仅开具单味不予支付的饮片（无其他饮片配伍）")
