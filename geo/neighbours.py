"""Who is responsible for a point outside the city: the neighbouring authorities' outlines.

A call from outside the city's kecamatan is not the city's to handle: it is handed off to
the authority whose area the point falls in. Outlines are (approximate) polygons tried in
the order given, so a small area listed first wins over a large one that overlaps it; a
point in none of them goes to the fallback authority (e.g. the provincial command center).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import shapely
from shapely.geometry import MultiPolygon, Point, Polygon, shape

from geo.distance import valid_lat_lon


@dataclass(frozen=True)
class Authority:
    """A neighbouring authority to hand a call to, with how to reach it."""

    id: str
    authority: str
    contact: str
    approximate: bool = True

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (the incident's ``handoff``)."""
        return {"id": self.id, "authority": self.authority, "contact": self.contact,
                "approximate": self.approximate}


class NeighbourIndex:
    """Point → neighbouring authority, by outline, else the fallback."""

    def __init__(
        self, areas: Sequence[tuple[Authority, Mapping[str, Any]]], fallback: Authority | None
    ) -> None:
        """Build from (authority, GeoJSON geometry) rows in priority order and a fallback."""
        self._areas: list[tuple[Authority, Any]] = []
        for auth, geometry in areas:
            geom = shape(geometry)
            if not isinstance(geom, Polygon | MultiPolygon) or geom.is_empty:
                raise ValueError(f"neighbour {auth.id!r}: expected a Polygon or MultiPolygon")
            if not geom.is_valid:
                geom = geom.buffer(0)
            shapely.prepare(geom)
            self._areas.append((auth, geom))
        self.fallback = fallback

    @classmethod
    def from_geojson(
        cls, fc: Mapping[str, Any] | None, fallback: Mapping[str, Any] | None = None
    ) -> NeighbourIndex:
        """From a FeatureCollection whose features carry id, authority, contact, approximate."""
        areas: list[tuple[Authority, Mapping[str, Any]]] = []
        for n, feature in enumerate((fc or {}).get("features") or []):
            props = feature.get("properties") or {}
            auth = _authority(props, f"feature {n}")
            geometry = feature.get("geometry")
            if not isinstance(geometry, Mapping):
                raise ValueError(f"feature {n}: a neighbour needs a geometry")
            areas.append((auth, geometry))
        return cls(areas, _authority(fallback, "fallback") if fallback else None)

    def authority_at(self, lat: float, lon: float) -> Authority | None:
        """The first authority whose outline covers the point, else the fallback."""
        if not valid_lat_lon(lat, lon):
            raise ValueError(f"invalid coordinates: {lat!r}, {lon!r}")
        pt = Point(lon, lat)
        for auth, geom in self._areas:
            if geom.covers(pt):
                return auth
        return self.fallback

    def authorities(self) -> list[Authority]:
        """Every authority with an outline, in priority order (the fallback not included)."""
        return [a for a, _ in self._areas]


def _authority(props: Mapping[str, Any], what: str) -> Authority:
    for key in ("id", "authority", "contact"):
        if not isinstance(props.get(key), str) or not props[key].strip():
            raise ValueError(f"{what}: {key} must be a non-empty string")
    return Authority(str(props["id"]), str(props["authority"]), str(props["contact"]),
                     bool(props.get("approximate", True)))
