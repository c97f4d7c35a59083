"""Load and validate a city pack directory (``dispatch/citypacks/<city>/``) into a ``CityPack``.

A city pack is data only: ``city.json``, ``districts.geojson``, ``stations.json``,
``fleet.json``, ``response_plans.json`` and ``opds.json``, and optionally
``neighbours.geojson`` (who takes a call from outside the city). Every problem found while
loading raises ``CityPackError`` naming the file and the field, so whoever edits a pack
sees exactly what to fix. Only the standard library and shapely are used here.
"""

from __future__ import annotations

import copy
import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, tzinfo
from pathlib import Path
from types import MappingProxyType
from typing import Any

from shapely.geometry import shape
from shapely.validation import explain_validity

from dispatch.domain import citytime
from dispatch.domain.constants import EMERGENCY_CATEGORIES, UNIT_TYPES

CITYPACKS_DIR = Path(__file__).parent / "citypacks"
DEFAULT_PACK = CITYPACKS_DIR / "kediri"

STATION_KINDS: tuple[str, ...] = ("damkar", "psc119", "polres", "polsek", "bpbd", "hospital")
HOSPITAL_CAPABILITIES: tuple[str, ...] = (
    "trauma", "stroke", "cardiac", "maternity", "paediatric", "burns",
)
PACK_FILES: tuple[str, ...] = (
    "city.json",
    "districts.geojson",
    "stations.json",
    "fleet.json",
    "response_plans.json",
    "opds.json",
)

_UNIT_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
_STATION_ID_RE = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
_CATEGORY_CODE_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_KECAMATAN_GEOMS = ("Polygon", "MultiPolygon")
_KELURAHAN_GEOMS = ("Point", "Polygon", "MultiPolygon")
# Two kecamatan may share edges; any overlap bigger than this (in degrees², ~1 m²) is an error.
_OVERLAP_TOLERANCE_DEG2 = 1e-10


class CityPackError(Exception):
    """A city pack could not be loaded; ``file`` and ``field`` say where the problem is."""

    def __init__(self, file: str, field: str, message: str) -> None:
        self.file = file
        self.field = field
        self.message = message
        where = f"{file}: {field}" if field else file
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True)
class Station:
    """A fixed base: fire station, PSC 119 post, police office, BPBD or hospital."""

    id: str
    name: str
    kind: str
    agency: str
    lat: float
    lon: float
    trusted_at_station: bool = False  # its units count as there until they report
    capabilities: tuple[str, ...] = ()  # hospitals: what their emergency department takes


@dataclass(frozen=True)
class FleetUnit:
    """One unit of the initial fleet, based at a station."""

    id: str
    type: str
    station: str
    name: str
    trusted_at_station: bool = False  # the unit's own flag, else its station's


@dataclass(frozen=True)
class PlanSlot:
    """One line of a response plan: how many units of one type a category needs."""

    unit_type: str
    count: int


@dataclass(frozen=True)
class Opd:
    """A city department (OPD) that handles complaints of some categories."""

    code: str
    name: str
    categories: tuple[str, ...]
    keywords: tuple[str, ...]
    coordinator: bool = False


