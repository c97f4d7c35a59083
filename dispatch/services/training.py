"""Training kept apart: simulated units for exercises, and an exercise's end that leaves nothing.

An exercise incident (``exercise: true``) takes simulated units only, a real incident never
takes one (``incidents.check_training_wall`` and the fleet's ``simulated`` filter). Training
runs use one simulated unit per city-pack unit, ``SIM-<id>``, at the same station: created on
first use, reset to available at the start of a run, and put out of service at its end, so a
later run reuses them and the real fleet is never touched.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from ..db.models import Incident, Unit
from ..domain.events import Event, UnitStatusChanged
from .actors import Actor
from .errors import Conflict, NotFound, ValidationError
from .incidents import add_timeline, close_incident
from .units import UNIT_ID, register_unit, unit_state_from_row

if TYPE_CHECKING:
    from datetime import datetime

    from ..fleet import UnitState
    from ..runtime import Runtime

SIM_PREFIX = "SIM-"
END_OUTCOME = "Latihan selesai / exercise ended"
MAX_IDS = 5000


def simulated_id(unit_id: str) -> str:
    """The id of the training twin of a city-pack unit (SIM-<id>)."""
    return unit_id if unit_id.startswith(SIM_PREFIX) else (SIM_PREFIX + unit_id)[:32]


def _exercise_actor(actor: Actor) -> Actor:
    # The end of an exercise is the system's doing, not an operator's: a trainee's score
    # must not count the clean-up as "handled".
    return Actor("system", "latihan", actor.user_id, actor.role)


def provision_units(
    rt: Runtime, actor: Actor, only: Iterable[str] | None = None
) -> list[UnitState]:
    """One simulated unit per city-pack unit, created or reset to available at its station.

    `only` limits it to some city-pack unit ids. A simulated unit still on an exercise job
    (another run) is left as it is.
    """
    wanted = None if only is None else set(only)
    template = [u for u in rt.city.fleet if wanted is None or u.id in wanted]
    if wanted is not None:
        unknown = wanted - {u.id for u in template}
        if unknown:
            raise ValidationError(f"unknown city-pack units: {', '.join(sorted(unknown))}",
                                  "units")
    now = rt.clock.now()
    events: list[Event] = []
    out: list[UnitState] = []
    for fu in template:
        sid = simulated_id(fu.id)
        with rt.dispatch_lock:
            with rt.session() as s:
                row = s.get(Unit, sid)
                if row is not None and not row.simulated:
                    raise Conflict(f"unit {sid} exists and is a real unit", "units")
                if row is not None and row.current_incident_id is None:
                    st = rt.city.station(row.station) if row.station else None
                    previous = row.status
                    row.status = "available"
                    row.status_since = now
                    row.online = True
                    row.source = "station"
                    if st is not None:
                        row.lat, row.lon = st.lat, st.lon
                    if previous != "available":
                        events.append(UnitStatusChanged(sid, "available", previous, None))
            if row is not None:
                state = unit_state_from_row(row)
                rt.fleet.upsert(state)
                out.append(state)
                continue
        out.append(register_unit(rt, sid, fu.type, fu.station, None,
                                 f"Latihan / Training: {fu.name or fu.id}", True))
    rt.bus.publish_all(events)
    return out


def _ids(raw: Any, field: str, kind: type) -> list[Any] | None:
    if raw is None:
        return None
    if not isinstance(raw, list) or len(raw) > MAX_IDS or not all(
        isinstance(x, kind) and not isinstance(x, bool) for x in raw
    ):
        raise ValidationError(f"{field} must be a list of at most {MAX_IDS} ids", field)
    return list(dict.fromkeys(raw))


def end_exercise(rt: Runtime, data: Mapping[str, Any], actor: Actor) -> dict[str, Any]:
    """Close the exercise's open incidents (marked) and put its simulated units out of service.

    `incident_ids` / `unit_ids` name the run's own; without them, every open exercise
    incident and every simulated unit. A real incident or unit among them is refused (409).
    """
    if not isinstance(data, Mapping):
        raise ValidationError("body must be a JSON object", "body")
    incident_ids = _ids(data.get("incident_ids"), "incident_ids", int)
    unit_ids = _ids(data.get("unit_ids"), "unit_ids", str)
    if unit_ids is not None and not all(UNIT_ID.match(u) for u in unit_ids):
        raise ValidationError("unit_ids: unit ids are 1-32 letters, digits, _ or -", "unit_ids")
    system = _exercise_actor(actor)
    now = rt.clock.now()
    # Check everything first: a refused request changes nothing.
    with rt.session() as s:
        q = select(Incident.id, Incident.exercise, Incident.status)
        if incident_ids is not None:
            q = q.where(Incident.id.in_(incident_ids))
        else:
            q = q.where(Incident.exercise.is_(True), Incident.status != "closed")
        rows = s.execute(q).all()
        if incident_ids is not None:
            missing = set(incident_ids) - {r.id for r in rows}
            if missing:
                raise NotFound(f"incidents not found: {', '.join(map(str, sorted(missing)))}",
                               "incident_ids")
        real = [r.id for r in rows if not r.exercise]
        if real:
            raise Conflict(f"not exercise incidents (left alone): "
                           f"{', '.join(map(str, real))}", "incident_ids")
        uq = select(Unit.id, Unit.simulated)
        uq = uq.where(Unit.id.in_(unit_ids)) if unit_ids is not None else uq.where(
            Unit.simulated.is_(True))
        found = s.execute(uq).all()
        if unit_ids is not None:
            missing_u = set(unit_ids) - {u.id for u in found}
            if missing_u:
                raise NotFound(f"units not found: {', '.join(sorted(missing_u))}", "unit_ids")
        real_u = [u.id for u in found if not u.simulated]
        if real_u:
            raise Conflict(f"real units are never part of an exercise: {', '.join(real_u)}",
                           "unit_ids")
        to_close = sorted(r.id for r in rows if r.status != "closed")
        for iid in to_close:
            inc = s.get(Incident, iid)
            assert inc is not None
            add_timeline(s, inc, "exercise_ended", system,
                         "LATIHAN selesai: ditutup otomatis / EXERCISE ended: closed "
                         "automatically", now, requested_by=actor.id)
    closed = []
    for iid in to_close:
        try:
            close_incident(rt, iid, {"outcome": END_OUTCOME}, system)
        except Conflict:
            continue  # closed meanwhile by someone else
        closed.append(iid)

    parked: list[str] = []
    busy: list[str] = []
    with rt.dispatch_lock, rt.transaction() as (s, events):
        units = list(s.scalars(select(Unit).where(Unit.id.in_([u.id for u in found]))))
        for unit in units:
            if unit.current_incident_id is not None:
                busy.append(unit.id)  # on another run's exercise job
                continue
            previous = unit.status
            unit.status = "out_of_service"
            unit.status_since = now
            unit.online = False
            parked.append(unit.id)
            if previous != "out_of_service":
                events.append(UnitStatusChanged(unit.id, "out_of_service", previous, None))
        events.then(lambda: _park(rt, parked, now))
    return {"closed": closed, "units_out_of_service": sorted(parked), "units_busy": sorted(busy)}


def _park(rt: Runtime, unit_ids: list[str], now: datetime) -> None:
    """The fleet replica's side of ending an exercise: its units are out of service."""
    for uid in unit_ids:
        if rt.fleet.get(uid) is not None:
            rt.fleet.update(uid, status="out_of_service", status_since=now.timestamp(),
                            online=False)
