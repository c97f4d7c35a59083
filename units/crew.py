"""The crew app's transport: a unit's current order, and its taps (ack or decline, status,
position) read by the same parsers as MQTT and applied by the same field services, so the
console, timelines and KPIs cannot tell which way a unit answered."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from dispatch.db.models import Incident, Order
from dispatch.domain.unit_states import TransitionError
from dispatch.runtime import Runtime
from dispatch.services import field
from dispatch.services.errors import Conflict, NotFound, ValidationError

from . import payloads

CREW_SOURCE = "crew"
TAP_KINDS: tuple[str, ...] = ("ack", "status", "position")
# Crew statuses a tap may set (offline is the phone's silence, not a button).
CREW_STATUSES: tuple[str, ...] = ("en_route", "on_scene", "transporting", "at_hospital",
                                  "returning", "available")
_ACTIVE_ORDER_STATES = ("sent", "awaiting_radio", "unacknowledged", "acknowledged")
_TAPS_KEPT = 4096
_TAP_ID_MAX = 64



def _order_view(order: Order, inc: Incident | None) -> dict[str, Any]:
    payload = dict(order.payload or {})
    view: dict[str, Any] = {
        "order_id": order.id, "state": order.state, "incident_id": order.incident_id,
        "issued_at": order.issued_at.isoformat(), "channel": order.channel,
        "category": payload.get("category"), "priority": payload.get("priority"),
        "description": payload.get("description"), "address": payload.get("address"),
        "lat": payload.get("lat"), "lon": payload.get("lon"),
        "hospital": payload.get("hospital"), "kind": payload.get("kind", "dispatch"),
    }
    if inc is not None:
        view["caller_phone"] = inc.caller_phone
        view["kecamatan"] = inc.kecamatan
        view["incident_status"] = inc.status
    return view


def crew_state(rt: Runtime, unit_id: str) -> dict[str, Any]:
    """What the crew page shows: the unit's status and its current order, if any."""
    state = rt.fleet.get(unit_id)
    if state is None:
        raise NotFound(f"no unit {unit_id!r}", "unit_id")
    now = rt.clock.time()
    unit = rt.fleet.as_dict(state, now)
    order_view = None
    with rt.session() as s:
        query = (select(Order).where(Order.unit_id == unit_id)
                 .where(Order.state.in_(_ACTIVE_ORDER_STATES))
                 .where(Order.cleared_at.is_(None))
                 .order_by(Order.issued_at.desc()).limit(1))
        order = s.scalars(query).first()
        if order is not None:
            order_view = _order_view(order, s.get(Incident, order.incident_id))
    return {"unit": unit, "order": order_view, "statuses": list(CREW_STATUSES)}


def _tap_id(data: Mapping[str, Any]) -> str | None:
    tap_id = data.get("tap_id")
    if tap_id is None:
        return None
    if not isinstance(tap_id, str) or not 0 < len(tap_id) <= _TAP_ID_MAX or not tap_id.isprintable():
        raise ValidationError(f"tap_id must be text of 1-{_TAP_ID_MAX} characters", "tap_id")
    return tap_id


def _apply(rt: Runtime, unit_id: str, kind: str, data: dict[str, Any]) -> dict[str, Any]:
    now = rt.clock.time()
    try:
        if kind == "ack":
            ack = payloads.parse_ack(data, now)
            field.acknowledge_order(rt, unit_id, ack.order_id, ack.accepted, ack.ts)
            return {"applied": "ack", "order_id": ack.order_id, "accepted": ack.accepted}
        if kind == "status":
            rep = payloads.parse_status(data, now)
            if rep.status not in CREW_STATUSES:
                raise ValidationError(f"status must be one of {', '.join(CREW_STATUSES)}",
                                      "status")
            field.report_status(rt, unit_id, rep.status, rep.ts, rep.order_id)
            return {"applied": "status", "status": rep.status}
        fix = payloads.parse_position(data, now)
        if not field.record_position(rt, unit_id, fix.lat, fix.lon, fix.ts,
                                     speed_kmh=fix.speed_kmh, heading=fix.heading,
                                     accuracy_m=fix.accuracy_m, battery=fix.battery,
                                     source=CREW_SOURCE):
            raise Conflict("fix older than the last one / posisi lebih lama dari yang terakhir",
                           "ts")
        return {"applied": "position"}
    except payloads.PayloadError as err:
        raise ValidationError(f"{err.reason}: {err.detail}" if err.detail else err.reason,
                              kind) from err
    except TransitionError as err:
        raise Conflict(str(err), "status") from err


def crew_tap(rt: Runtime, unit_id: str, data: Mapping[str, Any]) -> dict[str, Any]:
    """Apply one tap of the crew app (`kind` ack|status|position, `tap_id` for once-only)."""
    if not isinstance(data, Mapping):
        raise ValidationError("body must be a JSON object", "body")
    if rt.fleet.get(unit_id) is None:
        raise NotFound(f"no unit {unit_id!r}", "unit_id")
    kind = data.get("kind")
    if kind not in TAP_KINDS:
        raise ValidationError(f"kind must be one of {', '.join(TAP_KINDS)}", "kind")
    tap_id = _tap_id(data)
    key = (unit_id, tap_id) if tap_id else None
    fs = rt.field_state
    if key is not None:
        with fs.lock:
            done = fs.crew_taps.get(key)
        if done is not None:
            return {**done, "duplicate": True}
    body = {k: v for k, v in data.items() if k not in ("kind", "tap_id")}
    result = _apply(rt, unit_id, str(kind), body)
    if key is not None:
        with fs.lock:
            fs.crew_taps[key] = result
            while len(fs.crew_taps) > _TAPS_KEPT:
                fs.crew_taps.popitem(last=False)
    return {**result, "duplicate": False}