@dataclass(frozen=True)
class CityPack:
    """A loaded and validated city pack."""

    root: Path
    name: str
    slug: str
    timezone: str
    center: tuple[float, float]
    zoom: int
    settings: Mapping[str, Any]  # the whole city.json (treat as read-only)
    districts_geojson: Mapping[str, Any]
    stations: tuple[Station, ...]
    fleet: tuple[FleetUnit, ...]
    response_plans: Mapping[str, tuple[PlanSlot, ...]]
    opds: tuple[Opd, ...]
    holidays: tuple[date, ...]
    _stations_by_id: Mapping[str, Station] = field(default_factory=dict, repr=False, compare=False)
    # neighbours.geojson (optional): outlines of the authorities around the city, for hand-off.
    neighbours_geojson: Mapping[str, Any] | None = field(default=None, repr=False, compare=False)

    @property
    def tz(self) -> tzinfo:
        """The city's time zone: it decides "today" and every date shown."""
        return citytime.zone(self.timezone)
    roads: Path | None = None  # the pack's OpenStreetMap extract (city.json "roads"), if any

    def station(self, id: str) -> Station | None:
        """Return the station with this id, or None."""
        return self._stations_by_id.get(id)

    def hospitals(self) -> list[Station]:
        """Return the stations of kind ``hospital``."""
        return [s for s in self.stations if s.kind == "hospital"]

    def opd_for_category(self, category: str) -> Opd | None:
        """Return the OPD that handles a complaint category, or None."""
        for opd in self.opds:
            if category in opd.categories:
                return opd
        return None

    def coordinator(self) -> Opd:
        """Return the coordinating OPD (receives what no other OPD handles)."""
        return next(o for o in self.opds if o.coordinator)

    def kecamatan(self) -> list[tuple[str, str | None, dict[str, Any]]]:
        """Return ``(name, code, geometry)`` for every kecamatan feature."""
        out: list[tuple[str, str | None, dict[str, Any]]] = []
        for feat in self.districts_geojson["features"]:
            props = feat["properties"]
            if props.get("level") == "kecamatan":
                out.append((props["name"], props.get("code"), copy.deepcopy(feat["geometry"])))
        return out

    def kelurahan(self) -> list[tuple[str, str, dict[str, Any]]]:
        """Return ``(name, kecamatan, geometry)`` for every kelurahan feature."""
        out: list[tuple[str, str, dict[str, Any]]] = []
        for feat in self.districts_geojson["features"]:
            props = feat["properties"]
            if props.get("level") == "kelurahan":
                out.append((props["name"], props["kecamatan"], copy.deepcopy(feat["geometry"])))
        return out

    def units_of_type(self, unit_type: str) -> list[FleetUnit]:
        """Return the fleet units of one type."""
        return [u for u in self.fleet if u.type == unit_type]


# --------------------------------------------------------------------------- helpers


def _type_name(types: type | tuple[type, ...]) -> str:
    names = {bool: "boolean", int: "integer", float: "number", str: "string",
             list: "list", dict: "object", type(None): "null"}
    if isinstance(types, tuple):
        return " or ".join(names.get(t, t.__name__) for t in types)
    return names.get(types, types.__name__)


def _join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def _check_type(value: Any, types: type | tuple[type, ...], file: str, path: str) -> Any:
    wanted = types if isinstance(types, tuple) else (types,)
    ok = isinstance(value, wanted)
    if ok and isinstance(value, bool) and bool not in wanted:
        ok = False  # True is an int in Python, never in a pack
    if not ok:
        raise CityPackError(
            file, path or "(top level)",
            f"expected {_type_name(types)}, got {_type_name(type(value))} {value!r:.60}",
        )
    return value


def _get(obj: Mapping[str, Any], key: str, types: type | tuple[type, ...], file: str,
         path: str, *, required: bool = True, default: Any = None) -> Any:
    where = _join(path, key)
    if key not in obj:
        if required:
            raise CityPackError(file, where, "required field is missing")
        return default
    return _check_type(obj[key], types, file, where)


def _number(obj: Mapping[str, Any], key: str, file: str, path: str) -> float:
    value = float(_get(obj, key, (int, float), file, path))
    if not math.isfinite(value):
        raise CityPackError(file, _join(path, key), f"{value!r} is not a finite number")
    return value


def _lat_lon(obj: Mapping[str, Any], file: str, path: str) -> tuple[float, float]:
    lat = _number(obj, "lat", file, path)
    lon = _number(obj, "lon", file, path)
    if not -90 <= lat <= 90:
        raise CityPackError(file, _join(path, "lat"), f"{lat} is out of range -90..90")
    if not -180 <= lon <= 180:
        raise CityPackError(file, _join(path, "lon"), f"{lon} is out of range -180..180")
    return lat, lon


