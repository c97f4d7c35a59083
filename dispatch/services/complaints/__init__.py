"""Complaint flow use cases (SP4N-LAPOR! style): intake from every channel, routing to the
OPD, lifecycle transitions, replies, deadlines, reminders, statistics and exports.

Every change is a ComplaintEvent stamped with actor and time, written with its webhook
outbox row in one transaction; bus events are published after the commit.

A package by responsibility: common, photos, views, lifecycle, intake, deadlines, reports."""

from __future__ import annotations

from ..errors import Conflict, Forbidden, NotFound, ValidationError
from .common import (
    CITIZEN_ACTOR,
    DEFAULT_SETTINGS,
    SYSTEM_ACTOR,
    ComplaintActor,
    by_public_id,
    calendar,
    can_see,
    categories,
    is_overdue,
    opd_names,
    public_path,
    public_text,
    publicly_listed,
    settings,
    staff_actor,
)
from .deadlines import ComplaintTimers, scan_overdue
from .intake import create_complaint, escalate_incident
from .lifecycle import add_reply, citizen_reopen, transition
from .photos import MAX_PHOTO_BYTES, PHOTO_TYPES, photo_file, sniff_photo, store_photo, upload_dir
from .reports import EXPORT_FIELDS, export_csv, export_rows, opd_stats
from .views import (
    complaint_to_dict,
    count_by_status,
    get_complaint,
    incident_for,
    list_complaints,
    public_map,
    public_view,
    summary,
    ticket_summary,
)

__all__ = ['CITIZEN_ACTOR', 'DEFAULT_SETTINGS', 'EXPORT_FIELDS', 'MAX_PHOTO_BYTES', 'PHOTO_TYPES', 'SYSTEM_ACTOR', 'ComplaintActor', 'ComplaintTimers', 'Conflict', 'Forbidden', 'NotFound', 'ValidationError', 'add_reply', 'by_public_id', 'calendar', 'can_see', 'categories', 'citizen_reopen', 'complaint_to_dict', 'count_by_status', 'create_complaint', 'escalate_incident', 'export_csv', 'export_rows', 'get_complaint', 'incident_for', 'is_overdue', 'list_complaints', 'opd_names', 'opd_stats', 'photo_file', 'public_map', 'public_path', 'public_text', 'public_view', 'publicly_listed', 'scan_overdue', 'settings', 'sniff_photo', 'staff_actor', 'store_photo', 'summary', 'ticket_summary', 'transition', 'upload_dir']
