"""The road network: OSM tags, reading .osm / .osm.pbf, snapping, drive times by hand."""

from __future__ import annotations

import itertools
import math
import random
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest

from geo.distance import haversine_m
from geo.roads import (
    RoadNetworkError,
    RoadRouter,
    class_speeds,
    is_drivable,
    load_osm,
    parse_maxspeed,
    way_directions,
)
from tests.support.osm import grid_nodes, nid, write_osm

AMB_RESIDENTIAL_MS = 25 / 3.6  # ambulance default on a residential street


def leg(nodes: dict[int, tuple[float, float]], *ids: int) -> float:
    """Length of the polyline through grid node ids, by haversine."""
    return sum(haversine_m(*nodes[a], *nodes[b]) for a, b in itertools.pairwise(ids))


def river_grid(tmp_path: Path, bridge_row: int = 4) -> tuple[Path, dict[int, tuple[float, float]]]:
    """5×5 residential grid; a river between columns 1 and 2 crossed only on `bridge_row`."""
    nodes = grid_nodes(5, 5)
    ways = []
    w = 1
    for r in range(5):
        for c in range(4):
            if c == 1 and r != bridge_row:
                continue
            tags = {"highway": "residential"}
            if c == 1:
                tags.update(bridge="yes", name="Jembatan")
            ways.append((w, [nid(r, c), nid(r, c + 1)], tags))
            w += 1
    for c in range(5):
        ways.append((w, [nid(r, c) for r in range(5)], {"highway": "residential"}))
        w += 1
    return write_osm(tmp_path / "river.osm", nodes, ways), nodes


# --------------------------------------------------------------------------- tags


@pytest.mark.parametrize(("value", "kmh"), [
    ("50", 50.0), ("40 km/h", 40.0), ("30 mph", 30 * 1.609344), ("ID:urban", 50.0),
    ("50;30", 30.0), ("walk", 7.0), ("none", None), ("signals", None), ("", None), (None, None),
    ("-5", None), ("0", None),
])
def test_parse_maxspeed(value: str | None, kmh: float | None) -> None:
    got = parse_maxspeed(value)
    assert got == (None if kmh is None else pytest.approx(kmh))


@pytest.mark.parametrize(("tags", "dirs"), [
    ({"highway": "residential"}, (True, True)),
    ({"highway": "residential", "oneway": "yes"}, (True, False)),
    ({"highway": "residential", "oneway": "1"}, (True, False)),
    ({"highway": "residential", "oneway": "-1"}, (False, True)),
    ({"highway": "residential", "oneway": "no"}, (True, True)),
    ({"highway": "primary", "junction": "roundabout"}, (True, False)),
    ({"highway": "primary", "junction": "roundabout", "oneway": "no"}, (True, True)),
    ({"highway": "motorway"}, (True, False)),
    ({"highway": "motorway_link"}, (True, False)),
    ({"highway": "secondary", "oneway": "reversible"}, None),
])
def test_way_directions(tags: dict[str, str], dirs: tuple[bool, bool] | None) -> None:
    assert way_directions(tags) == dirs


@pytest.mark.parametrize(("tags", "ok"), [
    ({"highway": "primary"}, True),
    ({"highway": "service", "access": "private"}, True),  # emergency vehicles go in
    ({"highway": "footway"}, False),
    ({"highway": "path"}, False),
    ({"highway": "pedestrian"}, False),
    ({"highway": "construction"}, False),
    ({"highway": "residential", "access": "no"}, False),
    ({"highway": "residential", "motor_vehicle": "no"}, False),
    ({"highway": "residential", "access": "no", "motor_vehicle": "yes"}, True),
    ({"highway": "residential", "access": "no", "emergency": "yes"}, True),
    ({"highway": "service", "area": "yes"}, False),
    ({"building": "yes"}, False),
])
def test_is_drivable(tags: dict[str, str], ok: bool) -> None:
    assert is_drivable(tags) is ok


def test_class_speeds_defaults_and_overrides() -> None:
    table = class_speeds()
    assert table["ambulance"]["residential"] == 25.0
    assert table["fire_engine"]["primary"] < table["ambulance"]["primary"] < table["police"]["primary"]
    over = class_speeds({"default": {"primary": 30}, "police": {"primary": 50}})
    assert over["ambulance"]["primary"] == 30.0 and over["police"]["primary"] == 50.0
    with pytest.raises(ValueError):
        class_speeds({"default": {"primary": 0}})


# --------------------------------------------------------------------------- graphs