def _one_of(value: str, allowed: tuple[str, ...], file: str, path: str) -> str:
    if value not in allowed:
        raise CityPackError(file, path, f"{value!r} is not one of {', '.join(allowed)}")
    return value


def _read_json(root: Path, name: str) -> Any:
    path = root / name
    if not path.is_file():
        raise CityPackError(name, "", f"file not found in {root}")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CityPackError(name, "", f"cannot read: {exc}") from exc
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise CityPackError(name, f"line {exc.lineno} column {exc.colno}",
                            f"invalid JSON: {exc.msg}") from exc


# --------------------------------------------------------------------------- per file


def _parse_holidays(raw: Any, file: str) -> tuple[date, ...]:
    items = _check_type(raw, list, file, "holidays")
    out: list[date] = []
    for i, item in enumerate(items):
        path = f"holidays[{i}]"
        if isinstance(item, dict):
            text = _get(item, "date", str, file, path)
            path = f"{path}.date"
        else:
            text = _check_type(item, str, file, path)
        try:
            out.append(date.fromisoformat(text))
        except ValueError as exc:
            raise CityPackError(file, path, f"{text!r} is not an ISO date (YYYY-MM-DD)") from exc
    return tuple(sorted(set(out)))


def _parse_city(raw: Any) -> dict[str, Any]:
    file = "city.json"
    city = _check_type(raw, dict, file, "")
    _get(city, "name", str, file, "")
    try:
        citytime.zone(_get(city, "timezone", str, file, ""))
    except ValueError as exc:
        raise CityPackError(file, "timezone", f"{exc}; use an IANA name like Asia/Jakarta"
                            ) from exc
    center = _get(city, "center", list, file, "")
    if len(center) != 2:
        raise CityPackError(file, "center", "expected [lat, lon]")
    _lat_lon({"lat": center[0], "lon": center[1]}, file, "center")
    zoom = _get(city, "zoom", int, file, "", required=False, default=13)
    if not 1 <= zoom <= 20:
        raise CityPackError(file, "zoom", f"{zoom} is out of range 1..20")
    stale = _get(city, "stale_after_s", dict, file, "", required=False, default={})
    for source, seconds in stale.items():
        _check_type(seconds, (int, float, type(None)), file, f"stale_after_s.{source}")
    eta = _get(city, "eta", dict, file, "", required=False, default={})
    for group in ("speeds_kmh", "turnout_s"):
        values = _get(eta, group, dict, file, "eta", required=False, default={})
        for unit_type, value in values.items():
            where = f"eta.{group}.{unit_type}"
            _one_of(unit_type, UNIT_TYPES, file, where)
            _check_type(value, (int, float), file, where)
            if value < 0 or (group == "speeds_kmh" and value == 0):
                raise CityPackError(file, where, f"{value} must be positive")
    road_speeds = _get(eta, "road_speeds_kmh", dict, file, "eta", required=False, default={})
    for key, table in road_speeds.items():
        where = f"eta.road_speeds_kmh.{key}"
        if key != "default":
            _one_of(key, UNIT_TYPES, file, where)
        _check_type(table, dict, file, where)
        for highway, value in table.items():
            _check_type(value, (int, float), file, f"{where}.{highway}")
            if value <= 0:
                raise CityPackError(file, f"{where}.{highway}", f"{value} must be positive")
    if "offroad_speed_kmh" in eta:
        value = _check_type(eta["offroad_speed_kmh"], (int, float), file, "eta.offroad_speed_kmh")
        if value <= 0:
            raise CityPackError(file, "eta.offroad_speed_kmh", f"{value} must be positive")
    _get(city, "roads", (str, type(None)), file, "", required=False)
    if "circuity" in eta:
        circuity = _check_type(eta["circuity"], (int, float), file, "eta.circuity")
        if circuity < 1:
            raise CityPackError(file, "eta.circuity", f"{circuity} must be >= 1")
    targets = _get(city, "kpi_targets", dict, file, "", required=False, default={})
    for name, target in targets.items():
        _check_type(target, dict, file, f"kpi_targets.{name}")
        _get(target, "target_s", (int, float), file, f"kpi_targets.{name}")
    rules = _get(city, "fix_rules", dict, file, "", required=False, default={})
    for key in ("max_future_s", "max_accuracy_m", "service_area_margin_m"):
        if key in rules:
            kinds = (int, float, type(None)) if key == "max_accuracy_m" else (int, float)
            value = _check_type(rules[key], kinds, file, f"fix_rules.{key}")
            if value is not None and not (math.isfinite(value) and value >= 0):
                raise CityPackError(file, f"fix_rules.{key}", f"{value} must be >= 0")
    _get(city, "status_timers_s", dict, file, "", required=False)
    _parse_call_rules(city, file)
    _get(city, "complaint", dict, file, "", required=False)
    return city


