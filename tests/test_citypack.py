"""The Kota Kediri city pack loads, its geography is sane, and broken packs fail clearly."""

from __future__ import annotations

import json
import math
import shutil
from collections import Counter
from pathlib import Path

import pytest
from shapely import transform
from shapely.geometry import Point, shape
from shapely.ops import unary_union

from dispatch.citypack import DEFAULT_PACK, CityPack, CityPackError, load_city_pack

REAL_AREAS_KM2 = {"Mojoroto": 24.601, "Kota": 14.90, "Pesantren": 23.903}
CITY_AREA_KM2 = 63.404

# (lat, lon, kecamatan) of well-known places; approximate coordinates.
KNOWN_POINTS = {
    "Stasiun Kediri (Balowerti)": (-7.8167, 112.0136, "Kota"),
    "RSUD Gambiran (Pakunden)": (-7.8340, 112.0292, "Pesantren"),
    "Universitas Nusantara PGRI (Jl. Ahmad Dahlan)": (-7.8050, 111.9920, "Mojoroto"),
    "Pasar Setonobetek": (-7.8173, 112.0168, "Kota"),
    "Bandar Lor": (-7.8010, 111.9990, "Mojoroto"),
    "Ngronggo": (-7.8250, 112.0320, "Kota"),
}
JEMBATAN_BRAWIJAYA = (-7.8188, 112.0064)

KELURAHAN_COUNTS = {"Mojoroto": 14, "Kota": 17, "Pesantren": 15}


def _km(geom):
    """Project lon/lat to a local equal-area-enough plane in km (scale x by cos(lat))."""
    lat0 = math.radians(-7.8166)
    kx, ky = 111.320 * math.cos(lat0), 110.574
    return transform(geom, lambda c: c * [kx, ky])


@pytest.fixture(scope="module")
def pack() -> CityPack:
    return load_city_pack()


@pytest.fixture(scope="module")
def kecamatan(pack: CityPack):
    return {name: shape(geom) for name, _code, geom in pack.kecamatan()}


def test_default_pack_loads(pack: CityPack) -> None:
    assert pack.name == "Kota Kediri"
    assert pack.slug == "kediri"
    assert pack.timezone == "Asia/Jakarta"
    assert pack.root == DEFAULT_PACK
    assert pack.settings["mqtt_prefix"] == "siaga"
    assert pack.settings["eta"]["speeds_kmh"]["ambulance"] == 50
    assert load_city_pack("kediri").name == "Kota Kediri"
    assert load_city_pack(str(DEFAULT_PACK)).slug == "kediri"


def test_kecamatan_polygons_valid_and_disjoint(kecamatan) -> None:
    assert set(kecamatan) == set(REAL_AREAS_KM2)
    names = sorted(kecamatan)
    for name in names:
        assert kecamatan[name].is_valid, name
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            assert _km(kecamatan[a].intersection(kecamatan[b])).area < 1e-6, (a, b)
            # neighbours share a border (same vertices), so the union has no sliver gaps
            assert kecamatan[a].touches(kecamatan[b]), (a, b)
    union = unary_union(list(kecamatan.values()))
    assert union.geom_type == "Polygon" and len(union.interiors) == 0


def test_areas_close_to_official_figures(kecamatan) -> None:
    total = sum(_km(g).area for g in kecamatan.values())
    assert abs(total - CITY_AREA_KM2) / CITY_AREA_KM2 <= 0.15, total
    for name, real in REAL_AREAS_KM2.items():
        area = _km(kecamatan[name]).area
        assert abs(area - real) / real <= 0.25, (name, area, real)


def test_every_kelurahan_inside_its_kecamatan(pack: CityPack, kecamatan) -> None:
    kel = pack.kelurahan()
    assert len(kel) == 46
    assert Counter(k for _n, k, _g in kel) == KELURAHAN_COUNTS
    assert len({(n, k) for n, k, _g in kel}) == 46
    assert "Chandra Kirana" not in {n for n, _k, _g in kel}
    for name, kec, geom in kel:
        assert kecamatan[kec].contains(shape(geom)), (name, kec)


@pytest.mark.parametrize("place", sorted(KNOWN_POINTS))
def test_known_points_locate(kecamatan, place: str) -> None:
    lat, lon, expected = KNOWN_POINTS[place]
    hits = [name for name, g in kecamatan.items() if g.contains(Point(lon, lat))]
    assert hits == [expected], place


NEAREST_KELURAHAN = {
    (-7.8167, 112.0136): "Balowerti",  # Stasiun Kediri
    (-7.8340, 112.0292): "Pakunden",  # RSUD Gambiran
    (-7.8250, 112.0320): "Ngronggo",
    (-7.8010, 111.9990): "Bandar Lor",
}


