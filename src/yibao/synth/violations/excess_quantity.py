"""EXCESS_QUANTITY (超量): more units or yuan per day, per stay day or per period than the limits allow.

Forms (line level; amount = the units over the limit × price for daily maxima, else the whole line):
* over_daily_max — 氧气吸入 25-30 hours in a day, or 末梢血糖 8-13 times (max_daily_cnt 24 / 7); exactly
  at the maximum occurs in clean data;
* bed_days_over_stay — a bed fee on the discharge date, so bed days exceed the length of stay (per_stay_day);
* over_period — a second 糖化血红蛋白 in one calendar month, 10-15 days after the first;
* over_amount_cap — diabetes drugs (XA10*) above 800 元 in one month of chronic-disease care;
* min_interval — 康复综合评定 repeated after 7-10 days (limit: 14 days apart; 14 exactly is clean);
* over_max_days — 奥扎格雷钠 continued past 14 days of treatment (限支付疗程 14 天).
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
    label_lines,
    lines_of,
    new_encounters,
    pick,
)
from yibao.synth.world import World

CODE = "EXCESS_QUANTITY"


def _days(rng: np.random.Generator, n: int, lo: int, hi: int) -> pl.Series:
    return pl.Series([dt.timedelta(days=int(rng.integers(lo, hi))) for _ in range(n)], dtype=pl.Duration("us"))


def _daily_max(world: World, rng: np.random.Generator) -> None:
    hourly = lines_of(world, fresh(world, encounters(world)), ["oxygen", "glucose_bedside"]).unique(
        "enc", keep="first", maintain_order=True).sort("uid")
    chosen = pick(rng, hourly, count(world, 40))
    if chosen.is_empty():
        return
    cap = np.array([24 if k == "oxygen" else 7 for k in chosen["key_name"].to_list()])
    extra = np.where(rng.random(chosen.height) < 0.35, 1, rng.integers(2, 7, chosen.height))
    upd = chosen.select("uid").with_columns(pl.Series("c2", cap + extra, dtype=pl.Int64))
    world.fee = world.fee.join(upd, on="uid", how="left", maintain_order="left").with_columns(
        pl.coalesce("c2", "cnt").alias("cnt")).drop("c2").with_columns(
        ((pl.col("cnt") * pl.col("pric4") + 50) // 100).alias("amt"))
    changed = world.fee.join(upd.select("uid"), on="uid", how="semi").sort("uid")
    label_lines(world, changed, CODE, "over_daily_max", "单日数量超过最大限量",
                pl.Series(extra * changed["pric4"].to_numpy() // 100))


def _bed_days(world: World, rng: np.random.Generator) -> None:
    enc = fresh(world, encounters(world)).filter((pl.col("med_type") == "21") & (pl.col("dscg_way") != "5"))
    beds = lines_of(world, enc).filter(pl.col("code").str.starts_with("001201")).unique(
        "enc", keep="last", maintain_order=True).sort("uid")
    chosen = pick(rng, beds, count(world, 40))
    e = enc.join(chosen.select("enc", "key_name"), on="enc", maintain_order="left")
    for key in e["key_name"].unique().sort().to_list():
        part = e.filter(pl.col("key_name") == key)
        added = add_line(world, part, key, time=part["end"] - dt.timedelta(minutes=30))
        label_lines(world, added, CODE, "bed_days_over_stay", "出院当日仍收取床位费，床日数超过住院天数")


def _over_period(world: World, rng: np.random.Generator) -> None:
    enc = fresh(world, encounters(world)).filter(pl.col("med_type").is_in(["11", "14"]))
    # the month limit (HbA1c + fructosamine ≤ 1) is in force from mid-window only
    hb = lines_of(world, enc, ["hba1c"]).filter((pl.col("time").dt.day() <= 12)
                                               & (pl.col("time").dt.date() >= world.catalog.mid)).unique(
        "psn_idx", keep="first", maintain_order=True).sort("uid")
    # people with room under the yearly limit (≤ 4), so only the monthly limit is broken
    yearly = world.fee.filter(pl.col("code") == world.code("hba1c")).group_by("psn_idx").len()
    hb = hb.join(yearly.filter(pl.col("len") <= 3), on="psn_idx", how="semi")
    chosen = pick(rng, hb, count(world, 30))
    if chosen.is_empty():
        return
    e = enc.join(chosen.select("enc", "time"), on="enc", maintain_order="left")
    t = e["time"] + _days(rng, e.height, 10, 16)
    last = world.start + dt.timedelta(days=world.days - 1)
    rows = [{"psn_idx": r["psn_idx"], "inst_idx": r["inst_idx"], "med_type": r["med_type"], "group": r["group"],
             "dx": r["dx"], "begin": b, "end": b + dt.timedelta(minutes=30), "dept": r["dept"], "doctor": r["doctor"]}
            for r, b in zip(e.iter_rows(named=True), t.to_list(), strict=True) if b.date() <= last]
    if rows:
        new, _ = new_encounters(world, rows, bill=False)
        add_line(world, new, "reg_outpt", time=new["begin"] + dt.timedelta(minutes=1))
        label_lines(world, add_line(world, new, "hba1c"), CODE, "over_period", "同一自然月内重复收取糖化血红蛋白")


def _amount_cap(world: World, rng: np.random.Generator) -> None:
    enc = fresh(world, encounters(world)).filter((pl.col("med_type") == "14") & (pl.col("group") == "diabetes"))
    chosen = pick(rng, enc, count(world, 25))
    if chosen.height:
        label_lines(world, add_line(world, chosen, "insulin_glargine", cnt=5), CODE, "over_amount_cap",
                    "门诊慢特病糖尿病用药当月金额超过限额")


def _min_interval(world: World, rng: np.random.Generator) -> None:
    enc = fresh(world, encounters(world))
    ra = lines_of(world, enc, ["rehab_assess"]).join(
        enc.select("enc", "end"), on="enc", maintain_order="left").filter(
        pl.col("end") - pl.col("time") > pl.duration(days=11))
    chosen = pick(rng, ra.unique("enc", keep="first", maintain_order=True).sort("uid"), count(world, 15))
    if chosen.is_empty():
        return
    e = enc.join(chosen.select("enc", "time"), on="enc", maintain_order="left")
    t = e["time"] + _days(rng, e.height, 7, 11)
    label_lines(world, add_line(world, e, "rehab_assess", time=t, dept="A21"), CODE, "min_interval",
                "康复综合评定间隔不足14天")


def _max_days(world: World, rng: np.random.Generator) -> None:
    enc = fresh(world, encounters(world)).filter((pl.col("group") == "stroke") & (pl.col("los") >= 17))
    oz = lines_of(world, enc, ["ozagrel"])
    have = oz.group_by("enc").agg(pl.col("time").max().alias("last"), pl.col("time").dt.date().n_unique().alias("n"),
                                  pl.col("cnt").first(), pl.col("dept").first())
    for enc_id, last, n, cnt, dept in pick(rng, have.sort("enc"), count(world, 10)).iter_rows():
        stay = enc.filter(pl.col("enc") == enc_id)
        days, d = [], last + dt.timedelta(days=1)
        while d.date() < stay["end"][0].date() and len(days) < 16:
            days.append(d)
            d += dt.timedelta(days=1)
        # the course goes on day after day: the days up to the 14th are paid, the later ones not
        within, extra = days[:max(14 - n, 0)], days[max(14 - n, 0):]
        if within:
            add_line(world, pl.concat([stay] * len(within)), "ozagrel", cnt=cnt, time=pl.Series(within), dept=dept)
        if extra:
            added = add_line(world, pl.concat([stay] * len(extra)), "ozagrel", cnt=cnt, time=pl.Series(extra), dept=dept)
            label_lines(world, added, CODE, "over_max_days", "奥扎格雷钠使用超过限定支付疗程14天")


def inject(world: World) -> None:
    rng = world.rng(CODE)
    _daily_max(world, rng)
    _bed_days(world, rng)
    _over_period(world, rng)
    _amount_cap(world, rng)
    _min_interval(world, rng)
    _max_days(world, rng)
