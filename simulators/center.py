"""The center side of a simulation: how calls reach the system, and simulated operators.

``ServiceCenter`` calls the service layer (in-process, on the runtime's injected clock);
``HttpCenter`` calls the HTTP API of a running server with a Bearer token. The
``OperatorPolicy`` plays the operators: it marks ghost/prank/information calls,
corrects a wrong classification, dispatches the recommended plan after a sampled
delay, replaces declined orders and closes incidents once the units have cleared.
"""

from __future__ import annotations

import contextlib
import json
import logging
import random
import secrets
import threading
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from .engine import Scheduler
from .generator import GeneratedCall, parse_duration

if TYPE_CHECKING:
    from dispatch.citypack import CityPack
    from dispatch.runtime import Runtime

log = logging.getLogger(__name__)

INACTIVE_ORDER_STATES = frozenset({"declined", "unacknowledged", "reassigned"})


class CenterError(Exception):
    """The center refused a request (HTTP 4xx or a service error)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message


class Center(Protocol):
    """The operations a simulated operator (or the intake) performs."""

    def create(self, data: Mapping[str, Any], operator: str) -> dict[str, Any]:
        """Take a new incident."""
        ...

    def update(self, incident_id: int, data: Mapping[str, Any], operator: str) -> dict[str, Any]:
        """Change category / call type."""
        ...

    def dispatch(self, incident_id: int, unit_ids: list[str], operator: str) -> dict[str, Any]:
        """Send units."""
        ...

    def close(self, incident_id: int, outcome: str, operator: str) -> dict[str, Any]:
        """Close with an outcome."""
        ...

    def get(self, incident_id: int, fresh: bool = False) -> dict[str, Any]:
        """One incident with its timeline (fresh: recommendations recomputed now)."""
        ...

    def tick(self) -> None:
        """Periodic server-side work the simulator must drive (order timeouts in-process)."""
        ...


class ServiceCenter:
    """The service layer, with one Actor per simulated operator (users created if missing)."""

    def __init__(self, rt: Runtime) -> None:
        from dispatch.services import field as field_svc
        from dispatch.services import incidents

        self.rt = rt
        self.incidents = incidents
        self.field = field_svc
        self._actors: dict[str, Any] = {}
        self._lock = threading.Lock()

    def actor(self, name: str) -> Any:
        """The Actor of a simulated operator account (created on first use)."""
        with self._lock:
            if name in self._actors:
                return self._actors[name]
            from sqlalchemy import select

            from dispatch.db.models import User
            from dispatch.services import accounts
            from dispatch.services.actors import Actor
            from dispatch.services.errors import Conflict

            with contextlib.suppress(Conflict):
                accounts.create_user(self.rt, name, secrets.token_urlsafe(18), "operator",
                                     display_name=f"Simulated operator {name}")
            with self.rt.session() as s:
                user = s.scalar(select(User).where(User.username == name))
                assert user is not None
                actor = Actor("operator", name, user.id, user.role)
            self._actors[name] = actor
            return actor

    def _call(self, fn: Callable[..., dict[str, Any]], *args: Any) -> dict[str, Any]:
        from dispatch.services.errors import ServiceError

        try:
            return fn(*args)
        except ServiceError as err:
            raise CenterError(err.status, err.code, err.message) from None

    def create(self, data: Mapping[str, Any], operator: str) -> dict[str, Any]:
        """create_incident."""
        return self._call(self.incidents.create_incident, self.rt, data, self.actor(operator))

    def update(self, incident_id: int, data: Mapping[str, Any], operator: str) -> dict[str, Any]:
        """update_incident."""
        return self._call(self.incidents.update_incident, self.rt, incident_id, data,
                          self.actor(operator))

    def dispatch(self, incident_id: int, unit_ids: list[str], operator: str) -> dict[str, Any]:
        """dispatch_units."""
        return self._call(self.incidents.dispatch_units, self.rt, incident_id,
                          {"unit_ids": unit_ids}, self.actor(operator))

    def close(self, incident_id: int, outcome: str, operator: str) -> dict[str, Any]:
        """close_incident."""
        return self._call(self.incidents.close_incident, self.rt, incident_id,
                          {"outcome": outcome}, self.actor(operator))

    def get(self, incident_id: int, fresh: bool = False) -> dict[str, Any]:
        """get_incident."""
        return self._call(self.incidents.get_incident, self.rt, incident_id, fresh)

    def tick(self) -> None:
        """check_order_timeouts: in production a timer does this."""
        self.field.check_order_timeouts(self.rt)

    def exercise_units(self, operator: str) -> list[dict[str, Any]]:
        """training.provision_units: the run's simulated units, available at their stations."""
        from dispatch.services import training

        now = self.rt.clock.time()
        states = self._call(lambda: [self.rt.fleet.as_dict(u, now) for u in
                                     training.provision_units(self.rt, self.actor(operator))])
        return states  # type: ignore[return-value]

    def end_exercise(self, incident_ids: list[int], unit_ids: list[str],
                     operator: str) -> dict[str, Any]:
        """training.end_exercise: close the run's incidents, take its units out of service."""
        from dispatch.services import training

        return self._call(training.end_exercise, self.rt,
                          {"incident_ids": incident_ids, "unit_ids": unit_ids},
                          self.actor(operator))


