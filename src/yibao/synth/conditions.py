"""Chronic conditions (慢性病) of each person, by age and sex.

Conditions drive follow-up visits, chronic-disease outpatient care (门诊慢特病,
med_type 14), pharmacy refills, secondary diagnoses and a share of admissions.
"""

from __future__ import annotations

import numpy as np
import polars as pl

__all__ = ["CONDITIONS", "build_conditions"]

# key: (dx, sex, prevalence by age band 0-6/7-17/18-44/45-64/65+, share enrolled in 门诊慢特病)
CONDITIONS: dict[str, tuple[str, str | None, tuple[float, ...], float]] = {
    "htn": ("I10.x00", None, (0, 0, 0.04, 0.28, 0.52), 0.45),
    "dm": ("E11.900", None, (0, 0, 0.015, 0.11, 0.19), 0.5),
    "copd": ("J44.900", None, (0, 0, 0, 0.035, 0.11), 0.4),
    "chd": ("I25.100", None, (0, 0, 0.002, 0.05, 0.14), 0.4),
    "bph": ("N40.x00", "1", (0, 0, 0, 0.12, 0.38), 0.0),
    "osteo": ("M81.000", "2", (0, 0, 0, 0.08, 0.22), 0.0),
    "ckd5": ("N18.500", None, (0, 0, 0.0004, 0.0015, 0.002), 1.0),
    "cancer": ("C34.900", None, (0, 0, 0.0008, 0.004, 0.008), 0.0),
    "schizo": ("F20.900", None, (0, 0, 0.006, 0.005, 0.002), 0.8),
}


def build_conditions(rng: np.random.Generator, psn: pl.DataFrame, age: np.ndarray) -> pl.DataFrame:
    """Long frame (psn_idx, cond, dx, enrolled) of the conditions each person lives with."""
    band = np.searchsorted(np.array([7, 18, 45, 65]), age, side="right")
    gend = psn["gend"].to_numpy()
    out = []
    for key, (dx, sex, prev, enrol) in CONDITIONS.items():
        p = np.asarray(prev)[band]
        if sex is not None:
            p = np.where(gend == sex, p, 0.0)
        has = rng.random(len(age)) < p
        idx = np.flatnonzero(has)
        dxs = np.full(len(idx), dx, dtype=object)
        if key == "cancer":  # breast cancer for about half the women
            dxs = np.where((gend[idx] == "2") & (rng.random(len(idx)) < 0.6), "C50.900", dx)
        out.append(pl.DataFrame({
            "psn_idx": idx.astype(np.int32), "cond": key, "dx": dxs.astype(str),
            "enrolled": rng.random(len(idx)) < enrol,
        }))
    return pl.concat(out).sort("psn_idx", "cond")
