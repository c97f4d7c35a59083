"""Two processes (web, worker) keep their fleet replicas in step through the Redis relay.

Two Runtimes on one SQLite file stand for two processes: they share only the database
and a real redis-server started by the test. Arrival is awaited with a timeout.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis

from dispatch.bootstrap import bootstrap
from dispatch.clock import ManualClock
from dispatch.config import Settings
from dispatch.db.models import Unit
from dispatch.domain.events import Event, UnitDispatched, UnitPositionUpdated
from dispatch.relay import Relay, attach_relay
from dispatch.runtime import Runtime
from dispatch.services import field, incidents
from dispatch.services.actors import Actor
from units.redis_server import RedisServer, redis_binary

OPERATOR = Actor("operator", "op", None, "operator")
STATION = {"lat": -7.8167, "lon": 112.0136}


def wait_for(condition: Callable[[], bool], timeout: float = 10.0) -> bool:
    """Poll until the condition holds or the timeout passes; the condition's last value."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return condition()
        time.sleep(0.01)
    return True


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    if redis_binary() is None:
        pytest.skip("redis-server not installed (scripts/ensure-system-deps.sh installs it)")
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


class Proc:
    """One process: its own runtime (fleet replica) with a relay, on the shared database."""

    def __init__(self, url: str, redis_url: str, migrate: bool) -> None:
        self.rt = bootstrap(Settings(database_url=url, secret_key="test-secret"),
                            clock=ManualClock(), run_migrations=migrate)
        self.relay: Relay = attach_relay(self.rt, redis_url)
        self.rt.start()
        assert self.relay.wait_connected(10)


@pytest.fixture
def two(tmp_path: Path, redis_server: RedisServer) -> Iterator[tuple[Proc, Proc]]:
    url = f"sqlite:///{tmp_path}/siaga.db"
    a = Proc(url, redis_server.url, migrate=True)
    b = Proc(url, redis_server.url, migrate=False)
    yield a, b
    b.rt.stop()
    a.rt.stop()


def a_fire_engine(rt: Runtime) -> str:
    return next(u.id for u in rt.fleet.all() if u.type == "fire_engine" and not u.simulated)


def test_a_fix_ingested_in_one_process_shows_in_the_other(two: tuple[Proc, Proc]) -> None:
    a, b = two
    uid = a_fire_engine(a.rt)
    lat, lon = STATION["lat"] + 0.002, STATION["lon"] + 0.001
    ts = a.rt.clock.time()
    assert field.record_position(a.rt, uid, lat, lon, ts, speed_kmh=30.0, battery=80.0)

    def arrived() -> bool:
        u = b.rt.fleet.get(uid)
        return u is not None and (u.lat, u.lon, u.fix_ts) == (lat, lon, ts)

    assert wait_for(arrived)
    u = b.rt.fleet.get(uid)
    assert u is not None and u.speed_kmh == 30.0 and u.battery == 80.0 and u.source == "mqtt"
    # B's spatial index moved too: B's nearest search finds the unit at its new place.
    near = b.rt.fleet.nearest_available("fire_engine", lat, lon, 1, now=ts)
    assert near and near[0][0].unit_id == uid and near[0][1] < 1.0


def test_a_dispatch_in_one_process_makes_the_unit_busy_in_the_other(
        two: tuple[Proc, Proc]) -> None:
    a, b = two
    inc = incidents.create_incident(
        a.rt, {"description": "Kebakaran rumah, api besar", **STATION}, OPERATOR)
    uid = next(r["unit_id"] for r in inc["recommendations"] if r["unit_type"] == "fire_engine")
    got: list[Event] = []
    b.rt.bus.subscribe(UnitDispatched, got.append, relayed_too=True)
    incidents.dispatch_units(a.rt, inc["id"], {"unit_ids": [uid]}, OPERATOR)

    def busy() -> bool:
        u = b.rt.fleet.get(uid)
        return u is not None and u.status == "dispatched" and u.incident_id == inc["id"]

    assert wait_for(busy)
    # B's own recommendation no longer offers it.
    near = b.rt.fleet.nearest_available("fire_engine", STATION["lat"], STATION["lon"], 50,
                                        now=b.rt.clock.time())
    assert uid not in [c.unit_id for c, _ in near]
    # The event itself came across too, whole, for B's replica-keeping handlers.
    assert wait_for(lambda: len(got) == 1)
    assert isinstance(got[0], UnitDispatched)
    assert (got[0].unit_id, got[0].incident_id) == (uid, inc["id"])


