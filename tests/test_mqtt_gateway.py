"""The MQTT gateway against a real Mosquitto: positions (own topics and OwnTracks), junk,
orders with acknowledgement, decline, resend and alert — seen through the HTTP API."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from dispatch.bootstrap import bootstrap
from dispatch.clock import ManualClock
from dispatch.config import Settings
from dispatch.domain.events import Event, OrderDeclined, OrderUnacknowledged
from dispatch.runtime import Runtime
from dispatch.services import field, incidents
from dispatch.services.actors import Actor
from tests.support.brokers import Mosquitto
from units.setup import attach
from units.unitclient import UnitClient

pytestmark = pytest.mark.mqtt

STATION = {"lat": -7.8167, "lon": 112.0136}
OPERATOR = Actor("operator", "op", None, "operator")


def eventually(check: Callable[[], Any], timeout: float = 10.0, what: str = "") -> Any:
    """Poll until `check()` is truthy; fail with `what` after the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what or check}")
        time.sleep(0.02)


@pytest.fixture
def settings(settings: Settings, mosquitto: Mosquitto) -> Settings:
    # A topic prefix of its own keeps retained flags and queued orders of other tests away.
    return settings.with_(mqtt_url=mosquitto.url, mqtt_prefix="t" + uuid.uuid4().hex[:10])


@pytest.fixture
def runtime(runtime: Runtime) -> Runtime:
    attach(runtime, embedded=False)
    runtime.start()
    # Connected is not subscribed: a unit publishing before the SUBACK would be unheard.
    assert runtime.orders.wait_connected(10)
    assert runtime.orders.wait_subscribed(10)
    return runtime


@pytest.fixture
def unit(runtime: Runtime) -> Iterator[Callable[..., UnitClient]]:
    made: list[UnitClient] = []
    tag = uuid.uuid4().hex[:6]

    def make(unit_id: str, **kw: Any) -> UnitClient:
        kw.setdefault("client_id", f"{unit_id}-{tag}")
        kw.setdefault("clock", runtime.clock)  # stamps from the center's clock
        client = UnitClient(runtime.mqtt_url, unit_id,
                            prefix=runtime.settings.mqtt_prefix, **kw).connect()
        made.append(client)
        return client

    yield make
    for client in made:
        client.disconnect()


def counters(client: Any) -> dict[str, int]:
    # /healthz no longer shows counters; read the same figures the staff views do.
    return dict(client.application.extensions["siaga112"].counters.snapshot())


def units_by_id(api: Any) -> dict[str, dict[str, Any]]:
    return {u["id"]: u for u in api.get("/api/v1/units").get_json()}


def test_position_moves_unit_and_api_shows_it(runtime: Runtime, unit: Any, api: Any,
                                              client: Any) -> None:
    amb = unit("AMB-01")
    amb.position(-7.8021, 112.0233, speed_kmh=35.5, heading=180, accuracy_m=6, battery=77)
    eventually(lambda: units_by_id(api)["AMB-01"]["lat"] == -7.8021, what="position applied")
    data = units_by_id(api)["AMB-01"]
    assert (data["lon"], data["speed_kmh"], data["heading"], data["battery"]) == (
        112.0233, 35.5, 180, 77)
    assert data["stale"] is False and data["source"] == "mqtt" and data["last_seen"]
    health = api.get("/healthz/detail").get_json()
    assert health["broker"]["connected"] is True and client.get("/healthz").get_json()[
        "checks"]["broker"] == "ok"
    assert health["counters"]["mqtt_received.position"] >= 1


def test_out_of_order_fix_is_dropped(runtime: Runtime, unit: Any, api: Any) -> None:
    amb = unit("AMB-02")
    now = runtime.clock.time()
    amb.position(-7.8100, 112.0100, ts=now)
    amb.position(-7.9000, 112.1000, ts=now - 30)  # an old fix delivered late
    amb.position(-7.8110, 112.0110, ts=now + 1)
    eventually(lambda: units_by_id(api)["AMB-02"]["lat"] == -7.8110)
    assert runtime.counters.snapshot()["mqtt_dropped.out_of_order"] == 1


