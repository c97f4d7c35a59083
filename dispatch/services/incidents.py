"""Incident use cases: intake (classify → locate → recommend), dispatch, notes, close."""

from __future__ import annotations

import math
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from geo.cells import cell_of, cells_around, covers_radius

from ..classify import classify
from ..db.models import Incident, Order, TimelineEntry, Unit
from ..domain import calls, phones
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
from . import complaints, hospitals, locations, shortfall, validation
from .actors import SYSTEM, Actor
from .errors import Conflict, NotFound, ValidationError
from .timeline import add_timeline

if TYPE_CHECKING:
    from ..runtime import Runtime

DUPLICATE_RADIUS_M = 300.0
DUPLICATE_WINDOW = timedelta(minutes=15)
MAX_UNITS_PER_DISPATCH = 20


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


@dataclass(frozen=True)
class Plan:
    """What intake or a refresh proposes: units, what is still missing, or why nothing."""

    recommendations: list[dict[str, Any]]
    shortfall: list[dict[str, Any]]
    reason: str | None
    hospital: dict[str, Any] | None = None  # destination for the transporting unit


def _active_order_types(orders: list[dict[str, Any]]) -> list[str]:
    return [o["unit_type"] for o in orders if o["state"] not in shortfall.INACTIVE_ORDER_STATES]


def plan_for_incident(
    rt: Runtime, *, lat: float, lon: float, category: str, priority: int, emergency: bool,
    exercise: bool, unsure: bool, place: locations.Place, incident_id: int | None = None,
    orders: list[dict[str, Any]] | None = None, description: str = "",
) -> Plan:
    """Recommendations and shortfall, unless the call is unsure or too far outside the city."""
    reason = calls.no_recommendation_reason(emergency, unsure, place.outside,
                                            place.boundary_distance_m, rt.call_rules)
    if not emergency or reason is not None:
        return Plan([], [], reason)
    orders = orders or []
    taken = tuple(o["unit_id"] for o in orders if o["state"] != "declined")
    recs = recommend_for(rt, lat, lon, category, exclude=taken, exercise=exercise)
    short = shortfall.compute_shortfall(
        rt, lat, lon, rt.plan_for(category), recs, _active_order_types(orders), priority,
        exercise, _local(rt, rt.clock.now()), incident_id=incident_id, exclude=taken)
    hospital = None
    if any(slot.unit_type == hospitals.TRANSPORT_UNIT_TYPE for slot in rt.plan_for(category)):
        hospital = hospitals.propose_hospital(rt, category, description, lat, lon)
    return Plan(recs, short, None, hospital)


def _place_of_row(inc: Incident) -> locations.Place:
    return locations.Place(inc.kecamatan, inc.kelurahan, inc.outside_jurisdiction,
                           inc.boundary_distance_m, inc.handoff)


def recommendation_note(rt: Runtime, inc: Incident) -> str | None:
    """Why an emergency has no recommendation, in words for the operator."""
    if inc.no_recommendation_reason == calls.NO_REC_UNSURE:
        limit = rt.call_rules.unsure_below
        return ("Ragu — pastikan kategori dulu (keyakinan "
                f"{inc.confidence:.0%} < {limit:.0%}) / Unsure, confirm the category first "
                f"(confidence {inc.confidence:.0%} < {limit:.0%})")
    if inc.no_recommendation_reason == calls.NO_REC_OUTSIDE:
        km = (inc.boundary_distance_m or 0.0) / 1000.0
        limit_km = rt.call_rules.recommend_within_m / 1000.0
        who = inc.handoff or {}
        to = f"{who.get('authority', '-')} ({who.get('contact', '-')})"
        return (f"Di luar wilayah kota, {km:.1f} km dari batas (lebih dari {limit_km:g} km): "
                f"serahkan ke {to} / Outside the city, {km:.1f} km from the boundary (more than "
                f"{limit_km:g} km): hand off to {to}")
    return None


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


def _is_unsure(rt: Runtime, suggestion: Any, category_given: bool) -> bool:
    # The classifier may judge its own doubt too (same city key); either makes it unsure.
    return calls.is_unsure(suggestion.confidence, category_given, rt.call_rules,
                           getattr(suggestion, "unsure", None))


