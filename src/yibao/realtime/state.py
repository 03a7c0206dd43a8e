"""State across settlements: who was treated where and when, which packs were sold, what was answered.

Two backends with one contract. `EmbeddedState` keeps it in a SQLite file beside the store (one
worker; a restart loses nothing). `RedisState` keeps it in a Redis server that several workers
share; per-person and per-pack locks make two workers judging the same person take turns.
An *encounter bundle* is one encounter with its settlement, diagnoses and fee lines, as
JSON-ready contract rows; the outbox holds what the service saw until it is written to the store.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, Protocol

from yibao.realtime.rows import COLS, FEE, trace_codes

__all__ = ["EmbeddedState", "RedisState", "State", "open_state"]

MDTRT_ID = COLS["mdtrt"].index("mdtrt_id")
PSN_NO = COLS["mdtrt"].index("psn_no")

Bundle = dict[str, Any]
Seed = tuple[str, str, str]  # (mdtrt_id, psn_no, bundle JSON) or (code, feedetl_sn, line JSON)


class State(Protocol):
    """What the service needs to remember between settlements."""

    def decision(self, request_id: str) -> str | None: ...
    def save_decision(self, request_id: str, body: str) -> str: ...
    def history(self, psn_no: str) -> list[Bundle]: ...
    def trace_sales(self, codes: list[str]) -> list[Bundle]: ...
    def record(self, bundle: Bundle, entry: dict[str, Any], settled: bool) -> None: ...
    def take_outbox(self, limit: int) -> tuple[Any, list[dict[str, Any]]]: ...
    def ack_outbox(self, token: Any) -> None: ...
    def seeded(self) -> str | None: ...
    def mark_seeded(self, fingerprint: str) -> None: ...
    def seed(self, fingerprint: str, encounters: Iterable[Seed], sales: Iterable[Seed]) -> None: ...
    def lock(self, keys: list[str], wait_s: float = 5.0) -> contextlib.AbstractContextManager[None]: ...
    def close(self) -> None: ...


def _trace_rows(bundle: Bundle) -> list[tuple[str, str, str]]:
    """(code, feedetl_sn, `[psn_no, mdtrt_id]`) for every traceability code sold in the bundle; the
    sale itself is read from the encounter when needed, so it is stored once."""
    mdtrt_id, psn_no = _enc(bundle)
    ref = json.dumps([psn_no, mdtrt_id], ensure_ascii=False)
    return [(code, line[FEE.feedetl_sn], ref) for line in bundle.get("fee", []) for code in trace_codes(line)]


def _sales(hits: list[tuple[str, str]], encounter: Any) -> list[Bundle]:
    """Each sold line with its encounter and settlement rows (a bundle of one line)."""
    out = []
    cache: dict[str, Bundle | None] = {}
    for sn, ref in hits:
        psn_no, mdtrt_id = json.loads(ref)
        if mdtrt_id not in cache:
            cache[mdtrt_id] = encounter(psn_no, mdtrt_id)
        b = cache[mdtrt_id]
        lines = [r for r in b["fee"] if r[FEE.feedetl_sn] == sn] if b else []
        if b and lines:
            out.append({"mdtrt": b["mdtrt"], "setl": b["setl"], "diag": [], "fee": lines})
    return out


def _enc(bundle: Bundle) -> tuple[str, str]:
    m = bundle["mdtrt"]
    return m[MDTRT_ID], m[PSN_NO]


class EmbeddedState:
    """SQLite file (WAL); one process. Every write commits before the answer goes out."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._con = sqlite3.connect(str(self.path), check_same_thread=False, isolation_level=None)
        self._mutex = threading.RLock()
        self._con.executescript(
            """
            PRAGMA journal_mode = WAL;
            PRAGMA synchronous = NORMAL;
            CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
            CREATE TABLE IF NOT EXISTS decision (request_id TEXT PRIMARY KEY, body TEXT NOT NULL, created REAL);
            CREATE TABLE IF NOT EXISTS encounter (mdtrt_id TEXT PRIMARY KEY, psn_no TEXT NOT NULL, bundle TEXT NOT NULL);
            CREATE INDEX IF NOT EXISTS ix_encounter_psn ON encounter (psn_no);
            CREATE TABLE IF NOT EXISTS trace (trac_code TEXT, feedetl_sn TEXT, ref TEXT NOT NULL,
                                              PRIMARY KEY (trac_code, feedetl_sn));
            CREATE TABLE IF NOT EXISTS outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, entry TEXT NOT NULL);
            """
        )

    def decision(self, request_id: str) -> str | None:
        with self._mutex:
            row = self._con.execute(
                "SELECT body FROM decision WHERE request_id = ?", (request_id,)
            ).fetchone()
        return row[0] if row else None

    def save_decision(self, request_id: str, body: str) -> str:
        with self._mutex:
            self._con.execute(
                "INSERT OR IGNORE INTO decision VALUES (?, ?, ?)", (request_id, body, time.time())
            )
            return self.decision(request_id) or body

    def history(self, psn_no: str) -> list[Bundle]:
        with self._mutex:
            rows = self._con.execute("SELECT bundle FROM encounter WHERE psn_no = ?", (psn_no,)).fetchall()
        return [json.loads(r[0]) for r in rows]

    def trace_sales(self, codes: list[str]) -> list[Bundle]:
        if not codes:
            return []
        marks = ", ".join("?" for _ in codes)
        with self._mutex:
            hits = self._con.execute(
                f"SELECT DISTINCT feedetl_sn, ref FROM trace WHERE trac_code IN ({marks})", codes
            ).fetchall()
        return _sales(hits, self._encounter)

    def _encounter(self, psn_no: str, mdtrt_id: str) -> Bundle | None:
        with self._mutex:
            row = self._con.execute("SELECT bundle FROM encounter WHERE mdtrt_id = ?", (mdtrt_id,)).fetchone()
        return json.loads(row[0]) if row else None

    def record(self, bundle: Bundle, entry: dict[str, Any], settled: bool) -> None:
        with self._mutex:
            self._con.execute("BEGIN IMMEDIATE")
            try:
                if settled:
                    self._put(bundle)
                self._con.execute(
                    "INSERT INTO outbox (entry) VALUES (?)", (json.dumps(entry, ensure_ascii=False),)
                )
                self._con.execute("COMMIT")
            except BaseException:
                self._con.execute("ROLLBACK")
                raise

    def _put(self, bundle: Bundle) -> None:
        self._con.execute(
            "INSERT OR REPLACE INTO encounter VALUES (?, ?, ?)",
            (*_enc(bundle), json.dumps(bundle, ensure_ascii=False)),
        )
        self._con.executemany("INSERT OR REPLACE INTO trace VALUES (?, ?, ?)", _trace_rows(bundle))

    def take_outbox(self, limit: int) -> tuple[Any, list[dict[str, Any]]]:
        with self._mutex:
            rows = self._con.execute(
                "SELECT seq, entry FROM outbox ORDER BY seq LIMIT ?", (limit,)
            ).fetchall()
        return (rows[-1][0] if rows else None), [json.loads(r[1]) for r in rows]

    def ack_outbox(self, token: Any) -> None:
        if token is not None:
            with self._mutex:
                self._con.execute("DELETE FROM outbox WHERE seq <= ?", (token,))

    def seeded(self) -> str | None:
        with self._mutex:
            row = self._con.execute("SELECT value FROM meta WHERE key = 'seeded'").fetchone()
        return row[0] if row else None

    def mark_seeded(self, fingerprint: str) -> None:
        with self._mutex:
            self._con.execute("INSERT OR REPLACE INTO meta VALUES ('seeded', ?)", (fingerprint,))

    def seed(self, fingerprint: str, encounters: Iterable[Seed], sales: Iterable[Seed]) -> None:
        """History from the store; encounters the service recorded itself are kept as they are."""
        with self._mutex:
            self._con.execute("BEGIN IMMEDIATE")
            try:
                self._con.executemany("INSERT OR IGNORE INTO encounter VALUES (?, ?, ?)", encounters)
                self._con.executemany("INSERT OR IGNORE INTO trace VALUES (?, ?, ?)", sales)
                self._con.execute("INSERT OR REPLACE INTO meta VALUES ('seeded', ?)", (fingerprint,))
                self._con.execute("COMMIT")
            except BaseException:
                self._con.execute("ROLLBACK")
                raise
            self._con.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    @contextlib.contextmanager
    def lock(self, keys: list[str], wait_s: float = 5.0) -> Iterator[None]:
        with self._mutex:
            yield

    def close(self) -> None:
        with self._mutex:
            self._con.close()


