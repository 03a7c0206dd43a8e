"""An ingest killed with SIGKILL before it commits leaves the store exactly as it was."""

from __future__ import annotations

import copy
import os
import signal
import subprocess
import sys
from pathlib import Path

import duckdb

from helpers import minimal_tables, write_dataset
from yibao.ingest import ingest


def _snapshot(db: Path) -> dict[str, int]:
    with duckdb.connect(str(db)) as con:
        tables = [r[0] for r in con.execute("SHOW TABLES").fetchall()]
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}  # type: ignore[index]


def _kill_during_ingest(folder: Path, db: Path) -> None:
    env = {**os.environ, "YIBAO_INGEST_STALL_SECONDS": "60"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "yibao", "ingest", str(folder), "--db", str(db)],
        env=env,
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert proc.stderr is not None
        for line in proc.stderr:  # every table has been written inside the open transaction
            if "stalling before commit" in line:
                break
        else:
            raise AssertionError("ingest ended before reaching the commit point")
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
        if proc.stderr:
            proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL


def test_kill_9_mid_ingest_leaves_store_as_before(tmp_path):
    tables = minimal_tables()
    db = tmp_path / "s.duckdb"
    ingest(write_dataset(tmp_path / "m1", tables), db)
    before = _snapshot(db)
    later = copy.deepcopy(tables)
    later["psn"][0]["resd_addr"] = "新地址"
    later["fee"].append({**tables["fee"][0], "feedetl_sn": "F100"})
    _kill_during_ingest(write_dataset(tmp_path / "m2", later), db)
    assert _snapshot(db) == before
    with duckdb.connect(str(db)) as con:
        assert (
            con.execute("SELECT resd_addr FROM psn WHERE psn_no = 'P001'").fetchone()[0]
            == "芙蓉区五一大道1号"
        )
    # and the store still works: the same ingest now completes
    report = ingest(tmp_path / "m2", db)
    assert {t.table: t.new for t in report.tables}["fee"] == 1


def test_kill_9_during_first_ingest_leaves_no_data(tmp_path):
    db = tmp_path / "s.duckdb"
    _kill_during_ingest(write_dataset(tmp_path / "m1", minimal_tables()), db)
    if db.exists():
        assert all(n == 0 for n in _snapshot(db).values())
