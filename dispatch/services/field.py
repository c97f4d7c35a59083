"""Field-unit use cases: positions, status reports, order acknowledgements, timeouts, online flag.

Pure service layer (no paho): the MQTT gateway, the simulators and tests call these.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from geo.distance import haversine_m

from ..db.models import Incident, Order, Unit
from ..domain.events import (
    Event,
    OrderAcknowledged,
    OrderDeclined,
    OrderRadioReminder,
    OrderResent,
    OrderUnacknowledged,
    UnitPositionUpdated,
    UnitRecommended,
    UnitStatusChanged,
)
from ..domain.fixes import FUTURE_FIX, STALE_FIX
from ..domain.unit_states import check_transition
from ..field_state import FieldState
from . import moveups
from .actors import SYSTEM, Actor
from .errors import Conflict, NotFound, ValidationError
from .incidents import add_timeline, get_incident, recommend_for

if TYPE_CHECKING:
    from ..runtime import Runtime

log = logging.getLogger(__name__)

GEOFENCE_M = 100.0
# Statuses that put a unit "at the job": leaving them clears the order.
_ON_JOB = frozenset({"on_scene", "transporting", "at_hospital"})
# A unit heading to its incident: the geofence may set it on scene.
_APPROACHING = frozenset({"dispatched", "en_route"})
# A status report that proves the unit has its order (no resend needed).
_PROVES_RECEIPT = frozenset({"en_route", "on_scene", "transporting", "at_hospital"})
# Orders still waiting for an answer: an operator may confirm these by radio.
_OPEN_ORDER_STATES = frozenset({"sent", "awaiting_radio", "unacknowledged"})


def _state(rt: Runtime) -> FieldState:
    return rt.field_state


def unit_actor(unit_id: str) -> Actor:
    """The actor stamped on what a unit reports itself."""
    return Actor("unit", unit_id)


def _unit(rt: Runtime, unit_id: str) -> Any:
    state = rt.fleet.get(unit_id)
    if state is None:
        raise NotFound(f"unknown unit {unit_id!r}", "unit_id")
    return state


def _incident_location(rt: Runtime, incident_id: int) -> tuple[float, float] | None:
    fs = _state(rt)
    loc = fs.incident_locations.get(incident_id)
    if loc is None:
        with rt.session() as s:
            inc = s.get(Incident, incident_id)
            if inc is None:
                return None
            loc = (inc.lat, inc.lon)
        if len(fs.incident_locations) > 10_000:
            fs.incident_locations.clear()
        fs.incident_locations[incident_id] = loc
    return loc


def record_position(
    rt: Runtime,
    unit_id: str,
    lat: float,
    lon: float,
    ts: float,
    *,
    speed_kmh: float | None = None,
    heading: float | None = None,
    accuracy_m: float | None = None,
    battery: float | None = None,
    source: str = "mqtt",
) -> bool:
    """Accept one GPS fix; False when dropped as older than the last accepted fix.

    A fix that breaks a rule (domain.fixes) is still stored and shown, flagged, but it
    never makes the unit recommendable; a fix from a clock running ahead is not used
    to order later fixes, so it cannot block the correct ones that follow.
    """
    fs = _state(rt)
    now = rt.clock.time()
    flag = rt.fleet.judge_fix(lat, lon, ts, accuracy_m, source, now)
    with fs.lock:
        state = _unit(rt, unit_id)
        # Device time against device time only: never our receive time, so a device
        # whose clock runs behind is not dropped after a restart.
        if state.last_fix_ts is not None and ts < state.last_fix_ts:
            return False
        # An old fix (a retained message replayed by the broker) proves nothing about now.
        came_back = flag != STALE_FIX and (not state.online or state.status == "offline")
    if came_back:
        # Back online before the new position shows, so no reader sees a fresh fix on an
        # offline unit.
        set_online(rt, unit_id, True)
    with fs.lock:
        state = _unit(rt, unit_id)
        if state.last_fix_ts is not None and ts < state.last_fix_ts:
            return False
        changes: dict[str, Any] = dict(
            lat=lat,
            lon=lon,
            speed_kmh=speed_kmh,
            heading=heading,
            accuracy_m=accuracy_m,
            battery=battery if battery is not None else state.battery,
            last_seen=now,
            fix_ts=ts,
            fix_flag=flag,
            source=source,
        )
        if flag != FUTURE_FIX:
            changes["last_fix_ts"] = ts
        state = rt.fleet.update(unit_id, **changes)
    if flag is not None:
        rt.counters.incr("fixes_flagged." + flag)
    if rt.tracks is not None:
        rt.tracks.add(unit_id, ts, lat, lon, speed_kmh, heading, accuracy_m, battery, source,
                   flag=flag)
    ok, reason = rt.fleet.recommendable(state, now)
    rt.bus.publish(
        UnitPositionUpdated(
            unit_id=unit_id, lat=lat, lon=lon, ts=ts, speed_kmh=speed_kmh, heading=heading,
            accuracy_m=accuracy_m, battery=state.battery, status=state.status,
            stale=rt.fleet.is_stale(state, now), flag=flag, recommendable=ok,
            not_recommendable_reason=reason,
        )
    )
    # Only a believable fix may declare a unit arrived.
    if flag is None and state.incident_id is not None and state.status in _APPROACHING:
        loc = _incident_location(rt, state.incident_id)
        if loc is not None and haversine_m(lat, lon, loc[0], loc[1]) <= GEOFENCE_M:
            try:
                report_status(rt, unit_id, "on_scene", automatic=True)
            except Exception:
                # A race with a status report is harmless; the fix itself stands.
                log.exception("geofence on_scene for %s failed", unit_id)
    return True


def _current_order(
    session: Any, unit_id: str, incident_id: int | None, order_id: str | None
) -> Order | None:
    if order_id:
        order = session.get(Order, order_id)
        if (order is not None and order.unit_id == unit_id
                and (incident_id is None or order.incident_id == incident_id)):
            return order  # type: ignore[no-any-return]
    if incident_id is None:
        return None
    return session.scalars(  # type: ignore[no-any-return]
        select(Order)
        .where(Order.unit_id == unit_id, Order.incident_id == incident_id)
        .where(Order.state != "declined")
        .order_by(Order.issued_at.desc())
        .limit(1)
    ).first()


def _status_message(unit_id: str, previous: str, status: str, automatic: bool) -> str:
    msg = f"Unit {unit_id}: {previous} → {status}"
    if automatic:
        msg += (f" (otomatis, dalam {GEOFENCE_M:.0f} m dari lokasi / automatic, within "
                f"{GEOFENCE_M:.0f} m of the incident)")
    return msg


def report_status(
    rt: Runtime,
    unit_id: str,
    status: str,
    ts: float | None = None,
    order_id: str | None = None,
    *,
    automatic: bool = False,
) -> None:
    """Apply a unit's status report: state machine, order times, incident, timeline, event."""
    if status == "offline":
        set_online(rt, unit_id, False)
        return
    events: list[Event] = []
    with rt.dispatch_lock:
        state = _unit(rt, unit_id)
        previous = state.status
        if previous == "offline":
            # A status report proves the unit is back: judge it against its real status.
            check_transition(_state(rt).status_before_offline.get(unit_id, previous), status)
        elif status == previous and state.online:
            return  # a repeated report (QoS 1 may deliver twice)
        else:
            check_transition(previous, status)
        now = rt.clock.now()
        actor = SYSTEM if automatic else unit_actor(unit_id)
        incident_id = state.incident_id
        clears_incident = status in ("available", "out_of_service")
        with rt.session() as s:
            unit = s.get(Unit, unit_id)
            if unit is None:
                raise NotFound(f"unknown unit {unit_id!r}", "unit_id")
            order = _current_order(s, unit_id, incident_id, order_id)
            if incident_id is None and order is not None and order.cleared_at is None:
                incident_id = order.incident_id
            unit.status = status
            unit.status_since = now
            unit.online = True
            if clears_incident:
                unit.current_incident_id = None
            if order is not None:
                if status in _PROVES_RECEIPT and order.state in _OPEN_ORDER_STATES:
                    order.state = "acknowledged"
                    order.acked_at = order.acked_at or now
                if status == "en_route" and order.en_route_at is None:
                    order.en_route_at = now
                if status == "on_scene" and order.on_scene_at is None:
                    order.on_scene_at = now
                leaves_job = previous in _ON_JOB and status not in _ON_JOB
                if (leaves_job or status == "available") and order.cleared_at is None:
                    order.cleared_at = now
            inc = s.get(Incident, incident_id) if incident_id is not None else None
            if inc is not None:
                if status == "on_scene":
                    if inc.first_on_scene_at is None:
                        inc.first_on_scene_at = now
                    if inc.status in ("open", "dispatched"):
                        inc.status = "on_scene"
                data: dict[str, Any] = {}
                if ts is not None:
                    data["reported_ts"] = ts
                if order is not None:
                    data["order_id"] = order.id
                add_timeline(s, inc, "unit_status", actor,
                             _status_message(unit_id, previous, status, automatic), now,
                             unit_id=unit_id, status=status, previous=previous,
                             automatic=automatic, **data)
        changes: dict[str, Any] = {"status": status, "status_since": now.timestamp(),
                                   "online": True}
        if clears_incident:
            changes["incident_id"] = None
        elif incident_id is not None and state.incident_id is None:
            changes["incident_id"] = incident_id
        rt.fleet.update(unit_id, **changes)
        _state(rt).status_before_offline.pop(unit_id, None)
        events.append(UnitStatusChanged(unit_id, status, previous, incident_id, automatic))
    rt.bus.publish_all(events)


