"""The area a city serves: the union of its kecamatan polygons grown by a margin.

Used to tell a believable GPS fix from one that puts a unit in another city (or
country). The margin is applied in a local equirectangular frame (longitude scaled by
cos(latitude)), accurate to well under a percent at city scale.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import shapely
from shapely.geometry import Point

# Metres per degree of latitude on the mean sphere (pi * R / 180).
_M_PER_DEG = math.pi * 6_371_008.8 / 180.0


class ServiceArea:
    """Point test against the union of district polygons plus `margin_m`."""

    def __init__(self, polygons: Iterable[Any], margin_m: float = 0.0) -> None:
        """Build from shapely (Multi)Polygons in (lon, lat) and a margin in metres."""
        geoms = [g for g in polygons if g is not None and not g.is_empty]
        if not geoms:
            raise ValueError("ServiceArea needs at least one polygon")
        if not math.isfinite(margin_m) or margin_m < 0:
            raise ValueError(f"margin_m must be a non-negative number, got {margin_m!r}")
        self.margin_m = float(margin_m)
        union = shapely.union_all(geoms)
        _x0, min_lat, _x1, max_lat = union.bounds
        self._kx = math.cos(math.radians((min_lat + max_lat) / 2.0))
        kx = self._kx
        scaled = shapely.transform(union, lambda xy: xy * [kx, 1.0])
        grown = scaled.buffer(self.margin_m / _M_PER_DEG) if self.margin_m else scaled
        shapely.prepare(grown)
        self._area = grown
        bx0, by0, bx1, by1 = grown.bounds
        self._bbox = (bx0, by0, bx1, by1)

    def contains(self, lat: float, lon: float) -> bool:
        """True when (lat, lon) lies inside the districts or within the margin of them."""
        if not (math.isfinite(lat) and math.isfinite(lon)):
            return False
        x, y = lon * self._kx, lat
        bx0, by0, bx1, by1 = self._bbox
        if not (bx0 <= x <= bx1 and by0 <= y <= by1):
            return False  # the common far-away case without touching the polygon
        return bool(self._area.covers(Point(x, y)))
