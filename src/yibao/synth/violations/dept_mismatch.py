"""DEPT_MISMATCH (限科室): an item billed by a department it is not allowed for.

Forms (line level):
* outside_allowed_dept — 运动疗法 (康复医学科 only) billed by internal medicine in a medical stay;
* excluded_dept — 心电监测 billed in intensive care, which may not charge it (lmt_dept_excl A28: included in 重症监护);
* psych_drug_general_dept — 奥氮平 for a schizophrenia patient by internal medicine of a general hospital
  (the drug is paid in psychiatry, or in any department of a psychiatric hospital: that use is clean).
"""

from __future__ import annotations

import polars as pl

from yibao.synth.violations._base import add_line, count, encounters, fresh, label_lines, pick
from yibao.synth.world import World

CODE = "DEPT_MISMATCH"


def inject(world: World) -> None:
    rng = world.rng(CODE)
    enc = fresh(world, encounters(world))
    stays = enc.filter((pl.col("med_type") == "21") & (pl.col("dept") == "A03") & (pl.col("los") >= 3))
    chosen = pick(rng, stays, count(world, 40))
    t = chosen.select((pl.col("begin").dt.date().cast(pl.Datetime("us")) + pl.duration(days=1, hours=10)).alias("t"))["t"]
    label_lines(world, add_line(world, chosen, "pt_exercise", time=t), CODE, "outside_allowed_dept",
                "限康复医学科项目由非康复科室收取")
    icu = fresh(world, encounters(world)).filter((pl.col("dept") == "A28") & (pl.col("los") >= 2))
    chosen = pick(rng, icu, count(world, 15))
    t = chosen.select((pl.col("begin").dt.date().cast(pl.Datetime("us")) + pl.duration(days=1, hours=9)).alias("t"))["t"]
    label_lines(world, add_line(world, chosen, "ecg_monitor", cnt=24, time=t), CODE, "excluded_dept",
                "重症医学科另收已包含在重症监护中的心电监测")
    f20 = world.diag.filter(pl.col("dise_codg").str.starts_with("F20"))["enc"]
    gen = fresh(world, encounters(world)).filter(
        pl.col("enc").is_in(f20.implode()) & (pl.col("inst_type") == "A100") & (pl.col("dept") != "A15")
        & (pl.col("med_type") == "11"))
    chosen = pick(rng, gen, count(world, 15))
    if chosen.height:
        label_lines(world, add_line(world, chosen, "olanzapine"), CODE, "psych_drug_general_dept",
                    "限精神科使用的抗精神病药由综合医院非精神科开具")
