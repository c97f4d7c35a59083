"""Where a call is, and how far to believe it: typed coordinates, AML messages, jurisdiction.

An AML message is judged against the runtime's clock (never the wall clock), so a fix is
"stale" by the same time every other part of the system uses.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from geo.coords import CoordinateError, looks_like_aml, parse_aml, parse_coordinates

from . import validation
from .errors import ValidationError

if TYPE_CHECKING:
    from ..runtime import Runtime

MAX_TEXT = 1000


class NoLocation(ValidationError):
    """The call carries no position: the operator must ask the caller for one."""

    code = "no_location"


@dataclass(frozen=True)
class Place:
    """Where a point is for the city: a kecamatan, or outside and whom to hand it to."""

    kecamatan: str | None
    kelurahan: str | None
    outside: bool
    boundary_distance_m: float | None
    handoff: dict[str, Any] | None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"district": self.kecamatan, "kelurahan": self.kelurahan,
                "outside_jurisdiction": self.outside,
                "boundary_distance_m": self.boundary_distance_m, "handoff": self.handoff}


@dataclass(frozen=True)
class IntakeLocation:
    """The point an incident is taken at, with the AML check when it came from one."""

    lat: float
    lon: float
    radius_m: float | None
    aml: dict[str, Any] | None


_UNKNOWN_AUTHORITY = {"id": None, "authority": "Command Center 112 setempat / local 112 service",
                      "contact": "112", "approximate": True}


def place_of(rt: Runtime, lat: float, lon: float) -> Place:
    """Kecamatan/kelurahan inside the city; outside it, no district and a hand-off."""
    loc = rt.districts.locate(lat, lon)
    if not loc.outside_jurisdiction:
        return Place(loc.kecamatan, loc.kelurahan, False, None, None)
    auth = rt.neighbours.authority_at(lat, lon)
    handoff = auth.as_dict() if auth is not None else dict(_UNKNOWN_AUTHORITY)
    return Place(None, None, True, round(loc.distance_m, 1), handoff)


def check_aml(rt: Runtime, text: str) -> dict[str, Any]:
    """Parse an AML SMS and judge its fix at the runtime's now (CoordinateError if garbage)."""
    rules = rt.call_rules
    return parse_aml(text).assess(rt.clock.now(), rules.aml_stale_after_s,
                                  rules.aml_future_skew_s)


def _is_aml(text: str) -> bool:
    low = text.lower()
    return looks_like_aml(text) or ("lt=" in low and "lg=" in low) or "lo=" in low


def parse_location_text(rt: Runtime, text: Any) -> dict[str, Any]:
    """Typed coordinates or a pasted AML SMS → location, AML checks and where it falls."""
    if not isinstance(text, str) or not text.strip():
        raise ValidationError("text is required", "text")
    text = text.strip()[:MAX_TEXT]
    try:
        if _is_aml(text):
            out = check_aml(rt, text)
        else:
            lat, lon = parse_coordinates(text)
            out = {"kind": "coordinates", "lat": lat, "lon": lon, "radius_m": None,
                   "location": {"lat": lat, "lon": lon, "radius_m": None},
                   "no_location_reason": None, "warnings": []}
    except CoordinateError as err:
        raise ValidationError(str(err), "text") from None
    if out["location"] is not None:
        if out["lat"] == 0.0 and out["lon"] == 0.0:
            out.update(location=None, lat=None, lon=None, radius_m=None,
                       no_location_reason="position 0,0 is no location")
        else:
            out.update(place_of(rt, out["lat"], out["lon"]).as_dict())
    return out


def _ask_for_location(reason_id: str, reason_en: str) -> NoLocation:
    return NoLocation(
        f"Tidak ada lokasi: {reason_id}; tanyakan lokasi kepada penelepon / No location: "
        f"{reason_en}; ask the caller where they are (lat/lon).", "lat")


def intake_location(rt: Runtime, data: Mapping[str, Any]) -> IntakeLocation:
    """The incident's point: the operator's lat/lon, else the AML fix; never 0,0."""
    aml_text = validation.text(data, "aml", max_len=MAX_TEXT)
    aml: dict[str, Any] | None = None
    if aml_text:
        try:
            aml = check_aml(rt, aml_text)
        except CoordinateError as err:
            raise ValidationError(f"aml: {err}", "aml") from None
    radius = validation.number(data, "location_radius_m", lo=0, hi=100_000)
    if data.get("lat") is not None or data.get("lon") is not None or aml is None:
        if data.get("lat") is None and data.get("lon") is None:
            raise _ask_for_location("lat dan lon wajib diisi", "lat and lon are required")
        lat, lon = validation.lat_lon(data)
        if lat == 0.0 and lon == 0.0:
            raise _ask_for_location("0,0 bukan posisi (telepon tanpa fix)",
                                    "0,0 is no position (a phone without a fix)")
        return IntakeLocation(lat, lon, radius, aml)
    if aml["location"] is None:
        why = aml["no_location_reason"]
        raise _ask_for_location(f"pesan AML tanpa posisi ({why})", f"the AML message has none ({why})")
    return IntakeLocation(aml["lat"], aml["lon"], radius if radius is not None else aml["radius_m"],
                          aml)


def aml_summary(aml: dict[str, Any] | None) -> dict[str, Any] | None:
    """What an incident keeps of its AML check (no IMSI/IMEI)."""
    if aml is None:
        return None
    keep = ("aml_version", "positioned_at", "age_s", "stale", "truncated", "radius_m",
            "positioning_method", "level_of_confidence", "no_location_reason", "warnings")
    return {k: aml.get(k) for k in keep}
