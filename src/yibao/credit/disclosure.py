"""Public disclosure (曝光) of typical cases, with personal data removed, as a list and a JSON feed.

Only decided penalty cases may be published. Institutions are named (they are not personal
data); a person is shown by the first character of the name. ID numbers, mobile numbers and
the person's full name are scrubbed from the published facts.
"""

from __future__ import annotations

import json
import re
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from yibao.audit.log import record
from yibao.auth.masking import mask_certno, mask_name
from yibao.auth.models import User
from yibao.auth.roles import Permission, require
from yibao.cases.errors import CaseError
from yibao.cases.models import Case
from yibao.cases.record import yuan
from yibao.credit.models import Disclosure
from yibao.findings import VIOLATION_LABELS, Violation

__all__ = ["public_feed", "publish_case", "scrub"]

_CERTNO = re.compile(r"(?<![\dA-Za-z])(?:\d{17}[\dXx]|\d{15})(?![\dA-Za-z])")
_MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


def scrub(text: str, names: list[str] | None = None) -> str:
    """Mask ID numbers, mobile numbers and the given names."""
    text = _CERTNO.sub(lambda m: mask_certno(m.group(0)) or "", text)
    text = _MOBILE.sub(lambda m: m.group(0)[:3] + "****" + m.group(0)[-4:], text)
    for n in names or []:
        if n:
            text = text.replace(n, mask_name(n) or "")
    return text


def _decision_text(terms: dict[str, object], amount: Decimal) -> str:
    parts = []
    if terms.get("refund"):
        parts.append(f"责令退回医保基金{amount:,.2f}元")
    if Decimal(str(terms.get("fine", "0"))):
        parts.append(f"处罚款{Decimal(str(terms['fine'])):,.2f}元")
    if terms.get("suspension_months"):
        parts.append(f"暂停相关医保服务{terms['suspension_months']}个月")
    if terms.get("termination"):
        parts.append("解除医保服务协议")
    art = terms.get("article")
    return (f"依据《医疗保障基金使用监督管理条例》第{art}条，" if art else "") + "，".join(
        parts or ["作出行政处罚"]
    )


def publish_case(
    session: Session,
    actor: User,
    case_no: str,
    *,
    on: date,
    title: str | None = None,
    mask: list[str] | None = None,
) -> Disclosure:
    """Publish a decided case; `mask` names further persons (patients, staff) to reduce to one character."""
    require(actor, Permission.CASE_APPROVE)
    case = session.execute(select(Case).where(Case.case_no == case_no)).scalar_one_or_none()
    if case is None or case.outcome != "penalty" or not case.decision:
        raise CaseError("只能曝光已作出行政处罚决定的案件", "only decided penalty cases may be published")
    if session.execute(select(Disclosure).where(Disclosure.case_no == case_no)).scalar_one_or_none():
        raise CaseError("该案件已曝光", "already published")
    person = case.party_type == "individual"
    names = ([case.party_name] if person else []) + list(mask or [])
    party = (mask_name(case.party_name) or "") if person else case.party_name
    facts = str(json.loads(case.report or "{}").get("facts", ""))
    amount = yuan(case.amount_fen)
    d = Disclosure(
        case_no=case_no,
        title=scrub(title or case.title, names),
        party=party,
        region=case.region,
        violation=case.violation,
        amount_fen=case.amount_fen,
        facts=scrub(facts, names),
        decision=_decision_text(json.loads(case.decision), amount),
        published_on=on,
        published_by=actor.id,
    )
    session.add(d)
    session.flush()
    record(session, actor.username, "case.disclose", "case", case_no, {"on": on})
    return d


def public_feed(session: Session) -> list[dict[str, object]]:
    """The JSON feed of published typical cases (no login), newest first."""
    rows = session.execute(
        select(Disclosure).order_by(Disclosure.published_on.desc(), Disclosure.id.desc())
    ).scalars()
    return [
        {
            "case_no": d.case_no,
            "title": d.title,
            "party": d.party,
            "region": d.region,
            "violation": d.violation,
            "violation_label": VIOLATION_LABELS.get(Violation(d.violation), d.violation)
            if d.violation in Violation.__members__
            else d.violation,
            "amount": str(yuan(d.amount_fen)),
            "facts": d.facts,
            "decision": d.decision,
            "published_on": d.published_on.isoformat(),
        }
        for d in rows
    ]
