"""Without SIAGA_MQTT_URL the runtime brings its own broker: Mosquitto as a child process when
installed (the demo's default), else the in-process amqtt broker."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from dispatch.bootstrap import bootstrap
from dispatch.config import Settings
from dispatch.services import incidents
from dispatch.services.actors import Actor
from units.broker import EmbeddedBroker
from units.mosquitto import Mosquitto, mosquitto_binary
from units.setup import attach
from units.unitclient import UnitClient

OPERATOR = Actor("operator", "op", None, "operator")


def wait_for(check, timeout: float = 10.0, what: str = "") -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.02)


KINDS = {"mosquitto": Mosquitto, "amqtt": EmbeddedBroker}
needs_mosquitto = pytest.mark.skipif(mosquitto_binary() is None,
                                     reason="mosquitto not installed (make install installs it)")


@pytest.mark.parametrize("kind", [pytest.param("mosquitto", marks=needs_mosquitto), "amqtt"])
def test_embedded_broker_carries_positions_orders_and_acks(
        tmp_path: Path, kind: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SIAGA_EMBEDDED_BROKER", kind)
    before = {t.name for t in threading.enumerate()}
    rt = bootstrap(Settings(database_url=f"sqlite:///{tmp_path}/e.db"))
    attach(rt, embedded=True)
    assert isinstance(rt.broker, KINDS[kind])
    url = rt.mqtt_url
    assert url.startswith("mqtt://127.0.0.1:")
    rt.start()
    try:
        # Connected is not subscribed: the fix below must not beat the SUBACK.
        assert rt.orders.wait_connected(10)
        assert rt.orders.wait_subscribed(10)
        crew = UnitClient(url, "AMB-01", client_id="amb01-embedded").connect()
        try:
            crew.position(-7.8170, 112.0140)
            wait_for(lambda: rt.fleet.get("AMB-01").lat == -7.8170,  # type: ignore[union-attr]
                     what="position over the embedded broker")
            inc = incidents.create_incident(
                rt, {"description": "Orang pingsan di jalan, tidak sadar",
                     "lat": -7.8172, "lon": 112.0150, "category": "medical"}, OPERATOR)
            assert "AMB-01" in [r["unit_id"] for r in inc["recommendations"]]
            out = incidents.dispatch_units(rt, inc["id"], {"unit_ids": ["AMB-01"]}, OPERATOR)
            order_id = out["orders"][0]["order_id"]
            assert [o["order_id"] for o in crew.wait_orders(1)] == [order_id]
            crew.ack(order_id)
            wait_for(lambda: incidents.get_incident(rt, inc["id"])["orders"][0]["state"]
                     == "acknowledged", what="ack")
        finally:
            crew.disconnect()
    finally:
        rt.stop()
    # Nothing keeps running after stop (tests create many runtimes).
    wait_for(lambda: not ({t.name for t in threading.enumerate()} - before), timeout=5,
             what="threads to end")


@needs_mosquitto
def test_the_demo_broker_is_mosquitto_speaking_mqtt_3_1_with_persistent_sessions(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import paho.mqtt.client as mqtt
    from paho.mqtt.enums import CallbackAPIVersion

    monkeypatch.delenv("SIAGA_EMBEDDED_BROKER", raising=False)
    rt = bootstrap(Settings(database_url=f"sqlite:///{tmp_path}/e.db"))
    attach(rt, embedded=True)
    broker = rt.broker
    assert isinstance(broker, Mosquitto)
    # Its persistence lives beside the database, so a restarted demo keeps queued orders.
    assert broker.workdir == tmp_path / "mosquitto"
    rt.start()
    try:
        assert rt.orders.wait_subscribed(10)
        # OwnTracks connects with MQTT 3.1 by default; amqtt refuses that.
        codes: list[object] = []
        phone = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="owntracks-phone",
                            protocol=mqtt.MQTTv31)
        phone.on_connect = lambda c, u, f, rc, p=None: codes.append(rc)
        phone.connect("127.0.0.1", broker.port)
        phone.loop_start()
        wait_for(lambda: codes, what="MQTT 3.1 CONNACK")
        phone.loop_stop()
        phone.disconnect()
        assert not codes[0].is_failure, codes  # type: ignore[attr-defined]
        # An order sent while the unit is away reaches it when it is back.
        url = rt.mqtt_url
        inc = incidents.create_incident(
            rt, {"description": "Kebakaran pasar, api besar", "lat": -7.8167,
                 "lon": 112.0136}, OPERATOR)
        unit_id = next(r["unit_id"] for r in inc["recommendations"]
                       if r["unit_type"] == "fire_engine")
        UnitClient(url, unit_id, lwt=False).connect(announce=False).disconnect()
        out = incidents.dispatch_units(rt, inc["id"], {"unit_ids": [unit_id]}, OPERATOR)
        order_id = out["orders"][0]["order_id"]
        wait_for(lambda: rt.counters.snapshot().get("mqtt_puback.orders") == 1,
                 what="the broker took the order")
        back = UnitClient(url, unit_id, lwt=False)
        back.subscribe_orders = False  # the broker kept the subscription, and the order
        back.connect(announce=False)
        try:
            assert [o["order_id"] for o in back.wait_orders(1)] == [order_id]
        finally:
            back.disconnect()
    finally:
        rt.stop()
    assert broker.proc is None  # the child broker ends with the runtime
