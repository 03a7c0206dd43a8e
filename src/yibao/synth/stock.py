"""Stock-in (进货) records that cover what each institution dispenses.

Every institution buys, on the first day of each month, what it will dispense
that month plus a 5-30 % margin, rounded up to whole cases; so in clean data
cumulative purchases exceed cumulative sales at every month end. Injectors may
scale an institution's purchases of one item down (STOCK_MISMATCH) or add stock
of another item (ITEM_SUBSTITUTION).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

__all__ = ["build_purchases"]


def build_purchases(rng: np.random.Generator, fee: pl.DataFrame, start: dt.date,
                    factor: dict[tuple[int, str], float], extra: list[dict[str, object]],
                    goods: list[str], pharmacies: list[int]) -> pl.DataFrame:
    """purchase rows (inst_idx, code, purc_date, cnt) from net monthly sales."""
    sold = fee.filter(pl.col("list_type").is_in(["101", "102", "301"])).with_columns(
        pl.col("time").dt.truncate("1mo").dt.date().alias("month"))
    m = sold.group_by("inst_idx", "code", "month").agg(pl.col("cnt").sum().alias("sold")).filter(pl.col("sold") > 0)
    m = m.sort("inst_idx", "code", "month")
    margin = rng.uniform(1.05, 1.3, m.height)
    case = pl.when(pl.col("code").str.starts_with("T")).then(500).otherwise(10)
    m = m.with_columns(pl.Series("margin", margin)).with_columns(
        ((pl.col("sold") * pl.col("margin") / case).ceil() * case).cast(pl.Int64).alias("cnt"))
    if factor:
        f = pl.DataFrame({"inst_idx": [k[0] for k in factor], "code": [k[1] for k in factor],
                          "f": list(factor.values())}, schema={"inst_idx": pl.Int32, "code": pl.String, "f": pl.Float64})
        m = m.join(f, on=["inst_idx", "code"], how="left", maintain_order="left").with_columns(
            pl.when(pl.col("f").is_not_null()).then((pl.col("sold") * pl.col("f")).floor().cast(pl.Int64))
            .otherwise(pl.col("cnt")).alias("cnt")).drop("f")
    rows = m.filter(pl.col("cnt") > 0).select(
        "inst_idx", "code", pl.max_horizontal(pl.col("month"), pl.lit(start)).alias("purc_date"), "cnt")
    # pharmacies also stock daily goods they sell outside insurance (never billed to the fund)
    months = rows["purc_date"].unique().sort().to_list()
    g = [{"inst_idx": p, "code": c, "purc_date": mo, "cnt": int(rng.integers(2, 12)) * 6}
         for p in pharmacies for mo in months for c in goods if rng.random() < 0.5]
    parts = [rows]
    for block in (g, extra):
        if block:
            parts.append(pl.DataFrame(block, schema={"inst_idx": pl.Int32, "code": pl.String, "purc_date": pl.Date,
                                                     "cnt": pl.Int64}))
    return pl.concat(parts).sort("inst_idx", "code", "purc_date")
