"""Typical cases published without personal data, as a JSON feed anyone can read."""

from __future__ import annotations

from datetime import date

import pytest

from cases.flowhelp import new_case, step, to_investigation
from yibao.auth.roles import PermissionDenied
from yibao.cases.db import open_session
from yibao.cases.errors import CaseError
from yibao.credit.disclosure import public_feed, publish_case, scrub

FACTS = "为参保人张三（身份证430102198001010012，电话13800001111）重复收费"


def test_disclosure_publishes_decided_cases_without_personal_data(engine, staff):
    no = new_case(engine, staff)
    to_investigation(engine, staff, no)
    step(
        engine,
        staff["wang"],
        no,
        "conclude_investigation",
        article=38,
        amount="20000",
        violation_date="2025-11-01",
        facts=FACTS,
    )
    step(engine, staff["wang"], no, "issue_notice")
    with open_session(engine) as s, pytest.raises(CaseError):
        publish_case(s, staff["boss"], no, on=date(2026, 4, 1))  # not decided yet
    step(engine, staff["boss"], no, "decide", type="penalty")
    with open_session(engine) as s:
        with pytest.raises(PermissionDenied):
            publish_case(s, staff["wang"], no, on=date(2026, 4, 1))
        publish_case(s, staff["boss"], no, on=date(2026, 4, 1), title="某医院重复收费被处罚", mask=["张三"])
        with pytest.raises(CaseError):
            publish_case(s, staff["boss"], no, on=date(2026, 4, 2))
    with open_session(engine) as s:
        [item] = public_feed(s)
    text = str(item)
    assert "430102198001010012" not in text and "13800001111" not in text and "张三" not in text
    assert "430102********0012" in item["facts"] and "138****1111" in item["facts"]
    assert (
        item["party"] == "长沙市第一人民医院" and "第38条" in item["decision"] and "退回" in item["decision"]
    )


def test_disclosure_scrub_masks_the_persons_name():
    assert scrub("李四冒用他人凭证", ["李四"]) == "李*冒用他人凭证"