def _located_step(place: locations.Place,
                  aml: dict[str, Any] | None) -> tuple[str, dict[str, Any]]:
    if place.outside:
        who = place.handoff or {}
        km = (place.boundary_distance_m or 0.0) / 1000.0
        where = (f"di luar wilayah, {km:.1f} km dari batas → {who.get('authority')} / outside "
                 f"the jurisdiction, {km:.1f} km from the boundary → {who.get('authority')}")
    else:
        where = (place.kecamatan or "-") + (f" / {place.kelurahan}" if place.kelurahan else "")
    data: dict[str, Any] = {"kecamatan": place.kecamatan, "kelurahan": place.kelurahan,
                            "outside_jurisdiction": place.outside,
                            "distance_m": place.boundary_distance_m or 0.0,
                            "handoff": place.handoff}
    if aml is not None:
        data["aml"] = aml
        where += f" (AML v{aml.get('aml_version') or '?'}"
        if aml.get("radius_m"):
            where += f" ±{aml['radius_m']:.0f} m"
        if aml.get("warnings"):
            where += "; peringatan / warnings: " + "; ".join(aml["warnings"])
        where += ")"
    return f"Lokasi / Located: {where}", data


def create_incident(rt: Runtime, data: Mapping[str, Any], actor: Actor) -> dict[str, Any]:
    """Take a new incident: validate, classify, locate, recommend, persist, announce."""
    if not isinstance(data, Mapping):
        raise ValidationError("body must be a JSON object", "body")
    description = validation.text(data, "description", required=True, max_len=4000)
    where = locations.intake_location(rt, data)
    lat, lon, radius = where.lat, where.lon, where.radius_m
    address = validation.text(data, "address", max_len=500)
    caller_phone = validation.phone(data, "caller_phone")
    channel = validation.choice(data, "channel", CHANNELS, default="call")
    call_type = validation.choice(data, "call_type", CALL_TYPES, default="genuine")
    category_override = validation.choice(data, "category", CATEGORIES)
    priority_override = validation.choice(data, "priority", PRIORITIES)
    exercise = validation.boolean(data, "exercise", False)
    # Asked of the caller when the call is not an emergency: may its ticket be listed publicly?
    publish_consent = validation.boolean(data, "publish_consent", False)
    assert description is not None

    now = rt.clock.now()
    suggestion = classify(description, unsure_below=rt.call_rules.unsure_below)
    category = category_override or suggestion.category
    emergency = category != "non_emergency"
    if priority_override is not None:
        priority = priority_override
    elif category == suggestion.category:
        priority = suggestion.priority
    else:
        priority = 4 if not emergency else 2
    unsure = _is_unsure(rt, suggestion, category_override is not None)
    place = locations.place_of(rt, lat, lon)
    plan = plan_for_incident(rt, lat=lat, lon=lon, category=category, priority=priority,
                             emergency=emergency, exercise=exercise, unsure=unsure, place=place,
                             description=description)
    recommendations = plan.recommendations
    aml = locations.aml_summary(where.aml)

    with rt.transaction() as (s, events):
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
            "kecamatan": place.kecamatan, "kelurahan": place.kelurahan,
            "outside_jurisdiction": place.outside,
            "possible_duplicate_of": duplicates[0][0] if duplicates else None,
            "linked_to": None, "recommendations": recommendations, "complaint_ticket": None,
            "exercise": exercise, "created_by": actor.user_id, "first_dispatch_at": None,
            "first_on_scene_at": None, "closed_at": None, "outcome": None,
            "unsure": unsure, "handoff": place.handoff,
            "boundary_distance_m": place.boundary_distance_m,
            "no_recommendation_reason": plan.reason, "shortfall": plan.shortfall, "aml": aml,
            # The operator who took the call owns it; one made by a system path has no owner
            # until someone claims it.
            "owner": actor.id if actor.type == "operator" else None, "version": 1,
            "hospital": plan.hospital,
        }
        inc = _insert_incident(s, values)
        classified = f"Klasifikasi / Classified: {suggestion.category} (P{suggestion.priority})"
        if unsure:
            classified += (f" — ragu, pastikan kategori / unsure, confirm the category "
                           f"({suggestion.confidence:.0%} < {rt.call_rules.unsure_below:.0%})")
        steps: list[tuple[str, Actor, str, dict[str, Any]]] = [
            ("created", actor, "Kejadian diterima / Incident received",
             {"channel": channel, "call_type": call_type, "caller_phone": caller_phone}),
            ("classified", SYSTEM, classified,
             {"category": suggestion.category, "priority": suggestion.priority,
              "confidence": suggestion.confidence, "cues": list(suggestion.cues),
              "unsure": unsure}),
        ]
        if category_override and category_override != suggestion.category:
            steps.append(("category_overridden", actor,
                          f"Kategori diubah operator / Category set by operator: {category}",
                          {"category": category, "suggested": suggestion.category}))
        located, located_data = _located_step(place, aml)
        steps.append(("located", SYSTEM, located, located_data))
        if emergency:
            if plan.reason is not None:
                message = ("Tidak ada rekomendasi / No recommendation: "
                           + (recommendation_note(rt, inc) or plan.reason))
            else:
                message = ("Rekomendasi unit / Units recommended: "
                           + (", ".join(r["unit_id"] for r in recommendations) or "-"))
            steps.append(("recommended", SYSTEM, message,
                          {"recommendations": recommendations, "reason": plan.reason}))
            if plan.shortfall:
                steps.append(("shortfall", SYSTEM, shortfall.describe(plan.shortfall),
                              {"shortfall": plan.shortfall}))
            if plan.hospital is not None:
                steps.append(("hospital_proposed", SYSTEM, hospitals.describe(plan.hospital),
                              {"hospital": plan.hospital}))
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
        if calls.makes_ticket_at_intake(emergency, call_type, exercise, unsure):
            complaint = complaints.escalate_incident(s, rt, inc, actor, events,
                                                     publish_consent=publish_consent)
        s.flush()
        result = incident_to_dict(s, rt, inc, with_timeline=False, orders=[],
                                  complaint=complaint)
        result["possible_duplicates"] = [{"id": d, "distance_m": round(m, 1)} for d, m in duplicates]
        events.append(IncidentCreated(inc.id, category, priority, lat, lon, place.kecamatan,
                                      exercise))
        if recommendations:
            events.append(UnitRecommended(inc.id, tuple(r["unit_id"] for r in recommendations)))
    return result


