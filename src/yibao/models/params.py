"""Model thresholds as dated data (`params.yaml`): the value in force on a date, never a code constant."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

__all__ = ["ModelParams", "ParamError", "load_params"]


class ParamError(ValueError):
    """A malformed parameter file; the message names the key."""


@dataclass(frozen=True, slots=True)
class ModelParams:
    """All parameters, each as {effective date: value}."""

    values: dict[str, dict[dt.date, Any]]

    def at(self, day: dt.date | None = None) -> dict[str, Any]:
        """Every parameter's value in force on `day` (today when None)."""
        day = day or dt.date.today()
        out: dict[str, Any] = {}
        for name, dated in self.values.items():
            valid = [d for d in dated if d <= day]
            if not valid:
                raise ParamError(f"参数 {name} 在 {day} 尚未生效 / parameter {name} not in force on {day}")
            out[name] = dated[max(valid)]
        return out


@cache
def load_params() -> ModelParams:
    """Read `params.yaml` once; every entry needs a description, a reference and dated values."""
    raw = yaml.safe_load(resources.files("yibao.models").joinpath("params.yaml").read_text(encoding="utf-8"))
    values: dict[str, dict[dt.date, Any]] = {}
    for name, entry in raw.items():
        for key in ("description", "reference", "values"):
            if not isinstance(entry, dict) or key not in entry:
                raise ParamError(f"params.yaml {name}: 缺少 {key} / missing {key}")
        dated = {}
        for d, v in entry["values"].items():
            if not isinstance(d, dt.date):
                raise ParamError(f"params.yaml {name}: 生效日期格式错误 / bad date {d!r}")
            dated[d] = v
        values[name] = dated
    return ModelParams(values)
