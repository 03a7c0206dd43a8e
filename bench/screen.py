"""Benchmark: the whole rule library over ~10M fee lines, and the same rules in pandas.

    .venv/bin/python bench/screen.py --source demo/yibao.duckdb --lines 10000000

Builds (once) a store scaled from an ingested city (bench/screen_data.py), then runs
each engine in its own process so that peak memory is each engine's own:
  duckdb  the rule library as `yibao screen` runs it: the shared intermediates (prelude)
          once, then every rule; time per prelude step and per rule;
  pandas  the rules of bench/pandas_rules.py written in pandas over the same store.
Both report the findings of the rules they share, and the run checks that they agree,
so the comparison is between the same rules. Figures go to bench/RESULTS.md by hand.
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


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_duckdb_subset(db: Path, memory_limit: str | None, only: list[str]) -> dict:
    """Only these rules, with only the intermediates they read: DuckDB's side of the comparison."""
    import duckdb

    from yibao.rules.engine import intermediates_for, prepare, run_rule
    from yibao.rules.loader import load_library

    con = duckdb.connect(str(db), read_only=True)
    if memory_limit:
        con.execute(f"SET memory_limit = '{memory_limit}'")
    rules = [r for r in load_library() if r.id in only]
    t0 = time.perf_counter()
    need: set[str] = set()
    for r in rules:
        need |= intermediates_for(r.sql)
    prepare(con, need)
    prelude = time.perf_counter() - t0
    hits, timings = {}, []
    for rule in rules:
        run = run_rule(con, rule)
        timings.append((rule.id, run.seconds))
        hits[rule.id] = sorted({f.feedetl_sn or f.mdtrt_id or f.psn_no or "" for f in run.findings})
    return {"engine": "duckdb-subset", "seconds": time.perf_counter() - t0, "prelude_seconds": prelude,
            "intermediates": sorted(need), "rules": timings, "hits": hits, "peak_mib": _peak_mib()}


def run_duckdb(db: Path, memory_limit: str | None) -> dict:
    import duckdb

    from yibao.rules.engine import PRELUDE, run_rule, split_statements
    from yibao.rules.loader import load_library

    con = duckdb.connect(str(db), read_only=True)
    if memory_limit:
        con.execute(f"SET memory_limit = '{memory_limit}'")
    ((lines,),) = con.execute("SELECT count(*) FROM fee").fetchall()
    steps: list[tuple[str, float]] = []
    t0 = time.perf_counter()
    for path in sorted(PRELUDE.glob("*.sql")):
        for stmt in split_statements(path.read_text(encoding="utf-8")):
            t = time.perf_counter()
            con.execute(stmt)
            name = stmt.split(" AS", 1)[0].split()[-1]
            steps.append((f"{path.stem}:{name}", time.perf_counter() - t))
    prelude = time.perf_counter() - t0
    rules: list[tuple[str, float, int]] = []
    hits: dict[str, list[str]] = {}
    for rule in load_library():
        run = run_rule(con, rule)
        if run.error:
            raise SystemExit(f"{rule.id}: {run.error}")
        rules.append((rule.id, run.seconds, len(run.findings)))
        hits[rule.id] = sorted({f.feedetl_sn or f.mdtrt_id or f.psn_no or "" for f in run.findings})
    total = time.perf_counter() - t0
    return {"engine": "duckdb", "lines": lines, "seconds": total, "prelude_seconds": prelude,
            "steps": steps, "rules": rules, "hits": hits, "peak_mib": _peak_mib(),
            "threads": con.execute("SELECT current_setting('threads')").fetchall()[0][0]}


def run_pandas(db: Path) -> dict:
    import pandas_rules

    t0 = time.perf_counter()
    timings, hits, lines = pandas_rules.run_all(db)
    return {"engine": "pandas", "lines": lines, "seconds": time.perf_counter() - t0, "rules": timings,
            "hits": hits, "peak_mib": _peak_mib()}