def test_river_and_one_bridge_by_hand(tmp_path: Path) -> None:
    path, nodes = river_grid(tmp_path)
    router = RoadRouter(load_osm(path))
    incident = nodes[nid(0, 2)]  # east bank, top row
    west = nodes[nid(0, 1)]  # 220 m away across the river
    east = nodes[nid(0, 4)]  # 440 m away on the same bank

    r_east = router.route(east, incident, "ambulance")
    assert r_east.via == "road"
    assert r_east.distance_m == pytest.approx(leg(nodes, nid(0, 4), nid(0, 3), nid(0, 2)), abs=0.01)
    assert r_east.eta_s == pytest.approx(r_east.distance_m / AMB_RESIDENTIAL_MS, abs=0.01)

    # West: down column 1, over the bridge on row 4, up column 2.
    west_path = [nid(r, 1) for r in range(5)] + [nid(r, 2) for r in range(4, -1, -1)]
    r_west = router.route(west, incident, "ambulance")
    assert r_west.distance_m == pytest.approx(leg(nodes, *west_path), abs=0.01)
    assert r_west.eta_s == pytest.approx(r_west.distance_m / AMB_RESIDENTIAL_MS, abs=0.01)
    assert haversine_m(*west, *incident) < haversine_m(*east, *incident)
    assert r_west.eta_s > 4 * r_east.eta_s


def test_bridge_moved_changes_the_answer(tmp_path: Path) -> None:
    path, nodes = river_grid(tmp_path, bridge_row=0)
    router = RoadRouter(load_osm(path))
    r = router.route(nodes[nid(0, 1)], nodes[nid(0, 2)], "ambulance")
    assert r.distance_m == pytest.approx(leg(nodes, nid(0, 1), nid(0, 2)), abs=0.01)


def one_way_square(tmp_path: Path, oneway: str) -> tuple[Path, dict[int, tuple[float, float]]]:
    nodes = grid_nodes(2, 2)
    a, b, c, d = nid(0, 0), nid(0, 1), nid(1, 1), nid(1, 0)
    ways = [
        (1, [a, b], {"highway": "residential", "oneway": oneway}),
        (2, [b, c, d, a], {"highway": "residential"}),
    ]
    return write_osm(tmp_path / f"square{oneway}.osm", nodes, ways), nodes


def test_one_way_street_forces_a_detour(tmp_path: Path) -> None:
    path, nodes = one_way_square(tmp_path, "yes")
    router = RoadRouter(load_osm(path))
    a, b, c, d = nid(0, 0), nid(0, 1), nid(1, 1), nid(1, 0)
    with_flow = router.route(nodes[a], nodes[b], "police")
    against = router.route(nodes[b], nodes[a], "police")
    assert with_flow.distance_m == pytest.approx(leg(nodes, a, b), abs=0.01)
    assert against.distance_m == pytest.approx(leg(nodes, b, c, d, a), abs=0.01)


def test_reverse_one_way_street(tmp_path: Path) -> None:
    path, nodes = one_way_square(tmp_path, "-1")
    router = RoadRouter(load_osm(path))
    a, b, c, d = nid(0, 0), nid(0, 1), nid(1, 1), nid(1, 0)
    assert router.route(nodes[b], nodes[a], "police").distance_m == pytest.approx(
        leg(nodes, b, a), abs=0.01)
    assert router.route(nodes[a], nodes[b], "police").distance_m == pytest.approx(
        leg(nodes, a, d, c, b), abs=0.01)


def test_roundabout_is_one_way(tmp_path: Path) -> None:
    nodes = grid_nodes(2, 2)
    a, b, c, d = nid(0, 0), nid(0, 1), nid(1, 1), nid(1, 0)
    path = write_osm(tmp_path / "ring.osm", nodes,
                     [(1, [a, b, c, d, a], {"highway": "primary", "junction": "roundabout"})])
    router = RoadRouter(load_osm(path))
    assert router.route(nodes[b], nodes[a], "ambulance").distance_m == pytest.approx(
        leg(nodes, b, c, d, a), abs=0.01)


def test_missing_maxspeed_uses_the_class_default(tmp_path: Path) -> None:
    # Two primary roads from W to E: the short one is limited to 20 km/h, the long
    # one (a detour through the south row) has no maxspeed: 45 km/h for an ambulance.
    nodes = grid_nodes(2, 3)
    w, m, e = nid(0, 0), nid(0, 1), nid(0, 2)
    sw, sm, se = nid(1, 0), nid(1, 1), nid(1, 2)
    ways = [
        (1, [w, m, e], {"highway": "primary", "maxspeed": "20"}),
        (2, [w, sw, sm, se, e], {"highway": "primary"}),
    ]
    router = RoadRouter(load_osm(write_osm(tmp_path / "speeds.osm", nodes, ways)))
    short = leg(nodes, w, m, e)
    detour = leg(nodes, w, sw, sm, se, e)
    r = router.route(nodes[w], nodes[e], "ambulance")
    expected = min(short / (20 / 3.6), detour / (45 / 3.6))
    assert r.eta_s == pytest.approx(expected, abs=0.01)
    assert r.distance_m == pytest.approx(detour, abs=0.01)  # the detour is faster here
    # A fire engine's class speed (45 × 0.85) is still above 20 km/h.
    f = router.route(nodes[w], nodes[m], "fire_engine")
    assert f.eta_s == pytest.approx(min(leg(nodes, w, m) / (20 / 3.6),
                                        leg(nodes, w, sw, sm, m) / (45 * 0.85 / 3.6)), abs=0.01)


