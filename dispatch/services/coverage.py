"""Coverage now: for each kecamatan and demand cell, the available units of each type that can
reach it within the city's travel-time target, on the road network.

The drive-time index (one bounded reverse Dijkstra per demand point and unit type) is built
once per runtime; the board is filled from the live fleet at each call, so it follows units as
they move and change status. Only units that could be recommended right now count, and never
a training unit.
"""

from __future__ import annotations

import threading
import weakref
from typing import TYPE_CHECKING, Any

from geo.coverage import CoverageBoard, CoverageIndex, demand_cells, kecamatan_points

from ..domain.citytime import iso_local, zone
from .errors import Conflict

if TYPE_CHECKING:
    from ..runtime import Runtime

_indexes: weakref.WeakKeyDictionary[Any, CoverageIndex] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def _index(rt: Runtime) -> CoverageIndex:
    network = getattr(rt.router, "network", None)
    if network is None:
        raise Conflict(
            "Cakupan butuh jaringan jalan; kota ini memakai garis lurus / coverage needs a road "
            "network (the city pack's `roads` or SIAGA_ROADS); this server routes on straight "
            "lines", "roads")
    with _lock:
        index = _indexes.get(rt)
        if index is None:
            cov = dict(rt.city.settings.get("coverage") or {})
            kec = [(name, geometry) for name, _code, geometry in rt.city.kecamatan()]
            points = (demand_cells(kec, float(cov.get("cell_m", 1000.0)),
                                   cov.get("default_demand"))
                      + kecamatan_points(kec))
            targets = cov.get("target_s") or {"ambulance": 480, "fire_engine": 480,
                                              "police": 420, "rescue": 600}
            index = CoverageIndex(network, points, targets)
            _indexes[rt] = index
        return index


def coverage_now(rt: Runtime) -> dict[str, Any]:
    """Units in reach per demand cell and kecamatan, and the uncovered share, right now."""
    index = _index(rt)
    when = rt.clock.now()
    now = when.timestamp()
    board = CoverageBoard(index, when=when)
    counted = 0
    for unit in rt.fleet.all():
        ok, _reason = rt.fleet.recommendable(unit, now)
        available = (ok and unit.status == "available" and unit.incident_id is None
                     and not unit.simulated)
        board.set_unit(unit.id, unit.type, unit.lat, unit.lon, available)
        counted += available
    out = board.summary()
    out["computed_at"] = iso_local(when, zone(rt.city.timezone))
    out["available_units"] = counted
    out["uncovered"] = [
        {"area": a["area"], "unit_type": t, "uncovered_cells": a["uncovered_cells"][t],
         "covered_share": a["covered_share"][t]}
        for a in out["areas"] for t in out["targets_s"] if a["uncovered_cells"][t]]
    return out
