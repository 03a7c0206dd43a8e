"""The catalogue item model and the helpers the catalogue data files use.

Every item has a short English `key` that care pathways, pair rules and limits
refer to; national-style codes are derived from it when the catalogue is
assembled, so the data files read like a formulary, not a code list.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

__all__ = ["Item", "consumable", "drug", "herb", "patent", "service"]


@dataclass(frozen=True, slots=True)
class Item:
    """One catalogue item with its restrictions (knowledge points)."""

    key: str
    stem: str  # code stem: 9-digit service number, ATC class, or category digits
    name: str
    list_type: str
    price: float
    uplmt: float | None
    lv: str = "01"
    gend: str | None = None
    age_min: int | None = None
    age_max: int | None = None
    age_max_days: int | None = None
    hosp_lv: str | None = None
    dise: str | None = None
    med_type: str | None = None
    max_daily: float | None = None
    single_herb: bool = False
    is_lab: bool = False
    is_tcm: bool = False
    dept: str | None = None
    dept_excl: str | None = None
    inst_type: str | None = None
    variants: tuple[tuple[str, float], ...] = field(default_factory=tuple)

    def variant(self, suffix: str, spec: str, factor: float) -> Item:
        """Another pack size of the same drug: its own code, name and price."""
        return replace(self, key=f"{self.key}_{suffix}", name=f"{self.name.split(' ')[0]} {spec}",
                       price=round(self.price * factor, 2), uplmt=round(self.price * factor, 2), variants=())


def service(key: str, num: str, name: str, price: float, **kw: object) -> Item:
    """A medical service (医疗服务项目); the ceiling is the government guide price, 10 % above base."""
    return Item(key, num, name, "201", price, round(price * 1.1, 2), **kw)  # type: ignore[arg-type]


def drug(key: str, atc: str, name: str, price: float, lv: str = "01", **kw: object) -> Item:
    """A western drug (西药); sold at zero mark-up, so the ceiling is the price."""
    return Item(key, "X" + atc, name, "101", price, price, lv=lv, **kw)  # type: ignore[arg-type]


def patent(key: str, cat: str, name: str, price: float, lv: str = "01", **kw: object) -> Item:
    """A Chinese patent medicine (中成药), coded like western drugs with a Z prefix."""
    return Item(key, "Z" + cat, name, "101", price, price, lv=lv, **kw)  # type: ignore[arg-type]


def herb(key: str, name: str, price_per_g: float, **kw: object) -> Item:
    """A decoction piece (中药饮片), priced per gram; up to 25 % mark-up allowed."""
    return Item(key, "T", name, "102", price_per_g, round(price_per_g * 1.25, 4), **kw)  # type: ignore[arg-type]


def consumable(key: str, name: str, price: float, lv: str = "02", **kw: object) -> Item:
    """A medical consumable (医用耗材); zero mark-up."""
    return Item(key, "C", name, "301", price, price, lv=lv, **kw)  # type: ignore[arg-type]
