"""OVER_PRICE (超标准收费): unit price above the ceiling, or a discounted item charged in full.

Forms (line level; the amount is the overcharge, not the whole line):
* above_ceiling — a service line priced over its ceiling, some by one cent (just past), most by 10-30 %;
* discount_full_price — the second CT site or second operation on the same day charged at full price;
* old_price_after_change — atorvastatin still charged at the first-half price after the mid-window cut.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from yibao.synth.catalog import join_in_force
from yibao.synth.violations._base import count, encounters, fresh, label_lines, lines_of, pick
from yibao.synth.world import World

CODE = "OVER_PRICE"


def _reprice(world: World, lines: pl.DataFrame, new4: np.ndarray, form: str, note: str, limit4: np.ndarray) -> None:
    upd = lines.select("uid").with_columns(pl.Series("p_new", new4, dtype=pl.Int64))
    world.fee = world.fee.join(upd, on="uid", how="left", maintain_order="left").with_columns(
        pl.coalesce("p_new", "pric4").alias("pric4")).drop("p_new").with_columns(
        ((pl.col("cnt") * pl.col("pric4") + 50) // 100).alias("amt"))
    changed = world.fee.join(lines.select("uid"), on="uid", how="semi").sort("uid")
    lines = lines.sort("uid")
    excess = pl.Series(((new4 - limit4) * lines["cnt"].to_numpy() + 50) // 100)
    label_lines(world, changed, CODE, form, note, excess)


def inject(world: World) -> None:
    rng = world.rng(CODE)
    enc = fresh(world, encounters(world))
    cat = world.catalog.frame.select("med_list_codg", "pric4", "uplmt4", "begndate", "enddate").rename(
        {"pric4": "std4"})
    svc = lines_of(world, enc).filter((pl.col("list_type") == "201") & (pl.col("cnt") > 0)).unique(
        "enc", keep="first", maintain_order=True)
    chosen = join_in_force(pick(rng, svc, count(world, 200)).sort("uid"), cat)
    up = chosen["uplmt4"].to_numpy()
    bump = np.where(rng.random(chosen.height) < 0.3, 100, (up * rng.uniform(0.1, 0.3, chosen.height)) // 100 * 100)
    _reprice(world, chosen, up + np.maximum(bump, 100), "above_ceiling", "单价超过最高限价收费", up)
    # second CT site / second operation on one day charged in full
    enc = fresh(world, encounters(world))
    lines = lines_of(world, enc, ["ct_chest", "ct_abdomen", "hysterectomy", "adnexectomy"])
    pairs = []
    for a, b in (("ct_chest", "ct_abdomen"), ("hysterectomy", "adnexectomy")):
        la = lines.filter(pl.col("key_name") == a).select("enc", pl.col("time").dt.date().alias("d"))
        lb = lines.filter(pl.col("key_name") == b).with_columns(pl.col("time").dt.date().alias("d"))
        pairs.append(lb.join(la, on=["enc", "d"], how="semi").drop("d"))
    both = pick(rng, pl.concat(pairs).unique("enc", keep="first", maintain_order=True).sort("uid"), count(world, 40))
    full = join_in_force(both, cat).join(world.medins.select("inst_idx", "price_factor"), on="inst_idx", how="left",
                                          maintain_order="left")
    std = full["std4"].to_numpy()
    new4 = (std * full["price_factor"].to_numpy() / 100).astype(np.int64) * 100
    _reprice(world, full, new4, "discount_full_price", "同日第二部位/第二术式未按规定折价，按全价收费", std // 2)
    # old price after the catalogue row changed
    enc = fresh(world, encounters(world))
    ator = lines_of(world, enc, ["atorvastatin"]).filter(pl.col("time").dt.date() >= world.catalog.mid)
    chosen = pick(rng, ator.unique("enc", keep="first", maintain_order=True).sort("uid"), count(world, 40))
    old4 = world.catalog.price4("atorvastatin", world.start)
    new4 = np.full(chosen.height, old4, dtype=np.int64)
    _reprice(world, chosen, new4, "old_price_after_change", "集采降价后仍按原价收费（超过新限价）",
             np.full(chosen.height, world.catalog.price4("atorvastatin", world.catalog.mid), dtype=np.int64))