def test_snaps_to_the_nearest_segment_not_node(tmp_path: Path) -> None:
    # One long east-west street (1.1 km, nodes only at its ends) and a short
    # north-south street whose end node is nearer to the point than the long
    # street's nodes are.
    nodes = {1: (-7.80, 112.00), 2: (-7.80, 112.01), 3: (-7.795, 112.005), 4: (-7.7985, 112.005)}
    ways = [(1, [1, 2], {"highway": "primary"}), (2, [3, 4], {"highway": "residential"}),
            (3, [2, 3], {"highway": "residential"})]
    net = load_osm(write_osm(tmp_path / "snap.osm", nodes, ways))
    p = (-7.7995, 112.005)  # 55 m north of the long street's middle, 110 m from node 4
    snap = net.snap(*p)
    a, b = int(net.seg_u[snap.segment]), int(net.seg_v[snap.segment])
    ends = {(round(net.node_lat[a], 6), round(net.node_lon[a], 6)),
            (round(net.node_lat[b], 6), round(net.node_lon[b], 6))}
    assert ends == {(-7.80, 112.00), (-7.80, 112.01)}
    assert snap.t == pytest.approx(0.5, abs=0.01)
    assert snap.off_m == pytest.approx(haversine_m(*p, -7.80, 112.005), rel=0.01)
    # Driving from the middle of the street to its east end: half the street plus
    # the off-road leg at 15 km/h.
    r = RoadRouter(net).route(p, nodes[2], "ambulance")
    half = haversine_m(-7.80, 112.005, -7.80, 112.01)
    assert r.eta_s == pytest.approx(half / (45 / 3.6) + snap.off_m / (15 / 3.6), rel=1e-3)
    assert r.distance_m == pytest.approx(half + snap.off_m, rel=1e-3)


def test_same_segment_drives_straight_along_it(tmp_path: Path) -> None:
    nodes = {1: (-7.80, 112.00), 2: (-7.80, 112.01), 3: (-7.81, 112.01), 4: (-7.81, 112.00)}
    ways = [(1, [1, 2, 3, 4, 1], {"highway": "residential"})]
    router = RoadRouter(load_osm(write_osm(tmp_path / "seg.osm", nodes, ways)))
    a, b = (-7.80, 112.002), (-7.80, 112.007)
    r = router.route(a, b, "ambulance")
    assert r.distance_m == pytest.approx(haversine_m(*a, *b), rel=1e-3)
    assert r.eta_s == pytest.approx(haversine_m(*a, *b) / AMB_RESIDENTIAL_MS, rel=1e-3)


def test_pbf_reads_like_xml(tmp_path: Path) -> None:
    import osmium
    from osmium.osm.mutable import Node, Way

    xml, nodes = river_grid(tmp_path)
    pbf = tmp_path / "river.osm.pbf"
    with osmium.SimpleWriter(str(pbf)) as w:
        for i, (lat, lon) in sorted(nodes.items()):
            w.add_node(Node(id=i, location=(lon, lat), version=1))
        for obj in osmium.FileProcessor(str(xml), osmium.osm.WAY):
            w.add_way(Way(id=obj.id, nodes=[n.ref for n in obj.nodes],
                          tags={t.k: t.v for t in obj.tags}, version=1))
    a, b = RoadRouter(load_osm(xml)), RoadRouter(load_osm(pbf))
    for src in (nid(0, 0), nid(3, 1), nid(2, 4)):
        ra = a.route(nodes[src], nodes[nid(0, 2)], "rescue")
        rb = b.route(nodes[src], nodes[nid(0, 2)], "rescue")
        assert ra.eta_s == pytest.approx(rb.eta_s) and ra.distance_m == pytest.approx(rb.distance_m)


