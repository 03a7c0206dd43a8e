"""Case documents (立案审批表, 行政处罚事先告知书, 行政处罚决定书) from a case's record.

The context is built from the case's events, so a document shows what was actually
recorded; the party's full name and ID number go into the document (it is served on
the party), which is an audited read of personal data.
"""

from __future__ import annotations

import hashlib
import json
import os
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from yibao.audit.log import record
from yibao.auth.masking import reveal
from yibao.auth.models import User
from yibao.auth.roles import Permission, require
from yibao.cases.errors import CaseError
from yibao.cases.flow import events, get_case, yuan
from yibao.cases.models import Clue
from yibao.cases.states import Action
from yibao.documents.render import load_template, render_docx_template, render_yaml_template
from yibao.findings import VIOLATION_LABELS, Violation

__all__ = ["DEFAULT_ORG", "KINDS", "case_context", "generate_document", "penalty_text"]

DEFAULT_ORG = os.environ.get("YIBAO_ORG_NAME", "××市医疗保障局")
KINDS = {"filing_approval": "立案审批表", "notice": "行政处罚事先告知书", "decision": "行政处罚决定书"}
_DOC_PREFIX = {"filing_approval": "医保立审", "notice": "医保罚告", "decision": "医保罚决"}
_DIGITS = "零一二三四五六七八九"


def _zh_number(n: int) -> str:
    """1–99 in Chinese numerals, as articles are cited (第三十八条)."""
    tens, ones = divmod(n, 10)
    if tens == 0:
        return _DIGITS[ones]
    return ("" if tens == 1 else _DIGITS[tens]) + "十" + (_DIGITS[ones] if ones else "")


def _violation_label(code: str | None) -> str:
    if code and code in Violation.__members__:
        return VIOLATION_LABELS[Violation(code)]
    return code or "—"


def penalty_text(terms: dict[str, Any], party_type: str) -> str:
    parts = []
    if Decimal(str(terms.get("refund", 0))) > 0:
        parts.append(f"责令退回医疗保障基金{terms['refund']}元")
    if Decimal(str(terms.get("fine", 0))) > 0:
        parts.append(f"处罚款{terms['fine']}元")
    months = int(terms.get("suspension_months") or 0)
    if months:
        parts.append(
            f"暂停医疗费用联网结算{months}个月"
            if party_type == "individual"
            else f"暂停相关责任部门涉及医疗保障基金使用的医药服务{months}个月"
        )
    if terms.get("termination"):
        parts.append("解除医疗保障服务协议")
    return "；".join(f"{i}. {p}" for i, p in enumerate(parts, 1)) + "。" if parts else "不予行政处罚。"


def _date(d: datetime | None) -> str:
    return f"{d.year}年{d.month}月{d.day}日" if d else ""