@pytest.mark.parametrize(("lat", "lon"), sorted(NEAREST_KELURAHAN))
def test_nearest_kelurahan_point(pack: CityPack, lat: float, lon: float) -> None:
    here = _km(Point(lon, lat))
    nearest = min(pack.kelurahan(), key=lambda k: _km(shape(k[2])).distance(here))
    assert nearest[0] == NEAREST_KELURAHAN[(lat, lon)]


def test_brawijaya_bridge_is_on_the_river_border(kecamatan) -> None:
    lat, lon = JEMBATAN_BRAWIJAYA
    river = kecamatan["Mojoroto"].intersection(kecamatan["Kota"])
    assert not river.is_empty
    assert _km(river).distance(_km(Point(lon, lat))) < 0.2


def test_fleet_counts_and_references(pack: CityPack) -> None:
    counts = Counter(u.type for u in pack.fleet)
    assert counts == {"fire_engine": 4, "ambulance": 6, "police": 4, "rescue": 2}
    for unit in pack.fleet:
        assert pack.station(unit.station) is not None, unit.id
    assert len({u.id for u in pack.fleet}) == len(pack.fleet)
    assert {s.id for s in pack.hospitals()} >= {"rs-gambiran", "rs-baptis", "rs-bhayangkara"}
    assert {s.kind for s in pack.stations} == {
        "damkar", "psc119", "polres", "polsek", "bpbd", "hospital"}


def test_stations_inside_or_near_city(pack: CityPack, kecamatan) -> None:
    city = _km(unary_union(list(kecamatan.values())))
    for s in pack.stations:
        assert city.distance(_km(Point(s.lon, s.lat))) <= 3.0, s.id


def test_response_plans_and_opds(pack: CityPack) -> None:
    fire = {s.unit_type: s.count for s in pack.response_plans["fire"]}
    assert fire == {"fire_engine": 2, "ambulance": 1}
    assert set(pack.response_plans) == {
        "fire", "traffic_accident", "disaster", "animal_disturbance", "unrest", "medical"}
    assert pack.coordinator().code == "KOORDINATOR"
    assert pack.opd_for_category("water").code == "PDAM"
    assert pack.opd_for_category("no_such_category") is None
    assert all(not o.code.startswith("PLN") for o in pack.opds)


def test_holidays(pack: CityPack) -> None:
    years = {d.year for d in pack.holidays}
    assert years == {2026, 2027}
    assert list(pack.holidays) == sorted(pack.holidays)
    assert any(d.isoformat() == "2026-08-17" for d in pack.holidays)


# --------------------------------------------------------------------------- broken packs


@pytest.fixture
def pack_copy(tmp_path: Path) -> Path:
    dest = tmp_path / "pack"
    shutil.copytree(DEFAULT_PACK, dest)
    return dest


def _edit(root: Path, name: str, fn) -> None:
    path = root / name
    data = json.loads(path.read_text(encoding="utf-8"))
    fn(data)
    path.write_text(json.dumps(data), encoding="utf-8")


def _fails(root: Path, file: str, field: str) -> CityPackError:
    with pytest.raises(CityPackError) as info:
        load_city_pack(root)
    err = info.value
    assert err.file == file, str(err)
    assert field in err.field, str(err)
    assert file in str(err) and field in str(err)
    return err


def test_missing_file(pack_copy: Path) -> None:
    (pack_copy / "opds.json").unlink()
    _fails(pack_copy, "opds.json", "")


def test_bad_json(pack_copy: Path) -> None:
    (pack_copy / "fleet.json").write_text('[\n  {"id": "DMK-01",\n  oops\n]\n', encoding="utf-8")
    err = _fails(pack_copy, "fleet.json", "line 3")
    assert "invalid JSON" in str(err)


def test_unknown_unit_type(pack_copy: Path) -> None:
    _edit(pack_copy, "fleet.json", lambda d: d[3].update(type="firetruck"))
    err = _fails(pack_copy, "fleet.json", "[3].type")
    assert "'firetruck' is not one of fire_engine, ambulance, police, rescue" in str(err)


def test_missing_field(pack_copy: Path) -> None:
    _edit(pack_copy, "stations.json", lambda d: d[2].pop("lat"))
    _fails(pack_copy, "stations.json", "[2].lat")


def test_wrong_type_and_range(pack_copy: Path) -> None:
    _edit(pack_copy, "stations.json", lambda d: d[0].update(lon=212.0))
    _fails(pack_copy, "stations.json", "[0].lon")