def test_cut_off_fragments_are_dropped(tmp_path: Path) -> None:
    nodes = {**grid_nodes(2, 2), 900: (-7.7900, 112.0300), 901: (-7.7905, 112.0305),
             902: (-7.7910, 112.0310)}
    ways = [(1, [nid(0, 0), nid(0, 1), nid(1, 1), nid(1, 0), nid(0, 0)], {"highway": "residential"}),
            (2, [900, 901], {"highway": "residential"}),  # an island
            (3, [901, 902], {"highway": "residential", "oneway": "yes"}),
            # A way whose middle node lies outside the extract: split there.
            (4, [nid(0, 1), 999, 902], {"highway": "residential"})]
    net = load_osm(write_osm(tmp_path / "island.osm", nodes, ways))
    assert net.n_nodes == 4 and net.dropped_segments == 2
    # A point by the island snaps to the main network and still gets a route.
    r = RoadRouter(net).route((-7.7905, 112.0305), grid_nodes(2, 2)[nid(0, 0)], "ambulance")
    assert math.isfinite(r.eta_s) and r.eta_s > 0


def test_bad_files(tmp_path: Path) -> None:
    with pytest.raises(RoadNetworkError):
        load_osm(tmp_path / "missing.osm")
    junk = tmp_path / "junk.osm"
    junk.write_text("<osm><node id='1' lat='x'", encoding="utf-8")
    with pytest.raises(RoadNetworkError):
        load_osm(junk)
    only_paths = write_osm(tmp_path / "paths.osm", grid_nodes(1, 2),
                           [(1, [nid(0, 0), nid(0, 1)], {"highway": "footway"})])
    with pytest.raises(RoadNetworkError):
        load_osm(only_paths)


def test_rush_hour_is_slower(tmp_path: Path) -> None:
    path, nodes = river_grid(tmp_path)
    router = RoadRouter(load_osm(path))
    night = router.route(nodes[nid(0, 0)], nodes[nid(4, 4)], "ambulance", datetime(2026, 3, 2, 2, 0))
    rush = router.route(nodes[nid(0, 0)], nodes[nid(4, 4)], "ambulance", datetime(2026, 3, 2, 7, 0))
    noon = router.route(nodes[nid(0, 0)], nodes[nid(4, 4)], "ambulance", datetime(2026, 3, 2, 12, 0))
    assert rush.eta_s == pytest.approx(noon.eta_s / 0.75)
    assert night.eta_s == pytest.approx(noon.eta_s / 1.15)
    assert rush.distance_m == pytest.approx(noon.distance_m)


def random_city(tmp_path: Path, seed: int) -> tuple[Path, dict[int, tuple[float, float]]]:
    """A 12×12 grid with random one-way streets, missing blocks and a bridged river."""
    rng = random.Random(seed)
    nodes = grid_nodes(12, 12, step_deg=0.0015)
    ways = []
    w = 1
    for r in range(12):
        for c in range(11):
            if c == 5 and r not in (2, 9):
                continue
            if rng.random() < 0.1:
                continue
            tags = {"highway": rng.choice(["residential", "tertiary", "primary"])}
            if rng.random() < 0.25:
                tags["oneway"] = rng.choice(["yes", "-1"])
            if rng.random() < 0.3:
                tags["maxspeed"] = str(rng.choice([20, 30, 40]))
            ways.append((w, [nid(r, c), nid(r, c + 1)], tags))
            w += 1
    for c in range(12):
        for r in range(11):
            if rng.random() < 0.1:
                continue
            tags = {"highway": rng.choice(["residential", "secondary"])}
            if rng.random() < 0.25:
                tags["oneway"] = "yes"
            ways.append((w, [nid(r, c), nid(r + 1, c)], tags))
            w += 1
    return write_osm(tmp_path / f"city{seed}.osm", nodes, ways), nodes


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_reverse_field_equals_forward_routes(tmp_path: Path, seed: int) -> None:
    """Drive times from one reverse Dijkstra equal a forward search from each origin."""
    path, _nodes = random_city(tmp_path, seed)
    net = load_osm(path)
    rng = random.Random(seed)
    lat_lo, lon_lo, lat_hi, lon_hi = net.bounds()
    dest = (rng.uniform(lat_lo, lat_hi), rng.uniform(lon_lo, lon_hi))
    origins = [(rng.uniform(lat_lo, lat_hi), rng.uniform(lon_lo, lon_hi)) for _ in range(40)]
    to = net.travel_to(dest, "ambulance")
    etas = to.etas(origins)
    for o, eta in zip(origins, etas, strict=True):
        fwd = net.travel_from(o, "ambulance")
        assert fwd.etas([dest])[0] == pytest.approx(eta, rel=1e-9, abs=1e-5)
        assert fwd.route(dest).distance_m == pytest.approx(to.route(o).distance_m, rel=1e-9)
    # Bounded: within a horizon the same values, beyond it None.
    horizon = float(np.median([e for e in etas if e is not None]))
    bounded = net.travel_to(dest, "ambulance").etas(origins, horizon)
    for e, b in zip(etas, bounded, strict=True):
        assert b == (pytest.approx(e) if e <= horizon else None)
