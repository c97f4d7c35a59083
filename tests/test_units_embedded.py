"""Without SIAGA_MQTT_URL the runtime brings its own broker (amqtt): the demo needs nothing."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from dispatch.config import Settings
from dispatch.runtime import Runtime
from dispatch.services import incidents
from dispatch.services.actors import Actor
from units.broker import EmbeddedBroker
from units.setup import attach
from units.unitclient import UnitClient

OPERATOR = Actor("operator", "op", None, "operator")


def wait_for(check, timeout: float = 10.0, what: str = "") -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.02)


def test_embedded_broker_carries_positions_orders_and_acks(tmp_path: Path) -> None:
    before = {t.name for t in threading.enumerate()}
    rt = Runtime(Settings(database_url=f"sqlite:///{tmp_path}/e.db"))
    attach(rt, embedded=True)
    assert isinstance(rt.extensions["mqtt_broker"], EmbeddedBroker)
    url = rt.extensions["mqtt_url"]
    assert url.startswith("mqtt://127.0.0.1:")
    rt.start()
    try:
        # Connected is not subscribed: the fix below must not beat the SUBACK.
        assert rt.extensions["mqtt_gateway"].wait_connected(10)
        assert rt.extensions["mqtt_gateway"].wait_subscribed(10)
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
