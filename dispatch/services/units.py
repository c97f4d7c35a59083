"""Fleet administration: seed from the city pack, register units, list them."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from ..db.models import Unit
from ..domain.constants import UNIT_TYPES
from ..domain.events import UnitRegistered
from ..domain.fixes import FUTURE_FIX
from ..fleet import UnitState
from .errors import Conflict, ValidationError

if TYPE_CHECKING:
    from ..runtime import Runtime

UNIT_ID = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
TRACKER = re.compile(r"^owntracks/[A-Za-z0-9_.-]{1,64}/[A-Za-z0-9_.-]{1,64}$")


def trusted_at_station(rt: Runtime, unit_id: str, station: str | None) -> bool:
    """Does the city pack vouch for this unit at its station until it first reports?"""
    for fu in rt.city.fleet:
        if fu.id == unit_id:
            return fu.trusted_at_station
    st = rt.city.station(station) if station else None
    return bool(st and st.trusted_at_station)


def unit_state_from_row(row: Unit, trusted: bool = False) -> UnitState:
    """The in-memory state of a persisted unit."""
    fix_ts = row.fix_at.timestamp() if row.fix_at else None
    return UnitState(
        id=row.id,
        type=row.type,
        name=row.name,
        station=row.station,
        tracker=row.tracker,
        status=row.status,
        status_since=row.status_since.timestamp() if row.status_since else None,
        lat=row.lat,
        lon=row.lon,
        speed_kmh=row.speed_kmh,
        heading=row.heading,
        accuracy_m=row.accuracy_m,
        battery=row.battery,
        last_seen=row.last_seen.timestamp() if row.last_seen else None,
        # Device time against device time only (never our receive time), and never a fix
        # from a clock running ahead, which would make every later correct fix look old.
        last_fix_ts=fix_ts if row.fix_flag != FUTURE_FIX else None,
        source=row.source,
        online=row.online,
        incident_id=row.current_incident_id,
        fix_ts=fix_ts,
        fix_flag=row.fix_flag,
        trusted_at_station=trusted,
        simulated=bool(row.simulated),
    )


def load_fleet(rt: Runtime) -> None:
    """Insert the city pack's fleet where missing, then load every unit into memory."""
    now = rt.clock.now()
    with rt.session() as s:
        known = set(s.scalars(select(Unit.id)))
        for fu in rt.city.fleet:
            if fu.id in known:
                continue
            st = rt.city.station(fu.station)
            s.add(
                Unit(
                    id=fu.id,
                    type=fu.type,
                    name=fu.name,
                    station=fu.station,
                    status="available",
                    status_since=now,
                    lat=st.lat if st else None,
                    lon=st.lon if st else None,
                    source="station",
                    online=True,
                    created_at=now,
                )
            )
    with rt.session() as s:
        rt.fleet.load(unit_state_from_row(u, trusted_at_station(rt, u.id, u.station))
                      for u in s.scalars(select(Unit)))


def register_unit(
    rt: Runtime,
    unit_id: Any,
    unit_type: Any,
    station: Any = None,
    tracker: Any = None,
    name: Any = None,
    simulated: Any = False,
) -> UnitState:
    """Add a unit to the fleet (admin); parked at its station until it reports.

    A `simulated` unit is a training unit: only exercise incidents may use it.
    """
    if not isinstance(unit_id, str) or not UNIT_ID.match(unit_id):
        raise ValidationError("id: 1-32 characters of letters, digits, _ or -", "id")
    if unit_type not in UNIT_TYPES:
        raise ValidationError(f"type must be one of {', '.join(UNIT_TYPES)}", "type")
    st = None
    if station is not None:
        if not isinstance(station, str) or rt.city.station(station) is None:
            raise ValidationError(f"unknown station {station!r}", "station")
        st = rt.city.station(station)
    if tracker is not None and (not isinstance(tracker, str) or not TRACKER.match(tracker)):
        raise ValidationError('tracker must look like "owntracks/<user>/<device>"', "tracker")
    if name is not None and (not isinstance(name, str) or len(name) > 128):
        raise ValidationError("name must be text of at most 128 characters", "name")
    if not isinstance(simulated, bool):
        raise ValidationError("simulated must be true or false", "simulated")
    now = rt.clock.now()
    with rt.session() as s:
        if s.get(Unit, unit_id) is not None:
            raise Conflict(f"unit {unit_id!r} exists", "id")
        if tracker and s.scalar(select(Unit).where(Unit.tracker == tracker)):
            raise Conflict(f"tracker {tracker!r} is bound to another unit", "tracker")
        row = Unit(
            id=unit_id,
            type=unit_type,
            name=name or unit_id,
            station=station,
            tracker=tracker,
            status="available",
            status_since=now,
            lat=st.lat if st else None,
            lon=st.lon if st else None,
            source="station" if st else "mqtt",
            online=True,
            created_at=now,
            simulated=simulated,
        )
        s.add(row)
    state = unit_state_from_row(row, trusted_at_station(rt, unit_id, station))
    rt.fleet.upsert(state)
    rt.bus.publish(UnitRegistered(unit_id=unit_id, unit_type=unit_type))
    return state


def list_units(rt: Runtime) -> list[dict[str, object]]:
    """Every unit as the API shows it, with staleness worked out now."""
    now = rt.clock.time()
    return [rt.fleet.as_dict(u, now) for u in rt.fleet.all()]
