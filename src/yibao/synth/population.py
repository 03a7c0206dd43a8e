"""Per-person arrays the schedulers share: age, sex, district, birth and death days."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import polars as pl

__all__ = ["Population", "whole_years"]

_NEVER = 10**6


def whole_years(birth: pl.Expr, day: pl.Expr) -> pl.Expr:
    """Age in whole years on `day` (a 14-year-old is 14 until the day before the 15th birthday)."""
    # month() is Int8: widen before scaling, or December overflows
    before = (day.dt.month().cast(pl.Int32) * 100 + day.dt.day()) < (birth.dt.month().cast(pl.Int32) * 100
                                                                      + birth.dt.day())
    return day.dt.year() - birth.dt.year() - before.cast(pl.Int32)


@dataclass(frozen=True, slots=True)
class Population:
    """Column arrays indexed by psn_idx; days are offsets from the window start."""

    start: dt.date
    days: int
    age: np.ndarray  # years at window start (negative for babies born during it)
    gend: np.ndarray
    admdvs: np.ndarray
    birth_day: np.ndarray
    death_day: np.ndarray  # _NEVER when alive through the window; negative when died before it
    hh: np.ndarray
    role: np.ndarray
    mother: np.ndarray
    conditions: pl.DataFrame

    @property
    def n(self) -> int:
        return len(self.age)

    @staticmethod
    def build(start: dt.date, days: int, psn: pl.DataFrame, death: pl.DataFrame, cond: pl.DataFrame) -> Population:
        s = pl.lit(start)
        birth_day = psn.select((pl.col("brdy") - s).dt.total_days())["brdy"].to_numpy().astype(np.int32)
        death_day = np.full(psn.height, _NEVER, dtype=np.int32)
        dd = death.select("psn_idx", (pl.col("dead_date") - s).dt.total_days().alias("d"))
        death_day[dd["psn_idx"].to_numpy()] = dd["d"].to_numpy()
        return Population(
            start=start, days=days, age=-birth_day / 365.25, gend=psn["gend"].to_numpy().astype(str),
            admdvs=psn["insuplc_admdvs"].to_numpy().astype(str), birth_day=birth_day, death_day=death_day,
            hh=psn["hh_idx"].to_numpy(), role=psn["role"].to_numpy(), mother=psn["mother_idx"].to_numpy(),
            conditions=cond,
        )

    def band(self, idx: np.ndarray) -> np.ndarray:
        """Age band 0..4 (0-6, 7-17, 18-44, 45-64, 65+) at window start."""
        return np.searchsorted(np.array([7, 18, 45, 65]), self.age[idx], side="right")
