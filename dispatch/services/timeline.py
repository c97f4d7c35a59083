"""The incident timeline: one entry per step, written in the caller's transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from ..db.models import Incident, TimelineEntry
from .actors import Actor


def add_timeline(
    session: Session,
    incident: Incident,
    kind: str,
    actor: Actor,
    message: str,
    at: datetime,
    **data: Any,
) -> TimelineEntry:
    """Append one timeline entry (in the caller's transaction)."""
    entry = TimelineEntry(
        incident_id=incident.id,
        ts=at,
        kind=kind,
        actor_type=actor.type,
        actor_id=actor.id,
        message=message,
        data=data,
    )
    session.add(entry)
    incident.updated_at = at
    return entry
