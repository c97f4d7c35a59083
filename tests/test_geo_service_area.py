"""The service area: districts plus a margin, measured on the ground."""

from __future__ import annotations

import math

import pytest
from shapely.geometry import box

from geo.service_area import ServiceArea

# A 0.1° square at the equator, ~11.1 km a side; 1 km of margin.
SQUARE = box(0.0, 0.0, 0.1, 0.1)
KM_IN_DEG = 1000.0 / (math.pi * 6_371_008.8 / 180.0)


def test_inside_margin_and_beyond() -> None:
    area = ServiceArea([SQUARE], margin_m=1000.0)
    assert area.contains(0.05, 0.05)
    assert area.contains(0.05, 0.1 + 0.9 * KM_IN_DEG)  # 900 m east of the edge
    assert not area.contains(0.05, 0.1 + 1.1 * KM_IN_DEG)  # 1.1 km east
    assert not area.contains(48.85, 2.35)
    assert not area.contains(float("nan"), 0.05)


def test_margin_is_ground_distance_away_from_the_equator() -> None:
    # At 60° S a degree of longitude is half as long: 1 km is twice as many degrees.
    lat0 = -60.0
    area = ServiceArea([box(0.0, lat0, 0.1, lat0 + 0.1)], margin_m=1000.0)
    mid = lat0 + 0.05
    assert area.contains(mid, 0.1 + 1.8 * KM_IN_DEG)  # 900 m on the ground
    assert not area.contains(mid, 0.1 + 2.2 * KM_IN_DEG)  # 1.1 km on the ground


def test_bad_input() -> None:
    with pytest.raises(ValueError):
        ServiceArea([], margin_m=0)
    with pytest.raises(ValueError):
        ServiceArea([SQUARE], margin_m=-1)
