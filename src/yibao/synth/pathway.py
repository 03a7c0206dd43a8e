"""Care pathways: the order sets clean encounters are billed from, and their mini-language.

An entry reads ``<items> <p> <when> [qty] [filters]``:

* items: alternatives separated by ``|`` (one is chosen per encounter, ``key:w``
  gives it weight w), each a bundle of keys joined by ``+`` (``key*2`` doubles
  its quantity); ``@rx_<formula>`` is a decoction prescription.
* p: probability the entry applies to an encounter.
* when: ``v`` during a visit; ``d0``, ``op`` (operation day: day 1, or 0 for
  one-day stays), ``dN``; ``daily`` every stay day; ``cA-B`` a course on the
  first A..B days; ``eK`` or ``eK@S`` every K days from day S; ``fS`` daily
  from day S; ``dis`` the discharge date.
* qty: ``n`` or ``lo-hi`` units per occurrence.
* filters: ``age=lo-hi`` (years), ``dept=A50,A21``, ``dx=S61,O80`` (prefixes),
  ``tier=T2,T3``, ``bill=A21`` (billed by that department's doctor).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["FORMULAS", "Entry", "parse"]

# Decoction formulas: (herb key, grams per dose). Unpaid-alone herbs only ever appear inside full formulas.
FORMULAS: dict[str, tuple[tuple[str, int], ...]] = {
    "cold": (("h_jinyinhua", 15), ("h_lianqiao", 12), ("h_jiegeng", 9), ("h_gancao", 6), ("h_fangfeng", 9),
             ("h_chaihu", 9), ("h_huangqin", 9), ("h_xingren", 9), ("h_chenpi", 9), ("h_shengjiang", 6)),
    "tonic": (("h_dangshen", 15), ("h_baizhu", 12), ("h_fuling", 12), ("h_gancao", 6), ("h_danggui", 12),
              ("h_chuanxiong", 9), ("h_baishao", 12), ("h_shudi", 15), ("h_huangqi", 20), ("h_dazao", 10),
              ("h_gouqi", 12)),
    "bi": (("h_duhuo", 9), ("h_sangjisheng", 15), ("h_duzhong", 12), ("h_niuxi", 12), ("h_danggui", 9),
           ("h_chuanxiong", 9), ("h_baishao", 12), ("h_fuling", 12), ("h_dangshen", 12), ("h_gancao", 6),
           ("h_fangfeng", 9)),
    "stroke": (("h_huangqi", 30), ("h_danggui", 12), ("h_chuanxiong", 9), ("h_baishao", 12), ("h_taoren", 9),
               ("h_honghua", 9), ("h_danshen", 15), ("h_niuxi", 12)),
    "stomach": (("h_dangshen", 12), ("h_baizhu", 12), ("h_fuling", 12), ("h_gancao", 6), ("h_chenpi", 9),
                ("h_banxia", 9), ("h_shanyao", 15), ("h_shengjiang", 6), ("h_dazao", 10)),
    "sleep": (("h_fuling", 15), ("h_maidong", 12), ("h_wuweizi", 9), ("h_danggui", 9), ("h_baishao", 12),
              ("h_gancao", 6), ("h_danshen", 12), ("h_longyan", 10), ("h_shudi", 12)),
}


@dataclass(frozen=True, slots=True)
class Entry:
    """One parsed pathway line."""

    alts: tuple[tuple[tuple[str, int], ...], ...]  # alternatives → bundle of (key, multiplier)
    weights: tuple[float, ...]
    p: float
    when: str
    qty: tuple[int, int]
    age: tuple[float, float] = (0.0, 200.0)
    dept: tuple[str, ...] = ()
    dx: tuple[str, ...] = ()
    tier: tuple[str, ...] = ()
    bill: str | None = None

    @property
    def keys(self) -> set[str]:
        return {k for alt in self.alts for k, _ in alt}


def _bundle(text: str) -> tuple[tuple[str, int], ...]:
    out = []
    for part in text.split("+"):
        key, _, mult = part.partition("*")
        out.append((key, int(mult) if mult else 1))
    return tuple(out)


def parse(line: str) -> Entry:
    """Parse one entry of the pathway language."""
    tokens = line.split()
    items, p, when = tokens[0], float(tokens[1]), tokens[2]
    rest = tokens[3:]
    qty = (1, 1)
    if rest and "=" not in rest[0]:
        lo, _, hi = rest.pop(0).partition("-")
        qty = (int(lo), int(hi or lo))
    opts = dict(t.split("=", 1) for t in rest)
    alts, weights = [], []
    for alt in items.split("|"):
        body, _, w = alt.partition(":")
        alts.append(_bundle(body))
        weights.append(float(w) if w else 1.0)
    age = tuple(float(x) for x in opts["age"].split("-")) if "age" in opts else (0.0, 200.0)
    return Entry(
        alts=tuple(alts), weights=tuple(weights), p=p, when=when, qty=qty, age=(age[0], age[1]),
        dept=tuple(opts["dept"].split(",")) if "dept" in opts else (),
        dx=tuple(opts["dx"].split(",")) if "dx" in opts else (),
        tier=tuple(opts["tier"].split(",")) if "tier" in opts else (),
        bill=opts.get("bill"),
    )
