"""A road network from an OpenStreetMap extract, and a router that drives on it.

``load_osm(path)`` reads an ``.osm`` (XML) or ``.osm.pbf`` file with pyosmium, keeps the
drivable ways, their direction (``oneway`` incl. ``-1``, roundabouts and motorways
implied) and speeds (``maxspeed``, else a per-highway-class default for each unit
type), and keeps the largest strongly connected part so every snapped point can
reach every other. ``RoadNetwork`` snaps points to the nearest road *segment*
(an STRtree over segments in a local metric projection) and answers travel-time
questions with ``scipy.sparse.csgraph.dijkstra``:

- ``travel_to(dest, unit_type, when)``: one Dijkstra on the reversed graph from the
  destination, bounded by a time horizon, gives the drive time from every node TO
  the destination; every origin (unit) is then a lookup at its snapped segment's
  ends. This is what the recommender uses: exact for all units at once.
- ``travel_from(origin, ...)``: the same on the forward graph (to hospitals).

A query point is a virtual node joined to the two ends of its segment by partial
edges; its CSR row is the last one and is rewritten per query under a lock.
"""

from __future__ import annotations

import math
import re
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import shapely
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components, dijkstra

from geo.distance import EARTH_RADIUS_M
from geo.routing import DEFAULT_HOUR_FACTORS, Route

UNIT_TYPES: tuple[str, ...] = ("fire_engine", "ambulance", "police", "rescue")

# Emergency-vehicle speeds (km/h) on an Indonesian city's roads by highway class,
# for an ambulance; other unit types scale it (a loaded fire engine is slower).
BASE_CLASS_SPEEDS_KMH: Mapping[str, float] = {
    "motorway": 80.0, "motorway_link": 50.0,
    "trunk": 60.0, "trunk_link": 40.0,
    "primary": 45.0, "primary_link": 35.0,
    "secondary": 40.0, "secondary_link": 30.0,
    "tertiary": 35.0, "tertiary_link": 30.0,
    "unclassified": 30.0, "residential": 25.0, "road": 25.0,
    "living_street": 15.0, "service": 15.0,
}
UNIT_SPEED_FACTORS: Mapping[str, float] = {
    "fire_engine": 0.85, "ambulance": 1.0, "police": 1.05, "rescue": 0.9,
}
DRIVABLE_HIGHWAYS: frozenset[str] = frozenset(BASE_CLASS_SPEEDS_KMH)
# Indonesian implicit limits (UU 22/2009, PM 111/2015) for "ID:urban" style values.
_IMPLICIT_MAXSPEED_KMH: Mapping[str, float] = {
    "urban": 50.0, "rural": 80.0, "motorway": 100.0, "trunk": 80.0,
    "living_street": 20.0, "walk": 7.0,
}
_NO_ACCESS = frozenset({"no", "agricultural", "forestry", "delivery", "foot", "bicycle"})
_EMERGENCY_OK = frozenset({"yes", "designated", "permissive"})
# Zero-time edges would be non-edges to csgraph; this is far below any real edge.
_EPS_S = 1e-6
# The lower bound the recommender uses is shrunk by this much so float and
# projection error can never make it exceed a real drive time.
_BOUND_SAFETY = 0.97
# How much further than asked a bounded search goes (see RoadTravelTimes._ensure).
_SPECULATE = 2.0
# Snapped positions kept (a fleet's current fixes and recent incidents fit easily).
_SNAP_CACHE_SIZE = 50_000


class RoadNetworkError(Exception):
    """The road file cannot be read or holds no drivable network."""


# --------------------------------------------------------------------------- tags


def is_drivable(tags: Mapping[str, str]) -> bool:
    """True for a way an emergency vehicle may drive on (highway class, access, area)."""
    if tags.get("highway") not in DRIVABLE_HIGHWAYS or tags.get("area") == "yes":
        return False
    if tags.get("emergency") in _EMERGENCY_OK:
        return True
    if tags.get("emergency") == "no":
        return False
    for key in ("motor_vehicle", "motorcar", "vehicle", "access"):
        value = tags.get(key)
        if value is not None:
            return value not in _NO_ACCESS
    return True