class RedisState:
    """The same state in Redis, shared by several workers (and several machines)."""

    _UNLOCK = (
        "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end"
    )

    def __init__(self, url: str, prefix: str = "yb:", decision_ttl_s: int = 30 * 86400) -> None:
        import redis

        self._r = redis.Redis.from_url(url, decode_responses=True, socket_timeout=5)
        self._r.ping()
        self.p = prefix
        self.ttl = decision_ttl_s
        self._unlock = self._r.register_script(self._UNLOCK)

    def decision(self, request_id: str) -> str | None:
        return self._r.get(f"{self.p}dec:{request_id}")

    def save_decision(self, request_id: str, body: str) -> str:
        key = f"{self.p}dec:{request_id}"
        if self._r.set(key, body, nx=True, ex=self.ttl):
            return body
        return self._r.get(key) or body

    def history(self, psn_no: str) -> list[Bundle]:
        return [json.loads(v) for v in self._r.hvals(f"{self.p}enc:{psn_no}")]

    def trace_sales(self, codes: list[str]) -> list[Bundle]:
        if not codes:
            return []
        pipe = self._r.pipeline(transaction=False)
        for code in codes:
            pipe.hgetall(f"{self.p}trace:{code}")
        hits = sorted({(sn, ref) for found in pipe.execute() for sn, ref in found.items()})
        return _sales(hits, self._encounter)

    def _encounter(self, psn_no: str, mdtrt_id: str) -> Bundle | None:
        text = self._r.hget(f"{self.p}enc:{psn_no}", mdtrt_id)
        return json.loads(text) if text else None

    def _put(self, pipe: Any, bundle: Bundle) -> None:
        mdtrt_id, psn_no = _enc(bundle)
        pipe.hset(f"{self.p}enc:{psn_no}", mdtrt_id, json.dumps(bundle, ensure_ascii=False))
        for code, sn, text in _trace_rows(bundle):
            pipe.hset(f"{self.p}trace:{code}", sn, text)

    def record(self, bundle: Bundle, entry: dict[str, Any], settled: bool) -> None:
        pipe = self._r.pipeline(transaction=True)
        if settled:
            self._put(pipe, bundle)
        pipe.rpush(f"{self.p}outbox", json.dumps(entry, ensure_ascii=False))
        pipe.execute()

    def take_outbox(self, limit: int) -> tuple[Any, list[dict[str, Any]]]:
        token = str(uuid.uuid4())
        if not self._r.set(f"{self.p}outbox-lock", token, nx=True, px=60_000):
            return None, []
        items = self._r.lrange(f"{self.p}outbox", 0, limit - 1)
        if not items:
            self._unlock(keys=[f"{self.p}outbox-lock"], args=[token])
            return None, []
        return (token, len(items)), [json.loads(v) for v in items]

    def ack_outbox(self, token: Any) -> None:
        if token is None:
            return
        lock_token, n = token
        self._r.ltrim(f"{self.p}outbox", n, -1)
        self._unlock(keys=[f"{self.p}outbox-lock"], args=[lock_token])

    def release_outbox(self, token: Any) -> None:
        if token is not None:
            self._unlock(keys=[f"{self.p}outbox-lock"], args=[token[0]])

    def seeded(self) -> str | None:
        return self._r.get(f"{self.p}seeded")

    def mark_seeded(self, fingerprint: str) -> None:
        self._r.set(f"{self.p}seeded", fingerprint)

    def seed(self, fingerprint: str, encounters: Iterable[Seed], sales: Iterable[Seed]) -> None:
        pipe = self._r.pipeline(transaction=False)
        for n, (mdtrt_id, psn_no, text) in enumerate(encounters, 1):
            pipe.hsetnx(f"{self.p}enc:{psn_no}", mdtrt_id, text)
            if n % 2000 == 0:
                pipe.execute()
        for n, (code, sn, text) in enumerate(sales, 1):
            pipe.hsetnx(f"{self.p}trace:{code}", sn, text)
            if n % 2000 == 0:
                pipe.execute()
        pipe.set(f"{self.p}seeded", fingerprint)
        pipe.execute()

    @contextlib.contextmanager
    def lock(self, keys: list[str], wait_s: float = 5.0) -> Iterator[None]:
        """Per-person / per-pack locks, taken in sorted order so two workers cannot deadlock."""
        token = str(uuid.uuid4())
        held: list[str] = []
        try:
            for key in sorted(set(keys)):
                name = f"{self.p}lock:{key}"
                deadline = time.monotonic() + wait_s
                while not self._r.set(name, token, nx=True, px=int(wait_s * 1000)):
                    if time.monotonic() > deadline:
                        raise TimeoutError(f"state lock busy: {key}")
                    time.sleep(0.0005)
                held.append(name)
            yield
        finally:
            for name in held:
                self._unlock(keys=[name], args=[token])

    def close(self) -> None:
        self._r.close()


def open_state(redis_url: str | None, path: Path | str) -> State:
    """Redis when a URL is given, else the embedded SQLite file."""
    if redis_url:
        return RedisState(redis_url)
    return EmbeddedState(path)
