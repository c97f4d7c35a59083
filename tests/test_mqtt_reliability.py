"""Reliability with the broker `siaga112 mqtt-config` generates, run by the real Mosquitto:
a unit's credential cannot take over another client's session, a queued order survives a
broker restart (SIGTERM and kill -9) and reaches its unit exactly once after de-duplication,
and the center is back within its back-off cap after an outage."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from dispatch.bootstrap import bootstrap
from dispatch.citypack import load_city_pack
from dispatch.clock import ManualClock
from dispatch.config import Settings
from dispatch.runtime import Runtime
from dispatch.services import field, incidents
from dispatch.services.actors import Actor
from tests.support.secured_broker import SecuredBroker, eventually, secured_broker
from units.gateway import MqttGateway
from units.setup import attach
from units.unitclient import UnitClient

pytestmark = [pytest.mark.mqtt, pytest.mark.reliability]

OPERATOR = Actor("operator", "op", None, "operator")
STATION = {"lat": -7.8167, "lon": 112.0136}
UNITS = [u.id for u in load_city_pack().fleet]


@dataclass
class Center:
    """A center process (runtime + gateway) on one generated center credential."""

    rt: Runtime
    gw: MqttGateway
    clock: ManualClock


@pytest.fixture
def sb() -> Iterator[SecuredBroker]:
    with secured_broker(UNITS) as broker:
        yield broker


@pytest.fixture
def center(sb: SecuredBroker, tmp_path: Path) -> Iterator[Center]:
    clock = ManualClock()
    rt = bootstrap(Settings(database_url=f"sqlite:///{tmp_path}/r.db",
                          mqtt_url=sb.url("siaga112-center-1")), clock=clock)
    attach(rt, embedded=False)
    rt.services.remove(rt.order_timeouts)  # the test moves time itself
    rt.start()
    gw = rt.orders
    assert gw.wait_connected(10) and gw.wait_subscribed(10)
    yield Center(rt, gw, clock)
    rt.stop()


def crew(sb: SecuredBroker, unit_id: str, **kw: object) -> UnitClient:
    """A unit's tablet with its generated credential and a persistent session."""
    return UnitClient(sb.broker.url, unit_id, username=unit_id, password=sb.password(unit_id),
                      lwt=False, **kw)  # type: ignore[arg-type]


def incident(c: Center, unit_type: str = "fire_engine") -> tuple[int, str]:
    """Create an incident: (its id, its first recommended unit of a type)."""
    inc = incidents.create_incident(
        c.rt, {"description": "Kebakaran rumah, api besar, ada korban", **STATION}, OPERATOR)
    unit_id = next(r["unit_id"] for r in inc["recommendations"] if r["unit_type"] == unit_type)
    return int(inc["id"]), str(unit_id)


def dispatch(c: Center, inc_id: int, unit_id: str) -> str:
    """Dispatch the unit; returns the order id."""
    out = incidents.dispatch_units(c.rt, inc_id, {"unit_ids": [unit_id]}, OPERATOR)
    return str(out["orders"][0]["order_id"])


def sent_and_taken(c: Center, n: int) -> None:
    """Wait until the broker has PUBACKed `n` orders: from then on it holds them."""
    eventually(lambda: c.rt.counters.snapshot().get("mqtt_puback.orders", 0) >= n,
               what=f"{n} order(s) taken by the broker")


def test_unit_credential_with_the_centers_client_id_does_not_kick_the_center(
        sb: SecuredBroker, center: Center) -> None:
    """Finding 1: a unit connecting as `siaga112-center-…` disconnected the center."""
    attacker = crew(sb, "AMB-02", client_id=center.gw.client_id, persistent=False)
    victim_fixes = crew(sb, "AMB-01").connect(announce=False)
    try:
        for i in range(5):
            attacker.connect(announce=False)
            # The broker renamed it after its user name: it is AMB-02, not the center.
            attacker.position(-7.80, 112.0)
            attacker.disconnect()
            victim_fixes.position(-7.81 - i * 1e-4, 112.01, ts=center.clock.time())
        # Fixes are handled in order: the last one arriving means none was lost on the way.
        eventually(lambda: center.rt.fleet.get("AMB-01").lat == -7.81 - 4e-4,  # type: ignore[union-attr]
                   what="the last fix at the center")
        assert center.rt.counters.snapshot().get("mqtt_disconnects", 0) == 0
        assert center.gw.connected
        assert center.rt.counters.snapshot()["mqtt_connects"] == 1
    finally:
        victim_fixes.disconnect()


