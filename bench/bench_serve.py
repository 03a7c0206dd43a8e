"""Benchmark: `yibao serve` under a real load generator (wrk) on loopback; figures go to bench/RESULTS.md.

    apt-get install -y wrk                      # Debian's wrk, once
    .venv/bin/python bench/bench_serve.py --persons 3000 --months 12 --duration 20

A realistic mix is replayed: the city's own encounters of its last 30 days, shifted 40 days later
and given fresh ids (so every request is a new settlement of a person with a year of history),
85 % settlement reviews (`/precheck`), 10 % prescribing reminders (`/prescribe-check`), 5 % retries
of the previous request id. Traceability codes are made unique per request, so a pack is not
"resold" by the replay itself. Runs: one worker with the embedded state, then two and more workers
sharing a Redis started here. Also measures the same requests in process (no HTTP), which is the
rule library's own cost per settlement.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import httpx

from yibao.realtime.rows import COLS

SHIFT = timedelta(days=40)


def machine() -> str:
    model = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    mem = Path("/proc/meminfo").read_text().split()[1] if Path("/proc/meminfo").exists() else "0"
    return f"{model}, {os.cpu_count()} cores, {int(mem) / 2**20:.0f} GiB, Python {platform.python_version()}"


def _t(value: object) -> str:
    return (value + SHIFT).strftime("%Y-%m-%d %H:%M:%S")  # type: ignore[operator]


def build_bodies(db: Path, limit: int) -> list[tuple[str, str]]:
    """(path, JSON body with __ID__ placeholders) from the store's last 30 days of encounters."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        encs = con.execute(
            f"""SELECT {", ".join(COLS["mdtrt"])} FROM mdtrt
                WHERE begntime >= (SELECT max(begntime) FROM mdtrt) - INTERVAL 30 DAY
                ORDER BY hash(mdtrt_id) LIMIT ?""",
            [limit],
        ).fetchall()
        ids = [e[0] for e in encs]
        setl = {
            r[1]: r
            for r in con.execute("SELECT * FROM setl WHERE mdtrt_id IN (SELECT unnest(?))", [ids]).fetchall()
        }
        setl_cols = [d[0] for d in con.description] if con.description else []
        fee: dict[str, list[dict]] = {}
        cur = con.execute(
            f"SELECT {', '.join(COLS['fee'])} FROM fee WHERE mdtrt_id IN (SELECT unnest(?))", [ids]
        )
        for row in cur.fetchall():
            rec = dict(zip(COLS["fee"], row, strict=True))
            fee.setdefault(rec["mdtrt_id"], []).append(rec)
        diag: dict[str, list[str]] = {}
        for mid, code in con.execute(
            "SELECT mdtrt_id, dise_codg FROM diag WHERE mdtrt_id IN (SELECT unnest(?))", [ids]
        ).fetchall():
            diag.setdefault(mid, []).append(code)
    finally:
        con.close()
    bodies: list[tuple[str, str]] = []
    for n, e in enumerate(encs):
        m = dict(zip(COLS["mdtrt"], e, strict=True))
        s = dict(zip(setl_cols, setl[m["mdtrt_id"]], strict=True)) if m["mdtrt_id"] in setl else None
        lines = fee.get(m["mdtrt_id"], [])
        if s is None or not lines:
            continue
        enc = {
            "mdtrt_id": "M__ID__",
            "fixmedins_code": m["fixmedins_code"],
            "med_type": m["med_type"],
            "begntime": _t(m["begntime"]),
            "endtime": _t(m["endtime"]),
            **{
                k: m[k]
                for k in (
                    "dise_codg",
                    "adm_dept_codg",
                    "dscg_dept_codg",
                    "atddr_no",
                    "dscg_way",
                    "mdtrt_cert_type",
                    "term_admdvs",
                )
                if m[k] is not None
            },
            "diagnoses": [c for c in diag.get(m["mdtrt_id"], []) if c != m["dise_codg"]],
        }
        fee_lines = []
        for i, f in enumerate(lines):
            line = {
                "feedetl_sn": f"F__ID__{i:04d}",
                "fee_ocur_time": _t(f["fee_ocur_time"]),
                "med_list_codg": f["med_list_codg"],
                "list_type": f["list_type"],
                "cnt": float(f["cnt"]),
                "pric": float(f["pric"]),
                "det_item_fee_sumamt": float(f["det_item_fee_sumamt"]),
                **{
                    k: f[k]
                    for k in ("medins_list_codg", "bilg_dept_codg", "bilg_dr_codg")
                    if f[k] is not None
                },
            }
            if f["drug_trac_codg"]:
                codes = [c for c in f["drug_trac_codg"].split(",") if c]
                line["drug_trac_codg"] = [
                    f"9__ID__{i % 100:02d}{j % 100:02d}0000" for j, _ in enumerate(codes)
                ]
            fee_lines.append(line)
        if n % 10 == 9:  # a prescribing reminder for the same encounter's orders
            orders = [
                {k: x[k] for k in ("med_list_codg", "list_type", "cnt", "pric") if k in x}
                for x in fee_lines
                if x["cnt"] > 0
            ]
            body = {
                "request_id": "X__ID__",
                "person": {"psn_no": m["psn_no"]},
                "encounter": enc,
                "orders": orders,
            }
            if orders:
                bodies.append(("/api/v1/prescribe-check", json.dumps(body, ensure_ascii=False)))
            continue
        settlement = {
            "setl_id": "S__ID__",
            "setl_time": _t(s["setl_time"]),
            **{
                k: float(s[k])
                for k in ("medfee_sumamt", "hifp_pay", "fund_pay_sumamt", "acct_pay", "psn_cash_pay")
            },
            **({"refd_setl_flag": s["refd_setl_flag"]} if s.get("refd_setl_flag") in ("0", "1") else {}),
        }
        body = {
            "request_id": "R__ID__",
            "person": {"psn_no": m["psn_no"]},
            "encounter": enc,
            "settlement": settlement,
            "fee": fee_lines,
        }
        bodies.append(("/api/v1/precheck", json.dumps(body, ensure_ascii=False)))
    return bodies


