"""Dated coverage quotas and draw settings per region, and the checklists per institution type."""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from yibao.whistle.dated import DatedSet, ParamError, RegionalTables, load_yaml

__all__ = [
    "KINDS",
    "Checklist",
    "ChecklistItem",
    "CoverageRule",
    "checklist",
    "coverage_rule",
    "load_coverage",
]

DATA_DIR = Path(__file__).parent / "data"
ENV_VAR = "YIBAO_INSPECTION_PARAMS"
KINDS = {"hospital": "医院", "clinic": "诊所", "pharmacy": "药店"}
GRADES = ("A", "B", "C", "D", "E")


@dataclass(frozen=True, slots=True)
class CoverageRule:
    region: str
    effective: date
    coverage: float
    visits_per_institution: float
    supervisory_ratio: float
    officers_per_team: int
    experts_per_team: int
    risk_weights: dict[str, float]
    reference: str


def _rule(s: DatedSet) -> CoverageRule:
    weights = s.values.get("risk_weights", {})
    if not isinstance(weights, dict) or set(weights) - set(GRADES):
        raise ParamError(
            s.file, f"values.{s.effective}.risk_weights", "须为A–E等级的权重", "weights by grade A–E"
        )
    return CoverageRule(
        region=s.region,
        effective=s.effective,
        coverage=s.number("coverage", high=1),
        visits_per_institution=s.number("visits_per_institution"),
        supervisory_ratio=s.number("supervisory_ratio", high=1),
        officers_per_team=int(s.number("officers_per_team", low=1)),
        experts_per_team=int(s.number("experts_per_team")),
        risk_weights={str(k): float(v) for k, v in weights.items()},
        reference=s.reference,
    )


def load_coverage(extra: Path | str | None = None) -> RegionalTables:
    dirs = [DATA_DIR / "coverage"]
    more = extra or os.environ.get(ENV_VAR)
    if more:
        dirs.insert(0, Path(more))
    return _load(tuple(dirs))


@functools.lru_cache(maxsize=8)
def _load(dirs: tuple[Path, ...]) -> RegionalTables:
    return RegionalTables(list(dirs), _rule)


def coverage_rule(admdvs: str, on: date, extra: Path | str | None = None) -> CoverageRule:
    return _rule(load_coverage(extra).at(admdvs, on))


@dataclass(frozen=True, slots=True)
class ChecklistItem:
    code: str
    text: str
    reference: str


@dataclass(frozen=True, slots=True)
class Checklist:
    kind: str
    label: str
    items: tuple[ChecklistItem, ...]

    def codes(self) -> set[str]:
        return {i.code for i in self.items}


@functools.lru_cache(maxsize=8)
def checklist(kind: str) -> Checklist:
    """The checklist of one institution type (`data/checklists/<kind>.yaml`)."""
    f = DATA_DIR / "checklists" / f"{kind}.yaml"
    if kind not in KINDS or not f.exists():
        raise ParamError(f, "kind", f"没有该类型的检查清单：{kind}", f"no checklist for kind {kind}")
    data = load_yaml(f)
    items = []
    for n, raw in enumerate(data.get("items") or []):
        if not isinstance(raw, dict) or not all(raw.get(k) for k in ("code", "text", "reference")):
            raise ParamError(
                f, f"items[{n}]", "条目须有code、text、reference", "items need code, text, reference"
            )
        items.append(ChecklistItem(str(raw["code"]), str(raw["text"]), str(raw["reference"])))
    if not items or len({i.code for i in items}) != len(items):
        raise ParamError(f, "items", "清单为空或编号重复", "empty list or duplicate codes")
    return Checklist(kind, str(data.get("label", KINDS[kind])), tuple(items))
