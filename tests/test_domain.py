"""Pure domain rules: unit state machine, duplicate rule, the dispatch policy."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from dispatch.domain.duplicates import OpenIncident, compatible, possible_duplicates
from dispatch.domain.recommend import Candidate, NearestEtaPolicy, Slot
from dispatch.domain.unit_states import TransitionError, can_transition, check_transition
from dispatch.fleet import Fleet, UnitState
from geo.routing import StraightLineRouter

T0 = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("a", "b", "ok"),
    [
        ("available", "dispatched", True),
        ("dispatched", "en_route", True),
        ("en_route", "on_scene", True),
        ("on_scene", "transporting", True),
        ("transporting", "at_hospital", True),
        ("at_hospital", "returning", True),
        ("returning", "available", True),
        ("available", "transporting", False),
        ("available", "at_hospital", False),
        ("transporting", "on_scene", False),
        ("out_of_service", "en_route", False),
        ("en_route", "offline", True),
        ("available", "flying", False),
    ],
)
def test_unit_transitions(a: str, b: str, ok: bool) -> None:
    assert can_transition(a, b) is ok
    if not ok:
        with pytest.raises(TransitionError):
            check_transition(a, b)


def test_duplicates_need_space_time_and_kind() -> None:
    open_ = [
        OpenIncident(1, -7.8167, 112.0136, "fire", T0),
        OpenIncident(2, -7.8167, 112.0136, "unrest", T0),
        OpenIncident(3, -7.8167, 112.0136, "fire", T0 - timedelta(minutes=30)),
        OpenIncident(4, -7.8300, 112.0136, "fire", T0),
    ]
    hits = possible_duplicates(-7.8170, 112.0136, "fire", T0 + timedelta(minutes=5), open_)
    assert [h[0] for h in hits] == [1]
    assert compatible("traffic_accident", "medical") and not compatible("fire", "unrest")


class ListFleet:
    """A fake FleetView over a plain list: fine for pure policy logic."""

    def __init__(self, cands: list[Candidate]) -> None:
        self.cands = cands

    def nearest_available(self, unit_type: str, lat: float, lon: float, limit: int):
        from geo.distance import haversine_m

        found = [(c, haversine_m(lat, lon, c.lat, c.lon)) for c in self.cands
                 if c.unit_type == unit_type]
        return sorted(found, key=lambda x: x[1])[:limit]


def test_policy_fills_plan_by_eta_and_respects_exclude() -> None:
    fleet = ListFleet([
        Candidate("F1", "fire_engine", "s", -7.80, 112.00),
        Candidate("F2", "fire_engine", "s", -7.82, 112.01),
        Candidate("F3", "fire_engine", "s", -7.90, 112.10),
        Candidate("A1", "ambulance", "s", -7.81, 112.01),
    ])
    policy = NearestEtaPolicy(StraightLineRouter())
    plan = [Slot("fire_engine", 2), Slot("ambulance", 1), Slot("rescue", 1)]
    recs = policy.recommend(-7.8167, 112.0136, plan, fleet)
    assert [r.unit_id for r in recs] == ["F2", "F1", "A1"]  # no rescue unit: slot stays short
    recs = policy.recommend(-7.8167, 112.0136, plan, fleet, exclude=["F2"])
    assert [r.unit_id for r in recs][:2] == ["F1", "F3"]


def test_fleet_skips_stale_offline_busy() -> None:
    fleet = Fleet({"mqtt": 120})
    now = T0.timestamp()
    fleet.load([
        UnitState("A", "ambulance", lat=-7.81, lon=112.01, source="mqtt", last_seen=now - 10,
                  fix_ts=now - 10),
        # Heard 10 s ago, but the fix itself is 500 s old: staleness is the fix's own age.
        UnitState("B", "ambulance", lat=-7.81, lon=112.011, source="mqtt", last_seen=now - 10,
                  fix_ts=now - 500),
        UnitState("C", "ambulance", lat=-7.81, lon=112.012, online=False, source="station",
                  trusted_at_station=True),
        UnitState("D", "ambulance", lat=-7.81, lon=112.013, status="en_route", source="station",
                  trusted_at_station=True),
        UnitState("E", "ambulance", lat=-7.81, lon=112.05, source="station",
                  trusted_at_station=True),
        # Never reported and not trusted at its station: not "available at the station".
        UnitState("F", "ambulance", lat=-7.81, lon=112.011, source="station"),
    ])
    ids = [c.unit_id for c, _ in fleet.nearest_available("ambulance", -7.81, 112.01, 10, now=now)]
    assert ids == ["A", "E"]
    reasons = {u.id: fleet.recommendable(u, now) for u in fleet.all()}
    assert reasons == {"A": (True, None), "B": (False, "stale_fix"), "C": (False, "offline"),
                       "D": (False, "busy"), "E": (True, None), "F": (False, "never_reported")}
    assert fleet.as_dict(fleet.get("B"), now)["stale"] is True
    assert fleet.as_dict(fleet.get("C"), now)["stale"] is True
    assert fleet.as_dict(fleet.get("A"), now)["stale"] is False
