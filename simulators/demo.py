"""`siaga112 demo`: a living city — the fleet as MQTT clients and a gentle stream of calls.

Started by the CLI after the server is up (never by ``serve``; the demo has its own
database, var/demo.db). Calls arrive about one every two minutes (many of them silent
or prank calls, as in real life) and are NOT marked as exercise, so the console and
dashboard fill. A person on the console dispatches; an incident nobody has touched for
``SIAGA_DEMO_AUTODISPATCH_S`` seconds (default 120; 0 = never) is handled by a simulated
dispatcher so the city keeps moving. Jobs whose units have all cleared are closed.

Environment: ``SIAGA_DEMO_CALLS_PER_HOUR`` (default 30), ``SIAGA_DEMO_AUTODISPATCH_S``.
"""

from __future__ import annotations

import logging
import os
import random
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .center import OperatorConfig, OperatorPolicy, ServiceCenter
from .engine import RealtimeScheduler
from .fleet import FleetConfig, FleetSim, MqttFleetPort, ServiceFleetPort, attach_bus_orders
from .generator import IncidentGenerator, StreamConfig

if TYPE_CHECKING:
    from dispatch.runtime import Runtime

log = logging.getLogger(__name__)

DEMO_OPERATOR = "demo-dispatcher"
DAY = 86400.0


def _env_float(name: str, default: float) -> float:
    try:
        return float(os.environ.get(name, default))
    except ValueError:
        log.warning("%s is not a number; using %s", name, default)
        return default


@dataclass
class DemoConfig:
    """Knobs of the demo city."""

    calls_per_hour: float = 30.0
    unattended_after_s: float | None = 120.0  # None: the simulated dispatcher never acts
    speed: float = 1.0
    seed: int = field(default_factory=lambda: random.SystemRandom().randrange(1_000_000))
    fleet: FleetConfig = field(default_factory=FleetConfig)

    @classmethod
    def from_env(cls) -> DemoConfig:
        """Read SIAGA_DEMO_CALLS_PER_HOUR and SIAGA_DEMO_AUTODISPATCH_S."""
        after = _env_float("SIAGA_DEMO_AUTODISPATCH_S", 120.0)
        return cls(calls_per_hour=max(_env_float("SIAGA_DEMO_CALLS_PER_HOUR", 30.0), 0.0),
                   unattended_after_s=after if after > 0 else None)


class DemoSimulation:
    """A background service (start/stop) that keeps the demo city alive."""

    def __init__(self, rt: Runtime, config: DemoConfig | None = None) -> None:
        self.rt = rt
        self.cfg = config or DemoConfig()
        self.sched = RealtimeScheduler(self.cfg.speed)
        self.center = ServiceCenter(rt)
        self.policy = OperatorPolicy(
            self.sched, self.center, rt.city,
            OperatorConfig(names=[DEMO_OPERATOR], auto_dispatch=False, auto_close=True,
                           unattended_after_s=self.cfg.unattended_after_s,
                           classify_delay_s=(5.0, 20.0), dispatch_delay_s=(5.0, 20.0)),
            exercise=False, seed=self.cfg.seed,
        )
        self.generator = IncidentGenerator(
            rt.districts, [StreamConfig(rate_per_hour=self.cfg.calls_per_hour)],
            seed=self.cfg.seed, timezone=rt.city.timezone)
        self.port: Any = None
        self.fleet: FleetSim | None = None
        self._detach: Any = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Connect the fleet, schedule the first day of calls, run in a daemon thread."""
        # The city pack's units are the demo's real fleet (its calls are real incidents);
        # simulated units belong to exercises (`simulate scenario --api`) and are left alone.
        units = [(u.id, u.type, u.station) for u in self.rt.fleet.all() if not u.simulated]
        url = self.rt.mqtt_url
        if url:
            port = MqttFleetPort(url, [u[0] for u in units], prefix=self.rt.settings.mqtt_prefix,
                                 client_prefix="demo")
            self.port = port
        else:
            # No broker attached: drive the same service functions the gateway would call.
            self.port = ServiceFleetPort(self.rt)
        self.fleet = FleetSim(self.sched, self.port, self.rt.city, self.cfg.fleet,
                              router=self.rt.router, units=units,
                              on_incident_cleared=self.policy.on_cleared)
        if isinstance(self.port, MqttFleetPort):
            self.port.on_order = self.fleet.on_order
            self.port.connect()
        else:
            self._detach = attach_bus_orders(self.rt, self.fleet)
        self.fleet.start(None)
        self._schedule_day(0)
        self._thread = threading.Thread(target=self.sched.run, name="demo-simulation",
                                        daemon=True)
        self._thread.start()
        log.info("demo simulation: %d units, about %.0f calls an hour", len(units),
                 self.cfg.calls_per_hour)

    def _schedule_day(self, day: int) -> None:
        start = self.sched.start
        from datetime import timedelta

        for call in self.generator.calls(start + timedelta(seconds=day * DAY), DAY):
            self.sched.at(day * DAY + call.t, self.policy.on_call, call)
        self.sched.at((day + 1) * DAY - 1.0, self._schedule_day, day + 1)

    def stop(self) -> None:
        """Stop the thread and take the units off the broker."""
        self.sched.stop()
        if self._thread is not None:
            self._thread.join(5)
        if isinstance(self.port, MqttFleetPort):
            self.port.close()
        if self._detach is not None:
            self._detach()


def start(rt: Runtime, app: Any = None, config: DemoConfig | None = None) -> DemoSimulation:
    """Called by `siaga112 demo` once the server is up; stops with rt.stop()."""
    sim = DemoSimulation(rt, config or DemoConfig.from_env())
    sim.start()
    rt.services.append(sim)
    return sim
