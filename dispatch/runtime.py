"""The runtime: settings, clock, database, bus, city and fleet, and typed slots for the
background parts that `dispatch.bootstrap` (the composition root) builds around it."""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

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
from .domain.events import Event
from .domain.fixes import FixRules
from .domain.recommend import DispatchPolicy, NearestEtaPolicy, Slot
from .domain.workdays import WorkCalendar
from .field_state import FieldState
from .fleet import Fleet
from .leadership import Leadership, leadership_for
from .ports import Broker, LivePush, OrderPublisher, PhotoStore, Service, TrackSink, Waker
from .routing import build_router

log = logging.getLogger(__name__)


Role = Literal["all", "web", "worker"]
ROLES: tuple[Role, ...] = ("all", "web", "worker")

__all__ = ["ROLES", "Counters", "EventLog", "Role", "Runtime", "Service"]


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


class EventLog(list[Event]):
    """The events of one unit of work: published on the bus only after it commits."""

    def __init__(self) -> None:
        super().__init__()
        self.after: list[Callable[[], None]] = []

    def then(self, fn: Callable[[], None]) -> None:
        """Run `fn` after commit, before the events go out (in-memory fleet changes)."""
        self.after.append(fn)


class Runtime:
    """Everything a service function needs, created once per process (or per test).

    Build it with `dispatch.bootstrap.bootstrap()`, which also loads the fleet and attaches
    the background parts this process's role runs; the slots below stay None where the
    role has no such part (a web process has no track sink, a worker no live push).
    """

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
        # Guards multi-step fleet changes (check available, then assign) across threads.
        self.dispatch_lock = threading.RLock()
        self.role: Role = settings.role if settings.role in ROLES else "all"  # type: ignore[assignment]
        # The background parts, set by the composition root (dispatch.bootstrap).
        self.broker: Broker | None = None  # a broker this process runs (demo)
        self.mqtt_url: str | None = None
        self.orders: OrderPublisher | None = None
        self.tracks: TrackSink | None = None
        self.order_timeouts: Service | None = None
        self.live: LivePush | None = None
        self.webhooks: Waker | None = None
        # A services.webhooks.WebhookConfig, or None (off); typed loosely so the runtime
        # imports no service module (the services import the runtime).
        self.webhook_config: Any = None
        self.photos = PhotoStore(Path(settings.upload_dir or "var/uploads"))
        self.field_state = FieldState()
        self.token_cache: dict[str, tuple[float, Any]] = {}

    @cached_property
    def calendar(self) -> WorkCalendar:
        """The city's working-day calendar (its holidays, its time zone)."""
        # National holidays from the `holidays` package (any year); the pack's `holidays`
        # add to them, its `not_holidays` strike some, `holidays_country` picks the country
        # (null: the pack's list only).
        from datetime import date

        pack = self.city.settings
        return WorkCalendar(self.city.holidays, self.city.timezone,
                            country=pack.get("holidays_country", "ID"),
                            not_holidays=[date.fromisoformat(str(d))
                                          for d in pack.get("not_holidays") or ()])

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

    @contextlib.contextmanager
    def transaction(self) -> Iterator[tuple[Session, EventLog]]:
        """One unit of work: `with rt.transaction() as (session, events)`.

        The events are published only after the commit (nothing is told of a change that
        was rolled back); `events.then` callbacks run between the two.
        """
        log_ = EventLog()
        with self.session_factory() as session, session.begin():
            yield session, log_
        for fn in log_.after:
            fn()
        self.bus.publish_all(list(log_))

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