class HttpCenter:
    """The HTTP API of a running server (``/api/v1``), as one token's user."""

    def __init__(self, base_url: str, token: str, timeout: float = 15.0) -> None:
        self.base = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout

    def request(self, method: str, path: str, body: Any = None) -> Any:
        """One JSON request; CenterError on a 4xx/5xx answer."""
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(  # noqa: S310 - the URL is the operator's own server
            self.base + path, data=data, method=method,
            headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json",
                     "Accept": "application/json"},
        )
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:  # noqa: S310
                raw = resp.read()
        except urllib.error.HTTPError as err:
            raw = err.read()
            try:
                e = json.loads(raw).get("error") or {}
            except (ValueError, AttributeError):
                e = {}
            raise CenterError(err.code, str(e.get("code", "http_error")),
                              str(e.get("message", raw[:200]))) from None
        return json.loads(raw) if raw else None

    def create(self, data: Mapping[str, Any], operator: str) -> dict[str, Any]:
        """POST /api/v1/incidents"""
        return self.request("POST", "/api/v1/incidents", dict(data))  # type: ignore[no-any-return]

    def update(self, incident_id: int, data: Mapping[str, Any], operator: str) -> dict[str, Any]:
        """PATCH /api/v1/incidents/<id>"""
        return self.request("PATCH", f"/api/v1/incidents/{incident_id}", dict(data))  # type: ignore[no-any-return]

    def dispatch(self, incident_id: int, unit_ids: list[str], operator: str) -> dict[str, Any]:
        """POST /api/v1/incidents/<id>/dispatch"""
        return self.request("POST", f"/api/v1/incidents/{incident_id}/dispatch",  # type: ignore[no-any-return]
                            {"unit_ids": unit_ids})

    def close(self, incident_id: int, outcome: str, operator: str) -> dict[str, Any]:
        """POST /api/v1/incidents/<id>/close"""
        return self.request("POST", f"/api/v1/incidents/{incident_id}/close",  # type: ignore[no-any-return]
                            {"outcome": outcome})

    def get(self, incident_id: int, fresh: bool = False) -> dict[str, Any]:
        """GET /api/v1/incidents/<id>"""
        q = "?fresh=1" if fresh else ""
        return self.request("GET", f"/api/v1/incidents/{incident_id}{q}")  # type: ignore[no-any-return]

    def units(self) -> list[dict[str, Any]]:
        """GET /api/v1/units"""
        return self.request("GET", "/api/v1/units")  # type: ignore[no-any-return]

    def system(self) -> dict[str, Any]:
        """GET /api/v1/system (supervisor): among others, the broker the server's units use."""
        return self.request("GET", "/api/v1/system")  # type: ignore[no-any-return]

    def exercise_units(self, operator: str) -> list[dict[str, Any]]:
        """POST /api/v1/exercise/units (supervisor)"""
        return self.request("POST", "/api/v1/exercise/units", {})  # type: ignore[no-any-return]

    def end_exercise(self, incident_ids: list[int], unit_ids: list[str],
                     operator: str) -> dict[str, Any]:
        """POST /api/v1/exercise/end (supervisor)"""
        return self.request("POST", "/api/v1/exercise/end",  # type: ignore[no-any-return]
                            {"incident_ids": incident_ids, "unit_ids": unit_ids})

    def tick(self) -> None:
        """Nothing: a running server has its own timers."""
        return None


Range = tuple[float, float]


