"""Open311 GeoReport v2 on top of the complaint flow: services are complaint categories,
service requests are complaint tickets (public fields only, points rounded to ~110 m)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from ..db.models_complaints import Complaint
from ..domain import citytime, privacy
from ..domain import complaints as rules
from . import complaints
from .errors import ServiceError

if TYPE_CHECKING:
    from ..runtime import Runtime

MAX_RESULTS = 1000
DEFAULT_WINDOW = timedelta(days=90)


class Open311Error(ServiceError):
    """An error in the GeoReport shape: [{"code": status, "description": ...}]."""

    def __init__(self, status: int, description: str, field: str | None = None) -> None:
        super().__init__(description, field)
        self.status = status
        self.code = "open311"


def services(rt: Runtime) -> list[dict[str, Any]]:
    """GET services: one service per complaint category."""
    return [
        {
            "service_code": cat["code"],
            "service_name": cat["name"],
            "description": f"{cat['name']} — {cat['opd_name']}",
            "metadata": False,
            "type": "realtime",
            "keywords": ", ".join(cat["keywords"]),
            "group": cat["opd_name"],
        }
        for cat in complaints.categories(rt)
    ]


def service_definition(rt: Runtime, code: str) -> dict[str, Any]:
    """GET services/<code>: no extra attributes are asked for any service."""
    if code not in {c["code"] for c in complaints.categories(rt)}:
        raise Open311Error(404, f"service_code {code[:40]!r} not found", "service_code")
    return {"service_code": code, "attributes": []}


def _float(form: Mapping[str, Any], name: str) -> float | None:
    raw = form.get(name)
    if raw in (None, ""):
        return None
    try:
        return float(str(raw).strip())
    except ValueError:
        raise Open311Error(400, f"{name} must be a number", name) from None


def create_request(rt: Runtime, form: Mapping[str, Any]) -> list[dict[str, Any]]:
    """POST requests (form fields of the spec; the api_key is checked by the adapter)."""
    code = (form.get("service_code") or "").strip()
    if not code:
        raise Open311Error(400, "service_code is required", "service_code")
    if code not in {c["code"] for c in complaints.categories(rt)}:
        raise Open311Error(400, f"service_code {code[:40]!r} not found", "service_code")
    lat, lon = _float(form, "lat"), _float(form, "long")
    address = (form.get("address_string") or "").strip() or None
    if (lat is None or lon is None) and not address:
        raise Open311Error(400, "a location is required: lat and long, or address_string",
                           "lat")
    description = (form.get("description") or "").strip()
    if not description:
        description = rules.category_name(code)
    name = " ".join(p for p in ((form.get("first_name") or "").strip(),
                                (form.get("last_name") or "").strip()) if p) or None
    data: dict[str, Any] = {
        "description": description,
        "category": code,
        "address": address,
        "reporter_name": name,
        "reporter_phone": (form.get("phone") or "").strip() or None,
        "reporter_email": (form.get("email") or "").strip() or None,
        "media_url": (form.get("media_url") or "").strip() or None,
    }
    if lat is not None and lon is not None:
        data["lat"], data["lon"] = lat, lon
    try:
        created = complaints.create_complaint(rt, data, "open311")
    except ServiceError as err:
        raise Open311Error(400, err.message, err.field) from None
    return [{
        "service_request_id": created["public_id"],
        "service_notice": (
            "Pengaduan diterima; diverifikasi dalam 3 hari kerja / Received; verified "
            f"within 3 working days. Kode akses / access code: {created['citizen_code']}"),
        "account_id": None,
    }]


def _parse_date(rt: Runtime, value: str, name: str, end: bool = False) -> datetime:
    # Without an offset the time is the city's (a Kediri client means Kediri's clock);
    # a bare end date includes that whole day.
    try:
        return citytime.parse_instant(value, rt.city.tz, end_of_day=end)
    except ValueError:
        raise Open311Error(400, f"{name} harus tanggal-waktu W3C, tahun {citytime.RANGE_TEXT} / "
                           f"{name} must be a W3C date-time, years {citytime.RANGE_TEXT}, e.g. "
                           "2026-11-23T10:00:00+07:00", name) from None


def _to_request(rt: Runtime, c: Complaint) -> dict[str, Any]:
    names = complaints.opd_names(rt)
    lat, lon = rules.anonymise_point(c.lat, c.lon)
    replies = [e for e in c.events if e.public and (e.kind == "reply" or (
        e.kind == "status" and e.status_to in ("resolved", "rejected", "duplicate")))]
    notes = (complaints.public_text(c, replies[-1].message) if replies
             else rules.STATUS_LABELS.get(c.status))
    tz = rt.city.tz
    return {
        "service_request_id": c.public_id,
        "status": rules.open311_status(c.status),
        "status_notes": notes,
        "service_name": rules.category_name(c.category),
        "service_code": c.category,
        "description": complaints.public_text(c, c.description),
        "agency_responsible": names.get(c.opd_code or "", None),
        "service_notice": rules.STATUS_LABELS.get(c.status, c.status),
        # W3C date-times on the city's clock, with its offset (+07:00 in Kediri).
        "requested_datetime": citytime.iso_local(c.created_at, tz),
        "updated_datetime": citytime.iso_local(c.updated_at, tz),
        "expected_datetime": citytime.iso_local(c.due_at, tz),
        "address": ", ".join(p for p in (c.kelurahan, c.kecamatan) if p) or None,
        "address_id": None,
        "zipcode": None,
        "lat": lat,
        "long": lon,
        "media_url": None,
    }


def get_requests(rt: Runtime, args: Mapping[str, Any]) -> list[dict[str, Any]]:
    """GET requests with the spec's filters (ids, service_code, start/end_date, status).

    A listing shows only publicly listed tickets (verified, not rejected, consented); asking
    for ids answers those tickets whatever their state, as requests/<id> does.
    """
    q = select(Complaint).order_by(Complaint.created_at.desc(), Complaint.id.desc())
    ids = (args.get("service_request_id") or "").strip()
    if ids:
        wanted = [privacy.normalize_public_id(i) for i in ids.split(",")][:MAX_RESULTS]
        q = q.where(Complaint.public_id.in_([i for i in wanted if i]))
    else:
        q = q.where(complaints.publicly_listed())
        codes = [c.strip() for c in (args.get("service_code") or "").split(",") if c.strip()]
        if codes:
            q = q.where(Complaint.category.in_(codes))
        start = args.get("start_date")
        end = args.get("end_date")
        start_at = _parse_date(rt, start, "start_date") if start else None
        end_at = _parse_date(rt, end, "end_date", end=True) if end else None
        if start_at is None:
            start_at = (end_at or rt.clock.now()) - DEFAULT_WINDOW
        if end_at is not None and end_at < start_at:
            raise Open311Error(400, "end_date is before start_date", "end_date")
        q = q.where(Complaint.created_at >= start_at)
        if end_at is not None:
            q = q.where(Complaint.created_at <= end_at)
        statuses = [s.strip() for s in (args.get("status") or "").split(",") if s.strip()]
        for s in statuses:
            if s not in ("open", "closed"):
                raise Open311Error(400, "status must be open or closed", "status")
        if statuses and set(statuses) != {"open", "closed"}:
            if "open" in statuses:
                q = q.where(Complaint.status.in_(rules.OPEN311_OPEN))
            else:
                q = q.where(Complaint.status.not_in(rules.OPEN311_OPEN))
    with rt.session() as s:
        return [_to_request(rt, c) for c in s.scalars(q.limit(MAX_RESULTS))]


def get_request(rt: Runtime, request_id: str) -> list[dict[str, Any]]:
    """GET requests/<id> (the public id): a one-element array, or a 404."""
    with rt.session() as s:
        c = complaints.by_public_id(s, request_id)
        if c is None:
            raise Open311Error(404, f"service request {request_id[:40]!r} not found",
                               "service_request_id")
        return [_to_request(rt, c)]
