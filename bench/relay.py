"""Benchmark the cross-process relay: a fix ingested in one process → the other's fleet.

`siaga112 bench relay [--units N] [--rate R] [--seconds S]`: process A (this one) calls
services.field.record_position (what the MQTT gateway calls) R times a second over N
units for S seconds, with a relay attached; process B (its own process, the same SQLite
file, the same redis-server) records `arrival − ts` in a relayed_too bus handler, after
its fleet replica was updated. `ts` is the instant A was handed the fix.

Baseline, same run and same redis-server: a bare redis-py publisher (here) and
subscriber (its own process) at the same rate with a payload of the relay's size, so the
figures say what the relay adds to a pub/sub round trip. The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import logging
import multiprocessing as mp
import random
import tempfile
import time
from pathlib import Path
from typing import Any

import redis

from dispatch.bootstrap import bootstrap
from dispatch.config import Settings
from dispatch.db.models import Unit
from dispatch.domain.events import Event, UnitPositionUpdated
from dispatch.relay import attach_relay
from dispatch.services import field
from dispatch.services.units import load_fleet
from units.redis_server import RedisServer, redis_binary

CHANNEL = "bench:bare"
CENTER = (-7.8167, 112.0136)  # Kediri


def _percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {"p50_ms": float("nan"), "p99_ms": float("nan"), "max_ms": float("nan")}
    values = sorted(values)

    def pct(p: float) -> float:
        return round(values[min(len(values) - 1, int(p * len(values)))] * 1000, 3)

    return {"p50_ms": pct(0.50), "p99_ms": pct(0.99), "max_ms": pct(1.0)}


# -- process B ------------------------------------------------------------------------
def _relay_receiver(db_url: str, redis_url: str, ready: Any, done: Any, out: Any) -> None:
    logging.basicConfig(level=logging.WARNING)
    rt = bootstrap(Settings(database_url=db_url), run_migrations=False)
    relay = attach_relay(rt, redis_url)
    latencies: list[float] = []

    def on_position(event: Event) -> None:
        assert isinstance(event, UnitPositionUpdated)
        latencies.append(time.time() - event.ts)

    rt.bus.subscribe(UnitPositionUpdated, on_position, relayed_too=True)
    rt.start()
    relay.wait_connected(10)
    ready.set()
    done.wait()
    rt.stop()
    out.send(latencies)


def _bare_receiver(redis_url: str, ready: Any, done: Any, out: Any) -> None:
    client = redis.Redis.from_url(redis_url)
    pubsub = client.pubsub(ignore_subscribe_messages=True)
    pubsub.subscribe(CHANNEL)
    latencies: list[float] = []
    ready.set()
    while not done.is_set():
        msg = pubsub.get_message(timeout=0.2)
        if msg is not None and msg["type"] == "message":
            latencies.append(time.time() - json.loads(msg["data"])["t"])
    pubsub.close()
    client.close()
    out.send(latencies)


# -- process A ------------------------------------------------------------------------
def _paced(total: int, rate: float, send: Any) -> float:
    """Call send(i) on schedule; returns the achieved rate."""
    start = time.perf_counter()
    for i in range(total):
        delay = start + i / rate - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        send(i)
    return total / (time.perf_counter() - start)


def _run(ctx: Any, target: Any, args: tuple[Any, ...], load: Any) -> tuple[list[float], float]:
    ready, done = ctx.Event(), ctx.Event()
    mine, theirs = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=target, args=(*args, ready, done, theirs), daemon=True)
    proc.start()
    if not ready.wait(60):
        raise SystemExit("receiver did not start")
    time.sleep(0.5)  # the receiver's subscription settles before the first message
    achieved = load()
    time.sleep(1.0)  # what is still in flight arrives (a late message counts as lost)
    done.set()
    latencies: list[float] = mine.recv()
    proc.join(30)
    return latencies, achieved


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Run the relay and the bare pub/sub round trip; print and return the figures."""
    parser = argparse.ArgumentParser(prog="bench.relay", description=__doc__)
    parser.add_argument("--units", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=1000.0, help="fixes per second")
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    total = int(args.rate * args.seconds)
    ctx = mp.get_context("spawn")
    rng = random.Random(112)
    with tempfile.TemporaryDirectory() as tmp:
        if redis_binary() is None:
            raise SystemExit("redis-server not installed (scripts/ensure-system-deps.sh "
                             "installs it)")
        server = RedisServer(Path(tmp))
        server.start()
        redis_url = server.url
        try:
            db_url = f"sqlite:///{tmp}/relay.db"
            rt = bootstrap(Settings(database_url=db_url))
            ids = [f"B{i:05d}" for i in range(args.units)]
            now = rt.clock.now()
            with rt.session() as s:
                s.add_all(Unit(id=u, type="ambulance", name=u, status="available",
                               status_since=now, source="mqtt", online=True, created_at=now)
                          for u in ids)
            load_fleet(rt)
            attach_relay(rt, redis_url)
            rt.start()
            points = [(CENTER[0] + rng.uniform(-0.02, 0.02), CENTER[1] + rng.uniform(-0.02, 0.02))
                      for _ in range(256)]
            ingest_s: list[float] = []

            def send_fix(i: int) -> None:
                lat, lon = points[i % len(points)]
                t0 = time.perf_counter()
                field.record_position(rt, ids[i % len(ids)], lat, lon, time.time())
                ingest_s.append(time.perf_counter() - t0)

            relay_lat, relay_rate = _run(ctx, _relay_receiver, (db_url, redis_url),
                                         lambda: _paced(total, args.rate, send_fix))
            sent = rt.counters.snapshot()
            rt.stop()

            # The relay's message for one fix: its fleet change and its event, in one publish.
            pad = "x" * 505  # ~540 bytes, like the relay message for one fix
            publisher = redis.Redis.from_url(redis_url)

            def send_bare(i: int) -> None:
                publisher.publish(CHANNEL, json.dumps({"t": time.time(), "pad": pad}))

            bare_lat, bare_rate = _run(ctx, _bare_receiver, (redis_url,),
                                       lambda: _paced(total, args.rate, send_bare))
            publisher.close()
        finally:
            server.stop()
    relay = _percentiles(relay_lat)
    bare = _percentiles(bare_lat)
    result = {
        "bench": "relay",
        "units": args.units,
        "rate_target": args.rate,
        "seconds": args.seconds,
        "relay": {"sent": total, "received": len(relay_lat), "lost": total - len(relay_lat),
                  "rate_achieved": round(relay_rate, 1), **relay,
                  "redis_items_sent": sent.get("relay.sent", 0),
                  "dropped": sent.get("relay.dropped", 0),
                  "ingest_call": _percentiles(ingest_s)},
        "bare_pubsub": {"sent": total, "received": len(bare_lat),
                        "lost": total - len(bare_lat), "rate_achieved": round(bare_rate, 1),
                        **bare},
        "relay_minus_bare_p50_ms": round(relay["p50_ms"] - bare["p50_ms"], 3),
        "relay_minus_bare_p99_ms": round(relay["p99_ms"] - bare["p99_ms"], 3),
    }
    print(f"relay       p50 {relay['p50_ms']} ms  p99 {relay['p99_ms']} ms  "
          f"({len(relay_lat)}/{total} received)")
    print(f"bare pubsub p50 {bare['p50_ms']} ms  p99 {bare['p99_ms']} ms  "
          f"({len(bare_lat)}/{total} received)")
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
