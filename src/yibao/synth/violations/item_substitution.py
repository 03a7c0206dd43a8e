"""ITEM_SUBSTITUTION (串换药品/项目): one item billed as another.

Forms (line level):
* daily_goods_as_drug — a pharmacy bills a patent medicine (复方丹参滴丸, 血塞通, 六味地黄丸) while its own
  item code (medins_list_codg) is that of a daily good (洗发水, 食用油, 大米…); the pharmacy stocked the daily
  goods, not the drug, so the drug's sales also exceed its stock-in;
* cheap_as_expensive — a plain PTCA balloon billed as a drug-coated balloon (12000 元 instead of 1500 元):
  the hospital's own code and its stock-in are the plain balloon's.
In clean data each institution's own code maps to exactly one national code and back.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from yibao.synth.catalog import join_in_force
from yibao.synth.violations._base import add_line, count, encounters, fresh, label_lines, lines_of, pick
from yibao.synth.world import World

CODE = "ITEM_SUBSTITUTION"


def _local(world: World, inst: int, key: str) -> str:
    return f"{inst + 1:03d}{world.key(key) + 1:05d}"


def _shortfall(world: World, inst: int, amount: int) -> None:
    """The billed item was never bought: the institution's sales of it exceed its stock-in (one label each)."""
    if not any(lab["violation"] == "STOCK_MISMATCH" and lab["inst_idx"] == inst for lab in world.labels):
        world.label("STOCK_MISMATCH", "institution", "substitution_shortfall",
                    "串换项目的销售数量超过其进货数量（实际进货为被串换的物品）", amount, inst_idx=inst)


def _goods(world: World, rng: np.random.Generator) -> None:
    enc = fresh(world, encounters(world)).filter((pl.col("med_type") == "41") & (pl.col("city") == "长沙市"))
    busiest = enc.group_by("inst_idx").len().sort("len", "inst_idx", descending=[True, False])
    if busiest.is_empty():
        return
    inst = int(busiest["inst_idx"][min(1, busiest.height - 1)])
    visits = pick(rng, enc.filter(pl.col("inst_idx") == inst), count(world, 25))
    pairs = (("compound_danshen", "g_shampoo"), ("xuesaitong", "g_oil"), ("liuwei", "g_rice"))
    for i, (drug, good) in enumerate(pairs):
        part = visits[i::3]
        if part.is_empty():
            continue
        added = add_line(world, part, drug, cnt=pl.Series([int(rng.integers(1, 3)) for _ in range(part.height)]))
        loc = _local(world, inst, good)
        world.fee = world.fee.with_columns(
            pl.when(pl.col("uid").is_in(added["uid"].implode())).then(pl.lit(loc)).otherwise(pl.col("local_code"))
            .alias("local_code"))
        world.off_book.update(added["uid"].to_list())
        world.purchase_factor[(inst, world.code(drug))] = 1.0  # stock-in covers the genuine sales, no margin
        month = added["time"].min().date().replace(day=1)
        world.purchase_extra.append({"inst_idx": inst, "code": world.code(good), "purc_date": max(month, world.start),
                                     "cnt": int(added["cnt"].sum())})
        label_lines(world, world.fee.join(added.select("uid"), on="uid", how="semi"), CODE, "daily_goods_as_drug",
                    "药店将日用品串换为医保药品结算（本机构编码对应日用品）")
        _shortfall(world, inst, int(added["amt"].sum()))


def _balloons(world: World, rng: np.random.Generator) -> None:
    enc = fresh(world, encounters(world)).filter(pl.col("group") == "angina")
    busiest = enc.group_by("inst_idx").len().sort("len", "inst_idx", descending=[True, False])
    if busiest.is_empty():
        return
    enc = enc.filter(pl.col("inst_idx") == busiest["inst_idx"][0])  # one hospital does it
    plain = lines_of(world, enc, ["balloon_plain"]).sort("uid")
    chosen = pick(rng, plain, count(world, 8))
    if chosen.is_empty():
        pci = lines_of(world, enc, ["pci"]).unique("enc", keep="first", maintain_order=True).sort("uid")
        src = enc.join(pick(rng, pci, count(world, 8)).select("enc", "time"), on="enc", maintain_order="left")
        chosen = add_line(world, src, "balloon_plain", time=src["time"])
    dcb = world.code("balloon_dcb")
    cat = world.catalog.frame.filter(pl.col("med_list_codg") == dcb).select("med_list_codg", "pric4", "begndate",
                                                                             "enddate")
    new = join_in_force(chosen.select("uid", "time", "inst_idx", "cnt").with_columns(pl.lit(dcb).alias("code")),
                        cat.rename({"pric4": "p"}))
    upd = new.select("uid", pl.lit(dcb).alias("c2"), pl.col("p").alias("p2"),
                     pl.concat_str((pl.col("inst_idx") + 1).cast(pl.String).str.zfill(3),
                                   pl.lit(f"{world.key('balloon_plain') + 1:05d}")).alias("l2"))
    world.fee = world.fee.join(upd, on="uid", how="left", maintain_order="left").with_columns(
        pl.coalesce("c2", "code").alias("code"), pl.coalesce("p2", "pric4").alias("pric4"),
        pl.coalesce("l2", "local_code").alias("local_code")).drop("c2", "p2", "l2").with_columns(
        ((pl.col("cnt") * pl.col("pric4") + 50) // 100).alias("amt"))
    world.off_book.update(upd["uid"].to_list())
    for inst, t, cnt in new.select("inst_idx", "time", "cnt").iter_rows():
        world.purchase_extra.append({"inst_idx": inst, "code": world.code("balloon_plain"),
                                     "purc_date": max(t.date().replace(day=1), world.start), "cnt": int(cnt)})
    changed = world.fee.join(upd.select("uid"), on="uid", how="semi")
    label_lines(world, changed, CODE, "cheap_as_expensive", "普通球囊串换为药物涂层球囊收费")
    for inst in changed["inst_idx"].unique().sort().to_list():
        _shortfall(world, inst, int(changed.filter(pl.col("inst_idx") == inst)["amt"].sum()))


def inject(world: World) -> None:
    rng = world.rng(CODE)
    _goods(world, rng)
    _balloons(world, rng)
