"""Once-only jobs run in one process: a lease held by the database, taken over on kill -9."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from dispatch.bootstrap import bootstrap
from dispatch.clock import ManualClock
from dispatch.config import Settings
from dispatch.runtime import Runtime
from dispatch.services import incidents
from dispatch.services.actors import Actor
from units.gateway import OrderTimeoutTicker

ROOT = Path(__file__).resolve().parents[1]
OPERATOR = Actor("operator", "op", None, "operator")
STATION = {"lat": -7.8167, "lon": 112.0136}
# A process of its own that takes the lease, says so, and waits to be killed.
HOLDER = """
import sys, time
from dispatch.db.engine import make_engine
from dispatch.leadership import leadership_for
lease = leadership_for(make_engine(sys.argv[1]), retry_s=0.2)
lease.start()
print("leading" if lease.held() else "following", flush=True)
time.sleep(600)
"""


def wait_for(check: Callable[[], bool], what: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.05)


def runtime(url: str, clock: ManualClock | None = None, migrate: bool = True) -> Runtime:
    rt = bootstrap(Settings(database_url=url), clock=clock, run_migrations=migrate)
    rt.leadership.retry_s = 0.1  # type: ignore[attr-defined]
    return rt


def test_one_of_two_processes_leads_and_the_other_takes_over(database_url: str) -> None:
    a = runtime(database_url)
    b = runtime(database_url, migrate=False)
    try:
        a.start()
        b.start()
        assert a.leadership.held() and not b.leadership.held()
        a.stop()
        wait_for(b.leadership.held, "the follower to take over")
    finally:
        b.stop()
        a.stop()


def test_a_leader_killed_with_kill_9_is_replaced(database_url: str) -> None:
    first = runtime(database_url)  # migrates the database for the holder
    first.stop()
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, database_url], cwd=ROOT,
                              stdout=subprocess.PIPE, text=True)
    rt = runtime(database_url, migrate=False)
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "leading"
        rt.start()
        assert not rt.leadership.held()
        holder.kill()  # SIGKILL: no chance to let go
        holder.wait(10)
        wait_for(rt.leadership.held, "a new leader after kill -9")
    finally:
        rt.stop()
        if holder.poll() is None:
            holder.kill()
            holder.wait(10)


def test_only_the_leader_looks_for_due_orders_and_an_order_is_resent_once(
        database_url: str) -> None:
    clock = ManualClock()
    a = runtime(database_url, clock)
    b = runtime(database_url, clock, migrate=False)
    tickers = {}
    for name, rt in (("a", a), ("b", b)):
        tickers[name] = OrderTimeoutTicker(rt, interval_s=0.02)
        rt.services.append(tickers[name])
    try:
        a.start()
        b.start()
        inc = incidents.create_incident(
            a, {"description": "Kebakaran pasar, api besar", **STATION}, OPERATOR)
        uid = inc["recommendations"][0]["unit_id"]
        incidents.dispatch_units(a, inc["id"], {"unit_ids": [uid]}, OPERATOR)
        clock.advance(a.settings.ack_timeout_s + 1)

        def resent() -> int:
            timeline = incidents.get_incident(a, inc["id"])["timeline"]
            return sum(e["kind"] == "order_resent" for e in timeline)

        wait_for(lambda: resent() >= 1, "the resend")
        seen = tickers["b"].passes
        wait_for(lambda: tickers["b"].passes >= seen + 5, "the follower to tick")
        assert resent() == 1
        assert tickers["a"].checks > 0 and tickers["b"].checks == 0
        # The leader goes away: the follower's ticker starts doing the work.
        a.stop()
        wait_for(lambda: tickers["b"].checks > 0, "the follower to take the job over")
    finally:
        b.stop()
        a.stop()


def test_the_system_endpoint_says_who_leads(tmp_path: Path) -> None:
    from dispatch.services import accounts
    from web import create_app

    url = f"sqlite:///{tmp_path}/s.db"
    a, b = runtime(url), runtime(url, migrate=False)
    try:
        accounts.create_user(a, "sup", "supervisor-pass-1", "supervisor")
        token = accounts.create_token(a, "sup")
        a.start()
        b.start()
        said = [create_app(runtime=rt, config={"TESTING": True}).test_client().get(
            "/api/v1/system", headers={"Authorization": f"Bearer {token}"}).get_json()
            for rt in (a, b)]
        assert [s["leader"] for s in said] == [True, False]
        assert said[0]["leadership"] == "FileLease"
    finally:
        b.stop()
        a.stop()
