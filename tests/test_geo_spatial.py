"""PointIndex: nearest() order matches brute force, predicates, removal, moving points."""

from __future__ import annotations

import math
import random
from itertools import islice

import pytest

from geo.distance import haversine_m
from geo.spatial import PointIndex


def brute(
    points: dict[int, tuple[float, float]], lat: float, lon: float
) -> list[tuple[int, float]]:
    return sorted(
        ((k, haversine_m(lat, lon, p[0], p[1])) for k, p in points.items()),
        key=lambda kd: (kd[1], kd[0]),
    )


def assert_same_order(got: list[tuple[object, float]], want: list[tuple[int, float]]) -> None:
    assert len(got) == len(want)
    dists = [d for _, d in got]
    assert dists == sorted(dists), "not non-decreasing"
    # Plain comparison, not pytest.approx: thousands of pairs per query.
    worst = max((abs(dg - dw) for (_, dg), (_, dw) in zip(got, want, strict=True)), default=0.0)
    assert worst <= 1e-6
    assert {k for k, _ in got} == {k for k, _ in want}


def city_points(rng: random.Random, n: int, spread: float = 0.08) -> dict[int, tuple[float, float]]:
    return {
        k: (-7.82 + rng.uniform(-spread, spread), 112.01 + rng.uniform(-spread, spread))
        for k in range(n)
    }


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("cell_deg", [0.003, 0.01, 0.05])
def test_nearest_matches_brute_force(seed: int, cell_deg: float) -> None:
    rng = random.Random(seed)
    points = city_points(rng, 3000)
    idx = PointIndex(cell_deg)
    for k, (lat, lon) in points.items():
        idx.upsert(k, lat, lon)
    assert len(idx) == 3000
    for _ in range(15):
        q = (-7.82 + rng.uniform(-0.12, 0.12), 112.01 + rng.uniform(-0.12, 0.12))
        assert_same_order(list(idx.nearest(*q)), brute(points, *q))


def test_points_on_cell_boundaries() -> None:
    # Points exactly on grid lines, queried from points exactly on grid lines:
    # the floor() cell assignment must not break the stopping bound.
    idx = PointIndex(0.01)
    points: dict[int, tuple[float, float]] = {}
    k = 0
    for i in range(-10, 11):
        for j in range(-10, 11):
            points[k] = (-7.8 + i * 0.01, 112.0 + j * 0.01)
            idx.upsert(k, *points[k])
            k += 1
    rng = random.Random(7)
    for _ in range(20):
        q = (-7.8 + rng.randint(-12, 12) * 0.005, 112.0 + rng.randint(-12, 12) * 0.005)
        assert_same_order(list(idx.nearest(*q)), brute(points, *q))


def test_closer_point_in_outer_ring_is_yielded_first() -> None:
    # Query near the east edge of its cell: a point just across the edge (ring 1)
    # is closer than one in the far corner of the query's own cell (ring 0).
    idx = PointIndex(0.01)
    idx.upsert("same-cell-far", 0.0001, 0.0001)
    idx.upsert("next-cell-near", 0.0055, 0.0101)
    got = [k for k, _ in idx.nearest(0.0055, 0.0099)]
    assert got == ["next-cell-near", "same-cell-far"]


def test_moving_points_stay_correct() -> None:
    rng = random.Random(11)
    points = city_points(rng, 2000)
    idx = PointIndex(0.01)
    for k, (lat, lon) in points.items():
        idx.upsert(k, lat, lon)
    for _ in range(5):
        for k in rng.sample(sorted(points), 500):
            lat, lon = points[k]
            # Small moves (often across a cell edge) and some long jumps.
            if rng.random() < 0.8:
                lat, lon = lat + rng.uniform(-0.01, 0.01), lon + rng.uniform(-0.01, 0.01)
            else:
                lat, lon = city_points(rng, 1)[0]
            points[k] = (lat, lon)
            idx.upsert(k, lat, lon)
        assert len(idx) == len(points)
        for k in rng.sample(sorted(points), 20):
            assert idx.get(k) == points[k]
        q = (-7.82 + rng.uniform(-0.1, 0.1), 112.01 + rng.uniform(-0.1, 0.1))
        assert_same_order(list(idx.nearest(*q)), brute(points, *q))


def test_predicate_filters_and_keeps_order() -> None:
    rng = random.Random(5)
    points = city_points(rng, 3000)
    idx = PointIndex(0.01)
    for k, (lat, lon) in points.items():
        idx.upsert(k, lat, lon)
    even = {k: p for k, p in points.items() if k % 2 == 0}
    q = (-7.81, 112.02)
    assert_same_order(list(idx.nearest(*q, predicate=lambda k: k % 2 == 0)), brute(even, *q))
    assert list(idx.nearest(*q, predicate=lambda k: False)) == []


