"""Complaint flow use cases (SP4N-LAPOR! style): intake from every channel, routing to the
OPD, lifecycle transitions, replies, deadlines, reminders, statistics and exports.

Every change is a ComplaintEvent stamped with actor and time, written with its webhook
outbox row in one transaction; bus events are published after the commit.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import logging
import os
import re
import secrets
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from ..db.models_complaints import Complaint, ComplaintCounter, ComplaintEvent
from ..domain import citytime, privacy
from ..domain import complaints as rules
from ..domain.events import ComplaintEscalated, ComplaintStatusChanged, Event
from ..domain.workdays import WorkCalendar
from . import validation, webhooks
from .actors import Actor
from .errors import Conflict, Forbidden, NotFound, ValidationError
from .timeline import add_timeline

if TYPE_CHECKING:
    from ..db.models import Incident as IncidentModel
    from ..runtime import Runtime

log = logging.getLogger(__name__)

DEFAULT_SETTINGS: Mapping[str, Any] = {
    "verify_working_days": 3,
    "followup_working_days": 5,
    "reopen_days": 14,
    "ticket_prefix": "SGA",
    "reminder_every_hours": 24,
}
MAX_PHOTO_BYTES = 5 * 1024 * 1024
PHOTO_TYPES: Mapping[str, str] = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}
_PHOTO_NAME = re.compile(r"^[0-9a-f]{32}\.(jpg|png|webp)$")
_EMAIL = re.compile(r"^[^@\s<>]{1,64}@[A-Za-z0-9.-]{1,190}\.[A-Za-z]{2,24}$")
_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read over the phone


# ----------------------------------------------------------------------------- actors


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


# ----------------------------------------------------------------------------- settings


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


def upload_dir(rt: Runtime) -> Path:
    """Where complaint photos are kept (SIAGA_UPLOAD_DIR, default var/uploads)."""
    return rt.photos.complaints_dir


# ----------------------------------------------------------------------------- helpers


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


# ----------------------------------------------------------------------------- views


def summary(rt: Runtime, c: Complaint) -> dict[str, Any]:
    """The short form of a ticket (shown with its incident, returned on creation)."""
    now = rt.clock.now()
    return {
        "ticket": c.ticket,
        "public_id": c.public_id,
        "publish_consent": c.publish_consent,
        "status": c.status,
        "status_label": rules.STATUS_LABELS.get(c.status, c.status),
        "category": c.category,
        "category_name": rules.category_name(c.category),
        "opd_code": c.opd_code,
        "opd_name": opd_names(rt).get(c.opd_code or ""),
        "routing": c.routing,
        "channel": c.channel,
        "created_at": _iso(c.created_at),
        "verify_due_at": _iso(c.verify_due_at),
        "due_at": _iso(c.due_at),
        "overdue": is_overdue(c, now),
        "public_url": public_path(c.public_id or c.ticket),
        "incident_id": c.incident_id,
    }


def _event_to_dict(rt: Runtime, ev: ComplaintEvent) -> dict[str, Any]:
    return {
        "id": ev.id,
        "ts": ev.ts.isoformat(),
        "kind": ev.kind,
        "status_from": ev.status_from,
        "status_to": ev.status_to,
        "actor_type": ev.actor_type,
        "actor_id": ev.actor_id,
        "actor_opd": ev.actor_opd,
        "message": ev.message,
        "public": ev.public,
        "data": ev.data,
    }


def complaint_to_dict(rt: Runtime, c: Complaint, with_events: bool = True) -> dict[str, Any]:
    """The staff view of a ticket, personal data included."""
    data = summary(rt, c)
    data.update({
        "description": c.description,
        "lat": c.lat,
        "lon": c.lon,
        "address": c.address,
        "kecamatan": c.kecamatan,
        "kelurahan": c.kelurahan,
        "reporter": {"name": c.reporter_name, "phone": c.reporter_phone,
                     "email": c.reporter_email},
        "has_photo": bool(c.photo_path),
        "media_url": c.media_url,
        "duplicate_of": c.duplicate_of,
        "reject_reason": c.reject_reason,
        "decided_by": c.decided_by,
        "reopen_count": c.reopen_count,
        "verified_at": _iso(c.verified_at),
        "disposed_at": _iso(c.disposed_at),
        "in_progress_at": _iso(c.in_progress_at),
        "resolved_at": _iso(c.resolved_at),
        "closed_at": _iso(c.closed_at),
        "reopened_at": _iso(c.reopened_at),
        "updated_at": _iso(c.updated_at),
        "last_reminder_at": _iso(c.last_reminder_at),
    })
    if with_events:
        data["events"] = [_event_to_dict(rt, e) for e in c.events]
    return data


def _public_by(rt: Runtime, ev: ComplaintEvent) -> str:
    if ev.actor_type == rules.CITIZEN:
        return "Pelapor / Reporter"
    if ev.actor_type == rules.SYSTEM:
        return "Sistem / System"
    if ev.actor_type == rules.OPD and ev.actor_opd:
        return opd_names(rt).get(ev.actor_opd, ev.actor_opd)
    return rt.city.coordinator().name


def public_view(rt: Runtime, public_id: str) -> dict[str, Any] | None:
    """What anyone holding the public id may see of a ticket: status, masked text, area."""
    now = rt.clock.now()
    with rt.session() as s:
        c = by_public_id(s, public_id)
        if c is None:
            return None
        lat, lon = rules.anonymise_point(c.lat, c.lon)
        reopen_until = (c.resolved_at + timedelta(days=int(settings(rt)["reopen_days"]))
                        if c.resolved_at else None)
        events = []
        for ev in c.events:
            if ev.kind == "status" or (ev.kind == "reply" and ev.public):
                events.append({
                    "ts": ev.ts.isoformat(),
                    "kind": ev.kind,
                    "status": ev.status_to,
                    "status_label": rules.STATUS_LABELS.get(ev.status_to or "", ""),
                    "message": public_text(c, ev.message) if ev.public else "",
                    "by": _public_by(rt, ev),
                })
        return {
            "ticket": c.public_id,
            "status": c.status,
            "status_label": rules.STATUS_LABELS.get(c.status, c.status),
            "open311_status": rules.open311_status(c.status),
            "category": c.category,
            "category_name": rules.category_name(c.category),
            "opd_name": opd_names(rt).get(c.opd_code or ""),
            "channel": c.channel,
            "description": public_text(c, c.description),
            "kecamatan": c.kecamatan,
            "kelurahan": c.kelurahan,
            "lat": lat,
            "lon": lon,
            "created_at": _iso(c.created_at),
            "verified_at": _iso(c.verified_at),
            "due_at": _iso(c.due_at),
            "resolved_at": _iso(c.resolved_at),
            "overdue": is_overdue(c, now),
            "can_reopen": bool(c.status in ("resolved", "closed") and reopen_until
                               and now <= reopen_until and c.citizen_code_hash),
            "reopen_until": _iso(reopen_until),
            "events": events,
        }


def public_map(rt: Runtime, days: int = 90, limit: int = 2000) -> dict[str, Any]:
    """Anonymised GeoJSON of recent complaints: rounded points, category, status, day."""
    since = rt.clock.now() - timedelta(days=days)
    features = []
    with rt.session() as s:
        rows = s.execute(
            select(Complaint.public_id, Complaint.lat, Complaint.lon, Complaint.category,
                   Complaint.status, Complaint.created_at)
            .where(Complaint.created_at >= since, Complaint.lat.is_not(None),
                   publicly_listed())
            .order_by(Complaint.created_at.desc()).limit(limit)
        ).all()
    tz = ZoneInfo(rt.city.timezone)
    for r in rows:
        lat, lon = rules.anonymise_point(r.lat, r.lon)
        features.append({
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": {
                "ticket": r.public_id,
                "category": r.category,
                "category_name": rules.category_name(r.category),
                "status": r.status,
                "status_label": rules.STATUS_LABELS.get(r.status, r.status),
                "date": r.created_at.astimezone(tz).date().isoformat(),
            },
        })
    return {"type": "FeatureCollection", "features": features}


# ----------------------------------------------------------------------------- intake


@dataclass(frozen=True)
class _Input:
    description: str
    lat: float | None
    lon: float | None
    address: str | None
    category: str | None
    name: str | None
    phone: str | None
    email: str | None
    media_url: str | None


def _parse_input(rt: Runtime, data: Mapping[str, Any]) -> _Input:
    if not isinstance(data, Mapping):
        raise ValidationError("body must be a JSON object", "body")
    description = validation.text(data, "description", required=True, max_len=4000)
    assert description is not None
    if len(description) < 5:
        raise ValidationError("description must have at least 5 characters", "description")
    lat = validation.number(data, "lat", lo=-90, hi=90)
    lon = validation.number(data, "lon", lo=-180, hi=180)
    if (lat is None) != (lon is None):
        raise ValidationError("give both lat and lon, or neither", "lat" if lat is None else "lon")
    address = validation.text(data, "address", max_len=500)
    if lat is None and not address:
        raise ValidationError("a location is required: lat/lon or an address", "location")
    category = validation.text(data, "category", max_len=32)
    if category and category not in {c["code"] for c in categories(rt)}:
        raise ValidationError(f"unknown category {category!r}", "category")
    name = validation.text(data, "reporter_name", max_len=128)
    phone = validation.phone(data, "reporter_phone")
    email = validation.text(data, "reporter_email", max_len=254)
    if email and not _EMAIL.match(email):
        raise ValidationError("reporter_email must be an e-mail address", "reporter_email")
    media_url = validation.text(data, "media_url", max_len=500)
    if media_url and not re.match(r"^https?://[^\s<>\"']+$", media_url):
        raise ValidationError("media_url must be an http(s) URL", "media_url")
    return _Input(description, lat, lon, address, category, name, phone, email, media_url)


def sniff_photo(data: bytes) -> str | None:
    """The photo's type from its magic bytes (jpg, png, webp), or None."""
    if data[:3] == b"\xff\xd8\xff":
        return "jpg"
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "png"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return None


