"""Complaints as the API, the tracking page and the public map show them."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from ...db.models_complaints import Complaint, ComplaintEvent
from ...domain import complaints as rules
from ..errors import ValidationError
from .common import (
    ComplaintActor,
    _iso,
    _visible,
    by_public_id,
    is_overdue,
    opd_names,
    public_path,
    public_text,
    publicly_listed,
    settings,
)

if TYPE_CHECKING:
    from ...runtime import Runtime


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


def ticket_summary(session: Session, rt: Runtime, ticket: str | None) -> dict[str, Any] | None:
    """The short form of a ticket shown with its incident."""
    if not ticket:
        return None
    c = session.scalar(select(Complaint).where(Complaint.ticket == ticket))
    return summary(rt, c) if c is not None else {"ticket": ticket}


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


def count_by_status(rt: Runtime) -> dict[str, int]:
    """How many tickets are in each status."""
    with rt.session() as s:
        rows = s.execute(select(Complaint.status, func.count()).group_by(Complaint.status)).all()
    return {status: int(n) for status, n in rows}


def incident_for(rt: Runtime, ticket: str) -> int | None:
    """The incident a ticket came from, if any."""
    with rt.session() as s:
        return s.scalar(select(Complaint.incident_id).where(Complaint.ticket == ticket))
