"""Simulated crews de-duplicate orders by order_id, as every unit must (pure logic)."""

from __future__ import annotations

from typing import Any

from dispatch.citypack import load_city_pack
from dispatch.clock import ManualClock
from simulators.engine import VirtualScheduler
from simulators.fleet import FleetConfig, FleetSim


class Recorder:
    """A fleet port that keeps what the crews send."""

    def __init__(self) -> None:
        self.acks: list[tuple[str, str, bool]] = []
        self.statuses: list[tuple[str, str]] = []

    def position(self, *_args: Any) -> None:
        pass

    def status(self, unit_id: str, status: str, _ts: float, _order_id: str | None) -> None:
        self.statuses.append((unit_id, status))

    def ack(self, unit_id: str, order_id: str, accepted: bool, _ts: float) -> None:
        self.acks.append((unit_id, order_id, accepted))

    def online(self, *_args: Any) -> None:
        pass


def test_a_second_copy_of_an_order_is_not_a_second_job() -> None:
    city = load_city_pack()
    sched = VirtualScheduler(ManualClock())
    port = Recorder()
    cfg = FleetConfig(ack_delay_s=(5.0, 5.0), decline_rate=0.0)
    fleet = FleetSim(sched, port, city, cfg, units=[("AMB-01", "ambulance", None)])
    order = {"order_id": "ord_1", "incident_id": 7, "category": "medical",
             "lat": -7.82, "lon": 112.01}
    fleet.on_order("AMB-01", order)
    fleet.on_order("AMB-01", order)  # QoS 1 redelivery while the crew is still reading it
    sched.run(until=200)  # past the turnout: the crew is on its way
    assert port.acks == [("AMB-01", "ord_1", True)]
    assert fleet.stats.orders == 1 and fleet.stats.duplicates_ignored == 1
    assert [s for _u, s in port.statuses].count("en_route") == 1
    # The center resends after a lost ack: the crew says its answer again, starts nothing.
    fleet.on_order("AMB-01", order)
    sched.run(until=210)
    assert port.acks == [("AMB-01", "ord_1", True)] * 2
    assert fleet.stats.orders == 1 and fleet.stats.resends_seen == 1
    assert fleet.stats.accepted == 1


def test_a_move_up_order_is_driven_and_the_crew_stays_available() -> None:
    city = load_city_pack()
    sched = VirtualScheduler(ManualClock())
    port = Recorder()
    cfg = FleetConfig(ack_delay_s=(5.0, 5.0), decline_rate=0.0)
    fleet = FleetSim(sched, port, city, cfg, units=[("AMB-01", "ambulance", None)])
    site = (-7.843, 112.045)
    fleet.on_order("AMB-01", {"order_id": "mvu_1", "kind": "move_up", "incident_id": None,
                              "category": None, "priority": None, "lat": site[0],
                              "lon": site[1]})
    sched.run(until=3600)
    assert port.acks == [("AMB-01", "mvu_1", True)]
    assert port.statuses == []  # no en_route / on_scene: it is not a job
    assert fleet.stats.move_ups == 1
    assert fleet.units["AMB-01"].pos == site
    assert fleet.units["AMB-01"].status == "available"
