"""REST API under /api/v1: each handler parses, calls one service, returns JSON."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request
from flask_login import current_user, login_required
from flask_wtf.csrf import CSRFError, validate_csrf
from wtforms import ValidationError as WtfValidationError

from dispatch.classify import classify
from dispatch.services import (
    coverage,
    field,
    hospitals,
    incidents,
    locations,
    message_intake,
    moveups,
    shift,
    training,
    units,
)
from dispatch.services.errors import ValidationError

from .auth import roles_required, runtime
from .citytime import page_time
from .errors import json_error
from .inputs import read_json

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.before_request
def _limits_and_csrf() -> Any:
    rt = runtime()
    # Flask ≥ 3.1: a per-request body limit; uploads elsewhere may be larger.
    request.max_content_length = rt.settings.max_body_bytes
    mutating = request.method in ("POST", "PUT", "PATCH", "DELETE")
    if mutating and current_user.is_authenticated and not getattr(current_user, "via_token", False):
        # Session-authenticated calls come from our own pages: they carry the token.
        try:
            validate_csrf(request.headers.get("X-CSRFToken", ""))
        except (WtfValidationError, CSRFError) as err:
            return json_error(400, "csrf", f"CSRF token missing or invalid: {err}")
    return None


def body() -> dict[str, Any]:
    """The request's JSON object, or a 400 that says what is wrong with it."""
    raw = request.get_data(cache=True)
    if not raw:
        raise ValidationError("request body must be a JSON object", "body")
    data = read_json(raw)
    if not isinstance(data, dict):
        raise ValidationError("request body must be a JSON object", "body")
    return data


@bp.post("/incidents")
@roles_required("operator")
def create_incident() -> Any:
    """Take a new incident."""
    result = incidents.create_incident(runtime(), body(), current_user.actor())
    return jsonify(result), 201


@bp.get("/incidents")
@roles_required("operator")
def list_incidents() -> Any:
    """Incidents, newest first, optionally by status."""
    status = request.args.get("status") or None
    try:
        limit = min(max(int(request.args.get("limit", 200)), 1), 1000)
    except ValueError:
        raise ValidationError("limit must be an integer", "limit") from None
    return jsonify(incidents.list_incidents(runtime(), status=status, limit=limit))


@bp.get("/incidents/<int:incident_id>")
@roles_required("operator")
def get_incident(incident_id: int) -> Any:
    """One incident with its timeline."""
    fresh = request.args.get("fresh") in ("1", "true")
    return jsonify(incidents.get_incident(runtime(), incident_id, fresh=fresh))


@bp.patch("/incidents/<int:incident_id>")
@roles_required("operator")
def update_incident(incident_id: int) -> Any:
    """Change category, priority, call type or address."""
    return jsonify(incidents.update_incident(runtime(), incident_id, body(), current_user.actor()))


@bp.post("/incidents/<int:incident_id>/dispatch")
@roles_required("operator")
def dispatch(incident_id: int) -> Any:
    """Send units."""
    result = incidents.dispatch_units(runtime(), incident_id, body(), current_user.actor())
    return jsonify(result), 201


@bp.post("/incidents/<int:incident_id>/orders/<order_id>/ack")
@roles_required("operator")
def ack_by_radio(incident_id: int, order_id: str) -> Any:
    """The operator confirms a unit's answer heard on the radio (body optional)."""
    data = body() if request.get_data(cache=True) else {}
    return jsonify(field.acknowledge_by_radio(runtime(), incident_id, order_id[:64], data,
                                              current_user.actor()))
@bp.post("/incidents/<int:incident_id>/reassign")
@roles_required("operator")
def reassign(incident_id: int) -> Any:
    """Take a unit off a lower-priority incident and send it here."""
    result = incidents.reassign_unit(runtime(), incident_id, body(), current_user.actor())
    return jsonify(result), 201


@bp.post("/incidents/<int:incident_id>/notes")
@roles_required("operator")
def add_note(incident_id: int) -> Any:
    """Add a note to the timeline."""
    return jsonify(incidents.add_note(runtime(), incident_id, body(), current_user.actor())), 201


@bp.post("/incidents/<int:incident_id>/close")
@roles_required("operator")
def close(incident_id: int) -> Any:
    """Close with an outcome."""
    return jsonify(incidents.close_incident(runtime(), incident_id, body(), current_user.actor()))


