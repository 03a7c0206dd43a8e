"""Bills encounters from their care pathways: one fee line per item occurrence.

Vectorised per (pathway, entry): draw which encounters get the entry, pick an
alternative, expand it over the stay days its timing names, draw quantities and
clock times inside the encounter. The result still has to pass `conform`, which
removes whatever a catalogue restriction, pair rule or limit would refuse.
"""

from __future__ import annotations

import functools

import numpy as np
import polars as pl

from yibao.synth.pathway import FORMULAS, Entry, parse
from yibao.synth.pathways_inpatient import INPATIENT
from yibao.synth.pathways_outpatient import OUTPATIENT

__all__ = ["LINE_COLUMNS", "bill", "pathways"]

LINE_COLUMNS = ("enc", "key", "t", "cnt", "bill")
_H = 3600


@functools.cache
def pathways() -> dict[str, tuple[Entry, ...]]:
    """All pathways, parsed once."""
    return {k: tuple(parse(x) for x in v) for k, v in {**OUTPATIENT, **INPATIENT}.items()}


def _occurrences(e: Entry, los: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(start day, step, count) per encounter for the entry's timing; day -1 = visit, -2 = discharge date."""
    n = len(los)
    one = np.ones(n, np.int64)
    w = e.when
    if w == "v":
        return -one, one, one
    if w == "dis":
        return -2 * one, one, one
    if w == "daily":
        return 0 * one, one, los.copy()
    if w == "op":
        return np.minimum(1, los - 1), one, one
    if w[0] == "d":
        return np.minimum(int(w[1:]), los - 1), one, one
    if w[0] == "c":
        lo, _, hi = w[1:].partition("-")
        k = rng.integers(int(lo), int(hi or lo) + 1, n)
        return 0 * one, one, np.minimum(k, los)
    if w[0] == "e":
        step, _, start = w[1:].partition("@")
        s, k = int(start or 0), int(step)
        return s * one, k * one, np.maximum(0, (los - s + k - 1) // k)
    if w[0] == "f":
        s = int(w[1:])
        return s * one, one, np.maximum(0, los - s)
    raise ValueError(f"unknown timing {w!r}")


def _times(rng: np.random.Generator, day: np.ndarray, begin: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Clock time (seconds from window start) of each occurrence, always inside [begin, end]."""
    n = len(day)
    u = rng.random(n)
    b_day = begin // 86400 * 86400
    visit = begin + (u * np.maximum(end - begin, 1)).astype(np.int64)
    first = begin + 300 + (u * np.maximum(np.minimum(4 * _H, b_day + 86399 - begin - 360), 1)).astype(np.int64)
    later = b_day + np.maximum(day, 0) * 86400 + 8 * _H + (u * 9 * _H).astype(np.int64)
    e_day = end // 86400 * 86400
    lo = np.maximum(begin + 60, e_day + 7 * _H)
    hi = end - 120
    dis = np.where(hi > lo, lo + (u * np.maximum(hi - lo, 1)).astype(np.int64), np.maximum(begin + 30, end - 60))
    t = np.where(day == -1, visit, np.where(day == -2, dis, np.where(day == 0, first, later)))
    return np.clip(t, begin, end)


def _entry_lines(rng: np.random.Generator, e: Entry, ctx: dict[str, np.ndarray], key_index: dict[str, int],
                 ) -> list[dict[str, np.ndarray]]:
    n = len(ctx["enc"])
    ok = rng.random(n) < e.p
    if e.age != (0.0, 200.0):
        ok &= (ctx["age"] >= e.age[0]) & (ctx["age"] < e.age[1] + 1)
    if e.dept:
        ok &= np.isin(ctx["dept"], e.dept)
    if e.tier:
        ok &= np.isin(ctx["tier"], e.tier)
    if e.dx:
        dx = ctx["dx"].astype(str)  # only the few entries filtered by diagnosis pay for the conversion
        ok &= np.any([np.char.startswith(dx, p) for p in e.dx], axis=0)
    rows = np.flatnonzero(ok)
    if not len(rows):
        return []
    w = np.asarray(e.weights)
    alt = rng.choice(len(e.alts), size=len(rows), p=w / w.sum()) if len(e.alts) > 1 else np.zeros(len(rows), int)
    start, step, count = _occurrences(e, ctx["los"][rows], rng)
    occ_row = np.repeat(np.arange(len(rows)), count)
    j = np.arange(len(occ_row)) - np.repeat(np.cumsum(count) - count, count)
    day = np.where(start[occ_row] < 0, start[occ_row], start[occ_row] + j * step[occ_row])
    enc_pos = rows[occ_row]
    t = _times(rng, day, ctx["begin"][enc_pos], ctx["end"][enc_pos])
    qty = rng.integers(e.qty[0], e.qty[1] + 1, len(occ_row))
    out = []
    for ai, bundle in enumerate(e.alts):
        sel = np.flatnonzero(alt[occ_row] == ai)
        if not len(sel):
            continue
        for key, mult in bundle:
            if key.startswith("@rx_"):
                out += _herbs(rng, FORMULAS[key[4:]], ctx["enc"][enc_pos[sel]], t[sel], qty[sel], key_index)
                continue
            out.append({
                "enc": ctx["enc"][enc_pos[sel]], "key": np.full(len(sel), key_index[key], np.int32), "t": t[sel],
                "cnt": qty[sel] * mult, "bill": np.full(len(sel), e.bill or "", dtype=object),
            })
    return out


def _herbs(rng: np.random.Generator, formula: tuple[tuple[str, int], ...], enc: np.ndarray, t: np.ndarray,
           doses: np.ndarray, key_index: dict[str, int]) -> list[dict[str, np.ndarray]]:
    """A decoction prescription: the formula's herbs, a few left out, grams × doses each."""
    out = []
    for i, (key, grams) in enumerate(formula):
        keep = rng.random(len(enc)) < (0.9 if i >= 4 else 1.0)  # the first four herbs are the formula's core
        g = np.rint(grams * rng.uniform(0.8, 1.25, len(enc))).astype(np.int64)
        out.append({"enc": enc[keep], "key": np.full(int(keep.sum()), key_index[key], np.int32), "t": t[keep],
                    "cnt": (g * doses)[keep], "bill": np.full(int(keep.sum()), "", dtype=object)})
    return out


def bill(rng: np.random.Generator, ctx: pl.DataFrame, assign: pl.DataFrame, key_index: dict[str, int]) -> pl.DataFrame:
    """Fee lines for encounters `ctx` (enc, begin_s, end_s, los, age, dept, tier, dx) by pathway `assign`."""
    paths = pathways()
    parts: list[dict[str, np.ndarray]] = []
    for (pname,), grp in assign.join(ctx, on="enc", how="inner", maintain_order="left").sort("enc").group_by(["pathway"], maintain_order=True):
        entries = paths.get(str(pname))
        if entries is None:
            continue
        c = {
            "enc": grp["enc"].to_numpy(), "begin": grp["begin_s"].to_numpy(), "end": grp["end_s"].to_numpy(),
            "los": grp["los"].to_numpy().astype(np.int64), "age": grp["age"].to_numpy(),
            "dept": grp["dept"].fill_null("").to_numpy(), "tier": grp["tier"].to_numpy(),
            "dx": grp["dx"].fill_null("").to_numpy(),
        }
        for e in entries:
            parts += _entry_lines(rng, e, c, key_index)
    if not parts:
        return pl.DataFrame(schema={"enc": pl.Int64, "key": pl.Int32, "t": pl.Int64, "cnt": pl.Int64,
                                    "bill": pl.String})
    cols = {k: np.concatenate([p[k] for p in parts]) for k in LINE_COLUMNS}
    return pl.DataFrame({
        "enc": cols["enc"].astype(np.int64), "key": cols["key"].astype(np.int32), "t": cols["t"].astype(np.int64),
        "cnt": cols["cnt"].astype(np.int64), "bill": pl.Series(cols["bill"], dtype=pl.String),
    }).with_columns(pl.when(pl.col("bill") == "").then(None).otherwise(pl.col("bill")).alias("bill"))