def _contact(item: Any, file: str, path: str) -> None:
    _check_type(item, dict, file, path)
    for key in ("authority", "contact"):
        if not _get(item, key, str, file, path).strip():
            raise CityPackError(file, _join(path, key), "must not be empty")
    _get(item, "approximate", bool, file, path, required=False)


def _non_negative(obj: Mapping[str, Any], key: str, file: str, path: str) -> None:
    if key in obj:
        value = _check_type(obj[key], (int, float), file, _join(path, key))
        if not math.isfinite(value) or value < 0:
            raise CityPackError(file, _join(path, key), f"{value} must be a number >= 0")


def _parse_call_rules(city: Mapping[str, Any], file: str) -> None:
    """jurisdiction, aml, classify, substitutes, mutual_aid: the rules about calls."""
    juris = _get(city, "jurisdiction", dict, file, "", required=False, default={})
    _non_negative(juris, "recommend_within_m", file, "jurisdiction")
    if "fallback" in juris:
        _contact(juris["fallback"], file, "jurisdiction.fallback")
        _get(juris["fallback"], "id", str, file, "jurisdiction.fallback")
    aml = _get(city, "aml", dict, file, "", required=False, default={})
    for key in ("stale_after_s", "future_skew_s"):
        _non_negative(aml, key, file, "aml")
    rules = _get(city, "classify", dict, file, "", required=False, default={})
    if "unsure_below" in rules:
        value = _check_type(rules["unsure_below"], (int, float), file, "classify.unsure_below")
        if not 0 <= value <= 1:
            raise CityPackError(file, "classify.unsure_below", f"{value} must be within 0..1")
    subs = _get(city, "substitutes", dict, file, "", required=False, default={})
    for unit_type, others in subs.items():
        _one_of(unit_type, UNIT_TYPES, file, f"substitutes.{unit_type}")
        _check_type(others, list, file, f"substitutes.{unit_type}")
        for i, other in enumerate(others):
            where = f"substitutes.{unit_type}[{i}]"
            _one_of(_check_type(other, str, file, where), UNIT_TYPES, file, where)
            if other == unit_type:
                raise CityPackError(file, where, "a unit type cannot substitute for itself")
    aid = _get(city, "mutual_aid", dict, file, "", required=False, default={})
    for key, contacts in aid.items():
        if key == "note":
            continue
        if key != "*":
            _one_of(key, UNIT_TYPES, file, f"mutual_aid.{key}")
        for i, item in enumerate(_check_type(contacts, list, file, f"mutual_aid.{key}")):
            _contact(item, file, f"mutual_aid.{key}[{i}]")


