"""The live fleet: where every unit is, what it is doing, and whether we still hear it.

Held in memory for speed (positions change every second); the database keeps
the durable copy (units table, track history) and seeds this at start.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime

from geo.service_area import ServiceArea
from geo.spatial import PointIndex

from .domain.fixes import DEFAULT_STALE_AFTER_S, NEVER_REPORTED, STALE_FIX, FixRules, judge_fix
from .domain.recommend import Candidate
from .domain.unit_states import BUSY_STATUSES

_INDEXED_FIELDS = frozenset({"lat", "lon", "status", "online", "incident_id", "type", "fix_ts",
                             "fix_flag", "trusted_at_station"})
# Trackers that only report positions: their crews get orders by radio, not over MQTT.
POSITION_ONLY_TRACKERS: tuple[str, ...] = ("owntracks/", "osmand/")

# Fields a GPS fix sets (services.field.record_position): a refresh keeps the newer of two.
POSITION_FIELDS: tuple[str, ...] = ("lat", "lon", "speed_kmh", "heading", "accuracy_m",
                                    "battery", "last_seen", "last_fix_ts", "fix_ts",
                                    "fix_flag", "source")

__all__ = ["DEFAULT_STALE_AFTER_S", "Fleet", "FleetAt", "FleetWatcher", "UnitState"]


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
    last_fix_ts: float | None = None  # device time of the last fix trusted for ordering
    source: str = "station"  # station (parked at home, no tracker), mqtt, owntracks
    online: bool = True
    incident_id: int | None = None
    fix_ts: float | None = None  # the shown fix's own time; None: never reported
    fix_flag: str | None = None  # the rule that fix broke on arrival (domain.fixes.FIX_FLAGS)
    trusted_at_station: bool = False  # the city pack vouches for it at its station
    simulated: bool = False  # a training unit: exercise incidents only


# Told of every local change: (unit id, the whole new state for an upsert or None,
# the changed fields for an update or None). Called under the fleet's lock, in order.
FleetWatcher = Callable[[str, "UnitState | None", "dict[str, object] | None"], None]


class Fleet:
    """Thread-safe registry of unit states with a spatial index per unit type."""

    def __init__(
        self,
        stale_after_s: Mapping[str, float | None] | None = None,
        rules: FixRules | None = None,
        service_area: ServiceArea | None = None,
    ) -> None:
        self._units: dict[str, UnitState] = {}
        self._index: dict[str, PointIndex] = {}
        self._by_tracker: dict[str, str] = {}
        self._lock = threading.RLock()
        self.stale_after_s: dict[str, float | None] = dict(DEFAULT_STALE_AFTER_S)
        if rules is not None:
            self.stale_after_s.update(rules.stale_after_s)
        if stale_after_s:
            self.stale_after_s.update(stale_after_s)
        base = rules or FixRules()
        # The rules read this very dict, so a change to stale_after_s applies at once.
        self.rules = FixRules(self.stale_after_s, base.max_future_s, base.max_accuracy_m,
                              base.service_area_margin_m)
        self.service_area = service_area
        self._watchers: list[FleetWatcher] = []

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
        """True when a tracked unit's last fix, by its own time, is older than its source allows."""
        return self.rules.is_stale(unit.source, unit.fix_ts, now)

    def judge_fix(self, lat: float, lon: float, ts: float, accuracy_m: float | None,
                  source: str, now: float) -> str | None:
        """The rule a fix arriving now breaks (a word of domain.fixes.FIX_FLAGS), or None."""
        area = self.service_area
        return judge_fix(self.rules, lat, lon, ts, accuracy_m, source, now,
                         area.contains if area is not None else None)

    def recommendable(self, unit: UnitState, now: float) -> tuple[bool, str | None]:
        """May this unit be recommended now? (True, None) or (False, the reason word)."""
        if unit.status == "out_of_service":
            return False, "out_of_service"
        if not unit.online or unit.status == "offline":
            return False, "offline"
        if unit.status != "available" or unit.incident_id is not None:
            return False, "busy"
        if unit.lat is None or unit.lon is None:
            return False, NEVER_REPORTED
        if unit.fix_ts is None:
            return (True, None) if unit.trusted_at_station else (False, NEVER_REPORTED)
        if unit.fix_flag is not None:
            return False, unit.fix_flag
        if self.is_stale(unit, now):
            return False, STALE_FIX
        return True, None

    def is_recommendable(self, unit: UnitState, now: float) -> bool:
        """Available, online, believably located, fresh and not already on a job."""
        return self.recommendable(unit, now)[0]

    @staticmethod
    def assumed_at_station(unit: UnitState) -> bool:
        """Never reported, but the city pack trusts it to be at its station."""
        return unit.fix_ts is None and unit.trusted_at_station

    @staticmethod
    def orders_by_radio(unit: UnitState) -> bool:
        """Tracked by a position-only app (OwnTracks, OsmAnd): its orders are confirmed by radio."""
        return bool(unit.tracker) and unit.tracker.startswith(POSITION_ONLY_TRACKERS)  # type: ignore[union-attr]

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
                out.append((Candidate(u.id, u.type, u.station, u.lat, u.lon,  # type: ignore[arg-type]
                                      self.assumed_at_station(u)), dist))
                if len(out) >= limit:
                    break
        return out

    def view(self, now: float | None = None, simulated: bool = False) -> FleetAt:
        """A FleetView for a policy, pinned to one instant (and to real or simulated units)."""
        return FleetAt(self, self._now() if now is None else now, simulated)

    # -- writing -------------------------------------------------------------
    def watch(self, watcher: FleetWatcher) -> None:
        """Tell `watcher` of every later upsert and update (the relay ships them elsewhere)."""
        with self._lock:
            self._watchers.append(watcher)

    def unwatch(self, watcher: FleetWatcher) -> None:
        """Stop telling `watcher`."""
        with self._lock:
            if watcher in self._watchers:
                self._watchers.remove(watcher)

    def upsert(self, unit: UnitState, notify: bool = True) -> None:
        """Add or replace a unit (start-up seeding, admin registration).

        `notify=False` applies a change that came from elsewhere (another process, the
        database) without telling the watchers, so it is not sent back out.
        """
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
            if notify:
                for watcher in self._watchers:
                    watcher(unit.id, unit, None)

    def update(self, unit_id: str, **changes: object) -> UnitState:
        """Change some fields of a unit and keep the index in step."""
        return self.apply(unit_id, changes, notify=True)

    def apply(self, unit_id: str, changes: Mapping[str, object],
              notify: bool = False) -> UnitState:
        """Like update, for changes that came from elsewhere: by default watchers are not told."""
        with self._lock:
            unit = replace(self._units[unit_id], **changes)  # type: ignore[arg-type]
            self._units[unit_id] = unit
            if changes.keys() & _INDEXED_FIELDS:
                self._reindex(unit)
            if notify:
                for watcher in self._watchers:
                    watcher(unit_id, None, dict(changes))
            return unit

    def load(self, units: Iterable[UnitState]) -> None:
        """Replace the whole registry."""
        with self._lock:
            self._units.clear()
            self._index.clear()
            self._by_tracker.clear()
            for unit in units:
                self.upsert(unit, notify=False)

    def refresh(self, units: Iterable[UnitState]) -> int:
        """Bring in the database's copy without emptying the registry first; returns the count.

        Readers never see a unit missing (load clears first). A position the replica
        holds newer than the database's (fixes are written in batches) is kept.
        Watchers are not told: every process reads the same database.
        """
        count = 0
        with self._lock:
            for unit in units:
                old = self._units.get(unit.id)
                if (old is not None and old.fix_ts is not None
                        and (unit.fix_ts is None or old.fix_ts > unit.fix_ts)):
                    unit = replace(unit, **{f: getattr(old, f) for f in POSITION_FIELDS})
                self.upsert(unit, notify=False)
                count += 1
        return count

    def _reindex(self, unit: UnitState) -> None:
        # Only units that could be sent are indexed, so a search never wades
        # through busy or badly located ones; age depends on the clock and is checked at
        # query time.
        index = self._index.setdefault(unit.type, PointIndex())
        if (
            unit.lat is None
            or unit.lon is None
            or unit.status != "available"
            or not unit.online
            or unit.incident_id is not None
            or unit.fix_flag is not None
            or (unit.fix_ts is None and not unit.trusted_at_station)
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
        ok, reason = self.recommendable(unit, now)
        data["recommendable"] = ok
        data["not_recommendable_reason"] = reason
        data["assumed_at_station"] = ok and self.assumed_at_station(unit)
        data["order_channel"] = "radio" if self.orders_by_radio(unit) else "mqtt"
        data["fix_at"] = data.pop("fix_ts")
        for key in ("last_seen", "status_since", "fix_at"):
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
