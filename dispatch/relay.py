"""Keep the fleet replicas of several processes (web, worker) in step through Redis pub/sub.

Each process holds its own in-memory Fleet so recommendation stays sub-millisecond. The
relay ships every local fleet change (the exact fields the origin changed, via the
fleet's watcher hook) and every domain event on one channel, `<prefix>:events`, in the
order they happened in the origin. Other processes apply the fleet changes silently
(Fleet.apply / upsert with notify off, so nothing goes back out) and republish the
events on their own bus with relayed=True: only relayed_too handlers see them, since
the origin already published the MQTT order, sent the webhook and pushed to consoles.

Pub/sub loses what is sent while a process is cut off from Redis, so on every
(re)connect the replica is refreshed from the database, which holds every committed fact.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import os
import queue
import socket
import threading
import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any

import redis
from sqlalchemy import select

from .db.models import Unit
from .domain.events import Event
from .fleet import POSITION_FIELDS, UnitState

if TYPE_CHECKING:
    from .runtime import Runtime

log = logging.getLogger(__name__)

# What is queued for Redis while it is slow or away; beyond this, changes are dropped
# (counted), and the other processes' refresh on reconnect repairs their replicas.
MAX_BACKLOG = 100_000
# Items per PUBLISH: batching keeps 1,000 fixes/s cheap without waiting for a batch to fill.
MAX_BATCH = 500
_STOP = object()
_REDIS_ERRORS = (redis.ConnectionError, redis.TimeoutError, OSError)
_UNIT_FIELDS = frozenset(f.name for f in dataclasses.fields(UnitState))
# A change of only these is a fix: applied without waiting for the dispatch lock.
_POSITION_ONLY = frozenset(POSITION_FIELDS)


def _event_classes() -> dict[str, type[Event]]:
    out: dict[str, type[Event]] = {}
    todo = list(Event.__subclasses__())
    while todo:
        cls = todo.pop()
        out.setdefault(cls.__name__, cls)
        todo.extend(cls.__subclasses__())
    return out


def encode_event(event: Event) -> list[Any]:
    """The JSON-ready form of an event: [\"e\", name, fields]."""
    return ["e", event.name, event.as_dict()]


def decode_event(name: str, data: dict[str, Any]) -> Event | None:
    """The event back from its JSON form; None for a type this process does not know."""
    cls = _event_classes().get(name)
    if cls is None:
        return None
    kwargs: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        if f.name not in data:
            continue
        value = data[f.name]
        kind = str(f.type)
        # JSON has no tuples and no datetimes: as_dict wrote lists and ISO strings.
        if isinstance(value, list) and kind.startswith("tuple"):
            value = tuple(value)
        elif isinstance(value, str) and kind.startswith("datetime"):
            value = datetime.fromisoformat(value)
        kwargs[f.name] = value
    return cls(**kwargs)


def unit_from_dict(data: dict[str, Any]) -> UnitState:
    """A UnitState from its JSON form (unknown keys from a newer process are ignored)."""
    return UnitState(**{k: v for k, v in data.items() if k in _UNIT_FIELDS})


def refresh_fleet(rt: Runtime) -> int:
    """Re-read every unit from the database into the fleet replica; returns the count.

    Under the dispatch lock, so no local multi-step change is half seen; the fleet keeps
    a position it holds newer than the database's (fixes are written in batches).
    """
    from .services.units import trusted_at_station, unit_state_from_row

    with rt.dispatch_lock:
        with rt.session() as s:
            states = [unit_state_from_row(u, trusted_at_station(rt, u.id, u.station))
                      for u in s.scalars(select(Unit))]
        return rt.fleet.refresh(states)


class Relay:
    """A Service: ships local fleet changes and events to Redis, applies the others'."""

    def __init__(self, rt: Runtime, redis_url: str, channel: str | None = None,
                 process_id: str | None = None, retry_max_s: float = 5.0) -> None:
        self.rt = rt
        self.redis_url = redis_url
        self.channel = channel or f"{rt.settings.mqtt_prefix}:events"
        # Host, pid and a random part: two runtimes in one process (tests) differ too.
        self.process_id = process_id or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.retry_max_s = retry_max_s
        # Every payload starts with this: our own messages are skipped before parsing.
        self._own_prefix = ('{"p":' + json.dumps(self.process_id) + ",").encode()
        self.connected = threading.Event()
        self.connections = 0  # successful (re)subscriptions, each followed by a refresh
        self.refreshes = 0
        self._queue: queue.Queue[Any] = queue.Queue(MAX_BACKLOG)
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._started = False

    # -- Service ---------------------------------------------------------------
    def start(self) -> None:
        """Hook into the fleet and the bus, then start the publisher and the listener."""
        if self._started:
            return
        self._started = True
        self._stop.clear()
        self.rt.fleet.watch(self._on_fleet_change)
        # relayed_too=False: an event that came from elsewhere is never sent back out.
        self.rt.bus.subscribe(Event, self._on_event)
        for name, target in (("relay-publish", self._publish_loop),
                             ("relay-listen", self._listen_loop)):
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        """Unhook, send what is queued (briefly), and end both threads."""
        if not self._started:
            return
        self._started = False
        self.rt.fleet.unwatch(self._on_fleet_change)
        self.rt.bus.unsubscribe(Event, self._on_event)
        self._stop.set()
        with contextlib.suppress(queue.Full):
            self._queue.put_nowait(_STOP)
        for thread in self._threads:
            thread.join(5)
        self._threads.clear()
        self.connected.clear()

    def wait_connected(self, timeout: float = 10.0) -> bool:
        """Block until subscribed (and refreshed) or the timeout; True when connected."""
        return self.connected.wait(timeout)

    # -- outgoing --------------------------------------------------------------
    def _enqueue(self, item: list[Any]) -> None:
        try:
            self._queue.put_nowait(item)
        except queue.Full:
            # Never block a fix or a dispatch on Redis; the others refresh on reconnect.
            self.rt.counters.incr("relay.dropped")

    def _on_fleet_change(self, unit_id: str, unit: UnitState | None,
                         changes: dict[str, object] | None) -> None:
        # Called under the fleet lock: the queue holds changes in the order they were made.
        if unit is not None:
            self._enqueue(["s", dataclasses.asdict(unit)])
        else:
            self._enqueue(["u", unit_id, changes])

    def _on_event(self, event: Event) -> None:
        self._enqueue(encode_event(event))

    def _publish_loop(self) -> None:
        client: redis.Redis | None = None
        delay = 0.1
        resync = False  # changes were dropped: tell the others to re-read the database
        while True:
            try:
                item = self._queue.get(timeout=0.5)
            except queue.Empty:
                if self._stop.is_set():
                    break
                continue
            stopping = item is _STOP
            batch = [] if stopping else [item]
            while len(batch) < MAX_BATCH:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is _STOP:
                    stopping = True
                    break
                batch.append(more)
            if batch:
                if resync:
                    batch.insert(0, ["r"])
                payload = json.dumps({"p": self.process_id, "m": batch}, default=str,
                                     separators=(",", ":"))
                try:
                    if client is None:
                        client = redis.Redis.from_url(self.redis_url, socket_timeout=5,
                                                      socket_connect_timeout=5)
                    client.publish(self.channel, payload)
                    self.rt.counters.incr("relay.sent", len(batch) - resync)
                    if resync:
                        log.warning("relay: publishing to Redis again; the other processes "
                                    "refresh from the database")
                    resync = False
                    delay = 0.1
                except _REDIS_ERRORS as exc:
                    if not resync:
                        log.warning("relay: publish to Redis failed (%s); dropping changes "
                                    "until it is back, then the others refresh from the "
                                    "database", exc)
                    resync = True
                    if client is not None:
                        client.close()
                        client = None
                    if self._stop.wait(delay):
                        break
                    delay = min(delay * 2, self.retry_max_s)
                    # A backlog sent late could undo what the others did since: drop it,
                    # the database has every committed fact.
                    self.rt.counters.incr("relay.dropped", len(batch) - 1 + self._discard())
            if stopping:
                break
        if client is not None:
            client.close()

    def _discard(self) -> int:
        """Empty the queue (keeping a stop request); returns how many changes were dropped."""
        dropped = 0
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return dropped
            if item is _STOP:
                with contextlib.suppress(queue.Full):
                    self._queue.put_nowait(_STOP)
                return dropped
            dropped += 1

    # -- incoming --------------------------------------------------------------
    def _listen_loop(self) -> None:
        delay = 0.1
        while not self._stop.is_set():
            client: redis.Redis | None = None
            pubsub: Any = None
            try:
                client = redis.Redis.from_url(self.redis_url, socket_connect_timeout=5,
                                              socket_keepalive=True, health_check_interval=5)
                pubsub = client.pubsub(ignore_subscribe_messages=True)
                pubsub.subscribe(self.channel)
                # Subscribed first, then read the database: nothing falls in between.
                count = refresh_fleet(self.rt)
                self.refreshes += 1
                self.connections += 1
                if self.connections > 1:
                    self.rt.counters.incr("relay.reconnects")
                    log.warning("relay: Redis back, subscribed to %s; fleet refreshed from "
                                "the database (%d units)", self.channel, count)
                else:
                    log.info("relay: subscribed to %s (%d units)", self.channel, count)
                self.connected.set()
                delay = 0.1
                while not self._stop.is_set():
                    msg = pubsub.get_message(timeout=0.5)
                    if msg is not None and msg.get("type") == "message":
                        self._receive(msg["data"])
            except _REDIS_ERRORS as exc:
                if self._stop.is_set():
                    break
                was_connected = self.connected.is_set()
                self.connected.clear()
                if was_connected:
                    log.warning("relay: lost Redis (%s); reconnecting", exc)
                else:
                    log.debug("relay: Redis unreachable (%s); retrying in %.1fs", exc, delay)
                self._stop.wait(delay)
                delay = min(delay * 2, self.retry_max_s)
            except Exception:
                # A database hiccup during the refresh (or a bad URL): try the whole step again.
                self.connected.clear()
                log.exception("relay: listener step failed; retrying")
                self._stop.wait(delay)
                delay = min(delay * 2, self.retry_max_s)
            finally:
                try:
                    if pubsub is not None:
                        pubsub.close()
                    if client is not None:
                        client.close()
                except Exception:
                    log.debug("relay: closing the subscription failed", exc_info=True)

    def _receive(self, raw: bytes | str) -> None:
        if isinstance(raw, bytes) and raw.startswith(self._own_prefix):
            return  # our own, already applied here (most of what a busy worker hears)
        try:
            message = json.loads(raw)
        except ValueError:
            self.rt.counters.incr("relay.bad_message")
            return
        if not isinstance(message, dict) or message.get("p") == self.process_id:
            return  # our own, already applied here
        events: list[Event] = []
        for item in message.get("m") or ():
            try:
                event = self._apply(item)
            except Exception:
                self.rt.counters.incr("relay.bad_message")
                log.exception("relay: could not apply %r", item)
                continue
            if event is not None:
                events.append(event)
        self.rt.counters.incr("relay.received", len(message.get("m") or ()))
        # After the fleet changes of the same batch: a handler reads the updated replica.
        self.rt.bus.publish_all(events, relayed=True)

    def _apply(self, item: list[Any]) -> Event | None:
        kind = item[0]
        fleet = self.rt.fleet
        if kind == "u":
            unit_id, changes = item[1], item[2]
            changes = {k: v for k, v in changes.items() if k in _UNIT_FIELDS}
            if fleet.get(unit_id) is None:
                self._load_unit(unit_id)
                return None
            if changes.keys() <= _POSITION_ONLY:
                fleet.apply(unit_id, changes)
            else:
                # Status and assignment: not in the middle of a local check-then-assign.
                with self.rt.dispatch_lock:
                    fleet.apply(unit_id, changes)
            return None
        if kind == "s":
            with self.rt.dispatch_lock:
                fleet.upsert(unit_from_dict(item[1]), notify=False)
            return None
        if kind == "r":
            # The sender dropped changes while it could not publish: re-read the database.
            refresh_fleet(self.rt)
            self.refreshes += 1
            return None
        if kind == "e":
            event = decode_event(item[1], item[2])
            if event is None:
                self.rt.counters.incr("relay.unknown_event")
            return event
        self.rt.counters.incr("relay.bad_message")
        return None

    def _load_unit(self, unit_id: str) -> None:
        # A change for a unit we never heard of (its registration was lost): read it.
        from .services.units import trusted_at_station, unit_state_from_row

        with self.rt.session() as s:
            row = s.get(Unit, unit_id)
            if row is None:
                return
            state = unit_state_from_row(row, trusted_at_station(self.rt, row.id, row.station))
        self.rt.fleet.upsert(state, notify=False)


def attach_relay(rt: Runtime, redis_url: str, channel: str | None = None) -> Relay:
    """Add a Relay to rt.services, right after leadership so it starts before ingest begins."""
    relay = Relay(rt, redis_url, channel)
    at = 1 if rt.services and rt.services[0] is getattr(rt, "leadership", None) else 0
    rt.services.insert(at, relay)
    return relay


__all__ = ["Relay", "attach_relay", "decode_event", "encode_event", "refresh_fleet"]
