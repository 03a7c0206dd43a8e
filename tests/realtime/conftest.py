"""Fixtures of the review-service tests: a small city, real servers started and stopped here.

`yibao serve` runs as a subprocess on a free port (the way a user starts it), Redis is Debian's
redis-server in a temp dir on a free port; both are stopped after the tests that use them.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import httpx
import pytest
from realtime_cases import Roles, pick_roles

from yibao.ingest import ingest
from yibao.synth import generate

REDIS = shutil.which("redis-server") or "/usr/bin/redis-server"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def city_template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Roles]:
    """A small city ingested into a store, with one person in the death registry (knowledge)."""
    root = tmp_path_factory.mktemp("rt_city")
    generate(root / "data", persons=500, months=2, seed=11)
    ingest(root / "data", root / "city.duckdb")
    roles = pick_roles(root / "city.duckdb")
    con = duckdb.connect(str(root / "city.duckdb"))
    con.execute("INSERT INTO death (psn_no, dead_date) VALUES (?, DATE '2026-01-01')", [roles.dead])
    con.close()
    return root / "city.duckdb", roles


@pytest.fixture
def city(city_template: tuple[Path, Roles], tmp_path: Path) -> tuple[Path, Roles]:
    """A private copy of the city store for one test."""
    src, roles = city_template
    db = tmp_path / "city.duckdb"
    shutil.copy(src, db)
    return db, roles


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A throwaway redis-server (no persistence) on a free port."""
    port = free_port()
    folder = tmp_path_factory.mktemp("redis")
    proc = subprocess.Popen(
        [
            REDIS,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--dir",
            str(folder),
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    import redis

    client = redis.Redis(port=port)
    deadline = time.monotonic() + 20
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                raise RuntimeError("redis-server did not start") from None
            time.sleep(0.1)
    client.close()
    yield f"redis://127.0.0.1:{port}/0"
    proc.terminate()
    proc.wait(timeout=10)


class Server:
    """`yibao serve` in a subprocess; `url` is its base address."""

    def __init__(self, db: Path, *args: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = db.with_suffix(f".{self.port}.log")
        cmd = [sys.executable, "-m", "yibao", "serve", "--db", str(db), "--port", str(self.port), *args]
        self._out = self.log.open("w")
        # the case API served beside the review service keeps its database beside the test store
        env = {**os.environ, "YIBAO_CASE_DB": f"sqlite:///{db.with_suffix(f'.{self.port}.cases.sqlite')}"}
        self.proc = subprocess.Popen(cmd, stdout=self._out, stderr=subprocess.STDOUT, env=env)
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{self.url}/api/v1/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"yibao serve did not start:\n{self.log.read_text()}")
            time.sleep(0.2)

    def post(self, path: str, body: object) -> httpx.Response:
        return httpx.post(f"{self.url}{path}", json=body, timeout=30)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._out.close()


@contextlib.contextmanager
def serving(db: Path, *args: str) -> Iterator[Server]:
    server = Server(db, *args)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def redis_flushed(redis_url: str) -> str:
    """The shared redis-server, emptied for this test."""
    import redis

    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    client.close()
    return redis_url
