"""Incidents still waiting past a target: the misses the finished samples do not show yet."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from ...db.models import Incident
from ...domain import kpis as dk
from .query import KpiQuery, _amber_margin, kpi_targets
from .reader import _incident_conditions

if TYPE_CHECKING:
    from ...runtime import Runtime

# Which incidents have not reached each phase's end yet: not dispatched, not reached.
_WAITING_STATUSES: dict[str, tuple[str, ...]] = {
    "processing": ("open",),
    "response": ("open", "dispatched"),
}


def waiting_overdue(rt: Runtime, q: KpiQuery) -> dict[str, int]:
    """Per phase, the period's open incidents whose wait is already past the phase's target."""
    targets = kpi_targets(rt)
    now = rt.clock.now()
    with rt.engine.connect() as conn:
        rows = conn.execute(
            select(Incident.status, Incident.category, Incident.created_at, Incident.call_type)
            .where(Incident.status.in_(("open", "dispatched")), *_incident_conditions(q))
        ).all()
    out = {phase: 0 for phase in _WAITING_STATUSES}
    for status, category, created, call_type in rows:
        if call_type not in (None, "genuine"):
            continue  # a prank or a ghost call waits for no unit
        waited = (now - created).total_seconds()
        for phase, statuses in _WAITING_STATUSES.items():
            if status in statuses and waited > targets[phase].for_sample(category=category):
                out[phase] += 1
    return out


def executive_phases(rt: Runtime, q: KpiQuery, phases: dict[str, Any]) -> dict[str, Any]:
    """Processing and response figures with the incidents still waiting counted as misses."""
    overdue = waiting_overdue(rt, q)
    margin = _amber_margin(rt)
    return {p: dk.with_waiting(phases[p], n, margin) for p, n in overdue.items()}
