"""Distances and the straight-line router."""

from __future__ import annotations

import math
from datetime import datetime

import pytest

from geo.distance import EARTH_RADIUS_M, geodesic_m, haversine_m, valid_lat_lon
from geo.routing import Route, Router, StraightLineRouter

KEDIRI = (-7.8167, 112.0133)


def test_haversine_known_values() -> None:
    assert haversine_m(0.0, 0.0, 0.0, 0.0) == 0.0
    # One degree of latitude on the mean sphere.
    assert haversine_m(0.0, 0.0, 1.0, 0.0) == pytest.approx(math.pi * EARTH_RADIUS_M / 180)
    # Antipodes: half the circumference, no math domain error.
    assert haversine_m(10.0, 20.0, -10.0, -160.0) == pytest.approx(math.pi * EARTH_RADIUS_M)
    assert haversine_m(*KEDIRI, -7.8, 112.0) == pytest.approx(haversine_m(-7.8, 112.0, *KEDIRI))


def test_geodesic_close_to_haversine() -> None:
    h = haversine_m(*KEDIRI, -7.75, 112.05)
    g = geodesic_m(*KEDIRI, -7.75, 112.05)
    assert g == pytest.approx(h, rel=0.01)


@pytest.mark.parametrize(
    ("lat", "lon", "ok"),
    [
        (-7.8, 112.0, True),
        (90, -180, True),
        (-90.0, 180.0, True),
        (90.0001, 0.0, False),
        (0.0, -180.5, False),
        (math.nan, 0.0, False),
        (0.0, math.inf, False),
        (True, 0.0, False),
        ("-7.8", 112.0, False),
        (None, None, False),
    ],
)
def test_valid_lat_lon(lat: object, lon: object, ok: bool) -> None:
    assert valid_lat_lon(lat, lon) is ok


def test_router_protocol_and_route_values() -> None:
    router = StraightLineRouter()
    assert isinstance(router, Router)
    dest = (-7.80, 112.03)
    route = router.route(KEDIRI, dest, "ambulance")
    assert isinstance(route, Route)
    assert route.distance_m == pytest.approx(haversine_m(*KEDIRI, *dest) * 1.35)
    assert route.eta_s == pytest.approx(route.distance_m / (50 / 3.6))
    assert router.route(KEDIRI, KEDIRI, "police").eta_s == 0.0


def test_speeds_by_unit_type_and_default() -> None:
    router = StraightLineRouter()
    dest = (-7.78, 112.05)
    eta = {
        t: router.route(KEDIRI, dest, t).eta_s
        for t in ("fire_engine", "ambulance", "police", "rescue")
    }
    assert eta["police"] < eta["ambulance"] < eta["fire_engine"] == eta["rescue"]
    assert router.route(KEDIRI, dest, "hovercraft").eta_s == eta["fire_engine"]  # 40 km/h default
    custom = StraightLineRouter(speeds_kmh={"ambulance": 25.0}, circuity=1.0, fixed_delay_s=60.0)
    r = custom.route(KEDIRI, dest, "ambulance")
    assert r.distance_m == pytest.approx(haversine_m(*KEDIRI, *dest))
    assert r.eta_s == pytest.approx(60.0 + r.distance_m / (25 / 3.6))


def test_eta_monotonic_in_distance() -> None:
    router = StraightLineRouter(fixed_delay_s=30.0)
    assert router.is_monotonic_in_distance()
    when = datetime(2026, 3, 2, 7, 30)
    etas = [
        router.route(
            KEDIRI, (KEDIRI[0] + 0.002 * i, KEDIRI[1] + 0.001 * i), "fire_engine", when
        ).eta_s
        for i in range(50)
    ]
    assert etas == sorted(etas)
    assert len(set(etas)) == len(etas)


def test_rush_hour_slower_night_faster() -> None:
    router = StraightLineRouter()
    dest = (-7.76, 112.06)

    def eta(hour: int) -> float:
        return router.route(KEDIRI, dest, "ambulance", datetime(2026, 3, 2, hour, 15)).eta_s

    midday = eta(12)
    assert midday == pytest.approx(router.route(KEDIRI, dest, "ambulance").eta_s)
    for rush in (6, 7, 8, 15, 16, 17):
        assert eta(rush) > midday
    for night in (22, 23, 0, 3, 5):
        assert eta(night) < midday
    assert eta(7) == pytest.approx(midday / 0.75)


def test_custom_hour_factors_and_validation() -> None:
    router = StraightLineRouter(hour_factors={12: 0.5})
    dest = (-7.76, 112.06)
    noon = router.route(KEDIRI, dest, "police", datetime(2026, 1, 1, 12)).eta_s
    eleven = router.route(KEDIRI, dest, "police", datetime(2026, 1, 1, 11)).eta_s
    assert noon == pytest.approx(2 * eleven)
    with pytest.raises(ValueError):
        StraightLineRouter(speeds_kmh={"police": 0})
    with pytest.raises(ValueError):
        StraightLineRouter(circuity=0.9)
    with pytest.raises(ValueError):
        StraightLineRouter(hour_factors={3: -1.0})
