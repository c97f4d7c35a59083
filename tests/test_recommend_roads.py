"""Recommendation by drive time: exact ranking, the fields, the wiring and the fallbacks."""

from __future__ import annotations

import logging
import random
import time
from pathlib import Path
from typing import Any

import pytest

from dispatch.citypack import load_city_pack
from dispatch.config import Settings, settings_from_env
from dispatch.domain.recommend import NearestEtaPolicy, Slot
from dispatch.fleet import Fleet, UnitState
from dispatch.routing import build_router
from geo.distance import haversine_m
from geo.roads import RoadNetwork, RoadRouter, load_osm
from geo.routing import StraightLineRouter
from tests.support.osm import nid
from tests.test_geo_roads import AMB_RESIDENTIAL_MS, leg, random_city, river_grid

NOW = 1_800_000_000.0


def fleet_of(units: list[tuple[str, str, tuple[float, float]]]) -> Fleet:
    fleet = Fleet({"mqtt": 120})
    fleet.load(UnitState(uid, utype, lat=p[0], lon=p[1], source="mqtt", last_seen=NOW, fix_ts=NOW)
               for uid, utype, p in units)
    return fleet


def test_nearer_by_road_beats_nearer_in_a_straight_line(tmp_path: Path) -> None:
    path, nodes = river_grid(tmp_path)
    incident = nodes[nid(0, 2)]
    fleet = fleet_of([("WEST", "ambulance", nodes[nid(0, 1)]),
                      ("EAST", "ambulance", nodes[nid(0, 4)]),
                      ("FAR", "ambulance", nodes[nid(4, 0)])])
    plan = [Slot("ambulance", 3)]
    road = NearestEtaPolicy(RoadRouter(load_osm(path))).recommend(*incident, plan, fleet.view(NOW))
    # FAR, 890 m away in the south-west corner, is next to the bridge: 6 blocks by
    # road; WEST, 220 m away across the river, must drive 9.
    assert [r.unit_id for r in road] == ["EAST", "FAR", "WEST"]
    east, far, west = road
    far_path = [nid(4, 0), nid(4, 1)] + [nid(r, 2) for r in range(4, -1, -1)]
    assert far.route_m == pytest.approx(leg(nodes, *far_path), abs=0.05)
    assert far.eta_s == pytest.approx(far.route_m / AMB_RESIDENTIAL_MS, abs=0.05)
    assert east.via == "road" and east.route_m == east.distance_m
    assert east.route_m == pytest.approx(leg(nodes, nid(0, 4), nid(0, 3), nid(0, 2)), abs=0.05)
    assert east.eta_s == pytest.approx(east.route_m / AMB_RESIDENTIAL_MS, abs=0.05)
    assert east.straight_m == pytest.approx(haversine_m(*nodes[nid(0, 4)], *incident), abs=0.05)
    assert west.straight_m < east.straight_m < west.route_m
    d = east.as_dict()
    assert d["via"] == "road" and d["route_m"] == d["distance_m"] and d["straight_m"] > 0
    assert set(d) >= {"unit_id", "unit_type", "station", "eta_s", "distance_m", "route_m",
                      "straight_m", "via"}

    line = NearestEtaPolicy(StraightLineRouter()).recommend(*incident, plan, fleet.view(NOW))
    assert [r.unit_id for r in line] == ["WEST", "EAST", "FAR"]
    assert {r.via for r in line} == {"straight"}


def exhaustive(net: RoadNetwork, fleet: Fleet, point: tuple[float, float], plan: list[Slot],
               exclude: set[str]) -> list[str]:
    """Every available unit priced by a forward search from the unit itself."""
    picked: list[str] = []
    for slot in plan:
        ranked = []
        for u in fleet.all():
            if u.type != slot.unit_type or u.id in exclude or u.id in picked:
                continue
            if not fleet.is_recommendable(u, NOW):
                continue
            eta = net.travel_from((u.lat, u.lon), u.type).etas([point])[0]  # type: ignore[arg-type]
            ranked.append((eta, u.id))
        ranked.sort()
        picked += [uid for _e, uid in ranked[: slot.count]]
    return picked


@pytest.mark.parametrize("seed", [11, 12, 13, 14])
def test_plan_equals_exhaustive_search(tmp_path: Path, seed: int) -> None:
    path, _nodes = random_city(tmp_path, seed)
    net = load_osm(path)
    rng = random.Random(seed)
    lat_lo, lon_lo, lat_hi, lon_hi = net.bounds()

    def pt() -> tuple[float, float]:
        return rng.uniform(lat_lo, lat_hi), rng.uniform(lon_lo, lon_hi)

    units = [(f"U{i:03d}", rng.choice(["ambulance", "fire_engine", "police"]), pt())
             for i in range(120)]
    fleet = fleet_of(units)
    for uid, *_ in units[::7]:
        fleet.update(uid, status="en_route")  # busy units are never picked
    policy = NearestEtaPolicy(RoadRouter(net))
    plans = [[Slot("ambulance", 1)], [Slot("fire_engine", 2), Slot("ambulance", 1)],
             [Slot("police", 3)], [Slot("ambulance", 60)]]  # more than there are: all of them
    for q in range(12):
        point = pt()
        plan = plans[q % len(plans)]
        exclude = {units[rng.randrange(len(units))][0]} if q % 3 == 0 else set()
        recs = policy.recommend(*point, plan, fleet.view(NOW), exclude=exclude)
        assert [r.unit_id for r in recs] == exhaustive(net, fleet, point, plan, exclude)
        for r in recs:
            u = fleet.get(r.unit_id)
            assert u is not None
            assert r.eta_s == pytest.approx(
                net.travel_from((u.lat, u.lon), u.type).etas([point])[0], abs=1e-4)
        etas = [r.eta_s for r in recs if r.unit_type == plan[0].unit_type]
        assert etas == sorted(etas)


