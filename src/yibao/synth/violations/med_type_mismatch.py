"""MED_TYPE_MISMATCH (限就医方式): an item paid in an encounter type it is not allowed for.

Forms (line level):
* inpatient_drug_outpatient — ω-3鱼油脂肪乳 or 注射用泮托拉唑 (inpatient only) in a clinic visit;
* inpatient_service_outpatient — 住院诊查费 charged in a clinic or chronic-disease visit;
* inpatient_drug_pharmacy — an inpatient-only injection sold at a pharmacy.
"""

from __future__ import annotations

import polars as pl

from yibao.synth.violations._base import add_line, count, encounters, fresh, label_lines, pick
from yibao.synth.world import World

CODE = "MED_TYPE_MISMATCH"


def inject(world: World) -> None:
    rng = world.rng(CODE)
    enc = fresh(world, encounters(world)).filter(pl.col("med_type") == "11")
    chosen = pick(rng, enc, count(world, 80))
    half = chosen.height // 2
    for part, key in ((chosen[:half], "fish_oil"), (chosen[half:], "pantoprazole_inj")):
        if part.height:
            label_lines(world, add_line(world, part, key), CODE, "inpatient_drug_outpatient",
                        "限住院使用的药品在门诊结算")
    enc = fresh(world, encounters(world)).filter(pl.col("med_type").is_in(["11", "14"]))
    chosen = pick(rng, enc, count(world, 40))
    label_lines(world, add_line(world, chosen, "consult_inpt"), CODE, "inpatient_service_outpatient",
                "门诊就诊收取住院诊查费")
    enc = fresh(world, encounters(world)).filter(pl.col("med_type") == "41")
    chosen = pick(rng, enc, count(world, 20))
    label_lines(world, add_line(world, chosen, "fish_oil"), CODE, "inpatient_drug_pharmacy",
                "限住院使用的药品在定点药店售出")