def _child(engine: str, db: Path, memory_limit: str | None, only: list[str] | None = None) -> dict:
    cmd = [sys.executable, __file__, "--child", engine, "--db", str(db)]
    if memory_limit:
        cmd += ["--memory-limit", memory_limit]
    if only:
        cmd += ["--only", ",".join(only)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--source", type=Path, default=Path("demo/yibao.duckdb"), help="an ingested city")
    ap.add_argument("--lines", type=int, default=10_000_000)
    ap.add_argument("--db", type=Path, default=None, help="benchmark store (built when missing)")
    ap.add_argument("--rebuild", action="store_true")
    ap.add_argument("--no-pandas", action="store_true")
    ap.add_argument("--memory-limit", default="3GB", help="DuckDB memory_limit (target: ≤ 4 GiB peak)")
    ap.add_argument("--child", choices=["duckdb", "duckdb-subset", "pandas"], help=argparse.SUPPRESS)
    ap.add_argument("--only", default="", help=argparse.SUPPRESS)
    ap.add_argument("--json", type=Path, default=None, help="write all figures here")
    args = ap.parse_args()

    if args.child:
        if args.child == "duckdb":
            res = run_duckdb(args.db, args.memory_limit)
        elif args.child == "duckdb-subset":
            res = run_duckdb_subset(args.db, args.memory_limit, args.only.split(","))
        else:
            res = run_pandas(args.db)
        print(json.dumps(res, ensure_ascii=False))
        return

    import screen_data

    db = args.db or HERE / ".work" / f"screen_{args.lines // 1_000_000}m.duckdb"
    db.parent.mkdir(parents=True, exist_ok=True)
    if args.rebuild or not db.exists():
        t = time.perf_counter()
        n = screen_data.build(args.source, db, args.lines)
        print(f"built {db}: {n:,} fee lines in {time.perf_counter() - t:.1f} s")

    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"python {platform.python_version()}")
    duck = _child("duckdb", db, args.memory_limit)
    print(f"\nDuckDB ({duck['threads']} threads): {duck['lines']:,} fee lines, whole library "
          f"({len(duck['rules'])} rules) in {duck['seconds']:.1f} s "
          f"= {duck['lines'] / duck['seconds'] / 1e6:.2f} M lines/s; prelude {duck['prelude_seconds']:.1f} s; "
          f"peak RSS {duck['peak_mib'] / 1024:.2f} GiB")
    for name, sec in sorted(duck["steps"], key=lambda s: -s[1])[:12]:
        print(f"  prelude {name:40s} {sec:6.2f} s")
    for rid, sec, n in sorted(duck["rules"], key=lambda r: -r[1]):
        print(f"  rule    {rid:40s} {sec:6.2f} s  {n:>8,} findings")
    result = {"duckdb": {k: v for k, v in duck.items() if k != "hits"}}
    if not args.no_pandas:
        import pandas_rules

        shared = [f.__name__ for f in pandas_rules.RULES]
        sub = _child("duckdb-subset", db, args.memory_limit, shared)
        pand = _child("pandas", db, None)
        same = {r: pand["hits"][r] == sub["hits"][r] == duck["hits"][r] for r in shared}
        print(f"\nThe same {len(shared)} rules on both engines, each in a fresh process:")
        print(f"  DuckDB  {sub['seconds']:6.1f} s (intermediates they read: {sub['prelude_seconds']:.1f} s — "
              f"{', '.join(sub['intermediates'])}); peak RSS {sub['peak_mib'] / 1024:.2f} GiB")
        print(f"  pandas  {pand['seconds']:6.1f} s; peak RSS {pand['peak_mib'] / 1024:.2f} GiB")
        for rid, sec in pand["rules"]:
            print(f"    pandas {rid:44s} {sec:6.2f} s  same findings as DuckDB: {same.get(rid, '—')}")
        print(f"  → DuckDB {pand['seconds'] / sub['seconds']:.1f}× faster than pandas on the same rules")
        if not all(same.values()):
            print("WARNING: the engines disagree on", [r for r, ok in same.items() if not ok])
        result["duckdb_subset"] = {k: v for k, v in sub.items() if k != "hits"}
        result["pandas"] = {k: v for k, v in pand.items() if k != "hits"}
        result["same_findings"] = same
        result["speedup"] = pand["seconds"] / sub["seconds"]
    if args.json:
        args.json.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
