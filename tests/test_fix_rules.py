"""Fixes that are true: a GPS fix is judged by its own time, its clock, its place and its
accuracy before it may make a unit recommendable — over a real Mosquitto, on SQLite, on a
manual clock. Also: never-reported units, and orders confirmed by radio."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion
from sqlalchemy import select

from dispatch.bootstrap import bootstrap
from dispatch.clock import ManualClock
from dispatch.config import Settings
from dispatch.db.models import UnitPosition
from dispatch.domain.events import Event, OrderRadioReminder, OrderResent, OrderUnacknowledged
from dispatch.runtime import Runtime
from dispatch.services import field, incidents
from dispatch.services import units as unit_service
from dispatch.services.actors import Actor
from tests.support.brokers import Mosquitto
from units.setup import attach
from units.unitclient import UnitClient

pytestmark = pytest.mark.mqtt

OPERATOR = Actor("operator", "op", None, "operator")
PSC119 = (-7.8225, 112.0180)  # a station the Kediri pack trusts
GAMBIRAN = (-7.8340, 112.0292)  # a hospital: its ambulance must report before it counts
PARIS = (48.8566, 2.3522)
IN_CITY = (-7.8190, 112.0150)


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
def runtime(settings: Settings, clock: ManualClock) -> Iterator[Runtime]:
    """The center on a manual clock with its MQTT side attached, not yet connected."""
    rt = bootstrap(settings, clock=clock)
    attach(rt, embedded=False)
    rt.services.remove(rt.order_timeouts)  # the tests move time themselves
    yield rt
    rt.stop()


def start(rt: Runtime) -> Runtime:
    """Connect the gateway and wait until the broker confirmed its subscriptions."""
    rt.start()
    gateway = rt.orders
    assert gateway.wait_connected(10) and gateway.wait_subscribed(10)
    return rt


@pytest.fixture
def started(runtime: Runtime) -> Runtime:
    return start(runtime)


@pytest.fixture
def unit(runtime: Runtime) -> Iterator[Callable[..., UnitClient]]:
    """Unit clients that stamp their messages from the center's (manual) clock."""
    made: list[UnitClient] = []

    def make(unit_id: str, **kw: Any) -> UnitClient:
        kw.setdefault("client_id", f"{unit_id}-{uuid.uuid4().hex[:6]}")
        client = UnitClient(runtime.mqtt_url, unit_id,
                            prefix=runtime.settings.mqtt_prefix, clock=runtime.clock, **kw)
        made.append(client.connect())
        return client

    yield make
    for client in made:
        client.disconnect()


def units_by_id(api: Any) -> dict[str, dict[str, Any]]:
    return {u["id"]: u for u in api.get("/api/v1/units").get_json()}


def healthz_counters(client: Any) -> dict[str, int]:
    # /healthz no longer shows counters; read the same figures the staff views do.
    return dict(client.application.extensions["siaga112"].counters.snapshot())


def track_flags(rt: Runtime, unit_id: str) -> list[str | None]:
    """The flags of a unit's stored track points, oldest first."""
    assert rt.tracks.flush(10)
    with rt.session() as s:
        rows = s.scalars(select(UnitPosition).where(UnitPosition.unit_id == unit_id)
                         .order_by(UnitPosition.ts)).all()
        return [r.flag for r in rows]


def recommended(rt: Runtime, lat: float, lon: float, category: str) -> list[str]:
    return [r["unit_id"] for r in incidents.recommend_for(rt, lat, lon, category)]


def raw_publisher(url: str) -> mqtt.Client:
    host, port = url.removeprefix("mqtt://").split(":")
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"phone-{uuid.uuid4().hex[:8]}")
    client.connect(host, int(port))
    client.loop_start()
    return client