def test_a_relayed_event_reaches_only_relayed_too_handlers(two: tuple[Proc, Proc]) -> None:
    a, b = two
    acting: list[Event] = []  # like the MQTT order publisher or the console push
    keeping: list[Event] = []  # like a replica updater
    b.rt.bus.subscribe(UnitPositionUpdated, acting.append)
    b.rt.bus.subscribe(UnitPositionUpdated, keeping.append, relayed_too=True)
    uid = a_fire_engine(a.rt)
    field.record_position(a.rt, uid, STATION["lat"], STATION["lon"], a.rt.clock.time())
    assert wait_for(lambda: len(keeping) == 1)
    assert isinstance(keeping[0], UnitPositionUpdated) and keeping[0].unit_id == uid
    # A later local fix in B reaches both kinds; by then the relayed one would have too.
    field.record_position(b.rt, uid, STATION["lat"], STATION["lon"], b.rt.clock.time() + 1)
    assert len(acting) == 1 and acting[0].ts == b.rt.clock.time() + 1
    # And B does not send A's fix back: A hears only B's own fixes.
    t1 = b.rt.clock.time() + 1
    assert wait_for(lambda: getattr(a.rt.fleet.get(uid), "fix_ts", None) == t1)
    heard: list[Event] = []
    a.rt.bus.subscribe(UnitPositionUpdated, heard.append, relayed_too=True)
    field.record_position(b.rt, uid, STATION["lat"], STATION["lon"], b.rt.clock.time() + 2)
    assert wait_for(lambda: len(heard) >= 1)
    assert [e.ts for e in heard] == [b.rt.clock.time() + 2], heard  # type: ignore[attr-defined]
    a_sent = a.rt.counters.snapshot().get("relay.sent", 0)
    b_sent = b.rt.counters.snapshot().get("relay.sent", 0)
    # B sent its two fixes (a fleet change and an event each), nothing of A's.
    assert b_sent == 4, (a_sent, b_sent)


def test_a_redis_restart_is_survived_and_the_replica_refreshed(
        two: tuple[Proc, Proc], redis_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    a, b = two
    caplog.set_level(logging.INFO, logger="dispatch.relay")
    inc = incidents.create_incident(
        a.rt, {"description": "Kebakaran rumah, api besar", **STATION}, OPERATOR)
    uid = next(r["unit_id"] for r in inc["recommendations"] if r["unit_type"] == "fire_engine")
    redis_server.stop()
    assert wait_for(lambda: not b.relay.connected.is_set())
    # Sent while Redis is away: pub/sub loses it, only the database has it.
    incidents.dispatch_units(a.rt, inc["id"], {"unit_ids": [uid]}, OPERATOR)
    # A could not publish it and drops it (a late backlog could undo newer changes).
    assert wait_for(lambda: a.rt.counters.snapshot().get("relay.dropped", 0) > 0)
    time_of_gap = b.relay.refreshes
    redis_server.start()
    assert wait_for(lambda: b.relay.connected.is_set() and b.relay.refreshes > time_of_gap,
                    timeout=20)
    u = b.rt.fleet.get(uid)
    assert u is not None and (u.status, u.incident_id) == ("dispatched", inc["id"])
    # And the relay works again afterwards.
    assert a.relay.wait_connected(20)
    field.record_position(a.rt, uid, STATION["lat"] + 0.001, STATION["lon"],
                          a.rt.clock.time())
    assert wait_for(lambda: (b.rt.fleet.get(uid) or u).lat == STATION["lat"] + 0.001)
    said = [r.getMessage() for r in caplog.records if r.name == "dispatch.relay"]
    assert any("lost Redis" in m for m in said), said
    assert any("Redis back" in m and "refreshed" in m for m in said), said


def test_a_sender_that_dropped_changes_makes_the_others_refresh(
        two: tuple[Proc, Proc], redis_server: RedisServer) -> None:
    a, b = two
    uid = a_fire_engine(a.rt)
    # A change only the database knows (as if its relay message was dropped)...
    with a.rt.session() as s:
        row = s.get(Unit, uid)
        assert row is not None
        row.status = "out_of_service"
    assert b.rt.fleet.get(uid).status == "available"  # type: ignore[union-attr]
    # ...and the sender's first message after its outage says so: B re-reads the database.
    client = redis.Redis.from_url(redis_server.url)
    try:
        client.publish(b.relay.channel, json.dumps({"p": "elsewhere", "m": [["r"]]}))
    finally:
        client.close()
    assert wait_for(lambda: b.rt.fleet.get(uid).status == "out_of_service")  # type: ignore[union-attr]