OWNTRACKS_LOCATION = {
    # As the OwnTracks app (Android 2.4) sends it; see the booklet's JSON page.
    "_type": "location", "acc": 12, "alt": 71, "batt": 64, "bs": 1, "conn": "m",
    "lat": -7.8201, "lon": 112.0057, "m": 1, "t": "u", "tid": "a1", "vac": 3,
    "vel": -1, "cog": -1, "BSSID": "b0:f2:8:45:94:33", "SSID": "Puskesmas",
}


def test_owntracks_phone_tracks_a_registered_unit(runtime: Runtime, unit: Any, api: Any,
                                                  users: Any, client: Any) -> None:
    user = "psc" + uuid.uuid4().hex[:6]
    tracker = f"owntracks/{user}/pixel"
    resp = client.post("/api/v1/units", headers=users["admin"].headers,
                       json={"id": "AMB-OT1", "type": "ambulance", "tracker": tracker})
    assert resp.status_code == 201, resp.get_json()
    phone = unit("AMB-OT1", lwt=False)  # used here only as a raw publisher
    now = int(runtime.clock.time())
    phone.publish_raw(tracker, json.dumps({**OWNTRACKS_LOCATION, "tst": now, "created_at": now}))
    u = eventually(lambda: units_by_id(api)["AMB-OT1"] if units_by_id(api)["AMB-OT1"]["lat"]
                   == -7.8201 else None, what="OwnTracks location applied")
    assert u["source"] == "owntracks" and u["battery"] == 64 and u["accuracy_m"] == 12
    assert u["speed_kmh"] is None and u["heading"] is None  # -1 means unknown
    assert u["stale"] is False
    # The phone loses its connection: the broker publishes its LWT (tst as a string).
    phone.publish_raw(tracker, json.dumps({"_type": "lwt", "tst": str(now)}))
    eventually(lambda: units_by_id(api)["AMB-OT1"]["status"] == "offline", what="lwt")
    assert units_by_id(api)["AMB-OT1"]["stale"] is True
    # Back again, entering a region: a transition on .../event carries a position.
    phone.publish_raw(tracker + "/event", json.dumps({
        "_type": "transition", "acc": 10, "desc": "Markas PSC 119", "event": "enter",
        "lat": -7.8190, "lon": 112.0060, "t": "c", "tid": "a1", "tst": now + 5,
        "wtst": now - 86400}))
    eventually(lambda: units_by_id(api)["AMB-OT1"]["lat"] == -7.8190, what="transition")
    back = units_by_id(api)["AMB-OT1"]
    assert back["status"] == "available" and back["stale"] is False
    seen = counters(client)
    assert [seen.get(f"mqtt_received.owntracks_{t}") for t in ("location", "lwt", "transition")
            ] == [1, 1, 1]
    # A phone nobody registered is dropped and counted.
    phone.publish_raw(f"owntracks/{user}x/other", json.dumps({**OWNTRACKS_LOCATION, "tst": now}))
    eventually(lambda: counters(client).get("mqtt_dropped.unknown_unit"), what="unknown phone")


