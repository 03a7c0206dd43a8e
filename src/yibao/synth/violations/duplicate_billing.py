"""DUPLICATE_BILLING (重复收费): the same service billed twice, or mutually exclusive items together.

Forms (line level, the extra line is labelled):
* same_item_twice — an exact copy of a lab or dressing line (same code, time, quantity) in one encounter;
* exclusive_pair — 急诊诊查费 billed beside 普通门诊诊查费 in one visit (item_rule exclusive, encounter scope);
* exclusive_pair_day — 血液灌流 beside 血液透析 on the same day (exclusive, day scope).
"""

from __future__ import annotations

import polars as pl

from yibao.synth.violations._base import add_line, count, encounters, fresh, label_lines, lines_of, pick
from yibao.synth.world import World

CODE = "DUPLICATE_BILLING"


def inject(world: World) -> None:
    rng = world.rng(CODE)
    enc = fresh(world, encounters(world))
    # same item twice: copy a lab/dressing line whose daily maximum still allows a second unit
    keys = ["cbc", "urine", "crp", "ecg", "dressing"]
    cand = lines_of(world, enc.filter(pl.col("med_type").is_in(["11", "21"])), keys).filter(pl.col("cnt") == 1)
    cand = cand.unique("enc", keep="first", maintain_order=True)
    src = pick(rng, cand, count(world, 150))
    dup = world.add_lines(src.drop("key_name").with_columns(pl.lit(None, dtype=pl.Int64).alias("uid")))
    label_lines(world, dup, CODE, "same_item_twice", "同一次服务同一项目重复计费（数量、时间完全相同）")
    # exclusive pair in one visit: emergency consultation beside the ordinary consultation
    reg = lines_of(world, fresh(world, enc).filter(pl.col("med_type") == "11"), ["reg_outpt"])
    visits = enc.join(pick(rng, reg.unique("enc", keep="first", maintain_order=True), count(world, 120)).select("enc"), on="enc", how="semi")
    added = add_line(world, visits, "reg_emerg")
    label_lines(world, added, CODE, "exclusive_pair", "急诊诊查费与普通门诊诊查费同次就诊重复收取（互斥项目）")
    # exclusive pair on one day: haemoperfusion beside haemodialysis
    dial = fresh(world, enc).filter(pl.col("group") == "dialysis")
    sessions = pick(rng, dial, count(world, 40))
    added = add_line(world, sessions, "hemoperfusion")
    label_lines(world, added, CODE, "exclusive_pair_day", "同日血液透析与血液灌流重复收费（互斥项目）")
