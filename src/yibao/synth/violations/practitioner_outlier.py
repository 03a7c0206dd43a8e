"""PRACTITIONER_OUTLIER (医师异常): a doctor far from the peers of the same department and institution type.

Forms (practitioner level, keys prac_code and fixmedins_code):
* cost_per_case — an internist adds an infusion of auxiliary injections to most clinic visits: cost per
  visit several times the department's peers';
* items_per_case — a doctor adds three or four extra drug lines to almost every visit: items per visit far
  above peers.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from yibao.synth.violations._base import add_line, encounters
from yibao.synth.world import World

CODE = "PRACTITIONER_OUTLIER"


def _doctor(world: World, rng: np.random.Generator, exclude: set[str]) -> tuple[str, int] | None:
    enc = encounters(world).filter((pl.col("med_type") == "11") & pl.col("tier").is_in(["T2", "T3"])
                                   & (pl.col("dept") == "A03") & ~pl.col("inst_idx").is_in(list(world.touched_inst)))
    per = enc.group_by("doctor", "inst_idx").len().filter(pl.col("len") >= 20).sort("doctor")
    peers = per.group_by("inst_idx").len().filter(pl.col("len") >= 3)["inst_idx"]
    per = per.filter(pl.col("inst_idx").is_in(peers.implode()) & ~pl.col("doctor").is_in(list(exclude)))
    if per.is_empty():
        return None
    row = per.row(int(rng.integers(0, per.height)))
    return str(row[0]), int(row[1])


def inject(world: World) -> None:
    rng = world.rng(CODE)
    used: set[str] = set()
    for form, note in (("cost_per_case", "该医师门诊次均费用远高于同科室医师（大量辅助用药输液）"),
                       ("items_per_case", "该医师每张处方药品品种数远高于同科室医师")):
        pick = _doctor(world, rng, used)
        if pick is None:
            continue
        doc, inst = pick
        used.add(doc)
        visits = encounters(world).filter((pl.col("doctor") == doc) & (pl.col("med_type") == "11")
                                          & ~pl.col("enc").is_in(list(world.touched_enc)))
        iv = world.fee.filter(pl.col("code").is_in([world.code("iv_first"), world.code("iv_child")]))["enc"]
        visits = visits.filter(pl.Series(rng.random(visits.height) < 0.85) & ~pl.col("enc").is_in(iv.implode()))
        amt = 0
        if form == "cost_per_case":
            for key, n in (("iv_first", 1), ("saline", 1), ("infusion_set", 1), ("danshen_salt", 2), ("xueshuantong", 2)):
                amt += int(add_line(world, visits, key, cnt=n)["amt"].sum())
        else:
            for key in ("compound_danshen_s", "calcium_d3", "liuwei", "xiaoyao"):
                amt += int(add_line(world, visits, key)["amt"].sum())
        world.label(CODE, "practitioner", form, note, amt, prac_code=doc, inst_idx=inst)
