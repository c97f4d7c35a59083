"""Fleet simulator: units that report positions, take orders, drive, and report their status.

The behaviour (``FleetSim``) is the same in both drivers; only the port differs:
``ServiceFleetPort`` calls the service functions the MQTT gateway calls
(``dispatch.services.field``), ``MqttFleetPort`` is one paho-mqtt client per unit
on our topics (or OwnTracks for positions).
"""

from __future__ import annotations

import json
import logging
import math
import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlparse

from geo.distance import haversine_m
from geo.routing import Router, StraightLineRouter

from .engine import Scheduler
from .generator import parse_duration

if TYPE_CHECKING:
    from dispatch.citypack import CityPack
    from dispatch.runtime import Runtime

log = logging.getLogger(__name__)

Range = tuple[float, float]

DEFAULT_ON_SCENE_S: dict[str, Range] = {
    "fire": (1800, 4800), "traffic_accident": (600, 1500), "disaster": (1800, 5400),
    "animal_disturbance": (900, 2400), "unrest": (900, 2700), "medical": (480, 1200),
    "non_emergency": (300, 900),
}
# Share of jobs where an ambulance takes a patient to hospital.
DEFAULT_TRANSPORT: dict[str, float] = {
    "medical": 0.75, "traffic_accident": 0.6, "fire": 0.25, "disaster": 0.35, "unrest": 0.2,
}


def _range(raw: Any, what: str) -> Range:
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        return (float(raw), float(raw))
    if isinstance(raw, list | tuple) and len(raw) == 2:
        lo, hi = parse_duration(raw[0]), parse_duration(raw[1])
        if lo < 0 or hi < lo:
            raise ValueError(f"{what}: need 0 <= low <= high")
        return (lo, hi)
    if isinstance(raw, str):
        v = parse_duration(raw)
        return (v, v)
    raise ValueError(f"{what}: a number or [low, high] is needed")


@dataclass
class Faults:
    """Fault injection: how often (per unit per day) and for how long."""

    gps_loss_per_day: float = 0.0
    gps_loss_s: Range = (120.0, 600.0)
    network_drop_per_day: float = 0.0
    network_drop_s: Range = (30.0, 300.0)
    out_of_service_per_day: float = 0.0
    out_of_service_s: Range = (1800.0, 7200.0)


@dataclass
class FleetConfig:
    """How the simulated crews behave (every duration in simulated seconds)."""

    report_interval_s: float = 5.0  # positions while moving
    idle_report_interval_s: float = 15.0  # positions while parked (must beat the stale limit)
    ack_delay_s: Range = (2.0, 15.0)
    decline_rate: float = 0.02
    turnout_s: dict[str, Range] = field(default_factory=lambda: {
        "fire_engine": (50, 110), "ambulance": (40, 90), "police": (20, 60), "rescue": (60, 130)})
    on_scene_s: dict[str, Range] = field(default_factory=lambda: dict(DEFAULT_ON_SCENE_S))
    transport_rate: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_TRANSPORT))
    at_hospital_s: Range = (600.0, 1500.0)
    faults: Faults = field(default_factory=Faults)
    stations_down: tuple[str, ...] = ()
    units_down: tuple[str, ...] = ()
    owntracks: bool = False
    seed: int = 7

    @classmethod
    def from_mapping(cls, raw: Mapping[str, Any] | None) -> FleetConfig:
        """Build from a scenario's ``fleet:`` block (unknown keys are errors)."""
        cfg = cls()
        raw = dict(raw or {})
        faults = raw.pop("faults", None) or {}
        for key, value in raw.items():
            if key in ("report_interval_s", "idle_report_interval_s"):
                setattr(cfg, key, max(parse_duration(value), 0.5))
            elif key == "decline_rate":
                cfg.decline_rate = min(max(float(value), 0.0), 1.0)
            elif key in ("ack_delay_s", "at_hospital_s"):
                setattr(cfg, key, _range(value, key))
            elif key in ("turnout_s", "on_scene_s"):
                getattr(cfg, key).update({str(k): _range(v, f"{key}.{k}") for k, v in value.items()})
            elif key == "transport_rate":
                cfg.transport_rate.update({str(k): float(v) for k, v in value.items()})
            elif key in ("stations_down", "units_down"):
                setattr(cfg, key, tuple(str(x) for x in value))
            elif key == "owntracks":
                cfg.owntracks = bool(value)
            elif key == "seed":
                cfg.seed = int(value)
            else:
                raise ValueError(f"fleet: unknown key {key!r}")
        for key, value in dict(faults).items():
            if key.endswith("_per_day"):
                setattr(cfg.faults, key, max(float(value), 0.0))
            elif key in ("gps_loss_s", "network_drop_s", "out_of_service_s"):
                setattr(cfg.faults, key, _range(value, f"faults.{key}"))
            else:
                raise ValueError(f"fleet.faults: unknown key {key!r}")
        return cfg