def way_directions(tags: Mapping[str, str]) -> tuple[bool, bool] | None:
    """(forward, backward) travel allowed along the way's node order; None: not routable."""
    oneway = (tags.get("oneway") or "").strip().lower()
    if oneway in ("yes", "true", "1"):
        return True, False
    if oneway in ("-1", "reverse"):
        return False, True
    if oneway in ("reversible", "alternating"):
        return None  # direction changes with time of day: never plan on it
    if oneway in ("no", "false", "0"):
        return True, True
    implied = (
        tags.get("junction") in ("roundabout", "circular")
        or tags.get("highway") in ("motorway", "motorway_link")
    )
    return (True, False) if implied else (True, True)


_NUMBER_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(km/h|kmh|kph|mph|knots)?\s*$")


def parse_maxspeed(value: str | None) -> float | None:
    """A ``maxspeed`` tag in km/h (``50``, ``30 mph``, ``ID:urban``, ``50;60``); None if unusable."""
    if not value:
        return None
    best: float | None = None
    for part in value.split(";"):
        part = part.strip().lower()
        speed: float | None = None
        m = _NUMBER_RE.match(part)
        if m:
            speed = float(m.group(1))
            if m.group(2) == "mph":
                speed *= 1.609344
            elif m.group(2) == "knots":
                speed *= 1.852
        elif part in ("walk",):
            speed = _IMPLICIT_MAXSPEED_KMH["walk"]
        elif ":" in part:
            speed = _IMPLICIT_MAXSPEED_KMH.get(part.split(":", 1)[1])
        if speed is not None and speed > 0 and (best is None or speed < best):
            best = speed
    return best


def class_speeds(
    overrides: Mapping[str, Mapping[str, float]] | None = None,
) -> dict[str, dict[str, float]]:
    """Speed (km/h) per unit type and highway class: defaults, then the city's overrides.

    ``overrides`` maps a unit type (or ``"default"`` for all types) to ``{highway: km/h}``.
    """
    table = {
        t: {hw: v * UNIT_SPEED_FACTORS[t] for hw, v in BASE_CLASS_SPEEDS_KMH.items()}
        for t in UNIT_TYPES
    }
    overrides = overrides or {}
    for key in ["default", *UNIT_TYPES]:
        for hw, kmh in (overrides.get(key) or {}).items():
            if float(kmh) <= 0:
                raise ValueError(f"road speed for {key}.{hw} must be positive")
            for t in UNIT_TYPES if key == "default" else (key,):
                table[t][hw] = float(kmh)
    return table


def edge_speed_kmh(highway: str, maxspeed_kmh: float | None, class_kmh: float) -> float:
    """The speed used on a way: the class speed for the unit type, capped by ``maxspeed``."""
    del highway  # the class speed already depends on it
    return class_kmh if maxspeed_kmh is None else min(class_kmh, maxspeed_kmh)


# --------------------------------------------------------------------------- raw ways


@dataclass(frozen=True)
class RawWay:
    """A drivable way as read from OSM: node coordinates and the tags we use."""

    osm_id: int
    nodes: tuple[tuple[int, float, float], ...]  # (osm node id, lat, lon)
    highway: str
    forward: bool
    backward: bool
    maxspeed_kmh: float | None
    name: str | None = None


