"""The append-only, hash-chained audit log (全过程记录) and its verification.

Each entry's hash covers its sequence number, time, actor, action, object and payload
and the previous entry's hash; the chain head (last seq and hash) is kept in its own
row. An edited entry breaks its own hash, a deleted or reordered one breaks the links
or the numbering, and a cut-off tail no longer matches the head.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from yibao.audit.models import AuditEntry, AuditHead

__all__ = [
    "GENESIS",
    "Problem",
    "VerifyReport",
    "canonical_json",
    "entry_hash",
    "lock_chain",
    "record",
    "verify",
]

GENESIS = "0" * 64


def canonical_json(payload: Mapping[str, object]) -> str:
    """One text per payload whatever the dict order, so the hash is reproducible anywhere."""
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def entry_hash(
    prev_hash: str,
    seq: int,
    created: str,
    actor: str,
    action: str,
    object_type: str,
    object_id: str,
    payload: str,
) -> str:
    body = json.dumps([seq, created, actor, action, object_type, object_id, payload], ensure_ascii=False)
    return hashlib.sha256(f"{prev_hash}\n{body}".encode()).hexdigest()


def lock_chain(session: Session) -> AuditHead:
    """Take the chain head's row lock: every writing service call passes here, so it also
    serialises numbering (case and clue numbers) across concurrent writers."""
    return session.execute(select(AuditHead).where(AuditHead.id == 1).with_for_update()).scalar_one()


def record(
    session: Session,
    actor: str,
    action: str,
    object_type: str,
    object_id: str | int,
    payload: Mapping[str, object] | None = None,
    *,
    now: datetime | None = None,
) -> AuditEntry:
    """Append one entry in the caller's transaction: the log commits or rolls back with the change."""
    head = lock_chain(session)
    created = (now or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    body = canonical_json(payload or {})
    seq = head.seq + 1
    digest = entry_hash(head.hash, seq, created, actor, action, object_type, str(object_id), body)
    entry = AuditEntry(
        seq=seq,
        created=created,
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        payload=body,
        prev_hash=head.hash,
        hash=digest,
    )
    session.add(entry)
    head.seq, head.hash = seq, digest
    session.flush()
    return entry


@dataclass(frozen=True, slots=True)
class Problem:
    seq: int
    kind: str  # edited / deleted / reordered / truncated
    message: str


@dataclass(slots=True)
class VerifyReport:
    entries: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(session: Session) -> VerifyReport:
    """Walk the chain in sequence order and report every break (never stops at the first)."""
    report = VerifyReport()
    expected_prev, expected_seq, last_hash, last_seq = GENESIS, 1, GENESIS, 0
    rows = session.execute(select(AuditEntry).order_by(AuditEntry.seq).execution_options(yield_per=1000))
    for entry in rows.scalars():
        report.entries += 1
        recomputed = entry_hash(
            entry.prev_hash,
            entry.seq,
            entry.created,
            entry.actor,
            entry.action,
            entry.object_type,
            entry.object_id,
            entry.payload,
        )
        if recomputed != entry.hash:
            report.problems.append(Problem(entry.seq, "edited", f"第{entry.seq}条内容被修改 / entry edited"))
        if entry.seq != expected_seq:
            kind = "deleted" if entry.seq > expected_seq else "reordered"
            report.problems.append(
                Problem(
                    entry.seq,
                    kind,
                    f"应为第{expected_seq}条，实为第{entry.seq}条（条目缺失或顺序被改）/ "
                    f"expected seq {expected_seq}, found {entry.seq}",
                )
            )
        elif entry.prev_hash != expected_prev:
            report.problems.append(
                Problem(
                    entry.seq,
                    "reordered",
                    f"第{entry.seq}条与前一条不衔接（条目被删、插入或调换）/ chain link broken",
                )
            )
        expected_prev, expected_seq = entry.hash, entry.seq + 1
        last_hash, last_seq = entry.hash, entry.seq
    head = session.get(AuditHead, 1)
    if head is None:
        report.problems.append(Problem(0, "truncated", "链头缺失 / chain head missing"))
    elif (head.seq, head.hash) != (last_seq, last_hash):
        report.problems.append(
            Problem(
                head.seq,
                "truncated",
                f"链头记录第{head.seq}条，日志止于第{last_seq}条（末尾条目被删或被改）/ "
                f"head says {head.seq}, log ends at {last_seq}",
            )
        )
    return report
