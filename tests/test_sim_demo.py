"""The demo's living city: fleet as MQTT clients through the real gateway, a stream of calls,
a simulated dispatcher for incidents nobody handles, and a clean stop with rt.stop()."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from dispatch.bootstrap import bootstrap
from dispatch.config import Settings
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
    rt = bootstrap(settings.with_(mqtt_url=mosquitto.url, mqtt_prefix="d" + uuid.uuid4().hex[:8]))
    attach(rt, embedded=False)
    rt.start()
    try:
        # Connected is not subscribed: the fleet's first fixes must not beat the SUBACK.
        assert rt.orders.wait_connected(10)
        assert rt.orders.wait_subscribed(10)
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


def test_an_exercise_against_a_living_demo_keeps_to_its_own_units(settings: Settings) -> None:
    # The demo as `siaga112 demo` runs it: its own broker on a port chosen at start, the city
    # pack's (real) units driven by the demo's simulator, real calls. A trainer runs a short
    # exercise against it with only --api and --token.
    from sqlalchemy import select

    from dispatch.db.models import Order
    from dispatch.services import accounts
    from simulators.scenario import RunOptions, run_remote
    from tests.support.live_server import live_server
    from tests.test_sim_e2e import _call, short_scenario
    from web import create_app

    rt = bootstrap(settings.with_(mqtt_prefix="d" + uuid.uuid4().hex[:8]))
    attach(rt, embedded=True)
    app = create_app(runtime=rt, config={"TESTING": True})
    rt.start()
    try:
        assert rt.orders.wait_subscribed(10)
        sim = demo.start(rt, None, demo.DemoConfig(calls_per_hour=240, unattended_after_s=5,
                                                   speed=30, seed=4))
        real_ids = {u.id for u in rt.city.fleet}
        eventually(lambda: all(rt.fleet.get(u).source == "mqtt" for u in real_ids), 15,
                   "the demo's units to report over its broker")
        accounts.create_user(rt, "trainer", "trainer-pass-1", "supervisor")
        token = accounts.create_token(rt, "trainer", "simulator")
        with live_server(app) as srv:
            summary = run_remote(short_scenario(), RunOptions(
                api=srv.url, token=token, speed=60.0, progress=False,
                calls=[_call(0, "tolong ada orang pingsan di pasar setonobetek, tidak sadar",
                             "medical", -7.8190, 112.0105)]))
        assert summary["mqtt_url"] == rt.broker.url
        assert summary["dispatched"] == 1 and summary["step_errors"] == 0
        eventually(lambda: any(i["first_dispatch_at"] for i in list_incidents(rt, status="all")
                               if not i["exercise"]), 30, "the demo to dispatch a real call")
        with rt.session() as s:
            for o in s.scalars(select(Order)).all():
                inc = [i for i in list_incidents(rt, status="all") if i["id"] == o.incident_id]
                assert inc and o.unit_id.startswith("SIM-") == inc[0]["exercise"], o.unit_id
        # The exercise is gone from the queue; its units are parked; the demo's go on.
        assert not [i for i in list_incidents(rt, status="open") if i["exercise"]]
        assert {u.status for u in rt.fleet.all() if u.simulated} == {"out_of_service"}
        assert all(rt.fleet.get(u).status != "out_of_service" for u in real_ids)
        assert sim._thread is not None and sim._thread.is_alive()
    finally:
        rt.stop()