def test_retained_owntracks_fix_three_hours_old_is_not_recommendable(
    runtime: Runtime, clock: ManualClock, api: Any, client: Any
) -> None:
    tracker = f"owntracks/psc{uuid.uuid4().hex[:6]}/phone"
    # At PSC 119, which the pack trusts: without judging the fix by its own time, this unit
    # would be "available" the moment the replayed fix arrives.
    unit_service.register_unit(runtime, "AMB-RET", "ambulance", "psc119", tracker=tracker)
    three_hours_ago = int(clock.time()) - 3 * 3600
    phone = raw_publisher(runtime.mqtt_url)
    try:
        # The phone's last location, retained on the broker before the center (re)connects.
        phone.publish(tracker, json.dumps({
            "_type": "location", "lat": IN_CITY[0], "lon": IN_CITY[1], "acc": 8, "batt": 70,
            "tst": three_hours_ago, "tid": "r1"}), qos=1, retain=True).wait_for_publish(5)
        start(runtime)
        u = eventually(lambda: units_by_id(api)["AMB-RET"]
                       if units_by_id(api)["AMB-RET"]["fix_at"] else None, what="replayed fix")
        assert u["lat"] == IN_CITY[0] and u["source"] == "owntracks"
        assert u["fix_at"] == "2026-11-22T23:00:00+00:00"  # its own time, not arrival
        assert u["stale"] is True and u["accuracy_m"] == 8
        assert u["recommendable"] is False and u["not_recommendable_reason"] == "stale_fix"
        assert "AMB-RET" not in recommended(runtime, *IN_CITY, "medical")
        assert track_flags(runtime, "AMB-RET") == ["stale_fix"]  # stored as received, flagged
        assert healthz_counters(client)["fixes_flagged.stale_fix"] == 1
    finally:
        runtime.stop()
        phone.publish(tracker, b"", qos=1, retain=True).wait_for_publish(5)  # clear it
        phone.loop_stop()
        phone.disconnect()


def test_fix_from_paris_is_stored_flagged_and_not_recommendable(
    started: Runtime, unit: Any, api: Any, client: Any
) -> None:
    amb = unit("AMB-01")
    amb.position(*PARIS, accuracy_m=5)
    u = eventually(lambda: units_by_id(api)["AMB-01"]
                   if units_by_id(api)["AMB-01"]["lat"] == PARIS[0] else None, what="Paris fix")
    assert u["recommendable"] is False
    assert u["not_recommendable_reason"] == "outside_service_area"
    assert "AMB-01" not in recommended(started, *PSC119, "medical")
    assert healthz_counters(client)["fixes_flagged.outside_service_area"] == 1
    # Back in Kediri, 10 s later: believed again.
    started.clock.advance(10)  # type: ignore[attr-defined]
    amb.position(*IN_CITY, accuracy_m=5)
    eventually(lambda: units_by_id(api)["AMB-01"]["recommendable"], what="good fix")
    assert "AMB-01" in recommended(started, *IN_CITY, "medical")
    assert track_flags(started, "AMB-01") == ["outside_service_area", None]


def test_the_service_area_margin_decides_near_the_city(
    started: Runtime, clock: ManualClock, unit: Any, api: Any
) -> None:
    amb = unit("AMB-02")
    # About 3.5 km west of Mojoroto (Kabupaten Kediri): within the 15 km margin.
    amb.position(-7.8150, 111.9400, accuracy_m=10)
    u = eventually(lambda: units_by_id(api)["AMB-02"]
                   if units_by_id(api)["AMB-02"]["lon"] == 111.94 else None, what="fix")
    assert u["recommendable"] is True and u["not_recommendable_reason"] is None
    # About 17 km north of the city: beyond it.
    clock.advance(5)
    amb.position(-7.6200, 112.0114, accuracy_m=10)
    u = eventually(lambda: units_by_id(api)["AMB-02"]
                   if units_by_id(api)["AMB-02"]["lat"] == -7.62 else None, what="far fix")
    assert u["not_recommendable_reason"] == "outside_service_area"