class FleetPort(Protocol):
    """Where the simulated units' messages go."""

    def position(self, unit_id: str, lat: float, lon: float, ts: float, speed_kmh: float,
                 heading: float | None) -> None:
        """A GPS fix."""
        ...

    def status(self, unit_id: str, status: str, ts: float, order_id: str | None) -> None:
        """A status report."""
        ...

    def ack(self, unit_id: str, order_id: str, accepted: bool, ts: float) -> None:
        """Accept or decline an order."""
        ...

    def online(self, unit_id: str, online: bool) -> None:
        """Connection up or down (what the LWT tells the center)."""
        ...


@dataclass
class Leg:
    """A straight-line drive between two points over a time span."""

    origin: tuple[float, float]
    dest: tuple[float, float]
    t0: float
    t1: float

    def at(self, t: float) -> tuple[float, float]:
        """Position at simulated second t."""
        if self.t1 <= self.t0 or t >= self.t1:
            return self.dest
        f = max(0.0, (t - self.t0) / (self.t1 - self.t0))
        return (self.origin[0] + (self.dest[0] - self.origin[0]) * f,
                self.origin[1] + (self.dest[1] - self.origin[1]) * f)

    @property
    def heading(self) -> float:
        """Compass heading, degrees."""
        dy = self.dest[0] - self.origin[0]
        dx = (self.dest[1] - self.origin[1]) * math.cos(math.radians(self.origin[0]))
        return (math.degrees(math.atan2(dx, dy)) + 360.0) % 360.0

    @property
    def speed_kmh(self) -> float:
        """Average speed over the straight line."""
        d = haversine_m(*self.origin, *self.dest)
        return d / max(self.t1 - self.t0, 1e-6) * 3.6


@dataclass
class SimUnit:
    """One simulated unit and what it is doing."""

    id: str
    type: str
    station: str | None
    home: tuple[float, float]
    pos: tuple[float, float]
    status: str = "available"
    leg: Leg | None = None
    job: int = 0  # bumped on every new job so stale callbacks know to do nothing
    report_chain: int = 0
    order_id: str | None = None
    incident_id: int | None = None
    category: str | None = None
    dest: tuple[float, float] | None = None
    connected: bool = True
    gps_ok: bool = True
    outbox: list[tuple[str, tuple[Any, ...]]] = field(default_factory=list)
    inbox: list[dict[str, Any]] = field(default_factory=list)
    seen_orders: dict[str, bool] = field(default_factory=dict)  # order id -> accepted
    pending_orders: set[str] = field(default_factory=set)  # received, not yet decided
    down: bool = False  # out of service by fault or scenario


@dataclass
class FleetStats:
    """What the fleet did."""

    orders: int = 0
    accepted: int = 0
    declined: int = 0
    busy_declined: int = 0
    resends_seen: int = 0
    duplicates_ignored: int = 0  # copies that came while the first was still being decided
    move_ups: int = 0  # move-up orders driven (the unit stays available meanwhile)
    jobs_done: int = 0
    positions: int = 0
    statuses: int = 0
    port_errors: int = 0
    faults: dict[str, int] = field(default_factory=dict)


