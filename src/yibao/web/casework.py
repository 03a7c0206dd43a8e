"""Opening a case from an institution's findings, with the cases library (线索 → 核查).

`intake_findings` reads every finding of the connection it is given; the console gives it an
in-memory copy holding one institution's findings only, so that "open a case" on one profile
creates one clue and one case for that institution and leaves the rest of the store to
`yibao clue intake`. The case page's read side lives here too: which steps a user is offered, and
the panel of officers and documents (`case_panel`); the forms that write are in `caseforms.py`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal

import duckdb
from sqlalchemy import select
from sqlalchemy.orm import Session

from yibao.auth.models import User
from yibao.auth.roles import ROLE_LABELS, Permission, Role, can, require
from yibao.cases.clues import intake_findings
from yibao.cases.errors import CaseError
from yibao.cases.flow import active_officers, events, open_case, procedure_for, transition
from yibao.cases.models import Case, Clue
from yibao.cases.record import get_case, yuan
from yibao.cases.states import ACTION_LABELS, STATE_LABELS, TRANSITIONS, Action, State
from yibao.cases.steps import DECISION_TYPES
from yibao.documents.casefiles import KINDS, penalty_text
from yibao.documents.render import load_template
from yibao.penalties.params import load_params
from yibao.web.data import Store

__all__ = [
    "FORM_ACTIONS",
    "ActionChoice",
    "CaseLine",
    "CasePanel",
    "DocLink",
    "allowed_actions",
    "case_panel",
    "cases_of_party",
    "officer_names",
    "open_institution_case",
    "take_step",
]


@dataclass(frozen=True)
class CaseLine:
    case_no: str
    title: str
    state: str
    state_label: str
    amount: Decimal


def cases_of_party(session: Session, user: User, code: str) -> list[CaseLine]:
    """Cases against this party, for a profile; nothing for roles that may not read cases."""
    if not can(user, Permission.CASE_READ):
        return []
    rows = session.execute(select(Case).where(Case.party_code == code).order_by(Case.id.desc())).scalars()
    return [
        CaseLine(c.case_no, c.title, c.state, STATE_LABELS.get(State(c.state), c.state), yuan(c.amount_fen))
        for c in rows
    ]


def _one_institution(store: Store, code: str) -> duckdb.DuckDBPyConnection:
    """An in-memory store holding this institution's findings and its medins row."""
    mem = duckdb.connect(":memory:")

    def copy(con: duckdb.DuckDBPyConnection) -> None:
        findings = con.sql("SELECT * FROM findings WHERE fixmedins_code = ?", params=[code]).to_arrow_table()
        medins = con.sql(
            "SELECT fixmedins_code, fixmedins_name, admdvs FROM medins WHERE fixmedins_code = ?",
            params=[code],
        ).to_arrow_table()
        mem.register("_f", findings)
        mem.register("_m", medins)
        mem.execute("CREATE TABLE findings AS SELECT * FROM _f")
        mem.execute("CREATE TABLE medins AS SELECT * FROM _m")
        mem.unregister("_f")
        mem.unregister("_m")

    store.read(copy)
    return mem


def open_institution_case(session: Session, user: User, store: Store, code: str) -> str:
    """Intake this institution's new findings into its clue and open that clue as a case; the case number."""
    require(user, Permission.CLUE_CREATE)
    require(user, Permission.CASE_OPEN)
    mem = _one_institution(store, code)
    try:
        row = mem.execute("SELECT admdvs FROM medins").fetchone()
        if row is None:
            raise CaseError(f"没有机构：{code}", f"no such institution: {code}")
        intake_findings(session, user, mem, group_by="institution")
    finally:
        mem.close()
    clue = (
        session.execute(
            select(Clue)
            .where(
                Clue.source == "finding",
                Clue.grouping == "institution",
                Clue.group_key == code,
                Clue.status.in_(("new", "assigned")),
            )
            .order_by(Clue.id.desc())
        )
        .scalars()
        .first()
    )
    if clue is None:
        raise CaseError(
            "该机构没有尚未立案核查的疑点（已有案件或无疑点）",
            "no findings of this institution are left to open a case on",
        )
    return open_case(session, user, clue.clue_no, region=str(row[0])).case_no


