"""Complaints: settings, actors, ticket numbers, stamps, visibility — what every part shares."""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...db.models_complaints import Complaint, ComplaintCounter, ComplaintEvent
from ...domain import complaints as rules
from ...domain import privacy
from ...domain.workdays import WorkCalendar
from .. import webhooks
from ..actors import Actor
from ..errors import Forbidden, NotFound

if TYPE_CHECKING:
    from ...runtime import Runtime


log = logging.getLogger(__name__)


DEFAULT_SETTINGS: Mapping[str, Any] = {
    "verify_working_days": 3,
    "followup_working_days": 5,
    "reopen_days": 14,
    "ticket_prefix": "SGA",
    "reminder_every_hours": 24,
}


_EMAIL = re.compile(r"^[^@\s<>]{1,64}@[A-Za-z0-9.-]{1,190}\.[A-Za-z]{2,24}$")


_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read over the phone


@dataclass(frozen=True)
class ComplaintActor:
    """Who acts on a complaint: coordinator, opd (bound to opd_code), citizen or system."""

    kind: str
    id: str | None = None
    opd_code: str | None = None
    user_id: int | None = None


SYSTEM_ACTOR = ComplaintActor(rules.SYSTEM, "siaga112")


CITIZEN_ACTOR = ComplaintActor(rules.CITIZEN, "pelapor")


def staff_actor(rt: Runtime, role: str, username: str, user_id: int | None = None,
                opd_code: str | None = None) -> ComplaintActor:
    """The complaint actor of a logged-in user: command-center staff and the coordinating
    OPD coordinate; other agency users act for their OPD only."""
    if role in ("operator", "supervisor", "admin"):
        return ComplaintActor(rules.COORDINATOR, username, None, user_id)
    if role == "agency":
        if opd_code and opd_code == rt.city.coordinator().code:
            return ComplaintActor(rules.COORDINATOR, username, opd_code, user_id)
        return ComplaintActor(rules.OPD, username, opd_code, user_id)
    raise Forbidden(f"role {role} has no part in the complaint flow")


def _from_incident_actor(actor: Actor) -> ComplaintActor:
    if actor.type == "system":
        return ComplaintActor(rules.SYSTEM, actor.id)
    return ComplaintActor(rules.COORDINATOR, actor.id, None, actor.user_id)


def settings(rt: Runtime) -> dict[str, Any]:
    """The city pack's complaint settings over the defaults."""
    out = dict(DEFAULT_SETTINGS)
    out.update(dict(rt.city.settings.get("complaint") or {}))
    return out


def calendar(rt: Runtime) -> WorkCalendar:
    """The city's working-day calendar (its holidays, its time zone)."""
    return rt.calendar


def opd_names(rt: Runtime) -> dict[str, str]:
    """OPD code → name."""
    return {o.code: o.name for o in rt.city.opds}


def categories(rt: Runtime) -> list[dict[str, Any]]:
    """Every complaint category of the city pack with its OPD (for forms and Open311)."""
    out = []
    for opd in rt.city.opds:
        for cat in opd.categories:
            out.append({"code": cat, "name": rules.category_name(cat), "opd_code": opd.code,
                        "opd_name": opd.name, "keywords": list(opd.keywords)})
    return out


def _hash_code(code: str) -> str:
    return hashlib.sha256(code.strip().upper().encode()).hexdigest()


def _new_code() -> str:
    return "".join(secrets.choice(_CODE_ALPHABET) for _ in range(8))


def _next_ticket(session: Session, rt: Runtime, now: datetime) -> tuple[str, int, int]:
    """The next ticket number of the (local) year; safe under concurrency.

    One upsert: the year's counter row is created at 1 or incremented, and the new value
    returned. PostgreSQL row-locks it until commit, SQLite holds its write lock, so two
    transactions never get the same number.
    """
    year = now.astimezone(ZoneInfo(rt.city.timezone)).year
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    stmt = dialect_insert(ComplaintCounter).values(year=year, last=1)
    seq = session.execute(
        stmt.on_conflict_do_update(index_elements=["year"],
                                   set_={"last": ComplaintCounter.last + 1})
        .returning(ComplaintCounter.last)
    ).scalar_one()
    prefix = str(settings(rt)["ticket_prefix"])
    return rules.format_ticket(prefix, year, seq), year, seq


