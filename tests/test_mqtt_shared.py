"""Several workers share the ingest through MQTT shared subscriptions: each fix once."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from dispatch.bootstrap import bootstrap
from dispatch.config import Settings
from dispatch.runtime import Runtime
from tests.support.brokers import Mosquitto
from units.gateway import MqttGateway, default_shared_group
from units.setup import field_parts
from units.unitclient import UnitClient

FIXES = 40


def _workers(tmp_path: Path, url: str, prefix: str, role: str, group: str | None,
             n: int = 2) -> list[Runtime]:
    made = []
    for _ in range(n):
        settings = Settings(database_url=f"sqlite:///{tmp_path}/w.db", secret_key="t",
                            mqtt_url=url, mqtt_prefix=prefix, role=role,
                            mqtt_shared_group=group)
        rt = bootstrap(settings, field=field_parts(embedded=False))
        rt.start()
        assert rt.orders is not None and rt.orders.wait_subscribed(10)  # type: ignore[attr-defined]
        made.append(rt)
    return made


def _received(rts: list[Runtime]) -> list[int]:
    return [rt.counters.snapshot().get("mqtt_received.position", 0) for rt in rts]


def _publish_fixes(url: str, prefix: str) -> None:
    unit = UnitClient(url, "AMB-01", prefix=prefix, persistent=False).connect()
    try:
        t0 = time.time()
        for i in range(FIXES):
            unit.position(-7.8166 + i * 1e-5, 112.0114, ts=t0 + i, wait=True)
    finally:
        unit.disconnect()


def _settle(rts: list[Runtime], expected_total: int) -> list[int]:
    deadline = time.monotonic() + 10
    while sum(_received(rts)) < expected_total and time.monotonic() < deadline:
        time.sleep(0.02)
    for rt in rts:
        assert rt.orders is not None and rt.orders.drain(5)  # type: ignore[attr-defined]
    return _received(rts)


@pytest.fixture
def prefix() -> str:
    return "sh" + uuid.uuid4().hex[:8]


@pytest.fixture
def stop_all() -> Iterator[list[Runtime]]:
    made: list[Runtime] = []
    yield made
    for rt in made:
        rt.stop()


def test_two_workers_in_a_group_handle_each_fix_once(tmp_path: Path, mosquitto: Mosquitto,
                                                     prefix: str,
                                                     stop_all: list[Runtime]) -> None:
    rts = _workers(tmp_path, mosquitto.url, prefix, "worker", None)
    stop_all.extend(rts)
    assert all(rt.orders.shared_group == "siaga112" for rt in rts)  # type: ignore[attr-defined]
    _publish_fixes(mosquitto.url, prefix)
    counts = _settle(rts, FIXES)
    time.sleep(0.3)  # a duplicate would arrive now; none may
    assert sum(_received(rts)) == FIXES, counts


def test_without_a_group_every_process_gets_every_fix(tmp_path: Path, mosquitto: Mosquitto,
                                                      prefix: str,
                                                      stop_all: list[Runtime]) -> None:
    rts = _workers(tmp_path, mosquitto.url, prefix, "worker", "none")
    stop_all.extend(rts)
    assert all(rt.orders.shared_group is None for rt in rts)  # type: ignore[attr-defined]
    _publish_fixes(mosquitto.url, prefix)
    assert _settle(rts, 2 * FIXES) == [FIXES, FIXES]


def test_the_group_defaults_by_role_and_is_checked(tmp_path: Path) -> None:
    def rt_for(role: str, group: str | None) -> Runtime:
        return bootstrap(Settings(database_url=f"sqlite:///{tmp_path}/g.db", role=role,
                                  mqtt_shared_group=group))

    for role, group, expected in (("all", None, None), ("worker", None, "siaga112"),
                                  ("worker", "pusat-2", "pusat-2"), ("all", "pusat", "pusat"),
                                  ("worker", "None", None)):
        rt = rt_for(role, group)
        try:
            assert default_shared_group(rt) == expected, (role, group)
        finally:
            rt.stop()
    rt = rt_for("worker", "a/b")
    try:
        with pytest.raises(ValueError, match="SIAGA_MQTT_SHARED_GROUP"):
            MqttGateway(rt, "mqtt://127.0.0.1:1883")
    finally:
        rt.stop()
