"""Coverage on roads, move-up as a covering MILP (checked by enumeration), hospitals."""

from __future__ import annotations

import math
import random
from datetime import datetime
from pathlib import Path

import pytest

from dispatch.citypack import load_city_pack
from dispatch.config import Settings
from dispatch.domain.hospitals import (
    HospitalSite,
    HospitalStatus,
    hospitals_from_stations,
    nearest_capable_hospital,
    needed_capabilities,
    rank_hospitals,
)
from dispatch.domain.moveup import (
    MoveUpSite,
    MoveUpUnit,
    best_by_enumeration,
    problem_on_roads,
    suggest_move_ups,
)
from dispatch.routing import build_router
from geo.coverage import CoverageBoard, CoverageIndex, DemandPoint, demand_cells, kecamatan_points
from geo.roads import RoadRouter, load_osm
from geo.routing import StraightLineRouter
from tests.support.osm import nid
from tests.test_geo_roads import AMB_RESIDENTIAL_MS, leg, random_city, river_grid

# --------------------------------------------------------------------------- coverage


def test_demand_cells_cover_the_kecamatan() -> None:
    city = load_city_pack()
    kec = [(name, geom) for name, _code, geom in city.kecamatan()]
    cells = demand_cells(kec, 1000, {"Mojoroto": 0.38, "Kota": 0.29, "Pesantren": 0.33})
    by_area: dict[str, list[DemandPoint]] = {}
    for c in cells:
        by_area.setdefault(c.area or "", []).append(c)
    assert set(by_area) == {"Mojoroto", "Kota", "Pesantren"}
    # About one cell per km²: the pack's areas are ~25, 15 and 24 km².
    assert 15 <= len(by_area["Mojoroto"]) <= 35 and 8 <= len(by_area["Kota"]) <= 22
    assert sum(c.weight for c in by_area["Kota"]) == pytest.approx(0.29)
    assert len({c.id for c in cells}) == len(cells)
    with pytest.raises(ValueError):
        demand_cells(kec, 0)


def test_reach_within_target_by_hand(tmp_path: Path) -> None:
    path, nodes = river_grid(tmp_path)
    net = load_osm(path)
    east_top = DemandPoint("E", *nodes[nid(0, 2)])
    west_top = DemandPoint("W", *nodes[nid(0, 1)])
    step = leg(nodes, nid(0, 2), nid(0, 3))
    # Target: three blocks of driving for an ambulance.
    target = 3.2 * step / AMB_RESIDENTIAL_MS
    index = CoverageIndex(net, [east_top, west_top], {"ambulance": target})
    reach = index.reach("ambulance", *nodes[nid(0, 4)])  # two blocks from E, 11 from W
    assert set(reach) == {0}
    assert reach[0] == pytest.approx(leg(nodes, nid(0, 4), nid(0, 3), nid(0, 2)) / AMB_RESIDENTIAL_MS,
                                     abs=0.01)
    assert set(index.reach("ambulance", *nodes[nid(1, 1)])) == {1}
    assert index.reach("police", *nodes[nid(0, 4)]) == {}  # no target for that type
    # Rush hour (speeds × 0.75): three blocks no longer fit in 3.2 blocks' time, two do.
    rush = datetime(2026, 3, 2, 7, 0)
    assert set(index.reach("ambulance", *nodes[nid(0, 4)], when=rush)) == {0}
    assert index.reach("ambulance", *nodes[nid(3, 2)], when=rush) == {}
    assert set(index.reach("ambulance", *nodes[nid(3, 2)])) == {0}


def test_reach_matches_direct_routing(tmp_path: Path) -> None:
    path, _nodes = random_city(tmp_path, 21)
    net = load_osm(path)
    router = RoadRouter(net)
    rng = random.Random(21)
    lat_lo, lon_lo, lat_hi, lon_hi = net.bounds()
    pts = [DemandPoint(f"P{i}", rng.uniform(lat_lo, lat_hi), rng.uniform(lon_lo, lon_hi))
           for i in range(15)]
    index = CoverageIndex(net, pts, {"fire_engine": 150.0})
    for _ in range(25):
        u = (rng.uniform(lat_lo, lat_hi), rng.uniform(lon_lo, lon_hi))
        reach = index.reach("fire_engine", *u)
        for k, p in enumerate(pts):
            eta = router.route(u, (p.lat, p.lon), "fire_engine").eta_s
            if eta <= 150.0 - 1e-6:
                assert reach.get(k) == pytest.approx(eta, abs=1e-3)
            elif eta > 150.0 + 1e-6:
                assert k not in reach


