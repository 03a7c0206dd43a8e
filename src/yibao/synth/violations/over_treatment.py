"""OVER_TREATMENT (过度诊疗): stays costing several times their peers for the same diagnosis at the same level.

Forms (encounter level): auxiliary_drugs (注射用丹参多酚酸盐 / 血栓通 every day) and immune_boosters
(胸腺法新 / 还原型谷胱甘肽 every day), dosed so the stay's cost per stay day is at least 5.5 times the median
of its peers (same main diagnosis, same hospital level, at least 20 stays of 3+ days; chemotherapy and
stays under 3 days excluded: admission tests make short stays dear per day). Clean stays stay under 3.5 times.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from yibao.synth.violations._base import add_line, count, encounters, fresh, label_encounters, pick
from yibao.synth.world import World

CODE = "OVER_TREATMENT"
FORMS = {"auxiliary_drugs": ("danshen_salt", "xueshuantong"), "immune_boosters": ("thymalfasin", "glutathione")}


def inject(world: World) -> None:
    rng = world.rng(CODE)
    enc = encounters(world).filter((pl.col("med_type") == "21") & ~pl.col("dx").str.starts_with("Z51"))
    tot = world.fee.group_by("enc").agg(pl.col("amt").sum().alias("amt"))
    enc = enc.join(tot, on="enc", maintain_order="left").with_columns(
        (pl.col("amt") / pl.col("los").clip(1, None)).alias("per_day")).filter(pl.col("los") >= 3)
    peers = enc.group_by("dx", "hosp_lv").agg(pl.col("per_day").median().alias("med"), pl.len().alias("k"))
    cand = fresh(world, enc.join(peers.filter(pl.col("k") >= 20), on=["dx", "hosp_lv"], maintain_order="left").filter(
        (pl.col("los") >= 3) & (pl.col("dscg_way") == "1")))
    chosen = pick(rng, cand, count(world, 30))
    half = chosen.height // 2
    for (form, (k1, k2)), part in zip(FORMS.items(), (chosen[:half], chosen[half:]), strict=True):
        if part.is_empty():
            continue
        p1 = world.catalog.price4(k1) / 100
        p2 = world.catalog.price4(k2) / 100
        for r in part.iter_rows(named=True):
            need = (5.5 + rng.uniform(0, 3)) * r["med"] * r["los"] - r["amt"]
            per_day = need / r["los"]
            n1 = max(1, int(np.ceil(per_day * 0.6 / p1)))
            n2 = max(1, int(np.ceil(per_day * 0.4 / p2)))
            days = [dt.datetime.combine(r["begin"].date() + dt.timedelta(days=d), dt.time(10)) for d in range(1, r["los"])]
            days = days or [r["begin"] + dt.timedelta(minutes=30)]
            stay = pl.concat([part.filter(pl.col("enc") == r["enc"]).select(world.enc.columns)] * len(days))
            n1_day = int(np.ceil(n1 * r["los"] / len(days)))
            n2_day = int(np.ceil(n2 * r["los"] / len(days)))
            add_line(world, stay, k1, cnt=n1_day, time=pl.Series(days))
            add_line(world, stay, k2, cnt=n2_day, time=pl.Series(days) + dt.timedelta(minutes=20))
        label_encounters(world, part, CODE, form, "住院费用数倍于同级别同诊断病例，辅助用药/免疫增强剂逐日大量使用")
