"""Incident use cases: intake (classify → locate → recommend), dispatch, notes, close."""

from __future__ import annotations

import math
import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, insert, select
from sqlalchemy.orm import Session, make_transient_to_detached

from geo.cells import cell_of, cells_around, covers_radius

from ..classify import classify
from ..db.models import Incident, Order, TimelineEntry, Unit
from ..domain.constants import CALL_TYPES, CATEGORIES, CHANNELS, PRIORITIES
from ..domain.duplicates import DUPLICATE_CELL_DEG, OpenIncident, possible_duplicates
from ..domain.events import (
    Event,
    IncidentClosed,
    IncidentCreated,
    IncidentUpdated,
    UnitDispatched,
    UnitRecommended,
    UnitStatusChanged,
)
from ..domain.unit_states import BUSY_STATUSES
from . import complaints, validation
from .actors import SYSTEM, Actor
from .errors import Conflict, NotFound, ValidationError

if TYPE_CHECKING:
    from ..runtime import Runtime

DUPLICATE_RADIUS_M = 300.0
DUPLICATE_WINDOW = timedelta(minutes=15)
MAX_UNITS_PER_DISPATCH = 20


def add_timeline(
    session: Session,
    incident: Incident,
    kind: str,
    actor: Actor,
    message: str,
    at: datetime,
    **data: Any,
) -> TimelineEntry:
    """Append one timeline entry (in the caller's transaction)."""
    entry = TimelineEntry(
        incident_id=incident.id,
        ts=at,
        kind=kind,
        actor_type=actor.type,
        actor_id=actor.id,
        message=message,
        data=data,
    )
    session.add(entry)
    incident.updated_at = at
    return entry


def _local(rt: Runtime, at: datetime) -> datetime:
    try:
        return at.astimezone(ZoneInfo(rt.city.timezone))
    except Exception:
        return at


def recommend_for(
    rt: Runtime, lat: float, lon: float, category: str, exclude: tuple[str, ...] = (),
    exercise: bool = False,
) -> list[dict[str, Any]]:
    """Fill the category's response plan from the live fleet, now.

    An exercise is filled from simulated units only, a real incident from real units only.
    """
    plan = rt.plan_for(category)
    if not plan:
        return []
    now = rt.clock.now()
    recs = rt.policy.recommend(
        lat, lon, plan, rt.fleet.view(now.timestamp(), simulated=exercise),
        when=_local(rt, now), exclude=exclude,
    )
    return [r.as_dict() for r in recs]


# Built once: intake runs this on every call, and building and ORM-compiling the
# statement cost ten times its execution.
_NEARBY = (
    select(Incident.id, Incident.lat, Incident.lon, Incident.category, Incident.created_at)
    .where(Incident.created_at >= bindparam("since"))
    .where(Incident.lat.between(bindparam("lat_lo"), bindparam("lat_hi")))
    .where(Incident.lon.between(bindparam("lon_lo"), bindparam("lon_hi")))
    .where(Incident.status != "closed")
)
_NEARBY_IN_CELLS = _NEARBY.where(Incident.geocell.in_(bindparam("cells", expanding=True)))


def _open_nearby(session: Session, lat: float, lon: float, since: datetime) -> list[OpenIncident]:
    # Recent incidents in the 3x3 grid cells around the point, read from the covering
    # (geocell, created_at, lat, lon, ...) index; a box trims what comes back to Python,
    # and the exact distance rule is in the domain.
    d_lat = DUPLICATE_RADIUS_M / 110_000.0
    d_lon = d_lat / max(math.cos(math.radians(lat)), 0.01)
    params: dict[str, Any] = {"since": since, "lat_lo": lat - d_lat, "lat_hi": lat + d_lat,
                              "lon_lo": lon - d_lon, "lon_hi": lon + d_lon}
    query = _NEARBY
    if covers_radius(lat, DUPLICATE_CELL_DEG, DUPLICATE_RADIUS_M):
        query = _NEARBY_IN_CELLS
        params["cells"] = cells_around(lat, lon, DUPLICATE_CELL_DEG)
    # On the session's connection: a Core read, without the ORM's per-call compile step.
    rows = session.connection().execute(query, params).all()
    return [OpenIncident(r.id, r.lat, r.lon, r.category, r.created_at) for r in rows]


_INSERT_INCIDENT = insert(Incident).returning(Incident.id)
_INSERT_TIMELINE = insert(TimelineEntry)


