"""Dated, per-region policy parameters (reward ratios, coverage quotas, credit points) from YAML.

The same shape as the penalty parameters (`yibao.penalties.params`): one file per region
named by its 医保区划 or a prefix of it (`000000` is the national default), `values:` keyed
by effective date, a `reference` on every value set. A region's file answers for a date
only from its first effective date on; before that the next shorter prefix answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from yibao.penalties.params import ParamError

__all__ = ["DatedSet", "ParamError", "RegionalTables", "load_yaml", "pick"]


def load_yaml(file: Path) -> dict[str, Any]:
    """A parameter file's mapping, refusing broken YAML and files without a description."""
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ParamError(file, "-", f"YAML格式错误：{exc}", f"not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ParamError(file, "-", "顶层须为映射", "top level must be a mapping")
    if not data.get("description"):
        raise ParamError(file, "description", "缺少说明", "missing description")
    return data


def dated(file: Path, key: str, values: object) -> dict[date, dict[str, Any]]:
    if not isinstance(values, dict) or not values:
        raise ParamError(file, key, "缺少按生效日期排列的取值", "needs values keyed by effective date")
    out: dict[date, dict[str, Any]] = {}
    for k, v in values.items():
        if not isinstance(k, date):
            raise ParamError(
                file, f"{key}.{k}", "生效日期须为YYYY-MM-DD", "effective date must be YYYY-MM-DD"
            )
        if not isinstance(v, dict):
            raise ParamError(file, f"{key}.{k}", "取值须为映射", "value set must be a mapping")
        if not v.get("reference"):
            raise ParamError(
                file, f"{key}.{k}.reference", "每组取值须注明依据", "every value set needs a reference"
            )
        out[k] = v
    return dict(sorted(out.items()))


@dataclass(frozen=True, slots=True)
class DatedSet:
    """The value set in force: where it came from, so every result can cite it."""

    region: str
    region_name: str
    file: Path
    effective: date
    values: dict[str, Any]

    @property
    def reference(self) -> str:
        return str(self.values["reference"])

    def number(self, key: str, *, low: float = 0.0, high: float | None = None) -> float:
        """A numeric value, refused (naming file and key) when missing or out of range."""
        v = self.values.get(key)
        if (
            not isinstance(v, int | float)
            or isinstance(v, bool)
            or v < low
            or (high is not None and v > high)
        ):
            bound = f"[{low}, {high}]" if high is not None else f">= {low}"
            raise ParamError(
                self.file, f"values.{self.effective}.{key}", f"须为数值 {bound}", f"must be a number {bound}"
            )
        return float(v)


def pick(
    file: Path, key: str, table: dict[date, dict[str, Any]], on: date
) -> tuple[date, dict[str, Any]] | None:
    chosen = [d for d in table if d <= on]
    return (chosen[-1], table[chosen[-1]]) if chosen else None


class RegionalTables:
    """Every `<region>.yaml` of one parameter folder, packaged and local overrides together."""

    def __init__(self, dirs: list[Path], validate: Any = None) -> None:
        self.dirs = dirs
        self._tables: dict[str, tuple[Path, str, dict[date, dict[str, Any]]]] = {}
        for d in reversed(dirs):  # earlier folders override later ones
            for f in sorted(d.glob("*.yaml")) if d.is_dir() else []:
                data = load_yaml(f)
                region = str(data.get("region", ""))
                if not region.isdigit() or region != f.stem:
                    raise ParamError(
                        f,
                        "region",
                        "区划须为数字且与文件名一致",
                        "region must be digits and match the file name",
                    )
                table = dated(f, "values", data.get("values"))
                self._tables[region] = (f, str(data.get("region_name", region)), table)
                if validate is not None:
                    for eff, v in table.items():
                        validate(DatedSet(region, str(data.get("region_name", region)), f, eff, v))
        if "000000" not in self._tables:
            raise ParamError(
                dirs[-1] / "000000.yaml", "-", "缺少全国默认参数文件", "missing the national default file"
            )

    def regions(self) -> list[str]:
        return sorted(self._tables)

    def at(self, region: str, on: date) -> DatedSet:
        """The value set in force on `on` for `region`: longest prefix with a set in force."""
        if not region.isdigit():
            raise ParamError(
                self.dirs[-1], "region", f"区划须为数字：{region}", f"region must be digits: {region}"
            )
        candidates = [region[:n] for n in range(len(region), 0, -1)] + ["000000"]
        for prefix in candidates:
            if prefix in self._tables:
                f, name, table = self._tables[prefix]
                found = pick(f, "values", table, on)
                if found:
                    return DatedSet(prefix, name, f, found[0], found[1])
        f, _name, table = self._tables["000000"]
        first = min(table)
        raise ParamError(
            f, "values", f"{on}早于最早生效日期{first}", f"{on} is before the first effective date {first}"
        )
