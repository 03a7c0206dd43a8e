"""Benchmark: ingest a synthetic city into a fresh store (run by hand; figures go to bench/RESULTS.md).

    .venv/bin/python bench/bench_ingest.py --persons 100000 --months 12

Reports wall time, fee lines per second and peak memory (this process's maximum RSS).
A re-ingest of the same folder is timed too: it must skip every file.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import tempfile
import time
from pathlib import Path

from yibao.ingest import ingest


def machine() -> str:
    """CPU model, cores and memory, for the RESULTS.md line."""
    model = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    mem = Path("/proc/meminfo").read_text().split()[1] if Path("/proc/meminfo").exists() else "0"
    return f"{model}, {os.cpu_count()} cores, {int(mem) / 2**20:.0f} GiB, Python {platform.python_version()}"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--city", type=Path, help="an existing dataset folder; otherwise one is generated")
    ap.add_argument("--persons", type=int, default=100_000)
    ap.add_argument("--months", type=int, default=12)
    ap.add_argument("--seed", type=int, default=20260101)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="yibao-bench-"))
    try:
        city = args.city
        if city is None:
            from yibao.synth import generate

            city = work / "city"
            report = generate(city, persons=args.persons, months=args.months, seed=args.seed)
            print(f"generated {report.rows.get('fee', 0):,} fee lines in {report.seconds:.1f} s")
        db = work / "bench.duckdb"
        start = time.perf_counter()
        rep = ingest(city, db)
        first = time.perf_counter() - start
        start = time.perf_counter()
        again = ingest(city, db)
        second = time.perf_counter() - start
        fee = next(t for t in rep.tables if t.table == "fee")
        rows = sum(t.read for t in rep.tables)
        peak_gib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024
        print(f"machine: {machine()}")
        print(f"ingest: {rows:,} rows ({fee.read:,} fee lines) in {first:.1f} s = {fee.read / first:,.0f} fee lines/s")
        print(f"quarantined: {rep.quarantined:,}; balanced: {rep.balanced}")
        print(f"re-ingest (all files skipped: {all(f.skipped for t in again.tables for f in t.files)}): {second:.2f} s")
        print(f"peak RSS: {peak_gib:.2f} GiB; store size {db.stat().st_size / 2**20:,.0f} MiB")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