def test_junk_is_counted_by_reason_and_never_stops_the_loop(runtime: Runtime, unit: Any,
                                                            api: Any, client: Any) -> None:
    amb = unit("AMB-03")
    base = amb.base
    p = runtime.settings.mqtt_prefix
    now = runtime.clock.time()
    junk: list[tuple[str, bytes | str, str]] = [
        (f"{base}/position", b"not json at all", "not_json"),
        (f"{base}/position", b"\xff\xfe\x00garbage", "not_json"),
        (f"{base}/position", b"[1, 2, 3]", "not_object"),
        (f"{base}/position", json.dumps({"lat": -7.8, "ts": now}), "missing_coordinates"),
        (f"{base}/position", json.dumps({"lat": 91.0, "lon": 112.0, "ts": now}), "out_of_range"),
        (f"{base}/position", json.dumps({"lat": -7.8, "lon": 500, "ts": now}), "out_of_range"),
        (f"{base}/position", json.dumps({"lat": "-7.8", "lon": 112.0, "ts": now}), "bad_type"),
        (f"{base}/position", json.dumps({"lat": True, "lon": 112.0, "ts": now}), "bad_type"),
        (f"{base}/position", json.dumps({"lat": -7.8, "lon": 112.0, "ts": "yesterday"}),
         "bad_ts"),
        (f"{base}/position", json.dumps({"lat": -7.8, "lon": 112.0, "ts": now,
                                          "pad": "x" * 9000}), "too_large"),
        (f"{p}/units/GHOST-9/position", json.dumps({"lat": -7.8, "lon": 112.0, "ts": now}),
         "unknown_unit"),
        (f"{base}/status", json.dumps({"status": "flying", "ts": now}), "bad_status"),
        (f"{base}/status", json.dumps({"status": "at_hospital", "ts": now}), "bad_transition"),
        (f"{base}/ack", json.dumps({"order_id": "ord_nope", "accepted": True}), "unknown_order"),
        (f"{base}/ack", json.dumps({"order_id": 7, "accepted": True}), "bad_type"),
        (f"{base}/online", b"maybe", "bad_online"),
        (f"{p}/units/bad$id/position", json.dumps({"lat": -7.8, "lon": 112.0}), "bad_topic"),
    ]
    for topic, payload, _reason in junk:
        amb.publish_raw(topic, payload)
    amb.position(-7.8111, 112.0222)  # a good fix after all that junk
    eventually(lambda: units_by_id(api)["AMB-03"]["lat"] == -7.8111, what="good fix after junk")
    got = counters(client)
    expected: dict[str, int] = {}
    for _t, _p, reason in junk:
        expected[reason] = expected.get(reason, 0) + 1
    for reason, count in expected.items():
        assert got.get(f"mqtt_dropped.{reason}") == count, (reason, got)
    assert runtime.orders.connected
    assert units_by_id(api)["AMB-03"]["status"] == "available"


def fire(api: Any) -> dict[str, Any]:
    resp = api.post("/api/v1/incidents",
                    json={"description": "Kebakaran rumah dekat stasiun, api besar", **STATION})
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()  # type: ignore[no-any-return]


def test_order_ack_and_status_end_to_end(runtime: Runtime, unit: Any, api: Any) -> None:
    inc = fire(api)
    unit_id = next(r["unit_id"] for r in inc["recommendations"] if r["unit_type"] == "fire_engine")
    crew = unit(unit_id)
    resp = api.post(f"/api/v1/incidents/{inc['id']}/dispatch", json={"unit_ids": [unit_id]})
    assert resp.status_code == 201
    order_id = resp.get_json()["orders"][0]["order_id"]
    order = crew.wait_orders(1)[0]
    assert order["order_id"] == order_id and order["incident_id"] == inc["id"]
    assert {"category", "priority", "lat", "lon", "description", "issued_at"} <= set(order)
    crew.ack(order_id)

    def detail() -> dict[str, Any]:
        return api.get(f"/api/v1/incidents/{inc['id']}").get_json()  # type: ignore[no-any-return]

    eventually(lambda: detail()["orders"][0]["state"] == "acknowledged", what="ack")
    crew.status("en_route", order_id)
    crew.position(STATION["lat"] + 0.02, STATION["lon"])  # ~2 km out: not yet there
    crew.status("on_scene", order_id)
    # report_status commits the incident before it updates the live fleet: wait for both.
    eventually(lambda: detail()["status"] == "on_scene"
               and units_by_id(api)[unit_id]["status"] == "on_scene", what="on scene")
    d = detail()
    kinds = [e["kind"] for e in d["timeline"]]
    assert "order_acknowledged" in kinds
    statuses = [e["data"]["status"] for e in d["timeline"] if e["kind"] == "unit_status"]
    assert statuses == ["dispatched", "en_route", "on_scene"]
    ack_entry = next(e for e in d["timeline"] if e["kind"] == "order_acknowledged")
    assert ack_entry["actor_type"] == "unit" and ack_entry["actor_id"] == unit_id
    o = d["orders"][0]
    assert o["acked_at"] and o["en_route_at"] and o["on_scene_at"]
    assert units_by_id(api)[unit_id]["status"] == "on_scene"