def test_fix_with_1600_m_accuracy_is_not_recommendable(
    started: Runtime, unit: Any, api: Any, client: Any
) -> None:
    unit("AMB-03").position(*IN_CITY, accuracy_m=1600)
    u = eventually(lambda: units_by_id(api)["AMB-03"]
                   if units_by_id(api)["AMB-03"]["accuracy_m"] == 1600 else None, what="fix")
    assert u["recommendable"] is False and u["not_recommendable_reason"] == "poor_accuracy"
    assert u["stale"] is False  # fresh, only too vague
    assert "AMB-03" not in recommended(started, *IN_CITY, "medical")
    assert healthz_counters(client)["fixes_flagged.poor_accuracy"] == 1
    assert track_flags(started, "AMB-03") == ["poor_accuracy"]


def test_fix_an_hour_ahead_is_stored_but_does_not_block_the_next_correct_fix(
    started: Runtime, clock: ManualClock, unit: Any, api: Any, client: Any
) -> None:
    amb = unit("AMB-01")
    amb.position(*IN_CITY, ts=clock.time() + 3600, accuracy_m=5)
    u = eventually(lambda: units_by_id(api)["AMB-01"]
                   if units_by_id(api)["AMB-01"]["fix_at"] else None, what="future fix")
    assert u["fix_at"] == "2026-11-23T03:00:00+00:00"
    assert u["recommendable"] is False and u["not_recommendable_reason"] == "future_fix"
    assert "AMB-01" not in recommended(started, *IN_CITY, "medical")
    # Ten seconds later the device's clock is right again: its fix is accepted, not
    # dropped as older than the one "from" 03:00.
    clock.advance(10)
    amb.position(IN_CITY[0] + 0.001, IN_CITY[1], accuracy_m=5)
    u = eventually(lambda: units_by_id(api)["AMB-01"]
                   if units_by_id(api)["AMB-01"]["recommendable"] else None, what="next fix")
    assert u["lat"] == IN_CITY[0] + 0.001 and u["fix_at"] == "2026-11-23T02:00:10+00:00"
    assert "AMB-01" in recommended(started, *IN_CITY, "medical")
    got = healthz_counters(client)
    assert got["fixes_flagged.future_fix"] == 1 and "mqtt_dropped.out_of_order" not in got
    # Ordering still holds against the last believable fix.
    amb.position(IN_CITY[0] + 0.002, IN_CITY[1], ts=clock.time() - 5, accuracy_m=5)
    eventually(lambda: healthz_counters(client).get("mqtt_dropped.out_of_order") == 1,
               what="late fix dropped")
    assert track_flags(started, "AMB-01") == [None, "future_fix"]  # by their own times
    # A fix from a clock running ahead stays doubtful when its time has come.
    amb.position(*IN_CITY, ts=clock.time() + 600, accuracy_m=5)
    eventually(lambda: units_by_id(api)["AMB-01"]["not_recommendable_reason"] == "future_fix",
               what="second future fix")
    clock.advance(700)
    assert units_by_id(api)["AMB-01"]["not_recommendable_reason"] == "future_fix"


def test_fix_at_null_island_is_stored_flagged(
    started: Runtime, unit: Any, api: Any, client: Any
) -> None:
    unit("AMB-02").position(0, 0)
    u = eventually(lambda: units_by_id(api)["AMB-02"]
                   if units_by_id(api)["AMB-02"]["lat"] == 0 else None, what="(0,0) fix")
    assert u["recommendable"] is False and u["not_recommendable_reason"] == "null_island"
    got = healthz_counters(client)
    assert got["fixes_flagged.null_island"] == 1 and "mqtt_dropped.no_fix" not in got
    assert track_flags(started, "AMB-02") == ["null_island"]