def store_photo(rt: Runtime, data: bytes) -> str:
    """Check a photo (≤ 5 MB, JPEG/PNG/WebP by content) and store it under a random name."""
    if not data:
        raise ValidationError("the photo is empty", "photo")
    if len(data) > MAX_PHOTO_BYTES:
        raise ValidationError("the photo must be at most 5 MB", "photo")
    kind = sniff_photo(data)
    if kind is None:
        raise ValidationError("the photo must be a JPEG, PNG or WebP image", "photo")
    folder = upload_dir(rt)
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{secrets.token_hex(16)}.{kind}"
    fd = os.open(folder / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    return name


def _discard_photo(rt: Runtime, name: str | None) -> None:
    if name and _PHOTO_NAME.match(name):
        with contextlib.suppress(OSError):
            (upload_dir(rt) / name).unlink()


def _build(session: Session, rt: Runtime, inp: _Input, channel: str,
           actor: ComplaintActor, now: datetime, *, incident_id: int | None = None,
           kecamatan: str | None = None, kelurahan: str | None = None,
           photo: str | None = None, publish_consent: bool = True
           ) -> tuple[Complaint, rules.Routing]:
    ticket, year, seq = _next_ticket(session, rt, now)
    routing = rules.route(inp.description, rt.city.opds, inp.category,
                          (settings(rt).get("category_keywords") or None))
    if inp.lat is not None and inp.lon is not None and kecamatan is None:
        loc = rt.districts.locate(inp.lat, inp.lon)
        kecamatan, kelurahan = loc.kecamatan, loc.kelurahan
    cfg = settings(rt)
    c = Complaint(
        ticket=ticket, public_id=privacy.new_public_id(), publish_consent=publish_consent,
        year=year, seq=seq, incident_id=incident_id, status="received",
        category=routing.category, opd_code=routing.opd_code, routing=routing.method,
        channel=channel, description=inp.description, lat=inp.lat, lon=inp.lon,
        address=inp.address, kecamatan=kecamatan, kelurahan=kelurahan,
        reporter_name=inp.name, reporter_phone=inp.phone, reporter_email=inp.email,
        photo_path=photo, photo_type=PHOTO_TYPES.get(photo.rsplit(".", 1)[-1]) if photo else None,
        media_url=inp.media_url, reopen_count=0, created_by=actor.user_id,
        created_at=now, updated_at=now,
        verify_due_at=calendar(rt).add_working_days(now, int(cfg["verify_working_days"])),
    )
    session.add(c)
    session.flush()
    how = {"category": "kategori / category", "keyword": "kata kunci / keywords",
           "manual": "tidak cocok, ke koordinator / no match, to the coordinator"}[routing.method]
    _stamp(session, c, "status", actor, now, "Pengaduan diterima / Complaint received",
           public=True, status_to="received", channel=channel)
    _stamp(session, c, "routed", SYSTEM_ACTOR, now,
           f"Usulan OPD / Proposed department: {routing.opd_code} ({how})",
           opd_code=routing.opd_code, category=routing.category, method=routing.method,
           matched=list(routing.matched))
    return c, routing


def _staff_accept(session: Session, rt: Runtime, c: Complaint, actor: ComplaintActor,
                  routing: rules.Routing, now: datetime) -> None:
    # Staff took the report themselves (a 112 call, WhatsApp, SMS 1708, walk-in): that is
    # the verification; a matched OPD gets it at once, a non-match waits for the coordinator.
    _apply(session, rt, c, "verify", actor, now, None)
    if not routing.manual:
        _apply(session, rt, c, "dispose", actor, now, None, opd_code=routing.opd_code)


def _creation_events(rt: Runtime, session: Session, c: Complaint, incident_id: int | None
                     ) -> list[Event]:
    webhooks.enqueue(session, rt, "complaint.created",
                     _webhook_data(rt, c, previous=None), c.ticket)
    events: list[Event] = [rules.ComplaintCreated(c.ticket, c.channel, c.opd_code, c.category,
                                                  incident_id)]
    if incident_id is not None:
        events.append(ComplaintEscalated(incident_id, c.ticket, c.opd_code or ""))
    return events


def create_complaint(
    rt: Runtime,
    data: Mapping[str, Any],
    channel: str,
    actor: ComplaintActor | None = None,
    photo: bytes | None = None,
) -> dict[str, Any]:
    """A new complaint from the web form, Open311 or an operator (WhatsApp, SMS, walk-in).

    Citizen channels (web, open311) wait for verification; staff entry is verified (and
    disposed when routing matched) at once. Returns the ticket with the citizen's access
    code, shown once.
    """
    if channel not in rules.CHANNELS:
        raise ValidationError(f"channel must be one of {', '.join(rules.CHANNELS)}", "channel")
    inp = _parse_input(rt, data)
    staff = actor is not None and actor.kind == rules.COORDINATOR
    if actor is not None and actor.kind == rules.OPD:
        raise Forbidden("departments answer complaints; they do not file them")
    # Filed on the public portal or Open311: public once verified. Taken by staff (phone,
    # WhatsApp, walk-in): only when the reporter agreed, recorded as publish_consent.
    consent = validation.boolean(data, "publish_consent", False) if staff else True
    photo_name = store_photo(rt, photo) if photo is not None else None
    now = rt.clock.now()
    code = _new_code()
    who = actor or CITIZEN_ACTOR
    try:
        with rt.transaction() as (s, events):
            c, routing = _build(s, rt, inp, channel, who, now, photo=photo_name,
                                publish_consent=consent)
            c.citizen_code_hash = _hash_code(code)
            if staff:
                _staff_accept(s, rt, c, who, routing, now)
            events.extend(_creation_events(rt, s, c, None))
            s.flush()
            out = summary(rt, c)
    except Exception:
        _discard_photo(rt, photo_name)
        raise
    out["citizen_code"] = code
    return out


def escalate_incident(
    session: Session, rt: Runtime, incident: IncidentModel, actor: Actor, events: list[Event]
) -> dict[str, Any] | None:
    """Create the complaint ticket of a non-emergency incident, in the intake's unit of work
    (its events join the caller's, published after the commit)."""
    if incident.complaint_ticket:
        return ticket_summary(session, rt, incident.complaint_ticket)
    now = rt.clock.now()
    who = _from_incident_actor(actor)
    inp = _Input(incident.description, incident.lat, incident.lon, incident.address, None,
                 None, incident.caller_phone, None, None)
    # A 112 caller is not asked about publication: the ticket is never listed publicly
    # (its public id still lets the caller follow it).
    c, routing = _build(session, rt, inp, incident.channel, who, now, incident_id=incident.id,
                        kecamatan=incident.kecamatan, kelurahan=incident.kelurahan,
                        publish_consent=False)
    code = _new_code()
    c.citizen_code_hash = _hash_code(code)
    _staff_accept(session, rt, c, who, routing, now)
    incident.complaint_ticket = c.ticket
    opd = opd_names(rt).get(c.opd_code or "", c.opd_code)
    add_timeline(session, incident, "escalated", actor,
                 f"Diteruskan sebagai pengaduan / Escalated as complaint {c.ticket} → {opd}",
                 now, ticket=c.ticket, opd_code=c.opd_code, category=c.category,
                 routing=routing.method)
    events.extend(_creation_events(rt, session, c, incident.id))
    session.flush()
    out = summary(rt, c)
    out["citizen_code"] = code
    return out


def ticket_summary(session: Session, rt: Runtime, ticket: str | None) -> dict[str, Any] | None:
    """The short form of a ticket shown with its incident."""
    if not ticket:
        return None
    c = session.scalar(select(Complaint).where(Complaint.ticket == ticket))
    return summary(rt, c) if c is not None else {"ticket": ticket}


# ----------------------------------------------------------------------------- lifecycle


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
        s.flush()
        out = _event_to_dict(rt, ev)
        if changed:
            events.append(ComplaintStatusChanged(ticket, changed[1], changed[0],
                                                 actor.id or actor.kind))
        events.append(rules.ComplaintReplied(ticket, public, actor.id or actor.kind))
    return out


def get_complaint(rt: Runtime, ticket: str, actor: ComplaintActor) -> dict[str, Any]:
    """The staff view of one ticket (a department only its own)."""
    with rt.session() as s:
        c = _visible(s, ticket, actor)
        out = complaint_to_dict(rt, c)
    out["actions"] = [
        {"action": t.action, "label": t.label, "needs_reason": t.needs_reason}
        for t in rules.allowed_actions(out["status"], actor.kind)
        if t.action != "reopen" or actor.kind == rules.COORDINATOR
    ]
    return out


def photo_file(rt: Runtime, ticket: str, actor: ComplaintActor) -> tuple[Path, str]:
    """The stored photo of a ticket and its content type (staff who may see the ticket)."""
    with rt.session() as s:
        c = _visible(s, ticket, actor)
        name, mime = c.photo_path, c.photo_type
    if not name or not _PHOTO_NAME.match(name) or not mime:
        raise NotFound("this complaint has no photo")
    path = upload_dir(rt) / name
    if not path.is_file():
        raise NotFound("the photo file is missing")
    return path, mime


def list_complaints(
    rt: Runtime,
    actor: ComplaintActor,
    status: str | None = None,
    opd_code: str | None = None,
    overdue: bool = False,
    limit: int = 200,
) -> list[dict[str, Any]]:
    """Tickets the actor may see, newest first; `status=open` means any open status."""
    if status not in (None, "open", "all", *rules.STATUSES):
        raise ValidationError("unknown status", "status")
    now = rt.clock.now()
    with rt.session() as s:
        q = select(Complaint).order_by(Complaint.created_at.desc(), Complaint.id.desc())
        if actor.kind == rules.OPD:
            q = q.where(Complaint.opd_code == (actor.opd_code or ""),
                        Complaint.disposed_at.is_not(None))
        elif actor.kind != rules.COORDINATOR:
            return []
        if opd_code:
            q = q.where(Complaint.opd_code == opd_code)
        if status == "open":
            q = q.where(Complaint.status.in_(rules.OPEN_STATUSES))
        elif status and status != "all":
            q = q.where(Complaint.status == status)
        if overdue:
            q = q.where(or_(
                (Complaint.status == "received") & (Complaint.verify_due_at < now),
                Complaint.status.in_(("verified", "disposed", "in_progress"))
                & (Complaint.due_at < now),
            ))
        rows = s.scalars(q.limit(max(1, min(limit, 2000)))).all()
        return [complaint_to_dict(rt, c, with_events=False) for c in rows]


# ----------------------------------------------------------------------------- deadlines


def scan_overdue(rt: Runtime) -> dict[str, list[str]]:
    """Remind about overdue tickets (at most once per `reminder_every_hours`) and close
    resolved tickets whose reopen window has passed."""
    cfg = settings(rt)
    now = rt.clock.now()
    every = timedelta(hours=float(cfg["reminder_every_hours"]))
    reminded: list[str] = []
    closed: list[str] = []
    with rt.transaction() as (s, events):
        candidates = s.scalars(select(Complaint).where(or_(
            (Complaint.status == "received") & (Complaint.verify_due_at < now),
            Complaint.status.in_(("verified", "disposed", "in_progress"))
            & (Complaint.due_at < now),
        ))).all()
        for c in candidates:
            if c.last_reminder_at is not None and now - c.last_reminder_at < every:
                continue
            kind = "verification" if c.status == "received" else "followup"
            due = c.verify_due_at if kind == "verification" else c.due_at
            assert due is not None
            c.last_reminder_at = now
            who = c.opd_code if kind == "followup" and c.status != "verified" else "coordinator"
            _stamp(s, c, "reminder", SYSTEM_ACTOR, now,
                   f"Lewat batas waktu / Overdue ({kind}) sejak / since "
                   f"{citytime.format_datetime(due, rt.city.tz)}; "
                   f"pengingat ke / reminder to {who}", deadline=kind, to=who)
            webhooks.enqueue(s, rt, "complaint.overdue",
                             _webhook_data(rt, c, kind=kind, remind=who), c.ticket)
            reminded.append(c.ticket)
            events.append(rules.ComplaintOverdue(c.ticket, c.opd_code, due.isoformat(), kind))
        window = timedelta(days=int(cfg["reopen_days"]))
        for c in s.scalars(select(Complaint).where(Complaint.status == "resolved",
                                                   Complaint.resolved_at < now - window)):
            previous, status = _apply(s, rt, c, "close", SYSTEM_ACTOR, now,
                                      "Ditutup otomatis setelah masa sanggah / "
                                      "Closed automatically after the reopen window")
            closed.append(c.ticket)
            events.append(ComplaintStatusChanged(c.ticket, status, previous, "system"))
    return {"reminded": reminded, "closed": closed}


def opd_stats(rt: Runtime, start: datetime | None = None, end: datetime | None = None
              ) -> list[dict[str, Any]]:
    """Per OPD: open and overdue tickets now; resolved in [start, end) with the average
    follow-up time (working days from verification to resolution) and the share resolved
    within the deadline."""
    now = rt.clock.now()
    cal = calendar(rt)
    stats: dict[str, dict[str, Any]] = {
        o.code: {"opd_code": o.code, "opd_name": o.name, "open": 0, "overdue": 0,
                 "resolved": 0, "_days": [], "_within": 0}
        for o in rt.city.opds
    }
    with rt.session() as s:
        for c in s.scalars(select(Complaint).where(Complaint.status.in_(rules.OPEN_STATUSES))):
            row = stats.get(c.opd_code or "")
            if row is None:
                continue
            row["open"] += 1
            row["overdue"] += is_overdue(c, now)
        q = select(Complaint).where(Complaint.resolved_at.is_not(None),
                                    Complaint.verified_at.is_not(None))
        if start is not None:
            q = q.where(Complaint.resolved_at >= start)
        if end is not None:
            q = q.where(Complaint.resolved_at < end)
        for c in s.scalars(q):
            row = stats.get(c.opd_code or "")
            if row is None or c.resolved_at is None or c.verified_at is None:
                continue
            row["resolved"] += 1
            row["_days"].append(cal.working_days_between(c.verified_at, c.resolved_at))
            row["_within"] += bool(c.due_at and c.resolved_at <= c.due_at)
    out = []
    for row in stats.values():
        days = row.pop("_days")
        within = row.pop("_within")
        row["avg_followup_days"] = round(sum(days) / len(days), 2) if days else None
        row["within_deadline_share"] = round(within / len(days), 3) if days else None
        out.append(row)
    return out


# ----------------------------------------------------------------------------- exports

EXPORT_FIELDS: tuple[str, ...] = (
    "ticket", "created_at", "channel", "category", "category_name", "opd_code", "opd_name",
    "status", "description", "kecamatan", "kelurahan", "lat", "lon", "verified_at",
    "disposed_at", "due_at", "resolved_at", "closed_at", "overdue", "followup_working_days",
    "last_reply", "reject_reason", "duplicate_of", "incident_id",
)


def export_rows(rt: Runtime, start: datetime | None = None, end: datetime | None = None
                ) -> list[dict[str, Any]]:
    """Tickets created in [start, end) in the shape an SP4N-LAPOR! upload needs; the
    reporter's personal data stays out. Times are on the city's clock, with its offset."""
    now = rt.clock.now()
    tz = rt.city.tz

    def _local(at: datetime | None) -> str | None:
        return citytime.iso_local(at, tz)

    cal = calendar(rt)
    names = opd_names(rt)
    rows = []
    with rt.session() as s:
        q = select(Complaint).order_by(Complaint.created_at, Complaint.id)
        if start is not None:
            q = q.where(Complaint.created_at >= start)
        if end is not None:
            q = q.where(Complaint.created_at < end)
        for c in s.scalars(q):
            replies = [e.message for e in c.events if e.kind == "reply" and e.public]
            rows.append({
                "ticket": c.ticket,
                "created_at": _local(c.created_at),
                "channel": c.channel,
                "category": c.category,
                "category_name": rules.category_name(c.category),
                "opd_code": c.opd_code,
                "opd_name": names.get(c.opd_code or ""),
                "status": c.status,
                "description": c.description,
                "kecamatan": c.kecamatan,
                "kelurahan": c.kelurahan,
                "lat": c.lat,
                "lon": c.lon,
                "verified_at": _local(c.verified_at),
                "disposed_at": _local(c.disposed_at),
                "due_at": _local(c.due_at),
                "resolved_at": _local(c.resolved_at),
                "closed_at": _local(c.closed_at),
                "overdue": is_overdue(c, now),
                "followup_working_days": (
                    round(cal.working_days_between(c.verified_at, c.resolved_at), 2)
                    if c.verified_at and c.resolved_at else None),
                "last_reply": replies[-1] if replies else None,
                "reject_reason": c.reject_reason,
                "duplicate_of": c.duplicate_of,
                "incident_id": c.incident_id,
            })
    return rows


def _csv_safe(value: Any) -> Any:
    # A cell starting with = + - @ is a formula in a spreadsheet: neutralise it.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def export_csv(rt: Runtime, start: datetime | None = None, end: datetime | None = None) -> str:
    """The export as CSV (UTF-8, header row, formula-safe cells)."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(EXPORT_FIELDS), extrasaction="ignore")
    writer.writeheader()
    for row in export_rows(rt, start, end):
        writer.writerow({k: _csv_safe(v) for k, v in row.items()})
    return buf.getvalue()


def count_by_status(rt: Runtime) -> dict[str, int]:
    """How many tickets are in each status."""
    with rt.session() as s:
        rows = s.execute(select(Complaint.status, func.count()).group_by(Complaint.status)).all()
    return {status: int(n) for status, n in rows}


def incident_for(rt: Runtime, ticket: str) -> int | None:
    """The incident a ticket came from, if any."""
    with rt.session() as s:
        return s.scalar(select(Complaint.incident_id).where(Complaint.ticket == ticket))


# ----------------------------------------------------------------------------- background


class ComplaintTimers:
    """Background pass over deadlines: reminders and automatic closing (every `every_s`)."""

    def __init__(self, rt: Runtime, every_s: float = 300.0,
                 scan: Callable[[Runtime], Any] = scan_overdue) -> None:
        self.rt = rt
        self.every_s = every_s
        self._scan = scan
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Begin the periodic scan."""
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="complaint-timers",
                                            daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Stop scanning."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(10)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.is_set():
            if not self.rt.leadership.held():
                # Another process leads and sends the reminders; look again soon, in case
                # it dies.
                self._stop.wait(min(self.every_s, 5.0))
                continue
            try:
                self._scan(self.rt)
            except Exception:
                log.exception("complaint deadline scan failed")
            self._stop.wait(self.every_s)