def read_osm_ways(path: str | Path) -> list[RawWay]:
    """Drivable ways of an .osm / .osm.pbf file, read with pyosmium."""
    import osmium  # imported here: only a road-enabled deployment needs it

    p = Path(path)
    if not p.is_file():
        raise RoadNetworkError(f"road file not found: {p}")
    ways: list[RawWay] = []
    try:
        fp = (
            osmium.FileProcessor(str(p))
            .with_locations()
            .with_filter(osmium.filter.EntityFilter(osmium.osm.WAY))
            .with_filter(osmium.filter.KeyFilter("highway"))
        )
        for way in fp:
            tags = {t.k: t.v for t in way.tags}
            if not is_drivable(tags):
                continue
            dirs = way_directions(tags)
            if dirs is None:
                continue
            nodes = []
            for n in way.nodes:
                loc = n.location
                # Nodes cut off by the extract's boundary have no location.
                nodes.append((n.ref, loc.lat, loc.lon) if loc.valid() else (n.ref, math.nan, math.nan))
            ways.append(RawWay(
                osm_id=way.id, nodes=tuple(nodes), highway=tags["highway"],
                forward=dirs[0], backward=dirs[1],
                maxspeed_kmh=parse_maxspeed(tags.get("maxspeed")), name=tags.get("name"),
            ))
    except RoadNetworkError:
        raise
    except Exception as exc:  # osmium raises RuntimeError and friends for bad files
        raise RoadNetworkError(f"cannot read {p}: {exc}") from exc
    return ways


# --------------------------------------------------------------------------- network


def _haversine_vec(lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray,
                   lon2: np.ndarray) -> np.ndarray:
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dl = np.radians(lon2 - lon1)
    a = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


class Snap(NamedTuple):
    """Where a point meets the road: a segment, the fraction along it, and how far off."""

    # A tuple of atoms, so the garbage collector stops tracking the cached ones and a
    # full collection does not walk a cache of every position ever snapped.
    segment: int
    t: float  # 0 at the segment's first node, 1 at its second
    off_m: float


