"""The small interfaces the runtime's background parts are reached through.

The service layer only knows these shapes; the adapters behind them (paho gateway, track
writer, Socket.IO push, a folder of photos) are built by `dispatch.bootstrap`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from .domain.events import Event


class Service(Protocol):
    """A background part of the runtime (MQTT gateway, writers, timers)."""

    def start(self) -> None:
        """Begin work."""
        ...

    def stop(self) -> None:
        """Finish work and release resources."""
        ...


class TrackSink(Protocol):
    """Where accepted GPS fixes are kept for the track history (written in batches)."""

    def add(self, unit_id: str, ts: float, lat: float, lon: float, speed_kmh: float | None,
            heading: float | None, accuracy_m: float | None, battery: float | None,
            source: str, flag: str | None = None) -> None:
        """Queue one fix for writing."""
        ...


class OrderPublisher(Protocol):
    """Sends dispatch orders to the units (MQTT, QoS 1, persistent sessions)."""

    connected: bool  # whether orders can go out now

    def publish_order(self, event: Event) -> None:
        """Send the order that `event` (UnitDispatched, OrderResent) describes."""
        ...


class Broker(Service, Protocol):
    """A broker this process runs itself (the demo's Mosquitto child, or amqtt)."""

    url: str


class LivePush(Protocol):
    """Pushes domain events to the operators' consoles."""

    def push(self, event: Event) -> None:
        """Send one event to every console (positions may be batched)."""
        ...


class Waker(Service, Protocol):
    """A background sender that can be nudged to look for work now."""

    def wake(self) -> None:
        """Look for work without waiting for the next poll."""
        ...


@dataclass(frozen=True)
class PhotoStore:
    """The folder complaint photos are kept in (SIAGA_UPLOAD_DIR)."""

    root: Path

    @property
    def complaints_dir(self) -> Path:
        """Photos attached to complaints."""
        return self.root / "complaints"
