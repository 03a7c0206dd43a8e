"""Full coverage (全覆盖): every designated institution inspected on site each year, enough visits per
institution, enough supervisory spot checks; progress per month and quarter; the monthly ledger
(定点医药机构现场检查全覆盖情况统计表) as .xlsx. Quotas come from the dated coverage rule.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from yibao.audit.log import record
from yibao.auth.models import User
from yibao.auth.roles import Permission, require
from yibao.cases.record import yuan
from yibao.inspections.models import InspResult, InspTarget
from yibao.inspections.params import KINDS, CoverageRule, coverage_rule

__all__ = ["CoverageReport", "KindStats", "MonthProgress", "coverage", "write_ledger"]


@dataclass(frozen=True, slots=True)
class KindStats:
    """One line of the ledger: a type of institution (or all), for the month and the year to date."""

    label: str
    designated: int
    month_institutions: int
    month_visits: int
    covered: int
    visits: int
    supervisory: int
    with_problems: int
    amount: Decimal

    @property
    def coverage(self) -> float:
        return self.covered / self.designated if self.designated else 0.0

    @property
    def visits_per_institution(self) -> float:
        return self.visits / self.designated if self.designated else 0.0

    @property
    def supervisory_ratio(self) -> float:
        return self.supervisory / self.designated if self.designated else 0.0


@dataclass(frozen=True, slots=True)
class MonthProgress:
    month: int
    visits: int
    institutions: int
    covered_to_date: int
    coverage_to_date: float
    visits_to_date: int


@dataclass(frozen=True, slots=True)
class CoverageReport:
    year: int
    month: int  # the ledger's month: results up to its end
    admdvs: str
    rule: CoverageRule
    kinds: list[KindStats]
    total: KindStats
    months: list[MonthProgress]
    quarters: list[tuple[int, int, float]]  # (quarter, visits, coverage at its end)
    uncovered: list[tuple[str, str, str]] = field(default_factory=list)  # code, name, kind

    @property
    def checks(self) -> list[tuple[str, float, float, bool]]:
        """(quota, actual, required, met) for the year's three quotas."""
        t, r = self.total, self.rule
        return [
            ("全覆盖 coverage", t.coverage, r.coverage, t.coverage >= r.coverage),
            (
                "次/家 visits per institution",
                t.visits_per_institution,
                r.visits_per_institution,
                t.visits_per_institution >= r.visits_per_institution,
            ),
            (
                "督查抽查比例 supervisory",
                t.supervisory_ratio,
                r.supervisory_ratio,
                t.supervisory_ratio >= r.supervisory_ratio,
            ),
        ]


def _stats(label: str, targets: list[InspTarget], results: list[InspResult], month: int) -> KindStats:
    codes = {t.fixmedins_code for t in targets}
    mine = [r for r in results if r.fixmedins_code in codes]
    this_month = [r for r in mine if r.inspected_on.month == month]
    return KindStats(
        label=label,
        designated=len(codes),
        month_institutions=len({r.fixmedins_code for r in this_month}),
        month_visits=len(this_month),
        covered=len({r.fixmedins_code for r in mine}),
        visits=len(mine),
        supervisory=len({r.fixmedins_code for r in mine if r.kind == "supervisory"}),
        with_problems=len({r.fixmedins_code for r in mine if r.problems}),
        amount=yuan(sum(r.amount_fen for r in mine)),
    )