def _parse_neighbours(root: Path) -> dict[str, Any] | None:
    name = "neighbours.geojson"
    if not (root / name).is_file():
        return None
    fc = _check_type(_read_json(root, name), dict, name, "")
    if fc.get("type") != "FeatureCollection":
        raise CityPackError(name, "type", f"{fc.get('type')!r} is not 'FeatureCollection'")
    for i, feat in enumerate(_get(fc, "features", list, name, "")):
        path = f"features[{i}]"
        _check_type(feat, dict, name, path)
        props = _get(feat, "properties", dict, name, path)
        _get(props, "id", str, name, f"{path}.properties")
        _contact(props, name, f"{path}.properties")
        geom = _get(feat, "geometry", dict, name, path)
        _one_of(_get(geom, "type", str, name, f"{path}.geometry"), _KECAMATAN_GEOMS, name,
                f"{path}.geometry.type")
        try:
            shp = shape(geom)
        except Exception as exc:  # shapely raises several types for malformed coordinates
            raise CityPackError(name, f"{path}.geometry.coordinates",
                                f"malformed geometry: {exc}") from exc
        if shp.is_empty or not shp.is_valid:
            raise CityPackError(name, f"{path}.geometry",
                                f"invalid geometry: {explain_validity(shp)}")
    return fc


def _parse_districts(raw: Any) -> dict[str, Any]:
    file = "districts.geojson"
    fc = _check_type(raw, dict, file, "")
    if fc.get("type") != "FeatureCollection":
        raise CityPackError(file, "type", f"{fc.get('type')!r} is not 'FeatureCollection'")
    features = _get(fc, "features", list, file, "")
    kecamatan: dict[str, Any] = {}
    kelurahan: list[tuple[str, str]] = []
    for i, feat in enumerate(features):
        path = f"features[{i}]"
        _check_type(feat, dict, file, path)
        props = _get(feat, "properties", dict, file, path)
        ppath = f"{path}.properties"
        level = _one_of(_get(props, "level", str, file, ppath), ("kecamatan", "kelurahan"),
                        file, f"{ppath}.level")
        name = _get(props, "name", str, file, ppath)
        geom = _get(feat, "geometry", dict, file, path)
        gpath = f"{path}.geometry"
        allowed = _KECAMATAN_GEOMS if level == "kecamatan" else _KELURAHAN_GEOMS
        _one_of(_get(geom, "type", str, file, gpath), allowed, file, f"{gpath}.type")
        try:
            shp = shape(geom)
        except Exception as exc:  # shapely raises several types for malformed coordinates
            raise CityPackError(file, f"{gpath}.coordinates", f"malformed geometry: {exc}") from exc
        if shp.is_empty:
            raise CityPackError(file, gpath, f"{level} {name!r} has an empty geometry")
        if not shp.is_valid:
            raise CityPackError(file, gpath,
                                f"{level} {name!r} geometry is invalid: {explain_validity(shp)}")
        minx, miny, maxx, maxy = shp.bounds
        if not (minx >= -180 and maxx <= 180 and miny >= -90 and maxy <= 90):
            raise CityPackError(file, f"{gpath}.coordinates",
                                f"{level} {name!r} has coordinates out of range (want [lon, lat])")
        if level == "kecamatan":
            if name in kecamatan:
                raise CityPackError(file, f"{ppath}.name", f"duplicate kecamatan {name!r}")
            _get(props, "code", (str, type(None)), file, ppath, required=False)
            kecamatan[name] = shp
        else:
            kelurahan.append((f"{ppath}.kecamatan", _get(props, "kecamatan", str, file, ppath)))
    if not kecamatan:
        raise CityPackError(file, "features", "no feature with level 'kecamatan'")
    for where, kec in kelurahan:
        if kec not in kecamatan:
            raise CityPackError(file, where, f"{kec!r} is not a kecamatan in this file")
    names = list(kecamatan)
    for a_i, a in enumerate(names):
        for b in names[a_i + 1:]:
            overlap = kecamatan[a].intersection(kecamatan[b]).area
            if overlap > _OVERLAP_TOLERANCE_DEG2:
                raise CityPackError(file, "features",
                                    f"kecamatan {a!r} and {b!r} overlap ({overlap:.2e} deg²)")
    return fc


