"""Incident intake through the real HTTP API on SQLite (or PostgreSQL, one or several processes).

`siaga112 bench intake`: starts `siaga112 serve` as its own process on a fresh
SQLite file, then posts realistic descriptions at Kediri coordinates from
several client threads. Each request runs the full path: validation,
classification, locating, recommendation, duplicate check, persistence of the
incident and its timeline (committed before the 201), and the event publish.
Baseline in the same run: `GET /healthz` (routing + one database round trip).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import requests

from dispatch.bootstrap import bootstrap
from dispatch.classify import load_labelled
from dispatch.config import Settings
from dispatch.domain.kpis import percentile
from dispatch.services import accounts
from units.broker import free_port


def _percentile(values: list[float], q: float) -> float:
    """The q-quantile (0..1) by the project's one definition; 0.0 when empty."""
    return percentile(sorted(values), q * 100) or 0.0


def _load(url: str, requests_total: int, threads: int, make_request: Any) -> dict[str, Any]:
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    counter = iter(range(requests_total))

    def worker() -> None:
        session = requests.Session()
        while True:
            with lock:
                i = next(counter, None)
            if i is None:
                return
            t0 = time.perf_counter()
            try:
                resp = make_request(session, i)
                ok = resp.status_code in (200, 201)
            except requests.RequestException as err:
                ok, resp = False, err
            dt = (time.perf_counter() - t0) * 1000
            with lock:
                latencies.append(dt)
                if not ok:
                    errors.append(str(getattr(resp, "status_code", resp)))

    start = time.perf_counter()
    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    wall = time.perf_counter() - start
    return {
        "per_s": round(len(latencies) / wall, 1),
        "p50_ms": round(_percentile(latencies, 0.5), 2),
        "p99_ms": round(_percentile(latencies, 0.99), 2),
        "errors": len(errors),
        "error_samples": errors[:5],
    }


def _start_servers(db_url: str, workdir: Path, count: int, tag: str) -> tuple[list[Any], list[str]]:
    """`count` real `siaga112 serve` processes on one database; waits until each answers."""
    env = dict(os.environ, SIAGA_DATABASE_URL=db_url, SIAGA_SECRET_KEY=secrets.token_hex(16))
    procs: list[Any] = []
    bases: list[str] = []
    for n in range(count):
        port = free_port()
        # Server output goes to a file: an unread pipe would fill up and stall the server.
        log = open(workdir / f"server-{tag}-{n}.log", "wb")  # noqa: SIM115
        procs.append((subprocess.Popen(
            [sys.executable, "-m", "siaga112.cli", "serve", "--port", str(port)],
            env=env, cwd=workdir, stdout=log, stderr=subprocess.STDOUT), log))
        bases.append(f"http://127.0.0.1:{port}")
    deadline = time.monotonic() + 90
    for (proc, _log), base in zip(procs, bases, strict=True):
        while True:
            try:
                if requests.get(base + "/healthz", timeout=1).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                _stop_servers(procs)
                raise SystemExit(f"server did not start; see {workdir}/server-{tag}-*.log")
            time.sleep(0.2)
    return procs, bases


def _stop_servers(procs: list[Any]) -> None:
    for proc, _log in procs:
        proc.terminate()
    for proc, log in procs:
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def _run(db_url: str, workdir: Path, processes: int, args: Any, texts: list[str],
         token: str) -> dict[str, dict[str, Any]]:
    """Warm up, then the healthz baseline and the intake load against `processes` servers
    (client requests spread round-robin over them, as a load balancer would)."""
    rng = random.Random(args.seed)
    headers = {"Authorization": f"Bearer {token}"}
    procs, bases = _start_servers(db_url, workdir, processes, f"p{processes}")
    try:
        def post(session: requests.Session, i: int) -> requests.Response:
            body = {
                "description": rng.choice(texts),
                "lat": -7.8166 + rng.uniform(-0.035, 0.035),
                "lon": 112.0114 + rng.uniform(-0.035, 0.035),
                "caller_phone": f"08{rng.randrange(10**9, 10**10)}",
                "channel": "call",
            }
            return session.post(bases[i % len(bases)] + "/api/v1/incidents", json=body,
                                headers=headers, timeout=10)

        def health(session: requests.Session, i: int) -> requests.Response:
            return session.get(bases[i % len(bases)] + "/healthz", timeout=10)

        _load(bases[0], 100 * processes, args.threads, post)  # warm-up: imports, caches
        baseline = _load(bases[0], args.requests, args.threads, health)
        intake = _load(bases[0], args.requests, args.threads, post)
    finally:
        _stop_servers(procs)
    return {"baseline": baseline, "intake": intake}


