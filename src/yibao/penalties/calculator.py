"""The penalty calculator: legal range from the article, narrowed by the region's discretion level.

Everything comes from dated parameters (`params.py`); the result lists the values and
references it used, so a decision can show how its amount was reached.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from yibao.penalties.params import ParamError, PenaltyParams, load_params

__all__ = ["PenaltyInput", "PenaltyResult", "calculate"]

_CENT = Decimal("0.01")


def _money(x: Decimal | float) -> Decimal:
    return Decimal(str(x)).quantize(_CENT, ROUND_HALF_UP)


def _within(lo: float, hi: float, band: tuple[float, float]) -> tuple[float, float]:
    return lo + (hi - lo) * band[0], lo + (hi - lo) * band[1]


@dataclass(frozen=True, slots=True)
class PenaltyInput:
    """`amount` is the fund's loss (Art. 38) or the defrauded amount (Art. 40/41), in yuan.

    `on` is the date of the conduct: the parameters in force then apply.
    """

    article: int
    amount: Decimal
    on: date
    level: str = "general"
    region: str = "000000"
    serious: bool = False  # Art. 38: correction refused or serious harm → suspension
    fraud: bool = False  # Art. 41: intent to defraud → fine
    correction_refused: bool = False  # Art. 39: the fine applies only then


@dataclass(frozen=True, slots=True)
class PenaltyResult:
    article: int
    party_type: str
    level: str
    level_label: str
    refund: Decimal
    fine_range: tuple[Decimal, Decimal] | None  # the legal range
    level_fine_range: tuple[Decimal, Decimal] | None  # the range for the discretion level
    proposed_fine: Decimal
    multiple_range: tuple[float, float] | None
    proposed_multiple: float | None
    suspension_range: tuple[int, int] | None
    proposed_suspension_months: int | None
    termination_possible: bool
    explanation: list[str] = field(default_factory=list)
    params_used: dict[str, object] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        out = asdict(self)
        for k, v in out.items():
            if isinstance(v, Decimal):
                out[k] = str(v)
            elif isinstance(v, tuple) and v and isinstance(v[0], Decimal):
                out[k] = [str(x) for x in v]
        return out


def calculate(inp: PenaltyInput, params: PenaltyParams | None = None) -> PenaltyResult:
    """Compute refund, fine and suspension for one party and one article."""
    params = params or load_params()
    rule = params.article(inp.article, inp.on)
    region, d_eff, levels, d_ref = params.discretion(inp.region, inp.on)
    if inp.level not in levels:
        raise ParamError(
            params.dirs[-1] / "discretion" / f"{region}.yaml",
            f"levels.{inp.level}",
            f"没有裁量档次{inp.level}（可选：{'/'.join(levels)}）",
            f"no discretion level {inp.level} (choose {'/'.join(levels)})",
        )
    level = levels[inp.level]
    amount = _money(inp.amount)
    lines = [
        f"依据：{rule.reference}（{rule.effective}起施行）",
        f"裁量基准：区划{region}，{level.label}档（法定幅度的{level.band[0]:.0%}–{level.band[1]:.0%}），{d_ref}",
    ]
    refund = amount if rule.refund else Decimal("0.00")
    if rule.refund:
        lines.append(f"责令退回：{refund}元")

    fine_applies = {"always": True, "fraud": inp.fraud, "correction_refused": inp.correction_refused}.get(
        rule.fine_when, True
    )
    fine_range = level_range = None
    multiple_range = proposed_multiple = None
    proposed_fine = Decimal("0.00")
    if fine_applies and rule.fine_multiple:
        multiple_range = rule.fine_multiple
        lo, hi = _within(*rule.fine_multiple, level.band)
        proposed_multiple = round((lo + hi) / 2, 1)
        fine_range = (
            _money(amount * Decimal(str(rule.fine_multiple[0]))),
            _money(amount * Decimal(str(rule.fine_multiple[1]))),
        )
        level_range = (
            _money(amount * Decimal(str(round(lo, 4)))),
            _money(amount * Decimal(str(round(hi, 4)))),
        )
        proposed_fine = _money(amount * Decimal(str(proposed_multiple)))
        lines.append(
            f"罚款：法定{rule.fine_multiple[0]:g}–{rule.fine_multiple[1]:g}倍，"
            f"{level.label}档{lo:.2f}–{hi:.2f}倍，建议{proposed_multiple:g}倍 = {proposed_fine}元"
        )
    elif fine_applies and rule.fine_fixed:
        lo, hi = _within(*rule.fine_fixed, level.band)
        fine_range = (_money(rule.fine_fixed[0]), _money(rule.fine_fixed[1]))
        level_range = (_money(lo), _money(hi))
        proposed_fine = _money(round((lo + hi) / 2, -2))
        lines.append(
            f"罚款：法定{fine_range[0]}–{fine_range[1]}元，{level.label}档{level_range[0]}–"
            f"{level_range[1]}元，建议{proposed_fine}元"
        )
    elif rule.fine_multiple or rule.fine_fixed:
        why = {"fraud": "非以骗取基金为目的", "correction_refused": "未拒不改正"}.get(rule.fine_when, "")
        lines.append(f"罚款：不适用（{why}）")

    suspension_applies = rule.suspension_months is not None and (
        rule.suspension_when == "always" or (rule.suspension_when == "serious" and inp.serious)
    )
    suspension_range = proposed_months = None
    if suspension_applies and rule.suspension_months:
        lo, hi = _within(*rule.suspension_months, level.band)
        suspension_range = (int(rule.suspension_months[0]), int(rule.suspension_months[1]))
        proposed_months = int(Decimal(str((lo + hi) / 2)).quantize(Decimal(1), ROUND_HALF_UP))
        what = "暂停联网结算" if rule.party == "individual" else "暂停相关责任部门涉及医保基金使用的医药服务"
        lines.append(
            f"{what}：法定{suspension_range[0]}–{suspension_range[1]}个月，建议{proposed_months}个月"
        )
    if rule.termination:
        lines.append("情节严重的，可解除医保服务协议")
    return PenaltyResult(
        article=inp.article,
        party_type=rule.party,
        level=level.code,
        level_label=level.label,
        refund=refund,
        fine_range=fine_range,
        level_fine_range=level_range,
        proposed_fine=proposed_fine,
        multiple_range=multiple_range,
        proposed_multiple=proposed_multiple,
        suspension_range=suspension_range,
        proposed_suspension_months=proposed_months,
        termination_possible=rule.termination,
        explanation=lines,
        params_used={
            "article": inp.article,
            "article_effective": str(rule.effective),
            "article_reference": rule.reference,
            "region": region,
            "discretion_effective": str(d_eff),
            "discretion_reference": d_ref,
            "band": list(level.band),
            "on": str(inp.on),
            "amount": str(amount),
            "serious": inp.serious,
            "fraud": inp.fraud,
            "correction_refused": inp.correction_refused,
        },
    )
