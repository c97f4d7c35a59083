"""The right hospital: what a patient needs, and the nearest hospital that has it by road.

``needed_capabilities`` reads the category and the call's text (the classifier's
normalised words are not needed: plain keyword stems in Bahasa Indonesia,
Javanese and English). ``nearest_capable_hospital`` prices every hospital from
the incident with one forward search when the router offers ``travel_from``
(the road network), else one route each, skips emergency departments reported
closed or full, and prefers a hospital with every needed capability; when none
has them all it takes those with the most, and says what is missing.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from geo.routing import Route, Router

CAPABILITIES: tuple[str, ...] = ("trauma", "stroke", "cardiac", "maternity", "paediatric", "burns")

_CUES: Mapping[str, tuple[str, ...]] = {
    "stroke": ("stroke", "struk", "setruk", "pelo", "lumpuh sebelah", "mulut mencong",
               "wajah mencong", "tiba-tiba lumpuh"),
    "cardiac": ("jantung", "nyeri dada", "sakit dada", "dada sakit", "dada nyeri", "heart",
                "chest pain", "henti napas", "cardiac"),
    "maternity": ("hamil", "melahirkan", "persalinan", "ketuban", "bumil", "kontraksi",
                  "pendarahan kehamilan", "bersalin", "pregnan", "labour", "labor"),
    "paediatric": ("bayi", "balita", "anak kecil", "anak-anak", "bocah", "child", "baby",
                   "kejang demam"),
    "burns": ("luka bakar", "tersiram air panas", "tersiram minyak panas", "kesetrum",
              "tersengat listrik", "burn"),
    "trauma": ("kecelakaan", "tabrakan", "terjatuh", "jatuh dari", "patah tulang", "luka parah",
               "tertabrak", "ditabrak", "terlindas", "tertimpa", "ditusuk", "dibacok", "crash",
               "fracture"),
}


def needed_capabilities(category: str, text: str = "") -> frozenset[str]:
    """Capabilities the destination hospital should have for this incident."""
    t = re.sub(r"\s+", " ", (text or "").lower())
    needs = {cap for cap, cues in _CUES.items() if any(c in t for c in cues)}
    if category == "traffic_accident":
        needs.add("trauma")
    no_victims = any(n in t for n in ("tidak ada korban", "tanpa korban", "nihil korban",
                                          "no casualt", "no one hurt"))
    if category == "fire" and not no_victims and ("korban" in t or "luka" in t):
        needs.add("burns")  # a fire's casualties are burn patients first
    return frozenset(needs)


@dataclass(frozen=True)
class HospitalSite:
    """A hospital as the chooser sees it."""

    id: str
    name: str
    lat: float
    lon: float
    capabilities: frozenset[str]


@dataclass(frozen=True)
class HospitalStatus:
    """Optional live state of a hospital's emergency department."""

    ed_open: bool = True
    beds_free: int | None = None  # None: unknown (not reported)


@dataclass(frozen=True)
class HospitalChoice:
    """A proposed destination with its drive and what it lacks."""

    hospital_id: str
    name: str
    eta_s: float
    route_m: float
    via: str
    missing: frozenset[str]

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (for orders and the timeline)."""
        return {"hospital_id": self.hospital_id, "name": self.name, "eta_s": round(self.eta_s, 1),
                "route_m": round(self.route_m, 1), "via": self.via,
                "missing": sorted(self.missing)}


class _FromOne(Protocol):
    def etas(self, points: Sequence[tuple[float, float]], within_s: float = ...,
             ) -> list[float | None]: ...

    def route(self, point: tuple[float, float]) -> Route: ...


def hospitals_from_stations(stations: Iterable[Any]) -> list[HospitalSite]:
    """HospitalSites from city-pack stations of kind ``hospital``."""
    return [HospitalSite(s.id, s.name, s.lat, s.lon, frozenset(getattr(s, "capabilities", ())))
            for s in stations if s.kind == "hospital"]


def rank_hospitals(origin: tuple[float, float], needs: Iterable[str],
                   hospitals: Sequence[HospitalSite], router: Router,
                   unit_type: str = "ambulance", when: datetime | None = None,
                   status: Mapping[str, HospitalStatus] | None = None) -> list[HospitalChoice]:
    """Open hospitals, best first: fewest missing capabilities, then lowest road ETA."""
    need = frozenset(needs)
    status = status or {}
    usable = [h for h in hospitals
              if status.get(h.id, HospitalStatus()).ed_open
              and status.get(h.id, HospitalStatus()).beds_free != 0]
    if not usable:
        return []
    travel_from = getattr(router, "travel_from", None)
    routes: list[Route]
    if callable(travel_from):
        tt: _FromOne = travel_from(origin, unit_type, when)
        routes = [tt.route((h.lat, h.lon)) for h in usable]
    else:
        routes = [router.route(origin, (h.lat, h.lon), unit_type, when) for h in usable]
    out = [HospitalChoice(h.id, h.name, r.eta_s, r.distance_m, r.via, need - h.capabilities)
           for h, r in zip(usable, routes, strict=True)]
    out.sort(key=lambda c: (len(c.missing), c.eta_s if math.isfinite(c.eta_s) else math.inf,
                            c.hospital_id))
    return out


def nearest_capable_hospital(origin: tuple[float, float], needs: Iterable[str],
                             hospitals: Sequence[HospitalSite], router: Router,
                             unit_type: str = "ambulance", when: datetime | None = None,
                             status: Mapping[str, HospitalStatus] | None = None,
                             ) -> HospitalChoice | None:
    """The hospital to transport to: nearest by road among those with every need."""
    ranked = rank_hospitals(origin, needs, hospitals, router, unit_type, when, status)
    return ranked[0] if ranked else None
