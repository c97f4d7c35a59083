"""Benchmark the MQTT position ingest against a bare subscriber on the same broker, same run.

`siaga112 bench ingest --units N --seconds S [--rate HZ]`: N simulated units each publish
a QoS 1 position every 1/HZ seconds for S seconds (a separate publisher process). The same
load is received twice, one after the other:

- baseline: a bare paho subscriber that only counts messages;
- pipeline: the full ingest — gateway (route, size check, parse, validate), fleet state,
  batched track persistence, the bus event reaching a subscriber and the console push
  (web.live's Socket.IO forwarder is attached through create_app).

msgs/s = messages handled ÷ (last handled − first published), so a backlog shows as a
lower rate. Latency is from the device timestamp to the bus subscriber. `lost` counts
QoS 1 messages the broker acknowledged to the publisher that the pipeline did not handle
(and fixes missing from the track table). The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import random
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from dispatch.bootstrap import bootstrap
from dispatch.config import Settings
from dispatch.db.models import Unit, UnitPosition
from dispatch.domain.events import UnitPositionUpdated
from dispatch.runtime import Runtime
from dispatch.services.units import load_fleet
from units.broker import EmbeddedBroker, free_port
from units.mosquitto import Mosquitto, mosquitto_binary
from units.setup import attach

CENTER = (-7.8166, 112.0119)  # Kota Kediri
TYPES = ("ambulance", "fire_engine", "police", "rescue")


def bench_mosquitto(workdir: Path) -> Mosquitto:
    """A Mosquitto without persistence and with deep queues, so the broker is never the limit."""
    return Mosquitto(port=free_port(), workdir=workdir, persistence=False,
                     max_queued_messages=1_000_000).start()


# -- the publisher (its own process, so it does not share the receiver's GIL) -----------
def _publisher(host: str, port: int, prefix: str, unit_ids: list[str], seconds: float,
               rate: float, qos: int, out: Any) -> None:
    acked = 0
    lock = threading.Lock()

    def on_publish(*_a: Any) -> None:
        nonlocal acked
        with lock:
            acked += 1

    c = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"bench-pub-{os.getpid()}")
    c.max_inflight_messages_set(2000)
    c.max_queued_messages_set(0)
    c.on_publish = on_publish
    c.connect(host, port, keepalive=60)
    c.loop_start()
    rnd = random.Random(7)
    pos = {u: [CENTER[0] + rnd.uniform(-0.03, 0.03), CENTER[1] + rnd.uniform(-0.03, 0.03)]
           for u in unit_ids}
    slices = 20  # spread each round over its interval, as real units are not in lockstep
    interval = 1.0 / rate
    rounds = max(1, round(seconds * rate))
    published = 0
    t0 = time.time()
    for r in range(rounds):
        for s in range(slices):
            due = t0 + r * interval + s * interval / slices
            delay = due - time.time()
            if delay > 0:
                time.sleep(delay)
            for uid in unit_ids[s::slices]:
                p = pos[uid]
                p[0] += rnd.uniform(-2e-4, 2e-4)
                p[1] += rnd.uniform(-2e-4, 2e-4)
                body = json.dumps({"lat": round(p[0], 6), "lon": round(p[1], 6),
                                   "ts": time.time(), "speed_kmh": 32.5, "heading": 90,
                                   "accuracy_m": 5, "battery": 80})
                c.publish(f"{prefix}/units/{uid}/position", body, qos=qos)
                published += 1
    t_sent = time.time()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with lock:
            if qos == 0 or acked >= published:
                break
        time.sleep(0.02)
    c.disconnect()
    c.loop_stop()
    out.put({"published": published, "acked": acked if qos else published, "t0": t0,
             "t_sent": t_sent})


def _run_load(url: str, prefix: str, unit_ids: list[str], seconds: float, rate: float,
              qos: int) -> dict[str, Any]:
    host, port = url.split("://", 1)[1].rsplit(":", 1)
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    proc = ctx.Process(target=_publisher, args=(host, int(port), prefix, unit_ids, seconds, rate,
                                                qos, q))
    proc.start()
    result = q.get(timeout=seconds + 120)
    proc.join(30)
    return result  # type: ignore[no-any-return]


def _wait_count(get: Any, target: int, idle_s: float = 5.0) -> None:
    """Wait until `get()` reaches target or stops moving for idle_s."""
    last, since = get(), time.monotonic()
    while last < target:
        time.sleep(0.02)
        now_count = get()
        if now_count != last:
            last, since = now_count, time.monotonic()
        elif time.monotonic() - since > idle_s:
            break


# -- the two receivers ---------------------------------------------------------------
def _baseline(url: str, prefix: str, unit_ids: list[str], seconds: float, rate: float,
              qos: int) -> dict[str, Any]:
    host, port = url.split("://", 1)[1].rsplit(":", 1)
    state = {"n": 0, "last": 0.0}
    lock = threading.Lock()
    subscribed = threading.Event()
    latencies: list[float] = []

    def on_message(_c: Any, _u: Any, msg: Any) -> None:
        now = time.time()
        # Only the device time is read (for the transport latency); nothing else is done.
        ts = json.loads(msg.payload)["ts"]
        with lock:
            state["n"] += 1
            state["last"] = now
            latencies.append(now - ts)

    c = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"bench-base-{os.getpid()}")
    c.on_message = on_message
    c.on_connect = lambda cl, *_a: cl.subscribe(f"{prefix}/units/+/position", qos=qos)
    c.on_subscribe = lambda *_a: subscribed.set()
    c.connect(host, int(port))
    c.loop_start()
    if not subscribed.wait(10):
        raise RuntimeError("baseline subscriber did not subscribe")
    load = _run_load(url, prefix, unit_ids, seconds, rate, qos)
    _wait_count(lambda: state["n"], load["acked"])
    c.disconnect()
    c.loop_stop()
    elapsed = max(state["last"] - load["t0"], 1e-9)
    return {"received": state["n"], "msgs_per_s": state["n"] / elapsed, "load": load,
            "p99_ms": _pct(latencies, 0.99)}


def _pct(values: list[float], p: float) -> float:
    """The p-quantile of latencies in seconds, as milliseconds."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000