def _parse_stations(raw: Any) -> tuple[Station, ...]:
    file = "stations.json"
    items = _check_type(raw, list, file, "")
    out: list[Station] = []
    seen: set[str] = set()
    for i, item in enumerate(items):
        path = f"[{i}]"
        _check_type(item, dict, file, path)
        sid = _get(item, "id", str, file, path)
        if not _STATION_ID_RE.match(sid):
            raise CityPackError(file, f"{path}.id", f"{sid!r} must match {_STATION_ID_RE.pattern}")
        if sid in seen:
            raise CityPackError(file, f"{path}.id", f"duplicate station id {sid!r}")
        seen.add(sid)
        kind = _one_of(_get(item, "kind", str, file, path), STATION_KINDS, file, f"{path}.kind")
        lat, lon = _lat_lon(item, file, path)
        caps = _get(item, "capabilities", list, file, path, required=False, default=[])
        for j, cap in enumerate(caps):
            _one_of(_check_type(cap, str, file, f"{path}.capabilities[{j}]"),
                    HOSPITAL_CAPABILITIES, file, f"{path}.capabilities[{j}]")
        if caps and kind != "hospital":
            raise CityPackError(file, f"{path}.capabilities", "only hospitals have capabilities")
        out.append(Station(
            id=sid,
            name=_get(item, "name", str, file, path),
            kind=kind,
            agency=_get(item, "agency", str, file, path),
            lat=lat,
            lon=lon,
            trusted_at_station=_get(item, "trusted_at_station", bool, file, path,
                                    required=False, default=False),
            capabilities=tuple(caps),
        ))
    return tuple(out)


def _parse_fleet(raw: Any, stations: Mapping[str, Station]) -> tuple[FleetUnit, ...]:
    file = "fleet.json"
    items = _check_type(raw, list, file, "")
    out: list[FleetUnit] = []
    seen: set[str] = set()
    for i, item in enumerate(items):
        path = f"[{i}]"
        _check_type(item, dict, file, path)
        uid = _get(item, "id", str, file, path)
        if not _UNIT_ID_RE.match(uid):
            raise CityPackError(file, f"{path}.id", f"{uid!r} must match {_UNIT_ID_RE.pattern}")
        if uid in seen:
            raise CityPackError(file, f"{path}.id", f"duplicate unit id {uid!r}")
        seen.add(uid)
        utype = _one_of(_get(item, "type", str, file, path), UNIT_TYPES, file, f"{path}.type")
        station = _get(item, "station", str, file, path)
        if station not in stations:
            raise CityPackError(file, f"{path}.station",
                                f"{station!r} is not a station id in stations.json")
        trusted = _get(item, "trusted_at_station", bool, file, path, required=False,
                       default=stations[station].trusted_at_station)
        out.append(FleetUnit(id=uid, type=utype, station=station,
                             name=_get(item, "name", str, file, path), trusted_at_station=trusted))
    return tuple(out)


def _parse_plans(raw: Any) -> dict[str, tuple[PlanSlot, ...]]:
    file = "response_plans.json"
    plans = _check_type(raw, dict, file, "")
    out: dict[str, tuple[PlanSlot, ...]] = {}
    for category, slots in plans.items():
        _one_of(category, EMERGENCY_CATEGORIES, file, category)
        _check_type(slots, list, file, category)
        if not slots:
            raise CityPackError(file, category, "a response plan needs at least one unit")
        parsed: list[PlanSlot] = []
        for i, slot in enumerate(slots):
            path = f"{category}[{i}]"
            _check_type(slot, dict, file, path)
            utype = _one_of(_get(slot, "unit_type", str, file, path), UNIT_TYPES, file,
                            f"{path}.unit_type")
            if any(p.unit_type == utype for p in parsed):
                raise CityPackError(file, f"{path}.unit_type", f"{utype!r} appears twice")
            count = _get(slot, "count", int, file, path)
            if count < 1:
                raise CityPackError(file, f"{path}.count", f"{count} must be at least 1")
            parsed.append(PlanSlot(unit_type=utype, count=count))
        out[category] = tuple(parsed)
    for category in EMERGENCY_CATEGORIES:
        if category not in out:
            raise CityPackError(file, category, "no response plan for this emergency category")
    return out