@bp.post("/incidents/<int:incident_id>/escalate")
@roles_required("operator")
def escalate(incident_id: int) -> Any:
    """Hand a non-emergency to the complaint flow (body optional: `publish_consent`)."""
    data = body() if request.get_data(cache=True) else {}
    return jsonify(incidents.escalate_to_complaint(runtime(), incident_id, current_user.actor(),
                                                   data))


@bp.post("/incidents/<int:incident_id>/claim")
@roles_required("operator")
def claim(incident_id: int) -> Any:
    """Take the incident as its owner (another's: 409, or `force` by a supervisor)."""
    data = body() if request.get_data(cache=True) else {}
    return jsonify(shift.claim_incident(runtime(), incident_id, data, current_user.actor()))


@bp.get("/shift/handover")
@roles_required("operator")
def shift_handover() -> Any:
    """What is open, who owns it, pending orders and unacknowledged alerts."""
    return jsonify(shift.handover(runtime(), current_user.actor()))


@bp.post("/shift/handover")
@roles_required("operator")
def shift_hand_over() -> Any:
    """Hand one's open incidents (or `incident_ids`) to operator `to`."""
    return jsonify(shift.hand_over(runtime(), body(), current_user.actor()))


@bp.get("/intake")
@roles_required("operator")
def list_intake() -> Any:
    """Message reports (WhatsApp) waiting for an operator, oldest first (`?status=`)."""
    status = request.args.get("status") or "pending"
    return jsonify(message_intake.list_items(runtime(), status=None if status == "all"
                                             else status))


@bp.post("/intake/<int:item_id>/incident")
@roles_required("operator")
def intake_incident(item_id: int) -> Any:
    """Turn an intake item into an incident (body optional: fields to override)."""
    data = body() if request.get_data(cache=True) else {}
    return jsonify(message_intake.take_as_incident(runtime(), item_id, data,
                                                   current_user.actor())), 201


@bp.post("/intake/<int:item_id>/complaint")
@roles_required("operator")
def intake_complaint(item_id: int) -> Any:
    """Turn an intake item into a complaint ticket (body optional: fields to override)."""
    data = body() if request.get_data(cache=True) else {}
    return jsonify(message_intake.take_as_complaint(runtime(), item_id, data,
                                                    current_user.actor())), 201


@bp.post("/intake/<int:item_id>/dismiss")
@roles_required("operator")
def intake_dismiss(item_id: int) -> Any:
    """Nothing to act on: take the item out of the queue."""
    return jsonify(message_intake.dismiss(runtime(), item_id, current_user.actor()))


@bp.get("/callers/<phone>/history")
@roles_required("operator")
def caller_history(phone: str) -> Any:
    """Earlier calls from a number."""
    return jsonify(incidents.caller_history(runtime(), phone[:32]))


@bp.route("/classify", methods=["GET", "POST"])
@roles_required("operator")
def classify_text() -> Any:
    """The live classification suggestion while an operator types."""
    text = request.args.get("text") if request.method == "GET" else body().get("text")
    if not isinstance(text, str):
        raise ValidationError("text must be a string", "text")
    return jsonify(classify(text[:4000], unsure_below=runtime().call_rules.unsure_below).as_dict())


@bp.get("/units")
@roles_required("operator")
def list_units() -> Any:
    """Every unit with its live state."""
    return jsonify(units.list_units(runtime()))


@bp.get("/coverage")
@roles_required("operator")
def coverage_now() -> Any:
    """Per kecamatan and demand cell: available units of each type in reach of the target."""
    return jsonify(coverage.coverage_now(runtime()))


@bp.get("/coverage/moveups")
@roles_required("supervisor")
def coverage_moveups() -> Any:
    """The optimal move-ups for the current fleet (per unit type, at most `max_moves` each)."""
    return jsonify(moveups.suggest_moveups(runtime(), request.args.get("max_moves"),
                                           request.args.get("unit_type") or None))


@bp.post("/coverage/moveups/accept")
@roles_required("supervisor")
def accept_moveups() -> Any:
    """Send each unit of `moves: [{unit_id, site_id}]` a move_up order."""
    return jsonify(moveups.accept_moveups(runtime(), body(), current_user.actor())), 201