def _register(rt: Runtime, unit_ids: list[str]) -> None:
    now = rt.clock.now()
    with rt.session() as s:
        s.add_all(Unit(id=u, type=TYPES[i % len(TYPES)], name=u, status="available",
                       status_since=now, source="mqtt", online=True, created_at=now)
                  for i, u in enumerate(unit_ids))
    load_fleet(rt)


def _pipeline(url: str, prefix: str, unit_ids: list[str], seconds: float, rate: float,
              qos: int, db_url: str, with_web: bool) -> dict[str, Any]:
    rt = bootstrap(Settings(database_url=db_url, mqtt_url=url, mqtt_prefix=prefix,
                          secret_key=os.urandom(16).hex()))
    _register(rt, unit_ids)
    attach(rt, embedded=False)
    if with_web:
        from web import create_app

        create_app(runtime=rt)  # subscribes web.live's Socket.IO forwarder to the bus
    latencies: list[float] = []
    state = {"n": 0, "last": 0.0}
    lock = threading.Lock()

    def on_position(event: Any) -> None:
        now = time.time()
        with lock:
            state["n"] += 1
            state["last"] = now
            latencies.append(now - event.ts)

    rt.bus.subscribe(UnitPositionUpdated, on_position)
    rt.start()
    try:
        gw = rt.orders
        if not gw.wait_subscribed(10):
            raise RuntimeError("gateway did not subscribe")
        load = _run_load(url, prefix, unit_ids, seconds, rate, qos)
        _wait_count(lambda: state["n"], load["acked"])
        writer = rt.tracks
        writer.flush(60)
        with rt.session() as s:
            from sqlalchemy import func, select

            rows = int(s.scalar(select(func.count()).select_from(UnitPosition)) or 0)
        counters = rt.counters.snapshot()
    finally:
        rt.stop()
    elapsed = max(state["last"] - load["t0"], 1e-9)
    return {"received": state["n"], "msgs_per_s": state["n"] / elapsed, "load": load,
            "p50_ms": _pct(latencies, 0.50), "p99_ms": _pct(latencies, 0.99),
            "max_ms": _pct(latencies, 1.0), "track_rows": rows,
            "dropped": {k: v for k, v in counters.items() if k.startswith("mqtt_dropped.")}}


