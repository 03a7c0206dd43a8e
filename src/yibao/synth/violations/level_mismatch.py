"""LEVEL_MISMATCH (超医院等级): an item used below its lowest allowed hospital level.

Forms (line level):
* injection_below_level — 参麦注射液 (二级及以上) at community centres and primary hospitals;
* imaging_below_level — 颅脑磁共振 at a primary hospital;
* expert_fee_at_primary — the 副主任医师诊查费 (二级及以上) charged instead of the ordinary fee at a primary place.
Secondary hospitals using level-2 items are clean (the boundary).
"""

from __future__ import annotations

import polars as pl

from yibao.synth.catalog import join_in_force
from yibao.synth.violations._base import add_line, count, encounters, fresh, label_lines, lines_of, pick
from yibao.synth.world import World

CODE = "LEVEL_MISMATCH"


def inject(world: World) -> None:
    rng = world.rng(CODE)
    low = fresh(world, encounters(world)).filter(pl.col("hosp_lv").is_in(["3", "9"]) & (pl.col("med_type") == "11"))
    chosen = pick(rng, low, count(world, 80))
    label_lines(world, add_line(world, chosen, "shenmai", cnt=2), CODE, "injection_below_level",
                "限二级及以上医疗机构使用的注射剂在基层机构使用")
    low = fresh(world, encounters(world)).filter((pl.col("hosp_lv") == "3") & pl.col("med_type").is_in(["11", "21"]))
    chosen = pick(rng, low, count(world, 30))
    label_lines(world, add_line(world, chosen, "mri_head"), CODE, "imaging_below_level",
                "限二级及以上医院开展的磁共振检查在一级机构收费")
    low = fresh(world, encounters(world)).filter(pl.col("hosp_lv").is_in(["3", "9"]) & (pl.col("med_type") == "11"))
    reg = lines_of(world, low, ["reg_outpt"]).unique("enc", keep="first", maintain_order=True).sort("uid")
    chosen = pick(rng, reg, count(world, 60))
    code = world.code("reg_expert")
    cat = world.catalog.frame.filter(pl.col("med_list_codg") == code).select("med_list_codg", "pric4", "begndate",
                                                                              "enddate")
    new = join_in_force(chosen.with_columns(pl.lit(code).alias("code")).drop("pric4"), cat.rename({"pric4": "p"}))
    upd = new.select("uid", pl.lit(code).alias("c2"), pl.col("p").alias("p2"))
    world.fee = world.fee.join(upd, on="uid", how="left", maintain_order="left").with_columns(
        pl.coalesce("c2", "code").alias("code"), pl.coalesce("p2", "pric4").alias("pric4")).drop("c2", "p2").with_columns(
        ((pl.col("cnt") * pl.col("pric4") + 50) // 100).alias("amt"))
    label_lines(world, world.fee.join(upd.select("uid"), on="uid", how="semi"), CODE, "expert_fee_at_primary",
                "基层机构收取限二级及以上医院的专家诊查费")
