"""Composition root: one object that wires settings, clock, database, bus, city and fleet."""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from geo.districts import DistrictIndex
from geo.neighbours import NeighbourIndex
from geo.routing import Router
from geo.service_area import ServiceArea

from .bus import MessageBus
from .citypack import CityPack, load_city_pack
from .clock import Clock, SystemClock
from .config import Settings
from .db.engine import make_engine, make_session_factory, migrate
from .domain.calls import CallRules
from .domain.fixes import FixRules
from .domain.recommend import DispatchPolicy, NearestEtaPolicy, Slot
from .fleet import Fleet
from .leadership import Leadership, leadership_for
from .routing import build_router

log = logging.getLogger(__name__)


class Service(Protocol):
    """A background part of the runtime (MQTT gateway, writers, timers)."""

    def start(self) -> None:
        """Begin work."""
        ...

    def stop(self) -> None:
        """Finish work and release resources."""
        ...


@dataclass
class Counters:
    """Thread-safe named counters (dropped MQTT messages by reason, etc.)."""

    values: dict[str, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def incr(self, name: str, amount: int = 1) -> None:
        """Add to a counter."""
        with self._lock:
            self.values[name] = self.values.get(name, 0) + amount

    def snapshot(self) -> dict[str, int]:
        """A copy of every counter."""
        with self._lock:
            return dict(self.values)


class Runtime:
    """Everything a service function needs, created once per process (or per test)."""

    def __init__(
        self,
        settings: Settings,
        clock: Clock | None = None,
        city: CityPack | None = None,
        engine: Engine | None = None,
        router: Router | None = None,
        policy: DispatchPolicy | None = None,
        run_migrations: bool = True,
    ) -> None:
        self.settings = settings
        self.clock: Clock = clock or SystemClock()
        self.city = city or load_city_pack(settings.city)
        self.engine = engine or make_engine(settings.database_url)
        if run_migrations:
            migrate(self.engine)
        self.session_factory: sessionmaker[Session] = make_session_factory(self.engine)
        self.bus = MessageBus()
        self.counters = Counters()
        self.districts = DistrictIndex.from_geojson(self.city.districts_geojson)
        self.call_rules = CallRules.from_settings(self.city.settings)
        self.neighbours = NeighbourIndex.from_geojson(self.city.neighbours_geojson,
                                                      self.call_rules.fallback)
        self.router: Router = router or build_router(settings, self.city)
        self.policy: DispatchPolicy = policy or NearestEtaPolicy(self.router)
        rules = FixRules.from_settings(self.city.settings)
        area = ServiceArea((self.districts.geometry(n) for n in self.districts.kecamatan_names()),
                           rules.service_area_margin_m)
        self.fleet = Fleet(rules=rules, service_area=area)
        # Once-only jobs (ack timeouts, deadlines, webhooks, retention) run in the leader only.
        self.leadership: Leadership = leadership_for(self.engine)
        self.services: list[Service] = [self.leadership]  # started first, stopped last
        self.extensions: dict[str, Any] = {}
        # Guards multi-step fleet changes (check available, then assign) across threads.
        self.dispatch_lock = threading.RLock()
        from .services.units import load_fleet

        load_fleet(self)

    @property
    def mqtt_prefix(self) -> str:
        """Topic prefix for unit topics."""
        return self.settings.mqtt_prefix

    def plan_for(self, category: str) -> list[Slot]:
        """The city's response plan for a category (empty for non-emergencies)."""
        return [Slot(s.unit_type, s.count) for s in self.city.response_plans.get(category, ())]

    @contextlib.contextmanager
    def session(self) -> Iterator[Session]:
        """A session in a transaction: committed on success, rolled back on error."""
        with self.session_factory() as session, session.begin():
            yield session

    def start(self) -> None:
        """Start every background service."""
        for svc in self.services:
            svc.start()

    def stop(self) -> None:
        """Stop background services in reverse order, then release the database."""
        for svc in reversed(self.services):
            try:
                svc.stop()
            except Exception:
                log.exception("stopping %r failed", svc)
        self.engine.dispose()
