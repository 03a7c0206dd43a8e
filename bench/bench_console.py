"""Benchmark: how fast the console's pages answer over a screened city (issue 8 targets:
overview < 1 s, a findings page < 300 ms).

    YIBAO_CASE_DB=demo/yibao.cases.sqlite yibao serve --db demo/yibao.duckdb &   # as make demo does
    .venv/bin/python bench/bench_console.py --url http://127.0.0.1:8000 --db demo/yibao.duckdb

Logs in as the demo inspector, then times each page several times over real HTTP (the first
request of a page is reported apart: it pays the cold reads). Figures go to bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import statistics
import time

import duckdb
import httpx


def _time(client: httpx.Client, path: str, repeat: int) -> tuple[float, float, float]:
    samples = []
    for _ in range(repeat):
        t = time.perf_counter()
        r = client.get(path)
        samples.append((time.perf_counter() - t) * 1000)
        r.raise_for_status()
    return samples[0], statistics.median(samples[1:] or samples), max(samples[1:] or samples)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--url", default="http://127.0.0.1:8000")
    ap.add_argument("--db", default="demo/yibao.duckdb", help="the store the server reads (to pick pages)")
    ap.add_argument("--user", default="demo-inspector")
    ap.add_argument("--password", default="demo-inspector-2026")
    ap.add_argument("--repeat", type=int, default=10)
    args = ap.parse_args()

    con = duckdb.connect(args.db, read_only=True)
    (inst,), = con.execute(
        "SELECT fixmedins_code FROM findings GROUP BY 1 ORDER BY sum(amount) DESC LIMIT 1").fetchall()
    (enc,), = con.execute(
        "SELECT mdtrt_id FROM findings WHERE level = 'line' AND fixmedins_code = ? LIMIT 1", [inst]).fetchall()
    (n_findings,), = con.execute("SELECT count(*) FROM findings").fetchall()
    (n_lines,), = con.execute("SELECT count(*) FROM fee").fetchall()
    con.close()

    client = httpx.Client(base_url=args.url, timeout=60, follow_redirects=True)
    t = time.perf_counter()
    r = client.post("/console/login", data={"username": args.user, "password": args.password, "next": "/console/"})
    r.raise_for_status()
    print(f"store: {n_lines:,} fee lines, {n_findings:,} findings; login + first overview "
          f"{(time.perf_counter() - t) * 1000:.0f} ms")
    pages = [
        ("overview", "/console/"),
        ("findings, page 1", "/console/findings"),
        ("findings, page 5", "/console/findings?page=5"),
        ("findings, filtered and sorted", "/console/findings?violation=OVER_PRICE&sort=amount&dir=desc"),
        ("institution profile", f"/console/institutions/{inst}"),
        ("encounter with fee lines", f"/console/encounters/{enc}"),
        ("rule library", "/console/rules"),
    ]
    print(f"{'page':32s} {'first ms':>9s} {'median ms':>10s} {'max ms':>8s}")
    for name, path in pages:
        first, med, worst = _time(client, path, args.repeat)
        print(f"{name:32s} {first:9.0f} {med:10.0f} {worst:8.0f}")


if __name__ == "__main__":
    main()