def test_never_reported_units_trusted_or_not_at_their_station(
    started: Runtime, api: Any
) -> None:
    units = units_by_id(api)
    untrusted, trusted = units["AMB-04"], units["AMB-01"]  # RSUD Gambiran / PSC 119
    assert untrusted["fix_at"] is None and untrusted["lat"] == GAMBIRAN[0]
    assert untrusted["recommendable"] is False
    assert untrusted["not_recommendable_reason"] == "never_reported"
    assert untrusted["assumed_at_station"] is False
    assert trusted["fix_at"] is None and trusted["recommendable"] is True
    assert trusted["not_recommendable_reason"] is None and trusted["assumed_at_station"] is True
    # Next to the hospital, the untrusted ambulance parked there is still not proposed.
    recs = incidents.recommend_for(started, *GAMBIRAN, "medical")
    assert recs and recs[0]["assumed_at_station"] is True
    assert "AMB-04" not in [r["unit_id"] for r in recs]
    inc = api.post("/api/v1/incidents", json={
        "description": "Orang pingsan tidak sadarkan diri", "lat": GAMBIRAN[0],
        "lon": GAMBIRAN[1], "category": "medical"}).get_json()
    assert inc["recommendations"] and inc["recommendations"][0]["assumed_at_station"] is True
    assert "AMB-04" not in [r["unit_id"] for r in inc["recommendations"]]


def test_the_api_and_the_recommender_share_one_judgement(
    started: Runtime, clock: ManualClock, api: Any
) -> None:
    t0 = clock.time()
    good = {"accuracy_m": 5.0}
    field.record_position(started, "AMB-01", *IN_CITY, t0, accuracy_m=2000.0)
    field.record_position(started, "AMB-02", *PARIS, t0, **good)
    field.record_position(started, "AMB-03", *IN_CITY, t0 - 600, **good)  # stale on arrival
    field.record_position(started, "AMB-05", *IN_CITY, t0, **good)
    field.record_position(started, "POL-01", *IN_CITY, t0 + 900, **good)
    field.record_position(started, "POL-02", 0.0, 0.0, t0)
    field.record_position(started, "DMK-01", *IN_CITY, t0 - 60, **good)  # stale in a minute
    clock.advance(70)
    listed = units_by_id(api)
    reasons = {uid: listed[uid]["not_recommendable_reason"]
               for uid in ("AMB-01", "AMB-02", "AMB-03", "AMB-05", "POL-01", "POL-02", "DMK-01")}
    assert reasons == {"AMB-01": "poor_accuracy", "AMB-02": "outside_service_area",
                       "AMB-03": "stale_fix", "AMB-05": None, "POL-01": "future_fix",
                       "POL-02": "null_island", "DMK-01": "stale_fix"}
    now = started.clock.time()
    for state in started.fleet.all():
        ok, reason = started.fleet.recommendable(state, now)
        assert (listed[state.id]["recommendable"], listed[state.id]["not_recommendable_reason"]
                ) == (ok, reason)
    near = {c.unit_id for t in ("ambulance", "police", "fire_engine", "rescue")
            for c, _d in started.fleet.nearest_available(t, *PSC119, 50, now=now)}
    assert near == {uid for uid, u in listed.items() if u["recommendable"]}


