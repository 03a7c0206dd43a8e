"""TRACE_CODE_REUSE (追溯码重复): a drug pack's traceability code sold again (回流药, 串换).

Forms (line level, the resale line is labelled; it carries codes first sold earlier):
* resold_other_city — packs sold in 长沙市 scanned again at a 海口市 pharmacy 10-60 days later, for
  another person;
* same_institution_repeat — a village clinic or community centre settles the same pack code again days later;
* cross_institution — packs sold at one 长沙市 pharmacy scanned again at another.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from yibao.synth.violations._base import (
    count,
    encounters,
    fresh,
    idle_persons,
    label_lines,
    new_encounters,
    pick,
)
from yibao.synth.world import World

CODE = "TRACE_CODE_REUSE"


def _resell(world: World, rng: np.random.Generator, src: pl.DataFrame, form: str, note: str, where: str) -> None:
    people = idle_persons(world).filter(pl.col("age").is_between(25, 80) & (pl.col("len") <= 12))
    people = pick(rng, people, src.height * 2)["psn_idx"].to_list()
    rows, resale = [], []
    for r in src.iter_rows(named=True):
        if not people:
            break
        psn = people.pop()
        when = r["time"] + dt.timedelta(days=int(rng.integers(10, 61) if where != "same" else rng.integers(2, 15)))
        if (when.date() - world.start).days >= world.days:
            continue
        if where == "away":
            m = world.medins.filter((pl.col("tier") == "PHA") & (pl.col("city") != "长沙市"))
        elif where == "same":
            m = world.medins.filter(pl.col("inst_idx") == r["inst_idx"])
        else:
            m = world.medins.filter((pl.col("tier") == "PHA") & (pl.col("city") == "长沙市")
                                    & (pl.col("inst_idx") != r["inst_idx"]))
        inst = int(m["inst_idx"][int(rng.integers(0, m.height))])
        b = dt.datetime.combine(when.date(), dt.time(10)) + dt.timedelta(minutes=int(rng.integers(0, 420)))
        pharmacy = m["tier"][0] == "PHA"
        rows.append({"psn_idx": psn, "inst_idx": inst, "med_type": "41" if pharmacy else "11",
                     "group": "pharmacy" if pharmacy else "hypertension", "dx": None if pharmacy else "I10.x00",
                     "begin": b, "end": b + dt.timedelta(minutes=10), "dept": None if pharmacy else "A02"})
        codes = r["trace"].split(",")
        k = int(rng.integers(1, len(codes) + 1))
        resale.append((r["code"], r["list_type"], r["pric4"], ",".join(codes[:k]), k))
        world.touched_psn.add(psn)
    if not rows:
        return
    enc, _ = new_encounters(world, rows, bill=False)
    lines = enc.select(
        pl.lit(None, dtype=pl.Int64).alias("uid"), "enc", "psn_idx", "inst_idx",
        (pl.col("begin") + pl.duration(minutes=3)).alias("time"), pl.Series("code", [x[0] for x in resale]),
        pl.Series("list_type", [x[1] for x in resale]), pl.Series("cnt", [x[4] for x in resale], dtype=pl.Int64),
        pl.Series("pric4", [x[2] for x in resale], dtype=pl.Int64), pl.lit(0, dtype=pl.Int64).alias("amt"), "dept",
        "doctor", pl.Series("trace", [x[3] for x in resale]), pl.lit(None, dtype=pl.String).alias("local_code"),
    ).with_columns(((pl.col("cnt") * pl.col("pric4") + 50) // 100).alias("amt"))
    added = world.add_lines(lines)
    label_lines(world, added, CODE, form, note)


def inject(world: World) -> None:
    rng = world.rng(CODE)
    enc = fresh(world, encounters(world)).filter(pl.col("med_type").is_in(["11", "41"]) & (pl.col("city") == "长沙市"))
    sold = world.fee.join(enc.select("enc", "tier"), on="enc", how="inner", maintain_order="left").filter(
        (pl.col("list_type") == "101") & pl.col("trace").is_not_null() & (pl.col("cnt") > 0))
    # only unrestricted drugs: the resale must not also break an age, sex or indication restriction
    plain = world.catalog.frame.filter(pl.all_horizontal(pl.col(c).is_null() for c in (
        "lmt_gend", "lmt_age_min", "lmt_age_max", "lmt_age_max_days", "lmt_hosp_lv", "lmt_dise", "lmt_med_type",
        "lmt_dept", "lmt_inst_type")))["med_list_codg"]
    sold = sold.filter(pl.col("code").is_in(plain.implode())).sort("uid")
    _resell(world, rng, pick(rng, sold.filter(pl.col("tier") == "PHA"), count(world, 20)), "resold_other_city",
            "长沙售出药品的追溯码在海口药店再次销售（回流药）", "away")
    clinic = sold.filter(pl.col("tier").is_in(["CLN", "CHC"]) & ~pl.col("uid").is_in(list(world.touched_uid)))
    _resell(world, rng, pick(rng, clinic, count(world, 12)), "same_institution_repeat",
            "同一机构对同一追溯码重复结算", "same")
    other = sold.filter((pl.col("tier") == "PHA") & ~pl.col("uid").is_in(list(world.touched_uid)))
    _resell(world, rng, pick(rng, other, count(world, 12)), "cross_institution",
            "一家药店售出的追溯码在另一家药店再次销售", "other")