def acknowledge_order(
    rt: Runtime, unit_id: str, order_id: str, accepted: bool, ts: float | None = None
) -> None:
    """A unit accepts or declines its order; a decline frees it and offers the next unit."""
    with rt.dispatch_lock:
        _unit(rt, unit_id)
        if moveups.is_move_up_order(order_id):
            moveups.answer_move_up(rt, unit_id, order_id, accepted, ts)
            return
        _answer_order(rt, order_id, accepted, unit_actor(unit_id), unit_id=unit_id, ts=ts)


MAX_RADIO_NOTE = 500


def acknowledge_by_radio(
    rt: Runtime, incident_id: int, order_id: str, data: Any, actor: Actor
) -> dict[str, Any]:
    """The operator heard the crew on the radio: record its answer to the order.

    `data` is the optional body `{accepted: bool = true, note?: str}`; returns the incident.
    """
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ValidationError("body must be a JSON object", "body")
    accepted = data.get("accepted", True)
    if not isinstance(accepted, bool):
        raise ValidationError("accepted must be true or false", "accepted")
    note = data.get("note")
    if note is not None:
        if not isinstance(note, str) or len(note) > MAX_RADIO_NOTE:
            raise ValidationError(f"note must be text of at most {MAX_RADIO_NOTE} characters",
                                  "note")
        note = note.strip() or None
    with rt.dispatch_lock:
        with rt.session() as s:
            order = s.get(Order, order_id)
            if order is None or order.incident_id != incident_id:
                raise NotFound(f"no order {order_id!r} in incident {incident_id}", "order_id")
            if order.state not in _OPEN_ORDER_STATES:
                raise Conflict(f"order {order_id} is already {order.state}", "order_id")
        _answer_order(rt, order_id, accepted, actor, via="radio", note=note)
    return get_incident(rt, incident_id)


