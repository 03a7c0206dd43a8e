"""Turns candidate encounters into a clean, conflict-free schedule (mdtrt + diag).

Clean means: nobody is seen before birth or after death; stays never overlap and
are at least 16 days apart (except planned chemotherapy cycles, transfers to
another hospital and a few deliberate day-16 readmissions); no outpatient or
pharmacy activity during a stay; at most one clinic visit and one pharmacy
purchase a day, at most 6 clinic visits and 4 purchases in any 30 days; and
patients wintering in the distant city are never in both cities within 3 days.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from yibao.synth.diseases import GROUPS
from yibao.synth.placement import Places
from yibao.synth.population import Population
from yibao.synth.schedule_candidates import acute_visits, admissions, chronic_visits, frame, pharmacy_visits

__all__ = ["READMIT_GAP", "build_schedule"]

READMIT_GAP = 16  # clean stays at one person are at least this many days apart (15-day split window + 1)
CLINIC_CAP_30D = 6
PHARMACY_CAP_30D = 4


def _space_stays(st: pl.DataFrame) -> pl.DataFrame:
    """Greedy: forced stays first, then others if ≥ READMIT_GAP days from every kept stay of the person."""
    st = st.with_row_index("rid").sort("psn_idx", pl.col("forced").not_(), "day", "rid")
    kept: dict[int, list[tuple[int, int, bool]]] = {}
    keep = np.zeros(st.height, dtype=bool)
    for i, (p, d, los, _forced, kind) in enumerate(st.select("psn_idx", "day", "los", "forced", "kind").iter_rows()):
        mine = kept.setdefault(p, [])
        ok = True
        for a, b, chemo in mine:
            gap = 1 if (kind == "chemo" and chemo) else READMIT_GAP
            if not (d >= b + gap or d + los + gap <= a):
                ok = False
                break
        if ok:
            mine.append((d, d + los, kind == "chemo"))
            keep[i] = True
    return st.filter(pl.Series(keep)).drop("rid")


def _drop_during_stays(other: pl.DataFrame, stays: pl.DataFrame) -> pl.DataFrame:
    s = stays.select("psn_idx", pl.col("day").alias("adm"), (pl.col("day") + pl.col("los")).alias("dis")).sort("adm")
    j = other.with_row_index("rid").sort("day").join_asof(s, left_on="day", right_on="adm", by="psn_idx",
                                                          strategy="backward", check_sortedness=False)
    return j.filter(pl.col("dis").is_null() | (pl.col("day") > pl.col("dis"))).sort("rid").drop("rid", "adm", "dis")


def _cap(df: pl.DataFrame, cap: int) -> pl.DataFrame:
    """Keep the first per person-day, then at most `cap` in any 30-day window."""
    df = df.sort("psn_idx", pl.col("forced").not_(), "day", "sec", maintain_order=True).unique(["psn_idx", "day"], keep="first",
                                                                           maintain_order=True)
    df = df.sort("psn_idx", "day", maintain_order=True)
    cnt = df.rolling(index_column="day", period="30i", group_by="psn_idx").agg(pl.len().alias("n"))
    df = df.join(cnt, on=["psn_idx", "day"], how="left", maintain_order="left")
    return df.filter((pl.col("n") <= cap) | pl.col("forced")).drop("n")


def _extra_stays(rng: np.random.Generator, stays: pl.DataFrame, pop: Population, places: Places,
                 medins: pl.DataFrame) -> pl.DataFrame:
    """Clean edge cases: same-hospital readmissions on exactly day 16, and same-day transfers upward."""
    tier = medins.select("inst_idx", "tier")
    base = stays.filter(pl.col("kind") == "stay").join(tier, on="inst_idx", how="left", maintain_order="left")
    re = base.filter(pl.col("tier").is_in(["T2", "T3"]) & ~pl.col("group").is_in(["schizophrenia"]))
    re = re.filter(pl.Series(rng.random(re.height) < 0.04))
    los_r = np.array([int(np.clip(GROUPS[g].los[0] * 0.6, 2, 10)) for g in re["group"].to_list()], dtype=np.int32)
    r = frame(re["psn_idx"].to_numpy(), "21", re["group"].to_numpy(), (re["day"] + re["los"] + READMIT_GAP).to_numpy(),
              rng.integers(8 * 3600, 16 * 3600, re.height), re["inst_idx"].to_numpy(), los_r, kind="readmit16",
              dx=re["dx"].to_numpy())
    tr = base.filter(pl.col("tier").is_in(["T1", "T2"]) & pl.col("group").is_in(
        ["stroke", "pneumonia", "heart_failure", "hip_fracture", "copd_exac"]))
    tr = tr.filter(pl.Series(rng.random(tr.height) < 0.04))
    los_t = np.array([int(np.clip(GROUPS[g].los[0], 3, 14)) for g in tr["group"].to_list()], dtype=np.int32)
    t = frame(tr["psn_idx"].to_numpy(), "21", tr["group"].to_numpy(), (tr["day"] + tr["los"]).to_numpy(),
              np.full(tr.height, 15 * 3600, np.int32), places.pick_inst(rng, {"T3": 1.0},
                                                                        pop.admdvs[tr["psn_idx"].to_numpy()]),
              los_t, kind="transfer", dx=tr["dx"].to_numpy())
    return pl.concat([r, t])


def _accept_extra(extra: pl.DataFrame, stays: pl.DataFrame, pop: Population) -> pl.DataFrame:
    """Keep an extra stay only if it ends in the window, before death, and clears every other stay by 16 days."""
    extra = extra.filter(pl.col("day") + pl.col("los") < pop.days).with_row_index("xid")
    extra = extra.filter(pl.Series(pop.death_day[extra["psn_idx"].to_numpy()]) > extra["day"] + extra["los"])
    j = extra.join(stays.select("psn_idx", pl.col("day").alias("a"), (pl.col("day") + pl.col("los")).alias("b")),
                   on="psn_idx", how="inner", maintain_order="left")
    # the origin stay ends on (transfer) or 16 days before (readmission) the extra's start: allowed
    bad = j.filter(
        ~((pl.col("b") == pl.col("day")) | (pl.col("b") + READMIT_GAP == pl.col("day")))
        & (pl.col("day") < pl.col("b") + READMIT_GAP) & (pl.col("a") < pl.col("day") + pl.col("los") + READMIT_GAP)
    )["xid"].unique()
    out = extra.filter(~pl.col("xid").is_in(bad.implode())).drop("xid")
    return out.unique("psn_idx", keep="first", maintain_order=True)


def _winter_away(rng: np.random.Generator, df: pl.DataFrame, pop: Population, places: Places,
                 medins: pl.DataFrame) -> pl.DataFrame:
    """A few retirees spend weeks in the distant city (候鸟); their care there is local, 3-day gaps at the edges."""
    special = pop.conditions.filter(pl.col("cond").is_in(["ckd5", "cancer", "schizo"]))["psn_idx"].to_numpy()
    elig = (pop.age >= 60) & (pop.death_day > pop.days)
    elig[special] = False
    who = np.flatnonzero(elig & (rng.random(pop.n) < 0.025))
    a = rng.integers(0, max(pop.days // 6, 2), len(who))
    b = np.minimum(a + rng.integers(30, 76, len(who)), pop.days - 1)
    w = pl.DataFrame({"psn_idx": who.astype(np.int32), "wa": a.astype(np.int32), "wb": b.astype(np.int32)})
    df = df.with_row_index("rid").join(w, on="psn_idx", how="left", maintain_order="left")
    end = pl.col("day") + pl.col("los")
    inside = (pl.col("day") >= pl.col("wa")) & (end <= pl.col("wb"))
    outside = (end < pl.col("wa") - 3) | (pl.col("day") > pl.col("wb") + 3)
    df = df.filter(pl.col("wa").is_null() | inside | outside)
    df = df.join(medins.select("inst_idx", "tier"), on="inst_idx", how="left", maintain_order="left")
    move = (pl.col("wa").is_not_null() & (pl.col("day") >= pl.col("wa")) & (pl.col("day") <= pl.col("wb"))).alias("away")
    df = df.with_columns(move)
    sel = df["away"].to_numpy()
    inst = df["inst_idx"].to_numpy().copy()
    inst[sel] = places.pick_away(rng, df["tier"].to_numpy()[sel].astype(str))
    return df.with_columns(pl.Series("inst_idx", inst, dtype=pl.Int32)).drop("wa", "wb", "tier", "rid")


def _place(rng: np.random.Generator, df: pl.DataFrame, pop: Population, places: Places) -> pl.DataFrame:
    inst = df["inst_idx"].to_numpy().copy()
    todo = np.flatnonzero(inst < 0)
    sub = df.filter(pl.col("inst_idx") < 0)
    keys = sub["group"].unique().sort().to_list()
    inv = sub.select(pl.col("group").replace_strict(keys, list(range(len(keys))), return_dtype=pl.Int32))[
        "group"].to_numpy()
    mt = sub["med_type"].to_numpy()
    psn = df["psn_idx"].to_numpy()[todo]
    for gi, g in enumerate(keys):
        for m in ("11", "21"):
            sel = np.flatnonzero((inv == gi) & (mt == m))
            if len(sel):
                tiers = GROUPS[str(g)].op_tiers if m == "11" else GROUPS[str(g)].ip_tiers
                inst[todo[sel]] = places.pick_inst(rng, tiers, pop.admdvs[psn[sel]])
    return df.with_columns(pl.Series("inst_idx", inst, dtype=pl.Int32))


def build_schedule(
    rng: np.random.Generator, pop: Population, places: Places, medins: pl.DataFrame
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Return (encounters with internal columns, medins with beds sized to the clean peak census)."""
    cand = pl.concat([
        acute_visits(rng, pop), chronic_visits(rng, pop, places), pharmacy_visits(rng, pop, places),
        admissions(rng, pop, places),
    ])
    pi = cand["psn_idx"].to_numpy()
    cand = cand.with_columns(pl.Series("bd", pop.birth_day[pi]), pl.Series("dd", pop.death_day[pi]))
    cand = cand.filter((pl.col("day") >= 0) & (pl.col("day") + pl.col("los") < pop.days) & (pl.col("day") >= pl.col("bd"))
                       & (pl.col("day") <= pl.col("dd")))
    # a stay running past the day of death ends on it (died in hospital)
    cand = cand.with_columns(
        (pl.col("day") + pl.col("los") >= pl.col("dd")).and_(pl.col("med_type") == "21").alias("died"),
    ).with_columns(
        pl.when(pl.col("died")).then(pl.col("dd") - pl.col("day")).otherwise(pl.col("los")).alias("los")
    ).drop("bd", "dd")
    cand = _place(rng, cand, pop, places)
    stays = _space_stays(cand.filter(pl.col("med_type") == "21"))
    extra = _accept_extra(_extra_stays(rng, stays, pop, places, medins), stays, pop)
    stays = pl.concat([stays, extra.with_columns(pl.lit(False).alias("died"))], how="vertical_relaxed")
    other = _drop_during_stays(cand.filter(pl.col("med_type") != "21"), stays)
    clinic = _cap(other.filter(pl.col("med_type").is_in(["11", "14"])), CLINIC_CAP_30D)
    pharm = _cap(other.filter(pl.col("med_type") == "41"), PHARMACY_CAP_30D)
    df = pl.concat([stays, clinic, pharm], how="vertical_relaxed")
    df = _winter_away(rng, df, pop, places, medins)
    return df, medins
