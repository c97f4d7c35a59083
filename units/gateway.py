"""The MQTT gateway: field units ↔ the center.

paho-mqtt 2.x (`CallbackAPIVersion.VERSION2`), automatic reconnect with a jittered
exponential back-off capped at a few seconds, and, with a credential, a persistent session
under the user name as client id (clean_session=False), so QoS 1 messages published while
the center was away are delivered when it returns. The network thread only routes a
message and queues it; one handler thread parses, validates and calls ONE service
function per message, in arrival order. Bad messages are logged and counted by reason
(`mqtt_dropped.<reason>`), never raised. Orders go out by subscribing to bus events.
"""

from __future__ import annotations

import json
import logging
import queue
import random
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from dispatch.domain.events import Event, OrderResent, UnitDispatched, UnitMoveUpOrdered
from dispatch.domain.unit_states import TransitionError
from dispatch.services import field
from dispatch.services.errors import NotFound

from . import payloads
from .payloads import PayloadError, Route

if TYPE_CHECKING:
    from dispatch.runtime import Runtime

log = logging.getLogger(__name__)

Handler = Callable[[str, bytes, float], None]
OwnTracksHandler = Callable[[str, "payloads.OwnTracksMessage"], None]
_STOP = object()


@dataclass(frozen=True)
class BrokerAddress:
    """A broker URL taken apart: `mqtt://[user:pass@]host:port` (mqtts:// for TLS)."""

    host: str
    port: int
    username: str | None = None
    password: str | None = None
    tls: bool = False

    @classmethod
    def parse(cls, url: str) -> BrokerAddress:
        """Parse a broker URL; ValueError when it is not one."""
        parts = urlsplit(url)
        if parts.scheme not in ("mqtt", "mqtts", "tcp", "ssl") or not parts.hostname:
            raise ValueError(f"not an MQTT URL: {url!r} (expected mqtt://[user:pass@]host:port)")
        tls = parts.scheme in ("mqtts", "ssl")
        return cls(
            host=parts.hostname,
            port=parts.port or (8883 if tls else 1883),
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            tls=tls,
        )

    @property
    def public_url(self) -> str:
        """The URL without the password (for /healthz and logs)."""
        user = f"{self.username}@" if self.username else ""
        scheme = "mqtts" if self.tls else "mqtt"
        return f"{scheme}://{user}{self.host}:{self.port}"


def default_client_id(rt: Runtime, address: BrokerAddress) -> tuple[str, bool]:
    """(client id, persistent session?): the user name, a configured id, or a random one.

    With `mqtt-config`'s broker the client id is the user name anyway; each center process
    has its own credential, so its session survives its restarts. Without a credential the id
    is random per process (two processes never kick each other, and nobody can guess it), and
    the session is clean: no one would ever resume it, so the broker must not queue for it.
    """
    if address.username:
        return address.username, True
    configured = rt.settings.extra.get("mqtt_client_id") if rt.settings.extra else None
    if configured:
        return str(configured), True
    return f"siaga112-center-{secrets.token_hex(8)}", False


def default_shared_group(rt: Runtime) -> str | None:
    """The shared-subscription group: SIAGA_MQTT_SHARED_GROUP, else `siaga112` for workers.

    Several workers then split the ingest between them, each fix handled once; a process of
    role "all" is alone and subscribes plainly.
    """
    configured = (rt.settings.mqtt_shared_group or "").strip()
    if configured.lower() == "none":
        return None
    if configured:
        if not configured.replace("-", "").replace("_", "").isalnum():
            raise ValueError(f"SIAGA_MQTT_SHARED_GROUP must be letters, digits, - or _, "
                             f"not {configured!r}")
        return configured
    return "siaga112" if rt.role == "worker" else None


class Backoff:
    """Reconnect delays: 1, 2, 4, then `cap` seconds, each shortened by up to `jitter`.

    Capped at a few seconds so the center is back within moments of the broker; the jitter
    keeps several center processes from reconnecting in lock-step.
    """

    def __init__(self, first: float = 1.0, cap: float = 5.0, jitter: float = 0.5,
                 rng: random.Random | None = None) -> None:
        self.first = first
        self.cap = cap
        self.jitter = jitter
        self.rng = rng or random.Random()
        self.attempt = 0

    def next(self) -> float:
        """The delay before the next attempt."""
        base = min(self.first * 2 ** min(self.attempt, 16), self.cap)
        self.attempt += 1
        return base * (1.0 - self.jitter * self.rng.random())

    def reset(self) -> None:
        """Connected: start from the first delay again."""
        self.attempt = 0


