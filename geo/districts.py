"""Administrative areas: which kecamatan / kelurahan a point falls in.

Kecamatan are polygons held in a shapely 2.x ``STRtree`` and prepared for fast
``covers`` tests (a point on an edge counts as inside). Kelurahan are polygons
or, when only a centre is known, points. A point outside every kecamatan is
attributed to the nearest one and flagged ``outside_jurisdiction``; that
distance is computed in a local equirectangular projection, which is accurate
to well under a percent at city scale.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import shapely
from shapely.geometry import MultiPolygon, Point, Polygon, shape
from shapely.ops import nearest_points

from geo.distance import haversine_m, valid_lat_lon

# Metres per degree of latitude on the mean sphere (pi * R / 180).
_M_PER_DEG = math.pi * 6_371_008.8 / 180.0
_MAX_SAMPLES = 100_000


@dataclass(frozen=True)
class Location:
    """Result of DistrictIndex.locate; distance_m is 0 inside the jurisdiction."""

    kecamatan: str
    kecamatan_code: str | None
    kelurahan: str | None
    outside_jurisdiction: bool
    distance_m: float


def _polygonal(geometry: Mapping[str, Any], what: str) -> Polygon | MultiPolygon:
    try:
        geom = shape(geometry)
    except Exception as exc:  # shapely raises several types for bad GeoJSON
        raise ValueError(f"{what}: invalid GeoJSON geometry ({exc})") from exc
    if not isinstance(geom, Polygon | MultiPolygon):
        raise ValueError(f"{what}: expected Polygon or MultiPolygon, got {geom.geom_type}")
    if not geom.is_valid:
        # Self-touching rings from hand-drawn data: buffer(0) repairs them
        # without moving the boundary.
        geom = geom.buffer(0)
    if geom.is_empty:
        raise ValueError(f"{what}: empty geometry")
    return geom


@dataclass
class _Kelurahan:
    name: str
    kecamatan: str
    geom: Any  # Point or (Multi)Polygon in (lon, lat)


class DistrictIndex:
    """Point-in-district lookup over kecamatan polygons and kelurahan polygons/points."""

    def __init__(
        self,
        kecamatan: Sequence[tuple[str, str | None, Mapping[str, Any]]],
        kelurahan: Sequence[tuple[str, str, Mapping[str, Any]]] = (),
    ) -> None:
        """Build the index from (name, code, geometry) and (name, kecamatan, geometry) rows."""
        if not kecamatan:
            raise ValueError("DistrictIndex needs at least one kecamatan")
        self._names: list[str] = []
        self._codes: list[str | None] = []
        self._geoms: list[Any] = []
        for name, code, geometry in kecamatan:
            if name in self._names:
                raise ValueError(f"duplicate kecamatan name: {name!r}")
            geom = _polygonal(geometry, f"kecamatan {name!r}")
            shapely.prepare(geom)
            self._names.append(name)
            self._codes.append(code)
            self._geoms.append(geom)
        self._by_name = {n: i for i, n in enumerate(self._names)}
        self._tree = shapely.STRtree(self._geoms)

        min_lon, min_lat, max_lon, max_lat = shapely.total_bounds(self._geoms)
        self._bounds = (float(min_lat), float(min_lon), float(max_lat), float(max_lon))
        # Local projection for "nearest kecamatan": x scaled by cos(lat) so a
        # unit in either axis is the same ground distance.
        self._kx = math.cos(math.radians((min_lat + max_lat) / 2.0))
        kx = self._kx
        self._scaled = [shapely.transform(g, lambda xy: xy * [kx, 1.0]) for g in self._geoms]
        self._scaled_tree = shapely.STRtree(self._scaled)

        self._kel: list[_Kelurahan] = []
        for name, kec, geometry in kelurahan:
            if kec not in self._by_name:
                raise ValueError(f"kelurahan {name!r}: unknown kecamatan {kec!r}")
            try:
                geom = shape(geometry)
            except Exception as exc:
                raise ValueError(f"kelurahan {name!r}: invalid GeoJSON geometry ({exc})") from exc
            if isinstance(geom, Point):
                pass
            else:
                geom = _polygonal(geometry, f"kelurahan {name!r}")
                shapely.prepare(geom)
            self._kel.append(_Kelurahan(name, kec, geom))
        self._kel_polys: dict[str, list[_Kelurahan]] = {}
        self._kel_points: dict[str, list[_Kelurahan]] = {}
        for k in self._kel:
            target = self._kel_points if isinstance(k.geom, Point) else self._kel_polys
            target.setdefault(k.kecamatan, []).append(k)

    @classmethod
    def from_geojson(cls, fc: Mapping[str, Any]) -> DistrictIndex:
        """Build from a FeatureCollection with properties.level 'kecamatan' / 'kelurahan'."""
        if fc.get("type") != "FeatureCollection":
            raise ValueError("expected a GeoJSON FeatureCollection")
        kec: list[tuple[str, str | None, Mapping[str, Any]]] = []
        kel: list[tuple[str, str, Mapping[str, Any]]] = []
        for n, feature in enumerate(fc.get("features") or []):
            props = feature.get("properties") or {}
            level = props.get("level")
            geometry = feature.get("geometry")
            if level not in ("kecamatan", "kelurahan"):
                continue  # other levels (e.g. a city outline) are not indexed
            name = props.get("name")
            if not name or not isinstance(geometry, Mapping):
                raise ValueError(f"feature {n}: {level} needs properties.name and a geometry")
            if level == "kecamatan":
                code = props.get("code")
                kec.append((str(name), None if code is None else str(code), geometry))
            else:
                parent = props.get("kecamatan")
                if not parent:
                    raise ValueError(f"feature {n}: kelurahan {name!r} needs properties.kecamatan")
                kel.append((str(name), str(parent), geometry))
        return cls(kec, kel)

    def locate(self, lat: float, lon: float) -> Location:
        """Kecamatan/kelurahan at (lat, lon), or the nearest kecamatan if outside all."""
        if not valid_lat_lon(lat, lon):
            raise ValueError(f"invalid coordinates: {lat!r}, {lon!r}")
        pt = Point(lon, lat)
        # Candidates by bounding box, in input order so shared edges resolve
        # deterministically to the first kecamatan listed.
        for i in sorted(int(x) for x in self._tree.query(pt)):
            if self._geoms[i].covers(pt):
                name = self._names[i]
                return Location(name, self._codes[i], self._kelurahan_at(name, pt), False, 0.0)
        i, dist = self._nearest_kecamatan(lat, lon)
        return Location(self._names[i], self._codes[i], None, True, dist)

    def _nearest_kecamatan(self, lat: float, lon: float) -> tuple[int, float]:
        qp = Point(lon * self._kx, lat)
        idx = self._scaled_tree.query_nearest(qp, all_matches=True)
        best_i, best_d = int(idx[0]), math.inf
        for i in sorted(int(x) for x in idx):
            # Report the great-circle distance to the nearest boundary point.
            near = nearest_points(self._scaled[i], qp)[0]
            d = haversine_m(lat, lon, near.y, near.x / self._kx)
            if d < best_d:
                best_i, best_d = i, d
        return best_i, best_d

    def _kelurahan_at(self, kecamatan: str, pt: Point) -> str | None:
        for k in self._kel_polys.get(kecamatan, ()):
            if k.geom.covers(pt):
                return k.name
        lat, lon = pt.y, pt.x
        points = self._kel_points.get(kecamatan)
        if points:
            best = min(points, key=lambda k: haversine_m(lat, lon, k.geom.y, k.geom.x))
            return best.name
        polys = self._kel_polys.get(kecamatan)
        if polys:
            # A gap between kelurahan polygons: take the closest one (planar
            # distance in degrees, scaled for longitude, is enough to rank).
            scaled = Point(lon * self._kx, lat)
            best = min(
                polys,
                key=lambda k: shapely.transform(k.geom, lambda xy: xy * [self._kx, 1.0]).distance(
                    scaled
                ),
            )
            return best.name
        return None

    def kecamatan_names(self) -> list[str]:
        """Kecamatan names in input order."""
        return list(self._names)

    def kecamatan_code(self, kecamatan: str) -> str | None:
        """The code of a kecamatan (KeyError if unknown)."""
        return self._codes[self._by_name[kecamatan]]

    def kelurahan_names(self, kecamatan: str | None = None) -> list[str]:
        """Kelurahan names in input order, optionally only those of one kecamatan."""
        return [k.name for k in self._kel if kecamatan is None or k.kecamatan == kecamatan]

    def random_point_in(self, kecamatan: str, rng: random.Random) -> tuple[float, float]:
        """A uniformly random (lat, lon) inside the kecamatan, by rejection sampling."""
        geom = self._geoms[self._by_name[kecamatan]]
        min_lon, min_lat, max_lon, max_lat = geom.bounds
        for _ in range(_MAX_SAMPLES):
            lat = rng.uniform(min_lat, max_lat)
            lon = rng.uniform(min_lon, max_lon)
            if shapely.contains_xy(geom, lon, lat):
                return lat, lon
        # Only a sliver-shaped polygon gets here; a point inside is still correct.
        rp = geom.representative_point()
        return rp.y, rp.x

    def bounds(self) -> tuple[float, float, float, float]:
        """(min_lat, min_lon, max_lat, max_lon) over all kecamatan."""
        return self._bounds

    def geometry(self, kecamatan: str) -> Any:
        """The shapely geometry (x=lon, y=lat) of a kecamatan (KeyError if unknown)."""
        return self._geoms[self._by_name[kecamatan]]
