"""A short scenario end to end against the real server (HTTP) and a real Mosquitto (MQTT fleet).

The simulator drives only public interfaces: incidents via POST /api/v1/incidents with a
Bearer token, its simulated units via POST /api/v1/exercise/units, the fleet as paho clients
on siaga/units/<id>/...; the server runs its real MQTT gateway. Checked: incidents created
(as exercise), simulated units dispatched, acknowledged, on scene and back to available, the
real fleet untouched, KPI figures filled, the exercise kept out of real figures and cleaned
up at the end; and a server with an embedded broker is found without --mqtt.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from dispatch.bootstrap import bootstrap
from dispatch.db.models import Incident, Order, Unit
from dispatch.domain.events import Event, UnitPositionUpdated, UnitStatusChanged
from dispatch.runtime import Runtime
from dispatch.services import accounts
from dispatch.services.incidents import list_incidents
from dispatch.services.kpis import KpiQuery, compute_kpis
from simulators.center import HttpCenter
from simulators.generator import GeneratedCall
from simulators.scenario import RunOptions, Scenario, run_remote
from tests.support.brokers import Mosquitto
from tests.support.live_server import LiveServer, live_server
from units.setup import attach
from web import create_app

pytestmark = pytest.mark.mqtt


@pytest.fixture
def server(settings: Any, mosquitto: Mosquitto) -> Iterator[tuple[Runtime, LiveServer, str]]:
    prefix = "s" + uuid.uuid4().hex[:8]
    rt = bootstrap(settings.with_(mqtt_url=mosquitto.url, mqtt_prefix=prefix))
    attach(rt, embedded=False)
    app = create_app(runtime=rt, config={"TESTING": True})
    rt.start()
    # Connected is not subscribed: the fleet's first messages must not beat the SUBACK.
    assert rt.orders.wait_connected(10)
    assert rt.orders.wait_subscribed(10)
    accounts.create_user(rt, "trainer", "trainer-pass-1", "supervisor")
    token = accounts.create_token(rt, "trainer", "simulator")
    with live_server(app) as srv:
        yield rt, srv, token
    rt.stop()


def _real_units(rt: Runtime) -> dict[str, tuple[Any, ...]]:
    with rt.session() as s:
        return {u.id: (u.status, u.status_since, u.source, u.lat, u.lon, u.current_incident_id)
                for u in s.scalars(select(Unit).where(Unit.simulated.is_(False)))}


def _call(t: float, text: str, category: str, lat: float, lon: float,
          call_type: str = "genuine") -> GeneratedCall:
    return GeneratedCall(t, text, lat, lon, call_type, category, "", None, "call",
                         "081234567890", "id", "test")


def short_scenario() -> Scenario:
    sc = Scenario.from_mapping({
        "name": "e2e", "duration": "2m", "drain": "3h", "seed": 5,
        "fleet": {
            "report_interval_s": 10, "idle_report_interval_s": 30, "ack_delay_s": [1, 3],
            "decline_rate": 0.0, "turnout_s": {"ambulance": [5, 10], "police": [5, 10],
                                               "fire_engine": [5, 10]},
            "on_scene_s": {"medical": [60, 90], "traffic_accident": [60, 90], "fire": [60, 90]},
            "transport_rate": {"medical": 1.0, "traffic_accident": 0.0, "fire": 0.0},
            "at_hospital_s": [30, 60],
        },
        "operators": {"people": ["trainer"], "classify_delay_s": [5, 10],
                      "dispatch_delay_s": [5, 10], "close_delay_s": [5, 10]},
    })
    return sc


def test_short_scenario_against_live_server_and_broker(
    server: tuple[Runtime, LiveServer, str], mosquitto: Mosquitto, tmp_path: Any
) -> None:
    rt, srv, token = server
    calls = [
        _call(0, "tolong ada orang pingsan di pasar setonobetek, tidak sadarkan diri", "medical",
              -7.8190, 112.0105),
        _call(20, "kecelakaan motor di jl. brawijaya, korban luka berdarah", "traffic_accident",
              -7.8300, 112.0250),
        _call(40, "panggilan kosong, tidak ada suara", "", -7.8120, 112.0000, "ghost"),
    ]
    opts = RunOptions(api=srv.url, token=token, mqtt=mosquitto.url, speed=60.0,
                      mqtt_prefix=rt.settings.mqtt_prefix, progress=False, calls=calls,
                      client_prefix="sim" + uuid.uuid4().hex[:6], report_dir=str(tmp_path))
    went_offline_from: dict[str, str] = {}

    def on_status(event: Event) -> None:
        assert isinstance(event, UnitStatusChanged)
        if event.status == "offline":
            went_offline_from[event.unit_id] = event.previous

    rt.bus.subscribe(UnitStatusChanged, on_status)
    real_before = _real_units(rt)
    summary = run_remote(short_scenario(), opts)
    # The simulator stops when its own fleet is idle and disconnects right away (each unit
    # says offline on its way out); the gateway handles each unit's messages in order, and
    # the simulator waits for every unit to be offline before its clean-up takes them out
    # of service, so everything they sent before has been applied.
    sim = [u for u in rt.fleet.all() if u.simulated]
    assert len(sim) == len(rt.city.fleet) == summary["units_total"]
    assert {(u.status, u.online, u.incident_id) for u in sim} == {("out_of_service", False, None)}
    assert summary["cleanup"]["units_out_of_service"] == sorted(u.id for u in sim)
    # The real fleet never moved, never got an order, never changed status.
    assert _real_units(rt) == real_before

    assert summary["calls"] == 3
    assert summary["step_errors"] == 0, summary
    assert summary["dispatched"] == 2
    assert summary["on_scene"] == 2
    assert summary["still_open"] == 0
    assert summary["units_busy_at_end"] == []
    assert summary["all_exercise"] is True
    assert (tmp_path / "report.html").exists() and (tmp_path / "operators.csv").exists()

    with rt.session() as s:
        incs = s.scalars(select(Incident).order_by(Incident.id)).all()
        assert len(incs) == 3
        assert all(i.exercise for i in incs)
        assert [i.status for i in incs] == ["closed"] * 3
        medical, crash, ghost = incs
        assert ghost.call_type == "ghost" and ghost.first_dispatch_at is None
        for inc in (medical, crash):
            assert inc.first_dispatch_at is not None and inc.first_on_scene_at is not None
        orders = s.scalars(select(Order)).all()
        assert len(orders) == 3  # one ambulance, then an ambulance and a police car
        assert all(o.unit_id.startswith("SIM-") for o in orders)
        assert all(o.acked_at and o.en_route_at and o.on_scene_at and o.cleared_at
                   for o in orders)
        assert s.scalar(select(func.count()).select_from(Incident)
                        .where(Incident.exercise.is_(False))) == 0
        # The medical job took its patient to hospital: the timeline shows the whole round.
        timeline = [e.data.get("status") for e in medical.timeline if e.kind == "unit_status"]
        for status in ("en_route", "on_scene", "transporting", "at_hospital", "returning"):
            assert status in timeline, timeline

    # Every unit was back to available (the gateway heard them over MQTT) before it said
    # offline on its way out. The simulator's own snapshot of the server is taken the moment
    # its fleet is idle, possibly before the gateway handled the last "available": it must
    # cover the whole fleet, but only the server's own record says what each unit was.
    assert sum(summary["server_unit_status_at_end"].values()) == len(rt.city.fleet)
    assert went_offline_from == {u.id: "available" for u in sim}

    # Figures: filled when exercises are included, empty for the real figures.
    now = rt.clock.now()
    q = KpiQuery(now - timedelta(hours=1), now + timedelta(minutes=1), include_exercise=True)
    assert compute_kpis(rt, q)["totals"]["dispatched"] == 2
    real = KpiQuery(q.start, q.end, include_exercise=False)
    assert compute_kpis(rt, real)["totals"]["incidents"] == 0
    assert list_incidents(rt, include_exercise=False) == []


def test_remote_run_finds_the_embedded_broker_of_a_running_server(settings: Any) -> None:
    # The demo's set-up: no SIAGA_MQTT_URL, so the server runs its own broker on a port it
    # chose at start. The simulator gets only --api and --token, and finds that broker.
    rt = bootstrap(settings.with_(mqtt_prefix="e" + uuid.uuid4().hex[:8]))
    attach(rt, embedded=True)
    broker_url = rt.broker.url
    app = create_app(runtime=rt, config={"TESTING": True})
    rt.start()
    try:
        assert rt.orders.wait_connected(10)
        assert rt.orders.wait_subscribed(10)
        accounts.create_user(rt, "trainer", "trainer-pass-1", "supervisor")
        token = accounts.create_token(rt, "trainer", "simulator")
        real_before = _real_units(rt)
        heard: set[str] = set()
        rt.bus.subscribe(UnitPositionUpdated, lambda e: heard.add(e.unit_id))  # type: ignore[attr-defined]
        with live_server(app) as srv:
            info = HttpCenter(srv.url, token).system()
            assert info["mqtt"]["url"] == broker_url and info["mqtt"]["embedded"] is True
            assert info["mqtt"]["prefix"] == rt.settings.mqtt_prefix
            # No --mqtt and no --mqtt-prefix: both come from the server.
            opts = RunOptions(api=srv.url, token=token, speed=60.0, progress=False,
                              calls=[_call(0, "tolong ada orang pingsan di pasar setonobetek, "
                                          "tidak sadarkan diri", "medical", -7.8190, 112.0105)],
                              client_prefix="sim" + uuid.uuid4().hex[:6])
            assert opts.mqtt is None and opts.mqtt_prefix is None
            summary = run_remote(short_scenario(), opts)
        assert summary["mqtt_url"] == broker_url
        assert summary["dispatched"] == 1 and summary["step_errors"] == 0
        # Its simulated units spoke over the discovered broker, through the real gateway.
        assert heard and all(u.startswith("SIM-") for u in heard)
        with rt.session() as s:
            orders = s.scalars(select(Order)).all()
            assert orders and all(o.unit_id.startswith("SIM-") and o.acked_at for o in orders)
            assert s.scalar(select(func.count()).select_from(Incident)
                            .where(Incident.status != "closed")) == 0
        assert _real_units(rt) == real_before
        assert {u.status for u in rt.fleet.all() if u.simulated} == {"out_of_service"}
    finally:
        rt.stop()
