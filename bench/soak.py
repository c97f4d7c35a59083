"""A simulated shift: HTTP intake, MQTT fleet positions, consoles connected, for M minutes.

`siaga112 bench soak --minutes M [--units N] [--consoles C]`: the full center runs in this
process (Runtime, MQTT gateway on a real Mosquitto, web app behind a threaded HTTP server);
C Socket.IO consoles (WebSocket, API token) receive the pushes; N units publish a position
every second (paho, QoS 0); an operator thread posts an incident every few seconds through
`POST /api/v1/incidents`. RSS of this process (center + harness) is read at start, after the
warm-up (the first fifth, at least 5 s) and at the end. The last line is one JSON object.
Target over 30 minutes: RSS growth after warm-up < 5 %, 0 errors.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import random
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import requests
from paho.mqtt.enums import CallbackAPIVersion

from bench.ingest import _register, bench_mosquitto
from bench.push import _serve
from dispatch.bootstrap import bootstrap
from dispatch.classify import load_labelled
from dispatch.config import Settings
from dispatch.services import accounts
from units.broker import EmbeddedBroker
from units.mosquitto import mosquitto_binary
from units.setup import attach


def rss_kib() -> int:
    """This process's resident set size in KiB (from /proc)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


class Consoles:
    """C minimal Socket.IO clients over WebSocket; count every event pushed to them."""

    def __init__(self, url: str, token: str, n: int) -> None:
        import websocket

        self.events = 0
        self.errors: list[str] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._sockets = []
        ws_url = url.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
        for _ in range(n):
            ws = websocket.create_connection(ws_url, header=[f"Authorization: Bearer {token}"],
                                             skip_utf8_validation=True, timeout=10)
            if not ws.recv().startswith("0"):
                raise RuntimeError("no Engine.IO open packet")
            ws.send("40")
            if not ws.recv().startswith("40"):
                raise RuntimeError("Socket.IO connect refused")
            ws.settimeout(1.0)
            self._sockets.append(ws)
        self._threads = [threading.Thread(target=self._read, args=(ws,), daemon=True)
                         for ws in self._sockets]
        for t in self._threads:
            t.start()

    def _read(self, ws: Any) -> None:
        import websocket

        while not self._stop.is_set():
            try:
                frame = ws.recv()
            except websocket.WebSocketTimeoutException:
                continue
            except Exception as err:
                if not self._stop.is_set():
                    with self._lock:
                        self.errors.append(f"console: {err!r}")
                return
            if frame == "2":  # Engine.IO ping → pong
                ws.send("3")
            elif isinstance(frame, str) and frame.startswith("42"):
                with self._lock:
                    self.events += 1

    def close(self) -> None:
        """Stop reading and close every socket."""
        self._stop.set()
        for t in self._threads:
            t.join(3)
        for ws in self._sockets:
            with contextlib.suppress(Exception):
                ws.close()


