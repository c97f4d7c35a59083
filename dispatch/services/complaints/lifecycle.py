"""The complaint lifecycle: transitions, the citizen's reopen, replies and notes."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...db.models_complaints import Complaint
from ...domain import complaints as rules
from ...domain.events import ComplaintStatusChanged
from .. import validation, webhooks, whatsapp_replies
from ..errors import Conflict, Forbidden, NotFound, ValidationError
from .common import (
    CITIZEN_ACTOR,
    ComplaintActor,
    _hash_code,
    _stamp,
    _visible,
    _webhook_data,
    by_public_id,
    calendar,
    settings,
)
from .views import _event_to_dict, complaint_to_dict, public_view

if TYPE_CHECKING:
    from ...runtime import Runtime

_PUBLIC_REASON = frozenset({"resolve", "reject", "duplicate", "reopen", "close"})


def _apply(session: Session, rt: Runtime, c: Complaint, action: str, actor: ComplaintActor,
           now: datetime, reason: str | None, *, opd_code: str | None = None,
           duplicate_of: str | None = None) -> tuple[str, str]:
    cfg = settings(rt)
    t = rules.check_transition(action, c.status, actor.kind, reason, now=now,
                               resolved_at=c.resolved_at, reopen_days=int(cfg["reopen_days"]))
    previous = c.status
    data: dict[str, Any] = {"action": action}
    cal = calendar(rt)
    if action == "verify":
        c.verified_at = now
        c.due_at = cal.add_working_days(now, int(cfg["followup_working_days"]))
        data["due_at"] = c.due_at.isoformat()
    elif action == "dispose":
        target = opd_code or c.opd_code
        known = {o.code for o in rt.city.opds}
        if not target or target not in known:
            raise ValidationError("choose the department (opd_code) to dispose to", "opd_code")
        if target == rt.city.coordinator().code:
            raise ValidationError("dispose to a department, not to the coordinator", "opd_code")
        if c.opd_code != target:
            opd = next(o for o in rt.city.opds if o.code == target)
            if c.category not in opd.categories:
                c.category = opd.categories[0]
            c.routing = "manual" if c.routing == "manual" else "operator"
        c.opd_code = target
        c.disposed_at = now
        data["opd_code"] = target
    elif action == "return":
        data["opd_code"] = c.opd_code
        c.opd_code = rt.city.coordinator().code
        c.routing = "manual"
    elif action == "start":
        c.in_progress_at = now
    elif action == "resolve":
        c.resolved_at = now
        if c.in_progress_at is None:
            c.in_progress_at = now
    elif action == "close":
        c.closed_at = now
    elif action == "reject":
        c.reject_reason = (reason or "")[:500]
        c.decided_by = actor.id
        c.closed_at = now
    elif action == "duplicate":
        if not duplicate_of or not rules.valid_ticket(duplicate_of) or duplicate_of == c.ticket:
            raise ValidationError("duplicate_of must be another ticket number", "duplicate_of")
        original = session.scalar(select(Complaint).where(Complaint.ticket == duplicate_of))
        if original is None:
            raise ValidationError(f"ticket {duplicate_of} not found", "duplicate_of")
        c.duplicate_of = duplicate_of
        c.decided_by = actor.id
        c.closed_at = now
        data["duplicate_of"] = duplicate_of
    elif action == "reopen":
        c.reopen_count += 1
        c.reopened_at = now
        c.resolved_at = None
        c.closed_at = None
        c.due_at = cal.add_working_days(now, int(cfg["followup_working_days"]))
        data["due_at"] = c.due_at.isoformat()
    c.status = t.target
    label = rules.STATUS_LABELS.get(t.target, t.target)
    message = (reason or "").strip() or label
    _stamp(session, c, "status", actor, now, message[:4000], public=action in _PUBLIC_REASON,
           status_from=previous, status_to=t.target, **data)
    webhooks.enqueue(session, rt, "complaint.status_changed",
                     _webhook_data(rt, c, previous=previous, action=action,
                                   actor={"type": actor.kind, "id": actor.id,
                                          "opd_code": actor.opd_code}), c.ticket)
    return previous, t.target


def transition(rt: Runtime, ticket: str, action: str, actor: ComplaintActor,
               data: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Move a ticket through its lifecycle (verify, dispose, start, resolve, close, reject,
    duplicate, archive, return, reopen); a forbidden move is a 409."""
    data = data or {}
    if not isinstance(data, Mapping):
        raise ValidationError("body must be a JSON object", "body")
    if not isinstance(action, str) or action not in rules.TRANSITIONS:
        raise ValidationError(f"action must be one of {', '.join(rules.TRANSITIONS)}", "action")
    reason = validation.text(data, "reason", max_len=4000)
    opd_code = validation.text(data, "opd_code", max_len=32)
    duplicate_of = validation.text(data, "duplicate_of", max_len=24)
    now = rt.clock.now()
    with rt.transaction() as (s, events):
        c = _visible(s, ticket, actor)
        try:
            previous, status = _apply(s, rt, c, action, actor, now, reason, opd_code=opd_code,
                                      duplicate_of=duplicate_of)
        except rules.TransitionError as err:
            raise Conflict(err.message, err.field) from None
        whatsapp_replies.complaint_status(s, rt, c, previous)
        s.flush()
        out = complaint_to_dict(rt, c)
        events.append(ComplaintStatusChanged(ticket, status, previous, actor.id or actor.kind))
    return out


