"""Complaint reports: figures per OPD and the CSV export."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from ...db.models_complaints import Complaint
from ...domain import citytime
from ...domain import complaints as rules
from .common import calendar, is_overdue, opd_names

if TYPE_CHECKING:
    from ...runtime import Runtime


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