def test_board_updates_one_unit_at_a_time(tmp_path: Path) -> None:
    path, nodes = river_grid(tmp_path)
    net = load_osm(path)
    pts = [DemandPoint("E", *nodes[nid(0, 3)], weight=2.0, area="Timur"),
           DemandPoint("W", *nodes[nid(0, 0)], weight=1.0, area="Barat"),
           DemandPoint("kecamatan:Timur", *nodes[nid(1, 3)], weight=0.0, area="Timur",
                       kind="kecamatan")]
    step = leg(nodes, nid(0, 2), nid(0, 3))
    index = CoverageIndex(net, pts, {"ambulance": 2.5 * step / AMB_RESIDENTIAL_MS})
    board = CoverageBoard(index)
    board.set_unit("A1", "ambulance", *nodes[nid(0, 4)], available=True)
    board.set_unit("A2", "ambulance", *nodes[nid(1, 3)], available=True)
    assert board.counts("ambulance").tolist() == [2, 0, 2]
    board.set_unit("A2", "ambulance", *nodes[nid(1, 3)], available=False)  # dispatched
    assert board.counts("ambulance").tolist() == [1, 0, 1]
    board.set_unit("A1", "ambulance", *nodes[nid(0, 1)], available=True)  # moved west
    assert board.counts("ambulance").tolist() == [0, 1, 0]
    s = board.summary()
    timur = next(a for a in s["areas"] if a["area"] == "Timur")
    assert timur["units"] == {"ambulance": 0}
    assert timur["covered_share"] == {"ambulance": 0.0} and timur["uncovered_cells"]["ambulance"] == 1
    board.remove_unit("A1")
    assert board.counts("ambulance").tolist() == [0, 0, 0]


def test_kediri_coverage_on_the_pack_roads() -> None:
    city = load_city_pack()
    router = build_router(Settings(), city)
    assert isinstance(router, RoadRouter)
    kec = [(n, g) for n, _c, g in city.kecamatan()]
    cov = city.settings["coverage"]
    pts = demand_cells(kec, cov["cell_m"], cov["default_demand"]) + kecamatan_points(kec)
    index = CoverageIndex(router.network, pts, cov["target_s"])
    board = CoverageBoard(index)
    for u in city.fleet:
        st = city.station(u.station)
        assert st is not None
        board.set_unit(u.id, u.type, st.lat, st.lon, available=True)
    areas = {a["area"]: a for a in board.summary()["areas"]}
    assert set(areas) == {"Mojoroto", "Kota", "Pesantren"}
    # Every fire engine sits at the Damkar HQ on the east bank: Kota is covered,
    # and a west-bank cell far from the bridges is not.
    assert areas["Kota"]["units"]["fire_engine"] == 4
    assert areas["Mojoroto"]["covered_share"]["fire_engine"] < 1.0


# --------------------------------------------------------------------------- move-up


def random_problem(rng: random.Random) -> tuple[list[float], list[MoveUpUnit], list[MoveUpSite]]:
    nd = rng.randint(5, 9)
    weights = [round(rng.uniform(0.5, 5.0), 2) for _ in range(nd)]

    def some() -> frozenset[int]:
        return frozenset(d for d in range(nd) if rng.random() < 0.3)

    sites = [MoveUpSite(f"S{i}", some(), rng.choice([None, 1])) for i in range(rng.randint(2, 4))]
    units = [MoveUpUnit(f"U{i}", some(),
                        {s.site_id: round(rng.uniform(60, 900)) for s in sites if rng.random() < 0.8})
             for i in range(rng.randint(2, 4))]
    return weights, units, sites


