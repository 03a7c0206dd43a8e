"""INDICATION_MISMATCH (超限定支付范围): a restricted item without an allowed diagnosis.

Forms (line level):
* no_allowed_diagnosis — 氯吡格雷, 塞来昔布 or 孟鲁司特 in a visit none of whose diagnoses is on the item's list;
* before_indication_extension — 达格列净 for heart failure before the catalogue row that adds I50 takes effect
  (after it, the same use is clean: detectors must read the dated row);
* pharmacy_restricted_drug — an indication-restricted drug sold at a pharmacy, where no diagnosis exists.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from yibao.synth.violations._base import add_line, count, encounters, fresh, label_lines, pick
from yibao.synth.world import World

CODE = "INDICATION_MISMATCH"
_ALLOWED = {"clopidogrel": ("I2", "I63", "I65", "I66", "I70", "Z95"), "celecoxib": ("M",), "montelukast": ("J45", "J30")}


def inject(world: World) -> None:
    rng = world.rng(CODE)
    enc = fresh(world, encounters(world)).filter(pl.col("med_type") == "11")
    dx = world.diag.group_by("enc").agg(pl.col("dise_codg"))
    enc = enc.join(dx, on="enc", how="inner", maintain_order="left")
    chosen = pick(rng, enc, count(world, 120))
    for i, (key, prefixes) in enumerate(_ALLOWED.items()):
        part = chosen[i::3]
        ok = part["dise_codg"].to_list()
        keep = [not any(c.startswith(p) for c in codes for p in prefixes) for codes in ok]
        part = part.filter(pl.Series(keep, dtype=pl.Boolean))
        if part.height:
            label_lines(world, add_line(world, part, key), CODE, "no_allowed_diagnosis",
                        f"限定适应症药品（{key}）用于无相应诊断的就诊")
    hf = fresh(world, encounters(world)).filter(
        (pl.col("group") == "heart_failure") & (pl.col("begin").dt.date() < world.catalog.mid))
    has_e11 = world.diag.filter(pl.col("dise_codg").str.starts_with("E11"))["enc"]
    hf = hf.filter(~pl.col("enc").is_in(has_e11.implode()))
    chosen = pick(rng, hf, count(world, 20))
    if chosen.height:
        t = chosen["end"] - dt.timedelta(hours=1)
        label_lines(world, add_line(world, chosen, "dapagliflozin", time=t), CODE,
                    "before_indication_extension", "达格列净用于心力衰竭，但该适应症自目录新版本生效日起才予支付")
    ph = fresh(world, encounters(world)).filter(pl.col("med_type") == "41")
    chosen = pick(rng, ph, count(world, 40))
    label_lines(world, add_line(world, chosen, "montelukast"), CODE, "pharmacy_restricted_drug",
                "限适应症药品在定点药店无诊断售出")
