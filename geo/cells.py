"""Integer grid cells for "what is near this point" lookups in a plain database index.

A cell is a square of ``cell_deg`` degrees, numbered as one integer so that an
ordinary B-tree index on (cell, time) answers "recent rows near here" without a
spatial extension: look up the cell of the point and its eight neighbours.
"""

from __future__ import annotations

import math

from geo.distance import EARTH_RADIUS_M

# Longitude indexes stay within +-36,000 for cells of >= 0.005 degrees, so a
# stride of 100,000 keeps every (lat, lon) index pair a distinct integer.
_STRIDE = 100_000
_M_PER_DEG_LAT = math.pi * EARTH_RADIUS_M / 180.0


def cell_of(lat: float, lon: float, cell_deg: float) -> int:
    """The cell number of a point."""
    return math.floor(lat / cell_deg) * _STRIDE + math.floor(lon / cell_deg)


def cells_around(lat: float, lon: float, cell_deg: float) -> list[int]:
    """The point's cell and its eight neighbours."""
    i, j = math.floor(lat / cell_deg), math.floor(lon / cell_deg)
    return [(i + di) * _STRIDE + (j + dj) for di in (-1, 0, 1) for dj in (-1, 0, 1)]


def covers_radius(lat: float, cell_deg: float, radius_m: float) -> bool:
    """True when the 3x3 block around any point at this latitude reaches `radius_m` every way."""
    # The block reaches at least one whole cell beyond the point's own cell; east-west a
    # degree shrinks with cos(latitude).
    east_west = cell_deg * _M_PER_DEG_LAT * math.cos(math.radians(min(abs(lat), 90.0)))
    return min(cell_deg * _M_PER_DEG_LAT, east_west) >= radius_m
