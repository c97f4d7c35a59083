"""Complaint intake: from the portal, Open311, staff, and 112 escalations."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from ...classify.router import ROUTE_MIN_CONFIDENCE, guess_opd
from ...db.models_complaints import Complaint
from ...domain import complaints as rules
from ...domain import privacy
from ...domain.events import ComplaintEscalated, Event
from .. import validation, webhooks, whatsapp_replies
from ..actors import Actor
from ..errors import Forbidden, ValidationError
from ..timeline import add_timeline
from .common import (
    _EMAIL,
    CITIZEN_ACTOR,
    SYSTEM_ACTOR,
    ComplaintActor,
    _from_incident_actor,
    _hash_code,
    _new_code,
    _next_ticket,
    _stamp,
    _webhook_data,
    calendar,
    categories,
    opd_names,
    settings,
)
from .lifecycle import _apply
from .photos import PHOTO_TYPES, _discard_photo, store_photo
from .views import summary, ticket_summary

if TYPE_CHECKING:
    from ...db.models import Incident as IncidentModel
    from ...runtime import Runtime


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


def _build(session: Session, rt: Runtime, inp: _Input, channel: str,
           actor: ComplaintActor, now: datetime, *, incident_id: int | None = None,
           kecamatan: str | None = None, kelurahan: str | None = None,
           photo: str | None = None, publish_consent: bool = True
           ) -> tuple[Complaint, rules.Routing]:
    ticket, year, seq = _next_ticket(session, rt, now)
    routing = rules.route(inp.description, rt.city.opds, inp.category,
                          (settings(rt).get("category_keywords") or None), model=guess_opd,
                          min_confidence=ROUTE_MIN_CONFIDENCE)
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
           "model": "model klasifikasi / classifier model",
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


def _creation_events(rt: Runtime, session: Session, c: Complaint, incident_id: int | None,
                     citizen_code: str | None = None) -> list[Event]:
    webhooks.enqueue(session, rt, "complaint.created",
                     _webhook_data(rt, c, previous=None), c.ticket)
    # A WhatsApp reporter hears the ticket number in the same unit of work.
    whatsapp_replies.complaint_created(session, rt, c, citizen_code)
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
    # A message channel with no operator (WhatsApp, auto-filed) was never asked: not listed.
    consent = (validation.boolean(data, "publish_consent", False) if staff
               else channel in ("web", "open311"))
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
            events.extend(_creation_events(rt, s, c, None, code))
            s.flush()
            out = summary(rt, c)
    except Exception:
        _discard_photo(rt, photo_name)
        raise
    out["citizen_code"] = code
    return out


def escalate_incident(
    session: Session, rt: Runtime, incident: IncidentModel, actor: Actor, events: list[Event],
    publish_consent: bool = False,
) -> dict[str, Any] | None:
    """Create the complaint ticket of a non-emergency incident, in the intake's unit of work
    (its events join the caller's, published after the commit)."""
    if incident.complaint_ticket:
        return ticket_summary(session, rt, incident.complaint_ticket)
    now = rt.clock.now()
    who = _from_incident_actor(actor)
    inp = _Input(incident.description, incident.lat, incident.lon, incident.address, None,
                 None, incident.caller_phone, None, None)
    # Listed publicly only when the operator asked the 112 caller and the caller agreed; its
    # public id lets the caller follow it either way.
    c, routing = _build(session, rt, inp, incident.channel, who, now, incident_id=incident.id,
                        kecamatan=incident.kecamatan, kelurahan=incident.kelurahan,
                        publish_consent=publish_consent)
    code = _new_code()
    c.citizen_code_hash = _hash_code(code)
    _staff_accept(session, rt, c, who, routing, now)
    incident.complaint_ticket = c.ticket
    opd = opd_names(rt).get(c.opd_code or "", c.opd_code)
    shown = ("boleh ditampilkan publik / may be listed publicly" if publish_consent
             else "tidak ditampilkan publik / not listed publicly")
    add_timeline(session, incident, "escalated", actor,
                 f"Diteruskan sebagai pengaduan / Escalated as complaint {c.ticket} → {opd} "
                 f"({shown})", now, ticket=c.ticket, opd_code=c.opd_code, category=c.category,
                 routing=routing.method, publish_consent=publish_consent)
    events.extend(_creation_events(rt, session, c, incident.id, code))
    session.flush()
    out = summary(rt, c)
    out["citizen_code"] = code
    return out
