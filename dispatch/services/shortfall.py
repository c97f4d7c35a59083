"""When the response plan cannot be filled: what is missing and the next-best offers.

Offers come in this order for each unfilled slot: a unit of the plan's type busy on a
lower-priority incident (reassign), then a substitute type the city pack allows, then the
city pack's mutual-aid contacts.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from ..db.models import Incident
from ..domain.calls import BusyUnit, Gap, may_take_from, plan_gaps
from ..domain.recommend import Slot

if TYPE_CHECKING:
    from ..runtime import Runtime

# A unit may be taken off a job it is driving to or working on, not off a patient transport.
REASSIGNABLE_STATUSES: frozenset[str] = frozenset({"dispatched", "en_route", "on_scene"})
MAX_REASSIGN_OFFERS = 3
# Orders that no longer hold a unit on the incident.
INACTIVE_ORDER_STATES: frozenset[str] = frozenset({"declined", "unacknowledged", "reassigned"})


def _busy_units(
    rt: Runtime, lat: float, lon: float, unit_types: set[str], exclude_incident: int | None,
    when: datetime, exercise: bool,
) -> list[BusyUnit]:
    now = when.timestamp()
    # Only units on this side of the training wall: simulated ones for an exercise, real
    # ones for a real incident.
    units = [
        u for u in rt.fleet.all()
        if u.type in unit_types and u.simulated == exercise
        and u.incident_id is not None and u.incident_id != exclude_incident
        and u.status in REASSIGNABLE_STATUSES and u.online and u.lat is not None
        and u.lon is not None and not rt.fleet.is_stale(u, now)
    ]
    if not units:
        return []
    ids = {u.incident_id for u in units}
    with rt.session() as s:
        rows = {r.id: r for r in s.execute(
            select(Incident.id, Incident.priority, Incident.exercise, Incident.status)
            .where(Incident.id.in_(ids))).all()}
    out: list[BusyUnit] = []
    for u in units:
        row = rows.get(u.incident_id)  # type: ignore[arg-type]
        if row is None or row.status == "closed":
            continue
        route = rt.router.route((u.lat, u.lon), (lat, lon), u.type, when)  # type: ignore[arg-type]
        out.append(BusyUnit(u.id, u.type, row.id, row.priority, bool(row.exercise),
                            round(route.eta_s, 1)))
    return out


def _substitutes(
    rt: Runtime, lat: float, lon: float, gap: Gap, taken: set[str], when: datetime,
    exercise: bool,
) -> list[dict[str, Any]]:
    offers: list[dict[str, Any]] = []
    for sub in rt.call_rules.substitutes.get(gap.unit_type, ()):
        found = rt.fleet.nearest_available(sub, lat, lon, gap.missing + len(taken),
                                           now=when.timestamp(), simulated=exercise)
        ranked = []
        for cand, _dist in found:
            if cand.unit_id in taken:
                continue
            route = rt.router.route((cand.lat, cand.lon), (lat, lon), sub, when)
            ranked.append({"kind": "substitute", "unit_id": cand.unit_id, "unit_type": sub,
                           "for_unit_type": gap.unit_type, "station": cand.station,
                           "eta_s": round(route.eta_s, 1),
                           "distance_m": round(route.distance_m, 1)})
        ranked.sort(key=lambda o: (o["eta_s"], o["unit_id"]))
        for offer in ranked[: gap.missing]:
            taken.add(offer["unit_id"])
            offers.append(offer)
    return offers


def compute_shortfall(
    rt: Runtime, lat: float, lon: float, plan: Sequence[Slot],
    recommendations: Sequence[dict[str, Any]], active_order_types: Iterable[str],
    priority: int, exercise: bool, when: datetime, incident_id: int | None = None,
    exclude: Iterable[str] = (),
) -> list[dict[str, Any]]:
    """Each unfilled slot `{unit_type, missing, offers}` (empty when the plan is filled)."""
    rules = rt.call_rules
    gaps = plan_gaps([(s.unit_type, s.count) for s in plan],
                     [str(r["unit_type"]) for r in recommendations], active_order_types,
                     rules.substitutes)
    if not gaps:
        return []
    busy = _busy_units(rt, lat, lon, {g.unit_type for g in gaps}, incident_id, when,
                      exercise)
    taken = set(exclude) | {str(r["unit_id"]) for r in recommendations}
    out: list[dict[str, Any]] = []
    for gap in gaps:
        offers: list[dict[str, Any]] = []
        movable = sorted((b for b in busy if b.unit_type == gap.unit_type
                          and b.unit_id not in taken and may_take_from(priority, exercise, b)),
                         key=lambda b: (b.eta_s, -b.incident_priority, b.unit_id))
        for b in movable[:MAX_REASSIGN_OFFERS]:
            offers.append({"kind": "reassign", "unit_id": b.unit_id, "unit_type": b.unit_type,
                           "from_incident_id": b.incident_id, "from_priority": b.incident_priority,
                           "from_exercise": b.incident_exercise, "eta_s": b.eta_s})
        offers.extend(_substitutes(rt, lat, lon, gap, taken, when, exercise))
        for contact in rules.mutual_aid_for(gap.unit_type):
            offers.append({"kind": "mutual_aid", "authority": contact["authority"],
                           "contact": contact["contact"],
                           "approximate": bool(contact.get("approximate", True))})
        out.append({"unit_type": gap.unit_type, "missing": gap.missing, "offers": offers})
    return out


def describe(shortfall: Sequence[dict[str, Any]]) -> str:
    """One timeline line: what is missing and how many offers there are."""
    parts = [f"{g['unit_type']} -{g['missing']} ({len(g['offers'])} opsi / offers)"
             for g in shortfall]
    return "Rencana tidak terpenuhi / Plan cannot be filled: " + ", ".join(parts)