def coverage(
    session: Session, actor: User, year: int, *, month: int = 12, admdvs: str = ""
) -> CoverageReport:
    """Coverage of the active designated institutions of `admdvs` (prefix), January to `month` of `year`."""
    require(actor, Permission.CLUE_READ)
    targets = [
        t
        for t in session.execute(select(InspTarget).where(InspTarget.active.is_(True))).scalars()
        if t.admdvs.startswith(admdvs)
    ]
    end = date(year, month, 1)
    results = [
        r
        for r in session.execute(
            select(InspResult).where(
                InspResult.inspected_on >= date(year, 1, 1), InspResult.inspected_on < date(year + 1, 1, 1)
            )
        ).scalars()
        if r.inspected_on.month <= month
    ]
    rule = coverage_rule(admdvs.ljust(6, "0") if admdvs else "000000", end)
    kinds = [_stats(label, [t for t in targets if t.kind == k], results, month) for k, label in KINDS.items()]
    total = _stats("合计", targets, results, month)
    codes = {t.fixmedins_code for t in targets}
    months, seen, visits = [], set(), 0
    for m in range(1, month + 1):
        in_m = [r for r in results if r.inspected_on.month == m and r.fixmedins_code in codes]
        seen |= {r.fixmedins_code for r in in_m}
        visits += len(in_m)
        months.append(
            MonthProgress(
                m,
                len(in_m),
                len({r.fixmedins_code for r in in_m}),
                len(seen),
                len(seen) / len(codes) if codes else 0.0,
                visits,
            )
        )
    quarters = [
        (
            q,
            sum(p.visits for p in months if (p.month - 1) // 3 + 1 == q),
            months[min(q * 3, month) - 1].coverage_to_date,
        )
        for q in range(1, (month - 1) // 3 + 2)
    ]
    covered = {r.fixmedins_code for r in results}
    uncovered = sorted(
        (t.fixmedins_code, t.name, KINDS[t.kind]) for t in targets if t.fixmedins_code not in covered
    )
    return CoverageReport(year, month, admdvs, rule, kinds, total, months, quarters, uncovered)


def write_ledger(
    session: Session, actor: User, out: Path, year: int, month: int, *, admdvs: str = ""
) -> CoverageReport:
    """The monthly ledger 定点医药机构现场检查全覆盖情况统计表 (.xlsx), audited as an export."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    require(actor, Permission.LEDGER_EXPORT)
    rep = coverage(session, actor, year, month=month, admdvs=admdvs)
    wb = Workbook()
    ws = wb.active
    ws.title = "统计表"
    title = "定点医药机构现场检查全覆盖情况统计表"
    ws.append([title])
    ws.append([f"统计区划：{admdvs or '全部'}    统计年度：{year}年    截至：{year}年{month}月"])
    head = [
        "机构类型",
        "定点机构数",
        "本月检查家数",
        "本月检查次数",
        "累计检查家数",
        "覆盖率",
        "累计检查次数",
        "次/家",
        "督查抽查家数",
        "督查抽查比例",
        "发现问题家数",
        "涉及金额（元）",
    ]
    ws.append(head)
    for k in [*rep.kinds, rep.total]:
        ws.append(
            [
                k.label,
                k.designated,
                k.month_institutions,
                k.month_visits,
                k.covered,
                round(k.coverage, 4),
                k.visits,
                round(k.visits_per_institution, 2),
                k.supervisory,
                round(k.supervisory_ratio, 4),
                k.with_problems,
                float(k.amount),
            ]
        )
    ws.append([])
    ws.append(["指标", "实际", "要求", "是否达标"])
    for name, actual, required, met in rep.checks:
        ws.append([name, round(actual, 4), required, "达标" if met else "未达标"])
    ws.append([f"依据：{rep.rule.reference}"])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(head))
    ws["A1"].font = Font(bold=True, size=14)
    ws["A1"].alignment = Alignment(horizontal="center")
    for c in ws[3]:
        c.font = Font(bold=True)
    for row in ws.iter_rows(min_row=4, max_row=7):
        row[5].number_format = row[9].number_format = "0.0%"
    progress = wb.create_sheet("月度进度")
    progress.append(["月份", "检查次数", "检查家数", "累计覆盖家数", "累计覆盖率", "累计检查次数"])
    for p in rep.months:
        progress.append(
            [
                f"{year}-{p.month:02d}",
                p.visits,
                p.institutions,
                p.covered_to_date,
                round(p.coverage_to_date, 4),
                p.visits_to_date,
            ]
        )
    progress.append([])
    progress.append(["季度", "检查次数", "季末覆盖率"])
    for q, v, cov in rep.quarters:
        progress.append([f"第{q}季度", v, round(cov, 4)])
    todo = wb.create_sheet("未检查机构")
    todo.append(["机构编码", "机构名称", "机构类型"])
    for row in rep.uncovered:
        todo.append(list(row))
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)
    record(
        session,
        actor.username,
        "inspect.ledger",
        "ledger",
        f"{year}-{month:02d}",
        {"admdvs": admdvs, "file": out.name},
    )
    return rep