def test_unit_credential_with_another_units_id_leaves_its_session_and_order(
        sb: SecuredBroker, center: Center) -> None:
    """Finding 1: a unit connecting with another unit's id kicked it off and destroyed its
    queued order (a clean-session takeover wipes the victim's session)."""
    inc_id, unit_id = incident(center)
    victim = crew(sb, unit_id).connect(announce=False)  # online, subscribed, persistent
    order_id = dispatch(center, inc_id, unit_id)
    other = next(u for u in UNITS if u != unit_id)
    attacker = crew(sb, other, client_id=unit_id, persistent=False)
    attacker.subscribe_orders = False
    try:
        assert [o["order_id"] for o in victim.wait_orders(1)] == [order_id]
        attacker.connect(announce=False)
        attacker.disconnect()
        victim.position(-7.81, 112.01, ts=center.clock.time())  # a round trip after the attack
        assert victim.disconnects == 0 and victim.client.is_connected()
        # The victim goes offline; an order is queued for it; the attacker tries again.
        victim.disconnect()
        center.clock.advance(31)
        assert field.check_order_timeouts(center.rt) == 1  # the unacked order is resent
        sent_and_taken(center, 2)
        attacker.connect(announce=False)
        attacker.disconnect()
        # The victim's session is intact: it gets the queued copy without subscribing again.
        back = crew(sb, unit_id)
        back.subscribe_orders = False
        back.connect(announce=False)
        try:
            assert [o["order_id"] for o in back.wait_copies(1)] == [order_id]
            assert [o["order_id"] for o in back.orders] == [order_id]
        finally:
            back.disconnect()
    finally:
        if victim.client.is_connected():
            victim.disconnect()


@pytest.mark.parametrize("how", ["sigterm", "kill-9"])
def test_queued_order_survives_broker_restart_and_arrives_once(
        sb: SecuredBroker, center: Center, how: str) -> None:
    inc_id, unit_id = incident(center)
    # The crew's tablet got the order, then lost its network before acknowledging it.
    tablet = crew(sb, unit_id).connect(announce=False)
    copies_seen: list[str] = []
    tablet.on_duplicate = lambda order: copies_seen.append(str(order["order_id"]))
    order_id = dispatch(center, inc_id, unit_id)
    assert [o["order_id"] for o in tablet.wait_orders(1)] == [order_id]
    tablet.disconnect()
    # No ack: the center resends; the broker queues the copy in the tablet's session.
    center.clock.advance(31)
    assert field.check_order_timeouts(center.rt) == 1
    sent_and_taken(center, 2)
    if how == "kill-9":
        # kill -9 keeps only what autosave wrote. A save that ends after one we saw end
        # after the PUBACK began after it: wait for that one, then kill without a last save.
        first = eventually(lambda: sb.db_mtime_ns() or None, what="a save")
        eventually(lambda: sb.saved_after(first), what="a save begun after the order")
        sb.broker.restart(kill=True)
    else:
        sb.broker.restart()
    eventually(lambda: center.gw.connected, timeout=15, what="the center back on the broker")

    # The tablet comes back on its persistent session and does not subscribe again.
    tablet.subscribe_orders = False
    tablet.connect(announce=False)
    try:
        # The resend's copy was kept through the restart ...
        assert [o["order_id"] for o in tablet.wait_copies(2, timeout=10)] == [order_id] * 2
        assert copies_seen == [order_id]
        # ... and after de-duplication the crew has the order exactly once. It acks (again).
        assert [o["order_id"] for o in tablet.orders] == [order_id]
        tablet.ack(order_id, ts=center.clock.time())
        eventually(lambda: incidents.get_incident(center.rt, inc_id)["orders"][0]["state"]
                   == "acknowledged", what="the ack after the restart")
        assert [o["order_id"] for o in tablet.orders] == [order_id]
    finally:
        tablet.disconnect()


def test_unit_client_handles_a_resend_once(sb: SecuredBroker, center: Center) -> None:
    """Units de-duplicate by order_id: a resend's copy is not a second job."""
    inc_id, unit_id = incident(center)
    tablet = crew(sb, unit_id).connect(announce=False)
    order_id = dispatch(center, inc_id, unit_id)
    started: list[str] = []
    again: list[str] = []
    tablet.on_order = lambda o: started.append(str(o["order_id"]))
    tablet.on_duplicate = lambda o: again.append(str(o["order_id"]))
    try:
        tablet.wait_orders(1)
        center.clock.advance(31)
        assert field.check_order_timeouts(center.rt) == 1
        assert [o["order_id"] for o in tablet.wait_copies(2)] == [order_id, order_id]
        assert [o["order_id"] for o in tablet.orders] == [order_id]
        assert started == [order_id] and again == [order_id]
    finally:
        tablet.disconnect()


def test_center_reconnects_within_its_cap_after_an_outage(
        sb: SecuredBroker, center: Center) -> None:
    """Finding 9: after a 40 s outage the center stayed away 20.7 s (30 s back-off cap)."""
    cap = center.gw.backoff.cap
    assert cap <= 5
    failed = center.rt.counters.snapshot().get("mqtt_connect_failed", 0)
    sb.broker.stop()
    eventually(lambda: not center.gw.connected, what="the center noticing the outage")
    # Enough failed attempts that a doubling up to 30 s would now wait 16 s (1, 2, 4, 8, 16).
    eventually(lambda: center.rt.counters.snapshot().get("mqtt_connect_failed", 0)
               >= failed + 4, timeout=60, what="four failed attempts")
    sb.broker.start()
    # Back within one capped delay (plus a connect); a 30 s cap would still be sleeping.
    eventually(lambda: center.gw.connected, timeout=cap + 3, what="the center back")
    assert center.gw.wait_subscribed(5)
    tablet = crew(sb, "AMB-03").connect(announce=False)
    try:
        tablet.position(-7.8060, 112.0160, ts=center.clock.time())
        eventually(lambda: center.rt.fleet.get("AMB-03").lat == -7.8060,  # type: ignore[union-attr]
                   what="a fix after the outage")
    finally:
        tablet.disconnect()
