"""Whistleblower reward (举报奖励) computation from dated, per-region parameters.

reward = verified amount × ratio (the insider ratio where the reporter works or worked at the
reported institution), raised to the floor and cut at the per-case cap. Amounts are Decimal
yuan rounded half-up to the fen; the result names the rule set it used.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from yibao.whistle.dated import DatedSet, ParamError, RegionalTables

__all__ = ["DATA_DIR", "ENV_VAR", "RewardResult", "compute_reward", "load_reward_rules"]

DATA_DIR = Path(__file__).parent / "data" / "rewards"
ENV_VAR = "YIBAO_REWARD_PARAMS"
FEN = Decimal("0.01")


def _validate(s: DatedSet) -> None:
    s.number("ratio", high=1)
    s.number("insider_ratio", high=1)
    if s.number("floor") > s.number("cap"):
        raise ParamError(s.file, f"values.{s.effective}.floor", "下限不得高于上限", "floor above cap")


def load_reward_rules(extra: Path | str | None = None) -> RegionalTables:
    """Packaged reward rules, overridden by `extra` or `YIBAO_REWARD_PARAMS` (a folder)."""
    dirs = [DATA_DIR]
    more = extra or os.environ.get(ENV_VAR)
    if more:
        dirs.insert(0, Path(more))
    stamp = tuple(
        sorted((str(f), f.stat().st_mtime_ns) for d in dirs if d.is_dir() for f in d.glob("*.yaml"))
    )
    return _load(tuple(dirs), stamp)


@functools.lru_cache(maxsize=8)
def _load(dirs: tuple[Path, ...], _stamp: tuple[tuple[str, int], ...]) -> RegionalTables:
    return RegionalTables(list(dirs), _validate)


@dataclass(frozen=True, slots=True)
class RewardResult:
    admdvs: str
    on: date
    verified_amount: Decimal
    insider: bool
    ratio: Decimal
    base: Decimal  # amount × ratio before floor and cap
    reward: Decimal
    floor_applied: bool
    cap_applied: bool
    region: str
    region_name: str
    effective: date
    reference: str
    floor: Decimal
    cap: Decimal

    def as_dict(self) -> dict[str, object]:
        return {
            "admdvs": self.admdvs,
            "date": self.on.isoformat(),
            "verified_amount": str(self.verified_amount),
            "insider": self.insider,
            "ratio": str(self.ratio),
            "base": str(self.base),
            "reward": str(self.reward),
            "floor": str(self.floor),
            "cap": str(self.cap),
            "floor_applied": self.floor_applied,
            "cap_applied": self.cap_applied,
            "rule": {
                "region": self.region,
                "region_name": self.region_name,
                "effective": self.effective.isoformat(),
                "reference": self.reference,
            },
        }

    def explain(self) -> str:
        """One line in Chinese: what was multiplied, and which bound applied."""
        who = "内部人员" if self.insider else "一般举报人"
        text = f"{self.verified_amount:,.2f} 元 × {self.ratio * 100:g}%（{who}）= {self.base:,.2f} 元"
        if self.floor_applied:
            text += f"，低于最低奖励，按 {self.floor:,.2f} 元"
        if self.cap_applied:
            text += f"，超过每案最高奖励，按 {self.cap:,.2f} 元"
        return text


def compute_reward(
    admdvs: str,
    verified_amount: Decimal | float | str,
    *,
    insider: bool = False,
    on: date | None = None,
    rules: RegionalTables | None = None,
) -> RewardResult:
    """The reward for one verified report under the rules in force in `admdvs` on `on`.

    `on` is the date of the report (the rules in force when the reporter acted); a verified
    amount of zero means the fund lost nothing, so no reward and no floor.
    """
    amount = Decimal(str(verified_amount))
    if amount < 0:
        raise ParamError(
            Path("-"), "verified_amount", "查实金额不能为负", "verified amount must not be negative"
        )
    on = on or date.today()
    chosen = (rules or load_reward_rules()).at(admdvs, on)
    ratio = Decimal(str(chosen.number("insider_ratio" if insider else "ratio", high=1)))
    floor = Decimal(str(chosen.number("floor"))).quantize(FEN)
    cap = Decimal(str(chosen.number("cap"))).quantize(FEN)
    base = (amount * ratio).quantize(FEN, rounding=ROUND_HALF_UP)
    reward = base
    floor_applied = cap_applied = False
    if amount > 0 and reward < floor:
        reward, floor_applied = floor, True
    if reward > cap:
        reward, cap_applied = cap, True
    return RewardResult(
        admdvs=admdvs,
        on=on,
        verified_amount=amount,
        insider=insider,
        ratio=ratio,
        base=base,
        reward=reward,
        floor_applied=floor_applied,
        cap_applied=cap_applied,
        region=chosen.region,
        region_name=chosen.region_name,
        effective=chosen.effective,
        reference=chosen.reference,
        floor=floor,
        cap=cap,
    )
