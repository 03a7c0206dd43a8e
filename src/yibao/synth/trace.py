"""Drug traceability codes (药品追溯码): one 20-digit code per dispensed pack.

Format: 7-digit product identifier, 9-digit pack serial, 4-digit check. Serials
run on per product across the whole city, so in clean data each code is sold
exactly once; a returned pack's reversal line carries the same code.
"""

from __future__ import annotations

import zlib

import polars as pl

__all__ = ["assign_trace", "product_id"]


_WIDE = 8  # lines with up to this many packs get their codes column-wise, others pack by pack


def _code(serial: pl.Expr) -> pl.Expr:
    prod = pl.col("prod")
    return pl.concat_str(prod.cast(pl.String), serial.cast(pl.String).str.zfill(9),
                         ((serial * 7 + prod * 13) % 10_000).cast(pl.String).str.zfill(4))


def _few(x: pl.DataFrame) -> pl.DataFrame:
    parts = [pl.when(pl.col("cnt") > k).then(_code(pl.col("first") + k)) for k in range(_WIDE)]
    return x.select("uid", pl.concat_str(parts, separator=",", ignore_nulls=True).alias("tc"))


def _many(x: pl.DataFrame) -> pl.DataFrame:
    packs = x.select("uid", "prod", pl.int_ranges("first", pl.col("first") + pl.col("cnt")).alias("s")).explode("s")
    return packs.with_columns(_code(pl.col("s")).alias("tc")).group_by("uid", maintain_order=True).agg(
        pl.col("tc").str.join(","))


def product_id(code: str) -> int:
    """Stable 7-digit product identifier of a drug code."""
    return 8_000_000 + zlib.crc32(code.encode()) % 1_000_000


def assign_trace(fee: pl.DataFrame, counters: dict[str, int]) -> pl.DataFrame:
    """Fill `trace` for dispensed drug lines (list_type 101, cnt > 0) that have none; `counters` advance."""
    need = (pl.col("list_type") == "101") & (pl.col("cnt") > 0) & pl.col("trace").is_null()
    x = fee.filter(need).select("uid", "code", "time", "cnt").sort("code", "time", "uid")
    if x.is_empty():
        return fee
    codes = x["code"].unique().sort().to_list()
    base = pl.DataFrame({
        "code": codes,
        "prod": [product_id(c) for c in codes],
        "off": [counters.get(c, 10_000_000 + zlib.crc32(c.encode()[::-1]) % 300_000_000) for c in codes],
    })
    x = x.join(base, on="code", how="left", maintain_order="left").with_columns(
        (pl.col("cnt").cum_sum().over("code") - pl.col("cnt") + pl.col("off")).alias("first")
    )
    ends = x.group_by("code").agg((pl.col("first").last() + pl.col("cnt").last()).alias("next"))
    counters.update(dict(zip(ends["code"].to_list(), ends["next"].to_list(), strict=True)))
    codes_per_line = pl.concat([_few(x.filter(pl.col("cnt") <= _WIDE)), _many(x.filter(pl.col("cnt") > _WIDE))])
    return fee.join(codes_per_line, on="uid", how="left", maintain_order="left").with_columns(
        pl.coalesce("trace", "tc").alias("trace")).drop("tc")
