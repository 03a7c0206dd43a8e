"""Benchmark: every model detector over a city of about 1 M persons and 12 months (issue 4).

    .venv/bin/python bench/models.py --source demo/yibao.duckdb --cities bench/.work/cities

Builds (once) the store with bench/screen_data.py. With `--cities DIR` (the way to measure): the
source city and every ingested city `DIR/*.duckdb`, generated with other seeds over the same
geography, stacked with disjoint person, encounter and line keys (ten 100,000-person cities make
a city of 1 M persons; the generator holds a whole city in memory, and one of 1 M persons does not
fit in this machine's 24 GiB). Without it, the source city copied until it holds `--persons`
persons: quick, but the copies' encounters happen in lockstep, which the pattern models rightly
see as batches and rings, so their findings (not their cost) are artefacts. Then, each in its own process so that peak memory is its own:
  rules   the rule library (`yibao screen --rules` over the rule detectors): the risk scores read
          rule findings, so they must be in the store first; timed for reference;
  models  every model detector in `yibao screen` order (features built by the first that needs
          them), time per detector and the process's peak RSS.
Figures go to bench/RESULTS.md by hand.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def _peak_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024


def run_rules(db: Path) -> dict:
    from yibao.detectors import new_run
    from yibao.findings_store import replace_findings
    from yibao.rules.detector import RuleDetector
    from yibao.rules.loader import load_library
    from yibao.store import connect

    con = connect(db)
    # 31 M lines under DuckDB's default limit (80 % of RAM) grew past this machine's 24 GiB and was
    # killed; the rules are only the models' input here, so give them a limit that leaves room.
    con.execute(f"SET memory_limit = '{os.environ.get('BENCH_RULES_MEMORY', '10GB')}'")
    new_run(con)
    t0 = time.perf_counter()
    total = 0
    for det in (RuleDetector(r) for r in load_library()):
        total += replace_findings(con, f"{det.id}@{det.version}", det.fit(con).findings(con))
    return {"seconds": time.perf_counter() - t0, "findings": total, "peak_gib": _peak_gib()}


def run_models(db: Path) -> dict:
    from yibao.detectors import DetectorSkipped, new_run
    from yibao.findings_store import replace_findings
    from yibao.models.detector import model_detectors
    from yibao.store import connect

    con = connect(db)
    ((persons,),) = con.execute("SELECT count(*) FROM psn").fetchall()
    ((encounters,),) = con.execute("SELECT count(*) FROM mdtrt").fetchall()
    ((lines,),) = con.execute("SELECT count(*) FROM fee").fetchall()
    new_run(con)
    steps = []
    t0 = time.perf_counter()
    for det in model_detectors():
        t, c = time.perf_counter(), time.process_time()
        try:
            found = det.fit(con).findings(con)
            n = replace_findings(con, f"{det.id}@{det.version}", found)
        except DetectorSkipped as exc:
            n = f"skipped: {exc}"
        steps.append((det.id, time.perf_counter() - t, time.process_time() - c, n, _peak_gib()))
    return {"persons": persons, "encounters": encounters, "lines": lines, "seconds": time.perf_counter() - t0,
            "steps": steps, "peak_gib": _peak_gib()}


def _child(kind: str, db: Path) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", kind, "--db", str(db)],
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--source", type=Path, default=Path("demo/yibao.duckdb"), help="an ingested city")
    ap.add_argument("--persons", type=int, default=1_000_000)
    ap.add_argument("--cities", type=Path, default=None, help="folder of ingested cities (other seeds)")
    ap.add_argument("--cities-screened", action="store_true", help="the cities already hold their rule findings")
    ap.add_argument("--db", type=Path, default=None, help="benchmark store (built when missing)")
    ap.add_argument("--rebuild", action="store_true")
    ap.add_argument("--skip-rules", action="store_true", help="the store already holds rule findings")
    ap.add_argument("--child", choices=["rules", "models"], help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args.child:
        res = run_rules(args.db) if args.child == "rules" else run_models(args.db)
        print(json.dumps(res, ensure_ascii=False))
        return

    import duckdb
    import screen_data

    db = args.db or HERE / ".work" / f"models_{args.persons // 1000}k.duckdb"
    db.parent.mkdir(parents=True, exist_ok=True)
    if args.cities is not None and (args.rebuild or not db.exists()):
        t = time.perf_counter()
        cities = [args.source, *sorted(args.cities.glob("*.duckdb"))]
        # the risk scores read rule findings: each city is screened by the rule library on its own
        # (cities are independent, so the stack's rule findings are the union), then stacked
        for city in [] if args.cities_screened else cities:
            rules = _child("rules", city)
            print(f"rules on {city.name}: {rules['findings']:,} findings in {rules['seconds']:.1f} s", flush=True)
        from yibao.rules.loader import load_library

        names = [f"{r.id}@{r.version}" for r in load_library()]
        n = screen_data.build_from_cities(cities, db, findings_of=names)
        print(f"built {db} from {len(cities)} cities: {n:,} fee lines in {time.perf_counter() - t:.1f} s", flush=True)
    elif args.rebuild or not db.exists():
        src = duckdb.connect(str(args.source), read_only=True)
        ((persons,),) = src.execute("SELECT count(*) FROM psn").fetchall()
        ((lines,),) = src.execute("SELECT count(*) FROM fee").fetchall()
        src.close()
        t = time.perf_counter()
        n = screen_data.build(args.source, db, round(lines * args.persons / persons))
        print(f"built {db}: {n:,} fee lines in {time.perf_counter() - t:.1f} s", flush=True)

    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"python {platform.python_version()}", flush=True)
    if not args.skip_rules and args.cities is None:
        rules = _child("rules", db)
        print(f"rules (input of the risk scores): {rules['findings']:,} findings in {rules['seconds']:.1f} s, "
              f"peak RSS {rules['peak_gib']:.2f} GiB", flush=True)
    res = _child("models", db)
    print(f"\nmodels over {res['persons']:,} persons, {res['encounters']:,} encounters, {res['lines']:,} fee "
          f"lines: {res['seconds']:.1f} s, peak RSS {res['peak_gib']:.2f} GiB")
    print(f"  {'detector':24s} {'wall s':>8s} {'cpu s':>8s} {'findings':>10s} {'peak GiB':>9s}")
    for det, wall, cpu, n, peak in res["steps"]:
        shown = f"{n:,}" if isinstance(n, int) else n
        print(f"  {det:24s} {wall:8.1f} {cpu:8.1f} {shown:>10s} {peak:9.2f}")


if __name__ == "__main__":
    main()
