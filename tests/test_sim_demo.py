"""The demo's living city: fleet as MQTT clients through the real gateway, a stream of calls,
a simulated dispatcher for incidents nobody handles, and a clean stop with rt.stop()."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from dispatch.config import Settings
from dispatch.runtime import Runtime
from dispatch.services.incidents import list_incidents
from simulators import demo
from tests.support.brokers import Mosquitto
from units.setup import attach

pytestmark = pytest.mark.mqtt


def eventually(check: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.1)


def test_demo_city_lives_and_stops(settings: Settings, mosquitto: Mosquitto) -> None:
    rt = Runtime(settings.with_(mqtt_url=mosquitto.url, mqtt_prefix="d" + uuid.uuid4().hex[:8]))
    attach(rt, embedded=False)
    rt.start()
    try:
        # Connected is not subscribed: the fleet's first fixes must not beat the SUBACK.
        assert rt.extensions["mqtt_gateway"].wait_connected(10)
        assert rt.extensions["mqtt_gateway"].wait_subscribed(10)
        cfg = demo.DemoConfig(calls_per_hour=240, unattended_after_s=60, speed=30, seed=4)
        sim = demo.start(rt, None, cfg)
        assert sim in rt.services
        # Units speak MQTT through the real gateway.
        eventually(lambda: all(u.source == "mqtt" for u in rt.fleet.all()), 15,
                   "every unit to report a position over MQTT")
        # Calls come in as real (not exercise) incidents for the dashboard.
        eventually(lambda: len(list_incidents(rt, status="all")) >= 3, 20, "three incidents")
        assert not any(i["exercise"] for i in list_incidents(rt, status="all"))
        # Unattended incidents get handled by the simulated dispatcher.
        eventually(lambda: any(i["status"] == "closed" or i["first_dispatch_at"]
                               for i in list_incidents(rt, status="all")), 30,
                   "an unattended incident to be handled")
    finally:
        rt.stop()
    assert sim._thread is not None and not sim._thread.is_alive()
