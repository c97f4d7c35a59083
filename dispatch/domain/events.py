"""Domain events: facts that happened, published on the one message bus."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Event:
    """Base class of every domain event."""

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready dict of the event's fields."""
        out = asdict(self)
        for key, value in out.items():
            if isinstance(value, datetime):
                out[key] = value.isoformat()
        return out

    @property
    def name(self) -> str:
        """The event's type name, e.g. 'IncidentCreated'."""
        return type(self).__name__


@dataclass(frozen=True)
class IncidentCreated(Event):
    incident_id: int
    category: str
    priority: int
    lat: float
    lon: float
    kecamatan: str | None
    exercise: bool = False


@dataclass(frozen=True)
class IncidentUpdated(Event):
    incident_id: int
    change: str
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class IncidentClosed(Event):
    incident_id: int
    outcome: str


@dataclass(frozen=True)
class UnitRecommended(Event):
    incident_id: int
    unit_ids: tuple[str, ...]


@dataclass(frozen=True)
class UnitDispatched(Event):
    incident_id: int
    unit_id: str
    order_id: str
    order: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class OrderAcknowledged(Event):
    incident_id: int
    unit_id: str
    order_id: str


@dataclass(frozen=True)
class OrderDeclined(Event):
    incident_id: int
    unit_id: str
    order_id: str
    next_recommendation: tuple[str, ...] = ()


@dataclass(frozen=True)
class OrderResent(Event):
    incident_id: int
    unit_id: str
    order_id: str
    order: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class OrderUnacknowledged(Event):
    incident_id: int
    unit_id: str
    order_id: str


@dataclass(frozen=True)
class OrderRadioReminder(Event):
    """A radio-only unit's order is still unconfirmed: the operator should call it."""

    incident_id: int
    unit_id: str
    order_id: str


@dataclass(frozen=True)
class UnitStatusChanged(Event):
    unit_id: str
    status: str
    previous: str
    incident_id: int | None = None
    automatic: bool = False


@dataclass(frozen=True)
class UnitPositionUpdated(Event):
    unit_id: str
    lat: float
    lon: float
    ts: float
    speed_kmh: float | None = None
    heading: float | None = None
    accuracy_m: float | None = None
    battery: float | None = None
    status: str | None = None
    stale: bool = False
    flag: str | None = None  # the rule this fix broke (domain.fixes.FIX_FLAGS), if any
    recommendable: bool = True
    not_recommendable_reason: str | None = None


@dataclass(frozen=True)
class UnitRegistered(Event):
    unit_id: str
    unit_type: str


@dataclass(frozen=True)
class ComplaintEscalated(Event):
    incident_id: int | None
    ticket: str
    opd_code: str


@dataclass(frozen=True)
class ComplaintStatusChanged(Event):
    ticket: str
    status: str
    previous: str
    actor: str


@dataclass(frozen=True)
class UnitMoveUpOrdered(Event):
    """A supervisor accepted a move-up: the unit is sent to a station or standby point."""

    unit_id: str
    order_id: str
    site_id: str
    order: dict[str, Any] = field(default_factory=dict)
    incident_id: int | None = None  # a move-up belongs to no incident


@dataclass(frozen=True)
class MoveUpAnswered(Event):
    """The unit accepted or declined its move-up order."""

    unit_id: str
    order_id: str
    accepted: bool