@dataclass
class OperatorConfig:
    """How the simulated operators work (delays in simulated seconds)."""

    names: list[str] = field(default_factory=lambda: ["sim-operator-1", "sim-operator-2"])
    speed: dict[str, float] = field(default_factory=dict)  # per operator: 0.5 twice as fast
    auto_dispatch: bool = True
    auto_close: bool = True
    classify_delay_s: Range = (8.0, 40.0)
    dispatch_delay_s: Range = (10.0, 50.0)
    close_delay_s: Range = (60.0, 300.0)
    correct_rate: float = 0.95
    check_after_s: float = 75.0
    retry_s: float = 60.0
    give_up_s: float = 3 * 3600.0
    # Demo: act only on incidents no human has touched for this long (None: act always).
    unattended_after_s: float | None = None

    @classmethod
    def from_mapping(cls, raw: Any) -> OperatorConfig:
        """Build from a scenario's ``operators:`` block."""
        cfg = cls()
        if raw is None:
            return cfg
        if isinstance(raw, list):
            raw = {"people": raw}
        for key, value in dict(raw).items():
            if key == "people":
                cfg.names = []
                for p in value:
                    if isinstance(p, str):
                        cfg.names.append(p)
                    else:
                        cfg.names.append(str(p["name"]))
                        if "speed" in p:
                            cfg.speed[str(p["name"])] = float(p["speed"])
            elif key in ("auto_dispatch", "auto_close"):
                setattr(cfg, key, bool(value))
            elif key in ("classify_delay_s", "dispatch_delay_s", "close_delay_s"):
                lo, hi = (value, value) if not isinstance(value, list) else value
                setattr(cfg, key, (parse_duration(lo), parse_duration(hi)))
            elif key in ("correct_rate",):
                cfg.correct_rate = float(value)
            elif key in ("check_after_s", "retry_s", "give_up_s"):
                setattr(cfg, key, parse_duration(value))
            elif key == "unattended_after_s":
                cfg.unattended_after_s = None if value is None else parse_duration(value)
            else:
                raise ValueError(f"operators: unknown key {key!r}")
        if not cfg.names:
            raise ValueError("operators: at least one name is needed")
        return cfg


@dataclass
class Tracked:
    """An incident the simulation created, with the truth behind it."""

    id: int
    call: GeneratedCall
    operator: str
    created_t: float
    category: str
    plan: dict[str, int]
    handled: set[str] = field(default_factory=set)  # order ids already replaced
    closed: bool = False
    first_try_t: float | None = None