def _insert_incident(session: Session, values: dict[str, Any]) -> Incident:
    # A Core INSERT ... RETURNING id, then the row joins the session as if just loaded:
    # the ORM's unit of work for one new object cost more than the rest of the insert.
    # `values` names every column, so reading the object never goes back to the database.
    incident_id = session.connection().execute(_INSERT_INCIDENT, values).scalar_one()
    inc = Incident(id=incident_id, **values)
    make_transient_to_detached(inc)
    session.add(inc)
    return inc


def create_incident(rt: Runtime, data: Mapping[str, Any], actor: Actor) -> dict[str, Any]:
    """Take a new incident: validate, classify, locate, recommend, persist, announce."""
    if not isinstance(data, Mapping):
        raise ValidationError("body must be a JSON object", "body")
    description = validation.text(data, "description", required=True, max_len=4000)
    lat, lon = validation.lat_lon(data)
    address = validation.text(data, "address", max_len=500)
    caller_phone = validation.phone(data, "caller_phone")
    channel = validation.choice(data, "channel", CHANNELS, default="call")
    call_type = validation.choice(data, "call_type", CALL_TYPES, default="genuine")
    category_override = validation.choice(data, "category", CATEGORIES)
    priority_override = validation.choice(data, "priority", PRIORITIES)
    radius = validation.number(data, "location_radius_m", lo=0, hi=100_000)
    exercise = validation.boolean(data, "exercise", False)
    assert description is not None

    now = rt.clock.now()
    suggestion = classify(description)
    category = category_override or suggestion.category
    emergency = category != "non_emergency"
    if priority_override is not None:
        priority = priority_override
    elif category == suggestion.category:
        priority = suggestion.priority
    else:
        priority = 4 if not emergency else 2
    location = rt.districts.locate(lat, lon)
    recommendations = recommend_for(rt, lat, lon, category, exercise=exercise) if emergency else []
    events: list[Event] = []

    with rt.session() as s:
        duplicates = possible_duplicates(
            lat, lon, category, now, _open_nearby(s, lat, lon, now - DUPLICATE_WINDOW),
            DUPLICATE_RADIUS_M, DUPLICATE_WINDOW,
        )
        values: dict[str, Any] = {
            "created_at": now, "updated_at": now, "status": "open",
            "description": description, "lat": lat, "lon": lon,
            "geocell": cell_of(lat, lon, DUPLICATE_CELL_DEG), "location_radius_m": radius,
            "address": address, "caller_phone": caller_phone, "channel": channel,
            "call_type": call_type, "category": category, "priority": priority,
            "emergency": emergency, "confidence": suggestion.confidence,
            "cues": list(suggestion.cues), "suggested_category": suggestion.category,
            "kecamatan": location.kecamatan, "kelurahan": location.kelurahan,
            "outside_jurisdiction": location.outside_jurisdiction,
            "possible_duplicate_of": duplicates[0][0] if duplicates else None,
            "linked_to": None, "recommendations": recommendations, "complaint_ticket": None,
            "exercise": exercise, "created_by": actor.user_id, "first_dispatch_at": None,
            "first_on_scene_at": None, "closed_at": None, "outcome": None,
        }
        inc = _insert_incident(s, values)
        steps: list[tuple[str, Actor, str, dict[str, Any]]] = [
            ("created", actor, "Kejadian diterima / Incident received",
             {"channel": channel, "call_type": call_type, "caller_phone": caller_phone}),
            ("classified", SYSTEM,
             f"Klasifikasi / Classified: {suggestion.category} (P{suggestion.priority})",
             {"category": suggestion.category, "priority": suggestion.priority,
              "confidence": suggestion.confidence, "cues": list(suggestion.cues)}),
        ]
        if category_override and category_override != suggestion.category:
            steps.append(("category_overridden", actor,
                          f"Kategori diubah operator / Category set by operator: {category}",
                          {"category": category, "suggested": suggestion.category}))
        where = location.kecamatan + (f" / {location.kelurahan}" if location.kelurahan else "")
        if location.outside_jurisdiction:
            where += " (di luar wilayah / outside jurisdiction)"
        steps.append(("located", SYSTEM, f"Lokasi / Located: {where}",
                      {"kecamatan": location.kecamatan, "kelurahan": location.kelurahan,
                       "outside_jurisdiction": location.outside_jurisdiction,
                       "distance_m": round(location.distance_m, 1)}))
        if emergency:
            steps.append(("recommended", SYSTEM,
                          "Rekomendasi unit / Units recommended: "
                          + (", ".join(r["unit_id"] for r in recommendations) or "-"),
                          {"recommendations": recommendations}))
        for dup_id, dist in duplicates:
            steps.append(("possible_duplicate", SYSTEM,
                          f"Kemungkinan duplikat / Possible duplicate of #{dup_id} ({dist:.0f} m)",
                          {"incident_id": dup_id, "distance_m": round(dist, 1)}))
        # One Core executemany instead of an ORM object per step: intake is the hot path.
        s.connection().execute(_INSERT_TIMELINE, [
            {"incident_id": inc.id, "ts": now, "kind": kind, "actor_type": who.type,
             "actor_id": who.id, "message": message, "data": data}
            for kind, who, message, data in steps
        ])
        complaint = None
        if not emergency:
            complaint = complaints.escalate_incident(s, rt, inc, actor)
        s.flush()
        result = incident_to_dict(s, rt, inc, with_timeline=False, orders=[],
                                  complaint=complaint)
        result["possible_duplicates"] = [{"id": d, "distance_m": round(m, 1)} for d, m in duplicates]
        events.append(IncidentCreated(inc.id, category, priority, lat, lon, location.kecamatan,
                                      exercise))
        if recommendations:
            events.append(UnitRecommended(inc.id, tuple(r["unit_id"] for r in recommendations)))
    rt.bus.publish_all(events)
    return result