def test_owntracks_only_unit_is_confirmed_by_radio_without_resends(
    started: Runtime, clock: ManualClock, api: Any, client: Any, users: Any
) -> None:
    tracker = f"owntracks/psc{uuid.uuid4().hex[:6]}/pixel"
    resp = client.post("/api/v1/units", headers=users["admin"].headers,
                       json={"id": "AMB-OT9", "type": "ambulance", "tracker": tracker})
    assert resp.status_code == 201 and resp.get_json()["order_channel"] == "radio"
    seen: list[Event] = []
    started.bus.subscribe(Event, seen.append)
    # The crew's own order topic, watched as a unit's MQTT client would.
    spy = UnitClient(started.mqtt_url, "AMB-OT9",
                     prefix=started.settings.mqtt_prefix, clock=clock, lwt=False,
                     client_id=f"spy-{uuid.uuid4().hex[:6]}").connect(announce=False)
    phone = raw_publisher(started.mqtt_url)
    try:
        phone.publish(tracker, json.dumps({"_type": "location", "lat": IN_CITY[0],
                                           "lon": IN_CITY[1], "acc": 6, "tst": int(clock.time())}),
                      qos=1).wait_for_publish(5)
        u = eventually(lambda: units_by_id(api)["AMB-OT9"]
                       if units_by_id(api)["AMB-OT9"]["recommendable"] else None, what="fix")
        assert u["order_channel"] == "radio"
        inc = api.post("/api/v1/incidents", json={
            "description": "Orang pingsan di jalan", "lat": IN_CITY[0], "lon": IN_CITY[1],
            "category": "medical"}).get_json()
        assert inc["recommendations"][0]["unit_id"] == "AMB-OT9"  # recommendable all the same
        out = api.post(f"/api/v1/incidents/{inc['id']}/dispatch", json={"unit_ids": ["AMB-OT9"]})
        assert out.status_code == 201
        order = out.get_json()["orders"][0]
        assert order["channel"] == "radio" and order["state"] == "sent"
        # No MQTT order for a phone that cannot read one, and no resend/alert loop.
        clock.advance(31)
        assert field.check_order_timeouts(started) == 1
        clock.advance(31)
        assert field.check_order_timeouts(started) == 0
        assert [type(e) for e in seen if isinstance(
            e, OrderRadioReminder | OrderResent | OrderUnacknowledged)] == [OrderRadioReminder]
        assert started.counters.snapshot().get("mqtt_sent.orders", 0) == 0
        assert spy.orders == []
        detail = api.get(f"/api/v1/incidents/{inc['id']}").get_json()
        assert detail["orders"][0]["state"] == "awaiting_radio"
        assert [e["kind"] for e in detail["timeline"]].count("order_radio_reminder") == 1
        url = f"/api/v1/incidents/{inc['id']}/orders/{order['order_id']}/ack"
        # Bad input and the wrong role get clear 4xx answers.
        bad = api.post(url, json={"accepted": "yes"})
        assert bad.status_code == 422 and bad.get_json()["error"]["field"] == "accepted"
        assert client.post(url, headers=users["agency"].headers, json={}).status_code == 403
        wrong = api.post(f"/api/v1/incidents/{inc['id']}/orders/ord_nope/ack", json={})
        assert wrong.status_code == 404
        # The operator heard the crew on the radio (no body needed).
        ok = client.post(url, headers=users["supervisor"].headers)
        assert ok.status_code == 200, ok.get_json()
        done = ok.get_json()
        assert done["orders"][0]["state"] == "acknowledged" and done["orders"][0]["acked_at"]
        entry = next(e for e in done["timeline"] if e["kind"] == "order_acknowledged")
        assert entry["actor_type"] == "operator" and entry["actor_id"] == "supervisor"
        assert "lewat radio" in entry["message"] and "by radio" in entry["message"]
        assert entry["data"]["via"] == "radio"
        again = api.post(url, json={"accepted": False})
        assert again.status_code == 409
        assert spy.orders == []
    finally:
        spy.disconnect()
        phone.loop_stop()
        phone.disconnect()


def test_radio_decline_frees_the_unit_and_keeps_the_note(
    started: Runtime, clock: ManualClock, api: Any
) -> None:
    tracker = f"owntracks/psc{uuid.uuid4().hex[:6]}/pixel"
    unit_service.register_unit(started, "POL-OT1", "police", "polres", tracker=tracker)
    field.record_position(started, "POL-OT1", *IN_CITY, clock.time(), accuracy_m=5,
                          source="owntracks")
    inc = incidents.create_incident(started, {"description": "Tawuran warga", "lat": IN_CITY[0],
                                              "lon": IN_CITY[1], "category": "unrest"}, OPERATOR)
    out = incidents.dispatch_units(started, inc["id"], {"unit_ids": ["POL-OT1"]}, OPERATOR)
    order_id = out["orders"][0]["order_id"]
    resp = api.post(f"/api/v1/incidents/{inc['id']}/orders/{order_id}/ack",
                    json={"accepted": False, "note": "ban bocor"})
    assert resp.status_code == 200
    detail = resp.get_json()
    assert detail["orders"][0]["state"] == "declined"
    entry = next(e for e in detail["timeline"] if e["kind"] == "order_declined")
    assert entry["actor_type"] == "operator" and "ban bocor" in entry["message"]
    assert entry["data"]["note"] == "ban bocor" and entry["data"]["via"] == "radio"
    assert started.fleet.get("POL-OT1").status == "available"  # type: ignore[union-attr]