def _worker_proc(url: str, prefix: str, db_url: str, count: Any, ready: Any, stop: Any,
                 out: Any) -> None:
    """One worker process (role worker, shared group): counts what it handled."""
    from units.setup import field_parts

    rt = bootstrap(Settings(database_url=db_url, mqtt_url=url, mqtt_prefix=prefix,
                            role="worker", secret_key=os.urandom(16).hex()),
                   field=field_parts(embedded=False))
    seen: list[tuple[str, float]] = []
    latencies: list[float] = []
    lock = threading.Lock()

    def on_position(event: Any) -> None:
        now = time.time()
        with lock:
            seen.append((event.unit_id, event.ts))
            latencies.append(now - event.ts)
            count.value += 1

    rt.bus.subscribe(UnitPositionUpdated, on_position)
    rt.start()
    try:
        if not rt.orders.wait_subscribed(10):  # type: ignore[union-attr]
            raise RuntimeError("worker gateway did not subscribe")
        ready.set()
        stop.wait(600)
        rt.tracks.flush(60)  # type: ignore[union-attr]
    finally:
        rt.stop()
    out.put({"seen": seen, "latencies": latencies})


def _workers(url: str, prefix: str, unit_ids: list[str], seconds: float, rate: float,
             qos: int, db_url: str, n: int) -> dict[str, Any]:
    """The ingest split over `n` worker processes in one shared-subscription group."""
    rt = bootstrap(Settings(database_url=db_url, mqtt_url=url, mqtt_prefix=prefix))
    _register(rt, unit_ids)
    rt.stop()
    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    stop = ctx.Event()
    counts = [ctx.Value("i", 0) for _ in range(n)]
    readies = [ctx.Event() for _ in range(n)]
    procs = [ctx.Process(target=_worker_proc, args=(url, prefix, db_url, counts[i], readies[i],
                                                    stop, out)) for i in range(n)]
    for proc in procs:
        proc.start()
    try:
        for ready in readies:
            if not ready.wait(60):
                raise RuntimeError("a worker did not start")
        load = _run_load(url, prefix, unit_ids, seconds, rate, qos)
        _wait_count(lambda: sum(c.value for c in counts), load["acked"])
        t_done = time.time()
    finally:
        stop.set()
    results = [out.get(timeout=120) for _ in procs]
    for proc in procs:
        proc.join(30)
    seen = [pair for r in results for pair in r["seen"]]
    latencies = [lat for r in results for lat in r["latencies"]]
    handled = len(seen)
    elapsed = max(t_done - load["t0"], 1e-9)
    return {"workers": n, "received": handled, "per_worker": [len(r["seen"]) for r in results],
            "handled_twice": handled - len(set(seen)),
            "lost": max(0, load["acked"] - len(set(seen))),
            "msgs_per_s": handled / elapsed, "p50_ms": _pct(latencies, 0.50),
            "p99_ms": _pct(latencies, 0.99), "load": load}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Run baseline then pipeline on the same broker; print figures, last line JSON."""
    p = argparse.ArgumentParser(prog="siaga112 bench ingest", description=__doc__.split("\n")[0])
    p.add_argument("--units", type=int, default=1000)
    p.add_argument("--seconds", type=float, default=10.0)
    p.add_argument("--rate", type=float, default=1.0, help="fixes per unit per second")
    p.add_argument("--qos", type=int, default=1, choices=(0, 1))
    p.add_argument("--broker", default="mosquitto",
                   help="mosquitto (started here), embedded (amqtt), or an mqtt:// URL")
    p.add_argument("--no-web", action="store_true", help="leave out the Socket.IO forwarder")
    p.add_argument("--workers", type=int, default=0,
                   help="N ≥ 1: also run the ingest over N worker processes in one MQTT shared "
                        "subscription group (no fix handled twice, none lost)")
    args = p.parse_args(argv)

    unit_ids = [f"B{i:05d}" for i in range(args.units)]
    prefix = "bench" + os.urandom(3).hex()
    with tempfile.TemporaryDirectory(prefix="siaga-bench-") as tmp:
        workdir = Path(tmp)
        broker: Any = None
        if args.broker == "mosquitto":
            if mosquitto_binary() is None:
                raise SystemExit("mosquitto is not installed (make install); or --broker embedded")
            broker = bench_mosquitto(workdir)
            url = broker.url
        elif args.broker == "embedded":
            broker = EmbeddedBroker().start()
            url = broker.url
        else:
            url = args.broker
        try:
            print(f"broker {args.broker} at {url}; {args.units} units × {args.rate} Hz × "
                  f"{args.seconds} s, QoS {args.qos}", flush=True)
            base = _baseline(url, prefix, unit_ids, args.seconds, args.rate, args.qos)
            print(f"baseline: {base['received']} msgs, {base['msgs_per_s']:.0f} msgs/s, "
                  f"transport latency p99 {base['p99_ms']:.1f} ms "
                  f"(published {base['load']['published']}, acked {base['load']['acked']})",
                  flush=True)
            pipe = _pipeline(url, prefix + "p", unit_ids, args.seconds, args.rate, args.qos,
                             f"sqlite:///{workdir}/bench.db", not args.no_web)
            print(f"pipeline: {pipe['received']} msgs, {pipe['msgs_per_s']:.0f} msgs/s, "
                  f"latency p50 {pipe['p50_ms']:.1f} ms p99 {pipe['p99_ms']:.1f} ms "
                  f"max {pipe['max_ms']:.1f} ms; track rows {pipe['track_rows']}; "
                  f"drops {pipe['dropped'] or 'none'}", flush=True)
            shared = None
            if args.workers:
                shared = _workers(url, prefix + "w", unit_ids, args.seconds, args.rate,
                                  args.qos, f"sqlite:///{workdir}/workers.db", args.workers)
                print(f"{args.workers} workers: {shared['received']} msgs "
                      f"({shared['per_worker']}), {shared['msgs_per_s']:.0f} msgs/s, p99 "
                      f"{shared['p99_ms']:.1f} ms; handled twice {shared['handled_twice']}, "
                      f"lost {shared['lost']}", flush=True)
        finally:
            if broker is not None:
                broker.stop()
    acked = pipe["load"]["acked"]
    lost = max(0, acked - pipe["received"]) + max(0, acked - pipe["track_rows"])
    result = {
        "benchmark": "ingest",
        "broker": args.broker if args.broker in ("mosquitto", "embedded") else "url",
        "units": args.units,
        "seconds": args.seconds,
        "rate_hz": args.rate,
        "qos": args.qos,
        "offered_msgs_per_s": args.units * args.rate,
        "published": pipe["load"]["published"],
        "baseline_received": base["received"],
        "pipeline_received": pipe["received"],
        "track_rows": pipe["track_rows"],
        "baseline_msgs_per_s": round(base["msgs_per_s"], 1),
        "pipeline_msgs_per_s": round(pipe["msgs_per_s"], 1),
        "ratio": round(pipe["msgs_per_s"] / base["msgs_per_s"], 3) if base["msgs_per_s"] else 0,
        "p50_latency_ms": round(pipe["p50_ms"], 2),
        "p99_latency_ms": round(pipe["p99_ms"], 2),
        "baseline_p99_latency_ms": round(base["p99_ms"], 2),
        "load_average": round(os.getloadavg()[0], 2),
        "lost": lost,
        "latency_ratio": round(pipe["p99_ms"] / base["p99_ms"], 2) if base["p99_ms"] else None,
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    if shared is not None:
        result["workers"] = {
            "count": shared["workers"],
            "received": shared["received"],
            "per_worker": shared["per_worker"],
            "handled_twice": shared["handled_twice"],
            "lost": shared["lost"],
            "msgs_per_s": round(shared["msgs_per_s"], 1),
            "ratio_to_baseline": round(shared["msgs_per_s"] / base["msgs_per_s"], 3)
            if base["msgs_per_s"] else 0,
            "p50_latency_ms": round(shared["p50_ms"], 2),
            "p99_latency_ms": round(shared["p99_ms"], 2),
            "latency_ratio": round(shared["p99_ms"] / base["p99_ms"], 2)
            if base["p99_ms"] else None,
        }
    print(json.dumps(result))
    return result
