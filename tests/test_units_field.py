"""The field-unit service layer on real SQLite with a manual clock: no broker involved."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dispatch.bootstrap import bootstrap
from dispatch.clock import ManualClock
from dispatch.config import Settings
from dispatch.db.models import Unit
from dispatch.domain.events import (
    Event,
    OrderAcknowledged,
    OrderDeclined,
    OrderResent,
    OrderUnacknowledged,
    UnitPositionUpdated,
)
from dispatch.domain.unit_states import TransitionError
from dispatch.runtime import Runtime
from dispatch.services import field, incidents
from dispatch.services import units as unit_service
from dispatch.services.actors import Actor
from dispatch.services.errors import NotFound

OPERATOR = Actor("operator", "op", None, "operator")
STATION = {"lat": -7.8167, "lon": 112.0136}


@pytest.fixture
def rt(tmp_path: Path, clock: ManualClock) -> Iterator[Runtime]:
    runtime = bootstrap(Settings(database_url=f"sqlite:///{tmp_path}/f.db"), clock=clock)
    yield runtime
    runtime.stop()


@pytest.fixture
def seen(rt: Runtime) -> list[Event]:
    events: list[Event] = []
    rt.bus.subscribe(Event, events.append)
    return events


def fire_dispatched(rt: Runtime) -> tuple[dict[str, Any], str, str]:
    inc = incidents.create_incident(
        rt, {"description": "Kebakaran rumah, api besar", **STATION}, OPERATOR
    )
    unit = next(r["unit_id"] for r in inc["recommendations"] if r["unit_type"] == "fire_engine")
    out = incidents.dispatch_units(rt, inc["id"], {"unit_ids": [unit]}, OPERATOR)
    return inc, unit, out["orders"][0]["order_id"]


def timeline(rt: Runtime, incident_id: int) -> list[dict[str, Any]]:
    return incidents.get_incident(rt, incident_id)["timeline"]


def test_position_updates_fleet_and_publishes(rt: Runtime, seen: list[Event]) -> None:
    now = rt.clock.time()
    assert field.record_position(rt, "AMB-01", -7.82, 112.01, now, speed_kmh=40.0,
                                 heading=90.0, accuracy_m=5.0, battery=0.8)
    u = rt.fleet.get("AMB-01")
    assert u is not None
    assert (u.lat, u.lon, u.speed_kmh, u.battery, u.source) == (-7.82, 112.01, 40.0, 0.8, "mqtt")
    assert u.last_seen == now
    assert any(isinstance(e, UnitPositionUpdated) and e.unit_id == "AMB-01" for e in seen)


def test_out_of_order_fix_does_not_move_unit_back(rt: Runtime) -> None:
    now = rt.clock.time()
    assert field.record_position(rt, "AMB-01", -7.82, 112.01, now)
    assert not field.record_position(rt, "AMB-01", -7.90, 112.10, now - 5)
    u = rt.fleet.get("AMB-01")
    assert u is not None and (u.lat, u.lon) == (-7.82, 112.01)


def test_unknown_unit_is_refused(rt: Runtime) -> None:
    with pytest.raises(NotFound):
        field.record_position(rt, "NOPE-1", -7.82, 112.01, rt.clock.time())


def test_stale_after_120s_then_not_recommended(rt: Runtime, clock: ManualClock) -> None:
    for unit in rt.fleet.all():
        if unit.type == "ambulance":
            field.record_position(rt, unit.id, -7.82, 112.01, clock.time())
    before = incidents.recommend_for(rt, -7.82, 112.01, "medical")
    assert before
    clock.advance(121)
    units = {u["id"]: u for u in unit_service.list_units(rt)}
    assert units["AMB-01"]["stale"] is True
    after = incidents.recommend_for(rt, -7.82, 112.01, "medical")
    assert not [r for r in after if r["unit_type"] == "ambulance"]


def test_status_chain_lands_in_timeline_with_order_times(rt: Runtime) -> None:
    inc, unit, order_id = fire_dispatched(rt)
    field.acknowledge_order(rt, unit, order_id, True)
    for status in ("en_route", "on_scene", "returning", "available"):
        rt.clock.advance(60)  # type: ignore[attr-defined]
        field.report_status(rt, unit, status, order_id=order_id)
    detail = incidents.get_incident(rt, inc["id"])
    entries = [e for e in detail["timeline"] if e["kind"] == "unit_status"
               and e["data"]["unit_id"] == unit]
    assert [e["data"]["status"] for e in entries] == [
        "dispatched", "en_route", "on_scene", "returning", "available"]
    order = detail["orders"][0]
    assert order["state"] == "acknowledged"
    assert order["en_route_at"] and order["on_scene_at"] and order["cleared_at"]
    assert order["on_scene_at"] > order["en_route_at"]
    assert detail["status"] == "on_scene"
    state = rt.fleet.get(unit)
    assert state is not None and state.status == "available" and state.incident_id is None


def test_impossible_transition_is_rejected(rt: Runtime) -> None:
    with pytest.raises(TransitionError):
        field.report_status(rt, "AMB-01", "at_hospital")
    u = rt.fleet.get("AMB-01")
    assert u is not None and u.status == "available"


def test_geofence_sets_on_scene_automatically(rt: Runtime) -> None:
    inc, unit, _order_id = fire_dispatched(rt)
    field.report_status(rt, unit, "en_route")
    field.record_position(rt, unit, STATION["lat"] + 0.01, STATION["lon"], rt.clock.time())
    assert rt.fleet.get(unit).status == "en_route"  # type: ignore[union-attr]
    field.record_position(rt, unit, STATION["lat"] + 0.0005, STATION["lon"],
                          rt.clock.time() + 1)  # ~55 m away
    assert rt.fleet.get(unit).status == "on_scene"  # type: ignore[union-attr]
    auto = [e for e in timeline(rt, inc["id"]) if e["kind"] == "unit_status"
            and e["data"]["status"] == "on_scene"]
    assert len(auto) == 1 and auto[0]["data"]["automatic"] is True
    assert "otomatis" in auto[0]["message"]
    assert incidents.get_incident(rt, inc["id"])["orders"][0]["on_scene_at"]


def test_ack_timeout_resend_once_then_alert(rt: Runtime, clock: ManualClock,
                                            seen: list[Event]) -> None:
    inc, _unit, order_id = fire_dispatched(rt)
    clock.advance(10)
    assert field.check_order_timeouts(rt) == 0
    clock.advance(21)
    assert field.check_order_timeouts(rt) == 1
    resent = [e for e in seen if isinstance(e, OrderResent)]
    assert len(resent) == 1 and resent[0].order["order_id"] == order_id
    clock.advance(31)
    assert field.check_order_timeouts(rt) == 1
    assert any(isinstance(e, OrderUnacknowledged) and e.order_id == order_id for e in seen)
    clock.advance(31)
    assert field.check_order_timeouts(rt) == 0
    kinds = [e["kind"] for e in timeline(rt, inc["id"])]
    assert kinds.count("order_resent") == 1 and kinds.count("order_unacknowledged") == 1
    assert incidents.get_incident(rt, inc["id"])["orders"][0]["state"] == "unacknowledged"


def test_ack_stops_the_timer(rt: Runtime, clock: ManualClock, seen: list[Event]) -> None:
    _inc, unit, order_id = fire_dispatched(rt)
    field.acknowledge_order(rt, unit, order_id, True)
    field.acknowledge_order(rt, unit, order_id, True)  # duplicate delivery: ignored
    assert len([e for e in seen if isinstance(e, OrderAcknowledged)]) == 1
    clock.advance(100)
    assert field.check_order_timeouts(rt) == 0


def test_decline_frees_unit_and_offers_next(rt: Runtime, seen: list[Event]) -> None:
    inc, unit, order_id = fire_dispatched(rt)
    field.acknowledge_order(rt, unit, order_id, False)
    state = rt.fleet.get(unit)
    assert state is not None and state.status == "available" and state.incident_id is None
    declined = [e for e in seen if isinstance(e, OrderDeclined)]
    assert len(declined) == 1 and declined[0].next_recommendation
    assert unit not in declined[0].next_recommendation
    assert rt.fleet.get(declined[0].next_recommendation[0]).type == "fire_engine"  # type: ignore[union-attr]
    detail = incidents.get_incident(rt, inc["id"])
    assert detail["orders"][0]["state"] == "declined"
    assert unit not in [r["unit_id"] for r in detail["recommendations"]]
    assert "order_declined" in [e["kind"] for e in detail["timeline"]]


def test_ack_for_someone_elses_order_is_refused(rt: Runtime) -> None:
    _inc, _unit, order_id = fire_dispatched(rt)
    with pytest.raises(NotFound):
        field.acknowledge_order(rt, "AMB-03", order_id, True)


def test_offline_then_back(rt: Runtime, clock: ManualClock) -> None:
    inc, unit, _order = fire_dispatched(rt)
    field.report_status(rt, unit, "en_route")
    field.set_online(rt, unit, False)
    state = rt.fleet.get(unit)
    assert state is not None and state.status == "offline" and not state.online
    assert unit not in [r["unit_id"] for r in incidents.recommend_for(rt, -7.8, 112.0, "fire")]
    field.record_position(rt, unit, -7.81, 112.01, clock.time())
    state = rt.fleet.get(unit)
    assert state is not None and state.status == "en_route" and state.online
    statuses = [e["data"]["status"] for e in timeline(rt, inc["id"]) if e["kind"] == "unit_status"]
    assert statuses[-2:] == ["offline", "en_route"]


def test_device_clock_behind_is_fine_after_a_restart(rt: Runtime, clock: ManualClock) -> None:
    # A restart: the fleet is loaded from the units table, whose last_seen is our receive time.
    with rt.session() as s:
        s.get(Unit, "AMB-01").last_seen = clock.now()
    unit_service.load_fleet(rt)
    assert field.record_position(rt, "AMB-01", -7.82, 112.01, clock.time() - 60)
    assert not field.record_position(rt, "AMB-01", -7.83, 112.01, clock.time() - 61)


def test_status_with_an_old_order_id_updates_the_current_order(rt: Runtime) -> None:
    _inc, unit, old_order = fire_dispatched(rt)
    field.report_status(rt, unit, "available")
    inc2 = incidents.create_incident(
        rt, {"description": "Kebakaran toko, api besar", **STATION}, OPERATOR)
    incidents.dispatch_units(rt, inc2["id"], {"unit_ids": [unit]}, OPERATOR)
    assert rt.fleet.get(unit).incident_id == inc2["id"]  # type: ignore[union-attr]
    field.report_status(rt, unit, "en_route", order_id=old_order)
    orders = {o["unit_id"]: o for o in incidents.get_incident(rt, inc2["id"])["orders"]}
    assert orders[unit]["en_route_at"] is not None


def test_status_after_offline_is_judged_against_the_status_before(rt: Runtime) -> None:
    inc, unit, _order = fire_dispatched(rt)
    field.report_status(rt, unit, "en_route")
    field.set_online(rt, unit, False)
    with pytest.raises(TransitionError):
        field.report_status(rt, unit, "at_hospital")  # en_route → at_hospital is impossible
    field.report_status(rt, unit, "on_scene")
    state = rt.fleet.get(unit)
    assert state is not None and state.status == "on_scene" and state.online
    last = [e for e in timeline(rt, inc["id"]) if e["kind"] == "unit_status"][-1]
    assert (last["data"]["previous"], last["data"]["status"]) == ("offline", "on_scene")