class RoadNetwork:
    """Drivable segments with per-unit-type travel times, a segment index and Dijkstra."""

    def __init__(
        self,
        node_lat: np.ndarray,
        node_lon: np.ndarray,
        seg_u: np.ndarray,
        seg_v: np.ndarray,
        seg_fwd: np.ndarray,
        seg_bwd: np.ndarray,
        seg_speed_kmh: Mapping[str, np.ndarray],
        offroad_speed_kmh: float = 15.0,
        hour_factors: Mapping[int, float] | None = None,
        source: str = "",
    ) -> None:
        """Build from arrays (nodes, segments u→v, directions, speeds per unit type)."""
        self.source = source
        self.offroad_speed_kmh = float(offroad_speed_kmh)
        self.hour_factors = dict(DEFAULT_HOUR_FACTORS)
        if hour_factors:
            self.hour_factors.update({int(h): float(f) for h, f in hour_factors.items()})
        lat = np.asarray(node_lat, dtype=np.float64)
        lon = np.asarray(node_lon, dtype=np.float64)
        u = np.asarray(seg_u, dtype=np.int64)
        v = np.asarray(seg_v, dtype=np.int64)
        fwd = np.asarray(seg_fwd, dtype=bool)
        bwd = np.asarray(seg_bwd, dtype=bool)
        speeds = {t: np.asarray(s, dtype=np.float64) for t, s in seg_speed_kmh.items()}
        length = _haversine_vec(lat[u], lon[u], lat[v], lon[v])
        keep = (u != v) & (fwd | bwd)
        u, v, fwd, bwd, length = u[keep], v[keep], fwd[keep], bwd[keep], length[keep]
        speeds = {t: s[keep] for t, s in speeds.items()}
        if len(u) == 0:
            raise RoadNetworkError("no drivable road segment")
        # Keep the largest strongly connected part: a unit snapped to a fragment cut
        # off by the extract's edge (or a one-way dead end) could never arrive.
        n0 = len(lat)
        fu = np.concatenate([u[fwd], v[bwd]])
        fv = np.concatenate([v[fwd], u[bwd]])
        g = csr_matrix((np.ones(len(fu)), (fu, fv)), shape=(n0, n0))
        _n, labels = connected_components(g, directed=True, connection="strong")
        used = np.zeros(n0, dtype=bool)
        used[u] = True
        used[v] = True
        counts = np.bincount(labels[used])
        big = int(np.argmax(counts))
        seg_keep = (labels[u] == big) & (labels[v] == big)
        self.dropped_segments = int((~seg_keep).sum())
        u, v, fwd, bwd, length = u[seg_keep], v[seg_keep], fwd[seg_keep], bwd[seg_keep], length[seg_keep]
        speeds = {t: s[seg_keep] for t, s in speeds.items()}
        node_keep = np.zeros(n0, dtype=bool)
        node_keep[u] = True
        node_keep[v] = True
        renum = np.full(n0, -1, dtype=np.int64)
        renum[node_keep] = np.arange(int(node_keep.sum()))
        u, v = renum[u], renum[v]
        self.node_lat = lat[node_keep]
        self.node_lon = lon[node_keep]
        self.n_nodes = n = len(self.node_lat)
        self.seg_u, self.seg_v, self.seg_fwd, self.seg_bwd = u, v, fwd, bwd
        self.seg_len_m = length
        self.n_segments = len(u)
        self.unit_types = tuple(speeds)
        # Seconds per metre per segment and unit type (speeds given in km/h).
        self._pace = {t: 3.6 / np.maximum(s, 1e-3) for t, s in speeds.items()}
        self.max_speed_kmh = {t: float(s.max()) for t, s in speeds.items()}

        # Directed edges; of parallel edges between the same two nodes keep the shortest.
        e_from = np.concatenate([u[fwd], v[bwd]])
        e_to = np.concatenate([v[fwd], u[bwd]])
        e_seg = np.concatenate([np.nonzero(fwd)[0], np.nonzero(bwd)[0]])
        order = np.lexsort((length[e_seg], e_to, e_from))
        e_from, e_to, e_seg = e_from[order], e_to[order], e_seg[order]
        first = np.ones(len(e_from), dtype=bool)
        first[1:] = (e_from[1:] != e_from[:-1]) | (e_to[1:] != e_to[:-1])
        e_from, e_to, e_seg = e_from[first], e_to[first], e_seg[first]
        self.n_edges = len(e_from)
        # Sorted keys for the length of edge (a → b) when walking a path back.
        self._edge_key = e_from * (n + 1) + e_to  # already sorted by (from, to)
        self._edge_len = length[e_seg]
        self._q = n  # the virtual query node
        self._lock = threading.Lock()
        self._fwd = self._build_csr(e_from, e_to, e_seg)
        self._rev = self._build_csr(e_to, e_from, e_seg)

        # Segment index in a local equirectangular projection (metres).
        self._lat0 = float(np.radians(np.mean(self.node_lat)))
        x, y = self._project(self.node_lat, self.node_lon)
        self._x, self._y = x, y
        coords = np.stack([np.stack([x[u], y[u]], axis=1), np.stack([x[v], y[v]], axis=1)], axis=1)
        self._tree = shapely.STRtree(shapely.linestrings(coords))
        self._snap_cache: dict[tuple[float, float], Snap] = {}

    # -- construction helpers -------------------------------------------------------
    def _build_csr(self, rows: np.ndarray, cols: np.ndarray, segs: np.ndarray) -> dict[str, Any]:
        n = self.n_nodes
        order = np.argsort(rows, kind="stable")
        rows, cols, segs = rows[order], cols[order], segs[order]
        indptr = np.zeros(n + 2, dtype=np.int32)
        np.cumsum(np.bincount(rows, minlength=n + 1)[: n + 1], out=indptr[1:])
        indptr[n + 1] = indptr[n] + 2  # two slots for the virtual node's edges
        # One indices array for every unit type: only the virtual node's two slots
        # change per query, and that happens under the network's lock.
        indices = np.concatenate([cols, [n, n]]).astype(np.int32)
        mats = {}
        for t, pace in self._pace.items():
            data = np.concatenate([self.seg_len_m[segs] * pace[segs], [_EPS_S, _EPS_S]])
            data = np.maximum(data, _EPS_S)
            m = csr_matrix((data, indices, indptr), shape=(n + 1, n + 1), copy=False)
            m.indices = indices  # keep it shared even if the constructor copied
            mats[t] = m
        return mats

    def _project(self, lat: np.ndarray | float, lon: np.ndarray | float) -> tuple[Any, Any]:
        x = EARTH_RADIUS_M * math.cos(self._lat0) * np.radians(lon)
        y = EARTH_RADIUS_M * np.radians(lat)
        return x, y

    # -- facts ----------------------------------------------------------------------
    def bounds(self) -> tuple[float, float, float, float]:
        """(min_lat, min_lon, max_lat, max_lon) of the network."""
        return (float(self.node_lat.min()), float(self.node_lon.min()),
                float(self.node_lat.max()), float(self.node_lon.max()))

    def hour_factor(self, when: datetime | None) -> float:
        """Speed multiplier for the local hour of `when` (1.0 when None)."""
        return 1.0 if when is None else self.hour_factors.get(when.hour, 1.0)

    def pace(self, unit_type: str) -> np.ndarray:
        """Seconds per metre on every segment for a unit type (unknown types: fire engine)."""
        pace = self._pace.get(unit_type)
        return pace if pace is not None else self._pace[self.unit_types[0]]

    def _type(self, unit_type: str) -> str:
        return unit_type if unit_type in self._pace else self.unit_types[0]

    # -- snapping -------------------------------------------------------------------
    def snap_many(self, points: Sequence[tuple[float, float]]) -> list[Snap]:
        """Nearest segment, fraction and off-road distance for each (lat, lon)."""
        out: list[Snap | None] = [self._snap_cache.get((p[0], p[1])) for p in points]
        todo = [i for i, s in enumerate(out) if s is None]
        if todo:
            lat = np.array([points[i][0] for i in todo], dtype=np.float64)
            lon = np.array([points[i][1] for i in todo], dtype=np.float64)
            px, py = self._project(lat, lon)
            geoms = shapely.points(np.stack([px, py], axis=1))
            src, seg = self._tree.query_nearest(geoms, all_matches=False)
            segs = np.empty(len(todo), dtype=np.int64)
            segs[src] = seg
            ax, ay = self._x[self.seg_u[segs]], self._y[self.seg_u[segs]]
            bx, by = self._x[self.seg_v[segs]], self._y[self.seg_v[segs]]
            dx, dy = bx - ax, by - ay
            den = np.maximum(dx * dx + dy * dy, 1e-12)
            t = np.clip(((px - ax) * dx + (py - ay) * dy) / den, 0.0, 1.0)
            off = np.hypot(px - (ax + t * dx), py - (ay + t * dy))
            if len(self._snap_cache) > _SNAP_CACHE_SIZE:
                self._snap_cache.clear()
            for k, i in enumerate(todo):
                snap = Snap(int(segs[k]), float(t[k]), float(off[k]))
                self._snap_cache[(points[i][0], points[i][1])] = snap
                out[i] = snap
        return out  # type: ignore[return-value]

    def snap(self, lat: float, lon: float) -> Snap:
        """The nearest road segment to (lat, lon)."""
        return self.snap_many([(lat, lon)])[0]

    # -- shortest paths -------------------------------------------------------------
    def _run(self, mats: dict[str, Any], unit_type: str, slots: tuple[tuple[int, float], ...],
             limit_s: float) -> tuple[np.ndarray, np.ndarray]:
        m = mats[self._type(unit_type)]
        q = self._q
        with self._lock:
            # Rewrite the virtual node's two edges; an unused slot is a self-loop.
            base = m.indptr[q]
            for k in range(2):
                node, w = slots[k] if k < len(slots) else (q, _EPS_S)
                m.indices[base + k] = node
                m.data[base + k] = max(w, _EPS_S)
            dist, pred = dijkstra(m, directed=True, indices=q, limit=limit_s,
                                  return_predecessors=True)
        return dist, pred

    def _slots(self, snap: Snap, unit_type: str, toward: bool) -> tuple[tuple[int, float], ...]:
        """Virtual edges of a query point; toward=True: the point is a destination."""
        s = snap.segment
        partial_u = snap.t * self.seg_len_m[s] * self.pace(unit_type)[s]
        partial_v = (1 - snap.t) * self.seg_len_m[s] * self.pace(unit_type)[s]
        slots = []
        u, v = int(self.seg_u[s]), int(self.seg_v[s])
        if toward:
            # Reversed graph: reach the point from u by driving u→point (forward).
            if self.seg_fwd[s]:
                slots.append((u, partial_u))
            if self.seg_bwd[s]:
                slots.append((v, partial_v))
        else:
            # Forward graph: leave the point towards v (forward) or u (backward).
            if self.seg_fwd[s]:
                slots.append((v, partial_v))
            if self.seg_bwd[s]:
                slots.append((u, partial_u))
        return tuple(slots)

    def travel_to(self, dest: tuple[float, float], unit_type: str,
                  when: datetime | None = None) -> RoadTravelTimes:
        """Drive times from anywhere TO `dest` (lazy, bounded reverse Dijkstra)."""
        return RoadTravelTimes(self, dest, unit_type, when, toward=True)

    def travel_from(self, origin: tuple[float, float], unit_type: str,
                    when: datetime | None = None) -> RoadTravelTimes:
        """Drive times FROM `origin` to anywhere (forward Dijkstra)."""
        return RoadTravelTimes(self, origin, unit_type, when, toward=False)

    def path_length_m(self, pred: np.ndarray, node: int, toward: bool) -> tuple[float, int]:
        """Length of the tree path from `node` to the query point's attachment, and that node."""
        q = self._q
        path = [node]
        cur = node
        # A tree path visits each node once, so this ends within n steps.
        for _ in range(self.n_nodes + 1):
            nxt = int(pred[cur])
            if nxt < 0 or nxt == q:
                break
            path.append(nxt)
            cur = nxt
        if len(path) < 2:
            return 0.0, cur
        a = np.asarray(path[:-1], dtype=np.int64)
        b = np.asarray(path[1:], dtype=np.int64)
        # toward: pred[x] is the next hop from x (forward edge x -> pred[x]);
        # otherwise pred[x] is the hop before x (forward edge pred[x] -> x).
        keys = a * (q + 1) + b if toward else b * (q + 1) + a
        idx = np.searchsorted(self._edge_key, keys)
        return float(self._edge_len[idx].sum()), cur


