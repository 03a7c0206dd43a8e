"""Refunds (退费): a few dispensed drugs are returned and the settlement partly reversed.

The reversal line repeats the original line with a negative quantity and the
same traceability codes; a second settlement with refd_setl_flag = 1 carries
the negative amounts, so per encounter the settlements still sum to the lines.
"""

from __future__ import annotations

import numpy as np
import polars as pl

__all__ = ["add_refunds"]


def add_refunds(rng: np.random.Generator, fee: pl.DataFrame, enc: pl.DataFrame, exclude: set[int],
                next_uid: int, rate: float = 0.003) -> pl.DataFrame:
    """Reversal lines for about `rate` of eligible clinic and pharmacy encounters."""
    cand = fee.filter((pl.col("list_type") == "101") & (pl.col("cnt") > 0) & pl.col("trace").is_not_null())
    cand = cand.join(enc.filter(pl.col("med_type").is_in(["11", "41"])).select("enc"), on="enc", how="semi")
    cand = cand.filter(~pl.col("enc").is_in(list(exclude)))
    firsts = cand.unique("enc", keep="first", maintain_order=True)
    pick = firsts.filter(pl.Series(rng.random(firsts.height) < rate))
    return pick.with_columns(
        (-pl.col("cnt")).alias("cnt"), (-pl.col("amt")).alias("amt"),
        pl.int_range(next_uid, next_uid + pick.height, dtype=pl.Int64).alias("uid"),
    )