def expected_version(data: Mapping[str, Any]) -> int | None:
    """The `version` an operator's change was made against (None: not given)."""
    value = data.get("version") if isinstance(data, Mapping) else None
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValidationError("version must be the incident's version number", "version")
    return value


def bump_version(s: Session, inc: Incident, expected: int | None) -> None:
    """Raise the incident's version for an operator's change; 409 when `expected` is stale.

    With an expected version the UPDATE is conditional, so it holds across processes: of
    two writers that read the same version, the second finds it raised and is refused.
    Without one (API clients that do not lock) the version is only raised.
    """
    current = inc.version or 1
    if expected is not None and expected != current:
        raise Conflict(f"Kejadian #{inc.id} sudah diubah orang lain (versi {current}, bukan "
                       f"{expected}); muat ulang / incident #{inc.id} was changed by someone "
                       f"else (version {current}, not {expected}); reload it", "version")
    stmt = update(Incident).where(Incident.id == inc.id)
    if expected is not None:
        stmt = stmt.where(Incident.version == expected)
    new = s.execute(stmt.values(version=Incident.version + 1).returning(Incident.version)
                    .execution_options(synchronize_session=False)).scalar_one_or_none()
    if new is None:
        raise Conflict(f"Kejadian #{inc.id} baru saja diubah orang lain; muat ulang / incident "
                       f"#{inc.id} was just changed by someone else; reload it", "version")
    set_committed_value(inc, "version", new)


