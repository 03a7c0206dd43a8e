"""The case ledger (案件台账) as an .xlsx workbook: one row per case, names masked."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font
from sqlalchemy import select
from sqlalchemy.orm import Session

from yibao.audit.log import record
from yibao.auth.masking import mask_name
from yibao.auth.models import User
from yibao.auth.roles import Permission, require
from yibao.cases.flow import time_status, yuan
from yibao.cases.models import Case
from yibao.cases.states import STATE_LABELS, State
from yibao.penalties.params import PenaltyParams

__all__ = ["LEDGER_COLUMNS", "PRECISION_COLUMNS", "export_ledger"]

LEDGER_COLUMNS = (
    "案件编号",
    "案由",
    "当事人类型",
    "当事人",
    "机构编码/人员编号",
    "违规类型",
    "适用条款",
    "涉案金额（元）",
    "状态",
    "立案日期",
    "办案期限",
    "剩余天数",
    "期限状态",
    "处理结果",
    "决定退回（元）",
    "决定罚款（元）",
    "暂停（月）",
    "已退回（元）",
    "已缴罚款（元）",
    "结案日期",
)


PRECISION_COLUMNS = ("规则 detector", "疑点数", "申诉数", "维持", "撤销", "待审", "确认精确率", "撤销率")


def _precision_sheet(wb: Workbook, session: Session, user: User) -> None:
    """Per-rule outcomes of appeal reviews, the feedback the rule owners tune against."""
    from yibao.cases.appeals import rule_precision

    ws = wb.create_sheet("规则申诉复核")
    ws.append(PRECISION_COLUMNS)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for r in rule_precision(session, user):
        ws.append(
            [
                r.detector,
                r.findings,
                r.appealed,
                r.confirmed,
                r.overturned,
                r.pending,
                None if r.precision is None else round(r.precision, 4),
                None if r.overturn_rate is None else round(r.overturn_rate, 4),
            ]
        )
    ws.column_dimensions["A"].width = 36


def export_ledger(
    session: Session,
    user: User,
    out: Path,
    *,
    now: datetime | None = None,
    params: PenaltyParams | None = None,
) -> int:
    require(user, Permission.LEDGER_EXPORT)
    wb = Workbook()
    ws = wb.active
    ws.title = "案件台账"
    ws.append(LEDGER_COLUMNS)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    n = 0
    for case in session.execute(select(Case).order_by(Case.id)).scalars():
        ts = time_status(session, case, now=now, params=params)
        report = json.loads(case.report or "{}")
        decision = json.loads(case.decision or "{}")
        person = case.party_type == "individual"
        ws.append(
            [
                case.case_no,
                case.title,
                "个人" if person else "定点医药机构",
                mask_name(case.party_name) if person else case.party_name,
                case.party_code,
                case.violation,
                f"第{report['article']}条" if report.get("article") else None,
                float(yuan(case.amount_fen)),
                STATE_LABELS[State(case.state)],
                case.filed_at.date() if case.filed_at else None,
                ts.deadline,
                ts.days_left,
                ts.label,
                case.outcome,
                float(decision["refund"]) if decision.get("refund") else None,
                float(decision["fine"]) if decision.get("fine") else None,
                decision.get("suspension_months"),
                float(yuan(case.refunded_fen)),
                float(yuan(case.fine_paid_fen)),
                case.closed_at.date() if case.closed_at else None,
            ]
        )
        n += 1
    for col, width in zip(
        "ABCDEFGHIJKLMNOPQRST",
        (14, 30, 12, 20, 16, 18, 10, 14, 14, 12, 12, 8, 10, 14, 12, 12, 8, 12, 12, 12),
        strict=True,
    ):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "A2"
    _precision_sheet(wb, session, user)
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)
    record(
        session,
        user.username,
        "ledger.export",
        "case",
        "*",
        {"rows": n, "file": out.name, "sha256": hashlib.sha256(out.read_bytes()).hexdigest()},
    )
    return n