def case_context(session: Session, user: User, case_no: str, *, org: str = DEFAULT_ORG) -> dict[str, Any]:
    """Every field the templates use, from the case and its events."""
    case = get_case(session, case_no)
    name, certno = reveal(
        session, user, "case", case_no, name=case.party_name, certno=case.party_certno, purpose="制作文书"
    )
    users = {u.id: u for u in session.execute(select(User)).scalars()}
    by_name = {u.username: u for u in users.values()}
    evs = events(session, case)
    last: dict[str, Any] = {}
    evidence, statements = [], []
    officers: list[str] = []
    for e in evs:
        last[e.action] = e
        payload = json.loads(e.payload)
        if e.action == Action.ADD_EVIDENCE and payload.get("evidence"):
            evidence.append(str(payload["evidence"]))
        if e.action == Action.RECEIVE_STATEMENT and payload.get("statement"):
            statements.append(str(payload["statement"]))
        if e.action == Action.ASSIGN_OFFICER:
            who = by_name.get(payload["officer"])
            officers.append(
                f"{who.display_name if who else payload['officer']}（执法证号{payload.get('cert_no') or '—'}）"
            )
    report = json.loads(case.report or "{}")
    notice = json.loads(case.notice or "{}")
    decision = json.loads(case.decision or "{}")
    clue = session.get(Clue, case.clue_id) if case.clue_id else None
    article = int(report.get("article", 0) or 0)
    approve = last.get(Action.APPROVE_FILING)
    propose = last.get(Action.PROPOSE_FILING)
    hearing_eligible = bool(notice.get("hearing_eligible"))
    defended = Action.RECEIVE_STATEMENT in last or Action.CONCLUDE_HEARING in last
    return {
        "org": org,
        "date": _date(datetime.now()),
        "case_no": case.case_no,
        "title": case.title,
        "source": {
            "finding": "智能监管筛查疑点",
            "report": "举报",
            "inspection": "检查",
            "referral": "其他部门移交",
        }.get(clue.source, clue.source)
        if clue
        else "—",
        "clue_summary": f"{clue.clue_no}：{clue.description}" if clue else "",
        "party_name": name,
        "party_code": case.party_code,
        "party_certno": certno,
        "violation_label": _violation_label(case.violation),
        "amount": str(yuan(case.amount_fen)),
        "officers": "、".join(officers),
        "propose_reason": propose.reason if propose else "",
        "propose_date": _date(propose.created) if propose else "",
        "approve_reason": approve.reason if approve else "（待审批）",
        "approver": users[approve.actor_id].display_name if approve else "",
        "approve_date": _date(approve.created) if approve else "",
        "filed_date": _date(case.filed_at),
        "facts": (report.get("facts") or "").rstrip("。") + "。" if report.get("facts") else "",
        "article_zh": _zh_number(article) if article else "",
        "penalty_text": penalty_text(notice, case.party_type) if notice else "",
        "hearing_eligible": hearing_eligible,
        "hearing_clause": "或要求听证" if hearing_eligible else "",
        "hearing_right": "、要求听证" if hearing_eligible else "",
        "notice_date": _date(last[Action.ISSUE_NOTICE].created) if Action.ISSUE_NOTICE in last else "",
        "evidence": "；".join(evidence),
        "defence_text": ("你（单位）提出了陈述、申辩意见：" + "；".join(statements) + "。本局已予复核。")
        if statements
        else ("你（单位）参加了听证。" if defended else "你（单位）在规定期限内未提出陈述、申辩。"),
        "reviewed": Action.APPROVE_REVIEW in last,
        "decision_text": penalty_text(decision, case.party_type) if decision else "",
        "doc_no": "",
    }


def generate_document(
    session: Session,
    user: User,
    case_no: str,
    kind: str,
    out: Path,
    *,
    org: str = DEFAULT_ORG,
    docx_template: Path | None = None,
) -> Path:
    """Write one document of the case; refused until the step it records has happened."""
    require(user, Permission.DOCUMENT_GENERATE)
    if kind not in KINDS:
        raise CaseError(f"文书类型须为：{'/'.join(KINDS)}", f"kind must be one of {list(KINDS)}")
    template = load_template(kind)
    case = get_case(session, case_no)
    done = {e.action for e in events(session, case)}
    if template["requires_action"] not in done:
        raise CaseError(
            f"案件尚未进行到可制作{KINDS[kind]}的步骤", f"the case has not reached the {kind} step"
        )
    if kind == "decision" and json.loads(case.decision or "{}").get("type") != "penalty":
        raise CaseError("本案未作出行政处罚决定", "no penalty decision in this case")
    ctx = case_context(session, user, case_no, org=org)
    ctx["doc_no"] = f"{_DOC_PREFIX[kind]}〔{case.created.year}〕{case.case_no.rsplit('-', 1)[1]}号"
    if docx_template:
        render_docx_template(docx_template, ctx, out)
    else:
        render_yaml_template(template, ctx, out)
    record(
        session,
        user.username,
        "document.generate",
        "case",
        case_no,
        {"kind": kind, "file": out.name, "sha256": hashlib.sha256(out.read_bytes()).hexdigest()},
    )
    return out