class FleetSim:
    """Simulated crews driving the city's fleet, event by event on a scheduler."""

    def __init__(
        self,
        sched: Scheduler,
        port: FleetPort,
        city: CityPack,
        config: FleetConfig | None = None,
        router: Router | None = None,
        units: list[tuple[str, str, str | None]] | None = None,
        on_incident_cleared: Callable[[int], None] | None = None,
    ) -> None:
        self.sched = sched
        self.port = port
        self.city = city
        self.cfg = config or FleetConfig()
        self.rng = random.Random(self.cfg.seed)
        eta = dict(city.settings.get("eta") or {})
        self.router: Router = router or StraightLineRouter(
            speeds_kmh=eta.get("speeds_kmh"), circuity=float(eta.get("circuity", 1.35)))
        self.on_incident_cleared = on_incident_cleared
        self.stats = FleetStats()
        self.units: dict[str, SimUnit] = {}
        self.jobs: dict[int, set[str]] = {}
        self._lock = threading.RLock()
        for uid, utype, station in units or [(u.id, u.type, u.station) for u in city.fleet]:
            st = city.station(station) if station else None
            home = (st.lat, st.lon) if st else city.center
            self.units[uid] = SimUnit(uid, utype, station, home, home)
        self.hospitals = [(h.lat, h.lon) for h in city.hospitals()] or [city.center]

    # -- life cycle ------------------------------------------------------------------------
    def start(self, duration_s: float | None = None) -> None:
        """Bring every unit online, take down what the scenario says, start reporting."""
        for i, u in enumerate(self.units.values()):
            self.port.online(u.id, True)
            if u.station in self.cfg.stations_down or u.id in self.cfg.units_down:
                u.down = True
                self._status(u, "out_of_service")
            # Spread the first reports so the units do not all speak at once.
            offset = (i * 0.37) % max(self.cfg.idle_report_interval_s, 1.0)
            self._schedule_report(u, offset)
            if duration_s:
                self._schedule_faults(u, duration_s)

    def busy_units(self) -> list[str]:
        """Units with a job (or still driving home)."""
        return [u.id for u in self.units.values() if u.status not in ("available",
                                                                         "out_of_service")]

    def idle(self) -> bool:
        """True when no unit has a job and none is driving."""
        return not self.busy_units()

    # -- sending, with a network that can drop ------------------------------------------------
    def _send(self, u: SimUnit, kind: str, *args: Any) -> None:
        if not u.connected:
            if kind != "position":  # QoS 1 messages wait in the client's queue; fixes are lost
                u.outbox.append((kind, args))
            return
        try:
            getattr(self.port, kind)(u.id, *args)
        except Exception as err:
            # The center refused a message (e.g. a transition it does not allow): a unit
            # in the field would see its display not change; count it and carry on.
            self.stats.port_errors += 1
            log.debug("port %s for %s refused: %s", kind, u.id, err)

    def _status(self, u: SimUnit, status: str) -> None:
        u.status = status
        self.stats.statuses += 1
        self._send(u, "status", status, self.sched.ts(), u.order_id)

    def _report(self, u: SimUnit, chain: int) -> None:
        if chain != u.report_chain:
            return
        now = self.sched.now_s()
        moving = u.leg is not None and now < u.leg.t1
        if u.leg is not None:
            u.pos = u.leg.at(now)
        if u.gps_ok:
            self.stats.positions += 1
            speed = u.leg.speed_kmh if moving and u.leg else 0.0
            heading = u.leg.heading if moving and u.leg else None
            self._send(u, "position", u.pos[0], u.pos[1], self.sched.ts(), round(speed, 1),
                       round(heading, 1) if heading is not None else None)
        interval = self.cfg.report_interval_s if moving else self.cfg.idle_report_interval_s
        self.sched.after(interval, self._report, u, chain)

    def _schedule_report(self, u: SimUnit, delay: float = 0.0) -> None:
        u.report_chain += 1
        self.sched.after(delay, self._report, u, u.report_chain)

    # -- orders ------------------------------------------------------------------------------
    def on_order(self, unit_id: str, order: Mapping[str, Any]) -> None:
        """An order arrived for a unit (from MQTT or the in-process bus); thread-safe."""
        self.sched.after(0.0, self._order, unit_id, dict(order))

    def _order(self, unit_id: str, order: dict[str, Any]) -> None:
        u = self.units.get(unit_id)
        if u is None:
            return
        if not u.connected:
            u.inbox.append(order)
            return
        # De-duplicate by order_id: QoS 1 and the center's resend both deliver copies.
        order_id = str(order.get("order_id", ""))
        if order_id in u.seen_orders:
            # A resend: our ack was lost or late; say it again.
            self.stats.resends_seen += 1
            self._send(u, "ack", order_id, u.seen_orders[order_id], self.sched.ts())
            return
        if order_id in u.pending_orders:
            # The crew is still reading the first copy: its ack will answer both.
            self.stats.duplicates_ignored += 1
            return
        u.pending_orders.add(order_id)
        self.stats.orders += 1
        delay = self.rng.uniform(*self.cfg.ack_delay_s)
        self.sched.after(delay, self._decide, u, order)

    def _decide(self, u: SimUnit, order: dict[str, Any]) -> None:
        order_id = str(order["order_id"])
        u.pending_orders.discard(order_id)
        if order_id in u.seen_orders:
            return
        if order.get("kind") == "move_up":
            self._move_up(u, order)
            return
        can_take = not u.down and u.status in ("available", "returning", "dispatched") and (
            u.status != "dispatched" or u.order_id is None)
        accept = can_take and self.rng.random() >= self.cfg.decline_rate
        u.seen_orders[order_id] = accept
        self._send(u, "ack", order_id, accept, self.sched.ts())
        if not accept:
            self.stats.declined += 1
            if not can_take:
                self.stats.busy_declined += 1
                if not u.down and u.status != "available":
                    # The center thinks we are free (it closed our job while we were on
                    # it): tell it what we are really doing, so it stops choosing us.
                    self._send(u, "status", u.status, self.sched.ts(), None)
            return
        self.stats.accepted += 1
        if u.leg is not None:
            u.pos = u.leg.at(self.sched.now_s())
            u.leg = None
        u.job += 1
        u.order_id = order_id
        u.incident_id = int(order["incident_id"])
        u.category = str(order.get("category") or "")
        u.dest = (float(order["lat"]), float(order["lon"]))
        u.status = "dispatched"
        with self._lock:
            self.jobs.setdefault(u.incident_id, set()).add(u.id)
        lo, hi = self.cfg.turnout_s.get(u.type, (45.0, 90.0))
        self.sched.after(self.rng.uniform(lo, hi), self._depart, u, u.job)

    def _move_up(self, u: SimUnit, order: dict[str, Any]) -> None:
        # A move-up belongs to no incident: drive to the site and stay available for calls.
        order_id = str(order["order_id"])
        accept = not u.down and u.status == "available"
        u.seen_orders[order_id] = accept
        self._send(u, "ack", order_id, accept, self.sched.ts())
        if not accept:
            self.stats.declined += 1
            return
        self.stats.accepted += 1
        self.stats.move_ups += 1
        if u.leg is not None:
            u.pos = u.leg.at(self.sched.now_s())
        self._drive(u, (float(order["lat"]), float(order["lon"])))

    def _drive(self, u: SimUnit, dest: tuple[float, float]) -> float:
        now = self.sched.now_s()
        when = datetime.fromtimestamp(self.sched.ts(), UTC)
        eta = self.router.route(u.pos, dest, u.type, when).eta_s
        u.leg = Leg(u.pos, dest, now, now + max(eta, 1.0))
        self._schedule_report(u, 0.0)
        return max(eta, 1.0)

    def _depart(self, u: SimUnit, job: int) -> None:
        if job != u.job or u.dest is None:
            return
        self._status(u, "en_route")
        eta = self._drive(u, u.dest)
        self.sched.after(eta, self._arrive, u, job)

    def _arrive(self, u: SimUnit, job: int) -> None:
        if job != u.job or u.dest is None:
            return
        u.pos = u.dest
        u.leg = None
        self._status(u, "on_scene")
        self._schedule_report(u, 0.0)
        lo, hi = self.cfg.on_scene_s.get(u.category or "", (600.0, 1800.0))
        self.sched.after(self.rng.uniform(lo, hi), self._leave_scene, u, job)

    def _leave_scene(self, u: SimUnit, job: int) -> None:
        if job != u.job:
            return
        rate = self.cfg.transport_rate.get(u.category or "", 0.0)
        if u.type == "ambulance" and self.rng.random() < rate:
            hospital = min(self.hospitals, key=lambda h: haversine_m(*u.pos, *h))
            self._status(u, "transporting")
            eta = self._drive(u, hospital)
            self.sched.after(eta, self._at_hospital, u, job)
            return
        self._return(u, job)

    def _at_hospital(self, u: SimUnit, job: int) -> None:
        if job != u.job:
            return
        if u.leg is not None:
            u.pos = u.leg.dest
        u.leg = None
        self._status(u, "at_hospital")
        self.sched.after(self.rng.uniform(*self.cfg.at_hospital_s), self._return, u, job)

    def _return(self, u: SimUnit, job: int) -> None:
        if job != u.job:
            return
        if u.leg is not None:
            u.pos = u.leg.at(self.sched.now_s())
        self._status(u, "returning")
        incident_id = u.incident_id
        self._cleared(u, incident_id)
        eta = self._drive(u, u.home)
        self.sched.after(eta, self._home, u, job)

    def _home(self, u: SimUnit, job: int) -> None:
        if job != u.job:
            return
        u.pos = u.home
        u.leg = None
        u.order_id = None
        u.incident_id = None
        u.dest = None
        self.stats.jobs_done += 1
        self._status(u, "available")
        self._schedule_report(u, 0.0)

    def _cleared(self, u: SimUnit, incident_id: int | None) -> None:
        if incident_id is None:
            return
        with self._lock:
            left = self.jobs.get(incident_id)
            if left is None:
                return
            left.discard(u.id)
            done = not left
            if done:
                del self.jobs[incident_id]
        if done and self.on_incident_cleared is not None:
            self.on_incident_cleared(incident_id)

    # -- faults ------------------------------------------------------------------------------
    def _schedule_faults(self, u: SimUnit, duration_s: float) -> None:
        f = self.cfg.faults
        for kind, per_day in (("gps_loss", f.gps_loss_per_day),
                              ("network_drop", f.network_drop_per_day),
                              ("out_of_service", f.out_of_service_per_day)):
            if per_day <= 0:
                continue
            rate = per_day / 86400.0
            t = self.rng.expovariate(rate)
            while t < duration_s:
                self.sched.at(t, self._fault, u, kind)
                t += self.rng.expovariate(rate)

    def _fault(self, u: SimUnit, kind: str) -> None:
        f = self.cfg.faults
        self.stats.faults[kind] = self.stats.faults.get(kind, 0) + 1
        if kind == "gps_loss" and u.gps_ok:
            u.gps_ok = False
            self.sched.after(self.rng.uniform(*f.gps_loss_s), self._gps_back, u)
        elif kind == "network_drop" and u.connected:
            u.connected = False
            self.port.online(u.id, False)
            self.sched.after(self.rng.uniform(*f.network_drop_s), self._reconnect, u)
        elif kind == "out_of_service" and u.status == "available" and not u.down:
            u.down = True
            self._status(u, "out_of_service")
            self.sched.after(self.rng.uniform(*f.out_of_service_s), self._back_in_service, u)

    def _gps_back(self, u: SimUnit) -> None:
        u.gps_ok = True

    def _reconnect(self, u: SimUnit) -> None:
        u.connected = True
        self.port.online(u.id, True)
        queued, u.outbox = u.outbox, []
        for kind, args in queued:
            self._send(u, kind, *args)
        orders, u.inbox = u.inbox, []
        for order in orders:
            self._order(u.id, order)

    def _back_in_service(self, u: SimUnit) -> None:
        if u.station in self.cfg.stations_down or u.id in self.cfg.units_down:
            return
        u.down = False
        if u.status == "out_of_service":
            self._status(u, "available")