def test_nearest_k_and_laziness() -> None:
    rng = random.Random(9)
    points = city_points(rng, 4000)
    idx = PointIndex(0.01)
    for k, (lat, lon) in points.items():
        idx.upsert(k, lat, lon)
    q = (-7.83, 112.0)
    want = brute(points, *q)
    got = idx.nearest_k(*q, k=10)
    assert_same_order(got, want[:10])
    assert idx.nearest_k(*q, k=0) == []
    assert len(idx.nearest_k(*q, k=10_000)) == 4000
    # islice on the generator gives the same prefix.
    assert [d for _, d in islice(idx.nearest(*q), 10)] == [d for _, d in got]


def test_predicate_only_called_for_visited_points() -> None:
    rng = random.Random(3)
    idx = PointIndex(0.01)
    for k, (lat, lon) in city_points(rng, 5000).items():
        idx.upsert(k, lat, lon)
    calls = 0

    def pred(_key: object) -> bool:
        nonlocal calls
        calls += 1
        return True

    next(idx.nearest(-7.82, 112.01, predicate=pred))
    # The first result must not need a scan of the whole index.
    assert calls < 1000


def test_max_distance() -> None:
    rng = random.Random(4)
    points = city_points(rng, 2000)
    idx = PointIndex(0.01)
    for k, (lat, lon) in points.items():
        idx.upsert(k, lat, lon)
    q = (-7.82, 112.01)
    want = [kd for kd in brute(points, *q) if kd[1] <= 2500.0]
    assert want
    assert_same_order(list(idx.nearest(*q, max_distance_m=2500.0)), want)
    assert list(idx.nearest(*q, max_distance_m=0.0)) == []


def test_empty_index_and_exhaustion() -> None:
    idx = PointIndex()
    assert len(idx) == 0
    assert list(idx.nearest(0.0, 0.0)) == []
    assert idx.nearest_k(0.0, 0.0, 3) == []
    idx.upsert("a", 1.0, 1.0)
    got = list(idx.nearest(-7.0, 112.0))
    assert [k for k, _ in got] == ["a"]
    assert got[0][1] == pytest.approx(haversine_m(-7.0, 112.0, 1.0, 1.0))


def test_remove_and_get() -> None:
    idx = PointIndex(0.01)
    idx.upsert("a", -7.8, 112.0)
    idx.upsert("b", -7.81, 112.01)
    idx.upsert("a", -7.9, 112.1)  # move
    assert idx.get("a") == (-7.9, 112.1)
    assert len(idx) == 2
    idx.remove("a")
    idx.remove("missing")  # no error
    assert idx.get("a") is None
    assert len(idx) == 1
    assert [k for k, _ in idx.nearest(-7.9, 112.1)] == ["b"]
    idx.remove("b")
    assert list(idx.nearest(-7.9, 112.1)) == []


def test_sparse_points_across_the_globe() -> None:
    # Far-apart points (including across the antimeridian and near the poles)
    # must come out in exact order without walking millions of empty cells.
    rng = random.Random(21)
    points = {
        k: (math.degrees(math.asin(rng.uniform(-1, 1))), rng.uniform(-180, 180)) for k in range(300)
    }
    points[300] = (0.0, 179.999)
    points[301] = (0.0, -179.999)
    points[302] = (89.99, 10.0)
    points[303] = (89.99, -170.0)
    idx = PointIndex(0.01)
    for k, p in points.items():
        idx.upsert(k, *p)
    for q in [(0.0, 179.9995), (0.0, -179.9999), (89.995, 100.0), (-7.8, 112.0), (0.0, 0.0)]:
        assert_same_order(list(idx.nearest(*q)), brute(points, *q))


def test_points_removed_during_iteration_are_not_yielded() -> None:
    idx = PointIndex(0.01)
    for k in range(50):
        idx.upsert(k, -7.8 + k * 0.0001, 112.0)
    it = idx.nearest(-7.8, 112.0)
    first, _ = next(it)
    idx.remove(first + 1)
    rest = [k for k, _ in it]
    assert first + 1 not in rest
    assert len(rest) == 48


@pytest.mark.parametrize("bad", [(91.0, 0.0), (0.0, 181.0), (math.nan, 0.0)])
def test_invalid_coordinates_rejected(bad: tuple[float, float]) -> None:
    idx = PointIndex()
    with pytest.raises(ValueError):
        idx.upsert("x", *bad)
    with pytest.raises(ValueError):
        idx.nearest(*bad)


def test_cell_deg_must_be_positive() -> None:
    with pytest.raises(ValueError):
        PointIndex(0.0)