class MqttGateway:
    """The center's MQTT client: subscriptions, handler registry, order publishing."""

    def __init__(
        self,
        rt: Runtime,
        url: str,
        client_id: str | None = None,
        queue_size: int = 200_000,
        reconnect_max_s: float = 5.0,
        subscribe: bool = True,
        shared_group: str | None = None,
    ) -> None:
        self.rt = rt
        # False: publish orders only (a web process), the workers ingest what units send.
        self.ingests = subscribe
        self.shared_group = shared_group if shared_group is not None else default_shared_group(rt)
        self.address = BrokerAddress.parse(url)
        self.public_url = self.address.public_url
        self.prefix = rt.settings.mqtt_prefix
        default_id, persistent = default_client_id(rt, self.address)
        self.client_id = client_id or default_id
        self.persistent = persistent or client_id is not None
        self.connected = False
        self.handlers: dict[str, Handler] = {}
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=queue_size)
        self._worker: threading.Thread | None = None
        self._started = False
        self._connected_event = threading.Event()
        self.subscribed = threading.Event()  # set when the broker confirmed the subscriptions
        self.processed = 0
        self.client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=self.client_id,
            clean_session=not self.persistent,
            protocol=mqtt.MQTTv311,
        )
        if self.address.username:
            self.client.username_pw_set(self.address.username, self.address.password)
        if self.address.tls:
            self.client.tls_set()
        self.backoff = Backoff(cap=reconnect_max_s)
        # Each failure callback below sets the next wait; this only bounds paho's own.
        self.client.reconnect_delay_set(min_delay=1, max_delay=int(max(reconnect_max_s, 1)))
        self.client.max_queued_messages_set(0)  # keep every order while disconnected
        self.client.max_inflight_messages_set(100)
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.client.on_connect_fail = self._on_connect_fail
        self.client.on_message = self._on_message
        self.client.on_publish = self._on_publish
        self.client.on_subscribe = lambda *_args: self.subscribed.set()
        self.register("position", self._handle_position)
        self.register("status", self._handle_status)
        self.register("ack", self._handle_ack)
        self.register("online", self._handle_online)
        self.register("owntracks", self._handle_owntracks)
        # OwnTracks messages share one topic; their `_type` picks the handler.
        self.owntracks_handlers: dict[str, OwnTracksHandler] = {
            "location": self._owntracks_fix,
            "transition": self._owntracks_fix,
            "lwt": self._owntracks_lwt,
        }

    # -- registry -------------------------------------------------------------
    def register(self, kind: str, handler: Handler) -> None:
        """Handle one message kind (position, status, ack, online, owntracks)."""
        self.handlers[kind] = handler

    @property
    def subscriptions(self) -> list[tuple[str, int]]:
        """Topic filters the center listens to, with their QoS.

        In a shared group the ingest topics are `$share/<group>/…`, so the broker hands each
        message to one process of the group; `online` stays unshared: it is retained, and
        every process must learn each unit's state when it (re)subscribes (the broker sends
        no retained messages to shared subscriptions).
        """
        p = self.prefix
        share = f"$share/{self.shared_group}/" if self.shared_group else ""
        return [
            (f"{share}{p}/units/+/position", 1),
            (f"{share}{p}/units/+/status", 1),
            (f"{share}{p}/units/+/ack", 1),
            (f"{p}/units/+/online", 1),
            (f"{share}owntracks/+/+", 1),
            (f"{share}owntracks/+/+/event", 1),
        ]

    # -- lifecycle ------------------------------------------------------------
    def start(self) -> None:
        """Connect (retrying in the background) and start handling messages."""
        if self._started:
            return
        self._started = True
        self._worker = threading.Thread(target=self._work, name="mqtt-handlers", daemon=True)
        self._worker.start()
        self.client.connect_async(self.address.host, self.address.port, keepalive=30)
        self.client.loop_start()

    def wait_connected(self, timeout: float = 10.0) -> bool:
        """Block until the first connection is up (tests, demo start-up)."""
        return self._connected_event.wait(timeout)

    def wait_subscribed(self, timeout: float = 10.0) -> bool:
        """Block until the broker confirmed the subscriptions (benchmarks, tests)."""
        return self.subscribed.wait(timeout)

    def drain(self, timeout: float = 10.0) -> bool:
        """Wait until every message received so far has been handled."""
        deadline = time.monotonic() + timeout
        while self._queue.unfinished_tasks and time.monotonic() < deadline:
            time.sleep(0.01)
        return not self._queue.unfinished_tasks

    def stop(self) -> None:
        """Disconnect cleanly and stop the handler thread."""
        if not self._started:
            return
        self._started = False
        try:
            self.client.disconnect()
        finally:
            self.client.loop_stop()
        self.connected = False
        self._queue.put(_STOP)
        if self._worker is not None:
            self._worker.join(10)
            self._worker = None

    def _next_delay(self) -> None:
        # paho doubles its own delay without jitter; pinning min = max to our next delay
        # makes its next wait exactly that (reconnect_delay_set also restarts its doubling).
        delay = self.backoff.next()
        self.client.reconnect_delay_set(min_delay=delay, max_delay=delay)  # type: ignore[arg-type]

    # -- paho callbacks (network thread) --------------------------------------
    def _on_connect(self, client: mqtt.Client, _userdata: Any, _flags: Any,
                    reason_code: Any, _props: Any = None) -> None:
        if reason_code.is_failure:
            log.warning("MQTT connect to %s refused: %s", self.public_url, reason_code)
            self.rt.counters.incr("mqtt_connect_refused")
            return
        if self.ingests:
            client.subscribe(self.subscriptions)
        else:
            self.subscribed.set()
        self.backoff.reset()
        self.connected = True
        self._connected_event.set()
        self.rt.counters.incr("mqtt_connects")
        log.info("MQTT connected to %s as %s", self.public_url, self.client_id)

    def _on_disconnect(self, _client: mqtt.Client, _userdata: Any, _flags: Any,
                       reason_code: Any, _props: Any = None) -> None:
        was = self.connected
        self.connected = False
        self._next_delay()
        if was and self._started:
            log.warning("MQTT connection to %s lost (%s); reconnecting", self.public_url,
                        reason_code)
            self.rt.counters.incr("mqtt_disconnects")

    def _on_connect_fail(self, _client: mqtt.Client, _userdata: Any) -> None:
        # Nothing listening (broker down or restarting): try again after the next delay.
        self.rt.counters.incr("mqtt_connect_failed")
        self._next_delay()

    def _on_message(self, _client: mqtt.Client, _userdata: Any, msg: mqtt.MQTTMessage) -> None:
        try:
            r = payloads.route(msg.topic, self.prefix)
        except PayloadError as err:
            self._drop(err, msg.topic)
            return
        self.rt.counters.incr("mqtt_received." + r.kind)
        if len(msg.payload) > payloads.MAX_PAYLOAD_BYTES:
            self._drop(PayloadError("too_large", f"{len(msg.payload)} bytes"), msg.topic)
            return
        # A full queue blocks the network thread: back-pressure instead of loss.
        self._queue.put((r, msg.payload, msg.topic))

    def _on_publish(self, _client: mqtt.Client, _userdata: Any, _mid: int, _reason: Any,
                    _props: Any = None) -> None:
        # The broker has taken the order (PUBACK): from here its persistence keeps it.
        self.rt.counters.incr("mqtt_puback.orders")

    # -- handler thread -------------------------------------------------------
    def _work(self) -> None:
        while True:
            item = self._queue.get()
            try:
                if item is _STOP:
                    return
                r, payload, topic = item
                self._dispatch(r, payload, topic)
            finally:
                self._queue.task_done()

    def _dispatch(self, r: Route, payload: bytes, topic: str) -> None:
        handler = self.handlers.get(r.kind)
        if handler is None:
            self._drop(PayloadError("no_handler", r.kind), topic)
            return
        try:
            handler(r.key, payload, self.rt.clock.time())
        except PayloadError as err:
            self._drop(err, topic)
        except NotFound as err:
            self._drop(PayloadError("unknown_order" if err.field == "order_id" else "unknown_unit",
                                    err.message), topic)
        except TransitionError as err:
            self._drop(PayloadError("bad_transition", str(err)), topic)
        except Exception as err:
            # Still one line per message: a sender can repeat a message that trips a bug
            # thousands of times, and a traceback each time would bury the log.
            self.rt.counters.incr("mqtt_dropped.error")
            log.warning("MQTT message on %r dropped: error (%s: %.200r)", topic[:200],
                        type(err).__name__, str(err))
            log.debug("MQTT handler for %r failed", topic[:200], exc_info=True)
        finally:
            self.processed += 1

    def _drop(self, err: PayloadError, topic: str) -> None:
        self.rt.counters.incr("mqtt_dropped." + err.reason)
        # repr() keeps the line one line whatever the sender put in the topic or payload.
        log.info("MQTT message on %r dropped: %s (%.200r)", topic[:200], err.reason, err.detail)

    def _known(self, unit_id: str) -> None:
        if self.rt.fleet.get(unit_id) is None:
            raise PayloadError("unknown_unit", unit_id)

    # -- handlers: parse, validate, call one service, return -------------------
    def _handle_position(self, unit_id: str, payload: bytes, now: float) -> None:
        self._known(unit_id)
        fix = payloads.parse_position(payloads.decode_object(payload), now)
        if not field.record_position(
            self.rt, unit_id, fix.lat, fix.lon, fix.ts, speed_kmh=fix.speed_kmh,
            heading=fix.heading, accuracy_m=fix.accuracy_m, battery=fix.battery, source="mqtt",
        ):
            raise PayloadError("out_of_order", unit_id)

    def _handle_status(self, unit_id: str, payload: bytes, now: float) -> None:
        self._known(unit_id)
        rep = payloads.parse_status(payloads.decode_object(payload), now)
        field.report_status(self.rt, unit_id, rep.status, rep.ts, rep.order_id)

    def _handle_ack(self, unit_id: str, payload: bytes, now: float) -> None:
        self._known(unit_id)
        ack = payloads.parse_ack(payloads.decode_object(payload), now)
        field.acknowledge_order(self.rt, unit_id, ack.order_id, ack.accepted, ack.ts)

    def _handle_online(self, unit_id: str, payload: bytes, _now: float) -> None:
        self._known(unit_id)
        field.set_online(self.rt, unit_id, payloads.parse_online(payload))

    def _handle_owntracks(self, tracker: str, payload: bytes, now: float) -> None:
        unit = self.rt.fleet.by_tracker(tracker)
        if unit is None:
            raise PayloadError("unknown_unit", tracker)
        msg = payloads.parse_owntracks(payloads.decode_object(payload), now)
        self.rt.counters.incr("mqtt_received.owntracks_" + msg.type)
        handler = self.owntracks_handlers.get(msg.type)
        if handler is None:
            raise PayloadError("unsupported_type", msg.type)
        handler(unit.id, msg)

    def _owntracks_fix(self, unit_id: str, msg: payloads.OwnTracksMessage) -> None:
        fix = msg.fix
        if fix is None:
            return  # a transition without a position: nothing for the fleet
        if not field.record_position(
            self.rt, unit_id, fix.lat, fix.lon, fix.ts, speed_kmh=fix.speed_kmh,
            heading=fix.heading, accuracy_m=fix.accuracy_m, battery=fix.battery,
            source="owntracks",
        ):
            raise PayloadError("out_of_order", unit_id)

    def _owntracks_lwt(self, unit_id: str, _msg: payloads.OwnTracksMessage) -> None:
        field.set_online(self.rt, unit_id, False)

    # -- orders out -----------------------------------------------------------
    def order_topic(self, unit_id: str) -> str:
        """Where a unit's orders go."""
        return f"{self.prefix}/units/{unit_id}/orders"

    def publish_order(self, event: Event) -> None:
        """Send the order of a UnitDispatched, OrderResent or UnitMoveUpOrdered (QoS 1)."""
        assert isinstance(event, UnitDispatched | OrderResent | UnitMoveUpOrdered)
        unit = self.rt.fleet.get(event.unit_id)
        if unit is not None and self.rt.fleet.orders_by_radio(unit):
            return  # nothing of that unit listens on MQTT: the operator confirms by radio
        body = json.dumps(event.order, ensure_ascii=False, separators=(",", ":"))
        info = self.client.publish(self.order_topic(event.unit_id), body, qos=1)
        # Not connected: paho keeps QoS 1 messages and sends them after reconnecting.
        self.rt.counters.incr("mqtt_sent.orders")
        if info.rc not in (mqtt.MQTT_ERR_SUCCESS, mqtt.MQTT_ERR_NO_CONN):
            log.warning("publishing order %s to %s: rc=%s", event.order_id, event.unit_id,
                        info.rc)


class OrderTimeoutTicker:
    """Checks unacknowledged orders every second (resend once, then alert)."""

    def __init__(self, rt: Runtime, interval_s: float = 1.0) -> None:
        self.rt = rt
        self.interval_s = interval_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.passes = 0  # ticks seen
        self.checks = 0  # ticks that looked for due orders (only while leading)

    def start(self) -> None:
        """Start ticking."""
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="order-timeouts", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            self.passes += 1
            if not self.rt.leadership.held():
                continue  # another process leads: it resends, once
            self.checks += 1
            try:
                field.check_order_timeouts(self.rt)
            except Exception:
                log.exception("checking order timeouts failed")

    def stop(self) -> None:
        """Stop ticking."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(10)
            self._thread = None
