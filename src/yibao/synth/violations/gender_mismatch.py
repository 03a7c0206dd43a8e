"""GENDER_MISMATCH (限性别): an item restricted to one sex billed for the other.

Forms (line level):
* female_item_for_male — 宫颈液基细胞学检查, 黄体酮注射液 or 克霉唑阴道片 for a man;
* male_item_for_female — 前列腺特异性抗原测定 or 坦索罗辛 for a woman (often another's card, or 串换).
"""

from __future__ import annotations

import polars as pl

from yibao.synth.violations._base import add_line, count, encounters, fresh, label_lines, pick
from yibao.synth.world import World

CODE = "GENDER_MISMATCH"


def inject(world: World) -> None:
    rng = world.rng(CODE)
    for form, sex, keys, note in (
        ("female_item_for_male", "1", ["tct", "progesterone", "clotrimazole_vag"], "限女性项目用于男性参保人"),
        ("male_item_for_female", "2", ["psa", "tamsulosin"], "限男性项目用于女性参保人"),
    ):
        enc = fresh(world, encounters(world)).filter(
            (pl.col("gend") == sex) & (pl.col("age") >= 25) & pl.col("med_type").is_in(["11", "21"]))
        chosen = pick(rng, enc, count(world, 60))
        for i, key in enumerate(keys):
            part = chosen[i::len(keys)]
            if part.height:
                label_lines(world, add_line(world, part, key), CODE, form, note)
