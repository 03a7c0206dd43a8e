"""UNREASONABLE_TREATMENT (不合理诊疗): an item without the service that justifies it (item_rule requires).

Forms (line level):
* icu_nursing_without_icu — 特级护理 charged on a ward day with no 重症监护 in the stay (replaces that day's nursing);
* addon_without_primary — 静脉输液(每增加一组) with no first infusion that day;
* consumable_without_procedure — 人工晶状体 in a stay without cataract surgery (耗材与项目不符).
"""

from __future__ import annotations

import polars as pl

from yibao.synth.catalog import join_in_force
from yibao.synth.violations._base import add_line, count, encounters, fresh, label_lines, lines_of, pick
from yibao.synth.world import World

CODE = "UNREASONABLE_TREATMENT"


def inject(world: World) -> None:
    rng = world.rng(CODE)
    enc = fresh(world, encounters(world)).filter((pl.col("med_type") == "21") & (pl.col("dept") != "A28"))
    nurse = lines_of(world, enc, ["nurs_1", "nurs_2"]).unique("enc", keep="first", maintain_order=True).sort("uid")
    chosen = pick(rng, nurse, count(world, 40))
    code = world.code("nurs_special")
    cat = world.catalog.frame.filter(pl.col("med_list_codg") == code).select("med_list_codg", "pric4", "begndate",
                                                                              "enddate")
    new = join_in_force(chosen.with_columns(pl.lit(code).alias("code")), cat.rename({"pric4": "p"}))
    new = new.join(world.medins.select("inst_idx", "price_factor"), on="inst_idx", how="left", maintain_order="left")
    upd = new.select("uid", pl.lit(code).alias("c2"),
                     ((pl.col("p") * pl.col("price_factor") / 100).floor().cast(pl.Int64) * 100).alias("p2"))
    world.fee = world.fee.join(upd, on="uid", how="left", maintain_order="left").with_columns(
        pl.coalesce("c2", "code").alias("code"), pl.coalesce("p2", "pric4").alias("pric4")).drop("c2", "p2").with_columns(
        ((pl.col("cnt") * pl.col("pric4") + 50) // 100).alias("amt"))
    label_lines(world, world.fee.join(upd.select("uid"), on="uid", how="semi"), CODE, "icu_nursing_without_icu",
                "非重症监护住院收取特级护理，无重症监护项目支持")
    enc = fresh(world, encounters(world)).filter(pl.col("med_type") == "11")
    has_iv = lines_of(world, enc, ["iv_first", "iv_child"])["enc"]
    enc = enc.filter(~pl.col("enc").is_in(has_iv.implode()))
    chosen = pick(rng, enc, count(world, 60))
    label_lines(world, add_line(world, chosen, "iv_more", cnt=2), CODE, "addon_without_primary",
                "静脉输液加收项目无首组输液")
    surg = fresh(world, encounters(world)).filter(pl.col("group").is_in(["cholelithiasis", "appendicitis",
                                                                         "hip_fracture"]))
    chosen = pick(rng, surg, count(world, 15))
    label_lines(world, add_line(world, chosen, "iol"), CODE, "consumable_without_procedure",
                "人工晶状体收费但无白内障手术")