def test_short_slot_stays_short(tmp_path: Path) -> None:
    path, nodes = river_grid(tmp_path)
    fleet = fleet_of([("A1", "ambulance", nodes[nid(2, 2)])])
    recs = NearestEtaPolicy(RoadRouter(load_osm(path))).recommend(
        *nodes[nid(0, 0)], [Slot("ambulance", 3), Slot("police", 1)], fleet.view(NOW))
    assert [r.unit_id for r in recs] == ["A1"]


# --------------------------------------------------------------------------- wiring


def test_kediri_pack_routes_on_its_roads_by_default() -> None:
    city = load_city_pack()
    assert city.roads is not None and city.roads.name == "roads.osm"
    router = build_router(Settings(), city)
    assert isinstance(router, RoadRouter)
    assert router.network.n_nodes > 50
    assert build_router(Settings(roads="none"), city).__class__ is StraightLineRouter


def test_kediri_skeleton_has_the_bridges_and_the_river_costs_time() -> None:
    import osmium

    city = load_city_pack()
    bridges = [dict(w.tags).get("name") for w in osmium.FileProcessor(str(city.roads), osmium.osm.WAY)
               if dict(w.tags).get("bridge") == "yes"]
    assert len(bridges) == 4
    assert any("Brawijaya" in b for b in bridges) and any("Semampir" in b for b in bridges)
    assert any("Joyoboyo" in b for b in bridges)
    router = build_router(Settings(), city)
    # Across the Brantas where no bridge is (lat -7.835), vs along one bank.
    west, east = (-7.835, 112.004), (-7.835, 112.0095)
    across = router.route(west, east, "ambulance")
    assert across.via == "road"
    assert across.distance_m > 5 * haversine_m(*west, *east)


def test_settings_from_env_roads_and_osrm() -> None:
    s = settings_from_env({"SIAGA_ROADS": "none", "SIAGA_OSRM_URL": "http://127.0.0.1:5001",
                           "SIAGA_OSRM_TIMEOUT_S": "0.5"})
    assert s.roads == "none" and s.osrm_url == "http://127.0.0.1:5001" and s.osrm_timeout_s == 0.5
    assert settings_from_env({}).roads is None


def test_explicit_road_file_and_unreadable_file(tmp_path: Path, caplog: Any) -> None:
    path, _nodes = river_grid(tmp_path)
    city = load_city_pack()
    router = build_router(Settings(roads=str(path)), city)
    assert isinstance(router, RoadRouter) and router.network.n_nodes == 25
    bad = tmp_path / "bad.osm"
    bad.write_text("not xml", encoding="utf-8")
    with caplog.at_level(logging.ERROR):
        fallback = build_router(Settings(roads=str(bad)), city)
    assert isinstance(fallback, StraightLineRouter)
    assert "straight lines" in caplog.text


def test_api_recommendations_carry_road_fields(api: Any) -> None:
    resp = api.post("/api/v1/incidents", json={
        "description": "Kebakaran rumah di Mojoroto, api besar", "lat": -7.8150, "lon": 111.9950})
    assert resp.status_code == 201, resp.get_json()
    recs = resp.get_json()["recommendations"]
    assert recs
    for r in recs:
        assert r["via"] == "road"
        assert r["distance_m"] == r["route_m"] and r["route_m"] >= r["straight_m"] > 0
        assert r["eta_s"] > 0


@pytest.fixture
def straight_runtime(tmp_path: Path) -> Any:
    from dispatch.bootstrap import bootstrap

    rt = bootstrap(Settings(database_url=f"sqlite:///{tmp_path}/s.db", secret_key="t", roads="none"))
    yield rt
    rt.stop()


def test_roads_none_falls_back_to_straight(straight_runtime: Any) -> None:
    from dispatch.services.incidents import recommend_for

    recs = recommend_for(straight_runtime, -7.8150, 111.9950, "fire")
    assert recs and {r["via"] for r in recs} == {"straight"}
    for r in recs:
        assert r["route_m"] == pytest.approx(r["straight_m"] * 1.35, rel=1e-3)


def test_bench_city_and_baseline_agree_with_the_policy(tmp_path: Path) -> None:
    # Timing lives in bench/ (siaga112 bench recommend --roads ...); this checks the
    # generated .osm.pbf city loads and the bench's exhaustive baseline agrees.
    from bench.recommend_roads import exhaustive as bench_exhaustive
    from bench.roadgen import write_grid_city

    tmp = tmp_path / "g.osm.pbf"
    counts = write_grid_city(tmp, side=30)
    assert counts["nodes"] == 900
    net = load_osm(tmp)
    rng = random.Random(5)
    lat_lo, lon_lo, lat_hi, lon_hi = net.bounds()
    now = time.time()
    fleet = Fleet({"mqtt": 120})
    fleet.load(UnitState(f"U{i}", "ambulance", lat=rng.uniform(lat_lo, lat_hi),
                         lon=rng.uniform(lon_lo, lon_hi), source="mqtt", last_seen=now, fix_ts=now)
               for i in range(80))
    point = (rng.uniform(lat_lo, lat_hi), rng.uniform(lon_lo, lon_hi))
    plan = [Slot("ambulance", 3)]
    recs = NearestEtaPolicy(RoadRouter(net)).recommend(*point, plan, fleet.view(now))
    expected, _ = bench_exhaustive(net, fleet, *point, plan, now, None)  # type: ignore[arg-type]
    assert [r.unit_id for r in recs] == expected