# Steps the console offers in one select with a reason; the others carry facts (amounts, articles,
# evidence, decisions, an opinion) and each has its own form (`yibao.web.caseforms`).
FORM_ACTIONS = (
    Action.PROPOSE_FILING,
    Action.APPROVE_FILING,
    Action.REJECT_FILING,
    Action.SUBMIT_REVIEW,
    Action.APPROVE_REVIEW,
    Action.RESUME,
    Action.SERVE,
)


@dataclass(frozen=True)
class ActionChoice:
    action: str
    label: str
    in_console: bool


def allowed_actions(user: User, state: str, officers: list[str]) -> list[ActionChoice]:
    """The steps this user's role may take on a case in this state (officer-only steps need an officer)."""
    out = []
    for action, rule in TRANSITIONS.items():
        if State(state) not in rule.sources or not can(user, rule.permission):
            continue
        if rule.by_officer and user.username not in officers:
            continue
        out.append(ActionChoice(str(action), ACTION_LABELS.get(action, str(action)), action in FORM_ACTIONS))
    return out


def take_step(session: Session, user: User, case_no: str, action: str, reason: str) -> None:
    """One payload-free step through the procedure (`flow.transition` checks everything)."""
    if action not in {str(a) for a in FORM_ACTIONS}:
        raise CaseError(
            "此操作需填写事实与金额，请用案件页面上该操作的表单办理", "this step needs facts: use its form"
        )
    transition(session, user, case_no, action, reason=reason)


def officer_names(session: Session, case: Case) -> list[str]:
    """The usernames of the case's active officers (withdrawn ones are not)."""
    return [u.username for o in active_officers(session, case) if (u := session.get(User, o.user_id))]


@dataclass(frozen=True)
class DocLink:
    kind: str
    label: str
    ready: bool  # the step it records has happened
    needs: str  # the step it waits for, in words


@dataclass(frozen=True)
class CasePanel:
    """What the case page offers beyond the record: officers to assign, the rule, documents."""

    min_officers: int
    can_staff: bool  # may assign officers and decide withdrawals (负责人)
    candidates: list[tuple[str, str]]  # (username, display) of certified officers not on the case
    withdrawable: list[str]  # officers this user may withdraw (all for the head, else only oneself)
    documents: list[DocLink]
    can_documents: bool
    notice_text: str  # the notified penalty in the documents' words
    decision_text: str


def case_panel(session: Session, user: User, case_no: str) -> CasePanel:
    """From the rules the library enforces (roles, 执法证, state); the library re-checks every post."""
    case = get_case(session, case_no)
    on_case = set(officer_names(session, case))
    can_staff = can(user, Permission.CASE_APPROVE) and case.state != State.CLOSED
    candidates = []
    if can_staff:
        for u in session.execute(select(User).where(User.active.is_(True)).order_by(User.username)).scalars():
            if u.username not in on_case and u.cert_no and can(u, Permission.CASE_INVESTIGATE):
                role = ROLE_LABELS.get(Role(u.role), u.role)
                candidates.append(
                    (u.username, f"{u.display_name}（{u.username}，{role}，执法证{u.cert_no}）")
                )
    withdrawable = sorted(on_case) if can_staff else sorted(on_case & {user.username})
    done = {e.action for e in events(session, case)}
    notice, decision = json.loads(case.notice or "{}"), json.loads(case.decision or "{}")
    penalty_decided = decision.get("type") == "penalty"
    documents = []
    for kind, label in KINDS.items():
        needs = str(load_template(kind)["requires_action"])
        ready = needs in done and (kind != "decision" or penalty_decided)
        documents.append(DocLink(kind, label, ready, ACTION_LABELS.get(Action(needs), needs)))
    return CasePanel(
        min_officers=procedure_for(case, load_params()).min_officers,
        can_staff=can_staff,
        candidates=candidates,
        withdrawable=withdrawable,
        documents=documents,
        can_documents=can(user, Permission.DOCUMENT_GENERATE),
        notice_text=penalty_text(notice, case.party_type) if notice else "",
        decision_text=(penalty_text(decision, case.party_type) if penalty_decided else "")
        or DECISION_TYPES.get(str(decision.get("type")), ""),
    )