def note_if_not_owner(s: Session, inc: Incident, actor: Actor, what: str,
                      now: datetime) -> None:
    """Record on the timeline that someone other than the owner made a change."""
    if inc.owner and actor.type == "operator" and actor.id != inc.owner:
        add_timeline(s, inc, "not_owner_change", actor,
                     f"{what} oleh {actor.id}, bukan pemilik {inc.owner} / by {actor.id}, "
                     f"not the owner {inc.owner}", now, owner=inc.owner, change=what)


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
        "channel": order.channel,
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
        "unsure": bool(inc.unsure),
        "handoff": inc.handoff,
        "boundary_distance_m": inc.boundary_distance_m,
        "no_recommendation_reason": inc.no_recommendation_reason,
        "recommendation_note": recommendation_note(rt, inc),
        "shortfall": inc.shortfall or [],
        "aml": inc.aml,
        "owner": inc.owner,
        "version": inc.version,
        "hospital": inc.hospital,
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
        place = _place_of_row(inc)
    if fresh and data["emergency"] and data["status"] != "closed":
        plan = plan_for_incident(
            rt, lat=data["lat"], lon=data["lon"], category=data["category"],
            priority=data["priority"], emergency=True, exercise=data["exercise"],
            unsure=data["unsure"], place=place, incident_id=incident_id, orders=data["orders"],
            description=data["description"])
        data["recommendations"] = plan.recommendations
        data["shortfall"] = plan.shortfall
        if plan.hospital is not None:
            data["hospital"] = plan.hospital
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


