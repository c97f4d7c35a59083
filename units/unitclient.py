"""A field unit's side of the MQTT contract: a small client for tests, benchmarks and tools.

Publishes position/status/ack/online for one unit id, receives its orders at QoS 1 with
a persistent session (clean_session=False), and sets an LWT so the center sees it drop.
Orders are de-duplicated by `order_id`, as every unit must: QoS 1 and the center's resend
after a missing ack can both deliver a second copy of the same order.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from dispatch.clock import Clock, SystemClock

from .gateway import BrokerAddress


class UnitClient:
    """One unit talking to the center over MQTT."""

    def __init__(
        self,
        url: str,
        unit_id: str,
        prefix: str = "siaga",
        username: str | None = None,
        password: str | None = None,
        persistent: bool = True,
        client_id: str | None = None,
        lwt: bool = True,
        clock: Clock | None = None,
    ) -> None:
        addr = BrokerAddress.parse(url)
        # Stamps come from the same clock the center runs on (a test's, a simulation's),
        # or else its fixes would look hours old or in the future.
        self.clock: Clock = clock or SystemClock()
        self.address = addr
        self.unit_id = unit_id
        self.prefix = prefix
        self.base = f"{prefix}/units/{unit_id}"
        self.orders: list[dict[str, Any]] = []  # each order once, in arrival order
        self.copies: list[dict[str, Any]] = []  # every order message, duplicates included
        self.messages: list[tuple[str, bytes]] = []
        self.disconnects = 0  # connections lost or closed (a takeover shows here)
        self._cond = threading.Condition()
        self.connected = threading.Event()
        self.connect_refused: Any = None
        self.on_order: Callable[[dict[str, Any]], None] | None = None  # first copy only
        # A copy of an order already had: a real unit sends its ack again, starts nothing.
        self.on_duplicate: Callable[[dict[str, Any]], None] | None = None
        self._seen: set[str] = set()
        self.client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=client_id or unit_id,
            clean_session=not persistent,
            protocol=mqtt.MQTTv311,
        )
        user = username if username is not None else addr.username
        pwd = password if password is not None else addr.password
        if user:
            self.client.username_pw_set(user, pwd)
        if lwt:
            self.client.will_set(f"{self.base}/online", "0", qos=1, retain=True)
        self.client.max_inflight_messages_set(1000)
        self.client.max_queued_messages_set(0)
        self.client.on_connect = self._on_connect
        self.client.on_message = self._on_message
        self.client.on_disconnect = self._on_disconnect
        self.subscribe_orders = True

    def _on_connect(self, client: mqtt.Client, _u: Any, _f: Any, rc: Any, _p: Any = None) -> None:
        if rc.is_failure:
            self.connect_refused = rc
            return
        if self.subscribe_orders:
            client.subscribe(f"{self.base}/orders", qos=1)
        self.connected.set()

    def _on_message(self, _c: mqtt.Client, _u: Any, msg: mqtt.MQTTMessage) -> None:
        with self._cond:
            self.messages.append((msg.topic, msg.payload))
            if msg.topic.endswith("/orders"):
                try:
                    order = json.loads(msg.payload)
                except ValueError:
                    order = {"raw": msg.payload.decode("utf-8", "replace")}
                if not isinstance(order, dict):
                    order = {"raw": order}
                self.copies.append(order)
                key = order.get("order_id")
                if key is not None and str(key) in self._seen:
                    if self.on_duplicate:
                        self.on_duplicate(order)
                else:
                    if key is not None:
                        self._seen.add(str(key))
                    self.orders.append(order)
                    if self.on_order:
                        self.on_order(order)
            self._cond.notify_all()

    def _on_disconnect(self, _c: mqtt.Client, _u: Any, _f: Any, _rc: Any, _p: Any = None) -> None:
        with self._cond:
            self.disconnects += 1
            self._cond.notify_all()

    # -- connection -------------------------------------------------------------
    def connect(self, timeout: float = 10.0, announce: bool = True) -> UnitClient:
        """Connect, subscribe to own orders, announce online (retained "1")."""
        self.connected.clear()
        self.client.connect(self.address.host, self.address.port, keepalive=30)
        self.client.loop_start()
        if not self.connected.wait(timeout):
            self.client.loop_stop()
            raise TimeoutError(f"{self.unit_id}: no CONNACK ({self.connect_refused})")
        if announce:
            self.publish_raw(f"{self.base}/online", b"1", retain=True)
        return self

    def disconnect(self) -> None:
        """Leave cleanly (the broker keeps the persistent session and queues orders)."""
        self.client.disconnect()
        self.client.loop_stop()
        self.connected.clear()

    # -- publishing ----------------------------------------------------------------
    def publish_raw(self, topic: str, payload: bytes | str, qos: int = 1,
                    retain: bool = False, wait: bool = True) -> mqtt.MQTTMessageInfo:
        """Publish anything anywhere (tests of bad input and ACLs)."""
        info = self.client.publish(topic, payload, qos=qos, retain=retain)
        if wait and qos > 0:
            info.wait_for_publish(10)
        return info

    def position(self, lat: float, lon: float, ts: float | None = None, qos: int = 1,
                 wait: bool = True, **extra: Any) -> mqtt.MQTTMessageInfo:
        """Report a GPS fix."""
        body = {"lat": lat, "lon": lon, "ts": self.clock.time() if ts is None else ts, **extra}
        return self.publish_raw(f"{self.base}/position", json.dumps(body), qos=qos, wait=wait)

    def status(self, status: str, order_id: str | None = None,
               ts: float | None = None) -> mqtt.MQTTMessageInfo:
        """Report a status."""
        body: dict[str, Any] = {"status": status, "ts": self.clock.time() if ts is None else ts}
        if order_id:
            body["order_id"] = order_id
        return self.publish_raw(f"{self.base}/status", json.dumps(body))

    def ack(self, order_id: str, accepted: bool = True,
            ts: float | None = None) -> mqtt.MQTTMessageInfo:
        """Acknowledge (or decline) an order."""
        body = {"order_id": order_id, "accepted": accepted,
                "ts": self.clock.time() if ts is None else ts}
        return self.publish_raw(f"{self.base}/ack", json.dumps(body))

    # -- waiting -------------------------------------------------------------------
    def wait_orders(self, count: int = 1, timeout: float = 10.0) -> list[dict[str, Any]]:
        """Block until `count` distinct orders arrived (or the timeout passed); returns them."""
        return self._wait(self.orders, count, timeout)

    def wait_copies(self, count: int = 1, timeout: float = 10.0) -> list[dict[str, Any]]:
        """Block until `count` order messages arrived, duplicates included; returns them."""
        return self._wait(self.copies, count, timeout)

    def _wait(self, items: list[dict[str, Any]], count: int,
              timeout: float) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        with self._cond:
            while len(items) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._cond.wait(left)
            return list(items)