def _stamp(session: Session, c: Complaint, kind: str, actor: ComplaintActor, at: datetime,
           message: str = "", public: bool = False, status_from: str | None = None,
           status_to: str | None = None, **data: Any) -> ComplaintEvent:
    ev = ComplaintEvent(
        complaint_id=c.id, ts=at, kind=kind, status_from=status_from, status_to=status_to,
        actor_type=actor.kind, actor_id=actor.id, actor_opd=actor.opd_code, message=message,
        public=public, data=data,
    )
    session.add(ev)
    c.updated_at = at
    return ev


def _webhook_data(rt: Runtime, c: Complaint, **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "ticket": c.ticket,
        "status": c.status,
        "open311_status": rules.open311_status(c.status),
        "category": c.category,
        "opd_code": c.opd_code,
        "opd_name": opd_names(rt).get(c.opd_code or ""),
        "channel": c.channel,
        "incident_id": c.incident_id,
        "due_at": _iso(c.due_at),
        "public_url": public_path(c.public_id or c.ticket),
    }
    config = webhooks.get_config(rt)
    if config is not None and config.include_contact:
        # Only when the operator of the bridge (e.g. to WhatsApp) explicitly asks for it.
        data["reporter"] = {"name": c.reporter_name, "phone": c.reporter_phone,
                            "email": c.reporter_email}
    data.update(extra)
    return data


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at else None


def public_path(public_id: str) -> str:
    """The public tracking page of a ticket (relative URL, by its unguessable public id)."""
    return f"/lapor/{public_id}"


def by_public_id(session: Session, public_id: str) -> Complaint | None:
    """The ticket with this public id (any spelling a person types), or None."""
    pid = privacy.normalize_public_id(public_id)
    if pid is None:
        return None
    return session.scalar(select(Complaint).where(Complaint.public_id == pid))


def public_text(c: Complaint, text: str) -> str:
    """`text` of ticket `c` as the public may read it (personal data masked)."""
    return rules.redact(text, (c.reporter_name, c.reporter_email))


def publicly_listed() -> Any:
    """The filter of tickets that public listings may show: verified, not rejected, not a
    duplicate, and (for staff-taken reports such as 112 calls) with the caller's consent."""
    return ((Complaint.verified_at.is_not(None))
            & Complaint.status.not_in(("rejected", "duplicate", "archived"))
            & Complaint.publish_consent.is_(True) & Complaint.public_id.is_not(None))


def is_overdue(c: Complaint, now: datetime) -> bool:
    """Past the verification deadline while unverified, or past the follow-up deadline while open."""
    if c.status == "received":
        return bool(c.verify_due_at and now > c.verify_due_at)
    if c.status in ("verified", "disposed", "in_progress"):
        return bool(c.due_at and now > c.due_at)
    return False


def _get(session: Session, ticket: str) -> Complaint:
    if not isinstance(ticket, str) or not rules.valid_ticket(ticket):
        raise NotFound(f"complaint {str(ticket)[:40]!r} not found")
    c = session.scalar(select(Complaint).where(Complaint.ticket == ticket))
    if c is None:
        raise NotFound(f"complaint {ticket} not found")
    return c


def can_see(c: Complaint, actor: ComplaintActor) -> bool:
    """Coordinators see every ticket; a department sees the tickets disposed to it."""
    if actor.kind in (rules.COORDINATOR, rules.SYSTEM, rules.CITIZEN):
        # A citizen only ever acts after proving the ticket's access code.
        return True
    if actor.kind == rules.OPD:
        return bool(actor.opd_code) and c.opd_code == actor.opd_code and c.disposed_at is not None
    return False


def _visible(session: Session, ticket: str, actor: ComplaintActor) -> Complaint:
    c = _get(session, ticket)
    if not can_see(c, actor):
        # Not 403: a department must not even learn that another's ticket exists.
        raise NotFound(f"complaint {ticket} not found")
    return c