class ServiceFleetPort:
    """Unit messages into the service layer, exactly as the MQTT gateway delivers them."""

    def __init__(self, rt: Runtime) -> None:
        from dispatch.services import field as field_svc

        self.rt = rt
        self.field = field_svc

    def position(self, unit_id: str, lat: float, lon: float, ts: float, speed_kmh: float,
                 heading: float | None) -> None:
        """record_position."""
        self.field.record_position(self.rt, unit_id, lat, lon, ts, speed_kmh=speed_kmh,
                                   heading=heading, accuracy_m=8.0, source="mqtt")

    def status(self, unit_id: str, status: str, ts: float, order_id: str | None) -> None:
        """report_status."""
        self.field.report_status(self.rt, unit_id, status, ts, order_id)

    def ack(self, unit_id: str, order_id: str, accepted: bool, ts: float) -> None:
        """acknowledge_order."""
        self.field.acknowledge_order(self.rt, unit_id, order_id, accepted, ts)

    def online(self, unit_id: str, online: bool) -> None:
        """set_online (the LWT's effect)."""
        self.field.set_online(self.rt, unit_id, online)


def attach_bus_orders(rt: Runtime, fleet: FleetSim) -> Callable[[], None]:
    """Deliver UnitDispatched / OrderResent / UnitMoveUpOrdered events to the simulated units;
    returns an unsubscriber."""
    from dispatch.domain.events import Event, OrderResent, UnitDispatched, UnitMoveUpOrdered

    def handler(event: Event) -> None:
        if isinstance(event, UnitDispatched | OrderResent | UnitMoveUpOrdered):
            fleet.on_order(event.unit_id, event.order)

    kinds = (UnitDispatched, OrderResent, UnitMoveUpOrdered)
    for kind in kinds:
        rt.bus.subscribe(kind, handler)

    def detach() -> None:
        for kind in kinds:
            rt.bus.unsubscribe(kind, handler)

    return detach


