"""DistrictIndex over small hand-made squares (independent of any city pack)."""

from __future__ import annotations

import random
from typing import Any

import pytest

from geo.districts import DistrictIndex, Location


def square(lon0: float, lat0: float, lon1: float, lat1: float) -> dict[str, Any]:
    ring = [[lon0, lat0], [lon1, lat0], [lon1, lat1], [lon0, lat1], [lon0, lat0]]
    return {"type": "Polygon", "coordinates": [ring]}


def point(lon: float, lat: float) -> dict[str, Any]:
    return {"type": "Point", "coordinates": [lon, lat]}


# Two adjacent squares of 0.02° (about 2.2 km) near Kediri: West | East, and a
# two-part MultiPolygon "Island" further south.
WEST = square(112.00, -7.82, 112.02, -7.80)
EAST = square(112.02, -7.82, 112.04, -7.80)
ISLAND = {
    "type": "MultiPolygon",
    "coordinates": [
        square(112.00, -7.90, 112.01, -7.89)["coordinates"],
        square(112.03, -7.90, 112.04, -7.89)["coordinates"],
    ],
}


@pytest.fixture
def index() -> DistrictIndex:
    return DistrictIndex(
        [("West", "35.71.01", WEST), ("East", "35.71.02", EAST), ("Island", None, ISLAND)],
        [
            # West: kelurahan as polygons (north and south halves).
            ("W-North", "West", square(112.00, -7.81, 112.02, -7.80)),
            ("W-South", "West", square(112.00, -7.82, 112.02, -7.81)),
            # East: kelurahan known only by a centre point.
            ("E-A", "East", point(112.025, -7.81)),
            ("E-B", "East", point(112.035, -7.81)),
        ],
    )


def test_inside_with_kelurahan_polygon(index: DistrictIndex) -> None:
    loc = index.locate(-7.805, 112.01)
    assert loc == Location("West", "35.71.01", "W-North", False, 0.0)
    assert index.locate(-7.815, 112.01).kelurahan == "W-South"


def test_inside_with_nearest_kelurahan_point(index: DistrictIndex) -> None:
    assert index.locate(-7.815, 112.026).kelurahan == "E-A"
    assert index.locate(-7.801, 112.039).kelurahan == "E-B"
    loc = index.locate(-7.81, 112.033)
    assert (loc.kecamatan, loc.kecamatan_code, loc.outside_jurisdiction) == (
        "East",
        "35.71.02",
        False,
    )


def test_multipolygon_and_missing_kelurahan(index: DistrictIndex) -> None:
    loc = index.locate(-7.895, 112.035)
    assert loc.kecamatan == "Island"
    assert loc.kecamatan_code is None
    assert loc.kelurahan is None
    assert not loc.outside_jurisdiction


def test_on_edge_counts_as_inside(index: DistrictIndex) -> None:
    # Outer edge of West.
    loc = index.locate(-7.81, 112.00)
    assert loc.kecamatan == "West"
    assert not loc.outside_jurisdiction
    assert loc.distance_m == 0.0
    # Shared edge: deterministic, the first kecamatan listed.
    shared = index.locate(-7.81, 112.02)
    assert shared.kecamatan == "West"
    assert not shared.outside_jurisdiction
    # A corner vertex.
    assert not index.locate(-7.80, 112.04).outside_jurisdiction


def test_outside_gives_nearest_with_distance(index: DistrictIndex) -> None:
    # 0.01° east of East's east edge at the equator-ish latitude of Kediri.
    loc = index.locate(-7.81, 112.05)
    assert loc.kecamatan == "East"
    assert loc.outside_jurisdiction
    assert loc.kelurahan is None
    assert loc.distance_m == pytest.approx(1102, rel=0.02)
    # North of both: nearest is whichever edge is closer, here West.
    north = index.locate(-7.79, 112.005)
    assert (north.kecamatan, north.outside_jurisdiction) == ("West", True)
    assert north.distance_m == pytest.approx(1112, rel=0.02)
    # Between the mainland and the island's gap, closer to the island.
    south = index.locate(-7.885, 112.02)
    assert south.kecamatan == "Island"
    assert south.outside_jurisdiction


def test_far_away_never_raises(index: DistrictIndex) -> None:
    for lat, lon in [(89.0, -179.0), (-89.0, 179.0), (0.0, 0.0), (-6.2, 106.8)]:
        loc = index.locate(lat, lon)
        assert loc.outside_jurisdiction
        assert loc.distance_m > 100_000


def test_invalid_coordinates_raise(index: DistrictIndex) -> None:
    with pytest.raises(ValueError):
        index.locate(100.0, 0.0)


def test_names_and_bounds(index: DistrictIndex) -> None:
    assert index.kecamatan_names() == ["West", "East", "Island"]
    assert index.kelurahan_names() == ["W-North", "W-South", "E-A", "E-B"]
    assert index.kelurahan_names("East") == ["E-A", "E-B"]
    assert index.kelurahan_names("Island") == []
    assert index.bounds() == pytest.approx((-7.90, 112.00, -7.80, 112.04))


def test_random_point_in_lands_inside(index: DistrictIndex) -> None:
    rng = random.Random(42)
    for name in index.kecamatan_names():
        for _ in range(200):
            lat, lon = index.random_point_in(name, rng)
            loc = index.locate(lat, lon)
            assert loc.kecamatan == name
            assert not loc.outside_jurisdiction
    # Same seed, same points (simulators rely on it).
    a = index.random_point_in("West", random.Random(1))
    b = index.random_point_in("West", random.Random(1))
    assert a == b
    with pytest.raises(KeyError):
        index.random_point_in("Nowhere", rng)


def test_from_geojson() -> None:
    fc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"level": "kecamatan", "name": "West", "code": "01"},
                "geometry": WEST,
            },
            {
                "type": "Feature",
                "properties": {"level": "kecamatan", "name": "East", "code": "02"},
                "geometry": EAST,
            },
            {
                "type": "Feature",
                "properties": {"level": "kelurahan", "name": "E-A", "kecamatan": "East"},
                "geometry": point(112.03, -7.81),
            },
            {
                "type": "Feature",
                "properties": {"level": "kota", "name": "Whole city"},
                "geometry": square(112.0, -7.82, 112.04, -7.80),
            },
        ],
    }
    idx = DistrictIndex.from_geojson(fc)
    assert idx.kecamatan_names() == ["West", "East"]
    assert idx.locate(-7.81, 112.03) == Location("East", "02", "E-A", False, 0.0)
    assert idx.locate(-7.81, 112.01).kelurahan is None


@pytest.mark.parametrize(
    ("kec", "kel"),
    [
        ([], []),
        ([("A", None, point(112.0, -7.8))], []),  # not a polygon
        ([("A", None, WEST), ("A", None, EAST)], []),  # duplicate
        ([("A", None, WEST)], [("a", "Unknown", point(112.01, -7.81))]),
        ([("A", None, {"type": "Polygon", "coordinates": "nope"})], []),
    ],
)
def test_bad_input_rejected(kec: list[Any], kel: list[Any]) -> None:
    with pytest.raises(ValueError):
        DistrictIndex(kec, kel)


def test_from_geojson_rejects_non_feature_collection() -> None:
    with pytest.raises(ValueError):
        DistrictIndex.from_geojson({"type": "Feature"})
