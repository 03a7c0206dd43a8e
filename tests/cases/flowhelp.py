"""Steps shared by the case-flow tests: a clue, a case, and the walk up to a given point."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine

from yibao.auth.models import User
from yibao.cases.clues import create_clue
from yibao.cases.db import open_session
from yibao.cases.flow import assign_officer, open_case, transition

H1 = "H43010200001"
T0 = datetime(2026, 3, 2, 9, 0)


def new_case(
    engine: Engine,
    staff: dict[str, User],
    *,
    amount: float = 20000,
    party: str = "institution",
    officers: tuple[str, ...] = ("li",),
) -> str:
    with open_session(engine) as s:
        if party == "institution":
            clue = create_clue(
                s,
                staff["wang"],
                source="inspection",
                title="飞行检查发现重复收费",
                fixmedins_code=H1,
                party_name="长沙市第一人民医院",
                amount=amount,
                score=0.8,
            )
            case = open_case(s, staff["wang"], clue.clue_no, region="430102", now=T0)
        else:
            clue = create_clue(
                s,
                staff["wang"],
                source="report",
                title="举报冒名就医",
                psn_no="P001",
                amount=amount,
                score=0.8,
            )
            case = open_case(
                s,
                staff["wang"],
                clue.clue_no,
                region="430102",
                party_name="张三",
                party_certno="430102198001010012",
                now=T0,
            )
        for name in officers:
            assign_officer(s, staff["boss"], case.case_no, name, now=T0)
        return case.case_no


def step(
    engine: Engine, user: User, case_no: str, action: str, now: datetime = T0, **payload: object
) -> None:
    with open_session(engine) as s:
        transition(s, user, case_no, action, payload=payload, reason=f"{action} 理由", now=now)


def to_investigation(engine: Engine, staff: dict[str, User], case_no: str, now: datetime = T0) -> None:
    step(engine, staff["wang"], case_no, "propose_filing", now)
    step(engine, staff["boss"], case_no, "approve_filing", now)
    step(engine, staff["li"], case_no, "add_evidence", now, evidence="调取HIS收费记录")


def to_notice(
    engine: Engine,
    staff: dict[str, User],
    case_no: str,
    article: int = 38,
    amount: str = "20000",
    **conclude: object,
) -> None:
    to_investigation(engine, staff, case_no)
    step(
        engine,
        staff["wang"],
        case_no,
        "conclude_investigation",
        article=article,
        amount=amount,
        violation_date="2025-11-01",
        facts="重复收费",
        **conclude,
    )
    step(engine, staff["wang"], case_no, "issue_notice")