def test_fix_time_and_flag_survive_a_restart(database_url: str, clock: ManualClock) -> None:
    from units.tracks import TrackWriter

    rt = bootstrap(Settings(database_url=database_url), clock=clock)
    writer = TrackWriter(rt, flush_interval_s=0.05)
    rt.tracks = writer
    rt.services.append(writer)
    rt.start()
    t0 = clock.time()
    field.record_position(rt, "AMB-01", *IN_CITY, t0, accuracy_m=5.0)
    field.record_position(rt, "AMB-02", *IN_CITY, t0 + 3600, accuracy_m=5.0)  # clock ahead
    field.record_position(rt, "AMB-03", *IN_CITY, t0, accuracy_m=1600.0)
    assert writer.flush(10)
    rt.stop()  # the final flush copies each unit's latest fix into the units table

    clock.advance(30)
    again = bootstrap(Settings(database_url=database_url), clock=clock)
    try:
        listed = {u["id"]: u for u in unit_service.list_units(again)}
        assert listed["AMB-01"]["fix_at"] == "2026-11-23T02:00:00+00:00"
        assert listed["AMB-01"]["recommendable"] is True
        assert listed["AMB-02"]["not_recommendable_reason"] == "future_fix"
        assert listed["AMB-03"]["not_recommendable_reason"] == "poor_accuracy"
        assert listed["AMB-04"]["not_recommendable_reason"] == "never_reported"
        # A fix older than the remembered one is still out of order after the restart ...
        assert not field.record_position(again, "AMB-01", *IN_CITY, t0 - 1, accuracy_m=5.0)
        # ... but the remembered fix from a clock running ahead blocks nothing.
        assert field.record_position(again, "AMB-02", *IN_CITY, clock.time(), accuracy_m=5.0)
        assert again.fleet.recommendable(again.fleet.get("AMB-02"), clock.time()) == (  # type: ignore[arg-type]
            True, None)
        with again.session() as s:
            flags = dict(s.execute(select(UnitPosition.unit_id, UnitPosition.flag)).all())
        assert flags == {"AMB-01": None, "AMB-02": "future_fix", "AMB-03": "poor_accuracy"}
    finally:
        again.stop()


def test_only_a_believable_fix_sets_on_scene_and_arrival_proves_a_radio_order(
    started: Runtime, clock: ManualClock
) -> None:
    tracker = f"owntracks/psc{uuid.uuid4().hex[:6]}/pixel"
    unit_service.register_unit(started, "AMB-OT7", "ambulance", "psc119", tracker=tracker)
    field.record_position(started, "AMB-OT7", *PSC119, clock.time(), accuracy_m=5,
                          source="owntracks")
    inc = incidents.create_incident(started, {"description": "Orang pingsan", "lat": IN_CITY[0],
                                              "lon": IN_CITY[1], "category": "medical"}, OPERATOR)
    out = incidents.dispatch_units(started, inc["id"], {"unit_ids": ["AMB-OT7"]}, OPERATOR)
    clock.advance(31)
    assert field.check_order_timeouts(started) == 1
    assert incidents.get_incident(started, inc["id"])["orders"][0]["state"] == "awaiting_radio"
    # At the spot, but 1.6 km "accurate": not proof of arrival.
    field.record_position(started, "AMB-OT7", *IN_CITY, clock.time(), accuracy_m=1600,
                          source="owntracks")
    assert started.fleet.get("AMB-OT7").status == "dispatched"  # type: ignore[union-attr]
    clock.advance(5)
    field.record_position(started, "AMB-OT7", *IN_CITY, clock.time(), accuracy_m=5,
                          source="owntracks")
    assert started.fleet.get("AMB-OT7").status == "on_scene"  # type: ignore[union-attr]
    order = incidents.get_incident(started, inc["id"])["orders"][0]
    assert order["order_id"] == out["orders"][0]["order_id"]
    assert order["state"] == "acknowledged" and order["on_scene_at"]