def _parse_opds(raw: Any) -> tuple[Opd, ...]:
    file = "opds.json"
    items = _check_type(raw, list, file, "")
    out: list[Opd] = []
    codes: set[str] = set()
    owner: dict[str, str] = {}
    for i, item in enumerate(items):
        path = f"[{i}]"
        _check_type(item, dict, file, path)
        code = _get(item, "code", str, file, path)
        if not code:
            raise CityPackError(file, f"{path}.code", "must not be empty")
        if code in codes:
            raise CityPackError(file, f"{path}.code", f"duplicate OPD code {code!r}")
        codes.add(code)
        categories = _get(item, "categories", list, file, path)
        if not categories:
            raise CityPackError(file, f"{path}.categories", "needs at least one category")
        for j, cat in enumerate(categories):
            where = f"{path}.categories[{j}]"
            _check_type(cat, str, file, where)
            if not _CATEGORY_CODE_RE.match(cat):
                raise CityPackError(file, where, f"{cat!r} must be lowercase snake_case")
            if cat in owner:
                raise CityPackError(file, where,
                                    f"category {cat!r} is already handled by {owner[cat]!r}")
            owner[cat] = code
        keywords = _get(item, "keywords", list, file, path, required=False, default=[])
        for j, kw in enumerate(keywords):
            _check_type(kw, str, file, f"{path}.keywords[{j}]")
        out.append(Opd(
            code=code,
            name=_get(item, "name", str, file, path),
            categories=tuple(categories),
            keywords=tuple(keywords),
            coordinator=_get(item, "coordinator", bool, file, path, required=False, default=False),
        ))
    coordinators = [o.code for o in out if o.coordinator]
    if not coordinators:
        raise CityPackError(file, "coordinator", "no OPD has coordinator: true")
    if len(coordinators) > 1:
        raise CityPackError(file, "coordinator",
                            f"more than one coordinator OPD: {', '.join(coordinators)}")
    return tuple(out)


# --------------------------------------------------------------------------- entry point


def resolve_pack_path(path: str | Path | None = None) -> Path:
    """Return the pack directory for a path, a pack name under citypacks/, or None (default)."""
    if path is None:
        return DEFAULT_PACK
    candidate = Path(path)
    if candidate.is_dir():
        return candidate
    text = str(path)
    if "/" not in text and "\\" not in text and (CITYPACKS_DIR / text).is_dir():
        return CITYPACKS_DIR / text
    raise CityPackError(text, "", "no such city pack directory")


def load_city_pack(path: str | Path | None = None) -> CityPack:
    """Load and validate a city pack; raise CityPackError naming the file and field on error."""
    root = resolve_pack_path(path)
    city = _parse_city(_read_json(root, "city.json"))
    districts = _parse_districts(_read_json(root, "districts.geojson"))
    stations = _parse_stations(_read_json(root, "stations.json"))
    fleet = _parse_fleet(_read_json(root, "fleet.json"), {s.id: s for s in stations})
    plans = _parse_plans(_read_json(root, "response_plans.json"))
    opds = _parse_opds(_read_json(root, "opds.json"))
    holidays = _parse_holidays(city.get("holidays", []), "city.json")
    neighbours = _parse_neighbours(root)
    roads = None
    if city.get("roads"):
        roads = (root / city["roads"]).resolve()
        if not roads.is_file():
            raise CityPackError("city.json", "roads", f"{city['roads']!r} is not a file in {root}")
    center = city["center"]
    return CityPack(
        root=root,
        name=city["name"],
        slug=city.get("slug") or root.name,
        timezone=city["timezone"],
        center=(float(center[0]), float(center[1])),
        zoom=city.get("zoom", 13),
        settings=city,
        districts_geojson=districts,
        stations=stations,
        fleet=fleet,
        response_plans=MappingProxyType(plans),
        opds=opds,
        holidays=holidays,
        _stations_by_id=MappingProxyType({s.id: s for s in stations}),
        neighbours_geojson=neighbours,
        roads=roads,
    )
