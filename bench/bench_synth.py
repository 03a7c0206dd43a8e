"""Benchmark the synthetic city generator: fee lines per minute, stage times, peak memory.

Usage::

    .venv/bin/python bench/bench_synth.py                 # default city: 100k persons × 12 months
    .venv/bin/python bench/bench_synth.py --persons 20000 --keep /tmp/city

The target is at least 1,000,000 fee lines per minute on the standard 2-core machine. The machine's
load average is printed too: shared machines make single runs noisy.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import tempfile
import time
from pathlib import Path

from yibao.synth import generate


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--persons", type=int, default=100_000)
    ap.add_argument("--months", type=int, default=12)
    ap.add_argument("--seed", type=int, default=20260101)
    ap.add_argument("--keep", type=Path, default=None, help="write the dataset here and keep it")
    args = ap.parse_args()
    out = args.keep or Path(tempfile.mkdtemp(prefix="bench_synth_"))
    stages: list[tuple[str, float]] = []
    t0 = time.perf_counter()

    def progress(stage: str, _fraction: float) -> None:
        stages.append((stage, time.perf_counter() - t0))

    try:
        report = generate(out, persons=args.persons, months=args.months, seed=args.seed, progress=progress)
    finally:
        if args.keep is None:
            shutil.rmtree(out, ignore_errors=True)
    wall = time.perf_counter() - t0
    lines = report.rows["fee"]
    peak_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    print(f"persons={args.persons} months={args.months} seed={args.seed} cpus={os.cpu_count()} "
          f"load={os.getloadavg()[0]:.1f}")
    previous = ("start", 0.0)
    for stage, at in [*stages, ("end", wall)]:
        if previous[0] != "start" or at > 0:
            print(f"  {previous[0]:<28} {at - previous[1]:7.1f} s")
        previous = (stage, at)
    for table, n in report.rows.items():
        print(f"  rows {table:<14} {n:>10,}")
    print(f"  labels {sum(report.labels.values()):,} across {len(report.labels)} violation codes")
    print(f"fee lines: {lines:,} in {wall:.1f} s -> {lines / wall * 60:,.0f} lines/min; peak RSS {peak_gb:.2f} GB")


if __name__ == "__main__":
    main()
