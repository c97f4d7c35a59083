"""Benchmark the live push: MQTT position publish → arrival at connected Socket.IO consoles.

`siaga112 bench push --units N --rate R --consoles C [--seconds S]`: N simulated units
each publish a position every 1/R seconds for S seconds (a separate publisher process,
the payload's `ts` is the publish instant). The full center runs in this process: the
MQTT gateway, fleet, bus, and web.live's batched Socket.IO forwarder behind a real
threaded HTTP server. C console clients (python-socketio over WebSocket, authenticated
with an API token, in their own process) record `arrival − ts` for every position.

Baseline, same run and same broker: a bare paho subscriber (its own process) records
`arrival − ts` for the same messages, so the figures say what the center adds.

`delivered` counts (position, console) pairs that arrived; `coalesced` the positions a
newer fix of the same unit replaced inside one batch interval (by design, per console);
`lost` = published × C − delivered − coalesced × C. The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import multiprocessing as mp
import os
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from bench.ingest import _register, _run_load, bench_mosquitto
from dispatch.bootstrap import bootstrap
from dispatch.config import Settings
from dispatch.domain.events import UnitPositionUpdated
from dispatch.services import accounts
from units.broker import EmbeddedBroker, free_port
from units.mosquitto import mosquitto_binary
from units.setup import attach


def _percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {"p50_ms": float("nan"), "p95_ms": float("nan"), "p99_ms": float("nan"),
                "max_ms": float("nan")}
    values = sorted(values)

    def pct(p: float) -> float:
        return round(values[min(len(values) - 1, int(p * len(values)))] * 1000, 2)

    return {"p50_ms": pct(0.50), "p95_ms": pct(0.95), "p99_ms": pct(0.99), "max_ms": pct(1.0)}


# -- the consoles (their own process) ------------------------------------------------
# Each console is a minimal Engine.IO 4 / Socket.IO 5 WebSocket client, one reader thread each:
# python-socketio's client starts a thread per message, which would measure the harness.
def _console_reader(ws: Any, latencies: list[float], lock: Any, stop: Any) -> None:
    while not stop.is_set():
        try:
            frame = ws.recv()
        except Exception:
            return
        if not isinstance(frame, str) or not frame:
            continue
        if frame == "2":  # Engine.IO ping → pong
            ws.send("3")
        elif frame.startswith("42"):
            now = time.time()
            name, data = json.loads(frame[2:])[:2]
            if name == "UnitPositions":
                lat = [now - p["ts"] for p in data.get("positions", ())]
                with lock:
                    latencies.extend(lat)


def _consoles(url: str, token: str, n: int, ready: Any, stop: Any, out: Any) -> None:
    import websocket

    latencies: list[float] = []
    lock = threading.Lock()
    sockets, threads = [], []
    ws_url = url.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
    try:
        for _ in range(n):
            # websocket-client validates UTF-8 in pure Python by default: with 50 consoles that
            # alone saturated a core and made the figures seconds (the harness, not the server).
            ws = websocket.create_connection(ws_url, header=[f"Authorization: Bearer {token}"],
                                             skip_utf8_validation=True,
                                             timeout=10)
            if not ws.recv().startswith("0"):
                raise RuntimeError("no Engine.IO open packet")
            ws.send("40")
            answer = ws.recv()
            if not answer.startswith("40"):
                raise RuntimeError(f"Socket.IO connect refused: {answer[:200]}")
            ws.settimeout(1.0)
            sockets.append(ws)
    except Exception as err:  # report instead of hanging the parent
        out.put({"error": f"console connect failed: {err}"})
        ready.set()
        return
    local_stop = threading.Event()
    for ws in sockets:

        def loop(w: Any = ws) -> None:
            while not local_stop.is_set():
                _console_reader(w, latencies, lock, local_stop)
                try:
                    w.ping()  # still open after a recv timeout?
                except Exception:
                    return

        t = threading.Thread(target=loop, daemon=True)
        t.start()
        threads.append(t)
    ready.set()
    stop.wait(600)
    local_stop.set()
    for ws in sockets:
        with contextlib.suppress(Exception):
            ws.close()
    with lock:
        out.put({"latencies": latencies})


# -- the baseline: a bare paho subscriber (its own process) ---------------------------
def _bare_subscriber(url: str, prefix: str, ready: Any, stop: Any, out: Any) -> None:
    host, port = url.split("://", 1)[1].rsplit(":", 1)
    latencies: list[float] = []
    lock = threading.Lock()
    subscribed = threading.Event()

    def on_message(_c: Any, _u: Any, msg: mqtt.MQTTMessage) -> None:
        now = time.time()
        try:
            ts = float(json.loads(msg.payload)["ts"])
        except (ValueError, KeyError, TypeError):
            return
        with lock:
            latencies.append(now - ts)

    c = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"bench-push-base-{os.getpid()}")
    c.on_message = on_message
    c.on_connect = lambda cl, *_a: cl.subscribe(f"{prefix}/units/+/position", qos=0)
    c.on_subscribe = lambda *_a: subscribed.set()
    c.connect(host, int(port))
    c.loop_start()
    subscribed.wait(10)
    ready.set()
    stop.wait(600)
    c.disconnect()
    c.loop_stop()
    with lock:
        out.put({"latencies": latencies})


def _serve(app: Any) -> tuple[Any, int]:
    # werkzeug's threaded server + simple-websocket (one writer thread per console), not the
    # gunicorn gthread of `siaga112 serve`: the figures are for the push path, not the server.
    from werkzeug.serving import make_server

    port = free_port()
    server = make_server("127.0.0.1", port, app, threaded=True)
    threading.Thread(target=server.serve_forever, name="bench-http", daemon=True).start()
    return server, port


def run(units: int, rate: float, consoles: int, seconds: float, broker_kind: str,
        qos: int) -> dict[str, Any]:
    """One measured run; returns the figures."""
    from web import create_app

    unit_ids = [f"P{i:05d}" for i in range(units)]
    prefix = "push" + os.urandom(3).hex()
    ctx = mp.get_context("spawn")
    with tempfile.TemporaryDirectory(prefix="siaga-push-") as tmp:
        workdir = Path(tmp)
        if broker_kind == "mosquitto":
            if mosquitto_binary() is None:
                raise SystemExit("mosquitto is not installed (make install); or --broker embedded")
            broker: Any = bench_mosquitto(workdir)
        else:
            broker = EmbeddedBroker().start()
        rt = bootstrap(Settings(database_url=f"sqlite:///{workdir}/push.db", mqtt_url=broker.url,
                              mqtt_prefix=prefix, secret_key=os.urandom(16).hex(), tile_url=""))
        server = None
        procs: list[Any] = []
        try:
            _register(rt, unit_ids)
            accounts.create_user(rt, "bench", os.urandom(12).hex(), "operator")
            token = accounts.create_token(rt, "bench", "bench push")
            attach(rt, embedded=False)
            app = create_app(runtime=rt)
            ingested = {"n": 0}
            bus_latencies: list[float] = []

            def on_position(event: UnitPositionUpdated) -> None:
                ingested["n"] += 1
                bus_latencies.append(time.time() - event.ts)

            rt.bus.subscribe(UnitPositionUpdated, on_position)
            rt.start()
            if not rt.orders.wait_subscribed(10):
                raise RuntimeError("gateway did not subscribe")
            server, port = _serve(app)
            stop = ctx.Event()
            queues = []
            for target, args in (
                (_bare_subscriber, (broker.url, prefix)),
                (_consoles, (f"http://127.0.0.1:{port}", token, consoles)),
            ):
                ready, q = ctx.Event(), ctx.Queue()
                proc = ctx.Process(target=target, args=(*args, ready, stop, q), daemon=True)
                proc.start()
                if not ready.wait(120):
                    raise RuntimeError(f"{target.__name__} did not get ready")
                procs.append(proc)
                queues.append(q)
            load = _run_load(broker.url, prefix, unit_ids, seconds, rate, qos)
            time.sleep(1.0)  # the last batches and frames
            stop.set()
            base, cons = (q.get(timeout=120) for q in queues)
            if "error" in cons:
                raise RuntimeError(cons["error"])
            batcher = rt.live.batcher
            emitted = batcher.positions
            frames = batcher.frames
        finally:
            for proc in procs:
                proc.join(30)
            if server is not None:
                server.shutdown()
            rt.stop()
            broker.stop()
    published = int(load["published"])
    delivered = len(cons["latencies"])
    coalesced = max(0, ingested["n"] - emitted)
    lost = max(0, published * consoles - delivered - coalesced * consoles)
    return {
        "published": published,
        "ingested": ingested["n"],
        "frames": frames,
        "coalesced": coalesced,
        "delivered": delivered,
        "lost": lost,
        "console": _percentiles(cons["latencies"]),
        "baseline": _percentiles(base["latencies"]),
        "baseline_received": len(base["latencies"]),
        "bus": _percentiles(bus_latencies),
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Run the push benchmark; print figures, the last line one JSON object."""
    p = argparse.ArgumentParser(prog="siaga112 bench push", description=__doc__.split("\n")[0])
    p.add_argument("--units", type=int, default=1000)
    p.add_argument("--rate", type=float, default=1.0, help="positions per unit per second")
    p.add_argument("--consoles", type=int, default=1)
    p.add_argument("--seconds", type=float, default=10.0)
    p.add_argument("--qos", type=int, default=0, choices=(0, 1))
    p.add_argument("--broker", default="mosquitto", choices=("mosquitto", "embedded"))
    args = p.parse_args(argv)
    logging.getLogger("werkzeug").setLevel(logging.ERROR + 10)  # request lines are noise here
    print(f"push: {args.units} units × {args.rate} Hz × {args.seconds} s → {args.consoles} "
          f"console(s), broker {args.broker}, QoS {args.qos}", flush=True)
    r = run(args.units, args.rate, args.consoles, args.seconds, args.broker, args.qos)
    c, b = r["console"], r["baseline"]
    print(f"baseline (bare paho subscriber): {r['baseline_received']} msgs, p50 {b['p50_ms']} ms "
          f"p95 {b['p95_ms']} ms p99 {b['p99_ms']} ms", flush=True)
    print(f"center bus (gateway → bus event): p50 {r['bus']['p50_ms']} ms "
          f"p95 {r['bus']['p95_ms']} ms", flush=True)
    print(f"consoles: delivered {r['delivered']} (published {r['published']} × {args.consoles}), "
          f"{r['frames']} frames, coalesced {r['coalesced']}, lost {r['lost']}; p50 {c['p50_ms']} ms "
          f"p95 {c['p95_ms']} ms p99 {c['p99_ms']} ms max {c['max_ms']} ms", flush=True)
    result = {
        "benchmark": "push",
        "units": args.units,
        "rate_hz": args.rate,
        "consoles": args.consoles,
        "seconds": args.seconds,
        "broker": args.broker,
        "published": r["published"],
        "delivered": r["delivered"],
        "lost": r["lost"],
        "coalesced": r["coalesced"],
        "p50_ms": c["p50_ms"],
        "p95_ms": c["p95_ms"],
        "p99_ms": c["p99_ms"],
        "max_ms": c["max_ms"],
        "baseline_p50_ms": b["p50_ms"],
        "baseline_p95_ms": b["p95_ms"],
        "bus_p95_ms": r["bus"]["p95_ms"],
        "added_p95_ms": round(c["p95_ms"] - b["p95_ms"], 2),
        "target_p95_ms": 50 if args.consoles <= 1 else 100,
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    print(json.dumps(result))
    return result
