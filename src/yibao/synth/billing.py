"""From encounters to priced fee lines: pathway assignment, department, doctor and price.

Prices: services at the catalogue price scaled by the institution's level (lower
levels charge less) and floored to the cent, or exactly the ceiling at private
places that charge it; drugs and consumables at the catalogue price (zero
mark-up); herbs at the catalogue price per gram. The catalogue row in force on
the day of the charge sets the price.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from yibao.synth.catalog import Catalog
from yibao.synth.encounters import to_datetime
from yibao.synth.pathways_inpatient import NO_BASE, SEVERE
from yibao.synth.placement import Places
from yibao.synth.population import Population
from yibao.synth.schedule_candidates import COND_GROUP

__all__ = ["FEE_COLUMNS", "assign_pathways", "encounter_context", "items_frame", "price_lines"]

FEE_COLUMNS = ("uid", "enc", "psn_idx", "inst_idx", "time", "code", "list_type", "cnt", "pric4", "amt", "dept",
               "doctor", "trace", "local_code")

# What a lower-level institution uses instead of an item it may not bill (限医院等级).
DOWNGRADE = {"reg_expert": "reg_outpt", "mri_head": "ct_head", "shenmai": "xueshuantong", "pip_tazo": "ceftriaxone",
             "meropenem": "ceftriaxone", "edaravone": "xueshuantong", "paclitaxel": "cisplatin"}
LEVEL_RANK = {"1": 1, "2": 2, "3": 3, "9": 4}


def items_frame(cat: Catalog) -> pl.DataFrame:
    """One row per item key (the first catalogue row of dated items) with its index."""
    f = cat.frame.unique("key", keep="first", maintain_order=True)
    return f.select(pl.int_range(pl.len(), dtype=pl.Int32).alias("key"), pl.col("key").alias("key_name"),
                    pl.col("med_list_codg").alias("code"), "list_type", "lmt_hosp_lv")


def encounter_context(enc: pl.DataFrame, pop: Population, medins: pl.DataFrame) -> pl.DataFrame:
    """Per-encounter columns the pathway engine reads: times in seconds from the window start, age."""
    origin = pl.lit(pop.start).cast(pl.Datetime("us"))
    ctx = enc.join(medins.select("inst_idx", "tier", "hosp_lv"), on="inst_idx", how="left", maintain_order="left")
    ctx = ctx.with_columns(
        (pl.col("begin") - origin).dt.total_seconds().alias("begin_s"),
        (pl.col("end") - origin).dt.total_seconds().alias("end_s"),
    )
    age0 = pop.age[ctx["psn_idx"].to_numpy()]
    return ctx.with_columns((pl.col("begin_s") / 86400 / 365.25 + pl.Series(age0)).alias("age"))


def assign_pathways(rng: np.random.Generator, enc: pl.DataFrame, pop: Population) -> pl.DataFrame:
    """(enc, pathway) rows: an encounter may be billed from several order sets."""
    mt = pl.col("med_type")
    parts = [
        enc.filter(mt.is_in(["11", "14"]) & (pl.col("group") != "dialysis")).select("enc", pl.lit("reg").alias("pathway")),
        enc.filter(mt == "11").select("enc", pl.col("group").alias("pathway")),
        enc.filter(mt == "21").select("enc", ("ip_" + pl.col("group")).alias("pathway")),
        enc.filter((mt == "21") & ~pl.col("group").is_in(list(NO_BASE))).select(
            "enc", pl.lit("ip_base").alias("pathway")),
        enc.filter((mt == "21") & ~pl.col("group").is_in(list(NO_BASE))).select(
            "enc", pl.when(pl.col("group").is_in(list(SEVERE))).then(pl.lit("ip_nurse_1")).otherwise(pl.lit("ip_nurse_2"))
            .alias("pathway")),
        enc.filter((mt == "14") & pl.col("group").is_in(["dialysis", "schizophrenia"])).select(
            "enc", ("c14_" + pl.col("group")).alias("pathway")),
        enc.filter(mt == "41").select("enc", pl.lit("ph_otc").alias("pathway")),
    ]
    chronic = pop.conditions.filter(pl.col("cond").is_in(["htn", "dm", "copd", "chd"])).select(
        "psn_idx", pl.col("cond").replace_strict(COND_GROUP).alias("g"))
    c14 = enc.filter((mt == "14") & ~pl.col("group").is_in(["dialysis", "schizophrenia"])).select("enc", "psn_idx")
    parts.append(c14.join(chronic, on="psn_idx", how="inner", maintain_order="left").select("enc", ("c14_" + pl.col("g")).alias("pathway")))
    ph = enc.filter(mt == "41").select("enc", "psn_idx").join(chronic, on="psn_idx", how="inner", maintain_order="left")
    ph = ph.filter(pl.Series(rng.random(ph.height) < 0.6))
    parts.append(ph.select("enc", ("ph_" + pl.col("g")).alias("pathway")))
    return pl.concat(parts).unique(keep="first", maintain_order=True).sort("enc", "pathway")


def price_lines(raw: pl.DataFrame, ctx: pl.DataFrame, items: pl.DataFrame, cat: Catalog, medins: pl.DataFrame,
                places: Places, rng: np.random.Generator, pop: Population) -> pl.DataFrame:
    """Raw pathway lines → fee lines in the internal shape (uid left null)."""
    key_of = dict(zip(items["key_name"].to_list(), items["key"].to_list(), strict=True))
    down = pl.DataFrame({"key": [key_of[a] for a in DOWNGRADE], "alt": [key_of[b] for b in DOWNGRADE.values()]},
                        schema={"key": pl.Int32, "alt": pl.Int32})
    lines = raw.join(ctx.select("enc", "psn_idx", "inst_idx", "dept", "doctor", "hosp_lv"), on="enc", how="left",
                     maintain_order="left")
    lines = lines.join(items.select("key", "lmt_hosp_lv"), on="key", how="left", maintain_order="left").join(
        down, on="key", how="left", maintain_order="left")
    rank = {k: v for k, v in LEVEL_RANK.items()}
    too_low = pl.col("hosp_lv").replace_strict(rank, default=5) > pl.col("lmt_hosp_lv").replace_strict(rank, default=9)
    lines = lines.with_columns(
        pl.when(too_low & pl.col("alt").is_not_null()).then(pl.col("alt")).otherwise(pl.col("key")).alias("key")
    ).drop("alt", "lmt_hosp_lv")
    # lines billed by another department (rehab, TCM) take a doctor of that department when the institution runs it
    runs = pl.DataFrame(sorted(places.depts), schema={"inst_idx": pl.Int32, "bill": pl.String}, orient="row")
    lines = lines.join(runs.with_columns(pl.lit(True).alias("_runs")), on=["inst_idx", "bill"], how="left",
                       maintain_order="left").with_columns(pl.col("_runs").fill_null(False))
    moved = lines.filter(pl.col("_runs"))
    if moved.height:
        docs = places.pick_doctor(rng, moved["inst_idx"].to_numpy(), moved["bill"].to_numpy())
        doctor = lines["doctor"].clone()
        doctor.scatter(np.flatnonzero(lines["_runs"].to_numpy()), pl.Series(docs.tolist(), dtype=pl.String))
        lines = lines.with_columns(
            pl.when(pl.col("_runs")).then(pl.col("bill")).otherwise(pl.col("dept")).alias("dept"), doctor)
    lines = lines.drop("_runs")
    lines = lines.with_columns((pl.col("t") // 86400).alias("day"))
    lines = lines.unique(["enc", "key", "day"], keep="first", maintain_order=True)
    lines = lines.join(items.select("key", "key_name", "code", "list_type"), on="key", how="left",
                       maintain_order="left")
    lines = lines.with_columns(to_datetime(pop.start, lines["t"].to_numpy()).alias("time"))
    return attach_prices(lines, cat, medins)


def attach_prices(lines: pl.DataFrame, cat: Catalog, medins: pl.DataFrame) -> pl.DataFrame:
    """Price each line from the catalogue row in force on its day and the institution's price policy."""
    rows = cat.frame.select(pl.col("med_list_codg").alias("code"), "pric4", "uplmt4", "begndate", "enddate")
    d = pl.col("time").dt.date()
    lines = lines.with_row_index("_r").join(rows, on="code", how="left", maintain_order="left").filter(
        (pl.col("begndate").is_null() | (d >= pl.col("begndate"))) & (pl.col("enddate").is_null() | (d <= pl.col("enddate")))
    ).sort("_r").drop("_r", "begndate", "enddate")
    lines = lines.join(medins.select("inst_idx", "price_factor", "at_ceiling"), on="inst_idx", how="left",
                       maintain_order="left")
    svc = pl.col("list_type") == "201"
    scaled = (pl.col("pric4") * pl.col("price_factor") / 100).floor().cast(pl.Int64) * 100
    lines = lines.with_columns(
        pl.when(svc & pl.col("at_ceiling")).then(pl.col("uplmt4")).when(svc).then(scaled).otherwise(pl.col("pric4"))
        .alias("pric4")
    )
    # herb prices have 4 decimals: nudge a quantity whose total lands on half a cent, so rounding never matters
    tie = (pl.col("cnt") * pl.col("pric4")) % 100 == 50
    lines = lines.with_columns(pl.when(tie).then(pl.col("cnt") + 1).otherwise(pl.col("cnt")).alias("cnt"))
    lines = lines.with_columns(((pl.col("cnt") * pl.col("pric4") + 50) // 100).alias("amt"))
    return lines.select(
        pl.lit(None, dtype=pl.Int64).alias("uid"), "enc", "psn_idx", "inst_idx", "time", "code", "list_type", "cnt",
        "pric4", "amt", "dept", "doctor", pl.lit(None, dtype=pl.String).alias("trace"),
        pl.lit(None, dtype=pl.String).alias("local_code"),
    )