def citizen_reopen(rt: Runtime, public_id: str, code: str, reason: str) -> dict[str, Any]:
    """The reporter reopens a resolved ticket (with the access code given at submission)."""
    if not isinstance(code, str) or not code.strip() or len(code) > 32:
        raise ValidationError("the access code is required", "code")
    with rt.session() as s:
        found = by_public_id(s, public_id)
        if found is None:
            raise NotFound("complaint not found")
        c, ticket = found, found.ticket
        if not c.citizen_code_hash or not secrets.compare_digest(
                c.citizen_code_hash, _hash_code(code)):
            raise Forbidden("wrong access code / kode akses salah", "code")
    transition(rt, ticket, "reopen", CITIZEN_ACTOR, {"reason": reason})
    view = public_view(rt, public_id)
    assert view is not None
    return view


def add_reply(rt: Runtime, ticket: str, data: Mapping[str, Any], actor: ComplaintActor
              ) -> dict[str, Any]:
    """A reply (public: the citizen sees it) or an internal note; a department's first
    public reply on a disposed ticket starts the work (in_progress)."""
    if not isinstance(data, Mapping):
        raise ValidationError("body must be a JSON object", "body")
    message = validation.text(data, "message", required=True, max_len=4000)
    public = validation.boolean(data, "public", True)
    if actor.kind not in (rules.COORDINATOR, rules.OPD):
        raise Forbidden("only staff reply to complaints")
    now = rt.clock.now()
    changed: tuple[str, str] | None = None
    with rt.transaction() as (s, events):
        c = _visible(s, ticket, actor)
        if not rules.is_open(c.status) and c.status != "resolved":
            raise Conflict(f"complaint {ticket} is {c.status}; reopen it first", "status")
        if public and actor.kind == rules.OPD and c.status == "disposed":
            changed = _apply(s, rt, c, "start", actor, now, None)
        ev = _stamp(s, c, "reply" if public else "note", actor, now, message or "",
                    public=public)
        if public:
            webhooks.enqueue(s, rt, "complaint.reply",
                             _webhook_data(rt, c, message=message,
                                           by=actor.opd_code or "coordinator"), c.ticket)
            whatsapp_replies.complaint_reply(s, rt, c, message or "")
        s.flush()
        out = _event_to_dict(rt, ev)
        if changed:
            events.append(ComplaintStatusChanged(ticket, changed[1], changed[0],
                                                 actor.id or actor.kind))
        events.append(rules.ComplaintReplied(ticket, public, actor.id or actor.kind))
    return out
