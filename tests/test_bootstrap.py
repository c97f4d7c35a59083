"""The composition root: what each process role builds, the handler table, the unit of work."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dispatch.bootstrap import bootstrap
from dispatch.config import Settings
from dispatch.domain.events import Event, IncidentUpdated, UnitDispatched
from dispatch.handlers import HANDLERS
from dispatch.runtime import Runtime
from dispatch.services.complaints import ComplaintTimers
from dispatch.services.webhooks import WebhookSender
from units.mosquitto import Mosquitto
from units.setup import field_parts

ROOT = Path(__file__).resolve().parents[1]


def _build(tmp_path: Path, role: str, mqtt_url: str | None, **kw: Any) -> Runtime:
    settings = Settings(database_url=f"sqlite:///{tmp_path}/b.db", secret_key="t",
                        mqtt_url=mqtt_url, role=role, **kw)
    return bootstrap(settings, field=field_parts(embedded=True))


@pytest.fixture
def built(tmp_path: Path, mosquitto: Mosquitto) -> Iterator[dict[str, Runtime]]:
    made: dict[str, Runtime] = {}
    for role in ("all", "web", "worker"):
        made[role] = _build(tmp_path / role, role, mosquitto.url)
    yield made
    for rt in made.values():
        rt.stop()


def _kinds(rt: Runtime) -> set[str]:
    return {type(svc).__name__ for svc in rt.services}


def test_each_role_builds_its_own_parts(built: dict[str, Runtime]) -> None:
    every, web, worker = built["all"], built["web"], built["worker"]
    for rt in (every, worker):
        assert rt.orders is not None and rt.orders.ingests  # type: ignore[attr-defined]
        assert rt.tracks is not None and rt.order_timeouts is not None
        assert {"ComplaintTimers", "TrackWriter", "OrderTimeoutTicker"} <= _kinds(rt)
    # A web process publishes its own orders but subscribes to nothing and runs no timers.
    assert web.orders is not None and not web.orders.ingests  # type: ignore[attr-defined]
    assert web.tracks is None and web.order_timeouts is None
    assert not {"ComplaintTimers", "TrackWriter", "OrderTimeoutTicker"} & _kinds(web)
    for rt in built.values():
        assert len(rt.fleet) > 0  # the fleet replica is loaded in every role
        assert rt.mqtt_url is not None


def test_webhook_sender_runs_only_where_timers_run(tmp_path: Path, mosquitto: Mosquitto,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SIAGA_WEBHOOK_URL", "http://127.0.0.1:9/hook")
    monkeypatch.setenv("SIAGA_WEBHOOK_SECRET", "s")
    web = _build(tmp_path / "w", "web", mosquitto.url)
    worker = _build(tmp_path / "k", "worker", mosquitto.url)
    try:
        assert web.webhook_config is not None and web.webhooks is None
        assert isinstance(worker.webhooks, WebhookSender)
        assert not any(isinstance(s, ComplaintTimers) for s in web.services)
    finally:
        web.stop()
        worker.stop()


def test_unknown_role_and_a_worker_without_a_broker_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown role"):
        _build(tmp_path / "x", "leader", None)
    with pytest.raises(ValueError, match="SIAGA_MQTT_URL"):
        _build(tmp_path / "y", "worker", None)


class _Recorder:
    """Stands in for the MQTT publisher and the console push (pure wiring under test)."""

    connected = True

    def __init__(self) -> None:
        self.orders: list[Event] = []
        self.pushed: list[Event] = []

    def publish_order(self, event: Event) -> None:
        self.orders.append(event)

    def push(self, event: Event) -> None:
        self.pushed.append(event)


def test_the_handler_table_sends_orders_and_pushes(runtime: Runtime) -> None:
    assert UnitDispatched in HANDLERS and Event in HANDLERS
    rec = _Recorder()
    runtime.orders = rec
    runtime.live = rec
    dispatched = UnitDispatched(1, "AMB-01", "o-1", {"order_id": "o-1"})
    runtime.bus.publish(dispatched)
    note = IncidentUpdated(1, "note", {"text": "x"})
    runtime.bus.publish(note)
    assert rec.orders == [dispatched]
    assert rec.pushed == [dispatched, note]


def test_events_of_a_unit_of_work_go_out_after_commit_only(runtime: Runtime) -> None:
    seen: list[Event] = []
    runtime.bus.subscribe(IncidentUpdated, seen.append)
    after: list[str] = []
    with runtime.transaction() as (_s, events):
        events.append(IncidentUpdated(1, "note", {}))
        events.then(lambda: after.append("fleet"))
        assert seen == []  # not before the commit
    assert [e.incident_id for e in seen] == [1] and after == ["fleet"]  # type: ignore[attr-defined]
    with pytest.raises(RuntimeError), runtime.transaction() as (_s, events):
        events.append(IncidentUpdated(2, "note", {}))
        events.then(lambda: after.append("rolled back"))
        raise RuntimeError("boom")
    assert len(seen) == 1 and after == ["fleet"]


def _serve(args: list[str], tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    e = dict(os.environ)
    for name in ("SIAGA_MQTT_URL", "SIAGA_REDIS_URL"):
        e.pop(name, None)
    e.update({"SIAGA_DATABASE_URL": f"sqlite:///{tmp_path}/s.db", "PYTHONPATH": str(ROOT),
              **env})
    return subprocess.run([sys.executable, "-m", "siaga112", "serve", *args],
                          capture_output=True, text=True, env=e, cwd=ROOT, timeout=60)


def test_serve_web_and_worker_refuse_to_start_without_broker_and_redis(tmp_path: Path) -> None:
    out = _serve(["--role", "web", "--port", "0"], tmp_path)
    assert out.returncode == 2
    assert "SIAGA_MQTT_URL" in out.stderr and "SIAGA_REDIS_URL" in out.stderr
    out = _serve(["--role", "worker"], tmp_path, SIAGA_MQTT_URL="mqtt://127.0.0.1:1")
    assert out.returncode == 2
    assert "SIAGA_REDIS_URL" in out.stderr and "ready" not in out.stdout
