"""The live fleet: where every unit is, what it is doing, and whether we still hear it.

Held in memory for speed (positions change every second); the database keeps
the durable copy (units table, track history) and seeds this at start.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime

from geo.spatial import PointIndex

from .domain.recommend import Candidate
from .domain.unit_states import BUSY_STATUSES

_INDEXED_FIELDS = frozenset({"lat", "lon", "status", "online", "incident_id", "type"})

DEFAULT_STALE_AFTER_S: dict[str, float | None] = {"mqtt": 120.0, "owntracks": 300.0, "station": None}


@dataclass(frozen=True)
class UnitState:
    """One unit as the center knows it right now."""

    id: str
    type: str
    name: str | None = None
    station: str | None = None
    tracker: str | None = None
    status: str = "available"
    status_since: float | None = None
    lat: float | None = None
    lon: float | None = None
    speed_kmh: float | None = None
    heading: float | None = None
    accuracy_m: float | None = None
    battery: float | None = None
    last_seen: float | None = None  # epoch seconds of the last fix or message
    last_fix_ts: float | None = None  # device time of the last accepted fix
    source: str = "station"  # station (parked at home, no tracker), mqtt, owntracks
    online: bool = True
    incident_id: int | None = None
    simulated: bool = False  # a training unit: exercise incidents only


class Fleet:
    """Thread-safe registry of unit states with a spatial index per unit type."""

    def __init__(self, stale_after_s: Mapping[str, float | None] | None = None) -> None:
        self._units: dict[str, UnitState] = {}
        self._index: dict[str, PointIndex] = {}
        self._by_tracker: dict[str, str] = {}
        self._lock = threading.RLock()
        self.stale_after_s: dict[str, float | None] = dict(DEFAULT_STALE_AFTER_S)
        if stale_after_s:
            self.stale_after_s.update(stale_after_s)

    # -- reading -------------------------------------------------------------
    def get(self, unit_id: str) -> UnitState | None:
        """The unit's state, or None for an unknown id."""
        return self._units.get(unit_id)

    def by_tracker(self, tracker: str) -> UnitState | None:
        """The unit bound to an OwnTracks topic, if any."""
        unit_id = self._by_tracker.get(tracker)
        return self._units.get(unit_id) if unit_id else None

    def all(self) -> list[UnitState]:
        """Every unit, sorted by id."""
        with self._lock:
            return sorted(self._units.values(), key=lambda u: u.id)

    def __len__(self) -> int:
        return len(self._units)

    def is_stale(self, unit: UnitState, now: float) -> bool:
        """True when a tracked unit has not sent a fix within its source's limit."""
        limit = self.stale_after_s.get(unit.source)
        if limit is None:
            return False
        return unit.last_seen is None or now - unit.last_seen > limit

    def is_recommendable(self, unit: UnitState, now: float) -> bool:
        """Available, online, located, fresh and not already on a job."""
        return (
            unit.status == "available"
            and unit.online
            and unit.lat is not None
            and unit.incident_id is None
            and not self.is_stale(unit, now)
        )

    def nearest_available(
        self, unit_type: str, lat: float, lon: float, limit: int, now: float | None = None,
        simulated: bool = False,
    ) -> list[tuple[Candidate, float]]:
        """Up to `limit` recommendable units of a type, nearest first.

        `simulated` picks the side of the training wall: real units for real incidents,
        simulated ones for exercises, never a mix.
        """
        now = self._now() if now is None else now
        out: list[tuple[Candidate, float]] = []
        with self._lock:
            index = self._index.get(unit_type)
            if index is None or limit <= 0:
                return out
            units = self._units
            for key, dist in index.nearest(
                lat, lon, predicate=lambda k: units[k].simulated == simulated
                and self.is_recommendable(units[k], now)
            ):
                u = units[key]
                out.append((Candidate(u.id, u.type, u.station, u.lat, u.lon), dist))  # type: ignore[arg-type]
                if len(out) >= limit:
                    break
        return out

    def view(self, now: float | None = None, simulated: bool = False) -> FleetAt:
        """A FleetView for a policy, pinned to one instant (and to real or simulated units)."""
        return FleetAt(self, self._now() if now is None else now, simulated)

    # -- writing -------------------------------------------------------------
    def upsert(self, unit: UnitState) -> None:
        """Add or replace a unit (start-up seeding, admin registration)."""
        with self._lock:
            old = self._units.get(unit.id)
            if old and old.tracker and old.tracker != unit.tracker:
                self._by_tracker.pop(old.tracker, None)
            if old and old.type != unit.type and old.type in self._index:
                self._index[old.type].remove(unit.id)
            self._units[unit.id] = unit
            if unit.tracker:
                self._by_tracker[unit.tracker] = unit.id
            self._reindex(unit)

    def update(self, unit_id: str, **changes: object) -> UnitState:
        """Change some fields of a unit and keep the index in step."""
        with self._lock:
            unit = replace(self._units[unit_id], **changes)  # type: ignore[arg-type]
            self._units[unit_id] = unit
            if changes.keys() & _INDEXED_FIELDS:
                self._reindex(unit)
            return unit

    def load(self, units: Iterable[UnitState]) -> None:
        """Replace the whole registry."""
        with self._lock:
            self._units.clear()
            self._index.clear()
            self._by_tracker.clear()
            for unit in units:
                self.upsert(unit)

    def _reindex(self, unit: UnitState) -> None:
        # Only units that could be sent are indexed, so a search never wades
        # through busy ones; staleness depends on the clock and is checked at query time.
        index = self._index.setdefault(unit.type, PointIndex())
        if (
            unit.lat is None
            or unit.lon is None
            or unit.status != "available"
            or not unit.online
            or unit.incident_id is not None
        ):
            index.remove(unit.id)
        else:
            index.upsert(unit.id, unit.lat, unit.lon)

    @staticmethod
    def _now() -> float:
        return datetime.now(UTC).timestamp()

    def as_dict(self, unit: UnitState, now: float) -> dict[str, object]:
        """The API's view of a unit."""
        data = asdict(unit)
        data["stale"] = self.is_stale(unit, now) or not unit.online
        data["busy"] = unit.status in BUSY_STATUSES
        for key in ("last_seen", "status_since"):
            value = data[key]
            data[key] = (
                datetime.fromtimestamp(value, UTC).isoformat() if value is not None else None
            )
        data.pop("last_fix_ts", None)
        return data


@dataclass(frozen=True)
class FleetAt:
    """The fleet seen at one instant: the FleetView a policy receives."""

    fleet: Fleet
    now: float
    simulated: bool = False

    def nearest_available(
        self, unit_type: str, lat: float, lon: float, limit: int
    ) -> list[tuple[Candidate, float]]:
        """Delegate with the pinned time and side (real or simulated units)."""
        return self.fleet.nearest_available(unit_type, lat, lon, limit, now=self.now,
                                            simulated=self.simulated)
