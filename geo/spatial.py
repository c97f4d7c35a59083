"""A uniform-grid spatial index for moving points with lazy nearest-neighbour search.

Points live in square cells of ``cell_deg`` degrees; moving a point is O(1).
``nearest`` is a best-first search over cells: rings of cells around the query
are opened one at a time, each occupied cell enters a heap keyed by a lower
bound of the distance to anything inside it, and a point is only yielded once
its distance is <= the lower bound of every cell not yet expanded and of every
ring not yet opened.  Distances are spherical (they equal ``haversine_m``), and
the bounds are valid on the whole sphere, including near the poles and the
antimeridian, so the order is exact, not approximate.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Hashable, Iterator
from itertools import count, islice

from geo.distance import EARTH_RADIUS_M

_HALF_PI = math.pi / 2.0
# Float slack (metres) subtracted from every lower bound: cell membership is
# computed with floor(), which can misplace a point by one ulp at a cell edge.
_BOUND_SLACK_M = 1e-3

# Per point: (lat, lon, lat in radians, cos(lat in radians)).
_Point = tuple[float, float, float, float]
_Cell = tuple[int, int]


def _meridian_bound(gap_deg: float, cos_qlat: float, abs_qlat_rad: float) -> float:
    # Minimum angular distance from the query to a half-meridian `gap_deg` of
    # longitude away. It is non-decreasing in gap_deg over [0, 180], so the
    # value at the smallest gap bounds every longitude further away.
    if gap_deg <= 0.0:
        return 0.0
    if gap_deg >= 90.0:
        return _HALF_PI - abs_qlat_rad
    return math.asin(min(1.0, math.sin(math.radians(gap_deg)) * cos_qlat))


def _lon_gap(a: float, b: float) -> float:
    # Wrapped absolute difference between two longitudes, in [0, 180].
    d = abs(a - b) % 360.0
    return 360.0 - d if d > 180.0 else d


class PointIndex:
    """Moving points keyed by any hashable, indexed in a uniform lat/lon grid.

    There is no lock: serialise writers (e.g. the MQTT thread) with the caller's
    own lock. A ``nearest`` iteration tolerates writes between its yields (it
    never raises, never yields a removed key or a key twice), but a point moved
    mid-iteration may be reported at its old distance or missed.
    """

    def __init__(self, cell_deg: float = 0.01) -> None:
        """Create an empty index with square cells of `cell_deg` degrees."""
        if not (cell_deg > 0.0 and math.isfinite(cell_deg)):
            raise ValueError("cell_deg must be a positive finite number")
        self.cell_deg = float(cell_deg)
        self._points: dict[Hashable, tuple[_Point, _Cell]] = {}
        self._cells: dict[_Cell, dict[Hashable, _Point]] = {}

    def _cell_of(self, lat: float, lon: float) -> _Cell:
        return (math.floor(lat / self.cell_deg), math.floor(lon / self.cell_deg))

    def upsert(self, key: Hashable, lat: float, lon: float) -> None:
        """Insert or move `key` to (lat, lon); O(1)."""
        if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
            raise ValueError(f"invalid coordinates: {lat!r}, {lon!r}")
        lat = float(lat)
        lon = float(lon)
        phi = math.radians(lat)
        point: _Point = (lat, lon, phi, math.cos(phi))
        cell = self._cell_of(lat, lon)
        old = self._points.get(key)
        if old is not None and old[1] != cell:
            self._discard_from_cell(key, old[1])
        self._points[key] = (point, cell)
        bucket = self._cells.get(cell)
        if bucket is None:
            bucket = self._cells[cell] = {}
        bucket[key] = point

    def _discard_from_cell(self, key: Hashable, cell: _Cell) -> None:
        bucket = self._cells.get(cell)
        if bucket is not None:
            bucket.pop(key, None)
            # Drop empty cells so len(self._cells) counts occupied cells only.
            if not bucket:
                del self._cells[cell]

    def remove(self, key: Hashable) -> None:
        """Remove `key` if present (missing keys are ignored)."""
        old = self._points.pop(key, None)
        if old is not None:
            self._discard_from_cell(key, old[1])

    def get(self, key: Hashable) -> tuple[float, float] | None:
        """Return (lat, lon) of `key`, or None."""
        entry = self._points.get(key)
        return None if entry is None else (entry[0][0], entry[0][1])

    def __len__(self) -> int:
        """Number of points in the index."""
        return len(self._points)

    def __contains__(self, key: object) -> bool:
        """True if `key` is in the index."""
        return key in self._points

    def keys(self) -> list[Hashable]:
        """All keys, in no particular order."""
        return list(self._points)

    def nearest(
        self,
        lat: float,
        lon: float,
        predicate: Callable[[Hashable], bool] | None = None,
        max_distance_m: float | None = None,
    ) -> Iterator[tuple[Hashable, float]]:
        """Lazily yield (key, distance_m) in non-decreasing distance order."""
        # Validate eagerly so bad input fails at the call, not at first next().
        if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
            raise ValueError(f"invalid coordinates: {lat!r}, {lon!r}")
        return self._nearest(float(lat), float(lon), predicate, max_distance_m)

    def nearest_k(
        self,
        lat: float,
        lon: float,
        k: int,
        predicate: Callable[[Hashable], bool] | None = None,
    ) -> list[tuple[Hashable, float]]:
        """The k nearest (key, distance_m) pairs, closest first."""
        if k <= 0:
            return []
        return list(islice(self.nearest(lat, lon, predicate), k))

    def _nearest(
        self,
        qlat: float,
        qlon: float,
        predicate: Callable[[Hashable], bool] | None,
        max_distance_m: float | None,
    ) -> Iterator[tuple[Hashable, float]]:
        cells = self._cells
        if not cells:
            return
        c = self.cell_deg
        two_r = 2.0 * EARTH_RADIUS_M
        radius = EARTH_RADIUS_M
        slack = _BOUND_SLACK_M
        limit = math.inf if max_distance_m is None else float(max_distance_m)
        qphi = math.radians(qlat)
        qcos = math.cos(qphi)
        abs_qphi = abs(qphi)
        sin = math.sin
        asin = math.asin
        sqrt = math.sqrt
        radians = math.radians
        heappush = heapq.heappush
        heappop = heapq.heappop

        ci, cj = self._cell_of(qlat, qlon)
        # Heap entries: (distance or lower bound, tiebreak, key, is_cell).
        # The unique tiebreak keeps keys (which may not be orderable) out of comparisons.
        heap: list[tuple[float, int, object, bool]] = []
        tiebreak = count()
        seen: set[Hashable] = set()

        def cell_bound(cell: _Cell) -> float:
            i, j = cell
            lat_lo = i * c
            lat_hi = lat_lo + c
            if qlat < lat_lo:
                dlat = lat_lo - qlat
            elif qlat > lat_hi:
                dlat = qlat - lat_hi
            else:
                dlat = 0.0
            lon_lo = j * c
            lon_hi = lon_lo + c
            if lon_lo <= qlon <= lon_hi:
                gap = 0.0
            else:
                gap = min(_lon_gap(lon_lo, qlon), _lon_gap(lon_hi, qlon))
            ang = max(radians(dlat), _meridian_bound(gap, qcos, abs_qphi))
            return radius * ang - slack

        def push_cell(cell: _Cell) -> None:
            lb = cell_bound(cell)
            if lb <= limit:
                heappush(heap, (lb, next(tiebreak), cell, True))

        def block_bound(r: int) -> float:
            # Lower bound for every cell outside the (2r+1)^2 block around the
            # query cell: the strips above/below it and the lunes east/west.
            lat_lo = (ci - r) * c
            lat_hi = (ci + r + 1) * c
            lon_lo = (cj - r) * c
            lon_hi = (cj + r + 1) * c
            best = math.inf
            if lat_hi <= 90.0:
                best = min(best, radians(lat_hi - qlat))
            if lat_lo >= -90.0:
                best = min(best, radians(qlat - lat_lo))
            east = lon_hi <= 180.0
            west = lon_lo >= -180.0
            if east or west:
                gap = 180.0 - abs(qlon)
                if east:
                    gap = min(gap, lon_hi - qlon)
                if west:
                    gap = min(gap, qlon - lon_lo)
                best = min(best, _meridian_bound(gap, qcos, abs_qphi))
            return math.inf if best == math.inf else radius * best - slack

        r = -1  # rings 0..r are opened
        bound = -math.inf  # lower bound for anything in unopened rings
        while True:
            if heap and heap[0][0] <= bound:
                dist, _, item, is_cell = heappop(heap)
                if not is_cell:
                    # A point removed while the caller was consuming is dropped.
                    if item in self._points:
                        yield item, dist  # type: ignore[misc]
                    continue
                bucket = cells.get(item)  # type: ignore[call-overload]
                if not bucket:
                    continue
                # Copy: the caller may move points between yields.
                for key, (_plat, plon, pphi, pcos) in list(bucket.items()):
                    if key in seen or (predicate is not None and not predicate(key)):
                        continue
                    dl = radians(plon - qlon)
                    a = sin((pphi - qphi) / 2.0) ** 2 + qcos * pcos * sin(dl / 2.0) ** 2
                    d = two_r * asin(sqrt(min(1.0, max(0.0, a))))
                    if d <= limit:
                        seen.add(key)
                        heappush(heap, (d, next(tiebreak), key, False))
                continue
            # Nothing in the heap can be yielded yet: open more of the grid.
            if bound == math.inf or bound > limit:
                if not heap:
                    return
                # Only reachable when bound > limit: every heap item is <= limit.
                bound = math.inf
                continue
            r += 1
            if r > 0 and (2 * r + 1) ** 2 > 4 * len(cells):
                # Enumerating more (mostly empty) ring cells would cost more than
                # scanning every occupied cell, so push all the cells outside the
                # opened block at once; this caps the work at O(occupied cells).
                rr = r - 1
                for cell in list(cells):
                    if abs(cell[0] - ci) > rr or abs(cell[1] - cj) > rr:
                        push_cell(cell)
                bound = math.inf
                continue
            if r == 0:
                if (ci, cj) in cells:
                    push_cell((ci, cj))
            else:
                top, bottom, left, right = ci + r, ci - r, cj - r, cj + r
                for j in range(left, right + 1):
                    if (top, j) in cells:
                        push_cell((top, j))
                    if (bottom, j) in cells:
                        push_cell((bottom, j))
                for i in range(bottom + 1, top):
                    if (i, left) in cells:
                        push_cell((i, left))
                    if (i, right) in cells:
                        push_cell((i, right))
            bound = block_bound(r)
