"""Incident intake through the real HTTP API on SQLite.

`siaga112 bench intake`: starts `siaga112 serve` as its own process on a fresh
SQLite file, then posts realistic descriptions at Kediri coordinates from
several client threads. Each request runs the full path: validation,
classification, locating, recommendation, duplicate check, persistence of the
incident and its timeline (committed before the 201), and the event publish.
Baseline in the same run: `GET /healthz` (routing + one database round trip).
"""

from __future__ import annotations

import argparse
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


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Run the benchmark; the last printed line is JSON."""
    ap = argparse.ArgumentParser(prog="siaga112 bench intake")
    ap.add_argument("--requests", type=int, default=3000)
    ap.add_argument("--threads", type=int, default=4)
    ap.add_argument("--seed", type=int, default=112)
    args = ap.parse_args(argv)

    rng = random.Random(args.seed)
    texts = [row["text"] for row in load_labelled()]
    workdir = Path(tempfile.mkdtemp(prefix="siaga-intake-"))
    db_url = f"sqlite:///{workdir}/intake.db"
    rt = bootstrap(Settings(database_url=db_url))
    accounts.create_user(rt, "bench", "bench-password", "operator")
    token = accounts.create_token(rt, "bench")
    rt.stop()

    port = free_port()
    env = dict(os.environ, SIAGA_DATABASE_URL=db_url, SIAGA_SECRET_KEY=secrets.token_hex(16))
    # Server output goes to a file: an unread pipe would fill up and stall the server.
    server_log = open(workdir / "server.log", "wb")  # noqa: SIM115
    proc = subprocess.Popen(
        [sys.executable, "-m", "siaga112.cli", "serve", "--port", str(port)],
        env=env, cwd=workdir, stdout=server_log, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    headers = {"Authorization": f"Bearer {token}"}
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(base + "/healthz", timeout=1).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                raise SystemExit("server did not start; see " + str(workdir / "server.log"))
            time.sleep(0.2)

        def post(session: requests.Session, _i: int) -> requests.Response:
            body = {
                "description": rng.choice(texts),
                "lat": -7.8166 + rng.uniform(-0.035, 0.035),
                "lon": 112.0114 + rng.uniform(-0.035, 0.035),
                "caller_phone": f"08{rng.randrange(10**9, 10**10)}",
                "channel": "call",
            }
            return session.post(base + "/api/v1/incidents", json=body, headers=headers, timeout=10)

        def health(session: requests.Session, _i: int) -> requests.Response:
            return session.get(base + "/healthz", timeout=10)

        _load(base, 100, args.threads, post)  # warm-up: imports, caches, first pages
        baseline = _load(base, args.requests, args.threads, health)
        intake = _load(base, args.requests, args.threads, post)
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        server_log.close()

    result = {
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
        "database": "sqlite",
        "target": {"incidents_per_s": 200, "p99_ms": 50},
    }
    if intake["errors"]:
        print("errors:", intake["error_samples"], file=sys.stderr)
    print(f"intake: {result['incidents_per_s']}/s p50 {result['p50_ms']} ms "
          f"p99 {result['p99_ms']} ms; healthz baseline {result['baseline_healthz_per_s']}/s")
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
