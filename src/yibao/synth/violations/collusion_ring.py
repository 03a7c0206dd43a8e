"""COLLUSION_RING (团伙欺诈): a connected group of persons, a doctor and a pharmacy acting together.

Forms:
* doctor_pharmacy_ring — 8-12 people from a few households see the same clinic doctor every two weeks and
  the same day fill his prescriptions at one pharmacy (the pharmacy's lines name the doctor as prescriber);
  the pharmacy passes the same drug packs from member to member (shared traceability codes). Labels:
  each member (person, ring_member), the doctor (practitioner, ring_doctor), the pharmacy (institution,
  ring_pharmacy);
* card_pool — a pharmacy swipes a pool of 10-15 cards one after another, minutes apart, on several days,
  for the same basket (套刷). Labels: the pharmacy (institution, card_pool_pharmacy) and each card holder
  (person, card_pool_member).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from yibao.synth.violations._base import add_line, idle_persons, inst_of, label_lines, new_encounters
from yibao.synth.world import World

CODE = "COLLUSION_RING"


def _clear(world: World, psn: list[int], d0: int, d1: int) -> list[int]:
    lo = dt.datetime.combine(world.start, dt.time()) + dt.timedelta(days=d0 - 3)
    hi = dt.datetime.combine(world.start, dt.time()) + dt.timedelta(days=d1 + 3)
    busy = set(world.enc.filter(pl.col("psn_idx").is_in(psn) & (pl.col("begin") <= hi) & (pl.col("end") >= lo))
               ["psn_idx"].to_list())
    dead = set(world.death["psn_idx"].to_list())
    return [p for p in psn if p not in busy and p not in dead]


def _ring(world: World, rng: np.random.Generator) -> None:
    clinics = inst_of(world, "CLN", private=True)
    clinics = clinics if clinics.height else inst_of(world, "T1")
    if clinics.is_empty():
        return
    clinic = clinics.row(int(rng.integers(0, clinics.height)), named=True)
    doc = world.prac.filter((pl.col("inst_idx") == clinic["inst_idx"]) & (pl.col("prac_type") == "doctor"))
    doctor = str(doc["prac_code"][0])
    pharm = inst_of(world, "PHA").filter(pl.col("admdvs") == clinic["admdvs"])
    pharm = pharm if pharm.height else inst_of(world, "PHA")
    shop = int(pharm["inst_idx"][int(rng.integers(0, pharm.height))])
    d0 = int(rng.integers(0, max(1, world.days - 150)))
    d1 = min(world.days - 1, d0 + 150)
    hh = idle_persons(world).filter(pl.col("age").is_between(30, 80) & (pl.col("len") <= 8)).group_by("hh_idx").agg(
        pl.col("psn_idx")).sort("hh_idx")
    members: list[int] = []
    for i in rng.permutation(hh.height).tolist():
        free = _clear(world, hh["psn_idx"][i].to_list(), d0, d1)
        members += free[:3]
        if len(members) >= 8 + int(rng.integers(0, 5)):
            break
    if len(members) < 5:
        return
    world.touched_psn.update(members)
    visits, buys = [], []
    for k, psn in enumerate(members):
        day = d0 + k % 7
        while day < d1:
            b = dt.datetime.combine(world.start, dt.time(9)) + dt.timedelta(days=day, minutes=int(rng.integers(0, 300)))
            visits.append({"psn_idx": psn, "inst_idx": clinic["inst_idx"], "med_type": "11", "group": "hypertension",
                           "dx": "I10.x00", "begin": b, "end": b + dt.timedelta(minutes=15), "doctor": doctor,
                           "dept": doc["dept_codg"][0]})
            s = b + dt.timedelta(minutes=int(rng.integers(40, 120)))
            buys.append({"psn_idx": psn, "inst_idx": shop, "med_type": "41", "group": "pharmacy", "begin": s,
                         "end": s + dt.timedelta(minutes=5)})
            day += int(rng.integers(12, 17))
    _, vl = new_encounters(world, visits)
    benc, _ = new_encounters(world, buys, bill=False)
    total = int(vl["amt"].sum())
    doctors = pl.Series([doctor] * benc.height)
    total += int(add_line(world, benc, "rosuvastatin", cnt=2, doctor=doctors)["amt"].sum())
    total += int(add_line(world, benc, "valsartan", cnt=2, doctor=doctors)["amt"].sum())
    # packs handed from member to member: each purchase after the first reuses codes sold to the previous buyer
    world.fee = _share_codes(world, benc)
    shared = world.fee.filter(pl.col("uid").is_in(world.ring_shared))
    label_lines(world, shared, "TRACE_CODE_REUSE", "ring_shared_packs", "团伙成员之间转手同一盒药品，追溯码再次销售")
    spent = _per_person(world, pl.concat([vl.select("enc"), benc.select("enc")]))
    for psn in members:
        world.label(CODE, "person", "ring_member", "与同一医师、同一药店高度关联的就医购药团伙成员", spent.get(psn, 0),
                    psn_idx=psn)
    world.label(CODE, "practitioner", "ring_doctor", "医师为团伙成员反复开具处方并流向固定药店", total,
                prac_code=doctor, inst_idx=clinic["inst_idx"])
    world.label(CODE, "institution", "ring_pharmacy", "药店承接团伙处方并在成员间重复销售同一追溯码药品", total,
                inst_idx=shop)


def _share_codes(world: World, benc: pl.DataFrame) -> pl.DataFrame:
    from yibao.synth.trace import assign_trace

    fee = assign_trace(world.fee, world.trace_next)
    mine = fee.join(benc.select("enc"), on="enc", how="semi").filter(pl.col("code") == world.code("valsartan")).sort(
        "time", "uid")
    prev = mine["trace"].shift(1)
    upd = mine.select("uid").with_columns(prev.alias("t2")).filter(pl.col("t2").is_not_null())
    upd = upd.filter(pl.int_range(pl.len()) % 2 == 0)
    world.ring_shared = upd["uid"].to_list()
    return fee.join(upd, on="uid", how="left", maintain_order="left").with_columns(
        pl.coalesce("t2", "trace").alias("trace")).drop("t2")


def _per_person(world: World, enc: pl.DataFrame) -> dict[int, int]:
    """Cents billed per person over the given encounters."""
    s = world.fee.join(enc, on="enc", how="semi").group_by("psn_idx").agg(pl.col("amt").sum())
    return dict(zip(s["psn_idx"].to_list(), s["amt"].to_list(), strict=True))


def _pool(world: World, rng: np.random.Generator) -> None:
    pharm = inst_of(world, "PHA")
    if pharm.is_empty():
        return
    shop = int(pharm["inst_idx"][int(rng.integers(0, pharm.height))])
    people = idle_persons(world).filter(pl.col("age").is_between(20, 85) & (pl.col("len") <= 6))
    days = np.sort(rng.choice(world.days, size=min(world.days, 6 + int(rng.integers(0, 4))), replace=False))
    cards = _clear(world, people["psn_idx"].to_list()[:400], int(days[0]), int(days[-1]))
    cards = [cards[i] for i in rng.permutation(len(cards))[: 10 + int(rng.integers(0, 6))].tolist()]
    if len(cards) < 5:
        return
    world.touched_psn.update(cards)
    rows = []
    for d in days.tolist():
        t = dt.datetime.combine(world.start, dt.time(19)) + dt.timedelta(days=d, minutes=int(rng.integers(0, 60)))
        for k, psn in enumerate(cards):
            b = t + dt.timedelta(minutes=2 * k)
            rows.append({"psn_idx": psn, "inst_idx": shop, "med_type": "41", "group": "pharmacy", "begin": b,
                         "end": b + dt.timedelta(minutes=1)})
    enc, _ = new_encounters(world, rows, bill=False)
    amt = int(add_line(world, enc, "liuwei", cnt=2)["amt"].sum()) + int(add_line(world, enc, "calcium_d3")["amt"].sum())
    world.label(CODE, "institution", "card_pool_pharmacy", "药店短时间内连续刷取多名参保人凭证购买相同药品（套刷）", amt,
                inst_idx=shop)
    spent = _per_person(world, enc.select("enc"))
    for psn in cards:
        world.label(CODE, "person", "card_pool_member", "医保凭证被药店集中套刷", spent.get(psn, 0), psn_idx=psn)


def inject(world: World) -> None:
    rng = world.rng(CODE)
    _ring(world, rng)
    _pool(world, rng)
