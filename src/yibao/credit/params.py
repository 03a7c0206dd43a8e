"""Dated scoring (记分) and grading (信用等级) parameters per region."""

from __future__ import annotations

import functools
import os
from pathlib import Path

from yibao.whistle.dated import DatedSet, ParamError, RegionalTables

__all__ = ["grade_rules", "point_rules"]

DATA_DIR = Path(__file__).parent / "data"
ENV_VAR = "YIBAO_CREDIT_PARAMS"


def _points(s: DatedSet) -> None:
    bands = s.values.get("bands")
    if not isinstance(bands, dict) or not all(
        isinstance(v, list) and len(v) == 2 and 0 < v[0] <= v[1] for v in bands.values()
    ):
        raise ParamError(
            s.file, f"values.{s.effective}.bands", "档次须为[下限, 上限]", "bands must be [low, high]"
        )
    s.number("suspend_at", low=1)
    s.number("terminate_at", low=1)


def _grades(s: DatedSet) -> None:
    t = s.values.get("thresholds")
    if not isinstance(t, dict) or sorted(t) != ["A", "B", "C", "D"] or not t["A"] > t["B"] > t["C"] > t["D"]:
        raise ParamError(
            s.file, f"values.{s.effective}.thresholds", "须为A>B>C>D的分数线", "thresholds A > B > C > D"
        )
    s.number("base")


def _dirs(sub: str, extra: Path | str | None) -> tuple[Path, ...]:
    more = extra or os.environ.get(ENV_VAR)
    return (Path(more) / sub, DATA_DIR / sub) if more else (DATA_DIR / sub,)


@functools.lru_cache(maxsize=8)
def _load(dirs: tuple[Path, ...], kind: str) -> RegionalTables:
    return RegionalTables(list(dirs), _points if kind == "points" else _grades)


def point_rules(extra: Path | str | None = None) -> RegionalTables:
    return _load(_dirs("points", extra), "points")


def grade_rules(extra: Path | str | None = None) -> RegionalTables:
    return _load(_dirs("grades", extra), "grades")