def parse_mqtt_url(url: str) -> tuple[str, int, str | None, str | None, bool]:
    """(host, port, username, password, tls) from mqtt://user:pass@host:port or mqtts://."""
    p = urlparse(url)
    if p.scheme not in ("mqtt", "mqtts", "tcp", "ssl"):
        raise ValueError(f"MQTT URL must start with mqtt:// or mqtts:// (got {url!r})")
    tls = p.scheme in ("mqtts", "ssl")
    return (p.hostname or "127.0.0.1", p.port or (8883 if tls else 1883), p.username,
            p.password, tls)


class MqttFleetPort:
    """One paho-mqtt 2.x client per unit, persistent session, LWT on ``online``."""

    def __init__(self, url: str, unit_ids: list[str], prefix: str = "siaga",
                 owntracks: bool = False, client_prefix: str = "sim") -> None:
        import paho.mqtt.client as mqtt

        self.mqtt = mqtt
        self.prefix = prefix
        self.owntracks = owntracks
        self.host, self.port, user, password, tls = parse_mqtt_url(url)
        self.on_order: Callable[[str, dict[str, Any]], None] | None = None
        self.clients: dict[str, Any] = {}
        self.connected: dict[str, threading.Event] = {}
        self.dropped = 0
        self.stale_orders = 0
        self.started = time.time()
        self._down: set[str] = set()
        for uid in unit_ids:
            c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"{client_prefix}-{uid}",
                            clean_session=False, protocol=mqtt.MQTTv311)
            if user:
                c.username_pw_set(user, password)
            if tls:
                c.tls_set()
            c.will_set(self.topic(uid, "online"), "0", qos=1, retain=True)
            c.reconnect_delay_set(1, 10)
            c.user_data_set(uid)
            c.on_connect = self._on_connect
            c.on_message = self._on_message
            self.clients[uid] = c
            self.connected[uid] = threading.Event()

    def topic(self, unit_id: str, leaf: str) -> str:
        """siaga/units/<id>/<leaf>"""
        return f"{self.prefix}/units/{unit_id}/{leaf}"

    def _on_connect(self, client: Any, uid: str, flags: Any, reason: Any, props: Any) -> None:
        if getattr(reason, "is_failure", False):
            log.warning("unit %s: MQTT connect refused: %s", uid, reason)
            return
        client.subscribe(self.topic(uid, "orders"), qos=1)
        client.publish(self.topic(uid, "online"), "1", qos=1, retain=True)
        self.connected[uid].set()

    def _on_message(self, client: Any, uid: str, msg: Any) -> None:
        try:
            order = json.loads(msg.payload)
            if not isinstance(order, dict) or "order_id" not in order:
                raise ValueError("not an order")
        except (ValueError, UnicodeDecodeError):
            self.dropped += 1
            return
        issued = order.get("issued_at")
        try:
            when = datetime.fromisoformat(str(issued)).timestamp() if issued else None
        except ValueError:
            when = None
        if when is not None and when < self.started - 60.0:
            # A persistent session keeps orders from an earlier run; a fresh crew ignores them.
            self.stale_orders += 1
            return
        if self.on_order is not None:
            self.on_order(uid, order)

    def connect(self, timeout: float = 10.0) -> None:
        """Connect every client, one after the other (small brokers dislike a stampede)."""
        for uid, c in self.clients.items():
            c.connect_async(self.host, self.port, keepalive=30)
            c.loop_start()
            if not self.connected[uid].wait(timeout):
                raise TimeoutError(f"unit {uid} could not connect to {self.host}:{self.port}")

    def close(self) -> None:
        """Disconnect cleanly (the retained online flag is set to 0 first)."""
        for uid, c in self.clients.items():
            try:
                c.publish(self.topic(uid, "online"), "0", qos=1, retain=True)
                c.disconnect()
                c.loop_stop()
            except Exception:
                log.debug("closing %s failed", uid, exc_info=True)

    def _pub(self, uid: str, leaf: str, data: dict[str, Any], qos: int = 1) -> None:
        self.clients[uid].publish(self.topic(uid, leaf), json.dumps(data), qos=qos)

    def position(self, unit_id: str, lat: float, lon: float, ts: float, speed_kmh: float,
                 heading: float | None) -> None:
        """Publish a fix (our topic, or OwnTracks ``location``)."""
        if self.owntracks:
            data: dict[str, Any] = {"_type": "location", "lat": round(lat, 6),
                                    "lon": round(lon, 6), "tst": int(ts), "vel": int(speed_kmh),
                                    "acc": 8, "tid": unit_id[-2:]}
            if heading is not None:
                data["cog"] = int(heading)
            self.clients[unit_id].publish(f"owntracks/siaga-sim/{unit_id}", json.dumps(data),
                                          qos=0)
            return
        payload: dict[str, Any] = {"lat": round(lat, 6), "lon": round(lon, 6),
                                   "ts": round(ts, 3), "speed_kmh": speed_kmh, "accuracy_m": 8}
        if heading is not None:
            payload["heading"] = heading
        self._pub(unit_id, "position", payload, qos=0)

    def status(self, unit_id: str, status: str, ts: float, order_id: str | None) -> None:
        """Publish a status report."""
        data: dict[str, Any] = {"status": status, "ts": round(ts, 3)}
        if order_id:
            data["order_id"] = order_id
        self._pub(unit_id, "status", data)

    def ack(self, unit_id: str, order_id: str, accepted: bool, ts: float) -> None:
        """Publish an acknowledgement."""
        self._pub(unit_id, "ack", {"order_id": order_id, "accepted": accepted,
                                   "ts": round(ts, 3)})

    def online(self, unit_id: str, online: bool) -> None:
        """A network drop: say offline (as the LWT would) and disconnect; or reconnect."""
        c = self.clients[unit_id]
        if online:
            if unit_id in self._down:
                self._down.discard(unit_id)
                c.reconnect()
                c.loop_start()
            return
        self._down.add(unit_id)
        self.connected[unit_id].clear()
        c.publish(self.topic(unit_id, "online"), "0", qos=1, retain=True)
        c.disconnect()
        c.loop_stop()
