"""Designated institutions (定点医药机构) and their departments.

Institutions are grouped into internal *tiers* (the kind of place a patient
chooses between); each tier fixes the contract's fixmedins_type, hosp_lv,
inst_type and the departments it runs. Counts scale with the population, with a
floor so that even a tiny test city holds every kind.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from yibao.synth.geography import AWAY_DISTRICTS, HOME_DISTRICTS, District
from yibao.synth.names import COMMUNITIES, surnames

__all__ = ["DEPARTMENTS", "TIERS", "Tier", "build_institutions"]

# Department codes (科室代码) follow the national 诊疗科目 numbering with an "A" prefix.
DEPARTMENTS: dict[str, str] = {
    "A02": "全科医疗科",
    "A03": "内科",
    "A04": "外科",
    "A05": "妇产科",
    "A07": "儿科",
    "A10": "眼科",
    "A12": "口腔科",
    "A13": "皮肤科",
    "A15": "精神科",
    "A19": "肿瘤科",
    "A21": "康复医学科",
    "A28": "重症医学科",
    "A50": "中医科",
}


@dataclass(frozen=True, slots=True)
class Tier:
    """A kind of institution and how many of it a 100k-person city has."""

    key: str
    fixmedins_type: str
    hosp_lv: str | None
    inst_types: tuple[str, ...]
    depts: tuple[str, ...]
    per_100k: int
    minimum: int
    beds: tuple[int, int]
    private_share: float
    doctors_per_dept: int


TIERS: dict[str, Tier] = {
    t.key: t
    for t in (
        Tier("T3", "1", "1", ("A100",), ("A03", "A04", "A05", "A07", "A10", "A12", "A13", "A15", "A19", "A21",
                                          "A28", "A50"), 3, 2, (1200, 2500), 0.0, 6),
        Tier("T2", "1", "2", ("A100",), ("A03", "A04", "A05", "A07", "A10", "A12", "A13", "A21", "A28", "A50"),
             4, 2, (300, 700), 0.4, 4),
        Tier("PSY", "1", "2", ("A520",), ("A15", "A03"), 1, 1, (400, 600), 0.0, 5),
        Tier("TCM", "1", "2", ("A210",), ("A50", "A03", "A04", "A21"), 1, 1, (300, 500), 0.0, 5),
        Tier("T1", "1", "3", ("A100",), ("A02", "A03", "A04", "A50"), 4, 2, (40, 100), 0.5, 2),
        Tier("CHC", "1", "3", ("B100",), ("A02", "A50"), 10, 3, (20, 40), 0.0, 3),
        Tier("CLN", "1", "9", ("D200", "D400"), ("A02",), 30, 4, (0, 0), 0.7, 1),
        Tier("PHA", "2", None, ("P100",), (), 35, 4, (0, 0), 1.0, 2),
    )
}

# Facilities in the distant city, for care away from home (异地就医); fixed, not scaled.
_AWAY_COUNTS = {"T3": 1, "T2": 1, "PHA": 3}

_PHARMACY_CHAINS = ("仁和堂大药房", "康宁大药房", "百草堂药房", "惠民大药房", "济生堂药店", "益民大药房")


def _count(tier: Tier, persons: int) -> int:
    return max(tier.minimum, round(tier.per_100k * persons / 100_000))


def _name(tier: Tier, inst_type: str, d: District, i: int, rng: np.random.Generator, private: bool) -> str:
    city = d.city.removesuffix("市")
    street = d.streets[i % len(d.streets)]
    if tier.key == "T3":
        return ("长沙市中心医院", "湘江医学院附属第一医院", "湖南省第二人民医院", "长沙市第三医院")[i % 4] if d.city == "长沙市" \
            else f"{city}市人民医院"
    if tier.key == "T2":
        return f"{d.name}{'仁爱' if private else ''}{'康复医院' if private and i % 3 == 2 else '人民医院'}" \
            + (f"{'东西南北'[i % 4]}院" if i >= 4 else "")
    if tier.key == "PSY":
        return f"{city}市精神卫生中心" if i == 0 else f"{city}市第{i + 2}精神病医院"
    if tier.key == "TCM":
        return f"{city}市中医医院" if i == 0 else f"{d.name}中医医院"
    if tier.key == "T1":
        return f"{d.name}{street}{'民康医院' if private else '街道医院'}"
    if tier.key == "CHC":
        return f"{d.name}{street}社区卫生服务中心"
    if tier.key == "CLN":
        if inst_type == "D400":
            return f"{d.name}{COMMUNITIES[i % len(COMMUNITIES)][:2]}村卫生室"
        return f"{d.name}{surnames(rng, 1)[0]!s}氏诊所"
    chain = _PHARMACY_CHAINS[i % len(_PHARMACY_CHAINS)]
    return f"{chain}({street}店)"


def build_institutions(rng: np.random.Generator, persons: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Return (medins with internal columns, inst_dept pairs)."""
    rows: list[dict[str, object]] = []
    seq: dict[str, int] = {}
    home_w = np.array([d.weight for d in HOME_DISTRICTS])
    home_w = home_w / home_w.sum()
    plan: list[tuple[Tier, District]] = []
    for tier in TIERS.values():
        n = _count(tier, persons)
        # Spread over districts: round-robin from a weighted shuffle, so every district gets care nearby.
        order = rng.choice(len(HOME_DISTRICTS), size=len(HOME_DISTRICTS), replace=False, p=home_w)
        plan += [(tier, HOME_DISTRICTS[order[i % len(order)]]) for i in range(n)]
    for key, n in _AWAY_COUNTS.items():
        plan += [(TIERS[key], AWAY_DISTRICTS[i % len(AWAY_DISTRICTS)]) for i in range(n)]
    tier_seen: dict[str, int] = {}
    for tier, d in plan:
        i = tier_seen.get(tier.key + d.city, 0)
        tier_seen[tier.key + d.city] = i + 1
        private = bool(rng.random() < tier.private_share)
        if tier.key == "T2" and d.city == "长沙市" and i == 1:
            private = True  # at least one private secondary hospital in every city size
        inst_type = tier.inst_types[0] if len(tier.inst_types) == 1 else tier.inst_types[int(rng.random() < 0.35)]
        if inst_type == "D400":
            private = False
        prefix = "P" if tier.fixmedins_type == "2" else "H"
        seq[prefix + d.admdvs] = seq.get(prefix + d.admdvs, 0) + 1
        lo, hi = tier.beds
        beds = int(rng.integers(lo, hi + 1) // 10 * 10) if hi else 0
        if tier.key == "CHC" and rng.random() < 0.4:
            beds = 0  # many community centres run no ward
        rows.append(
            {
                "fixmedins_code": f"{prefix}{d.admdvs}{seq[prefix + d.admdvs]:05d}",
                "fixmedins_name": _name(tier, inst_type, d, i, rng, private),
                "fixmedins_type": tier.fixmedins_type,
                "hosp_lv": tier.hosp_lv,
                "inst_type": inst_type,
                "admdvs": d.admdvs,
                "city": d.city,
                "ownership": "民营" if private else "公立",
                "beds": beds if tier.fixmedins_type == "1" else None,
                "tier": tier.key,
                "private": private,
                # Lower levels charge less for services; some private places charge the ceiling.
                "price_factor": {"1": 1.0, "2": 0.92, "3": 0.85, "9": 0.85}.get(tier.hosp_lv or "", 1.0),
                "at_ceiling": private and tier.key in ("T2", "T1", "CLN") and rng.random() < 0.5,
            }
        )
    medins = pl.DataFrame(rows).with_columns(
        pl.int_range(pl.len(), dtype=pl.Int32).alias("inst_idx"), pl.col("beds").cast(pl.Int64)
    )
    depts = []
    for r in medins.iter_rows(named=True):
        tier = TIERS[r["tier"]]
        dl = tier.depts
        if tier.key == "CLN" and "诊所" in r["fixmedins_name"] and r["inst_idx"] % 3 == 0:
            dl = ("A50",)  # a third of the private clinics are TCM clinics (中医诊所)
        depts += [{"inst_idx": r["inst_idx"], "dept": x} for x in dl]
    inst_dept = pl.DataFrame(depts, schema={"inst_idx": pl.Int32, "dept": pl.String})
    return medins, inst_dept