def test_unknown_station_reference(pack_copy: Path) -> None:
    _edit(pack_copy, "fleet.json", lambda d: d[0].update(station="damkar-nowhere"))
    err = _fails(pack_copy, "fleet.json", "[0].station")
    assert "damkar-nowhere" in str(err)


def test_duplicate_unit_id(pack_copy: Path) -> None:
    _edit(pack_copy, "fleet.json", lambda d: d[1].update(id=d[0]["id"]))
    _fails(pack_copy, "fleet.json", "[1].id")


def test_invalid_polygon(pack_copy: Path) -> None:
    def bowtie(fc):
        fc["features"][1]["geometry"]["coordinates"] = [
            [[112.0, -7.80], [112.02, -7.82], [112.02, -7.80], [112.0, -7.82], [112.0, -7.80]]]
    _edit(pack_copy, "districts.geojson", bowtie)
    err = _fails(pack_copy, "districts.geojson", "features[1].geometry")
    assert "invalid" in str(err)


def test_overlapping_kecamatan(pack_copy: Path) -> None:
    def copy_first(fc):
        fc["features"][1]["geometry"] = fc["features"][0]["geometry"]
    _edit(pack_copy, "districts.geojson", copy_first)
    _fails(pack_copy, "districts.geojson", "features")


def test_no_kecamatan(pack_copy: Path) -> None:
    _edit(pack_copy, "districts.geojson", lambda fc: fc.update(features=[
        f for f in fc["features"] if f["properties"]["level"] != "kecamatan"]))
    _fails(pack_copy, "districts.geojson", "features")


def test_plan_problems(pack_copy: Path) -> None:
    _edit(pack_copy, "response_plans.json", lambda d: d.pop("unrest"))
    _fails(pack_copy, "response_plans.json", "unrest")
    _edit(pack_copy, "response_plans.json", lambda d: d.update(
        unrest=[{"unit_type": "police", "count": 0}]))
    _fails(pack_copy, "response_plans.json", "unrest[0].count")
    _edit(pack_copy, "response_plans.json", lambda d: d.update(
        unrest=[{"unit_type": "police", "count": 1}], picnic=[{"unit_type": "police", "count": 1}]))
    _fails(pack_copy, "response_plans.json", "picnic")


def test_opd_problems(pack_copy: Path) -> None:
    _edit(pack_copy, "opds.json", lambda d: d[1]["categories"].append(d[0]["categories"][0]))
    _fails(pack_copy, "opds.json", "[1].categories")
    _edit(pack_copy, "opds.json", lambda d: d[1]["categories"].pop())
    _edit(pack_copy, "opds.json", lambda d: [o.pop("coordinator", None) for o in d])
    _fails(pack_copy, "opds.json", "coordinator")


def test_bad_holiday(pack_copy: Path) -> None:
    _edit(pack_copy, "city.json", lambda d: d["holidays"][0].update(date="2026-02-30"))
    _fails(pack_copy, "city.json", "holidays[0].date")


def test_bad_center(pack_copy: Path) -> None:
    _edit(pack_copy, "city.json", lambda d: d.update(center=[-97.8, 112.0]))
    _fails(pack_copy, "city.json", "center.lat")


def test_unknown_pack_name() -> None:
    with pytest.raises(CityPackError):
        load_city_pack("atlantis")


def test_fix_rules_and_station_trust(pack_copy: Path) -> None:
    pack = load_city_pack(pack_copy)
    trusted = {u.id for u in pack.fleet if u.trusted_at_station}
    assert "DMK-01" in trusted and "AMB-04" not in trusted  # Damkar post vs RSUD Gambiran
    assert pack.settings["fix_rules"]["max_accuracy_m"] == 500
    # A unit's own flag overrides its station's.
    _edit(pack_copy, "fleet.json", lambda d: d[0].update(trusted_at_station=False))
    assert not next(u for u in load_city_pack(pack_copy).fleet if u.id == "DMK-01"
                    ).trusted_at_station
    _edit(pack_copy, "fleet.json", lambda d: d[0].update(trusted_at_station="yes"))
    _fails(pack_copy, "fleet.json", "[0].trusted_at_station")


def test_bad_fix_rules(pack_copy: Path) -> None:
    _edit(pack_copy, "city.json", lambda d: d["fix_rules"].update(max_future_s=-5))
    _fails(pack_copy, "city.json", "fix_rules.max_future_s")
    _edit(pack_copy, "city.json", lambda d: d["fix_rules"].update(max_future_s=60,
                                                                  max_accuracy_m="far"))
    _fails(pack_copy, "city.json", "fix_rules.max_accuracy_m")
