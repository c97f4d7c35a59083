"""Socket.IO push of domain events to the consoles, in rooms, with resync and batching.

Protocol (namespace "/"):

- On connect the server checks the session (or Bearer token); agency users and
  anonymous clients are refused. Staff join the room ``console`` and ``role:<role>``.
- Every domain event is emitted to ``console`` under its class name
  (``IncidentCreated``, ``UnitDispatched``, ``OrderAcknowledged``, ...), except
  ``UnitPositionUpdated``: positions are coalesced (latest per unit) and emitted every
  ``POSITION_BATCH_S`` as one ``UnitPositions`` event ``{"t": server_epoch, "positions":
  [{id, lat, lon, ts, heading, speed_kmh, status, stale, fix_flag, recommendable,
  not_recommendable_reason}, ...]}`` so 1,000 units × 1 Hz
  × 50 consoles stays a few small frames per interval.
- The client emits ``resync`` (with an ack callback) on every (re)connect and receives the
  snapshot ``{"server_time", "units": [...], "incidents": [open incidents]}``; after a
  server restart a console reconnects and is current again with one round trip.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from typing import Any

from flask import Flask
from flask_login import current_user
from flask_socketio import join_room

from dispatch.domain.events import Event, UnitPositionUpdated
from dispatch.runtime import Runtime
from dispatch.services import incidents, units

from .auth import track_live_connection
from .extensions import socketio

log = logging.getLogger(__name__)

CONSOLE_ROOM = "console"
POSITION_EVENT = "UnitPositions"
# A frame goes out when fixes stop arriving for IDLE, at the latest MAX after the first one:
# a burst becomes one frame, a quiet fleet adds only a few ms, a busy one ≤ MAX.
POSITION_BATCH_S = float(os.environ.get("SIAGA_PUSH_BATCH_MS", "20")) / 1000.0
POSITION_IDLE_S = float(os.environ.get("SIAGA_PUSH_IDLE_MS", "3")) / 1000.0
SNAPSHOT_INCIDENT_LIMIT = 500

Emit = Callable[..., Any]  # socketio.emit(event, data, to=room)


class PositionBatcher:
    """Keeps the newest position per unit and emits them together every interval."""

    def __init__(
        self,
        interval_s: float = POSITION_BATCH_S,
        room: str = CONSOLE_ROOM,
        idle_s: float = POSITION_IDLE_S,
        emit: Emit | None = None,
    ) -> None:
        self.emit: Emit = emit or socketio.emit
        self.interval_s = interval_s
        self.idle_s = idle_s
        self._added = 0
        self.room = room
        self._pending: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None
        self.frames = 0
        self.positions = 0

    def add(self, event: UnitPositionUpdated) -> None:
        """Queue a position (a newer one for the same unit replaces it)."""
        item = {
            "id": event.unit_id,
            "lat": event.lat,
            "lon": event.lon,
            "ts": event.ts,
            "heading": event.heading,
            "speed_kmh": event.speed_kmh,
            "status": event.status,
            "stale": event.stale,
            "fix_flag": event.flag,
            "recommendable": event.recommendable,
            "not_recommendable_reason": event.not_recommendable_reason,
        }
        with self._lock:
            self._pending[event.unit_id] = item
            self._added += 1
            if self._thread is None and not self._stopped.is_set():
                self._thread = threading.Thread(
                    target=self._run, name="socketio-position-batcher", daemon=True
                )
                self._thread.start()
        self._wake.set()

    def flush(self) -> int:
        """Emit whatever is pending now; returns how many positions went out."""
        with self._lock:
            batch, self._pending = list(self._pending.values()), {}
        if batch:
            self.emit(POSITION_EVENT, {"positions": batch}, to=self.room)
            self.frames += 1
            self.positions += len(batch)
        return len(batch)

    def _run(self) -> None:
        while not self._stopped.is_set():
            self._wake.wait()
            if self._stopped.is_set():
                break
            # Send when the burst is over (no new fix for IDLE) or MAX after its first fix,
            # whichever comes first: low latency when quiet, few frames when busy.
            first = time.monotonic()
            seen = -1
            # Every frame is one WebSocket send per console: with many consoles, send somewhat
            # fewer, larger frames (at most 40 ms apart) so the server keeps up.
            consoles = self.room_size()
            max_wait = min(0.04, self.interval_s + 0.0004 * consoles)
            use_idle = consoles <= 5
            while not self._stopped.is_set():
                with self._lock:
                    added = self._added
                left = first + max_wait - time.monotonic()
                if (use_idle and added == seen) or left <= 0:
                    break
                seen = added
                self._stopped.wait(min(self.idle_s, max(left, 0.0)))
            self._wake.clear()
            try:
                self.flush()
            except Exception:
                log.exception("position batch emit failed")

    def room_size(self) -> int:
        """How many consoles are in the room now (0 when unknown)."""
        try:
            return len(socketio.server.manager.rooms.get("/", {}).get(self.room, {}))
        except Exception:
            return 0

    def start(self) -> None:
        """Nothing to do: the thread starts with the first position."""

    def stop(self) -> None:
        """Stop the thread after a last flush."""
        self._stopped.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(2)
        try:
            self.flush()
        except Exception:
            log.debug("final flush failed", exc_info=True)


def snapshot(rt: Runtime) -> dict[str, Any]:
    """What a (re)connecting console needs to be current: every unit and open incident."""
    return {
        "server_time": rt.clock.time(),
        "units": units.list_units(rt),
        "incidents": incidents.list_incidents(rt, status="open", limit=SNAPSHOT_INCIDENT_LIMIT),
    }


class ConsolePush:
    """The live push (dispatch.ports.LivePush): each event to the consoles' room, positions
    in batches."""

    def __init__(self, emit: Emit | None = None) -> None:
        self.emit: Emit = emit or socketio.emit
        self.batcher = PositionBatcher(emit=self.emit)

    def push(self, event: Event) -> None:
        """Emit one event (a position joins the next batch)."""
        if isinstance(event, UnitPositionUpdated):
            self.batcher.add(event)
            return
        self.emit(event.name, event.as_dict(), to=CONSOLE_ROOM)

    def start(self) -> None:
        """Nothing to do: the batcher starts with the first position."""

    def stop(self) -> None:
        """Send what is pending and stop the batcher."""
        self.batcher.stop()


def external_push(redis_url: str) -> ConsolePush:
    """A push for a process that serves no consoles (a worker): through Socket.IO's Redis
    message queue, the web processes deliver it to their consoles."""
    from flask_socketio import SocketIO

    return ConsolePush(SocketIO(message_queue=redis_url).emit)


def init_live(app: Flask, rt: Runtime) -> None:
    """Give the runtime its console push, unless the composition root gave it one."""
    if rt.live is None:
        push = ConsolePush()
        rt.live = push
        rt.services.append(push)


def _staff() -> bool:
    # Agencies see their complaints only; a unit's crew sees its own order, not the room.
    return bool(current_user.is_authenticated) and current_user.role not in ("agency", "unit")


@socketio.on("connect")
def _connect(auth: Any = None) -> bool:
    """Only logged-in staff receive live events."""
    if not _staff():
        return False
    join_room(CONSOLE_ROOM)
    join_room(f"role:{current_user.role}")
    track_live_connection()  # so it ends with its session (logout, password change, disable)
    return True


@socketio.on("resync")
def _resync(_data: Any = None) -> dict[str, Any]:
    """The snapshot a console asks for on every (re)connect (returned through the ack)."""
    from flask import current_app

    if not _staff():
        return {"error": {"code": "unauthorized", "message": "login required"}}
    return snapshot(current_app.extensions["siaga112"])
