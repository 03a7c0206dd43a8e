"""The audit chain: appended in the writer's transaction, verified, and broken by any tampering."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from yibao.audit.log import record, verify
from yibao.cases.db import open_session


def _fill(engine: Engine, n: int = 5) -> None:
    with open_session(engine) as s:
        for i in range(n):
            record(s, "wang", "case.transition", "case", i, {"i": i, "说明": "立案"})


def _as_dba(engine: Engine, *statements: str) -> None:
    """Tamper the way a database administrator could: drop the append-only guard first."""
    with engine.begin() as con:
        if con.dialect.name == "postgresql":
            con.execute(text("DROP TRIGGER audit_log_no_change ON audit_log"))
        else:
            con.execute(text("DROP TRIGGER audit_log_no_update"))
            con.execute(text("DROP TRIGGER audit_log_no_delete"))
        for sql in statements:
            con.execute(text(sql))


def test_audit_fresh_chain_verifies(engine):
    _fill(engine)
    with open_session(engine) as s:
        report = verify(s)
    assert report.ok and report.entries == 5


def test_audit_rolled_back_change_leaves_no_entry(engine):
    _fill(engine, 2)
    with pytest.raises(RuntimeError), open_session(engine) as s:
        record(s, "wang", "x", "case", 1, {})
        raise RuntimeError("abort")
    with open_session(engine) as s:
        report = verify(s)
    assert report.ok and report.entries == 2


def test_audit_log_refuses_update_and_delete(engine):
    _fill(engine, 2)
    for sql in ("UPDATE audit_log SET actor = 'x' WHERE seq = 1", "DELETE FROM audit_log WHERE seq = 1"):
        with pytest.raises(DBAPIError), engine.begin() as con:
            con.execute(text(sql))


@pytest.mark.parametrize(
    ("statements", "kind"),
    [
        (["UPDATE audit_log SET payload = '{\"i\": 99}' WHERE seq = 3"], "edited"),
        (["UPDATE audit_log SET actor = 'li' WHERE seq = 1"], "edited"),
        (["DELETE FROM audit_log WHERE seq = 2"], "deleted"),
        (["DELETE FROM audit_log WHERE seq = 5"], "truncated"),
        # swap entries 2 and 3 (sequence numbers exchanged, contents kept)
        (
            [
                "UPDATE audit_log SET seq = 100 WHERE seq = 2",
                "UPDATE audit_log SET seq = 2 WHERE seq = 3",
                "UPDATE audit_log SET seq = 3 WHERE seq = 100",
            ],
            "edited",
        ),
    ],
    ids=["payload-edited", "actor-edited", "middle-deleted", "tail-deleted", "swapped"],
)
def test_audit_verify_detects_tampering(engine, statements, kind):
    _fill(engine)
    _as_dba(engine, *statements)
    with open_session(engine) as s:
        report = verify(s)
    assert not report.ok
    assert kind in {p.kind for p in report.problems}, report.problems


def test_audit_verify_detects_rehashed_edit_by_chain_link(engine):
    """An editor who recomputes the edited entry's own hash still breaks the next link."""
    from yibao.audit.log import entry_hash

    _fill(engine)
    with open_session(engine) as s:
        row = s.execute(
            text(
                "SELECT prev_hash, created, actor, action, object_type, object_id "
                "FROM audit_log WHERE seq = 2"
            )
        ).one()
    forged = entry_hash(row[0], 2, row[1], row[2], row[3], row[4], row[5], '{"i": 42}')
    _as_dba(engine, f"UPDATE audit_log SET payload = '{{\"i\": 42}}', hash = '{forged}' WHERE seq = 2")
    with open_session(engine) as s:
        report = verify(s)
    assert [p.kind for p in report.problems] == ["reordered"]
    assert report.problems[0].seq == 3


def test_audit_concurrent_writers_keep_one_chain(engine):
    """Four writers at once (threads, one connection each) still extend a single unbroken chain."""
    import threading

    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            for i in range(10):
                with open_session(engine) as s:
                    record(s, f"w{n}", "x", "case", i, {"n": n, "i": i})
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    with open_session(engine) as s:
        report = verify(s)
    assert report.ok and report.entries == 40
