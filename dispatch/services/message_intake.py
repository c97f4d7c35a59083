"""The console's queue of message reports (WhatsApp): list them, and turn one into an
incident or a complaint through the same services the console uses; a confident,
located non-emergency becomes a complaint with no operator."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update

from ..db.models_intake import IntakeItem
from ..domain import whatsapp as wa
from . import complaints, incidents, whatsapp_replies
from .actors import SYSTEM, Actor
from .errors import Conflict, NotFound, ValidationError

if TYPE_CHECKING:
    from ..runtime import Runtime

STATUSES = ("pending", "incident", "complaint", "dismissed")
NO_TEXT = "(laporan WhatsApp tanpa teks / WhatsApp report without text)"
OVERRIDABLE = ("description", "lat", "lon", "address", "category", "priority", "call_type")


def item_to_dict(item: IntakeItem) -> dict[str, Any]:
    """The API's view of an intake item."""
    location = None
    if item.lat is not None and item.lon is not None:
        location = {"lat": item.lat, "lon": item.lon, "name": item.location_name,
                    "address": item.location_address}
    return {
        "id": item.id,
        "channel": item.channel,
        "sender": item.sender,
        "sender_name": item.sender_name,
        "text": item.text,
        "location": location,
        "media": list(item.media or []),
        "suggestion": item.suggestion,
        "messages": item.message_count,
        "status": item.status,
        "first_at": item.first_at.isoformat(),
        "last_at": item.last_at.isoformat(),
        "incident_id": item.incident_id,
        "complaint_ticket": item.complaint_ticket,
        "decided_by": item.decided_by,
    }


def list_items(rt: Runtime, status: str | None = "pending", limit: int = 200
               ) -> list[dict[str, Any]]:
    """Intake items, oldest waiting first (pending by default)."""
    if status is not None and status not in STATUSES:
        raise ValidationError(f"status must be one of {', '.join(STATUSES)}", "status")
    with rt.session() as s:
        q = select(IntakeItem).order_by(IntakeItem.last_at, IntakeItem.id).limit(limit)
        if status is not None:
            q = q.where(IntakeItem.status == status)
        return [item_to_dict(i) for i in s.scalars(q)]


def _overrides(data: Mapping[str, Any]) -> dict[str, Any]:
    if not isinstance(data, Mapping):
        raise ValidationError("body must be a JSON object", "body")
    return {k: data[k] for k in OVERRIDABLE if data.get(k) is not None}


def _claim(rt: Runtime, item_id: int) -> IntakeItem:
    """Take the item out of the queue for one decision (two operators: one gets 409)."""
    with rt.session() as s:
        taken = s.execute(update(IntakeItem)
                          .where(IntakeItem.id == item_id, IntakeItem.status == "pending")
                          .values(status="taking")).rowcount
        item = s.get(IntakeItem, item_id)
        if item is None:
            raise NotFound(f"intake item {item_id} not found")
        if not taken:
            raise Conflict(f"intake item {item_id} is {item.status}, not pending", "status")
        s.expunge(item)
        return item


def _release(rt: Runtime, item_id: int) -> None:
    with rt.session() as s:
        s.execute(update(IntakeItem).where(IntakeItem.id == item_id,
                                           IntakeItem.status == "taking")
                  .values(status="pending"))


def _decide(rt: Runtime, item_id: int, status: str, actor: Actor,
            incident_id: int | None = None, ticket: str | None = None,
            reply: Callable[[Any], None] | None = None) -> dict[str, Any]:
    with rt.transaction() as (s, events):
        item = s.get(IntakeItem, item_id)
        assert item is not None
        item.status, item.decided_by, item.decided_at = status, actor.id, rt.clock.now()
        item.incident_id, item.complaint_ticket = incident_id, ticket
        item.updated_at = item.decided_at
        if reply is not None:
            reply(s)
        s.flush()
        out = item_to_dict(item)
        events.append(wa.IntakeItemChanged(item.id, item.channel, status))
    return out


def take_as_incident(rt: Runtime, item_id: int, data: Mapping[str, Any], actor: Actor
                     ) -> dict[str, Any]:
    """The operator judges it an emergency: an incident from the item (fields overridable)."""
    extra = _overrides(data)
    item = _claim(rt, item_id)
    body: dict[str, Any] = {"description": item.text or NO_TEXT, "channel": item.channel,
                            "caller_phone": item.sender, "lat": item.lat, "lon": item.lon,
                            "address": item.location_address or item.location_name}
    body = {k: v for k, v in {**body, **extra}.items() if v is not None}
    try:
        incident = incidents.create_incident(rt, body, actor)
    except Exception:
        _release(rt, item_id)
        raise
    ticket = (incident.get("complaint") or {}).get("ticket")

    def reply(s: Any) -> None:
        if ticket is None and item.channel == whatsapp_replies.CHANNEL:
            whatsapp_replies.incident_taken(s, rt, item.sender, incident["id"])

    out = _decide(rt, item_id, "incident", actor, incident_id=incident["id"], ticket=ticket,
                  reply=reply)
    out["incident"] = incident
    return out


def take_as_complaint(rt: Runtime, item_id: int, data: Mapping[str, Any], actor: Actor
                      ) -> dict[str, Any]:
    """The operator judges it a complaint: a ticket from the item (fields overridable)."""
    extra = _overrides(data)
    item = _claim(rt, item_id)
    body: dict[str, Any] = {"description": item.text or NO_TEXT, "lat": item.lat,
                            "lon": item.lon,
                            "address": item.location_address or item.location_name,
                            "reporter_phone": item.sender, "reporter_name": item.sender_name}
    body = {k: v for k, v in {**body, **extra}.items()
            if v is not None and k not in ("priority", "call_type")}
    who = (complaints.staff_actor(rt, actor.role or "operator", actor.id or "operator",
                                  actor.user_id)
           if actor.type == "operator" else complaints.SYSTEM_ACTOR)
    try:
        ticket = complaints.create_complaint(rt, body, item.channel, who)
    except Exception:
        _release(rt, item_id)
        raise
    out = _decide(rt, item_id, "complaint", actor, ticket=ticket["ticket"])
    out["complaint"] = {k: v for k, v in ticket.items() if k != "citizen_code"}
    return out


def dismiss(rt: Runtime, item_id: int, actor: Actor) -> dict[str, Any]:
    """Nothing to act on (spam, a greeting, a test): out of the queue, kept for the record."""
    _claim(rt, item_id)
    return _decide(rt, item_id, "dismissed", actor)


def maybe_auto_complaint(rt: Runtime, item_id: int) -> dict[str, Any] | None:
    """A located item the classifier is sure is a non-emergency becomes a complaint with
    no operator; anything else waits for one."""
    with rt.session() as s:
        item = s.get(IntakeItem, item_id)
        if item is None or item.status != "pending" or item.lat is None or not item.text:
            return None
        suggestion = item.suggestion or {}
    sure = float(suggestion.get("confidence") or 0.0)
    if suggestion.get("category") != "non_emergency" or suggestion.get("emergency") \
            or sure < rt.settings.whatsapp_auto_complaint_confidence:
        return None
    try:
        return take_as_complaint(rt, item_id, {}, SYSTEM)
    except (Conflict, ValidationError):
        return None  # taken meanwhile, or not a complaint the flow accepts: an operator sees it
