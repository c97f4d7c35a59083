"""Routing: distance and ETA between two points for a given unit type.

``Router`` is the interface the recommender depends on. ``StraightLineRouter``
estimates road distance as great-circle distance times a circuity factor and
divides by a per-unit-type speed adjusted for the hour of day. Road routers
(``geo.roads.RoadRouter`` on an OSM extract, ``geo.osrm.OsrmRouter``) implement
the same interface and also ``ManyToOneRouter``: ``travel_to(dest, ...)`` gives a
``TravelTimes`` that prices many origins at once and a lower bound from the
straight-line distance, which lets the recommender be exact without routing
every unit.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, runtime_checkable

from geo.distance import haversine_m

DEFAULT_SPEEDS_KMH: Mapping[str, float] = {
    "fire_engine": 40.0,
    "ambulance": 50.0,
    "police": 55.0,
    "rescue": 40.0,
}


def _default_hour_factors() -> dict[int, float]:
    # Speed multipliers by local hour: morning (06-08) and afternoon (15-17)
    # rush hours are slower, night (22-05) is faster, the rest is nominal.
    factors = dict.fromkeys(range(24), 1.0)
    for h in (6, 7, 8, 15, 16, 17):
        factors[h] = 0.75
    for h in (22, 23, 0, 1, 2, 3, 4, 5):
        factors[h] = 1.15
    return factors


DEFAULT_HOUR_FACTORS: Mapping[int, float] = _default_hour_factors()


@dataclass(frozen=True)
class Route:
    """A routing result: road distance in metres and travel time in seconds."""

    distance_m: float
    eta_s: float
    via: str = "straight"  # "road" when driven on a road network


@runtime_checkable
class TravelTimes(Protocol):
    """Travel from many origins to one fixed point, for one unit type and time."""

    via: str

    def lower_bound_s(self, straight_m: float) -> float:
        """No origin `straight_m` away (great circle) can arrive faster than this."""
        ...

    def etas(self, points: Sequence[tuple[float, float]], within_s: float = math.inf,
             ) -> list[float | None]:
        """ETA for each origin that arrives within `within_s`; None for the others."""
        ...

    def route(self, point: tuple[float, float]) -> Route:
        """The full Route from one origin (distance and ETA)."""
        ...


@runtime_checkable
class ManyToOneRouter(Protocol):
    """A router that can price many origins against one destination at once."""

    def travel_to(self, dest: tuple[float, float], unit_type: str,
                  when: datetime | None = None) -> TravelTimes:
        """Travel times from anywhere to `dest`."""
        ...


@runtime_checkable
class Router(Protocol):
    """Anything that can estimate a route for a unit type at a given time."""

    def route(
        self,
        origin: tuple[float, float],
        dest: tuple[float, float],
        unit_type: str,
        when: datetime | None = None,
    ) -> Route:
        """Return the estimated Route from origin to dest (both (lat, lon))."""
        ...


class StraightLineRouter:
    """Great-circle distance × circuity ÷ (speed by unit type × hour factor)."""

    def __init__(
        self,
        speeds_kmh: Mapping[str, float] | None = None,
        circuity: float = 1.35,
        hour_factors: Mapping[int, float] | None = None,
        default_speed_kmh: float = 40.0,
        fixed_delay_s: float = 0.0,
    ) -> None:
        """Configure speeds (km/h by unit type), circuity, hourly factors and fixed delay."""
        speeds = dict(DEFAULT_SPEEDS_KMH)
        if speeds_kmh:
            speeds.update({str(k): float(v) for k, v in speeds_kmh.items()})
        if any(v <= 0 for v in speeds.values()) or default_speed_kmh <= 0:
            raise ValueError("speeds must be positive")
        if circuity < 1.0:
            raise ValueError("circuity must be >= 1.0")
        if fixed_delay_s < 0:
            raise ValueError("fixed_delay_s must be >= 0")
        factors = dict(DEFAULT_HOUR_FACTORS)
        if hour_factors:
            factors.update({int(h): float(f) for h, f in hour_factors.items()})
        if any(f <= 0 for f in factors.values()):
            raise ValueError("hour factors must be positive")
        self.speeds_kmh: dict[str, float] = speeds
        self.circuity = float(circuity)
        self.hour_factors: dict[int, float] = factors
        self.default_speed_kmh = float(default_speed_kmh)
        self.fixed_delay_s = float(fixed_delay_s)

    def speed_kmh(self, unit_type: str, when: datetime | None = None) -> float:
        """Effective speed in km/h for a unit type at `when` (its local hour as given)."""
        base = self.speeds_kmh.get(unit_type, self.default_speed_kmh)
        if when is None:
            return base
        return base * self.hour_factors.get(when.hour, 1.0)

    def route(
        self,
        origin: tuple[float, float],
        dest: tuple[float, float],
        unit_type: str,
        when: datetime | None = None,
    ) -> Route:
        """Estimate distance and ETA from origin to dest for unit_type at `when`."""
        distance_m = haversine_m(origin[0], origin[1], dest[0], dest[1]) * self.circuity
        speed_ms = self.speed_kmh(unit_type, when) / 3.6
        return Route(distance_m=distance_m, eta_s=self.fixed_delay_s + distance_m / speed_ms)

    def is_monotonic_in_distance(self) -> bool:
        """True: for a fixed unit type and time, ETA grows with straight-line distance."""
        return True

    def travel_to(self, dest: tuple[float, float], unit_type: str,
                  when: datetime | None = None) -> StraightTravelTimes:
        """Straight-line travel times to `dest` (exact bound: ETA is a function of distance)."""
        return StraightTravelTimes(self, dest, unit_type, when)


class StraightTravelTimes:
    """TravelTimes of the straight-line model; its lower bound is the ETA itself."""

    via = "straight"

    def __init__(self, router: StraightLineRouter, dest: tuple[float, float], unit_type: str,
                 when: datetime | None) -> None:
        self.router = router
        self.dest = dest
        self.unit_type = unit_type
        self.when = when
        self._speed_ms = router.speed_kmh(unit_type, when) / 3.6

    def lower_bound_s(self, straight_m: float) -> float:
        """The ETA of any origin exactly `straight_m` away."""
        return self.router.fixed_delay_s + straight_m * self.router.circuity / self._speed_ms

    def etas(self, points: Sequence[tuple[float, float]], within_s: float = math.inf,
             ) -> list[float | None]:
        """ETA for each origin within `within_s`."""
        out: list[float | None] = []
        for p in points:
            eta = self.route(p).eta_s
            out.append(eta if eta <= within_s else None)
        return out

    def route(self, point: tuple[float, float]) -> Route:
        """Straight-line Route from `point` to the destination."""
        return self.router.route(point, self.dest, self.unit_type, self.when)
