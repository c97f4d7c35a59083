"""`siaga112 mqtt-config` output loaded into a real Mosquitto: one credential per unit,
a unit publishes only under its own id and reads only its own orders."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from dispatch.config import Settings
from dispatch.runtime import Runtime
from siaga112.cli import main as cli_main
from tests.support.brokers import running_mosquitto
from units.mqtt_config import main as mqtt_config_main
from units.mqtt_config import mosquitto_hash
from units.setup import attach
from units.unitclient import UnitClient

pytestmark = pytest.mark.mqtt


def secured_conf(out: Path) -> str:
    return (f"allow_anonymous false\npassword_file {out}/passwd\nacl_file {out}/acl\n")


class Listener:
    """The center's view: subscribes to everything and records what arrives."""

    def __init__(self, port: int, user: str, password: str) -> None:
        self.got: list[str] = []
        self.ready = threading.Event()
        self.c = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="center-listener")
        self.c.username_pw_set(user, password)
        self.c.on_connect = lambda c, *_: (c.subscribe("siaga/#", qos=1), None)[1]
        self.c.on_subscribe = lambda *_: self.ready.set()
        self.c.on_message = lambda _c, _u, m: self.got.append(m.topic)
        self.c.connect("127.0.0.1", port)
        self.c.loop_start()
        assert self.ready.wait(10)

    def close(self) -> None:
        self.c.disconnect()
        self.c.loop_stop()


def wait_for(check, timeout: float = 10.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def test_hash_matches_mosquitto_format() -> None:
    h = mosquitto_hash("secret", salt=b"0123456789ab")
    assert h.startswith("$7$101$MDEyMzQ1Njc4OWFi$") and len(h.split("$")[-1]) == 88


def test_unit_a_cannot_publish_as_unit_b(tmp_path: Path) -> None:
    out = tmp_path / "mqtt"
    # Through the real command line: `siaga112 mqtt-config --out DIR --units ...`.
    assert cli_main(["mqtt-config", "--out", str(out), "--units", "AMB-01", "AMB-02"]) == 0
    creds = json.loads((out / "credentials.json").read_text())["users"]
    assert set(creds) == {"siaga112-center", "AMB-01", "AMB-02"}
    assert oct((out / "credentials.json").stat().st_mode & 0o777) == "0o600"
    acl = (out / "acl").read_text()
    assert "user AMB-01\ntopic write siaga/units/AMB-01/position" in acl
    with running_mosquitto(tmp_path / "broker", extra_conf=secured_conf(out)) as broker:
        center = Listener(broker.port, "siaga112-center", creds["siaga112-center"]["password"])
        a = UnitClient(broker.url, "AMB-01", password=creds["AMB-01"]["password"],
                       username="AMB-01", lwt=False).connect(announce=False)
        b = UnitClient(broker.url, "AMB-02", password=creds["AMB-02"]["password"],
                       username="AMB-02", lwt=False).connect(announce=False)
        try:
            # A forges B's position and status, then publishes its own position.
            a.publish_raw("siaga/units/AMB-02/position", json.dumps({"lat": -7.8, "lon": 112.0}))
            a.publish_raw("siaga/units/AMB-02/status", json.dumps({"status": "out_of_service"}))
            a.publish_raw("siaga/units/AMB-01/orders", json.dumps({"order_id": "fake"}))
            a.position(-7.81, 112.01)
            # The broker forwards one client's messages in order: A's own fix arriving means
            # any forged one that got through would already be here.
            assert wait_for(lambda: "siaga/units/AMB-01/position" in center.got)
            assert "siaga/units/AMB-02/position" not in center.got
            assert "siaga/units/AMB-02/status" not in center.got
            assert "siaga/units/AMB-01/orders" not in center.got  # units cannot write orders
            b.position(-7.82, 112.02)
            assert wait_for(lambda: "siaga/units/AMB-02/position" in center.got)

            # Orders: only the addressed unit reads them, even if another subscribes.
            # Wait for the broker's SUBACK: an order published before it would make this
            # part pass without testing anything.
            subacked = threading.Event()
            a.client.on_subscribe = lambda *_args: subacked.set()
            a.client.subscribe("siaga/units/AMB-02/orders", qos=1)
            assert subacked.wait(10)
            center.c.publish("siaga/units/AMB-02/orders", json.dumps({"order_id": "o-b"}),
                             qos=1).wait_for_publish(5)
            center.c.publish("siaga/units/AMB-01/orders", json.dumps({"order_id": "o-a"}),
                             qos=1).wait_for_publish(5)
            assert [o["order_id"] for o in b.wait_orders(1)] == ["o-b"]
            # In order from the center: had "o-b" leaked to A, it would have come first.
            assert [o["order_id"] for o in a.wait_orders(1)] == ["o-a"]
            assert [o["order_id"] for o in a.orders] == ["o-a"]
        finally:
            a.disconnect()
            b.disconnect()
            center.close()

        # A wrong password is refused.
        bad = UnitClient(broker.url, "AMB-01", username="AMB-01", password="wrong", lwt=False)
        with pytest.raises(TimeoutError):
            bad.connect(timeout=3, announce=False)
        assert bad.connect_refused is not None


def test_gateway_with_center_credentials(tmp_path: Path) -> None:
    out = tmp_path / "mqtt"
    assert mqtt_config_main(["--out", str(out), "--units", "AMB-01"]) == 0
    creds = json.loads((out / "credentials.json").read_text())["users"]
    # Running it again keeps the passwords units already have.
    assert mqtt_config_main(["--out", str(out), "--units", "AMB-01"]) == 0
    assert json.loads((out / "credentials.json").read_text())["users"] == creds
    with running_mosquitto(tmp_path / "broker", extra_conf=secured_conf(out)) as broker:
        pw = creds["siaga112-center"]["password"]
        url = f"mqtt://siaga112-center:{pw}@127.0.0.1:{broker.port}"
        rt = Runtime(Settings(database_url=f"sqlite:///{tmp_path}/g.db", mqtt_url=url))
        attach(rt, embedded=False)
        rt.start()
        try:
            gw = rt.extensions["mqtt_gateway"]
            # Connected is not subscribed: a fix published before the SUBACK is lost.
            assert gw.wait_connected(10) and gw.wait_subscribed(10)
            assert pw not in gw.public_url
            a = UnitClient(broker.url, "AMB-01", username="AMB-01",
                           password=creds["AMB-01"]["password"]).connect()
            try:
                a.position(-7.8123, 112.0123)
                assert wait_for(lambda: rt.fleet.get("AMB-01").lat == -7.8123)  # type: ignore[union-attr]
            finally:
                a.disconnect()
        finally:
            rt.stop()
