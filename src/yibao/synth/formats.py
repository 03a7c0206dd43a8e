"""Text formats of the data contract: money, unit prices, times, bools.

Money is held as integer cents and unit prices as integer 1/10000 yuan while
generating, so sums and the settlement split are exact; text is made only here.
"""

from __future__ import annotations

import polars as pl

__all__ = ["bool_text", "date_text", "money_text", "price_text", "time_text"]


def money_text(col: str) -> pl.Expr:
    """Integer cents → '123.45' (negative kept)."""
    c = pl.col(col)
    a = c.abs()
    return pl.concat_str(
        pl.when(c < 0).then(pl.lit("-")).otherwise(pl.lit("")),
        (a // 100).cast(pl.String),
        pl.lit("."),
        (a % 100).cast(pl.String).str.zfill(2),
    ).alias(col)


def price_text(col: str) -> pl.Expr:
    """Integer 1/10000 yuan → 2 decimals when exact in cents, else 4 decimals."""
    c = pl.col(col)
    two = pl.concat_str((c // 10000).cast(pl.String), pl.lit("."), ((c // 100) % 100).cast(pl.String).str.zfill(2))
    four = pl.concat_str((c // 10000).cast(pl.String), pl.lit("."), (c % 10000).cast(pl.String).str.zfill(4))
    return pl.when(c.is_null()).then(None).when(c % 100 == 0).then(two).otherwise(four).alias(col)


def time_text(col: str) -> pl.Expr:
    """Datetime → 'YYYY-MM-DD HH:MM:SS'."""
    return pl.col(col).dt.strftime("%Y-%m-%d %H:%M:%S").alias(col)


def date_text(col: str) -> pl.Expr:
    """Date → 'YYYY-MM-DD'."""
    return pl.col(col).dt.strftime("%Y-%m-%d").alias(col)


def bool_text(col: str) -> pl.Expr:
    """Bool → '1'/'0' (null stays empty)."""
    return pl.when(pl.col(col).is_null()).then(None).when(pl.col(col)).then(pl.lit("1")).otherwise(pl.lit("0")).alias(col)