def test_geofence_over_mqtt(runtime: Runtime, unit: Any, api: Any) -> None:
    inc = fire(api)
    unit_id = next(r["unit_id"] for r in inc["recommendations"] if r["unit_type"] == "fire_engine")
    crew = unit(unit_id)
    api.post(f"/api/v1/incidents/{inc['id']}/dispatch", json={"unit_ids": [unit_id]})
    order_id = crew.wait_orders(1)[0]["order_id"]
    crew.ack(order_id)
    crew.status("en_route", order_id)
    crew.position(STATION["lat"] + 0.0004, STATION["lon"] + 0.0003)  # ~55 m: arrived
    eventually(lambda: units_by_id(api)[unit_id]["status"] == "on_scene", what="geofence")
    tl = api.get(f"/api/v1/incidents/{inc['id']}").get_json()["timeline"]
    auto = [e for e in tl if e["kind"] == "unit_status" and e["data"]["status"] == "on_scene"]
    assert len(auto) == 1 and auto[0]["data"]["automatic"] is True


def test_decline_frees_unit_and_offers_next(runtime: Runtime, unit: Any, api: Any) -> None:
    declined: list[OrderDeclined] = []
    runtime.bus.subscribe(OrderDeclined, declined.append)  # type: ignore[arg-type]
    inc = fire(api)
    unit_id = next(r["unit_id"] for r in inc["recommendations"] if r["unit_type"] == "fire_engine")
    crew = unit(unit_id)
    api.post(f"/api/v1/incidents/{inc['id']}/dispatch", json={"unit_ids": [unit_id]})
    order_id = crew.wait_orders(1)[0]["order_id"]
    crew.ack(order_id, accepted=False)
    eventually(lambda: declined, what="decline")
    assert declined[0].next_recommendation and unit_id not in declined[0].next_recommendation
    d = api.get(f"/api/v1/incidents/{inc['id']}").get_json()
    assert d["orders"][0]["state"] == "declined"
    assert "order_declined" in [e["kind"] for e in d["timeline"]]
    assert declined[0].next_recommendation[0] in [r["unit_id"] for r in d["recommendations"]]
    assert units_by_id(api)[unit_id]["status"] == "available"


def test_missing_ack_resends_once_then_alerts(settings: Settings, clock: ManualClock) -> None:
    rt = bootstrap(settings, clock=clock)
    attach(rt, embedded=False)
    rt.services.remove(rt.order_timeouts)  # the test moves time itself
    rt.start()
    crew = None
    try:
        assert rt.orders.wait_connected(10)
        assert rt.orders.wait_subscribed(10)
        alerts: list[Event] = []
        rt.bus.subscribe(OrderUnacknowledged, alerts.append)
        inc = incidents.create_incident(
            rt, {"description": "Kebakaran gudang, api besar", **STATION}, OPERATOR)
        unit_id = next(r["unit_id"] for r in inc["recommendations"]
                       if r["unit_type"] == "fire_engine")
        # The crew's device stamps its messages from the same (manual) clock as the center.
        crew = UnitClient(rt.mqtt_url, unit_id, prefix=settings.mqtt_prefix,
                          client_id=f"{unit_id}-{uuid.uuid4().hex[:6]}", clock=clock).connect()
        out = incidents.dispatch_units(rt, inc["id"], {"unit_ids": [unit_id]}, OPERATOR)
        order_id = out["orders"][0]["order_id"]
        assert crew.wait_orders(1)[0]["order_id"] == order_id
        clock.advance(31)
        assert field.check_order_timeouts(rt) == 1
        copies = crew.wait_copies(2)
        assert [o["order_id"] for o in copies] == [order_id, order_id]  # sent again, same id
        assert [o["order_id"] for o in crew.orders] == [order_id]  # the unit de-duplicates
        assert not alerts
        clock.advance(31)
        assert field.check_order_timeouts(rt) == 1
        assert len(alerts) == 1
        # Resent once only: orders go out synchronously on the bus, so the gateway's
        # counter is final here (a sleep and a look at the unit's inbox could not fail).
        assert rt.counters.snapshot()["mqtt_sent.orders"] == 2
        assert len(crew.copies) == 2
        detail = incidents.get_incident(rt, inc["id"])
        kinds = [e["kind"] for e in detail["timeline"]]
        assert kinds.count("order_resent") == 1 and kinds.count("order_unacknowledged") == 1
        assert detail["orders"][0]["state"] == "unacknowledged"
        # A late ack still counts (stamped by the test's clock, not the machine's date).
        crew.ack(order_id, ts=clock.time())
        eventually(lambda: incidents.get_incident(rt, inc["id"])["orders"][0]["state"]
                   == "acknowledged", what="late ack")
    finally:
        if crew is not None:
            crew.disconnect()
        rt.stop()