LUA = r"""
local paths = {%(paths)s}
local bodies = {%(bodies)s}
local headers = {["Content-Type"] = "application/json"}
local counter = 0
local previous = nil
local threads = 0

function setup(thread)
  thread:set("tid", threads)
  threads = threads + 1
end

function init(args)
  base = (tonumber(tid) or 0) * 100000000
end

function request()
  counter = counter + 1
  if previous ~= nil and counter %% 20 == 0 then
    return previous
  end
  local i = (counter %% #bodies) + 1
  local id = string.format("%%010d", base + counter)
  local body = string.gsub(bodies[i], "__ID__", id)
  previous = wrk.format("POST", paths[i], headers, body)
  return previous
end
"""


def write_lua(bodies: list[tuple[str, str]], path: Path) -> None:
    paths = ", ".join(f'"{p}"' for p, _ in bodies)
    texts = ", ".join(f"[==[{b}]==]" for _, b in bodies)
    path.write_text(LUA % {"paths": paths, "bodies": texts}, encoding="utf-8")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(db: Path, port: int, *args: str) -> subprocess.Popen[bytes]:
    log = db.with_suffix(f".{port}.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "yibao", "serve", "--db", str(db), "--port", str(port), *args],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        if proc.poll() is not None:
            break
        time.sleep(0.3)
    proc.kill()
    raise RuntimeError(f"server did not start, see {log.name}")


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def run_wrk(port: int, lua: Path, seconds: int, connections: int, threads: int) -> dict[str, float]:
    out = subprocess.run(
        [
            "wrk",
            f"-t{threads}",
            f"-c{connections}",
            f"-d{seconds}s",
            "--latency",
            "-s",
            str(lua),
            f"http://127.0.0.1:{port}",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    res: dict[str, float] = {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))}  # type: ignore[union-attr]
    for pct in ("50", "75", "90", "99"):
        res[f"p{pct}"] = _ms(re.search(rf"\s{pct}%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    res["requests"] = float(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    res["errors"] = float(bad.group(1) if bad else 0) + (sum(int(x) for x in sock.groups()) if sock else 0)
    return res


def in_process(db: Path, bodies: list[tuple[str, str]], n: int) -> dict[str, float]:
    """The same requests without HTTP: the rule library's own cost per settlement."""
    from yibao.realtime.schemas import PrecheckRequest, PrescribeRequest
    from yibao.realtime.service import ReviewService, ServeSettings

    service = ReviewService(ServeSettings(db=db, state_path=db.with_suffix(".inproc.sqlite")))
    times, verdicts = [], []
    try:
        for k in range(n):
            path, text = bodies[k % len(bodies)]
            body = json.loads(text.replace("__ID__", f"{9_000_000_000 + k:010d}"))
            start = time.perf_counter()
            if path.endswith("precheck"):
                verdicts.append(service.precheck(PrecheckRequest.model_validate(body)).decision)
            else:
                verdicts.append(service.prescribe(PrescribeRequest.model_validate(body)).decision)
            times.append((time.perf_counter() - start) * 1000)
    finally:
        service.state.close()
    times.sort()
    return {
        "mean": statistics.fmean(times),
        "p50": times[len(times) // 2],
        "p99": times[int(len(times) * 0.99)],
        "pass": verdicts.count("pass") / n,
        "warn": verdicts.count("warn") / n,
        "refuse": verdicts.count("refuse") / n,
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", type=Path, help="an ingested store; otherwise a city is generated")
    ap.add_argument("--persons", type=int, default=3000)
    ap.add_argument("--months", type=int, default=12)
    ap.add_argument("--bodies", type=int, default=600)
    ap.add_argument("--duration", type=int, default=20)
    ap.add_argument("--connections", type=int, nargs="+", default=[4, 16])
    ap.add_argument("--workers", type=int, nargs="+", default=[2])
    ap.add_argument("--inprocess", type=int, default=300, help="requests timed in process (0 = skip)")
    ap.add_argument("--prune-history", action="store_true", help="run the servers with --prune-history")
    args = ap.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk not found: apt-get install -y wrk")
    work = Path(tempfile.mkdtemp(prefix="yibao-bench-serve-"))
    try:
        db = work / "city.duckdb"
        if args.db:
            shutil.copy(args.db, db)
        else:
            from yibao.ingest import ingest
            from yibao.synth import generate

            generate(work / "city", persons=args.persons, months=args.months, seed=20260101)
            ingest(work / "city", db)
        bodies = build_bodies(db, args.bodies)
        lua = work / "mix.lua"
        write_lua(bodies, lua)
        print(f"# {machine()}; {datetime.now():%Y-%m-%d %H:%M}; load average {os.getloadavg()}")
        print(
            f"# {len(bodies)} distinct requests, {sum(p.endswith('precheck') for p, _ in bodies)} settlements"
        )
        if args.inprocess:
            base = work / "inproc.duckdb"
            shutil.copy(db, base)
            r = in_process(base, bodies, args.inprocess)
            print(
                f"in process: mean {r['mean']:.2f} ms, p50 {r['p50']:.2f} ms, p99 {r['p99']:.2f} ms; "
                f"pass {r['pass']:.0%} warn {r['warn']:.0%} refuse {r['refuse']:.0%}"
            )
        print("| state | workers | connections | req/s | p50 ms | p90 ms | p99 ms | requests | errors |")
        print("|---|---|---|---|---|---|---|---|---|")
        configs: list[tuple[str, int]] = [("embedded", 1)] + [("redis", w) for w in args.workers]
        for kind, workers in configs:
            run_db = work / f"{kind}{workers}.duckdb"
            shutil.copy(db, run_db)
            redis_proc = None
            extra: list[str] = ["--workers", str(workers)] + (
                ["--prune-history"] if args.prune_history else []
            )
            if kind == "redis":
                rport = free_port()
                redis_proc = subprocess.Popen(
                    [
                        "redis-server",
                        "--port",
                        str(rport),
                        "--bind",
                        "127.0.0.1",
                        "--dir",
                        str(work),
                        "--save",
                        "",
                        "--appendonly",
                        "no",
                    ],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
                time.sleep(0.5)
                extra += ["--redis", f"redis://127.0.0.1:{rport}/0"]
            port = free_port()
            proc = start_server(run_db, port, *extra)
            try:
                run_wrk(port, lua, 3, 4, 1)  # warm-up: statement caches, first requests
                for c in args.connections:
                    r = run_wrk(port, lua, args.duration, c, 2)
                    print(
                        f"| {kind} | {workers} | {c} | {r['rps']:.0f} | {r['p50']:.1f} | {r['p90']:.1f} | "
                        f"{r['p99']:.1f} | {r['requests']:.0f} | {r['errors']:.0f} |",
                        flush=True,
                    )
            finally:
                stop(proc)
                if redis_proc:
                    redis_proc.terminate()
                    redis_proc.wait()
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