def _answer_order(
    rt: Runtime,
    order_id: str,
    accepted: bool,
    actor: Actor,
    *,
    unit_id: str | None = None,
    ts: float | None = None,
    via: str | None = None,
    note: str | None = None,
) -> None:
    # Callers hold rt.dispatch_lock; `unit_id` given means the unit itself answered.
    now = rt.clock.now()
    with rt.transaction() as (s, events):
        order = s.get(Order, order_id)
        if order is None or (unit_id is not None and order.unit_id != unit_id):
            raise NotFound(f"unknown order {order_id!r} for unit {unit_id!r}", "order_id")
        if order.state in ("acknowledged", "declined", "reassigned"):
            # A repeated ack (QoS 1 may deliver twice; the first one counts), or one for
            # an order the unit was taken off (reassigned to another incident).
            return
        unit_id = order.unit_id
        inc = s.get(Incident, order.incident_id)
        assert inc is not None
        extra: dict[str, Any] = {"reported_ts": ts} if ts is not None else {}
        if via is not None:
            extra["via"] = via
        if note:
            extra["note"] = note
        by_radio = (" (dikonfirmasi lewat radio)", " (by radio)") if via == "radio" else ("", "")
        tail = f" — {note}" if note else ""
        if accepted:
            order.state = "acknowledged"
            order.acked_at = now
            add_timeline(s, inc, "order_acknowledged", actor,
                         f"Unit {unit_id} menerima perintah{by_radio[0]} / acknowledged the "
                         f"order{by_radio[1]}{tail}", now,
                         unit_id=unit_id, order_id=order_id, **extra)
            events.append(OrderAcknowledged(inc.id, unit_id, order_id))
        else:
            order.state = "declined"
            order.declined_at = now
            order.cleared_at = order.cleared_at or now
            unit = s.get(Unit, unit_id)
            previous = unit.status if unit is not None else "dispatched"
            release = unit is not None and unit.current_incident_id == inc.id
            if unit is not None and release:
                unit.current_incident_id = None
                unit.status = "available"
                unit.status_since = now
                freed = unit_id
                events.then(lambda: rt.fleet.update(freed, status="available",
                                                    status_since=now.timestamp(),
                                                    incident_id=None))
            taken = tuple(
                s.scalars(select(Order.unit_id).where(Order.incident_id == inc.id)).all()
            )
            recs = (recommend_for(rt, inc.lat, inc.lon, inc.category, exclude=taken,
                                  exercise=inc.exercise)
                    if inc.emergency and inc.status != "closed" else [])
            same_type = [r for r in recs if r.get("unit_type") == order.unit_type]
            nxt = tuple(r["unit_id"] for r in (same_type or recs))
            inc.recommendations = recs
            add_timeline(s, inc, "order_declined", actor,
                         f"Unit {unit_id} menolak perintah{by_radio[0]} / declined the "
                         f"order{by_radio[1]}{tail}; "
                         f"rekomendasi berikut / next: {', '.join(nxt) or '-'}", now,
                         unit_id=unit_id, order_id=order_id, next_recommendation=list(nxt),
                         **extra)
            if release:
                add_timeline(s, inc, "unit_status", actor,
                             f"Unit {unit_id}: {previous} → available", now,
                             unit_id=unit_id, status="available", previous=previous,
                             automatic=False)
            events.append(OrderDeclined(inc.id, unit_id, order_id, nxt))
            if release:
                events.append(UnitStatusChanged(unit_id, "available", previous, inc.id))
            if nxt:
                events.append(UnitRecommended(inc.id, nxt))