@pytest.mark.parametrize("seed", range(25))
def test_milp_equals_enumeration(seed: int) -> None:
    rng = random.Random(seed)
    weights, units, sites = random_problem(rng)
    for max_moves in (1, 2):
        for max_travel in (math.inf, 500.0):
            plan = suggest_move_ups(weights, units, sites, max_moves, max_travel)
            covered, cost = best_by_enumeration(weights, units, sites, max_moves, max_travel)
            assert plan.status == "optimal"
            assert plan.covered_after == pytest.approx(covered)
            assert sum(m.travel_s for m in plan.moves) == pytest.approx(cost)
            assert len(plan.moves) <= max_moves
            assert all(m.travel_s <= max_travel for m in plan.moves)
            assert plan.covered_after >= plan.covered_before


def test_move_up_fills_the_uncovered_bank() -> None:
    # Demand 0-1 east, 2-3 west. Both ambulances are east; one should go west.
    weights = [3.0, 1.0, 2.0, 2.0]
    units = [MoveUpUnit("A1", frozenset({0, 1}), {"WEST": 400.0, "EAST": 30.0}),
             MoveUpUnit("A2", frozenset({0}), {"WEST": 300.0, "EAST": 60.0})]
    sites = [MoveUpSite("WEST", frozenset({2, 3})), MoveUpSite("EAST", frozenset({0, 1}))]
    plan = suggest_move_ups(weights, units, sites, max_moves=1)
    assert [(m.unit_id, m.site_id) for m in plan.moves] == [("A2", "WEST")]
    assert plan.covered_before == 4.0 and plan.covered_after == 8.0 and plan.gain == 4.0
    assert plan.uncovered_after == ()
    # Nothing to gain: no move is suggested.
    still = suggest_move_ups([1.0], [MoveUpUnit("A1", frozenset({0}), {"S": 10.0})],
                             [MoveUpSite("S", frozenset({0}))])
    assert still.moves == ()
    assert suggest_move_ups(weights, units, sites, max_moves=0).moves == ()
    with pytest.raises(ValueError):
        suggest_move_ups([-1.0], units, sites)


def test_move_up_on_roads(tmp_path: Path) -> None:
    path, nodes = river_grid(tmp_path)
    net = load_osm(path)
    pts = [DemandPoint("E", *nodes[nid(0, 3)], weight=2.0),
           DemandPoint("W", *nodes[nid(0, 0)], weight=3.0)]
    step = leg(nodes, nid(0, 2), nid(0, 3))
    index = CoverageIndex(net, pts, {"ambulance": 2.5 * step / AMB_RESIDENTIAL_MS})
    units = [("A1", *nodes[nid(0, 4)]), ("A2", *nodes[nid(1, 3)])]
    sites = [("POS-W", *nodes[nid(1, 0)], None), ("POS-E", *nodes[nid(0, 4)], None)]
    weights, mu, ms = problem_on_roads(index, "ambulance", units, sites)
    plan = suggest_move_ups(weights, mu, ms, max_moves=1)
    assert plan.covered_before == 2.0 and plan.covered_after == 5.0
    (move,) = plan.moves
    assert move.site_id == "POS-W"
    # The one sent is the one with the shorter drive over the bridge.
    a1 = RoadRouter(net).route(nodes[nid(0, 4)], nodes[nid(1, 0)], "ambulance").eta_s
    a2 = RoadRouter(net).route(nodes[nid(1, 3)], nodes[nid(1, 0)], "ambulance").eta_s
    assert move.unit_id == ("A1" if a1 < a2 else "A2")
    assert move.travel_s == pytest.approx(min(a1, a2), abs=0.01)


# --------------------------------------------------------------------------- hospitals