def _database(engine: str, workdir: Path) -> Any:
    if engine == "sqlite":
        return contextlib.nullcontext(f"sqlite:///{workdir}/intake.db")
    from bench.kpis import _postgres_db

    return _postgres_db()


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Run the benchmark; the last printed line is JSON."""
    ap = argparse.ArgumentParser(prog="siaga112 bench intake")
    ap.add_argument("--requests", type=int, default=3000)
    ap.add_argument("--threads", type=int, default=4)
    ap.add_argument("--seed", type=int, default=112)
    ap.add_argument("--processes", type=int, default=1,
                    help="N > 1: also run N server processes on one database and print the "
                         "ratio of their rate to one process's, measured in the same run")
    ap.add_argument("--database", choices=("sqlite", "postgresql"), default=None,
                    help="default: sqlite for one process, postgresql for several")
    args = ap.parse_args(argv)
    engine = args.database or ("postgresql" if args.processes > 1 else "sqlite")
    if args.processes > 1 and args.threads < 2 * args.processes:
        args.threads = 4 * args.processes  # enough clients to keep every process busy

    texts = [row["text"] for row in load_labelled()]
    workdir = Path(tempfile.mkdtemp(prefix="siaga-intake-"))
    with _database(engine, workdir) as db_url:
        if db_url is None:
            raise SystemExit("PostgreSQL is not reachable (SIAGA_BENCH_POSTGRES_URL)")
        rt = bootstrap(Settings(database_url=db_url))
        accounts.create_user(rt, "bench", "bench-password", "operator")
        token = accounts.create_token(rt, "bench")
        rt.stop()
        one = _run(db_url, workdir, 1, args, texts, token)
        several = (_run(db_url, workdir, args.processes, args, texts, token)
                   if args.processes > 1 else None)

    intake, baseline = one["intake"], one["baseline"]
    result: dict[str, Any] = {
        "incidents_per_s": intake["per_s"],
        "p50_ms": intake["p50_ms"],
        "p99_ms": intake["p99_ms"],
        "errors": intake["errors"],
        "requests": args.requests,
        "client_threads": args.threads,
        "baseline_healthz_per_s": baseline["per_s"],
        "baseline_healthz_p99_ms": baseline["p99_ms"],
        "ratio_to_baseline": round(intake["per_s"] / baseline["per_s"], 3)
        if baseline["per_s"] else None,
        "database": engine,
        "target": {"incidents_per_s": 200, "p99_ms": 50},
    }
    if several is not None:
        multi = several["intake"]
        result["processes"] = {
            "count": args.processes,
            "incidents_per_s": multi["per_s"],
            "p50_ms": multi["p50_ms"],
            "p99_ms": multi["p99_ms"],
            "errors": multi["errors"],
            "ratio_to_one_process": round(multi["per_s"] / intake["per_s"], 3)
            if intake["per_s"] else None,
            "target_ratio": 1.6,
        }
    errors = intake["errors"] + (several["intake"]["errors"] if several else 0)
    if errors:
        print("errors:", intake["error_samples"], file=sys.stderr)
    print(f"intake ({engine}): {result['incidents_per_s']}/s p50 {result['p50_ms']} ms "
          f"p99 {result['p99_ms']} ms; healthz baseline {result['baseline_healthz_per_s']}/s")
    if several is not None:
        pr = result["processes"]
        print(f"  {pr['count']} processes: {pr['incidents_per_s']}/s "
              f"(× {pr['ratio_to_one_process']} of one process), p99 {pr['p99_ms']} ms")
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
