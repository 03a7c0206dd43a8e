"""Candidate encounters before conflicts are resolved: who, what, which day.

Each function returns rows with the same columns; `inst_idx` = -1 means "place
by the group's tier weights later". Forced rows (births, deaths in hospital,
chronic schedules) survive conflict resolution; the others may be dropped.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from yibao.synth.calendar import clock_seconds, day_weights, sample_days
from yibao.synth.diseases import GROUPS, Group
from yibao.synth.placement import Places
from yibao.synth.population import Population

__all__ = ["COND_GROUP", "acute_visits", "admissions", "chronic_visits", "pharmacy_visits"]

COND_GROUP = {"htn": "hypertension", "dm": "diabetes", "copd": "copd", "chd": "chd", "bph": "bph",
              "osteo": "osteoporosis", "schizo": "schizophrenia", "ckd5": "dialysis"}
_ACUTE_RATE = np.array([5.5, 2.6, 2.0, 2.6, 3.6])
_ADMIT_RATE = np.array([0.10, 0.035, 0.05, 0.10, 0.25])
_PHARM_RATE = np.array([0.5, 0.8, 1.8, 2.0, 2.2])


def frame(psn: np.ndarray, med_type: str | np.ndarray, group: str | np.ndarray, day: np.ndarray,
          sec: np.ndarray, inst: np.ndarray | int = -1, los: np.ndarray | int = 0, kind: str = "",
          forced: bool = False, dx: np.ndarray | None = None) -> pl.DataFrame:
    """Candidate rows in the common shape."""
    n = len(psn)

    def col(v: object, dtype: object) -> np.ndarray:
        return np.asarray(v, dtype=dtype) if np.ndim(v) else np.full(n, v, dtype=dtype)

    def text(v: object) -> pl.Series:  # object arrays convert fast; numpy unicode arrays do not
        return pl.Series(np.asarray(v, dtype=object), dtype=pl.String) if np.ndim(v) else pl.repeat(
            v, n, dtype=pl.String, eager=True)

    return pl.DataFrame({
        "psn_idx": col(psn, np.int32), "med_type": text(med_type), "group": text(group),
        "day": col(day, np.int32), "sec": col(sec, np.int32), "inst_idx": col(inst, np.int32),
        "los": col(los, np.int32), "kind": text(kind), "forced": np.full(n, forced),
        "dx": text(dx if dx is not None else ""),
    })


def pick_dx(rng: np.random.Generator, g: Group, n: int) -> np.ndarray:
    codes = np.array([c for c, _ in g.dx])
    w = np.array([x for _, x in g.dx], dtype=float)
    return codes[rng.choice(len(codes), size=n, p=w / w.sum())]


def _los(rng: np.random.Generator, g: Group, n: int) -> np.ndarray:
    med, sd, lo, hi = g.los
    x = np.exp(np.log(med) + sd * rng.standard_normal(n))
    x = np.where(rng.random(n) < 0.03, x * 2, x)  # a thin long tail
    return np.clip(np.rint(x), lo, hi).astype(np.int32)


def _by_groups(rng: np.random.Generator, pop: Population, idx: np.ndarray, table: str) -> np.ndarray:
    """Disease group per row from the age band and sex incidence weights (`op` or `ip`)."""
    keys = [k for k, g in GROUPS.items() if any(getattr(g, table))]
    out = np.empty(len(idx), dtype=object)
    band = pop.band(idx)
    for b in range(5):
        for sex in ("1", "2"):
            sel = np.flatnonzero((band == b) & (pop.gend[idx] == sex))
            if not len(sel):
                continue
            w = np.array([getattr(GROUPS[k], table)[b] * (GROUPS[k].sex in (None, sex)) for k in keys], float)
            out[sel] = np.asarray(keys, dtype=object)[rng.choice(len(keys), size=len(sel), p=w / w.sum())]
    age = pop.age[idx]
    lo = np.array([GROUPS[k].age[0] for k in out])
    hi = np.array([GROUPS[k].age[1] for k in out])
    out[(age < lo) | (age > hi)] = "urti" if table == "op" else "pneumonia"
    return out


def _place_days(rng: np.random.Generator, pop: Population, groups: np.ndarray, kind: str) -> np.ndarray:
    day = np.zeros(len(groups), dtype=np.int32)
    for gk in np.unique(groups):
        sel = np.flatnonzero(groups == gk)
        w = day_weights(pop.start, pop.days, GROUPS[str(gk)].season, kind)
        day[sel] = sample_days(rng, len(sel), w)
    return day


def acute_visits(rng: np.random.Generator, pop: Population) -> pl.DataFrame:
    """Ordinary outpatient visits (med_type 11) for acute complaints."""
    idx = np.arange(pop.n)
    frailty = rng.gamma(1.5, 1 / 1.5, pop.n)
    lam = _ACUTE_RATE[pop.band(idx)] * frailty * pop.days / 365
    psn = np.repeat(idx, rng.poisson(lam))
    groups = _by_groups(rng, pop, psn, "op")
    day = _place_days(rng, pop, groups, "clinic")
    dx = np.empty(len(psn), dtype=object)
    for gk in np.unique(groups):
        sel = groups == gk
        dx[sel] = pick_dx(rng, GROUPS[str(gk)], int(sel.sum()))
    return frame(psn, "11", groups, day, clock_seconds(rng, len(psn), "clinic"), kind="acute", dx=dx)


def _fixed_inst(rng: np.random.Generator, places: Places, pop: Population, psn: np.ndarray,
                tiers: dict[str, float]) -> np.ndarray:
    return places.pick_inst(rng, tiers, pop.admdvs[psn])


def chronic_visits(rng: np.random.Generator, pop: Population, places: Places) -> pl.DataFrame:
    """Follow-ups (11), chronic-disease outpatient care (14) and dialysis (14, three a week)."""
    cond = pop.conditions
    parts = []
    follow = cond.filter(pl.col("cond").is_in(["htn", "dm", "copd", "chd", "bph", "osteo"]) & ~pl.col("enrolled"))
    p = follow["psn_idx"].to_numpy()
    if len(p):
        gk = np.array([COND_GROUP[c] for c in follow["cond"].to_list()])
        inst = np.empty(len(p), dtype=np.int32)
        for g in np.unique(gk):
            sel = gk == g
            inst[sel] = _fixed_inst(rng, places, pop, p[sel], GROUPS[str(g)].op_tiers)
        interval = rng.integers(28, 91, len(p))
        first = (rng.random(len(p)) * interval).astype(np.int32)
        n = np.maximum((pop.days - first + interval - 1) // interval, 0)
        rep = np.repeat(np.arange(len(p)), n)
        k = np.arange(len(rep)) - np.repeat(np.cumsum(n) - n, n)
        day = first[rep] + k * interval[rep] + rng.integers(-3, 4, len(rep))
        parts.append(frame(p[rep], "11", gk[rep], day, clock_seconds(rng, len(rep), "clinic"), inst[rep],
                           kind="followup", dx=np.array([GROUPS[g].dx[0][0] for g in gk[rep]])))
    enrolled = (
        cond.filter(pl.col("enrolled") & pl.col("cond").is_in(["htn", "dm", "copd", "chd"]))
        .group_by("psn_idx", maintain_order=True).agg(pl.col("cond").first())
    )
    p = enrolled["psn_idx"].to_numpy()
    if len(p):
        inst = _fixed_inst(rng, places, pop, p, {"CHC": 0.5, "T2": 0.25, "T3": 0.25})
        interval = rng.integers(26, 35, len(p))
        first = (rng.random(len(p)) * interval).astype(np.int32)
        n = np.maximum((pop.days - first + interval - 1) // interval, 0)
        rep = np.repeat(np.arange(len(p)), n)
        k = np.arange(len(rep)) - np.repeat(np.cumsum(n) - n, n)
        gk = np.array([COND_GROUP[c] for c in enrolled["cond"].to_list()])[rep]
        parts.append(frame(p[rep], "14", gk, first[rep] + k * interval[rep], clock_seconds(rng, len(rep), "clinic"),
                           inst[rep], kind="chronic14", forced=True,
                           dx=np.array([GROUPS[g].dx[0][0] for g in gk])))
    schizo = cond.filter((pl.col("cond") == "schizo") & pl.col("enrolled"))["psn_idx"].to_numpy()
    if len(schizo):
        inst = _fixed_inst(rng, places, pop, schizo, {"PSY": 1.0})
        first = rng.integers(0, 30, len(schizo))
        n = np.maximum((pop.days - first + 29) // 30, 0)
        rep = np.repeat(np.arange(len(schizo)), n)
        k = np.arange(len(rep)) - np.repeat(np.cumsum(n) - n, n)
        parts.append(frame(schizo[rep], "14", "schizophrenia", first[rep] + k * 30 + rng.integers(-2, 3, len(rep)),
                           clock_seconds(rng, len(rep), "clinic"), inst[rep], kind="chronic14", forced=True,
                           dx="F20.900"))
    dial = cond.filter(pl.col("cond") == "ckd5")["psn_idx"].to_numpy()
    if len(dial):
        inst = _fixed_inst(rng, places, pop, dial, {"T3": 0.6, "T2": 0.4})
        shift = rng.integers(0, 2, len(dial))  # Mon/Wed/Fri or Tue/Thu/Sat
        am = rng.random(len(dial)) < 0.5
        weekday = (pop.start.toordinal() - 1 + np.arange(pop.days)) % 7
        rows_p, rows_d = [], []
        for s in (0, 1):
            days = np.flatnonzero(np.isin(weekday, [0 + s, 2 + s, 4 + s]))
            who = np.flatnonzero(shift == s)
            rows_p.append(np.repeat(who, len(days)))
            rows_d.append(np.tile(days, len(who)))
        ri = np.concatenate(rows_p)
        sec = np.where(am[ri], 7 * 3600 + 1800, 12 * 3600 + 1800) + rng.integers(0, 1800, len(ri))
        parts.append(frame(dial[ri], "14", "dialysis", np.concatenate(rows_d), sec, inst[ri], kind="dialysis",
                           forced=True, dx="N18.500"))
    return pl.concat(parts)


def pharmacy_visits(rng: np.random.Generator, pop: Population, places: Places) -> pl.DataFrame:
    """Purchases at designated pharmacies (41); chronic patients refill more often."""
    idx = np.arange(pop.n)
    chronic = np.zeros(pop.n, dtype=bool)
    chronic[pop.conditions.filter(pl.col("cond").is_in(["htn", "dm", "chd", "copd"]))["psn_idx"].to_numpy()] = True
    lam = (_PHARM_RATE[pop.band(idx)] + 2.5 * chronic) * rng.gamma(2.0, 0.5, pop.n) * pop.days / 365
    fav = places.pick_inst(rng, {"PHA": 1.0}, pop.admdvs)
    psn = np.repeat(idx, rng.poisson(lam))
    other = places.pick_inst(rng, {"PHA": 1.0}, pop.admdvs[psn])
    inst = np.where(rng.random(len(psn)) < 0.7, fav[psn], other)
    day = sample_days(rng, len(psn), day_weights(pop.start, pop.days, None, "pharmacy"))
    return frame(psn, "41", "pharmacy", day, clock_seconds(rng, len(psn), "pharmacy"), inst, kind="pharmacy")


def admissions(rng: np.random.Generator, pop: Population, places: Places) -> pl.DataFrame:
    """Inpatient stays (21): by incidence, chemotherapy cycles, psychiatry, births and deaths."""
    parts = []
    idx = np.arange(pop.n)
    n_cond = np.bincount(pop.conditions["psn_idx"].to_numpy(), minlength=pop.n)
    cancer = pop.conditions.filter(pl.col("cond") == "cancer")
    lam = _ADMIT_RATE[pop.band(idx)] * (1 + 0.5 * n_cond) * pop.days / 365
    lam[cancer["psn_idx"].to_numpy()] = 0
    lam[pop.role == 4] = 0  # newborns are admitted only through their own schedule below
    psn = np.repeat(idx, rng.poisson(lam))
    groups = _by_groups(rng, pop, psn, "ip")
    has_copd = np.zeros(pop.n, bool)
    has_copd[pop.conditions.filter(pl.col("cond") == "copd")["psn_idx"].to_numpy()] = True
    groups[(groups == "copd_exac") & ~has_copd[psn]] = "pneumonia"
    day = _place_days(rng, pop, groups, "admission")
    los = np.zeros(len(psn), np.int32)
    dx = np.empty(len(psn), dtype=object)
    for gk in np.unique(groups):
        sel = groups == gk
        los[sel] = _los(rng, GROUPS[str(gk)], int(sel.sum()))
        dx[sel] = pick_dx(rng, GROUPS[str(gk)], int(sel.sum()))
    parts.append(frame(psn, "21", groups, day, clock_seconds(rng, len(psn), "admission"), los=los, kind="stay",
                       dx=dx))
    # chemotherapy: 21-day cycles for most, a weekly regimen for some (planned readmissions, Z51.1)
    cp = cancer["psn_idx"].to_numpy()
    if len(cp):
        weekly = rng.random(len(cp)) < 0.25
        interval = np.where(weekly, 7, 21)
        n = np.where(weekly, rng.integers(6, 15, len(cp)), rng.integers(4, 9, len(cp)))
        n = np.minimum(n, pop.days // interval)
        first = (rng.random(len(cp)) * np.maximum(pop.days - n * interval, 1)).astype(np.int32)
        inst = places.pick_inst(rng, {"T3": 1.0}, pop.admdvs[cp])
        rep = np.repeat(np.arange(len(cp)), n)
        k = np.arange(len(rep)) - np.repeat(np.cumsum(n) - n, n)
        cl = np.where(weekly[rep], 1, rng.integers(1, 4, len(rep)))
        parts.append(frame(cp[rep], "21", "chemo", first[rep] + k * interval[rep],
                           rng.integers(8 * 3600, 11 * 3600, len(rep)), inst[rep], cl, kind="chemo", forced=True,
                           dx="Z51.100"))
    schizo = pop.conditions.filter(pl.col("cond") == "schizo")["psn_idx"].to_numpy()
    sp = schizo[rng.random(len(schizo)) < 0.35]
    if len(sp):
        parts.append(frame(sp, "21", "schizophrenia", rng.integers(0, pop.days, len(sp)),
                           clock_seconds(rng, len(sp), "admission"), places.pick_inst(rng, {"PSY": 1.0},
                                                                                       pop.admdvs[sp]),
                           _los(rng, GROUPS["schizophrenia"], len(sp)), kind="stay", dx="F20.900"))
    babies = np.flatnonzero((pop.role == 4) & (pop.birth_day >= 0))
    if len(babies):
        moms = pop.mother[babies]
        dx = pick_dx(rng, GROUPS["delivery"], len(babies))
        mlos = np.where(dx == "O82.000", rng.integers(4, 7, len(babies)), rng.integers(2, 4, len(babies)))
        early = rng.integers(0, 2, len(babies))
        inst = places.pick_inst(rng, GROUPS["delivery"].ip_tiers, pop.admdvs[moms])
        parts.append(frame(moms, "21", "delivery", pop.birth_day[babies] - early, rng.integers(1, 23, len(babies))
                           * 3600, inst, mlos, kind="delivery", forced=True, dx=dx))
        jb = babies[rng.random(len(babies)) < 0.15]
        parts.append(frame(jb, "21", "neonatal_jaundice", pop.birth_day[jb] + rng.integers(2, 7, len(jb)),
                           clock_seconds(rng, len(jb), "admission"), los=rng.integers(3, 7, len(jb)),
                           kind="newborn", forced=True, dx="P59.900"))
        cb = babies[rng.random(len(babies)) < 0.7]
        age_d = np.where(rng.random(len(cb)) < 0.12, 28, rng.integers(3, 28, len(cb)))
        parts.append(frame(cb, "11", "newborn_check", pop.birth_day[cb] + age_d, clock_seconds(rng, len(cb), "clinic"),
                           kind="newborn", forced=True, dx="Z00.100"))
    dying = np.flatnonzero((pop.death_day >= 3) & (pop.death_day < pop.days) & (rng.random(pop.n) < 0.45))
    if len(dying):
        g = np.asarray(["pneumonia", "heart_failure", "stroke", "resp_failure"])[rng.integers(0, 4, len(dying))]
        g = np.where(pop.age[dying] < 30, "pneumonia", g)
        los = np.minimum(rng.integers(2, 16, len(dying)), pop.death_day[dying])
        dx = np.array([GROUPS[x].dx[0][0] for x in g])
        parts.append(frame(dying, "21", g, pop.death_day[dying] - los, clock_seconds(rng, len(dying), "admission"),
                           los=los, kind="final", forced=True, dx=dx))
    return pl.concat(parts)

