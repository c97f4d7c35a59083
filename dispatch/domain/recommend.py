"""Dispatch policy: fill a response plan with the best available units.

The policy is a strategy behind a small interface so the simulators and the
tests run exactly the production policy.

With a router that prices many origins at once (``ManyToOneRouter``: the road
network, OSRM, the straight-line model) the plan is filled by the lowest ETA
exactly: candidates are read from the fleet nearest-first in a straight line,
and the search stops only when the k-th best ETA found is no worse than the
router's lower bound for every unit not yet looked at (``lower_bound_s`` of the
last candidate's straight-line distance) and every ETA beyond the router's
search horizon. A unit nearer by road can therefore never lose to one nearer in
a straight line.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from geo.routing import ManyToOneRouter, Router, TravelTimes


@dataclass(frozen=True)
class Candidate:
    """A unit that may be sent: where it is and where it belongs."""

    unit_id: str
    unit_type: str
    station: str | None
    lat: float
    lon: float
    assumed_at_station: bool = False  # never reported; the city pack trusts its station


@dataclass(frozen=True)
class Slot:
    """One line of a response plan: how many units of a type."""

    unit_type: str
    count: int


@dataclass(frozen=True)
class Recommendation:
    """A unit proposed for an incident with its estimated travel."""

    unit_id: str
    unit_type: str
    station: str | None
    eta_s: float
    distance_m: float  # the route distance (== route_m)
    straight_m: float | None = None
    via: str = "straight"
    assumed_at_station: bool = False

    @property
    def route_m(self) -> float:
        """Distance along the route (road, or the straight-line model's estimate)."""
        return self.distance_m

    def as_dict(self) -> dict[str, object]:
        """JSON-ready form used by the API and the console."""
        return {
            "unit_id": self.unit_id,
            "unit_type": self.unit_type,
            "station": self.station,
            "eta_s": round(self.eta_s, 1),
            "distance_m": round(self.distance_m, 1),
            "route_m": round(self.distance_m, 1),
            "straight_m": None if self.straight_m is None else round(self.straight_m, 1),
            "via": self.via,
            "assumed_at_station": self.assumed_at_station,
        }


class FleetView(Protocol):
    """What a policy may ask of the live fleet."""

    def nearest_available(
        self, unit_type: str, lat: float, lon: float, limit: int
    ) -> list[tuple[Candidate, float]]:
        """Up to `limit` available, fresh units of a type, nearest first (straight line)."""
        ...


class DispatchPolicy(Protocol):
    """A strategy that turns a plan and a location into recommendations."""

    def recommend(
        self,
        lat: float,
        lon: float,
        plan: Sequence[Slot],
        fleet: FleetView,
        when: datetime | None = None,
        exclude: Iterable[str] = (),
    ) -> list[Recommendation]:
        """Units for each slot of `plan`, best first, never one in `exclude`."""
        ...


class NearestEtaPolicy:
    """Pick, per plan slot, the available units with the shortest ETA."""

    def __init__(self, router: Router, candidates_per_slot: int = 6) -> None:
        self.router = router
        # Checked once: isinstance on a runtime-checkable Protocol is slow.
        self._many = isinstance(router, ManyToOneRouter)
        # Only for a router without travel_to: look at this many more candidates
        # than needed (nearest in a straight line) and rank them by its ETA.
        self.candidates_per_slot = candidates_per_slot

    def recommend(
        self,
        lat: float,
        lon: float,
        plan: Sequence[Slot],
        fleet: FleetView,
        when: datetime | None = None,
        exclude: Iterable[str] = (),
    ) -> list[Recommendation]:
        """Fill each slot with the fastest units; a short slot stays short."""
        taken = set(exclude)
        result: list[Recommendation] = []
        for slot in plan:
            if slot.count <= 0:
                continue
            if self._many:
                tt = self.router.travel_to((lat, lon), slot.unit_type, when)  # type: ignore[attr-defined]
                picked = exact_fastest(tt, fleet, slot.unit_type, lat, lon, slot.count, taken)
            else:
                picked = self._ranked_pairwise(slot, fleet, lat, lon, when, taken)
            for rec in picked:
                taken.add(rec.unit_id)
                result.append(rec)
        return result

    def _ranked_pairwise(self, slot: Slot, fleet: FleetView, lat: float, lon: float,
                         when: datetime | None, taken: set[str]) -> list[Recommendation]:
        monotonic = getattr(self.router, "is_monotonic_in_distance", lambda: False)()
        wanted = slot.count if monotonic else slot.count + self.candidates_per_slot
        found = fleet.nearest_available(slot.unit_type, lat, lon, wanted + len(taken))
        ranked = []
        for cand, dist in [(c, d) for c, d in found if c.unit_id not in taken][:wanted]:
            route = self.router.route((cand.lat, cand.lon), (lat, lon), cand.unit_type, when)
            ranked.append(_rec(cand, route.eta_s, route.distance_m, dist, route.via))
        ranked.sort(key=lambda r: (r.eta_s, r.unit_id))
        return ranked[: slot.count]


def _rec(cand: Candidate, eta_s: float, route_m: float, straight_m: float,
         via: str) -> Recommendation:
    return Recommendation(unit_id=cand.unit_id, unit_type=cand.unit_type, station=cand.station,
                          eta_s=eta_s, distance_m=route_m, straight_m=straight_m, via=via,
                          assumed_at_station=cand.assumed_at_station)


# Past this horizon (seconds) the search is unbounded.
_MAX_HORIZON_S = 4 * 3600.0


def _search(tt: TravelTimes, fleet: FleetView, unit_type: str, lat: float, lon: float,
            count: int, taken: set[str] | frozenset[str],
            ) -> tuple[list[tuple[float, str]], list[tuple[Candidate, float]]]:
    # Roads are slower than the bound's top speed: about ten straight-line
    # neighbours per unit wanted are usually enough to prove the answer.
    want = 8 * count + 4
    etas: dict[str, float | None] = {}
    horizon: float | None = None  # once every unit is read: a growing search horizon
    while True:
        found = fleet.nearest_available(unit_type, lat, lon, want + len(taken))
        cands = [(c, d) for c, d in found if c.unit_id not in taken]
        exhausted = len(found) < want + len(taken)
        if not cands:
            return [], []
        if exhausted:
            if horizon is None:
                horizon = 2.0 * tt.lower_bound_s(found[-1][1]) + 120.0
            bound = horizon
        else:
            # Units not read yet cannot beat this, and no ETA above it can be proven
            # best, so it is also the search horizon (a bounded Dijkstra on roads).
            bound = tt.lower_bound_s(found[-1][1])
        # A priced ETA is exact whatever the horizon; only "beyond it" needs redoing.
        new = [c for c, _d in cands if etas.get(c.unit_id) is None]
        if new:
            priced = tt.etas([(c.lat, c.lon) for c in new], bound)
            for c, eta in zip(new, priced, strict=True):
                etas[c.unit_id] = eta
        known = sorted((e, c.unit_id) for c, _d in cands if (e := etas[c.unit_id]) is not None)
        if len(known) >= count and known[count - 1][0] <= bound:
            break
        if not exhausted:
            want *= 2
        elif not math.isfinite(bound):
            break  # every unit priced without a horizon: a short slot stays short
        else:
            horizon = math.inf if bound > _MAX_HORIZON_S else bound * 4
    return known, cands


def exact_fastest(tt: TravelTimes, fleet: FleetView, unit_type: str, lat: float, lon: float,
                  count: int, taken: set[str] | frozenset[str] = frozenset(),
                  ) -> list[Recommendation]:
    """The `count` available units of a type with the lowest ETA by `tt`, exactly.

    Candidates come nearest-first from the fleet; a unit further away in a straight
    line than the last one read cannot beat ``tt.lower_bound_s`` of that distance,
    and a unit not priced within the horizon cannot beat the horizon, so the answer
    is final once `count` ETAs are at or under both bounds.
    """
    if count <= 0:
        return []
    via = tt.via
    known, cands = _search(tt, fleet, unit_type, lat, lon, count, taken)
    if tt.via != via:
        # The router fell back (OSRM went away) mid-search: price everyone one way.
        known, cands = _search(tt, fleet, unit_type, lat, lon, count, taken)
    by_id = {c.unit_id: (c, d) for c, d in cands}
    out = []
    for eta, uid in known[:count]:
        cand, straight = by_id[uid]
        route = tt.route((cand.lat, cand.lon))
        out.append(_rec(cand, eta, route.distance_m, straight, route.via))
    return out