class OperatorPolicy:
    """Simulated call-takers and dispatchers working on a Center."""

    def __init__(self, sched: Scheduler, center: Center, city: CityPack,
                 config: OperatorConfig | None = None, exercise: bool = True,
                 seed: int = 119) -> None:
        self.sched = sched
        self.center = center
        self.city = city
        self.cfg = config or OperatorConfig()
        self.exercise = exercise
        self.rng = random.Random(seed)
        self.tracked: dict[int, Tracked] = {}
        self.counts: Counter[str] = Counter()
        self.errors: list[str] = []
        self._next_op = 0
        self._lock = threading.RLock()

    # -- intake --------------------------------------------------------------------------
    def pick_operator(self) -> str:
        """Round-robin over the operators on shift."""
        name = self.cfg.names[self._next_op % len(self.cfg.names)]
        self._next_op += 1
        return name

    def _delay(self, rng: Range, op: str) -> float:
        return self.rng.uniform(*rng) * self.cfg.speed.get(op, 1.0)

    def on_call(self, call: GeneratedCall) -> int | None:
        """A call comes in: the call-taker enters it; returns the incident id."""
        op = self.pick_operator()
        try:
            inc = self.center.create(call.payload(self.exercise), op)
        except CenterError as err:
            self.counts["create_refused"] += 1
            self.errors.append(f"{call.stream} t={call.t:.0f}: {err}")
            return None
        plan = {s.unit_type: s.count for s in self.city.response_plans.get(
            call.category if call.call_type == "genuine" and call.category
            else inc["category"], ())}
        t = Tracked(int(inc["id"]), call, op, self.sched.now_s(), str(inc["category"]), plan)
        with self._lock:
            self.tracked[t.id] = t
        self.counts["created"] += 1
        if self.cfg.auto_dispatch or self.cfg.unattended_after_s is not None:
            delay = self._delay(self.cfg.classify_delay_s, op)
            if self.cfg.unattended_after_s is not None:
                delay = max(delay, self.cfg.unattended_after_s)
            self.sched.after(delay, self._classify, t)
        return t.id

    def open_count(self) -> int:
        """Incidents this simulation created that are not closed yet."""
        with self._lock:
            return sum(1 for t in self.tracked.values() if not t.closed)

    # -- the operator's work ------------------------------------------------------------------
    def _human_acted(self, inc: Mapping[str, Any]) -> bool:
        ours = set(self.cfg.names)
        return any(
            e.get("actor_type") == "operator" and e.get("actor_id") not in ours
            and e.get("kind") != "created"
            for e in inc.get("timeline") or ()
        )

    def _classify(self, t: Tracked) -> None:
        inc = self.center.get(t.id)
        if inc["status"] == "closed":
            t.closed = True
            return
        if self.cfg.unattended_after_s is not None and self._human_acted(inc):
            return  # a person is on it
        call = t.call
        if call.call_type in ("ghost", "prank", "information"):
            if inc.get("call_type") != call.call_type:
                self.center.update(t.id, {"call_type": call.call_type}, t.operator)
            outcome = {"ghost": "Panggilan kosong / silent call",
                       "prank": "Panggilan iseng / prank call",
                       "information": "Informasi diberikan / information given"}[call.call_type]
            self._close(t, outcome)
            self.counts[f"closed_{call.call_type}"] += 1
            return
        category = str(inc["category"])
        truth = call.category or category
        if truth != category and self.rng.random() < self.cfg.correct_rate:
            inc = self.center.update(t.id, {"category": truth}, t.operator)
            category = str(inc["category"])
            self.counts["corrected"] += 1
        elif inc.get("unsure"):
            # An unsure suggestion recommends nothing until someone confirms the category.
            inc = self.center.update(t.id, {"category": category}, t.operator)
            self.counts["confirmed"] += 1
        t.category = category
        if category == "non_emergency":
            self._close(t, "Diteruskan ke alur pengaduan / forwarded to the complaint flow")
            self.counts["closed_non_emergency"] += 1
            return
        t.plan = {s.unit_type: s.count for s in self.city.response_plans.get(category, ())}
        self.sched.after(self._delay(self.cfg.dispatch_delay_s, t.operator), self._dispatch, t)

    def _dispatch(self, t: Tracked) -> None:
        if t.closed:
            return
        if t.first_try_t is None:
            t.first_try_t = self.sched.now_s()
        inc = self.center.get(t.id, fresh=True)
        if inc["status"] == "closed":
            t.closed = True
            return
        if self.cfg.unattended_after_s is not None and self._human_acted(inc):
            return
        active = Counter(o["unit_type"] for o in inc.get("orders") or ()
                         if o["state"] not in INACTIVE_ORDER_STATES)
        for o in inc.get("orders") or ():
            if o["state"] in INACTIVE_ORDER_STATES:
                t.handled.add(o["order_id"])
        wanted: list[str] = []
        for rec in inc.get("recommendations") or ():
            utype = rec.get("unit_type")
            if active[utype] < t.plan.get(utype, 0):
                active[utype] += 1
                wanted.append(rec["unit_id"])
        missing = sum(max(n - active[u], 0) for u, n in t.plan.items())
        if wanted:
            try:
                self.center.dispatch(t.id, wanted, t.operator)
                self.counts["dispatches"] += 1
                self.counts["units_sent"] += len(wanted)
            except CenterError as err:
                if err.status == 409 and "closed" in err.message:
                    t.closed = True
                    return
                self.counts["dispatch_conflicts"] += 1
                self.sched.after(5.0, self._dispatch, t)
                return
            self.sched.after(self.cfg.check_after_s, self._dispatch, t)
            return
        if missing and self.sched.now_s() - t.first_try_t < self.cfg.give_up_s:
            # Nothing free of a needed type right now: try again shortly.
            self.counts["waits_for_units"] += 1
            self.sched.after(self.cfg.retry_s, self._dispatch, t)
            return
        if not any(o["state"] not in INACTIVE_ORDER_STATES for o in inc.get("orders") or ()):
            self._close(t, "Tidak ada unit tersedia / no unit available")
            self.counts["closed_no_unit"] += 1
        elif any(o["state"] == "sent" for o in inc.get("orders") or ()):
            self.sched.after(self.cfg.check_after_s, self._dispatch, t)

    def on_cleared(self, incident_id: int) -> None:
        """Every unit has left the scene: write up and close."""
        t = self.tracked.get(incident_id)
        if t is None or t.closed or not self.cfg.auto_close:
            return
        self.sched.after(self._delay(self.cfg.close_delay_s, t.operator), self._close, t,
                         "Selesai ditangani / resolved")

    def _close(self, t: Tracked, outcome: str) -> None:
        if t.closed:
            return
        try:
            self.center.close(t.id, outcome, t.operator)
        except CenterError as err:
            if err.status != 409:
                raise
        t.closed = True
        self.counts["closed"] += 1
