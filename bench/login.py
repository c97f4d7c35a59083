"""Benchmark `/login` refusals: an unknown name must cost what a wrong password costs.

Both go through the whole form path (Flask-Limiter, lockout bookkeeping, password hash) on
SQLite, interleaved so that both see the same machine load. The baseline is the wrong
password for an existing user, measured in the same run; the figure is the unknown name's
median over the baseline's (1.0 = indistinguishable by timing).
"""

from __future__ import annotations

import argparse
import json
import secrets
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from dispatch.bootstrap import bootstrap
from dispatch.config import Settings
from dispatch.services import accounts


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Time wrong-password and unknown-name logins; the last printed line is JSON."""
    ap = argparse.ArgumentParser(prog="siaga112 bench login")
    ap.add_argument("--attempts", type=int, default=60, help="attempts of each kind")
    args = ap.parse_args(argv)

    from web import create_app

    workdir = Path(tempfile.mkdtemp(prefix="siaga-login-"))
    settings = Settings(
        database_url=f"sqlite:///{workdir}/login.db", secret_key=secrets.token_hex(16),
        # Throttles and the lockout out of the way: this measures the refusal itself.
        login_rate_address="1000000 per minute", login_rate_account="1000000 per minute",
        lockout_failures=10**9,
    )
    rt = bootstrap(settings)
    try:
        accounts.create_user(rt, "operator", "operator-bench-pass", "operator")
        app = create_app(runtime=rt, config={"TESTING": True, "WTF_CSRF_ENABLED": False})
        client = app.test_client()

        def attempt(username: str) -> float:
            start = time.perf_counter()
            resp = client.post("/login", data={"username": username, "password": "wrong-guess"})
            elapsed = time.perf_counter() - start
            assert resp.status_code == 401, resp.status_code
            return elapsed * 1000

        for i in range(5):  # warm-up: imports, first hash, statement caches
            attempt("operator")
            attempt(f"warm{i}")
        known: list[float] = []
        unknown: list[float] = []
        for i in range(args.attempts):
            known.append(attempt("operator"))
            unknown.append(attempt(f"nobody{i}"))
    finally:
        rt.stop()
    result = {
        "benchmark": "login",
        "attempts": args.attempts,
        "wrong_password_ms_p50": round(statistics.median(known), 2),
        "wrong_password_ms_p90": round(_pct(known, 0.9), 2),
        "unknown_user_ms_p50": round(statistics.median(unknown), 2),
        "unknown_user_ms_p90": round(_pct(unknown, 0.9), 2),
        "ratio_p50": round(statistics.median(unknown) / statistics.median(known), 3),
    }
    print(f"wrong password: p50 {result['wrong_password_ms_p50']} ms, "
          f"unknown name: p50 {result['unknown_user_ms_p50']} ms "
          f"(ratio {result['ratio_p50']}; target 0.8-1.25)")
    print(json.dumps(result))
    return result