@bp.get("/coverage/moveups/log")
@roles_required("supervisor")
def moveup_log() -> Any:
    """The latest move-up orders and their answers."""
    return jsonify(moveups.list_moveups(runtime()))


@bp.get("/hospitals")
@roles_required("operator")
def list_hospitals() -> Any:
    """The city's hospitals with capabilities and last reported ED status."""
    return jsonify(hospitals.list_hospitals(runtime()))


@bp.put("/hospitals/<hospital_id>/status")
@login_required
def hospital_status(hospital_id: str) -> Any:
    """Report a hospital's ED state: an admin, or a hospital's system with an API key."""
    by_key = getattr(current_user, "via_token", False) and current_user.has_role("agency",
                                                                                  "supervisor")
    if not (current_user.has_role("admin") or by_key):
        return json_error(403, "forbidden", "butuh peran admin atau kunci API / needs role: "
                          "admin, or an API key (token) of an agency or supervisor account")
    return jsonify(hospitals.set_status(runtime(), hospital_id[:64], body(),
                                        current_user.actor()))


@bp.post("/units")
@roles_required("supervisor")
def register_unit() -> Any:
    """Add a unit (admin); a supervisor (trainer) may add simulated training units."""
    data = body()
    simulated = data.get("simulated", False)
    if simulated is not True and not current_user.has_role("admin"):
        return json_error(403, "forbidden", "needs role: admin (a supervisor may add only "
                          "simulated units)")
    state = units.register_unit(
        runtime(), data.get("id"), data.get("type"), data.get("station"), data.get("tracker"),
        data.get("name"), simulated,
    )
    rt = runtime()
    return jsonify(rt.fleet.as_dict(state, rt.clock.time())), 201


@bp.post("/exercise/units")
@roles_required("supervisor")
def exercise_units() -> Any:
    """Simulated units for an exercise (SIM-<id> per city-pack unit), reset to available."""
    data = body() if request.get_data(cache=True) else {}
    only = data.get("units")
    if only is not None and (not isinstance(only, list)
                             or not all(isinstance(u, str) for u in only)):
        raise ValidationError("units must be a list of city-pack unit ids", "units")
    rt = runtime()
    states = training.provision_units(rt, current_user.actor(), only)
    now = rt.clock.time()
    return jsonify([rt.fleet.as_dict(u, now) for u in states]), 201


@bp.post("/exercise/end")
@roles_required("supervisor")
def exercise_end() -> Any:
    """End an exercise: close its incidents (marked) and take its simulated units out of service."""
    return jsonify(training.end_exercise(runtime(), body(), current_user.actor()))


@bp.get("/system")
@roles_required("supervisor")
def system() -> Any:
    """What a trainer's tools need to know about this server: the broker its units use."""
    rt = runtime()
    gateway = rt.orders
    mqtt: dict[str, Any] | None = None
    if gateway is not None:
        mqtt = {
            "url": getattr(gateway, "public_url", None),
            "prefix": rt.mqtt_prefix,
            "connected": bool(getattr(gateway, "connected", False)),
            "embedded": rt.broker is not None,
        }
    # `leader`: whether this process runs the once-only jobs (ack timeouts, reminders,
    # webhooks, retention); among several processes on one database exactly one says true.
    return jsonify({"city": rt.city.name, "timezone": rt.city.timezone, "mqtt": mqtt,
                    "role": rt.role,
                    "units": len(rt.fleet), "leader": rt.leadership.held(),
                    "leadership": type(rt.leadership).__name__})


@bp.get("/city")
@roles_required("operator")
def city() -> Any:
    """The city pack's map data (districts, stations, centre) and its time (zone, today, now)."""
    pack = runtime().city
    return jsonify(
        {
            "name": pack.name,
            "center": list(pack.center),
            "zoom": pack.zoom,
            "districts": pack.districts_geojson,
            "stations": [
                {"id": s.id, "name": s.name, "kind": s.kind, "lat": s.lat, "lon": s.lon}
                for s in pack.stations
            ],
            "approximate": bool(pack.settings.get("approximate", True)),
            "time": page_time(),
        }
    )


@bp.get("/geo/parse")
@roles_required("operator")
def parse_location() -> Any:
    """Typed coordinates (decimal, DMS) or a pasted AML SMS → location, AML checks, place."""
    return jsonify(locations.parse_location_text(runtime(), request.args.get("text")))
