"""Hospitals: the destination proposed for a patient, and the live ED status behind it.

`propose_hospital` picks, for a `medical` or `traffic_accident` incident, the nearest hospital
by road ETA from the scene that has what the patient needs (`domain.hospitals`), skipping an
emergency department reported closed or full. `set_status` keeps the reported state (by an
admin, or a hospital's system with an API key) in `hospital_status`.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from ..db.models import HospitalStatus as HospitalStatusRow
from ..domain.citytime import zone
from ..domain.hospitals import (
    HospitalStatus,
    hospitals_from_stations,
    needed_capabilities,
    rank_hospitals,
)
from .actors import Actor
from .errors import NotFound, ValidationError

if TYPE_CHECKING:
    from ..runtime import Runtime

# Categories whose patients an ambulance takes to hospital, and the type that transports.
TRANSPORT_CATEGORIES = frozenset({"medical", "traffic_accident"})
TRANSPORT_UNIT_TYPE = "ambulance"
MAX_BEDS = 10_000


# Intake reads the ED states on every medical call: a few seconds' copy per runtime saves a
# query each time; this process's own updates clear it at once, another's show within TTL.
STATUS_TTL_S = 5.0
_status_cache: weakref.WeakKeyDictionary[Any, tuple[float, dict[str, HospitalStatus]]] = (
    weakref.WeakKeyDictionary())
_cache_lock = threading.Lock()


def status_map(rt: Runtime) -> dict[str, HospitalStatus]:
    """The last reported ED state of every hospital that has one (cached for STATUS_TTL_S)."""
    now = time.monotonic()
    with _cache_lock:
        hit = _status_cache.get(rt)
    if hit is not None and now - hit[0] < STATUS_TTL_S:
        return hit[1]
    with rt.session() as s:
        states = {r.hospital_id: HospitalStatus(r.ed_open, r.beds_free)
                  for r in s.scalars(select(HospitalStatusRow))}
    with _cache_lock:
        _status_cache[rt] = (now, states)
    return states


def propose_hospital(rt: Runtime, category: str, description: str, lat: float, lon: float,
                     when: datetime | None = None) -> dict[str, Any] | None:
    """The destination for the transporting unit, or None (no transport, or no open hospital)."""
    if category not in TRANSPORT_CATEGORIES:
        return None
    sites = hospitals_from_stations(rt.city.stations)
    if not sites:
        return None
    when = (when or rt.clock.now()).astimezone(zone(rt.city.timezone))
    needs = needed_capabilities(category, description)
    ranked = rank_hospitals((lat, lon), needs, sites, rt.router, TRANSPORT_UNIT_TYPE, when,
                            status_map(rt))
    if not ranked:
        return None
    best = ranked[0]
    return {"id": best.hospital_id, "name": best.name, "eta_s": round(best.eta_s, 1),
            "route_m": round(best.route_m, 1), "via": best.via, "needs": sorted(needs),
            "missing": sorted(best.missing), "unit_type": TRANSPORT_UNIT_TYPE}


def describe(hospital: Mapping[str, Any]) -> str:
    """The timeline line for a proposed destination."""
    minutes = hospital["eta_s"] / 60.0
    text = (f"RS tujuan / Destination hospital: {hospital['name']} "
            f"(±{minutes:.0f} mnt/min, {hospital['route_m'] / 1000:.1f} km, {hospital['via']})")
    if hospital.get("missing"):
        text += (" — tidak punya / lacks: " + ", ".join(hospital["missing"]))
    return text


def list_hospitals(rt: Runtime) -> list[dict[str, Any]]:
    """Every hospital of the city pack with its capabilities and last reported status."""
    with rt.session() as s:
        rows = {r.hospital_id: r for r in s.scalars(select(HospitalStatusRow))}
        out = []
        for h in rt.city.hospitals():
            r = rows.get(h.id)
            out.append({"id": h.id, "name": h.name, "lat": h.lat, "lon": h.lon,
                        "capabilities": list(h.capabilities),
                        "status": _status_dict(r) if r is not None else None})
        return out


def _status_dict(r: HospitalStatusRow) -> dict[str, Any]:
    return {"ed_open": r.ed_open, "beds_free": r.beds_free, "note": r.note,
            "updated_at": r.updated_at.isoformat(), "updated_by": r.updated_by}


def set_status(rt: Runtime, hospital_id: str, data: Any, actor: Actor) -> dict[str, Any]:
    """Record a hospital's ED state: `{ed_open?: bool, beds_free?: int|null, note?: str}`."""
    if not any(h.id == hospital_id for h in rt.city.hospitals()):
        raise NotFound(f"rumah sakit {hospital_id!r} tidak dikenal / unknown hospital "
                       f"{hospital_id!r}", "hospital_id")
    if not isinstance(data, Mapping):
        raise ValidationError("body must be a JSON object", "body")
    unknown = set(data) - {"ed_open", "beds_free", "note"}
    if unknown:
        raise ValidationError(f"unknown field(s): {', '.join(sorted(unknown))}", "body")
    if not data:
        raise ValidationError("give ed_open, beds_free or note", "body")
    ed_open = data.get("ed_open")
    if ed_open is not None and not isinstance(ed_open, bool):
        raise ValidationError("ed_open must be true or false", "ed_open")
    beds = data.get("beds_free")
    if beds is not None and (isinstance(beds, bool) or not isinstance(beds, int)
                             or not 0 <= beds <= MAX_BEDS):
        raise ValidationError(f"beds_free must be a whole number 0-{MAX_BEDS} or null",
                              "beds_free")
    note = data.get("note")
    if note is not None and (not isinstance(note, str) or len(note) > 500):
        raise ValidationError("note must be text of at most 500 characters", "note")
    now = rt.clock.now()
    with rt.session() as s:
        row = s.get(HospitalStatusRow, hospital_id)
        if row is None:
            row = HospitalStatusRow(hospital_id=hospital_id, ed_open=True, updated_at=now)
            s.add(row)
        if "ed_open" in data and ed_open is not None:
            row.ed_open = ed_open
        if "beds_free" in data:
            row.beds_free = beds
        if "note" in data:
            row.note = note
        row.updated_at = now
        row.updated_by = actor.id
        s.flush()
        out = {"id": hospital_id, "status": _status_dict(row)}
    with _cache_lock:
        _status_cache.pop(rt, None)
    return out
