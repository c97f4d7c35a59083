"""Move-up wired into the product: the suggestion for the live fleet, demand from the last 90 days
per area and hour, and the supervisor's accept sending a `move_up` order over real Mosquitto."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient

from dispatch.bootstrap import bootstrap
from dispatch.clock import ManualClock
from dispatch.config import Settings
from dispatch.db.models import Incident
from dispatch.domain.events import UnitMoveUpOrdered
from dispatch.domain.moveup import best_by_enumeration, problem_on_roads
from dispatch.runtime import Runtime
from dispatch.services import accounts, coverage, moveups
from tests.conftest import PASSWORDS
from tests.support.brokers import Mosquitto
from tests.test_mqtt_gateway import eventually
from units.setup import attach
from units.unitclient import UnitClient
from web import create_app


def _accounts(rt: Runtime) -> dict[str, dict[str, str]]:
    out = {}
    for role, password in PASSWORDS.items():
        accounts.create_user(rt, role, password, role,
                             opd_code="DISHUB" if role == "agency" else None)
        out[role] = {"Authorization": f"Bearer {accounts.create_token(rt, role)}"}
    return out


@pytest.fixture
def world(settings: Settings, clock: ManualClock) -> Iterator[tuple[Runtime, FlaskClient, Any]]:
    """A runtime on the manual clock (no broker), its app, and a bearer header per role."""
    rt = bootstrap(settings, clock=clock)
    try:
        client = create_app(runtime=rt, config={"TESTING": True}).test_client()
        yield rt, client, _accounts(rt)
    finally:
        rt.stop()


def test_suggestion_is_the_optimum_for_the_live_fleet(world: Any) -> None:
    rt, client, heads = world
    resp = client.get("/api/v1/coverage/moveups", headers=heads["supervisor"])
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert body["window_days"] == 90 and body["computed_at"].endswith("+07:00")
    by_type = {s["unit_type"]: s for s in body["suggestions"]}
    assert set(by_type) >= {"ambulance", "fire_engine"}
    amb = by_type["ambulance"]
    # A new city: no incidents yet, so the pack's shares are the demand.
    assert amb["demand"]["source"] == "city_pack" and amb["demand"]["incidents"] == 0
    assert amb["demand"]["shares"] == pytest.approx({"Mojoroto": 0.38, "Kota": 0.29,
                                                     "Pesantren": 0.33}, abs=1e-4)
    assert amb["moves"] and amb["gain"] > 0 and len(amb["moves"]) <= body["max_moves"]
    # Same problem, solved by trying every assignment: the MILP found the optimum.
    index = coverage._index(rt)
    when = rt.clock.now()
    shares = moveups.area_demand(rt, "ambulance", when)["shares"]
    weights = moveups._cell_weights(index, shares)
    fleet = [(u.id, u.lat, u.lon) for u in rt.fleet.all()
             if u.type == "ambulance" and moveups._movable(rt, u, when.timestamp())]
    sites = [(s.id, s.lat, s.lon, None) for s in moveups.sites_for(rt, "ambulance")]
    _w, units, site_objs = problem_on_roads(index, "ambulance", fleet, sites, when)
    best, _cost = best_by_enumeration(weights, units, site_objs, max_moves=body["max_moves"],
                                      max_travel_s=body["max_move_s"])
    assert amb["covered_after"] == pytest.approx(best, abs=1e-3)
    sites_ok = {s.id for s in moveups.sites_for(rt, "ambulance")}
    assert all(m["site_id"] in sites_ok and m["travel_s"] > 0 for m in amb["moves"])
    one = client.get("/api/v1/coverage/moveups?max_moves=1&unit_type=ambulance",
                     headers=heads["supervisor"]).get_json()
    assert [s["unit_type"] for s in one["suggestions"]] == ["ambulance"]
    assert len(one["moves"]) <= 1


def test_demand_follows_the_last_90_days_at_this_hour(world: Any) -> None:
    rt, client, heads = world
    now = rt.clock.now()

    def add(kecamatan: str, ago: timedelta, category: str = "medical", n: int = 1) -> None:
        with rt.session() as s:
            for _ in range(n):
                at = now - ago
                s.add(Incident(created_at=at, updated_at=at, status="closed", description="x",
                               lat=-7.84, lon=112.04, category=category, priority=2,
                               emergency=True, kecamatan=kecamatan, call_type="genuine"))

    add("Pesantren", timedelta(days=3), n=60)  # at this hour: counts
    add("Pesantren", timedelta(days=3, minutes=50), n=20)  # within the hour window
    add("Mojoroto", timedelta(days=120), n=500)  # older than 90 days
    add("Mojoroto", timedelta(days=2, hours=6), n=500)  # another hour of the day
    add("Kota", timedelta(days=1), category="unrest", n=500)  # no ambulance in its plan
    shares = moveups.area_demand(rt, "ambulance", now)
    assert shares["incidents"] == 80 and shares["source"] == "incidents"
    # 80 incidents in Pesantren, blended with the pack's shares weighing 20 incidents.
    assert shares["shares"]["Pesantren"] == pytest.approx((80 + 20 * 0.33) / 100)
    assert shares["shares"]["Mojoroto"] == pytest.approx(20 * 0.38 / 100)
    body = client.get("/api/v1/coverage/moveups?unit_type=ambulance",
                      headers=heads["supervisor"]).get_json()
    assert body["suggestions"][0]["demand"]["source"] == "incidents"
    police = moveups.area_demand(rt, "police", now)
    assert police["incidents"] == 500 and police["shares"]["Kota"] > 0.9


def test_moveup_endpoints_refuse_bad_input(world: Any) -> None:
    rt, client, heads = world
    sup = heads["supervisor"]
    url = "/api/v1/coverage/moveups/accept"
    assert client.get("/api/v1/coverage/moveups", headers=heads["operator"]).status_code == 403
    assert client.post(url, json={"moves": []}, headers=heads["operator"]).status_code == 403
    assert client.get("/api/v1/coverage/moveups?max_moves=x", headers=sup).status_code == 422
    assert client.get("/api/v1/coverage/moveups?unit_type=boat", headers=sup).status_code == 422
    for bad in ({"moves": []}, {"moves": "AMB-01"}, {"moves": [{"unit_id": 1}]},
                {"moves": [{"unit_id": "AMB-01", "site_id": "sb-alun-alun"}] * 2}):
        resp = client.post(url, json=bad, headers=sup)
        assert resp.status_code == 422, (bad, resp.get_json())
        assert resp.get_json()["error"]["message"]
    resp = client.post(url, json={"moves": [{"unit_id": "NOPE", "site_id": "sb-alun-alun"}]},
                       headers=sup)
    assert resp.status_code == 404
    resp = client.post(url, json={"moves": [{"unit_id": "AMB-01", "site_id": "polres"}]},
                       headers=sup)
    assert resp.status_code == 422 and "standby" in resp.get_json()["error"]["message"]
    rt.fleet.update("AMB-01", status="on_scene")
    resp = client.post(url, json={"moves": [{"unit_id": "AMB-01", "site_id": "sb-alun-alun"}]},
                       headers=sup)
    assert resp.status_code == 409
    assert client.post(url, data="{", headers={**sup, "Content-Type": "application/json"}
                       ).status_code == 400


def test_session_accept_needs_the_csrf_token(settings: Settings, clock: ManualClock) -> None:
    rt = bootstrap(settings, clock=clock)
    try:
        app = create_app(runtime=rt, config={"TESTING": True, "WTF_CSRF_ENABLED": True})
        _accounts(rt)
        client = app.test_client()
        page = client.get("/login").get_data(as_text=True)
        token = page.split('name="csrf_token" value="')[1].split('"')[0]
        assert client.post("/login", data={"username": "supervisor",
                                           "password": PASSWORDS["supervisor"],
                                           "csrf_token": token}).status_code in (302, 303)
        page = client.get("/console").get_data(as_text=True)
        token = page.split('name="csrf-token" content="')[1].split('"')[0]
        move = {"moves": [{"unit_id": "AMB-01", "site_id": "sb-alun-alun"}]}
        resp = client.post("/api/v1/coverage/moveups/accept", json=move)
        assert resp.status_code == 400 and resp.get_json()["error"]["code"] == "csrf"
        resp = client.post("/api/v1/coverage/moveups/accept", json=move,
                           headers={"X-CSRFToken": token})
        assert resp.status_code == 201, resp.get_json()
    finally:
        rt.stop()


@pytest.mark.mqtt
def test_accepted_moveup_reaches_the_unit_as_a_move_up_order(
        settings: Settings, clock: ManualClock, mosquitto: Mosquitto) -> None:
    rt = bootstrap(settings.with_(mqtt_url=mosquitto.url,
                                  mqtt_prefix="t" + uuid.uuid4().hex[:10]), clock=clock)
    attach(rt, embedded=False)
    rt.services.remove(rt.order_timeouts)
    rt.start()
    crew = None
    try:
        assert rt.orders.wait_connected(10) and rt.orders.wait_subscribed(10)
        client = create_app(runtime=rt, config={"TESTING": True}).test_client()
        heads = _accounts(rt)
        seen: list[Any] = []
        rt.bus.subscribe(UnitMoveUpOrdered, seen.append)
        body = client.get("/api/v1/coverage/moveups?unit_type=ambulance",
                          headers=heads["supervisor"]).get_json()
        move = body["moves"][0]
        uid = move["unit_id"]
        crew = UnitClient(rt.mqtt_url, uid, prefix=rt.settings.mqtt_prefix,
                          client_id=f"{uid}-{uuid.uuid4().hex[:6]}", clock=clock).connect()
        resp = client.post("/api/v1/coverage/moveups/accept",
                           json={"moves": [{"unit_id": uid, "site_id": move["site_id"]}]},
                           headers=heads["supervisor"])
        assert resp.status_code == 201, resp.get_json()
        sent = resp.get_json()["orders"][0]
        order = crew.wait_orders(1)[0]
        assert order["kind"] == "move_up" and order["order_id"] == sent["order_id"]
        assert (order["lat"], order["lon"]) == (move["lat"], move["lon"])
        assert order["site"]["id"] == move["site_id"] and order["incident_id"] is None
        # Every key of the order contract is there, so a unit reading only those still parses.
        assert {"order_id", "incident_id", "category", "priority", "lat", "lon", "description",
                "issued_at"} <= set(order)
        assert [e.order_id for e in seen] == [sent["order_id"]]
        crew.ack(sent["order_id"])
        log = eventually(lambda: [m for m in client.get(
            "/api/v1/coverage/moveups/log", headers=heads["supervisor"]).get_json()
            if m["state"] == "acknowledged"], what="move-up acknowledged")
        assert log[0]["order_id"] == sent["order_id"] and log[0]["issued_by"] == "supervisor"
        # Still available for calls while it moves up; and not suggested to move again.
        assert rt.fleet.get(uid).status == "available"
        again = client.get("/api/v1/coverage/moveups?unit_type=ambulance",
                           headers=heads["supervisor"]).get_json()
        assert uid in again["suggestions"][0]["moving_up"]
        assert uid not in [m["unit_id"] for m in again["moves"]]
    finally:
        if crew is not None:
            crew.disconnect()
        rt.stop()


def test_live_board_lists_the_uncovered_areas(world: Any) -> None:
    rt, client, heads = world
    for u in rt.fleet.all():
        if u.type == "ambulance":
            rt.fleet.update(u.id, status="on_scene")
    resp = client.get("/api/v1/kpis", headers=heads["supervisor"])
    assert resp.status_code == 200, resp.get_json()
    rows = resp.get_json()["board"]["uncovered_areas"]
    amb = {r["area"]: r for r in rows if r["unit_type"] == "ambulance"}
    assert set(amb) == {"Mojoroto", "Kota", "Pesantren"}
    assert all(r["covered_share"] == 0 and r["uncovered_cells"] > 0 for r in amb.values())
    csv = client.get("/dashboard/export/uncovered_areas.csv", headers=heads["supervisor"])
    assert csv.status_code == 200 and "Pesantren" in csv.get_data(as_text=True)
