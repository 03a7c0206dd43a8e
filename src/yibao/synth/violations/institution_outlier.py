"""INSTITUTION_OUTLIER (机构异常): an institution far from its peers (same inst_type and hosp_lv).

Forms (institution level), one outlier per 50 institutions (at least two), forms in a seeded order:
* cost_per_case — a private hospital adds auxiliary injections to every stay: cost per admission about
  2.5-3 times its peers';
* admission_rate — a primary hospital admits about a third of the people it sees in clinic, for short
  low-acuity stays: admissions per clinic patient several times its peers';
* cost_growth — a hospital whose monthly billing roughly triples from mid-window while peers stay flat.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from yibao.synth.violations._base import add_line, encounters, inst_of, new_encounters, stay_row
from yibao.synth.world import World

CODE = "INSTITUTION_OUTLIER"


def _daily(world: World, stays: pl.DataFrame, key: str, cnt: int, after: dt.date | None = None) -> int:
    total = 0
    rows, times = [], []
    for r in stays.iter_rows(named=True):
        for d in range(1, max(r["los"], 2)):
            day = r["begin"].date() + dt.timedelta(days=d)
            if after and day < after:
                continue
            if day >= r["end"].date():
                break
            rows.append(r)
            times.append(dt.datetime.combine(day, dt.time(10, 30)))
    if rows:
        frame = pl.DataFrame(rows, schema=stays.schema)
        total += int(add_line(world, frame, key, cnt=cnt, time=pl.Series(times))["amt"].sum())
    return total


def _pick(world: World, tier: str, rng: np.random.Generator, private: bool | None = None) -> int | None:
    m = inst_of(world, tier, private=private)
    return None if m.is_empty() else int(m["inst_idx"][int(rng.integers(0, m.height))])


def _cost_per_case(world: World, rng: np.random.Generator, enc: pl.DataFrame) -> bool:
    inst = _pick(world, "T2", rng, private=True) or _pick(world, "T1", rng, private=True)
    if inst is None:
        return False
    stays = enc.filter((pl.col("inst_idx") == inst) & (pl.col("med_type") == "21")).select(world.enc.columns)
    amt = _daily(world, stays, "danshen_salt", 2) + _daily(world, stays, "thymalfasin", 1)
    world.label(CODE, "institution", "cost_per_case", "次均住院费用显著高于同类同级机构", amt, inst_idx=inst)
    return True


def _admission_rate(world: World, rng: np.random.Generator, enc: pl.DataFrame) -> bool:
    inst = _pick(world, "T1", rng)
    if inst is None:
        return False
    seen = enc.filter((pl.col("inst_idx") == inst) & (pl.col("med_type") == "11")).sort("begin").unique(
        "psn_idx", keep="first", maintain_order=True)
    seen = seen.filter(pl.Series(rng.random(seen.height) < 0.35) & ~pl.col("psn_idx").is_in(list(world.touched_psn)))
    rows = []
    for r in seen.iter_rows(named=True):
        day = (r["begin"].date() - world.start).days + 1
        los = int(rng.integers(3, 6))
        lo = r["end"] + dt.timedelta(hours=1)
        hi = dt.datetime.combine(world.start, dt.time()) + dt.timedelta(days=day + los + 16)
        free = world.is_free(r["psn_idx"], lo - dt.timedelta(days=16), hi, allow=r["enc"])
        if not free or world.dead_date(r["psn_idx"]) is not None or day + los >= world.days:
            continue
        rows.append(stay_row(world, rng, r["psn_idx"], inst, day, los, "headache", "R51.x00", dept="A03"))
    if not rows:
        return False
    _, lines = new_encounters(world, rows)
    world.label(CODE, "institution", "admission_rate", "门诊患者收治入院比例远高于同类同级机构",
                int(lines["amt"].sum()), inst_idx=inst)
    return True


def _cost_growth(world: World, rng: np.random.Generator, enc: pl.DataFrame) -> bool:
    inst = _pick(world, "T2", rng, private=False)
    if inst is None:
        return False
    mine = enc.filter((pl.col("inst_idx") == inst) & (pl.col("begin").dt.date() >= world.catalog.mid))
    stays = mine.filter(pl.col("med_type") == "21").select(world.enc.columns)
    amt = _daily(world, stays, "danshen_salt", 3, after=world.catalog.mid)
    visits = mine.filter(pl.col("med_type").is_in(["11", "14"]))
    if visits.height:
        amt += int(add_line(world, visits, "xueshuantong", cnt=2)["amt"].sum())
        amt += int(add_line(world, visits, "compound_danshen", cnt=2)["amt"].sum())
    world.label(CODE, "institution", "cost_growth", "下半年医疗费用较上半年成倍增长，远超同类机构", amt,
                inst_idx=inst)
    return True


FORMS = (_cost_per_case, _admission_rate, _cost_growth)
PREVALENCE = 50  # one outlier per this many institutions
AT_LEAST = 2  # every city shows two forms


def inject(world: World) -> None:
    """One outlier per 50 institutions (at least two), forms taken in turn from a seeded order.

    Outliers are rare among real institutions: in a city of 100 or more institutions about 2 % are
    labelled, so that a perfect ranking can hold all of them in the top 2 % that inspectors work
    from (three outliers among the demo city's 93 institutions capped that recall at 0.67).
    """
    rng = world.rng(CODE)
    enc = encounters(world)
    wanted = max(AT_LEAST, world.medins.height // PREVALENCE)
    order = [FORMS[int(i)] for i in rng.permutation(len(FORMS))]
    done = tries = 0
    while done < wanted and tries < wanted + 2 * len(FORMS):
        done += order[tries % len(order)](world, rng, enc)
        tries += 1
