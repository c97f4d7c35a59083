"""Several operators, one queue: who owns an incident, claims, and the shift handover."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from ..db.models import Incident, Order, User
from ..domain.events import IncidentUpdated
from . import validation
from .actors import Actor
from .errors import Conflict, Forbidden, NotFound, ValidationError
from .incidents import _get, add_timeline, bump_version, expected_version

if TYPE_CHECKING:
    from ..runtime import Runtime

# Orders still waiting for the unit's answer, and the ones that never got one (alerts).
_PENDING_ORDER_STATES = ("sent", "awaiting_radio")
_ALERT_ORDER_STATES = ("unacknowledged",)
_MAY_FORCE = ("supervisor", "admin")
_MAX_HANDOVER = 500


def _operator(actor: Actor) -> str:
    if actor.type != "operator" or not actor.id:
        raise Forbidden("hanya petugas yang dapat memegang kejadian / only staff hold incidents")
    return actor.id


def claim_incident(rt: Runtime, incident_id: int, data: Mapping[str, Any],
                   actor: Actor) -> dict[str, Any]:
    """Take an incident as its owner; another's needs `force` by a supervisor (else 409)."""
    if not isinstance(data, Mapping):
        raise ValidationError("body must be a JSON object", "body")
    me = _operator(actor)
    force = validation.boolean(data, "force", False)
    expected = expected_version(data)
    now = rt.clock.now()
    with rt.transaction() as (s, events):
        inc = _get(s, incident_id)
        if inc.status == "closed":
            raise Conflict(f"incident {incident_id} is closed", "incident")
        previous = inc.owner
        if previous == me:
            return {"incident_id": inc.id, "owner": me, "version": inc.version}
        if previous is not None and not force:
            raise Conflict(f"Kejadian #{inc.id} dipegang {previous} / incident #{inc.id} is "
                           f"owned by {previous}", "owner")
        if previous is not None and actor.role not in _MAY_FORCE:
            raise Forbidden("mengambil alih kejadian orang lain perlu supervisor / taking "
                            "another's incident over needs a supervisor", "force")
        bump_version(s, inc, expected)
        inc.owner = me
        kind = "claimed" if previous is None else "claim_forced"
        message = (f"Dipegang oleh / Claimed by {me}" if previous is None else
                   f"Diambil alih dari {previous} oleh {me} / taken over from {previous} "
                   f"by {me}")
        add_timeline(s, inc, kind, actor, message, now, owner=me, previous=previous)
        out = {"incident_id": inc.id, "owner": me, "previous": previous,
               "version": inc.version}
        events.append(IncidentUpdated(inc.id, "owner", {"owner": me, "previous": previous}))
    return out


def handover(rt: Runtime, actor: Actor) -> dict[str, Any]:
    """What an operator leaving the shift hands on: open incidents by owner, pending orders,
    unacknowledged alerts."""
    with rt.session() as s:
        open_incidents = list(s.scalars(
            select(Incident).where(Incident.status != "closed")
            .order_by(Incident.priority, Incident.created_at).limit(_MAX_HANDOVER)))
        ids = [i.id for i in open_incidents]
        orders = list(s.scalars(select(Order).where(
            Order.incident_id.in_(ids), Order.cleared_at.is_(None),
            Order.state.in_(_PENDING_ORDER_STATES + _ALERT_ORDER_STATES)))) if ids else []
    by_incident: dict[int, list[dict[str, Any]]] = {}
    for o in orders:
        by_incident.setdefault(o.incident_id, []).append(
            {"order_id": o.id, "unit_id": o.unit_id, "state": o.state,
             "issued_at": o.issued_at.isoformat()})
    items = [{
        "id": i.id, "owner": i.owner, "status": i.status, "category": i.category,
        "priority": i.priority, "kecamatan": i.kecamatan, "created_at": i.created_at.isoformat(),
        "version": i.version, "orders": by_incident.get(i.id, []),
    } for i in open_incidents]
    mine = [it for it in items if it["owner"] == actor.id]
    return {
        "incidents": items,
        "mine": [it["id"] for it in mine],
        "unowned": [it["id"] for it in items if it["owner"] is None],
        "pending_orders": [o for it in items for o in it["orders"]
                           if o["state"] in _PENDING_ORDER_STATES],
        "alerts": [dict(o, incident_id=it["id"]) for it in items for o in it["orders"]
                   if o["state"] in _ALERT_ORDER_STATES],
    }


def hand_over(rt: Runtime, data: Mapping[str, Any], actor: Actor) -> dict[str, Any]:
    """Give one's open incidents (or the listed ones) to another operator, in one action."""
    if not isinstance(data, Mapping):
        raise ValidationError("body must be a JSON object", "body")
    me = _operator(actor)
    to = validation.text(data, "to", required=True, max_len=64) or ""
    wanted = data.get("incident_ids")
    if wanted is not None and (not isinstance(wanted, list) or len(wanted) > _MAX_HANDOVER
                               or not all(isinstance(i, int) and not isinstance(i, bool)
                                          for i in wanted)):
        raise ValidationError("incident_ids must be a list of incident ids", "incident_ids")
    if to == me:
        raise ValidationError("serah terima ke diri sendiri / handing over to yourself", "to")
    now = rt.clock.now()
    with rt.transaction() as (s, events):
        user = s.scalar(select(User).where(User.username == to))
        if user is None or not user.active or user.role not in ("operator", "supervisor",
                                                                 "admin"):
            raise NotFound(f"tidak ada petugas aktif {to!r} / no active operator {to!r}", "to")
        q = select(Incident).where(Incident.status != "closed", Incident.owner == me)
        if wanted is not None:
            q = select(Incident).where(Incident.id.in_(wanted), Incident.status != "closed")
        moved = []
        for inc in s.scalars(q.order_by(Incident.id)):
            if inc.owner not in (me, None) and actor.role not in _MAY_FORCE:
                raise Conflict(f"Kejadian #{inc.id} dipegang {inc.owner} / incident #{inc.id} "
                               f"is owned by {inc.owner}", "incident_ids")
            bump_version(s, inc, None)
            previous, inc.owner = inc.owner, to
            add_timeline(s, inc, "handed_over", actor,
                         f"Serah terima dari {previous or '-'} ke {to} / handed over from "
                         f"{previous or '-'} to {to}", now, owner=to, previous=previous)
            events.append(IncidentUpdated(inc.id, "owner", {"owner": to, "previous": previous}))
            moved.append(inc.id)
    return {"to": to, "incident_ids": moved}
