"""The right hospital wired in: proposed with the recommendation for medical and traffic-accident
incidents, in the ambulance's order (over real Mosquitto) and the timeline; ED status updates."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from flask.testing import FlaskClient

from dispatch.bootstrap import bootstrap
from dispatch.clock import ManualClock
from dispatch.config import Settings
from dispatch.domain.events import UnitDispatched
from dispatch.runtime import Runtime
from tests.support.brokers import Mosquitto
from tests.test_moveups_api import _accounts
from units.setup import attach
from units.unitclient import UnitClient
from web import create_app

# Next to RS Bhayangkara (trauma, maternity, paediatric; no cardiac, no stroke).
SCENE = {"lat": -7.8195, "lon": 112.0158}


@pytest.fixture
def world(database_url: str, clock: ManualClock) -> Iterator[tuple[Runtime, FlaskClient, Any]]:
    rt = bootstrap(Settings(database_url=database_url, secret_key="t"), clock=clock)
    try:
        client = create_app(runtime=rt, config={"TESTING": True}).test_client()
        yield rt, client, _accounts(rt)
    finally:
        rt.stop()


def _by_road(rt: Runtime, ids: list[str]) -> list[str]:
    """The hospitals `ids`, nearest first by ambulance road ETA from the scene."""
    when = rt.clock.now()
    hs = {h.id: h for h in rt.city.hospitals()}
    return sorted(ids, key=lambda i: rt.router.route((SCENE["lat"], SCENE["lon"]),
                                                     (hs[i].lat, hs[i].lon), "ambulance",
                                                     when).eta_s)


def _new(client: FlaskClient, heads: Any, text: str) -> dict[str, Any]:
    resp = client.post("/api/v1/incidents", json={"description": text, **SCENE},
                       headers=heads["operator"])
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


def test_nearest_capable_hospital_is_proposed_and_ordered(world: Any) -> None:
    rt, client, heads = world
    cardiac = [h.id for h in rt.city.hospitals() if "cardiac" in h.capabilities]
    inc = _new(client, heads, "Bapak tiba-tiba nyeri dada hebat, sesak napas")
    assert inc["category"] == "medical"
    h = inc["hospital"]
    # The nearest hospital (RS Bhayangkara, next door) has no cardiac unit: not proposed.
    assert h["id"] == _by_road(rt, cardiac)[0] and h["id"] != "rs-bhayangkara"
    assert h["needs"] == ["cardiac"] and h["missing"] == [] and h["via"] == "road"
    assert h["eta_s"] > 0 and h["route_m"] > 0
    detail = client.get(f"/api/v1/incidents/{inc['id']}", headers=heads["operator"]).get_json()
    proposed = [e for e in detail["timeline"] if e["kind"] == "hospital_proposed"]
    assert len(proposed) == 1 and proposed[0]["data"]["hospital"]["id"] == h["id"]
    assert h["name"] in proposed[0]["message"]
    orders: list[UnitDispatched] = []
    rt.bus.subscribe(UnitDispatched, orders.append)
    amb = next(r["unit_id"] for r in inc["recommendations"] if r["unit_type"] == "ambulance")
    assert client.post(f"/api/v1/incidents/{inc['id']}/dispatch", json={"unit_ids": [amb]},
                       headers=heads["operator"]).status_code == 201
    order = orders[0].order
    assert order["kind"] == "dispatch"
    assert order["hospital"]["id"] == h["id"] and order["hospital"]["name"] == h["name"]
    assert order["hospital"]["eta_s"] == h["eta_s"]
    detail = client.get(f"/api/v1/incidents/{inc['id']}", headers=heads["operator"]).get_json()
    sent = next(e for e in detail["timeline"] if e["kind"] == "dispatched")
    assert sent["data"]["hospital"]["id"] == h["id"]


def test_traffic_accident_takes_the_nearest_trauma_hospital_and_fire_none(world: Any) -> None:
    rt, client, heads = world
    trauma = [h.id for h in rt.city.hospitals() if "trauma" in h.capabilities]
    inc = _new(client, heads, "Tabrakan motor dan truk di jalan, korban luka")
    assert inc["category"] == "traffic_accident"
    assert inc["hospital"]["id"] == _by_road(rt, trauma)[0]
    assert "trauma" in inc["hospital"]["needs"]
    fire = _new(client, heads, "Kebakaran gudang besar, api tinggi, tidak ada korban")
    assert fire["category"] == "fire" and fire["hospital"] is None


def test_a_full_or_closed_hospital_is_skipped(world: Any) -> None:
    rt, client, heads = world
    trauma = _by_road(rt, [h.id for h in rt.city.hospitals() if "trauma" in h.capabilities])
    first = _new(client, heads, "Tabrakan motor, korban luka")["hospital"]["id"]
    assert first == trauma[0]
    resp = client.put(f"/api/v1/hospitals/{first}/status", json={"beds_free": 0},
                      headers=heads["admin"])
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["status"]["beds_free"] == 0
    assert _new(client, heads, "Tabrakan motor, korban luka")["hospital"]["id"] == trauma[1]
    # A hospital's system with an API key (an agency account's token) reports too.
    assert client.put(f"/api/v1/hospitals/{trauma[1]}/status", json={"ed_open": False},
                      headers=heads["agency"]).status_code == 200
    assert _new(client, heads, "Tabrakan motor, korban luka")["hospital"]["id"] == trauma[2]
    assert client.put(f"/api/v1/hospitals/{first}/status", json={"beds_free": 4},
                      headers=heads["admin"]).status_code == 200
    assert _new(client, heads, "Tabrakan motor, korban luka")["hospital"]["id"] == first
    listed = {h["id"]: h for h in client.get("/api/v1/hospitals",
                                             headers=heads["operator"]).get_json()}
    assert listed[trauma[1]]["status"]["ed_open"] is False
    assert listed[first]["status"]["beds_free"] == 4 and listed[first]["capabilities"]


def test_hospital_status_refuses_bad_input_and_other_roles(world: Any) -> None:
    _rt, client, heads = world
    url = "/api/v1/hospitals/rs-gambiran/status"
    assert client.put(url, json={"beds_free": 1}, headers=heads["operator"]).status_code == 403
    assert client.put(url, json={"beds_free": 1}, headers=heads["supervisor"]).status_code == 200
    assert client.put(url, json={"beds_free": 1}).status_code == 401
    assert client.put("/api/v1/hospitals/nope/status", json={"beds_free": 1},
                      headers=heads["admin"]).status_code == 404
    for bad in ({"beds_free": -1}, {"beds_free": "3"}, {"beds_free": True},
                {"ed_open": "yes"}, {"colour": "red"}, {}, {"note": 5}):
        resp = client.put(url, json=bad, headers=heads["admin"])
        assert resp.status_code == 422, (bad, resp.get_json())
        assert resp.get_json()["error"]["message"]
    # Text that cannot be stored (NUL on PostgreSQL) is refused before it reaches the row.
    resp = client.put(url, json={"note": "penuh\u0000"}, headers=heads["admin"])
    assert resp.status_code == 400 and resp.get_json()["error"]["message"]
    deep = "[" * 5000 + "]" * 5000
    assert client.post("/api/v1/coverage/moveups/accept", data=deep,
                       headers={**heads["supervisor"], "Content-Type": "application/json"}
                       ).status_code == 400
    assert client.put(url, data="[", headers={**heads["admin"],
                                              "Content-Type": "application/json"}
                      ).status_code == 400


@pytest.mark.mqtt
def test_the_ambulance_receives_its_hospital_over_mqtt(
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
        inc = _new(client, heads, "Ibu hamil pendarahan, mau melahirkan")
        amb = next(r["unit_id"] for r in inc["recommendations"] if r["unit_type"] == "ambulance")
        crew = UnitClient(rt.mqtt_url, amb, prefix=rt.settings.mqtt_prefix,
                          client_id=f"{amb}-{uuid.uuid4().hex[:6]}", clock=clock).connect()
        assert client.post(f"/api/v1/incidents/{inc['id']}/dispatch", json={"unit_ids": [amb]},
                           headers=heads["operator"]).status_code == 201
        order = crew.wait_orders(1)[0]
        assert order["kind"] == "dispatch" and order["incident_id"] == inc["id"]
        assert order["hospital"]["id"] == inc["hospital"]["id"]
        assert {"id", "name", "eta_s"} <= set(order["hospital"])
    finally:
        if crew is not None:
            crew.disconnect()
        rt.stop()
