"""STOCK_MISMATCH (进销存不符): an institution dispensing more than it bought.

Forms (institution level; amount = value of the units sold beyond stock-in):
* substitution_shortfall — an institution caught substituting (ITEM_SUBSTITUTION) bills an item it never
  bought: labelled here too, by the ITEM_SUBSTITUTION injector;
* sales_exceed_purchase — a pharmacy's stock-in of its three best-selling drugs covers only 55-70 % of sales;
* no_purchase_record — a clinic dispenses a drug it never bought (no purchase rows at all).
Clean institutions buy monthly what they dispense plus a margin: cumulative stock-in ≥ cumulative sales at
every month end.
"""

from __future__ import annotations

import polars as pl

from yibao.synth.violations._base import inst_of
from yibao.synth.world import World

CODE = "STOCK_MISMATCH"


def _sales(world: World, inst: int) -> pl.DataFrame:
    return world.fee.filter((pl.col("inst_idx") == inst) & (pl.col("list_type") == "101")).group_by("code").agg(
        pl.col("cnt").sum().alias("n"), pl.col("amt").sum().alias("a")).sort("a", "code", descending=[True, False])


def inject(world: World) -> None:
    rng = world.rng(CODE)
    pharm = inst_of(world, "PHA")
    if pharm.height:
        inst = int(pharm["inst_idx"][int(rng.integers(0, pharm.height))])
        top = _sales(world, inst).head(3)
        loss = 0
        for code, _n, a in top.iter_rows():
            f = float(rng.uniform(0.55, 0.7))
            world.purchase_factor[(inst, code)] = f
            loss += int(a * (1 - f))
        world.label(CODE, "institution", "sales_exceed_purchase", "药店主要药品销售数量超过进货数量", loss,
                    inst_idx=inst)
    clinics = pl.concat([inst_of(world, "CLN"), inst_of(world, "CHC")])
    for row in clinics.iter_rows(named=True):
        s = _sales(world, row["inst_idx"])
        if s.height >= 3:
            code, _n, a = s.row(int(rng.integers(0, min(5, s.height))))
            world.purchase_factor[(row["inst_idx"], code)] = 0.0
            world.label(CODE, "institution", "no_purchase_record", "基层机构销售的药品无任何进货记录", int(a),
                        inst_idx=row["inst_idx"])
            break
