"""A unit is offline, the broker restarts (persistence on), the order still reaches the unit."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from dispatch.bootstrap import bootstrap
from dispatch.config import Settings
from dispatch.services import incidents
from dispatch.services.actors import Actor
from tests.support.brokers import Mosquitto, free_port, running_mosquitto
from tests.support.secured_broker import secured_broker
from units.setup import attach
from units.unitclient import UnitClient

pytestmark = pytest.mark.mqtt

OPERATOR = Actor("operator", "op", None, "operator")
STATION = {"lat": -7.8167, "lon": 112.0136}
# Started as root, Mosquitto drops to user "mosquitto", which cannot write its persistence
# file into pytest's private tmp folder; stay root there so the restart really reloads it.
STAY = ""  # tests/support/brokers.py already keeps root as the broker user


def wait_for(check, timeout: float = 15.0, what: str = "") -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.05)


def test_order_survives_broker_restart_while_unit_offline(tmp_path: Path) -> None:
    with running_mosquitto(tmp_path / "broker", extra_conf=STAY) as broker:
        settings = Settings(database_url=f"sqlite:///{tmp_path}/s.db", mqtt_url=broker.url)
        rt = bootstrap(settings)
        attach(rt, embedded=False)
        gw = rt.orders
        rt.start()
        try:
            assert gw.wait_connected(10) and gw.wait_subscribed(10)
            inc = incidents.create_incident(
                rt, {"description": "Kebakaran pasar, api besar", **STATION}, OPERATOR)
            unit_id = next(r["unit_id"] for r in inc["recommendations"]
                           if r["unit_type"] == "fire_engine")
            # The crew's tablet has a persistent session subscribed to its orders, then drops.
            crew = UnitClient(broker.url, unit_id, lwt=False).connect(announce=False)
            crew.disconnect()

            out = incidents.dispatch_units(rt, inc["id"], {"unit_ids": [unit_id]}, OPERATOR)
            order_id = out["orders"][0]["order_id"]
            wait_for(lambda: rt.counters.snapshot().get("mqtt_puback.orders") == 1,
                     what="the broker took the order")
            connects = rt.counters.snapshot()["mqtt_connects"]

            broker.restart()  # a clean stop saves the queue; the start loads it
            wait_for(lambda: rt.counters.snapshot()["mqtt_connects"] > connects,
                     what="the gateway reconnected with backoff")
            assert gw.connected

            # The tablet comes back with the same client id and does not subscribe again.
            crew = UnitClient(broker.url, unit_id, lwt=False)
            crew.subscribe_orders = False
            crew.connect(announce=False)
            try:
                orders = crew.wait_orders(1, timeout=10)
                assert [o["order_id"] for o in orders] == [order_id]
                # ... and its acknowledgement reaches the reconnected center.
                crew.ack(order_id)
                wait_for(lambda: incidents.get_incident(rt, inc["id"])["orders"][0]["state"]
                         == "acknowledged", what="ack after restart")
            finally:
                crew.disconnect()
        finally:
            rt.stop()


def test_positions_published_while_center_is_down_arrive_later(tmp_path: Path) -> None:
    """The center's persistent session: QoS 1 unit messages wait at the broker for it.

    Its client id is its user name, so the same credential finds the same session again."""
    with secured_broker(["AMB-01"]) as sb:
        settings = Settings(database_url=f"sqlite:///{tmp_path}/c.db",
                            mqtt_url=sb.url("siaga112-center-1"))
        rt = bootstrap(settings)
        attach(rt, embedded=False)
        rt.start()
        # The session keeps only subscriptions the broker confirmed before the center left.
        assert rt.orders.wait_connected(10)
        assert rt.orders.wait_subscribed(10)
        rt.stop()  # the center goes away; its session (and subscriptions) stay at the broker

        crew = UnitClient(sb.broker.url, "AMB-01", username="AMB-01",
                          password=sb.password("AMB-01"), lwt=False).connect(announce=False)
        crew.position(-7.8050, 112.0150)
        crew.disconnect()

        rt = bootstrap(settings)  # same credential → same client id → same session
        attach(rt, embedded=False)
        rt.start()
        try:
            wait_for(lambda: (rt.fleet.get("AMB-01").lat == -7.8050),  # type: ignore[union-attr]
                     what="the queued fix")
        finally:
            rt.stop()


def test_without_credentials_each_process_gets_a_random_clean_session(tmp_path: Path) -> None:
    """No credential: a random id per process (never one a unit could guess), clean session."""
    with running_mosquitto(tmp_path / "broker", extra_conf=STAY) as broker:
        settings = Settings(database_url=f"sqlite:///{tmp_path}/r.db", mqtt_url=broker.url)
        ids = []
        for _ in range(2):
            rt = bootstrap(settings)
            attach(rt, embedded=False)
            gw = rt.orders
            ids.append(gw.client_id)
            assert not gw.persistent
            rt.stop()
        assert ids[0] != ids[1] and all(i.startswith("siaga112-center-") for i in ids)
        assert all(len(i) == len("siaga112-center-") + 16 for i in ids)


def test_center_started_before_the_broker_connects_when_it_appears(tmp_path: Path) -> None:
    port = free_port()
    settings = Settings(database_url=f"sqlite:///{tmp_path}/b.db",
                        mqtt_url=f"mqtt://127.0.0.1:{port}")
    rt = bootstrap(settings)
    attach(rt, embedded=False)
    rt.start()
    broker = None
    try:
        gw = rt.orders
        assert not gw.wait_connected(1.5)  # nothing listens yet; retrying in the background
        broker = Mosquitto(port=port, workdir=tmp_path / "late", extra_conf=STAY).start()
        assert gw.wait_connected(20) and gw.wait_subscribed(10)
        crew = UnitClient(broker.url, "AMB-03", lwt=False).connect(announce=False)
        try:
            crew.position(-7.8060, 112.0160)
            wait_for(lambda: rt.fleet.get("AMB-03").lat == -7.8060,  # type: ignore[union-attr]
                     what="fix after late broker start")
        finally:
            crew.disconnect()
    finally:
        rt.stop()
        if broker is not None:
            broker.stop()
