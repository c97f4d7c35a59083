"""Coverage on the road network: which demand points a unit can reach within a target.

``demand_cells`` lays a grid of demand cells over the kecamatan polygons.
``CoverageIndex`` precomputes, once per demand point and unit type, a bounded
reverse Dijkstra (drive time from every road node TO the point, up to the target
at the fastest hour), stored as one sparse node × point matrix per unit type.
A unit's reach is then two sparse rows (its segment's ends) plus its partial
segment and off-road legs: microseconds, so ``CoverageBoard`` keeps per-point
counts current by updating only the unit whose status or position changed.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import shapely
from scipy.sparse import csr_matrix

from geo.roads import RoadNetwork, Snap


@dataclass(frozen=True)
class DemandPoint:
    """A place whose coverage matters: a demand cell's centre or a kecamatan's reference."""

    id: str
    lat: float
    lon: float
    weight: float = 1.0
    area: str | None = None  # the kecamatan it lies in
    kind: str = "cell"  # "cell" or "kecamatan"


def demand_cells(kecamatan: Iterable[tuple[str, Mapping[str, Any]]], cell_m: float = 1000.0,
                 weights: Mapping[str, float] | None = None) -> list[DemandPoint]:
    """Square cells of `cell_m` whose centre lies in a kecamatan (GeoJSON geometry).

    A kecamatan's weight (default: 1 each) is shared equally by its cells; one
    with no cell centre inside gets a single cell at its representative point.
    """
    if cell_m <= 0:
        raise ValueError("cell_m must be positive")
    out: list[DemandPoint] = []
    for name, geometry in kecamatan:
        shp = shapely.geometry.shape(geometry)
        minx, miny, maxx, maxy = shp.bounds
        lat_mid = (miny + maxy) / 2
        dlat = cell_m / 111_195.0
        dlon = dlat / max(math.cos(math.radians(lat_mid)), 1e-6)
        # Cells are anchored on a whole-degree grid so neighbours agree on edges.
        i0, i1 = math.floor(miny / dlat), math.ceil(maxy / dlat)
        j0, j1 = math.floor(minx / dlon), math.ceil(maxx / dlon)
        centres = [((i + 0.5) * dlat, (j + 0.5) * dlon, i, j)
                   for i in range(i0, i1) for j in range(j0, j1)]
        pts = shapely.points([(lo, la) for la, lo, _i, _j in centres])
        inside = shapely.contains(shp, pts) if centres else []
        cells = [(la, lo, i, j) for (la, lo, i, j), ok in zip(centres, inside, strict=True) if ok]
        if not cells:
            rp = shp.representative_point()
            cells = [(rp.y, rp.x, 0, 0)]
        w = (weights or {}).get(name, 1.0) / len(cells)
        out.extend(DemandPoint(f"{name}:{i}:{j}", la, lo, w, name, "cell") for la, lo, i, j in cells)
    return out


def kecamatan_points(kecamatan: Iterable[tuple[str, Mapping[str, Any]]]) -> list[DemandPoint]:
    """One reference point per kecamatan (a point surely inside it), weight 0."""
    out = []
    for name, geometry in kecamatan:
        rp = shapely.geometry.shape(geometry).representative_point()
        out.append(DemandPoint(f"kecamatan:{name}", rp.y, rp.x, 0.0, name, "kecamatan"))
    return out


class CoverageIndex:
    """Per unit type: drive times from road nodes to every demand point, up to the target."""

    def __init__(self, network: RoadNetwork, points: Sequence[DemandPoint],
                 targets_s: Mapping[str, float]) -> None:
        """Run one bounded reverse Dijkstra per point and unit type (done once)."""
        self.network = network
        self.points = list(points)
        self.targets_s = {t: float(s) for t, s in targets_s.items()}
        if any(s <= 0 for s in self.targets_s.values()):
            raise ValueError("coverage targets must be positive")
        # The fastest hour stretches the base-time horizon furthest.
        self._max_factor = max(network.hour_factors.values())
        self.snaps: list[Snap] = network.snap_many([(p.lat, p.lon) for p in self.points])
        self._by_segment: dict[int, list[int]] = {}
        for k, s in enumerate(self.snaps):
            self._by_segment.setdefault(s.segment, []).append(k)
        self._offroad_pace = 3.6 / network.offroad_speed_kmh
        self._mats: dict[str, csr_matrix] = {}
        n = network.n_nodes
        for unit_type, target in self.targets_s.items():
            rows: list[np.ndarray] = []
            cols: list[np.ndarray] = []
            vals: list[np.ndarray] = []
            limit = target * self._max_factor
            for k, p in enumerate(self.points):
                dist = network.travel_to((p.lat, p.lon), unit_type).node_times(limit)
                # What is left of the budget after the point's own off-road leg.
                budget = limit - self.snaps[k].off_m * self._offroad_pace
                reach = np.nonzero(dist <= budget)[0]
                rows.append(reach.astype(np.int32))
                cols.append(np.full(len(reach), k, dtype=np.int32))
                # +1 s keeps a zero drive time an explicit entry of the sparse matrix;
                # float32 (0.01 s at an hour) halves the memory of a city-wide index.
                vals.append((dist[reach] + 1.0).astype(np.float32))
            r = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int32)
            c = np.concatenate(cols) if cols else np.zeros(0, dtype=np.int32)
            v = np.concatenate(vals) if vals else np.zeros(0, dtype=np.float32)
            del rows, cols, vals
            self._mats[unit_type] = csr_matrix((v, (r, c)), shape=(n, len(self.points)),
                                               dtype=np.float32)

    def reach(self, unit_type: str, lat: float, lon: float,
              when: datetime | None = None) -> dict[int, float]:
        """{point index: ETA s} of the demand points a unit at (lat, lon) reaches in time."""
        target = self.targets_s.get(unit_type)
        if target is None:
            return {}
        return self.reach_from_snap(unit_type, self.network.snap(lat, lon), when)

    def reach_from_snap(self, unit_type: str, snap: Snap,
                        when: datetime | None = None) -> dict[int, float]:
        """As ``reach`` for an already snapped position."""
        net = self.network
        target = self.targets_s[unit_type]
        factor = net.hour_factor(when)
        budget = target * factor  # in base (hour factor 1) seconds
        m = self._mats[unit_type]
        s = snap.segment
        length = float(net.seg_len_m[s])
        pace = float(net.pace(unit_type)[s])
        head = snap.off_m * self._offroad_pace
        best: dict[int, float] = {}
        ends = []
        if net.seg_fwd[s]:
            ends.append((int(net.seg_v[s]), (1 - snap.t) * length * pace))
        if net.seg_bwd[s]:
            ends.append((int(net.seg_u[s]), snap.t * length * pace))
        for node, part in ends:
            lo, hi = m.indptr[node], m.indptr[node + 1]
            for k, d in zip(m.indices[lo:hi].tolist(), m.data[lo:hi].tolist(), strict=True):
                eta = head + part + (d - 1.0) + self.snaps[k].off_m * self._offroad_pace
                if eta <= budget and eta < best.get(k, math.inf):
                    best[k] = eta
        # Demand points on the unit's own segment: drive straight along it.
        for k in self._by_segment.get(s, ()):
            ps = self.snaps[k]
            ok = net.seg_fwd[s] if ps.t >= snap.t else net.seg_bwd[s]
            if ok:
                eta = head + abs(ps.t - snap.t) * length * pace + ps.off_m * self._offroad_pace
                if eta <= budget and eta < best.get(k, math.inf):
                    best[k] = eta
        return {k: eta / factor for k, eta in best.items()}


@dataclass
class _UnitEntry:
    unit_type: str
    reach: tuple[int, ...]


@dataclass
class CoverageBoard:
    """Live per-point counts of available units that reach each point in time."""

    index: CoverageIndex
    when: datetime | None = None
    _units: dict[str, _UnitEntry] = field(default_factory=dict)
    _counts: dict[str, np.ndarray] = field(default_factory=dict)

    def __post_init__(self) -> None:
        n = len(self.index.points)
        self._counts = {t: np.zeros(n, dtype=np.int32) for t in self.index.targets_s}

    def set_unit(self, unit_id: str, unit_type: str, lat: float | None, lon: float | None,
                 available: bool) -> None:
        """Record a unit's new position/availability; only its own reach is recomputed."""
        old = self._units.pop(unit_id, None)
        if old is not None:
            np.subtract.at(self._counts[old.unit_type], list(old.reach), 1)
        if not available or lat is None or lon is None or unit_type not in self._counts:
            return
        reach = tuple(self.index.reach(unit_type, lat, lon, self.when))
        self._units[unit_id] = _UnitEntry(unit_type, reach)
        if reach:
            np.add.at(self._counts[unit_type], list(reach), 1)

    def remove_unit(self, unit_id: str) -> None:
        """Forget a unit (deleted, or no longer tracked)."""
        self.set_unit(unit_id, "", None, None, False)

    def counts(self, unit_type: str) -> np.ndarray:
        """Available units of a type reaching each demand point (index order)."""
        return self._counts[unit_type].copy()

    def unit_reach(self, unit_id: str) -> tuple[int, ...]:
        """The point indices a recorded unit covers."""
        entry = self._units.get(unit_id)
        return entry.reach if entry else ()

    def summary(self) -> dict[str, Any]:
        """Per demand point and per kecamatan: units of each type in reach, uncovered demand."""
        pts = self.index.points
        types = list(self._counts)
        cells = []
        for k, p in enumerate(pts):
            cells.append({"id": p.id, "kind": p.kind, "area": p.area, "lat": p.lat, "lon": p.lon,
                          "weight": p.weight,
                          "units": {t: int(self._counts[t][k]) for t in types}})
        areas: dict[str, dict[str, Any]] = {}
        for k, p in enumerate(pts):
            if p.area is None:
                continue
            a = areas.setdefault(p.area, {"area": p.area, "units": {}, "demand": 0.0,
                                          "covered_demand": dict.fromkeys(types, 0.0),
                                          "uncovered_cells": dict.fromkeys(types, 0)})
            if p.kind == "kecamatan":
                a["units"] = {t: int(self._counts[t][k]) for t in types}
                continue
            a["demand"] += p.weight
            for t in types:
                if self._counts[t][k] > 0:
                    a["covered_demand"][t] += p.weight
                else:
                    a["uncovered_cells"][t] += 1
        for a in areas.values():
            a["covered_share"] = {t: (a["covered_demand"][t] / a["demand"] if a["demand"] else None)
                                  for t in types}
        return {"targets_s": dict(self.index.targets_s), "cells": cells,
                "areas": sorted(areas.values(), key=lambda a: a["area"])}