def order_payload(inc: Incident, order_id: str, issued_at: datetime,
                  unit_type: str | None = None) -> dict[str, Any]:
    """The MQTT order message a unit receives (contract in ARCHITECTURE.md).

    `kind` says what the order is (`dispatch` here, `move_up` for a move-up); the
    transporting unit's order also names its destination `hospital`.
    """
    payload: dict[str, Any] = {
        "order_id": order_id,
        "kind": "dispatch",
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
    if inc.hospital and unit_type == inc.hospital.get("unit_type", hospitals.TRANSPORT_UNIT_TYPE):
        payload["hospital"] = {k: inc.hospital[k] for k in ("id", "name", "eta_s", "route_m",
                                                             "via", "missing") if k in inc.hospital}
    return payload


def _issue_order(
    rt: Runtime, s: Session, inc: Incident, unit: Unit, actor: Actor, now: datetime,
    events: list[Event], message: str | None = None, **extra: Any,
) -> Order:
    """One order for one unit (in the caller's transaction): unit dispatched, timeline, events."""
    uid = unit.id
    order_id = "ord_" + uuid.uuid4().hex[:16]
    payload = order_payload(inc, order_id, now, unit.type)
    # A unit seen only by a position tracker cannot receive MQTT orders: the operator
    # sends them by radio and confirms the answer.
    state = rt.fleet.get(uid)
    radio = state is not None and rt.fleet.orders_by_radio(state)
    order = Order(
        id=order_id, incident_id=inc.id, unit_id=uid, unit_type=unit.type,
        state="sent", issued_at=now, issued_by=actor.user_id, send_count=1,
        last_sent_at=now, payload=payload, channel="radio" if radio else "mqtt",
    )
    s.add(order)
    previous = unit.status
    unit.status = "dispatched"
    unit.status_since = now
    unit.current_incident_id = inc.id
    text = message or f"Unit {uid} diberangkatkan / dispatched"
    if radio:
        text += " (perintah lewat radio / order by radio)"
    if "hospital" in payload:
        extra["hospital"] = payload["hospital"]
        text += f" → {payload['hospital']['name']}"
    add_timeline(s, inc, "dispatched", actor, text, now,
                 unit_id=uid, unit_type=unit.type, order_id=order_id, channel=order.channel,
                 **extra)
    add_timeline(s, inc, "unit_status", actor,
                 f"Unit {uid}: {previous} → dispatched", now,
                 unit_id=uid, status="dispatched", previous=previous)
    events.append(UnitDispatched(inc.id, uid, order_id, payload))
    events.append(UnitStatusChanged(uid, "dispatched", previous, inc.id))
    if inc.first_dispatch_at is None:
        inc.first_dispatch_at = now
    if inc.status == "open":
        inc.status = "dispatched"
    return order
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


def _claim_unit(s: Session, uid: str, incident_id: int, now: datetime,
                from_incident_id: int | None = None) -> bool:
    """Take the unit in the database only if it is still free there (or still on the
    incident it is being reassigned from).

    The in-memory fleet is a replica: another server process may have sent this unit a
    moment ago. A conditional UPDATE is atomic on every engine (PostgreSQL takes the row
    lock and re-checks the condition after a concurrent commit; SQLite has one writer at a
    time), so of two processes racing for one unit exactly one wins and the other gets 409.
    """
    cond = (Unit.current_incident_id.is_(None) & (Unit.status == "available")
            if from_incident_id is None else Unit.current_incident_id == from_incident_id)
    result = s.execute(
        update(Unit).where(Unit.id == uid, cond)
        .values(status="dispatched", status_since=now, current_incident_id=incident_id)
        .execution_options(synchronize_session=False))
    return bool(result.rowcount == 1)


def _refresh_replica(rt: Runtime, uid: str) -> None:
    """Bring the fleet's copy of a unit back in line with the database after a lost race."""
    with rt.session() as s:
        unit = s.get(Unit, uid)
        if unit is None:
            return
        status, since, incident = unit.status, unit.status_since, unit.current_incident_id
    rt.fleet.update(uid, status=status, incident_id=incident,
                    **({"status_since": since.timestamp()} if since is not None else {}))


class _LostRace(Exception):
    """Another process took the unit between our look at the fleet and our write."""

    def __init__(self, unit_id: str) -> None:
        super().__init__(unit_id)
        self.unit_id = unit_id


def _taken_elsewhere(uid: str) -> Conflict:
    return Conflict(
        f"Unit {uid} baru saja dikirim ke kejadian lain / unit {uid} was just dispatched "
        "to another incident", "unit_ids")


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
    expected = expected_version(data)
    try:
        return _dispatch_units(rt, incident_id, unit_ids, actor, now, expected)
    except _LostRace as lost:
        # The whole dispatch was rolled back: no unit of it was sent.
        _refresh_replica(rt, lost.unit_id)
        raise _taken_elsewhere(lost.unit_id) from None


def _mark_dispatched(rt: Runtime, unit_ids: list[str], incident_id: int, now: datetime) -> None:
    for uid in unit_ids:
        rt.fleet.update(uid, status="dispatched", status_since=now.timestamp(),
                        incident_id=incident_id)


def _dispatch_units(rt: Runtime, incident_id: int, unit_ids: list[str], actor: Actor,
                    now: datetime, expected: int | None = None) -> dict[str, Any]:
    with rt.dispatch_lock:
        for uid in unit_ids:
            state = rt.fleet.get(uid)
            if state is None:
                raise ValidationError(f"unknown unit {uid!r}", "unit_ids")
            if state.status != "available" or state.incident_id is not None or not state.online:
                raise Conflict(f"unit {uid} is not available ({state.status})", "unit_ids")
        with rt.transaction() as (s, events):
            inc = _get(s, incident_id)
            if inc.status == "closed":
                raise Conflict(f"incident {incident_id} is closed", "incident")
            check_training_wall(inc.id, inc.exercise, [rt.fleet.get(uid) for uid in unit_ids])
            bump_version(s, inc, expected)
            note_if_not_owner(s, inc, actor, "Unit diberangkatkan / Units dispatched", now)
            orders = []
            for uid in unit_ids:
                unit = s.get(Unit, uid)
                if unit is None:
                    raise ValidationError(f"unknown unit {uid!r}", "unit_ids")
                if not _claim_unit(s, uid, inc.id, now):
                    raise _LostRace(uid)
                orders.append(_issue_order(rt, s, inc, unit, actor, now, events))
            s.flush()
            result = {"incident_id": inc.id, "orders": [order_to_dict(o) for o in orders]}
            events.then(lambda: _mark_dispatched(rt, unit_ids, incident_id, now))
    return result


def reassign_unit(
    rt: Runtime, incident_id: int, data: Mapping[str, Any], actor: Actor
) -> dict[str, Any]:
    """Take a unit off a lower-priority incident and send it here (both timelines record it)."""
    if not isinstance(data, Mapping):
        raise ValidationError("body must be a JSON object", "body")
    uid = validation.text(data, "unit_id", required=True, max_len=32)
    expected = data.get("from_incident_id")
    if expected is not None and (isinstance(expected, bool) or not isinstance(expected, int)):
        raise ValidationError("from_incident_id must be an incident id", "from_incident_id")
    try:
        return _reassign_unit(rt, incident_id, uid or "", expected, actor)
    except _LostRace as lost:
        _refresh_replica(rt, lost.unit_id)
        raise Conflict(f"Unit {lost.unit_id} baru saja berubah tugas di proses lain / unit "
                       f"{lost.unit_id} was just reassigned elsewhere", "unit_id") from None


def _reassign_unit(rt: Runtime, incident_id: int, uid: str, expected: int | None,
                   actor: Actor) -> dict[str, Any]:
    now = rt.clock.now()
    with rt.dispatch_lock:
        state = rt.fleet.get(uid or "")
        if state is None:
            raise ValidationError(f"unknown unit {uid!r}", "unit_id")
        from_id = state.incident_id
        if from_id is None:
            raise Conflict(f"unit {uid} is not on another incident: dispatch it instead",
                           "unit_id")
        if expected is not None and expected != from_id:
            raise Conflict(f"unit {uid} is now on incident #{from_id}, not #{expected}",
                           "from_incident_id")
        if from_id == incident_id:
            raise Conflict(f"unit {uid} is already on incident #{incident_id}", "unit_id")
        if state.status not in shortfall.REASSIGNABLE_STATUSES or not state.online:
            raise Conflict(f"unit {uid} cannot be reassigned while {state.status}", "unit_id")
        with rt.transaction() as (s, events):
            inc = _get(s, incident_id)
            if inc.status == "closed":
                raise Conflict(f"incident {incident_id} is closed", "incident")
            old = _get(s, from_id)
            busy = calls.BusyUnit(uid or "", state.type, old.id, old.priority, old.exercise, 0.0)
            if old.status != "closed" and not calls.may_take_from(inc.priority, inc.exercise,
                                                                   busy):
                raise Conflict(
                    f"incident #{old.id} (P{old.priority}) is not of lower priority than "
                    f"#{inc.id} (P{inc.priority})", "unit_id")
            unit = s.get(Unit, uid)
            if unit is None:
                raise ValidationError(f"unknown unit {uid!r}", "unit_id")
            if not _claim_unit(s, unit.id, inc.id, now, from_incident_id=old.id):
                raise _LostRace(unit.id)
            for order in s.scalars(select(Order).where(
                    Order.unit_id == uid, Order.incident_id == old.id,
                    Order.cleared_at.is_(None))):
                if order.state != "declined":
                    order.state = "reassigned"
                order.cleared_at = now
            add_timeline(s, old, "unit_reassigned", actor,
                         f"Unit {uid} dialihkan ke #{inc.id} (P{inc.priority}) / reassigned to "
                         f"#{inc.id} (P{inc.priority})", now,
                         unit_id=uid, to_incident_id=inc.id, to_priority=inc.priority,
                         previous=state.status)
            order = _issue_order(
                rt, s, inc, unit, actor, now, events,
                message=(f"Unit {uid} dialihkan dari #{old.id} (P{old.priority}) dan "
                         f"diberangkatkan / reassigned from #{old.id} (P{old.priority}) and "
                         "dispatched"),
                reassigned_from=old.id)
            s.flush()
            result = {"incident_id": inc.id, "from_incident_id": old.id,
                      "orders": [order_to_dict(order)]}
            events.append(IncidentUpdated(from_id, "unit_reassigned",
                                          {"unit_id": uid, "to_incident_id": incident_id}))
            events.then(lambda: _mark_dispatched(rt, [uid or ""], incident_id, now))
    return result


def add_note(rt: Runtime, incident_id: int, data: Mapping[str, Any], actor: Actor) -> dict[str, Any]:
    """Add an operator note to the timeline."""
    note = validation.text(data, "text", required=True, max_len=2000)
    now = rt.clock.now()
    with rt.transaction() as (s, events):
        inc = _get(s, incident_id)
        entry = add_timeline(s, inc, "note", actor, note or "", now)
        s.flush()
        out = {"id": entry.id, "ts": now.isoformat(), "message": note}
        events.append(IncidentUpdated(incident_id, "note", {"text": note}))
    return out


def _replan(rt: Runtime, s: Session, inc: Incident) -> None:
    """Recompute recommendations and shortfall after the category changed or was confirmed."""
    orders = [order_to_dict(o) for o in s.scalars(select(Order).where(Order.incident_id == inc.id))]
    plan = plan_for_incident(
        rt, lat=inc.lat, lon=inc.lon, category=inc.category, priority=inc.priority,
        emergency=inc.emergency, exercise=inc.exercise, unsure=inc.unsure,
        place=_place_of_row(inc), incident_id=inc.id, orders=orders, description=inc.description)
    inc.recommendations = plan.recommendations
    inc.hospital = plan.hospital
    inc.shortfall = plan.shortfall
    inc.no_recommendation_reason = plan.reason


def update_incident(
    rt: Runtime, incident_id: int, data: Mapping[str, Any], actor: Actor
) -> dict[str, Any]:
    """Operator changes: category, priority, call type, address (each one a timeline entry).

    A category given for an unsure incident confirms it (even the suggested one). With
    `close: true` a ghost or prank call type (or information with an `answer`) also closes
    the incident in the same action.
    """
    if not isinstance(data, Mapping):
        raise ValidationError("body must be a JSON object", "body")
    category = validation.choice(data, "category", CATEGORIES)
    priority = validation.choice(data, "priority", PRIORITIES)
    call_type = validation.choice(data, "call_type", CALL_TYPES)
    address = validation.text(data, "address", max_len=500)
    close = validation.boolean(data, "close", False)
    if close and call_type not in calls.CALL_TYPE_OUTCOMES:
        raise ValidationError("close: true needs call_type ghost, prank or information",
                              "close")
    if close:
        _close_fields(call_type, data)  # checked before anything changes
    now = rt.clock.now()
    expected = expected_version(data)
    with rt.transaction() as (s, events):
        inc = _get(s, incident_id)
        if inc.status == "closed":
            raise Conflict(f"incident {incident_id} is closed", "incident")
        bump_version(s, inc, expected)
        note_if_not_owner(s, inc, actor, "Diubah / Changed", now)
        replan = False
        if category and category != inc.category:
            add_timeline(s, inc, "category_overridden", actor,
                         f"Kategori / Category: {inc.category} → {category}", now,
                         category=category, previous=inc.category)
            inc.category = category
            inc.emergency = category != "non_emergency"
            replan = True
        if category and inc.unsure:
            inc.unsure = False
            add_timeline(s, inc, "category_confirmed", actor,
                         f"Kategori dipastikan / Category confirmed: {category}", now,
                         category=category)
            replan = True
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
        if replan:
            _replan(rt, s, inc)
        s.flush()
        out = incident_to_dict(s, rt, inc)
        events.append(IncidentUpdated(incident_id, "updated", {}))
    if close:
        return close_incident(rt, incident_id, {**data, "outcome": call_type}, actor)
    return out


def _close_fields(outcome: str | None, data: Mapping[str, Any]) -> dict[str, Any]:
    """The extra fields a coded outcome needs (an answer for an information call)."""
    if outcome == "information":
        answer = validation.text(data, "answer", max_len=2000)
        if not answer:
            raise ValidationError("an information call is closed with the answer given "
                                  "(answer)", "answer")
        return {"answer": answer}
    if outcome == calls.HANDOFF_OUTCOME:
        return {"authority": validation.text(data, "authority", max_len=200),
                "contact": validation.text(data, "contact", max_len=200),
                "note": validation.text(data, "note", max_len=1000)}
    return {}


def _close_outcome_steps(
    s: Session, rt: Runtime, inc: Incident, outcome: str, extra: dict[str, Any], actor: Actor,
    now: datetime,
) -> str:
    """Timeline entries of a coded outcome; returns the closing message."""
    if outcome in calls.CALL_TYPE_OUTCOMES and inc.call_type != outcome:
        add_timeline(s, inc, "call_type", actor, f"Jenis panggilan / Call type: {outcome}", now,
                     call_type=outcome, previous=inc.call_type)
        inc.call_type = outcome
    if outcome == "information":
        add_timeline(s, inc, "answered", actor,
                     f"Informasi diberikan / Information given: {extra['answer']}", now,
                     answer=extra["answer"])
        return "Ditutup: informasi diberikan / Closed: information given"
    if outcome == "prank":
        return "Ditutup: panggilan iseng / Closed: prank call"
    if outcome == "ghost":
        return "Ditutup: panggilan kosong / Closed: ghost (silent) call"
    if outcome == calls.HANDOFF_OUTCOME:
        default = inc.handoff or rt.call_rules.fallback or {}
        authority = extra.get("authority") or default.get("authority")
        contact = extra.get("contact") or default.get("contact")
        if not authority:
            raise ValidationError("authority: who takes the call over?", "authority")
        add_timeline(s, inc, "handed_off", actor,
                     f"Diserahkan ke / Handed off to {authority}"
                     + (f" ({contact})" if contact else "")
                     + (f": {extra['note']}" if extra.get("note") else ""),
                     now, authority=authority, contact=contact, note=extra.get("note"))
        return (f"Ditutup: diserahkan ke {authority} / Closed: handed off to {authority}")
    return f"Ditutup / Closed: {outcome}"


def close_incident(
    rt: Runtime, incident_id: int, data: Mapping[str, Any], actor: Actor
) -> dict[str, Any]:
    """Close with an outcome; units still on it are released to available.

    Coded outcomes: `prank` and `ghost` (the call type is set too), `information` (with
    the `answer` given) and `handoff` (to `authority`, by default the incident's hand-off).
    """
    outcome = validation.text(data, "outcome", required=True, max_len=500)
    extra = _close_fields(outcome, data)
    link_to = data.get("link_to")
    if link_to is not None and (isinstance(link_to, bool) or not isinstance(link_to, int)):
        raise ValidationError("link_to must be an incident id", "link_to")
    now = rt.clock.now()
    expected = expected_version(data)
    released: list[str] = []
    # The fleet replica is released after the commit, then the events go out.
    with rt.dispatch_lock, rt.transaction() as (s, events):
        inc = _get(s, incident_id)
        if inc.status == "closed":
            raise Conflict(f"incident {incident_id} is already closed", "incident")
        bump_version(s, inc, expected)
        note_if_not_owner(s, inc, actor, "Ditutup / Closed", now)
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
        message = _close_outcome_steps(s, rt, inc, outcome or "", extra, actor, now)
        inc.status = "closed"
        inc.closed_at = now
        inc.outcome = outcome
        add_timeline(s, inc, "closed", actor, message, now, outcome=outcome)
        s.flush()
        out = incident_to_dict(s, rt, inc)
        events.then(lambda: _release(rt, released, now))
        events.append(IncidentClosed(incident_id, outcome or ""))
    return out


def _release(rt: Runtime, unit_ids: list[str], now: datetime) -> None:
    """The fleet replica's side of a close: the units are free again."""
    for uid in unit_ids:
        state = rt.fleet.get(uid)
        if state is not None:
            changes: dict[str, Any] = {"incident_id": None}
            if state.status in BUSY_STATUSES or state.status == "returning":
                changes.update(status="available", status_since=now.timestamp())
            rt.fleet.update(uid, **changes)


def escalate_to_complaint(rt: Runtime, incident_id: int, actor: Actor,
                          data: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Operator decides an incident is not an emergency: hand it to the complaint flow.

    `publish_consent`: the caller, asked by the operator, agreed that the (masked) ticket may
    be listed publicly; without it the ticket is never listed (its id still finds it)."""
    consent = validation.boolean(data or {}, "publish_consent", False)
    now = rt.clock.now()
    with rt.transaction() as (s, events):
        inc = _get(s, incident_id)
        if inc.complaint_ticket:
            raise Conflict(f"incident {incident_id} already has ticket {inc.complaint_ticket}")
        refusal = calls.ticket_refusal(inc.call_type, inc.exercise)
        if refusal is not None:
            raise Conflict(refusal, "exercise" if inc.exercise else "call_type")
        if inc.category != "non_emergency":
            add_timeline(s, inc, "category_overridden", actor,
                         f"Kategori / Category: {inc.category} → non_emergency", now,
                         category="non_emergency", previous=inc.category)
            inc.category = "non_emergency"
            inc.emergency = False
            inc.priority = 4
        # The operator has decided what this is: nothing left to confirm or to fill.
        inc.unsure = False
        inc.no_recommendation_reason = None
        inc.shortfall = []
        ticket = complaints.escalate_incident(s, rt, inc, actor, events, publish_consent=consent)
        if ticket is None:
            raise Conflict("the complaint flow is not available", "complaint")
        s.flush()
        out = incident_to_dict(s, rt, inc)
        out["complaint"] = ticket
        events.append(IncidentUpdated(incident_id, "escalated", {"complaint": ticket}))
    return out


def caller_history(rt: Runtime, phone: str, limit: int = 20) -> list[dict[str, Any]]:
    """Earlier incidents from the same number (any spelling of it), with prank/ghost flags,
    newest first."""
    keys = {phone, phones.caller_key(phone) or phone}
    with rt.session() as s:
        rows = s.scalars(
            select(Incident)
            .where(Incident.caller_phone.in_(sorted(keys)))
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
