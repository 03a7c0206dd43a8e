"""The case procedure of 《医疗保障行政处罚程序暂行规定》 (国家医保局令第4号) as a transition table.

States are a `StrEnum`; which action leads from which states to which state, who may
take it (permission) and whether only the case's own officers may (two-officer rule,
回避) is data in `TRANSITIONS`. `flow.transition` is the only writer of a case's state.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from yibao.auth.roles import Permission

__all__ = ["ACTION_LABELS", "OPEN_CLOCK", "STATE_LABELS", "TRANSITIONS", "Action", "State", "Transition"]


class State(StrEnum):
    VERIFICATION = "verification"  # 线索核查
    FILING_APPROVAL = "filing_approval"  # 立案审批
    INVESTIGATION = "investigation"  # 立案后调查取证
    CONCLUDED = "concluded"  # 调查终结
    LEGAL_REVIEW = "legal_review"  # 法制审核
    REVIEWED = "reviewed"  # 法制审核通过
    NOTIFIED = "notified"  # 已告知，陈述申辩期
    HEARING = "hearing"  # 听证
    DECIDED = "decided"  # 已作出处罚决定
    EXECUTING = "executing"  # 已送达，执行中
    AGREEMENT = "agreement"  # 交经办机构协议处理
    TRANSFERRED = "transferred"  # 已移送
    CLOSED = "closed"  # 结案


STATE_LABELS: dict[State, str] = {
    State.VERIFICATION: "线索核查",
    State.FILING_APPROVAL: "立案审批",
    State.INVESTIGATION: "调查取证",
    State.CONCLUDED: "调查终结",
    State.LEGAL_REVIEW: "法制审核",
    State.REVIEWED: "法制审核通过",
    State.NOTIFIED: "已告知（陈述申辩期）",
    State.HEARING: "听证",
    State.DECIDED: "已作出决定",
    State.EXECUTING: "执行中",
    State.AGREEMENT: "协议处理",
    State.TRANSFERRED: "已移送",
    State.CLOSED: "结案",
}


class Action(StrEnum):
    PROPOSE_FILING = "propose_filing"
    APPROVE_FILING = "approve_filing"
    REJECT_FILING = "reject_filing"
    DISMISS = "dismiss"
    REFER_AGREEMENT = "refer_agreement"
    RECORD_AGREEMENT = "record_agreement"
    TRANSFER = "transfer"
    ADD_EVIDENCE = "add_evidence"
    CONCLUDE = "conclude_investigation"
    RESUME = "resume_investigation"
    SUBMIT_REVIEW = "submit_review"
    APPROVE_REVIEW = "approve_review"
    REJECT_REVIEW = "reject_review"
    ISSUE_NOTICE = "issue_notice"
    RECEIVE_STATEMENT = "receive_statement"
    REQUEST_HEARING = "request_hearing"
    CONCLUDE_HEARING = "conclude_hearing"
    DECIDE = "decide"
    SERVE = "serve"
    RECORD_EXECUTION = "record_execution"
    CLOSE = "close"
    EXTEND = "extend"
    # not state changes, but steps of the record all the same
    OPEN = "open"
    ASSIGN_OFFICER = "assign_officer"
    WITHDRAW_OFFICER = "withdraw_officer"


ACTION_LABELS: dict[Action, str] = {
    Action.OPEN: "受理线索、开始核查",
    Action.PROPOSE_FILING: "提请立案",
    Action.APPROVE_FILING: "批准立案",
    Action.REJECT_FILING: "不予批准立案，退回核查",
    Action.DISMISS: "核查后不予立案（未发现违法事实）",
    Action.REFER_AGREEMENT: "交经办机构按服务协议处理",
    Action.RECORD_AGREEMENT: "登记协议处理措施",
    Action.TRANSFER: "移送（公安、纪检监察、卫生健康等）",
    Action.ADD_EVIDENCE: "登记证据",
    Action.CONCLUDE: "调查终结，提出处理意见",
    Action.RESUME: "补充调查",
    Action.SUBMIT_REVIEW: "提交法制审核",
    Action.APPROVE_REVIEW: "法制审核通过",
    Action.REJECT_REVIEW: "法制审核退回补充调查",
    Action.ISSUE_NOTICE: "送达行政处罚事先告知书",
    Action.RECEIVE_STATEMENT: "听取陈述申辩",
    Action.REQUEST_HEARING: "当事人申请听证",
    Action.CONCLUDE_HEARING: "听证结束",
    Action.DECIDE: "作出决定",
    Action.SERVE: "送达决定书",
    Action.RECORD_EXECUTION: "登记执行情况",
    Action.CLOSE: "结案",
    Action.EXTEND: "批准延长办案期限",
    Action.ASSIGN_OFFICER: "指派执法人员",
    Action.WITHDRAW_OFFICER: "执法人员回避",
}


@dataclass(frozen=True, slots=True)
class Transition:
    action: Action
    sources: frozenset[State]
    target: State | None  # None: the state stays (a step recorded within it)
    permission: Permission
    by_officer: bool  # only an active officer of the case may take it


S, A, P = State, Action, Permission
_BEFORE_DECISION = frozenset(
    {S.INVESTIGATION, S.CONCLUDED, S.LEGAL_REVIEW, S.REVIEWED, S.NOTIFIED, S.HEARING}
)


def _t(
    action: Action, sources: set[State], target: State | None, perm: Permission, officer: bool
) -> Transition:
    return Transition(action, frozenset(sources), target, perm, officer)


TRANSITIONS: dict[Action, Transition] = {
    t.action: t
    for t in (
        _t(A.PROPOSE_FILING, {S.VERIFICATION}, S.FILING_APPROVAL, P.CASE_INVESTIGATE, True),
        _t(A.APPROVE_FILING, {S.FILING_APPROVAL}, S.INVESTIGATION, P.CASE_APPROVE, False),
        _t(A.REJECT_FILING, {S.FILING_APPROVAL}, S.VERIFICATION, P.CASE_APPROVE, False),
        _t(A.DISMISS, {S.VERIFICATION}, S.CLOSED, P.CASE_APPROVE, False),
        _t(
            A.REFER_AGREEMENT,
            {S.VERIFICATION, S.INVESTIGATION, S.CONCLUDED},
            S.AGREEMENT,
            P.CASE_APPROVE,
            False,
        ),
        _t(A.RECORD_AGREEMENT, {S.AGREEMENT}, None, P.CASE_AGREEMENT, False),
        _t(A.TRANSFER, {S.VERIFICATION, *_BEFORE_DECISION}, S.TRANSFERRED, P.CASE_APPROVE, False),
        _t(A.ADD_EVIDENCE, {S.VERIFICATION, S.INVESTIGATION}, None, P.CASE_INVESTIGATE, True),
        _t(A.CONCLUDE, {S.INVESTIGATION}, S.CONCLUDED, P.CASE_INVESTIGATE, True),
        _t(A.RESUME, {S.CONCLUDED}, S.INVESTIGATION, P.CASE_INVESTIGATE, True),
        _t(A.SUBMIT_REVIEW, {S.CONCLUDED}, S.LEGAL_REVIEW, P.CASE_INVESTIGATE, True),
        _t(A.APPROVE_REVIEW, {S.LEGAL_REVIEW}, S.REVIEWED, P.CASE_LEGAL_REVIEW, False),
        _t(A.REJECT_REVIEW, {S.LEGAL_REVIEW}, S.INVESTIGATION, P.CASE_LEGAL_REVIEW, False),
        _t(A.ISSUE_NOTICE, {S.CONCLUDED, S.REVIEWED, S.NOTIFIED}, S.NOTIFIED, P.CASE_INVESTIGATE, True),
        _t(A.RECEIVE_STATEMENT, {S.NOTIFIED}, None, P.CASE_INVESTIGATE, True),
        _t(A.REQUEST_HEARING, {S.NOTIFIED}, S.HEARING, P.CASE_INVESTIGATE, True),
        _t(A.CONCLUDE_HEARING, {S.HEARING}, S.NOTIFIED, P.CASE_INVESTIGATE, True),
        # target depends on the decision type: penalty → DECIDED, none → CLOSED, judicial → TRANSFERRED
        _t(A.DECIDE, {S.CONCLUDED, S.REVIEWED, S.NOTIFIED}, S.DECIDED, P.CASE_APPROVE, False),
        _t(A.SERVE, {S.DECIDED}, S.EXECUTING, P.CASE_INVESTIGATE, True),
        _t(A.RECORD_EXECUTION, {S.EXECUTING}, None, P.CASE_INVESTIGATE, True),
        _t(A.CLOSE, {S.EXECUTING, S.TRANSFERRED, S.AGREEMENT}, S.CLOSED, P.CASE_APPROVE, False),
        _t(A.EXTEND, set(_BEFORE_DECISION), None, P.CASE_APPROVE, False),
    )
}

# While the decision clock runs (立案 → 决定), per 令第4号 Art. 45; time in HEARING does not count.
OPEN_CLOCK = _BEFORE_DECISION