def _get(session: Session, incident_id: int) -> Incident:
    inc = session.get(Incident, incident_id)
    if inc is None:
        raise NotFound(f"incident {incident_id} not found")
    return inc


def order_to_dict(order: Order) -> dict[str, Any]:
    """The API's view of a dispatch order."""
    return {
        "order_id": order.id,
        "unit_id": order.unit_id,
        "unit_type": order.unit_type,
        "state": order.state,
        "issued_at": order.issued_at.isoformat(),
        "send_count": order.send_count,
        "acked_at": order.acked_at.isoformat() if order.acked_at else None,
        "declined_at": order.declined_at.isoformat() if order.declined_at else None,
        "en_route_at": order.en_route_at.isoformat() if order.en_route_at else None,
        "on_scene_at": order.on_scene_at.isoformat() if order.on_scene_at else None,
        "cleared_at": order.cleared_at.isoformat() if order.cleared_at else None,
    }


def incident_to_dict(
    session: Session, rt: Runtime, inc: Incident, with_timeline: bool = True,
    orders: list[Order] | None = None, complaint: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The API's view of an incident (`orders`, `complaint` given when the caller knows them)."""
    if orders is None:
        orders = list(session.scalars(select(Order).where(Order.incident_id == inc.id)))
    if complaint is None:
        complaint = complaints.ticket_summary(session, rt, inc.complaint_ticket)
    data: dict[str, Any] = {
        "id": inc.id,
        "created_at": inc.created_at.isoformat(),
        "updated_at": inc.updated_at.isoformat(),
        "status": inc.status,
        "description": inc.description,
        "lat": inc.lat,
        "lon": inc.lon,
        "location_radius_m": inc.location_radius_m,
        "address": inc.address,
        "caller_phone": inc.caller_phone,
        "channel": inc.channel,
        "call_type": inc.call_type,
        "category": inc.category,
        "suggested_category": inc.suggested_category,
        "priority": inc.priority,
        "emergency": inc.emergency,
        "confidence": inc.confidence,
        "cues": inc.cues,
        "district": inc.kecamatan,
        "kecamatan": inc.kecamatan,
        "kelurahan": inc.kelurahan,
        "outside_jurisdiction": inc.outside_jurisdiction,
        "possible_duplicate_of": inc.possible_duplicate_of,
        "linked_to": inc.linked_to,
        "recommendations": inc.recommendations,
        "orders": [order_to_dict(o) for o in orders],
        "complaint": complaint,
        "exercise": inc.exercise,
        "first_dispatch_at": inc.first_dispatch_at.isoformat() if inc.first_dispatch_at else None,
        "closed_at": inc.closed_at.isoformat() if inc.closed_at else None,
        "outcome": inc.outcome,
    }
    if with_timeline:
        data["timeline"] = [
            {
                "id": e.id,
                "ts": e.ts.isoformat(),
                "kind": e.kind,
                "actor_type": e.actor_type,
                "actor_id": e.actor_id,
                "message": e.message,
                "data": e.data,
            }
            for e in inc.timeline
        ]
    return data


def get_incident(rt: Runtime, incident_id: int, fresh: bool = False) -> dict[str, Any]:
    """One incident with its timeline; `fresh` recomputes recommendations from the live fleet."""
    with rt.session() as s:
        inc = _get(s, incident_id)
        data = incident_to_dict(s, rt, inc)
    if fresh and data["emergency"] and data["status"] != "closed":
        taken = tuple(o["unit_id"] for o in data["orders"] if o["state"] not in ("declined",))
        data["recommendations"] = recommend_for(rt, data["lat"], data["lon"], data["category"],
                                                exclude=taken, exercise=bool(data["exercise"]))
    return data


def list_incidents(
    rt: Runtime, status: str | None = None, limit: int = 200, include_exercise: bool = True
) -> list[dict[str, Any]]:
    """Incidents, newest first; `status=open` means every not-yet-closed incident."""
    if status not in (None, "open", "closed", "dispatched", "on_scene", "all"):
        raise ValidationError("status must be open, closed, dispatched, on_scene or all", "status")
    with rt.session() as s:
        q = select(Incident).order_by(Incident.created_at.desc(), Incident.id.desc()).limit(limit)
        if status == "open":
            q = q.where(Incident.status != "closed")
        elif status and status != "all":
            q = q.where(Incident.status == status)
        if not include_exercise:
            q = q.where(Incident.exercise.is_(False))
        return [incident_to_dict(s, rt, inc, with_timeline=False) for inc in s.scalars(q)]


def order_payload(inc: Incident, order_id: str, issued_at: datetime) -> dict[str, Any]:
    """The MQTT order message a unit receives (contract in ARCHITECTURE.md)."""
    payload: dict[str, Any] = {
        "order_id": order_id,
        "incident_id": inc.id,
        "category": inc.category,
        "priority": inc.priority,
        "lat": inc.lat,
        "lon": inc.lon,
        "description": inc.description,
        "issued_at": issued_at.isoformat(),
    }
    if inc.address:
        payload["address"] = inc.address
    return payload


def check_training_wall(incident_id: int, exercise: bool, units: list[Any]) -> None:
    """Refuse (409) a real unit for an exercise, or a simulated unit for a real incident."""
    for unit in units:
        if unit is None:
            continue
        if unit.simulated and not exercise:
            raise Conflict(
                f"Unit {unit.id} adalah unit latihan (simulasi) dan tidak boleh dikirim ke "
                f"kejadian nyata #{incident_id} / unit {unit.id} is a simulated (training) unit "
                f"and cannot be sent to real incident #{incident_id}", "unit_ids")
        if exercise and not unit.simulated:
            raise Conflict(
                f"Kejadian #{incident_id} adalah LATIHAN: hanya unit latihan yang boleh dikirim; "
                f"{unit.id} adalah unit nyata / incident #{incident_id} is an EXERCISE: only "
                f"simulated units may be sent, and {unit.id} is a real unit", "unit_ids")


def dispatch_units(
    rt: Runtime, incident_id: int, data: Mapping[str, Any], actor: Actor
) -> dict[str, Any]:
    """Send units to an incident: one order each, units marked dispatched."""
    if not isinstance(data, Mapping):
        raise ValidationError("body must be a JSON object", "body")
    unit_ids = data.get("unit_ids")
    if (
        not isinstance(unit_ids, list)
        or not unit_ids
        or len(unit_ids) > MAX_UNITS_PER_DISPATCH
        or not all(isinstance(u, str) for u in unit_ids)
    ):
        raise ValidationError(
            f"unit_ids must be a list of 1-{MAX_UNITS_PER_DISPATCH} unit ids", "unit_ids"
        )
    unit_ids = list(dict.fromkeys(unit_ids))
    now = rt.clock.now()
    events: list[Event] = []
    with rt.dispatch_lock:
        for uid in unit_ids:
            state = rt.fleet.get(uid)
            if state is None:
                raise ValidationError(f"unknown unit {uid!r}", "unit_ids")
            if state.status != "available" or state.incident_id is not None or not state.online:
                raise Conflict(f"unit {uid} is not available ({state.status})", "unit_ids")
        with rt.session() as s:
            inc = _get(s, incident_id)
            if inc.status == "closed":
                raise Conflict(f"incident {incident_id} is closed", "incident")
            check_training_wall(inc.id, inc.exercise, [rt.fleet.get(uid) for uid in unit_ids])
            orders = []
            for uid in unit_ids:
                unit = s.get(Unit, uid)
                if unit is None:
                    raise ValidationError(f"unknown unit {uid!r}", "unit_ids")
                order_id = "ord_" + uuid.uuid4().hex[:16]
                payload = order_payload(inc, order_id, now)
                order = Order(
                    id=order_id, incident_id=inc.id, unit_id=uid, unit_type=unit.type,
                    state="sent", issued_at=now, issued_by=actor.user_id, send_count=1,
                    last_sent_at=now, payload=payload,
                )
                s.add(order)
                orders.append(order)
                previous = unit.status
                unit.status = "dispatched"
                unit.status_since = now
                unit.current_incident_id = inc.id
                add_timeline(s, inc, "dispatched", actor,
                             f"Unit {uid} diberangkatkan / dispatched", now,
                             unit_id=uid, unit_type=unit.type, order_id=order_id)
                add_timeline(s, inc, "unit_status", actor,
                             f"Unit {uid}: {previous} → dispatched", now,
                             unit_id=uid, status="dispatched", previous=previous)
                events.append(UnitDispatched(inc.id, uid, order_id, payload))
                events.append(UnitStatusChanged(uid, "dispatched", previous, inc.id))
            if inc.first_dispatch_at is None:
                inc.first_dispatch_at = now
            if inc.status == "open":
                inc.status = "dispatched"
            s.flush()
            result = {"incident_id": inc.id, "orders": [order_to_dict(o) for o in orders]}
        for uid in unit_ids:
            rt.fleet.update(uid, status="dispatched", status_since=now.timestamp(),
                            incident_id=incident_id)
    rt.bus.publish_all(events)
    return result


def add_note(rt: Runtime, incident_id: int, data: Mapping[str, Any], actor: Actor) -> dict[str, Any]:
    """Add an operator note to the timeline."""
    note = validation.text(data, "text", required=True, max_len=2000)
    now = rt.clock.now()
    with rt.session() as s:
        inc = _get(s, incident_id)
        entry = add_timeline(s, inc, "note", actor, note or "", now)
        s.flush()
        out = {"id": entry.id, "ts": now.isoformat(), "message": note}
    rt.bus.publish(IncidentUpdated(incident_id, "note", {"text": note}))
    return out


def update_incident(
    rt: Runtime, incident_id: int, data: Mapping[str, Any], actor: Actor
) -> dict[str, Any]:
    """Operator changes: category, priority, call type, address (each one a timeline entry)."""
    if not isinstance(data, Mapping):
        raise ValidationError("body must be a JSON object", "body")
    category = validation.choice(data, "category", CATEGORIES)
    priority = validation.choice(data, "priority", PRIORITIES)
    call_type = validation.choice(data, "call_type", CALL_TYPES)
    address = validation.text(data, "address", max_len=500)
    now = rt.clock.now()
    with rt.session() as s:
        inc = _get(s, incident_id)
        if inc.status == "closed":
            raise Conflict(f"incident {incident_id} is closed", "incident")
        if category and category != inc.category:
            add_timeline(s, inc, "category_overridden", actor,
                         f"Kategori / Category: {inc.category} → {category}", now,
                         category=category, previous=inc.category)
            inc.category = category
            inc.emergency = category != "non_emergency"
            inc.recommendations = (
                recommend_for(rt, inc.lat, inc.lon, category, exercise=inc.exercise)
                if inc.emergency else []
            )
        if priority and priority != inc.priority:
            add_timeline(s, inc, "priority_changed", actor,
                         f"Prioritas / Priority: P{inc.priority} → P{priority}", now,
                         priority=priority, previous=inc.priority)
            inc.priority = priority
        if call_type and call_type != inc.call_type:
            add_timeline(s, inc, "call_type", actor, f"Jenis panggilan / Call type: {call_type}",
                         now, call_type=call_type, previous=inc.call_type)
            inc.call_type = call_type
        if address and address != inc.address:
            add_timeline(s, inc, "note", actor, f"Alamat / Address: {address}", now)
            inc.address = address
        s.flush()
        out = incident_to_dict(s, rt, inc)
    rt.bus.publish(IncidentUpdated(incident_id, "updated", {}))
    return out


def close_incident(
    rt: Runtime, incident_id: int, data: Mapping[str, Any], actor: Actor
) -> dict[str, Any]:
    """Close with an outcome; units still on it are released to available."""
    outcome = validation.text(data, "outcome", required=True, max_len=500)
    link_to = data.get("link_to")
    if link_to is not None and (isinstance(link_to, bool) or not isinstance(link_to, int)):
        raise ValidationError("link_to must be an incident id", "link_to")
    now = rt.clock.now()
    events: list[Event] = []
    released: list[str] = []
    with rt.dispatch_lock:
        with rt.session() as s:
            inc = _get(s, incident_id)
            if inc.status == "closed":
                raise Conflict(f"incident {incident_id} is already closed", "incident")
            if link_to is not None:
                if link_to == incident_id:
                    raise ValidationError("an incident cannot be linked to itself", "link_to")
                _get(s, link_to)
                inc.linked_to = link_to
                add_timeline(s, inc, "linked", actor,
                             f"Ditautkan ke / Linked to #{link_to}", now, incident_id=link_to)
            for unit in s.scalars(select(Unit).where(Unit.current_incident_id == inc.id)):
                previous = unit.status
                unit.current_incident_id = None
                if previous in BUSY_STATUSES or previous == "returning":
                    unit.status = "available"
                    unit.status_since = now
                    add_timeline(s, inc, "unit_status", actor,
                                 f"Unit {unit.id}: {previous} → available (dilepas / released)",
                                 now, unit_id=unit.id, status="available", previous=previous)
                    events.append(UnitStatusChanged(unit.id, "available", previous, inc.id))
                released.append(unit.id)
            for order in s.scalars(select(Order).where(Order.incident_id == inc.id)):
                if order.cleared_at is None:
                    order.cleared_at = now
            inc.status = "closed"
            inc.closed_at = now
            inc.outcome = outcome
            add_timeline(s, inc, "closed", actor, f"Ditutup / Closed: {outcome}", now,
                         outcome=outcome)
            s.flush()
            out = incident_to_dict(s, rt, inc)
        for uid in released:
            state = rt.fleet.get(uid)
            if state is not None:
                changes: dict[str, Any] = {"incident_id": None}
                if state.status in BUSY_STATUSES or state.status == "returning":
                    changes.update(status="available", status_since=now.timestamp())
                rt.fleet.update(uid, **changes)
    events.append(IncidentClosed(incident_id, outcome or ""))
    rt.bus.publish_all(events)
    return out


def escalate_to_complaint(rt: Runtime, incident_id: int, actor: Actor) -> dict[str, Any]:
    """Operator decides an incident is not an emergency: hand it to the complaint flow."""
    now = rt.clock.now()
    with rt.session() as s:
        inc = _get(s, incident_id)
        if inc.complaint_ticket:
            raise Conflict(f"incident {incident_id} already has ticket {inc.complaint_ticket}")
        if inc.category != "non_emergency":
            add_timeline(s, inc, "category_overridden", actor,
                         f"Kategori / Category: {inc.category} → non_emergency", now,
                         category="non_emergency", previous=inc.category)
            inc.category = "non_emergency"
            inc.emergency = False
            inc.priority = 4
        ticket = complaints.escalate_incident(s, rt, inc, actor)
        if ticket is None:
            raise Conflict("the complaint flow is not available", "complaint")
        s.flush()
        out = incident_to_dict(s, rt, inc)
        out["complaint"] = ticket
    rt.bus.publish(IncidentUpdated(incident_id, "escalated", {"complaint": ticket}))
    return out


def caller_history(rt: Runtime, phone: str, limit: int = 20) -> list[dict[str, Any]]:
    """Earlier incidents from the same number, with prank/ghost flags, newest first."""
    with rt.session() as s:
        rows = s.scalars(
            select(Incident)
            .where(Incident.caller_phone == phone)
            .order_by(Incident.created_at.desc())
            .limit(limit)
        ).all()
        return [
            {
                "id": r.id,
                "created_at": r.created_at.isoformat(),
                "category": r.category,
                "call_type": r.call_type,
                "status": r.status,
                "description": r.description[:200],
            }
            for r in rows
        ]