def run(seconds: float, units: int, consoles: int, incident_every: float,
        broker_kind: str, seed: int) -> dict[str, Any]:
    """One soak; returns the figures."""
    from web import create_app

    rng = random.Random(seed)
    texts = [row["text"] for row in load_labelled()]
    unit_ids = [f"S{i:04d}" for i in range(units)]
    prefix = "soak" + os.urandom(3).hex()
    errors: list[str] = []
    created = {"n": 0}
    published = {"n": 0}
    stop = threading.Event()
    with tempfile.TemporaryDirectory(prefix="siaga-soak-") as tmp:
        workdir = Path(tmp)
        if broker_kind == "mosquitto" and mosquitto_binary() is not None:
            broker: Any = bench_mosquitto(workdir)
        else:
            broker_kind = "embedded"
            broker = EmbeddedBroker().start()
        rt = bootstrap(Settings(database_url=f"sqlite:///{workdir}/soak.db", mqtt_url=broker.url,
                              mqtt_prefix=prefix, secret_key=os.urandom(16).hex(), tile_url=""))
        server = None
        cons: Consoles | None = None
        pub = None
        threads: list[threading.Thread] = []
        try:
            _register(rt, unit_ids)
            accounts.create_user(rt, "soak", os.urandom(12).hex(), "operator")
            token = accounts.create_token(rt, "soak", "bench soak")
            attach(rt, embedded=False)
            app = create_app(runtime=rt)
            rt.start()
            if not rt.orders.wait_subscribed(10):
                raise RuntimeError("gateway did not subscribe")
            server, port = _serve(app)
            base = f"http://127.0.0.1:{port}"
            rss_start = rss_kib()
            cons = Consoles(base, token, consoles)

            host, mport = broker.url.split("://", 1)[1].rsplit(":", 1)
            pub = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"soak-fleet-{os.getpid()}")
            pub.connect(host, int(mport))
            pub.loop_start()

            def fleet() -> None:
                pos = {u: (-7.8166 + rng.uniform(-0.03, 0.03), 112.0114 + rng.uniform(-0.03, 0.03))
                       for u in unit_ids}
                while not stop.wait(1.0):
                    for u in unit_ids:
                        lat, lon = pos[u]
                        lat, lon = lat + rng.uniform(-2e-4, 2e-4), lon + rng.uniform(-2e-4, 2e-4)
                        pos[u] = (lat, lon)
                        body = json.dumps({"lat": lat, "lon": lon, "ts": time.time()})
                        pub.publish(f"{prefix}/units/{u}/position", body, qos=0)  # type: ignore[union-attr]
                        published["n"] += 1

            def operator() -> None:
                session = requests.Session()
                headers = {"Authorization": f"Bearer {token}"}
                while not stop.wait(incident_every):
                    body = {"description": rng.choice(texts),
                            "lat": -7.8166 + rng.uniform(-0.035, 0.035),
                            "lon": 112.0114 + rng.uniform(-0.035, 0.035), "channel": "call"}
                    try:
                        r = session.post(base + "/api/v1/incidents", json=body, headers=headers,
                                         timeout=10)
                        if r.status_code == 201:
                            created["n"] += 1
                        else:
                            errors.append(f"POST {r.status_code}")
                        r = session.get(base + "/api/v1/incidents?limit=50", headers=headers,
                                        timeout=10)
                        if r.status_code != 200:
                            errors.append(f"GET {r.status_code}")
                    except requests.RequestException as err:
                        errors.append(f"http: {err!r}")

            threads = [threading.Thread(target=f, daemon=True) for f in (fleet, operator)]
            for t in threads:
                t.start()
            warmup = max(5.0, seconds / 5)
            time.sleep(min(warmup, seconds))
            rss_warm = rss_kib()
            time.sleep(max(0.0, seconds - warmup))
            stop.set()
            for t in threads:
                t.join(15)
            time.sleep(1.0)  # the last batches
            rss_end = rss_kib()
        finally:
            stop.set()
            if cons is not None:
                cons.close()
                errors.extend(cons.errors)
            if pub is not None:
                pub.loop_stop()
                pub.disconnect()
            if server is not None:
                server.shutdown()
            rt.stop()
            broker.stop()
    return {
        "benchmark": "soak",
        "seconds": seconds,
        "units": units,
        "consoles": consoles,
        "broker": broker_kind,
        "rss_start_kib": rss_start,
        "rss_warm_kib": rss_warm,
        "rss_end_kib": rss_end,
        "growth_after_warmup_pct": round((rss_end - rss_warm) * 100 / rss_warm, 2),
        "errors": len(errors),
        "error_samples": errors[:5],
        "events_pushed": cons.events if cons is not None else 0,
        "positions_published": published["n"],
        "incidents_created": created["n"],
        "target": {"growth_after_warmup_pct": 5, "errors": 0, "minutes": 30},
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Run the soak; the last printed line is JSON."""
    p = argparse.ArgumentParser(prog="siaga112 bench soak", description=__doc__.split("\n")[0])
    p.add_argument("--minutes", type=float, default=30.0)
    p.add_argument("--seconds", type=float, default=None, help="overrides --minutes (tests)")
    p.add_argument("--units", type=int, default=100)
    p.add_argument("--consoles", type=int, default=3)
    p.add_argument("--incident-every", type=float, default=2.0, help="seconds between incidents")
    p.add_argument("--broker", default="mosquitto", choices=("mosquitto", "embedded"))
    p.add_argument("--seed", type=int, default=112)
    args = p.parse_args(argv)
    logging.getLogger("werkzeug").setLevel(logging.ERROR + 10)
    seconds = args.seconds if args.seconds is not None else args.minutes * 60
    r = run(seconds, args.units, args.consoles, args.incident_every, args.broker, args.seed)
    print(f"soak {seconds:.0f} s: RSS {r['rss_start_kib']} → {r['rss_warm_kib']} (warm) → "
          f"{r['rss_end_kib']} KiB ({r['growth_after_warmup_pct']} % after warm-up), "
          f"{r['errors']} errors, {r['events_pushed']} events pushed, "
          f"{r['incidents_created']} incidents", flush=True)
    print(json.dumps(r))
    return r


if __name__ == "__main__":
    main()
