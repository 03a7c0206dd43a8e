"""When care happens: seasonal day weights and clock times.

Respiratory disease peaks in January, gut infections in July; clinics are
busiest on Monday and quiet at weekends; most visits fall in clinic hours
(08:00-11:30, 14:00-17:30), a few in the evening.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

__all__ = ["clock_seconds", "day_weights", "sample_days"]


def day_weights(start: dt.date, days: int, season: str | None, kind: str) -> np.ndarray:
    """Normalised weights over the window's days for one disease season and care kind."""
    ords = start.toordinal() + np.arange(days)
    doy = np.array([dt.date.fromordinal(int(o)).timetuple().tm_yday for o in ords])
    wd = (ords - 1) % 7  # Monday = 0 (date.fromordinal(1) is a Monday)
    if kind == "pharmacy":
        week = np.array([1.0, 1.0, 1.0, 1.0, 1.05, 1.1, 1.0])
    elif kind == "admission":
        week = np.array([1.15, 1.05, 1.0, 1.0, 0.95, 0.6, 0.55])
    else:
        week = np.array([1.25, 1.1, 1.05, 1.0, 1.0, 0.7, 0.55])
    w = week[wd].astype(float)
    if season == "winter":
        w *= 1.0 + 0.8 * np.cos(2 * np.pi * (doy - 15) / 365.25)
    elif season == "summer":
        w *= 1.0 + 0.6 * np.cos(2 * np.pi * (doy - 200) / 365.25)
    return w / w.sum()


def sample_days(rng: np.random.Generator, n: int, weights: np.ndarray) -> np.ndarray:
    """`n` day offsets drawn from `weights`."""
    return rng.choice(len(weights), size=n, p=weights).astype(np.int32)


def clock_seconds(rng: np.random.Generator, n: int, kind: str) -> np.ndarray:
    """Seconds after midnight for `n` events of a kind: clinic, admission, pharmacy."""
    u = rng.random(n)
    if kind == "pharmacy":
        return rng.integers(8 * 3600, 21 * 3600, n).astype(np.int32)
    if kind == "admission":
        day = rng.integers(8 * 3600, 17 * 3600 + 1800, n)
        night = rng.integers(18 * 3600, 22 * 3600, n)
        return np.where(u < 0.9, day, night).astype(np.int32)
    morning = rng.integers(8 * 3600, 11 * 3600 + 1800, n)
    afternoon = rng.integers(14 * 3600, 17 * 3600, n)
    evening = rng.integers(18 * 3600, 20 * 3600 + 1800, n)
    return np.where(u < 0.64, morning, np.where(u < 0.95, afternoon, evening)).astype(np.int32)
