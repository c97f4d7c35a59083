"""Possible-duplicate rule: the same event reported twice by different callers."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from geo.distance import haversine_m

# Callers describe one event in different words: a crash with injuries is
# reported as an accident by one and as a medical call by another.
_COMPATIBLE: dict[str, frozenset[str]] = {
    "fire": frozenset({"fire", "disaster"}),
    "traffic_accident": frozenset({"traffic_accident", "medical"}),
    "disaster": frozenset({"disaster", "fire", "medical"}),
    "animal_disturbance": frozenset({"animal_disturbance"}),
    "unrest": frozenset({"unrest", "medical"}),
    "medical": frozenset({"medical", "traffic_accident", "disaster", "unrest"}),
    "non_emergency": frozenset({"non_emergency"}),
}


# Grid cells (geo.cells) stored on each incident: about 550 m, so the 3x3 block around
# a point reaches past the 300 m duplicate radius at any latitude below ~57 degrees.
DUPLICATE_CELL_DEG = 0.005


@dataclass(frozen=True)
class OpenIncident:
    """The facts of an open incident the duplicate rule needs."""

    id: int
    lat: float
    lon: float
    category: str
    created_at: datetime


def compatible(a: str, b: str) -> bool:
    """True when two categories may describe the same event."""
    return b in _COMPATIBLE.get(a, frozenset({a}))


def possible_duplicates(
    lat: float,
    lon: float,
    category: str,
    at: datetime,
    open_incidents: Iterable[OpenIncident],
    radius_m: float = 300.0,
    window: timedelta = timedelta(minutes=15),
) -> list[tuple[int, float]]:
    """Open incidents near in space and time and compatible in kind, nearest first."""
    hits = []
    for inc in open_incidents:
        if abs(at - inc.created_at) > window or not compatible(category, inc.category):
            continue
        dist = haversine_m(lat, lon, inc.lat, inc.lon)
        if dist <= radius_m:
            hits.append((inc.id, dist))
    hits.sort(key=lambda h: h[1])
    return hits