class RoadTravelTimes:
    """Drive times between many points and one fixed point, for one unit type and hour."""

    via = "road"

    def __init__(self, net: RoadNetwork, point: tuple[float, float], unit_type: str,
                 when: datetime | None, toward: bool) -> None:
        self.net = net
        self.point = (float(point[0]), float(point[1]))
        self.unit_type = unit_type
        self.toward = toward
        self.factor = net.hour_factor(when)
        self.snap = net.snap(*self.point)
        self._slots = net._slots(self.snap, unit_type, toward)
        self._mats = net._rev if toward else net._fwd
        self._limit = -1.0  # base-time horizon computed so far
        self._dist: np.ndarray | None = None
        self._pred: np.ndarray | None = None
        self._pace = net.pace(unit_type)
        self._offroad_pace = 3.6 / net.offroad_speed_kmh
        self._vmax_ms = max(net.max_speed_kmh.get(net._type(unit_type), 1.0),
                            net.offroad_speed_kmh) / 3.6

    def lower_bound_s(self, straight_m: float) -> float:
        """No route between points `straight_m` apart can be faster than this."""
        return _BOUND_SAFETY * straight_m / (self._vmax_ms * self.factor)

    def _ensure(self, horizon_s: float) -> None:
        base = horizon_s * self.factor if math.isfinite(horizon_s) else math.inf
        if self._dist is not None and base <= self._limit:
            return
        # Search a little further than asked: a caller that widens its horizon (the
        # recommender reading more candidates) then rarely needs a second search,
        # and a bounded search's cost is mostly its fixed start-up, not the extra nodes.
        limit = base * _SPECULATE
        self._dist, self._pred = self.net._run(self._mats, self.unit_type, self._slots, limit)
        self._limit = limit

    def node_times(self, within_s: float) -> np.ndarray:
        """Base drive time (hour factor 1) between every road node and the point; inf beyond."""
        self._ensure(within_s / self.factor if math.isfinite(within_s) else math.inf)
        assert self._dist is not None
        return self._dist[: self.net.n_nodes]

    def _evaluate(self, snaps: Sequence[Snap]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Base-time ETA, the node the best route passes (-1: direct), and its partial length."""
        net = self.net
        dist = self._dist
        assert dist is not None
        seg = np.fromiter((s.segment for s in snaps), dtype=np.int64, count=len(snaps))
        t = np.fromiter((s.t for s in snaps), dtype=np.float64, count=len(snaps))
        off = np.fromiter((s.off_m for s in snaps), dtype=np.float64, count=len(snaps))
        length = net.seg_len_m[seg]
        pace = self._pace[seg]
        u, v = net.seg_u[seg], net.seg_v[seg]
        fwd, bwd = net.seg_fwd[seg], net.seg_bwd[seg]
        inf = np.inf
        if self.toward:
            # From the origin drive to v (forward) or to u (backward), then on to the point.
            via_v = np.where(fwd, (1 - t) * length * pace + dist[v], inf)
            via_u = np.where(bwd, t * length * pace + dist[u], inf)
        else:
            # From the point to u or v, then along the segment to the target's position.
            via_u = np.where(fwd, dist[u] + t * length * pace, inf)
            via_v = np.where(bwd, dist[v] + (1 - t) * length * pace, inf)
        best = np.minimum(via_u, via_v)
        node = np.where(via_v <= via_u, v, u)
        part = np.where(via_v <= via_u, (1 - t) * length, t * length)
        # Same segment as the fixed point: drive straight along it when allowed.
        same = seg == self.snap.segment
        if same.any():
            ts = self.snap.t
            src_t, dst_t = (t, ts) if self.toward else (ts, t)
            ok = np.where(dst_t >= src_t, fwd, bwd)
            direct = np.where(ok & same, np.abs(dst_t - src_t) * length * pace, inf)
            take = direct < best
            best = np.where(take, direct, best)
            node = np.where(take, -1, node)
            part = np.where(take, np.abs(dst_t - src_t) * length, part)
        best = best + (off + self.snap.off_m) * self._offroad_pace
        return best, node, part + off

    def etas(self, points: Sequence[tuple[float, float]], within_s: float = math.inf,
             ) -> list[float | None]:
        """ETA (s) for each point whose drive is ≤ within_s; None for slower ones."""
        if not points:
            return []
        self._ensure(within_s)
        snaps = self.net.snap_many(points)
        best, _node, _part = self._evaluate(snaps)
        eta = best / self.factor
        return [float(e) if e <= within_s else None for e in eta]

    def route(self, point: tuple[float, float]) -> Route:
        """The full Route (distance, ETA) between `point` and the fixed point."""
        snap = self.net.snap(*point)
        if self._dist is None:
            self._ensure(math.inf)
        best, node, part = self._evaluate([snap])
        if not math.isfinite(best[0]) and math.isfinite(self._limit):
            self._ensure(math.inf)
            best, node, part = self._evaluate([snap])
        n = int(node[0])
        dist_m = float(part[0]) + self.snap.off_m
        if n >= 0:
            assert self._pred is not None
            path_m, attach = self.net.path_length_m(self._pred, n, self.toward)
            s = self.snap.segment
            length = float(self.net.seg_len_m[s])
            # The fixed point's own partial edge, from where the path attaches.
            own = self.snap.t * length if attach == int(self.net.seg_u[s]) else (1 - self.snap.t) * length
            dist_m += path_m + own
        return Route(distance_m=dist_m, eta_s=float(best[0]) / self.factor, via="road")


def build_network(ways: Iterable[RawWay], speeds: Mapping[str, Mapping[str, float]],
                  offroad_speed_kmh: float = 15.0,
                  hour_factors: Mapping[int, float] | None = None,
                  source: str = "") -> RoadNetwork:
    """A RoadNetwork from raw ways and class speeds per unit type."""
    index: dict[int, int] = {}
    lat: list[float] = []
    lon: list[float] = []
    su: list[int] = []
    sv: list[int] = []
    sf: list[bool] = []
    sb: list[bool] = []
    shw: list[str] = []
    smax: list[float] = []
    for way in ways:
        prev: int | None = None
        for ref, la, lo in way.nodes:
            if math.isnan(la):
                prev = None  # a node outside the extract breaks the way
                continue
            idx = index.get(ref)
            if idx is None:
                idx = index[ref] = len(lat)
                lat.append(la)
                lon.append(lo)
            if prev is not None:
                su.append(prev)
                sv.append(idx)
                sf.append(way.forward)
                sb.append(way.backward)
                shw.append(way.highway)
                smax.append(math.nan if way.maxspeed_kmh is None else way.maxspeed_kmh)
            prev = idx
    if not su:
        raise RoadNetworkError(f"no drivable road in {source or 'the input'}")
    # Highway classes as small codes: a per-type speed table lookup instead of a
    # string per segment per unit type.
    classes = sorted(set(shw))
    code = {h: i for i, h in enumerate(classes)}
    hw = np.fromiter((code[h] for h in shw), dtype=np.int16, count=len(shw))
    cap = np.array(smax)
    seg_speed: dict[str, np.ndarray] = {}
    for t, table in speeds.items():
        per_class = np.array([table.get(h, table.get("road", 25.0)) for h in classes])
        cls = per_class[hw]
        seg_speed[t] = np.where(np.isnan(cap), cls, np.minimum(cls, cap))
    return RoadNetwork(np.array(lat), np.array(lon), np.array(su), np.array(sv), np.array(sf),
                       np.array(sb), seg_speed, offroad_speed_kmh=offroad_speed_kmh,
                       hour_factors=hour_factors, source=source)


def load_osm(path: str | Path, speed_overrides: Mapping[str, Mapping[str, float]] | None = None,
             offroad_speed_kmh: float = 15.0,
             hour_factors: Mapping[int, float] | None = None) -> RoadNetwork:
    """Read an .osm/.osm.pbf file into a RoadNetwork (speeds: defaults + overrides)."""
    ways = read_osm_ways(path)
    return build_network(ways, class_speeds(speed_overrides), offroad_speed_kmh=offroad_speed_kmh,
                         hour_factors=hour_factors, source=str(path))


class RoadRouter:
    """A ``Router`` that drives on a RoadNetwork."""

    via = "road"

    def __init__(self, network: RoadNetwork) -> None:
        """Route on `network`."""
        self.network = network

    def route(self, origin: tuple[float, float], dest: tuple[float, float], unit_type: str,
              when: datetime | None = None) -> Route:
        """Fastest road route from origin to dest for unit_type at `when`."""
        return self.network.travel_to(dest, unit_type, when).route(origin)

    def travel_to(self, dest: tuple[float, float], unit_type: str,
                  when: datetime | None = None) -> RoadTravelTimes:
        """Drive times from many origins to dest (see RoadNetwork.travel_to)."""
        return self.network.travel_to(dest, unit_type, when)

    def travel_from(self, origin: tuple[float, float], unit_type: str,
                    when: datetime | None = None) -> RoadTravelTimes:
        """Drive times from origin to many destinations."""
        return self.network.travel_from(origin, unit_type, when)

    def is_monotonic_in_distance(self) -> bool:
        """False: a unit nearer in a straight line may be further by road."""
        return False

    def describe(self) -> dict[str, object]:
        """What the router is, for /healthz and logs."""
        net = self.network
        return {"via": "road", "source": net.source, "nodes": net.n_nodes,
                "segments": net.n_segments, "dropped_segments": net.dropped_segments}
