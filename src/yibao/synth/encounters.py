"""Scheduled rows → encounters (mdtrt) with times, departments, doctors and diagnoses.

Times: a clinic visit lasts 10-90 minutes, a dialysis session four hours, a
pharmacy purchase a few minutes; stays end on the discharge date between 09:00
and 11:30 (算头不算尾: length of stay = discharge date − admission date, at least 1).
A patient who dies in hospital is discharged on the day of death (dscg_way 5).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from yibao.synth.diseases import GROUPS
from yibao.synth.placement import Places
from yibao.synth.population import Population

__all__ = ["ENC_COLUMNS", "build_diag", "build_encounters", "to_datetime"]

ENC_COLUMNS = (
    "enc", "psn_idx", "inst_idx", "med_type", "group", "dx", "kind", "begin", "end", "los", "dept", "doctor",
    "dscg_way", "cert_type", "term_admdvs", "away",
)


def to_datetime(start: dt.date, seconds: np.ndarray) -> pl.Series:
    """Seconds since the window start → naive local datetimes."""
    base = (start - dt.date(1970, 1, 1)).days * 86400
    return pl.from_epoch(pl.Series(seconds.astype(np.int64) + base), time_unit="s")


def build_encounters(rng: np.random.Generator, df: pl.DataFrame, pop: Population, places: Places,
                     first_enc: int = 1) -> pl.DataFrame:
    """Assign times, department, doctor, credential and encounter ids, sorted by start time."""
    n = df.height
    day = df["day"].to_numpy().astype(np.int64)
    sec = df["sec"].to_numpy().astype(np.int64)
    los = df["los"].to_numpy().astype(np.int64)
    mt = df["med_type"].to_numpy()
    kind = df["kind"].to_numpy()
    died = df["died"].fill_null(False).to_numpy() if "died" in df.columns else np.zeros(n, bool)
    begin = day * 86400 + sec
    dur = np.where(mt == "41", rng.integers(120, 600, n), rng.integers(600, 5400, n))
    dur = np.where(kind == "dialysis", 4 * 3600 + rng.integers(0, 1200, n), dur)
    end = begin + dur
    dis = (day + los) * 86400 + rng.integers(9 * 3600, 11 * 3600 + 1800, n)
    dis_death = (day + los) * 86400 + rng.integers(1 * 3600, 23 * 3600, n)
    dis = np.where(died, dis_death, dis)
    dis = np.where(dis <= begin, begin + rng.integers(2 * 3600, 5 * 3600, n), dis)
    end = np.where(mt == "21", dis, end)
    psn = df["psn_idx"].to_numpy()
    inst = df["inst_idx"].to_numpy()
    groups = df["group"].to_numpy()
    child = pop.age[psn] + day / 365.25 < 15
    gl = [GROUPS.get(str(g)) for g in np.unique(groups)]
    pref = np.array([g.dept if g else "A02" for g in gl], dtype=object)
    child_pref = np.array([(g.dept_child or g.dept) if g else "A02" for g in gl], dtype=object)
    _, gi = np.unique(groups, return_inverse=True)
    want = np.where(child, child_pref[gi], pref[gi])
    dept = places.resolve_dept(inst, want)
    pharmacy = mt == "41"
    doctor = places.pick_doctor(rng, inst, np.where(dept == None, "A02", dept))  # noqa: E711
    doctor[pharmacy] = places.pick_pharmacist(rng, inst[pharmacy])
    dept = np.where(pharmacy, None, dept)
    u = rng.random(n)
    cert = np.where(u < 0.55, "01", np.where(u < 0.95, "03", "02"))
    out = pl.DataFrame({
        "psn_idx": psn.astype(np.int32), "inst_idx": inst.astype(np.int32), "med_type": mt, "group": groups,
        "dx": np.where(pharmacy, None, df["dx"].to_numpy()), "kind": kind,
        "begin": to_datetime(pop.start, begin), "end": to_datetime(pop.start, end),
        "los": np.where(mt == "21", np.maximum(los, 1), 0).astype(np.int32),
        "dept": dept, "doctor": doctor,
        "dscg_way": np.where(mt == "21", np.where(died, "5", "1"), None),
        "cert_type": cert, "term_admdvs": pl.Series([None] * n, dtype=pl.String),
        "away": df["away"].fill_null(False).to_numpy() if "away" in df.columns else np.zeros(n, bool),
    }, schema_overrides={"dept": pl.String, "dscg_way": pl.String, "dx": pl.String})
    out = out.sort("begin", "psn_idx", "med_type", "group", maintain_order=True)
    return out.with_columns(pl.int_range(first_enc, first_enc + n, dtype=pl.Int64).alias("enc")).select(ENC_COLUMNS)


def build_diag(enc: pl.DataFrame, pop: Population) -> pl.DataFrame:
    """Main diagnosis plus the person's chronic conditions (up to three) as other diagnoses."""
    main = enc.filter(pl.col("dx").is_not_null()).select("enc", "psn_idx", pl.col("dx").alias("dise_codg"),
                                                         pl.lit("1").alias("maindiag_flag"))
    cond = pop.conditions.select("psn_idx", pl.col("dx").alias("dise_codg"))
    other = (
        main.select("enc", "psn_idx", pl.col("dise_codg").alias("main"))
        .join(cond, on="psn_idx", how="inner", maintain_order="left")
        .filter(pl.col("dise_codg") != pl.col("main"))
        .sort("enc", "dise_codg")
        .with_columns(pl.int_range(pl.len()).over("enc").alias("k"))
        .filter(pl.col("k") < 3)
        .select("enc", "psn_idx", "dise_codg", pl.lit("0").alias("maindiag_flag"))
    )
    extra = enc.filter(pl.col("group") == "dialysis").select(
        "enc", "psn_idx", pl.lit("Z49.100").alias("dise_codg"), pl.lit("0").alias("maindiag_flag"))
    return pl.concat([main, other, extra]).unique(["enc", "dise_codg"], keep="first").sort("enc", "maindiag_flag",
                                                                                          "dise_codg",
                                                                                          descending=[False, True,
                                                                                                      False])