@pytest.mark.parametrize(("category", "text", "needs"), [
    ("traffic_accident", "tabrakan motor di Jl. Dhoho", {"trauma"}),
    ("medical", "bapak tiba-tiba pelo dan lumpuh sebelah", {"stroke"}),
    ("medical", "nyeri dada hebat, keringat dingin", {"cardiac"}),
    ("medical", "ibu hamil ketuban pecah", {"maternity"}),
    ("medical", "bayi kejang demam tinggi", {"paediatric"}),
    ("fire", "rumah terbakar, ada korban luka bakar", {"burns"}),
    ("fire", "gudang terbakar, tidak ada korban", set()),
    ("fire", "rumah terbakar, dua korban terjebak", {"burns"}),
    ("medical", "anak tersiram air panas", {"burns"}),
    ("medical", "pingsan di pasar", set()),
])
def test_needed_capabilities(category: str, text: str, needs: set[str]) -> None:
    assert needed_capabilities(category, text) == needs


def test_nearest_capable_hospital_by_road(tmp_path: Path) -> None:
    path, nodes = river_grid(tmp_path)
    router = RoadRouter(load_osm(path))
    hospitals = [HospitalSite("H-WEST", "RS Barat", *nodes[nid(0, 0)], frozenset({"trauma"})),
                 HospitalSite("H-EAST", "RS Timur", *nodes[nid(0, 4)],
                              frozenset({"trauma", "stroke"})),
                 HospitalSite("H-MAT", "RSIA", *nodes[nid(0, 3)], frozenset({"maternity"}))]
    incident = nodes[nid(0, 1)]  # west bank, next to H-WEST
    trauma = nearest_capable_hospital(incident, {"trauma"}, hospitals, router)
    assert trauma is not None and trauma.hospital_id == "H-WEST" and trauma.missing == frozenset()
    stroke = nearest_capable_hospital(incident, {"stroke"}, hospitals, router)
    assert stroke is not None and stroke.hospital_id == "H-EAST" and stroke.via == "road"
    expected = leg(nodes, *([nid(r, 1) for r in range(5)] + [nid(4, 2)]
                            + [nid(r, 2) for r in range(3, -1, -1)] + [nid(0, 3), nid(0, 4)]))
    assert stroke.route_m == pytest.approx(expected, abs=0.05)
    assert stroke.eta_s == pytest.approx(expected / AMB_RESIDENTIAL_MS, abs=0.05)
    # Closed ED and a full one are skipped.
    closed = {"H-EAST": HospitalStatus(ed_open=False)}
    alt = nearest_capable_hospital(incident, {"stroke"}, hospitals, router, status=closed)
    assert alt is not None and alt.hospital_id == "H-WEST" and alt.missing == {"stroke"}
    full = {"H-WEST": HospitalStatus(beds_free=0)}
    assert nearest_capable_hospital(incident, {"trauma"}, hospitals, router,
                                    status=full).hospital_id == "H-EAST"  # type: ignore[union-attr]
    # Nobody has everything: the most capable, then the nearest.
    both = rank_hospitals(incident, {"stroke", "maternity"}, hospitals, router)
    assert [c.hospital_id for c in both][:2] == ["H-EAST", "H-MAT"] or \
        [c.hospital_id for c in both][:2] == ["H-MAT", "H-EAST"]
    assert all(len(c.missing) == 1 for c in both[:2]) and len(both[2].missing) == 2
    assert both[0].eta_s <= both[1].eta_s
    assert nearest_capable_hospital(incident, {"trauma"}, [], router) is None


def test_kediri_hospitals_have_capabilities() -> None:
    city = load_city_pack()
    hospitals = hospitals_from_stations(city.stations)
    assert {h.id for h in hospitals} >= {"rs-gambiran", "rs-bhayangkara", "rs-baptis"}
    assert all(h.capabilities for h in hospitals)
    router = build_router(Settings(), city)
    # A stroke in Mojoroto goes to a stroke-capable hospital, on roads.
    choice = nearest_capable_hospital((-7.8150, 111.9950), {"stroke"}, hospitals, router)
    assert choice is not None and choice.missing == frozenset()
    assert choice.hospital_id in {"rs-gambiran", "rs-baptis"} and choice.via == "road"
    line = nearest_capable_hospital((-7.8150, 111.9950), {"stroke"}, hospitals,
                                    StraightLineRouter())
    assert line is not None and line.via == "straight"
    assert choice.as_dict()["missing"] == []