def check_order_timeouts(rt: Runtime) -> int:
    """Resend orders not acknowledged in time once, then alert the operator; returns the count."""
    with _state(rt).timeouts_lock:  # the ticker and a caller must not both resend
        return _check_order_timeouts(rt)


def _check_order_timeouts(rt: Runtime) -> int:
    now = rt.clock.now()
    timeout = float(rt.settings.ack_timeout_s)
    with rt.transaction() as (s, events):
        rows = s.scalars(select(Order).where(Order.state == "sent")).all()
        due = [o for o in rows if (now - o.last_sent_at).total_seconds() >= timeout]
        for order in due:
            inc = s.get(Incident, order.incident_id)
            if inc is None:
                continue
            if order.channel == "radio":
                # Nothing can resend to a position-only tracker: remind the operator once.
                order.state = "awaiting_radio"
                add_timeline(s, inc, "order_radio_reminder", SYSTEM,
                             f"Belum ada konfirmasi dari {order.unit_id} dalam {timeout:.0f} s: "
                             "konfirmasi lewat radio / No confirmation from "
                             f"{order.unit_id} within {timeout:.0f} s: confirm by radio", now,
                             unit_id=order.unit_id, order_id=order.id)
                events.append(OrderRadioReminder(inc.id, order.unit_id, order.id))
            elif order.send_count <= 1:
                order.send_count = 2
                order.last_sent_at = now
                add_timeline(s, inc, "order_resent", SYSTEM,
                             f"Tidak ada konfirmasi dari {order.unit_id} dalam {timeout:.0f} s, "
                             f"perintah dikirim ulang / No ack within {timeout:.0f} s, order sent "
                             "again", now, unit_id=order.unit_id, order_id=order.id)
                events.append(OrderResent(inc.id, order.unit_id, order.id, dict(order.payload)))
            else:
                order.state = "unacknowledged"
                add_timeline(s, inc, "order_unacknowledged", SYSTEM,
                             f"PERHATIAN: {order.unit_id} tidak mengonfirmasi perintah / ALERT: "
                             f"{order.unit_id} did not acknowledge the order", now,
                             unit_id=order.unit_id, order_id=order.id,
                             send_count=order.send_count)
                events.append(OrderUnacknowledged(inc.id, order.unit_id, order.id))
    return len(events)


def set_online(rt: Runtime, unit_id: str, online: bool) -> None:
    """Apply the LWT / online flag: offline units show status "offline" and are never recommended."""
    events: list[Event] = []
    fs = _state(rt)
    with rt.dispatch_lock:
        state = _unit(rt, unit_id)
        if online and state.online and state.status != "offline":
            return
        if not online and not state.online and state.status == "offline":
            return
        now = rt.clock.now()
        previous = state.status
        if online:
            new = fs.status_before_offline.pop(unit_id, None)
            if new is None or new == "offline":
                new = "dispatched" if state.incident_id is not None else "available"
            new = new if previous == "offline" else previous
        else:
            if previous != "offline":
                fs.status_before_offline[unit_id] = previous
            new = "offline"
        with rt.session() as s:
            unit = s.get(Unit, unit_id)
            if unit is None:
                raise NotFound(f"unknown unit {unit_id!r}", "unit_id")
            unit.online = online
            if new != previous:
                unit.status = new
                unit.status_since = now
                inc = (s.get(Incident, state.incident_id)
                       if state.incident_id is not None else None)
                if inc is not None:
                    word = "kembali daring / back online" if online else "luring / offline"
                    add_timeline(s, inc, "unit_status", unit_actor(unit_id),
                                 f"Unit {unit_id} {word}: {previous} → {new}", now,
                                 unit_id=unit_id, status=new, previous=previous,
                                 automatic=False, online=online)
        changes: dict[str, Any] = {"online": online}
        if new != previous:
            changes.update(status=new, status_since=now.timestamp())
            events.append(UnitStatusChanged(unit_id, new, previous, state.incident_id))
        rt.fleet.update(unit_id, **changes)
    rt.bus.publish_all(events)

