"""Grid cells for near-by lookups: neighbours always hold every point within the radius."""

from __future__ import annotations

import math
import random

import pytest

from geo.cells import cell_of, cells_around, covers_radius
from geo.distance import haversine_m

CELL = 0.005


def _offset(lat: float, lon: float, metres: float, bearing_deg: float) -> tuple[float, float]:
    # Small-distance offset on the sphere; exactness is checked with haversine below.
    b = math.radians(bearing_deg)
    dlat = metres * math.cos(b) / 111_195.0
    dlon = metres * math.sin(b) / (111_195.0 * math.cos(math.radians(lat)))
    return lat + dlat, lon + dlon


@pytest.mark.parametrize("base_lat", [-7.82, 0.0, 35.0, -50.0])
def test_every_point_within_the_radius_is_in_the_3x3_block(base_lat: float) -> None:
    rng = random.Random(base_lat)
    assert covers_radius(base_lat, CELL, 300.0)
    for _ in range(3000):
        lat = base_lat + rng.uniform(-0.02, 0.02)
        lon = 112.0 + rng.uniform(-0.02, 0.02)
        other = _offset(lat, lon, rng.uniform(0, 299.0), rng.uniform(0, 360))
        if haversine_m(lat, lon, *other) > 300.0:
            continue
        assert cell_of(*other, CELL) in cells_around(lat, lon, CELL)


def test_cells_are_distinct_and_neighbours_are_nine() -> None:
    seen = {cell_of(-7.8 + i * CELL, 111.9 + j * CELL, CELL) for i in range(50) for j in range(50)}
    assert len(seen) == 2500
    around = cells_around(-7.8166, 112.0114, CELL)
    assert len(set(around)) == 9 and cell_of(-7.8166, 112.0114, CELL) in around
    # Across the equator and the prime meridian the numbering stays distinct.
    assert len({cell_of(a, b, CELL) for a in (-0.001, 0.001) for b in (-0.001, 0.001)}) == 4


def test_narrow_cells_far_from_the_equator_are_reported() -> None:
    assert not covers_radius(70.0, CELL, 300.0)
    assert not covers_radius(-7.8, 0.001, 300.0)
