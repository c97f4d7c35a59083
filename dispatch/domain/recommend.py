"""Dispatch policy: fill a response plan with the best available units.

The policy is a strategy behind a small interface so the simulators and the
tests run exactly the production policy.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from geo.routing import Router


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
    distance_m: float
    assumed_at_station: bool = False

    def as_dict(self) -> dict[str, object]:
        """JSON-ready form used by the API and the console."""
        return {
            "unit_id": self.unit_id,
            "unit_type": self.unit_type,
            "station": self.station,
            "eta_s": round(self.eta_s, 1),
            "distance_m": round(self.distance_m, 1),
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
        # With a road router, straight-line order is only a hint: look at a few
        # more candidates than needed and rank them by real ETA.
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
        monotonic = getattr(self.router, "is_monotonic_in_distance", lambda: False)()
        result: list[Recommendation] = []
        for slot in plan:
            if slot.count <= 0:
                continue
            wanted = slot.count if monotonic else slot.count + self.candidates_per_slot
            found = fleet.nearest_available(slot.unit_type, lat, lon, wanted + len(taken))
            picked = [cand for cand, _dist in found if cand.unit_id not in taken][:wanted]
            ranked = []
            for cand in picked:
                route = self.router.route((cand.lat, cand.lon), (lat, lon), cand.unit_type, when)
                ranked.append(
                    Recommendation(
                        unit_id=cand.unit_id,
                        unit_type=cand.unit_type,
                        station=cand.station,
                        eta_s=route.eta_s,
                        distance_m=route.distance_m,
                        assumed_at_station=cand.assumed_at_station,
                    )
                )
            ranked.sort(key=lambda r: (r.eta_s, r.unit_id))
            for rec in ranked[: slot.count]:
                taken.add(rec.unit_id)
                result.append(rec)
        return result
