"""Scenarios (YAML/JSON files) and the two drivers that run them.

* in-process: a discrete-event run on a ``ManualClock`` over a fresh Runtime, calling the
  service layer exactly as production does (fast: a 24-hour day in a couple of minutes);
* remote: against a running server, incidents over HTTP and the fleet as MQTT clients,
  in real time or with the simulator's delays scaled by ``speed``.
"""

from __future__ import annotations

import json
import logging
import secrets
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TextIO
from zoneinfo import ZoneInfo

import yaml

from .center import Center, CenterError, HttpCenter, OperatorConfig, OperatorPolicy, ServiceCenter
from .engine import RealtimeScheduler, Scheduler, VirtualScheduler
from .fleet import FleetConfig, FleetSim, MqttFleetPort, ServiceFleetPort, attach_bus_orders
from .generator import GeneratedCall, IncidentGenerator, StreamConfig, parse_duration

log = logging.getLogger(__name__)

SCENARIO_DIR = Path(__file__).with_name("scenarios")
KNOWN_KEYS = {"name", "title", "description", "start", "duration", "drain", "seed", "city",
              "incidents", "surges", "fleet", "operators", "scoring", "exercise"}


@dataclass
class Scenario:
    """A training or load scenario."""

    name: str = "custom"
    title: str = ""
    description: str = ""
    start: str | None = None  # "HH:MM" local time of day, or ISO-8601 with a timezone
    duration_s: float = 86400.0
    drain_s: float = 3 * 3600.0  # after the last call, let running jobs finish (at most this)
    seed: int = 112
    city: str | None = None
    streams: list[StreamConfig] = field(default_factory=lambda: [StreamConfig()])
    fleet: FleetConfig = field(default_factory=FleetConfig)
    operators: OperatorConfig = field(default_factory=OperatorConfig)
    scoring: dict[str, Any] = field(default_factory=dict)
    exercise: bool = True

    @classmethod
    def from_mapping(cls, raw: Any, name: str = "custom") -> Scenario:
        """Validate and build; a wrong key or value raises ValueError naming it."""
        if not isinstance(raw, dict):
            raise ValueError("a scenario is a mapping (YAML or JSON object)")
        unknown = set(raw) - KNOWN_KEYS
        if unknown:
            raise ValueError(f"unknown scenario keys: {', '.join(sorted(unknown))}")
        sc = cls(name=str(raw.get("name", name)))
        sc.title = str(raw.get("title", ""))
        sc.description = str(raw.get("description", ""))
        sc.start = str(raw["start"]) if raw.get("start") is not None else None
        if "duration" in raw:
            sc.duration_s = parse_duration(raw["duration"])
        if "drain" in raw:
            sc.drain_s = parse_duration(raw["drain"])
        sc.seed = int(raw.get("seed", sc.seed))
        sc.city = raw.get("city")
        sc.streams = [StreamConfig.from_mapping(raw.get("incidents") or {}, "base")]
        for i, surge in enumerate(raw.get("surges") or ()):
            if not isinstance(surge, dict):
                raise ValueError(f"surges[{i}] must be a mapping")
            sc.streams.append(StreamConfig.from_mapping(surge, str(surge.get("name",
                                                                            f"surge{i + 1}"))))
        sc.fleet = FleetConfig.from_mapping(raw.get("fleet"))
        sc.operators = OperatorConfig.from_mapping(raw.get("operators"))
        sc.scoring = dict(raw.get("scoring") or {})
        sc.exercise = bool(raw.get("exercise", True))
        if sc.duration_s <= 0:
            raise ValueError("duration must be positive")
        return sc

    def start_at(self, tz: str) -> datetime:
        """The simulated start instant (default: today's local midnight)."""
        zone = ZoneInfo(tz)
        if self.start and ("T" in self.start or len(self.start) > 5):
            when = datetime.fromisoformat(self.start)
            return when if when.tzinfo else when.replace(tzinfo=zone)
        today = datetime.now(zone).replace(hour=0, minute=0, second=0, microsecond=0)
        if self.start:
            h, m = self.start.split(":", 1)
            today = today.replace(hour=int(h), minute=int(m))
        return today


def scenario_names() -> list[str]:
    """The scenarios shipped in simulators/scenarios."""
    return sorted(p.stem for p in SCENARIO_DIR.glob("*.y*ml")) + sorted(
        p.stem for p in SCENARIO_DIR.glob("*.json"))


def load_scenario(name_or_path: str) -> Scenario:
    """A shipped scenario by name, or a YAML/JSON file by path."""
    path = Path(name_or_path)
    if not path.exists():
        for ext in (".yaml", ".yml", ".json"):
            cand = SCENARIO_DIR / f"{name_or_path}{ext}"
            if cand.exists():
                path = cand
                break
        else:
            raise FileNotFoundError(
                f"no scenario {name_or_path!r} (shipped: {', '.join(scenario_names())})")
    text = path.read_text(encoding="utf-8")
    raw = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    return Scenario.from_mapping(raw, path.stem)


# --------------------------------------------------------------------------- progress
class Progress:
    """One updating line on stderr (or periodic lines when stderr is not a terminal)."""

    def __init__(self, stream: TextIO | None = None, total_s: float | None = None,
                 start: datetime | None = None, enabled: bool = True) -> None:
        self.stream = stream or sys.stderr
        self.total = total_s
        self.start = start
        self.enabled = enabled
        self.wall0 = time.monotonic()
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self._last_line = 0.0
        self.line_for: Callable[[], str] = lambda: ""

    def __call__(self, now_s: float) -> None:
        if not self.enabled:
            return
        wall = time.monotonic() - self.wall0
        if not self.tty and wall - self._last_line < 10.0:
            return
        self._last_line = wall
        clock = ""
        if self.start is not None:
            clock = (self.start + timedelta(seconds=now_s)).strftime("%a %H:%M")
        pct = f" {100 * now_s / self.total:5.1f}%" if self.total else ""
        speed = now_s / wall if wall > 0 else 0.0
        text = f"[sim {clock}{pct}] {self.line_for()} | {speed:,.0f}× real time"
        if self.tty:
            self.stream.write("\r" + text[:150].ljust(150))
        else:
            self.stream.write(text + "\n")
        self.stream.flush()

    def done(self) -> None:
        """End the updating line."""
        if self.enabled and self.tty:
            self.stream.write("\n")
            self.stream.flush()


# --------------------------------------------------------------------------- summary
def _secs(a: str | None, b: str | None) -> float | None:
    if not a or not b:
        return None
    return (datetime.fromisoformat(b) - datetime.fromisoformat(a)).total_seconds()


def summarize(incidents: list[dict[str, Any]], policy: OperatorPolicy, fleet: FleetSim | None,
              simulated_s: float, wall_s: float) -> dict[str, Any]:
    """The figures a run prints at the end."""
    truth = {t.id: t.call for t in policy.tracked.values()}
    call_types = Counter(c.call_type for c in truth.values())
    genuine = [i for i in incidents if truth.get(i["id"]) and truth[i["id"]].call_type == "genuine"]
    categories = Counter(str(i["category"]) for i in genuine)
    known = [i for i in genuine if truth[i["id"]].category]
    accuracy = (sum(1 for i in known if i.get("suggested_category") == truth[i["id"]].category)
                / len(known)) if known else None
    dispatched = [i for i in incidents if i.get("first_dispatch_at")]
    to_dispatch = [s for i in dispatched if (s := _secs(i["created_at"], i["first_dispatch_at"]))
                   is not None]
    responses = []
    for i in dispatched:
        on_scene = sorted(o["on_scene_at"] for o in i.get("orders") or () if o.get("on_scene_at"))
        if on_scene:
            r = _secs(i["created_at"], on_scene[0])
            if r is not None:
                responses.append(r)
    orders = [o for i in incidents for o in i.get("orders") or ()]

    def mean(xs: list[float]) -> float | None:
        return round(statistics.fmean(xs), 1) if xs else None

    return {
        "calls": len(truth),
        "incidents": len(incidents),
        "call_types": dict(call_types.most_common()),
        "categories": dict(categories.most_common()),
        "classifier_accuracy": round(accuracy, 3) if accuracy is not None else None,
        "corrected_by_operator": policy.counts.get("corrected", 0),
        "dispatched": len(dispatched),
        "orders": len(orders),
        "orders_acknowledged": sum(1 for o in orders if o.get("acked_at")),
        "orders_declined": sum(1 for o in orders if o.get("declined_at")),
        "on_scene": len(responses),
        "mean_dispatch_s": mean(to_dispatch),
        "mean_response_s": mean(responses),
        "closed": sum(1 for i in incidents if i.get("status") == "closed"),
        "still_open": sum(1 for i in incidents if i.get("status") != "closed"),
        "all_exercise": all(bool(i.get("exercise")) for i in incidents) if incidents else None,
        "fleet": ({k: v for k, v in vars(fleet.stats).items()} if fleet else None),
        "units_busy_at_end": fleet.busy_units() if fleet else None,
        "simulated_s": round(simulated_s, 1),
        "wall_s": round(wall_s, 2),
        "speed_x": round(simulated_s / wall_s, 1) if wall_s > 0 else None,
        "operator_actions": dict(policy.counts),
        "errors": policy.errors[:20],
    }


def print_summary(summary: dict[str, Any], out: TextIO) -> None:
    """Human-readable summary, then the figures as one JSON line."""
    w = out.write
    w(f"\nSkenario / scenario: {summary.get('scenario')} ({summary.get('mode')})\n")
    w(f"  panggilan / calls: {summary['calls']}  by call type: "
      + ", ".join(f"{k} {v}" for k, v in summary["call_types"].items()) + "\n")
    w("  kategori / categories (genuine): "
      + (", ".join(f"{k} {v}" for k, v in summary["categories"].items()) or "-") + "\n")
    if summary.get("classifier_accuracy") is not None:
        w(f"  klasifikasi otomatis benar / classifier right: "
          f"{100 * summary['classifier_accuracy']:.0f}% "
          f"(dikoreksi operator / corrected: {summary['corrected_by_operator']})\n")
    w(f"  diberangkatkan / dispatched: {summary['dispatched']} incidents, "
      f"{summary['orders']} orders ({summary['orders_acknowledged']} acknowledged, "
      f"{summary['orders_declined']} declined)\n")
    w(f"  rata-rata / mean: to dispatch {summary['mean_dispatch_s']} s, "
      f"response (call to first unit on scene) {summary['mean_response_s']} s\n")
    w(f"  ditutup / closed: {summary['closed']}, masih terbuka / still open: "
      f"{summary['still_open']}\n")
    if summary.get("report"):
        w(f"  laporan / report: {summary['report'].get('html')} , {summary['report'].get('csv')}\n")
    w(f"  simulated {summary['simulated_s'] / 3600:.2f} h in {summary['wall_s']:.1f} s wall "
      f"= {summary['speed_x']}× real time\n")
    w(json.dumps(summary, ensure_ascii=False, default=str) + "\n")
    out.flush()


# --------------------------------------------------------------------------- drivers
def _every(sched: Scheduler, interval: float, fn: Callable[[], Any]) -> None:
    def tick() -> None:
        fn()
        sched.after(interval, tick)

    sched.after(interval, tick)


def _schedule_calls(sched: Scheduler, calls: Iterable[GeneratedCall],
                    policy: OperatorPolicy) -> int:
    n = 0
    for c in calls:
        sched.at(c.t, policy.on_call, c)
        n += 1
    return n


def _progress_line(policy: OperatorPolicy, fleet: FleetSim | None) -> Callable[[], str]:
    def line() -> str:
        busy = len(fleet.busy_units()) if fleet else 0
        return (f"calls {policy.counts.get('created', 0)} | dispatched "
                f"{policy.counts.get('dispatches', 0)} | open {policy.open_count()} | "
                f"units busy {busy}")

    return line


@dataclass
class RunOptions:
    """How to run: where, how fast, what to write."""

    database_url: str | None = None
    speed: float | None = None  # in-process: cap (None = as fast as possible); remote: scale
    api: str | None = None
    token: str | None = None
    mqtt: str | None = None
    report_dir: str | None = None
    progress: bool = True
    calls: list[GeneratedCall] | None = None  # replay: these instead of the generator
    with_fleet: bool = True
    out: TextIO | None = None
    mqtt_prefix: str | None = None  # None: the server's (GET /api/v1/system), else "siaga"
    client_prefix: str = "sim"


def _exercise_units(center: Any, sc: Scenario, operator: str) -> list[tuple[str, str, str | None]]:
    """The run's simulated units (created or reset by the center), as the fleet needs them."""
    from dispatch.services.training import simulated_id

    units = [(str(u["id"]), str(u["type"]), u.get("station"))
             for u in center.exercise_units(operator)]
    # A scenario names the city's units (units_down: [POL-02]); its fleet drives their twins.
    sc.fleet.units_down = tuple(dict.fromkeys(
        [*sc.fleet.units_down, *(simulated_id(u) for u in sc.fleet.units_down)]))
    return units


def _end_exercise(center: Any, policy: OperatorPolicy, units: list[tuple[str, str, str | None]],
                  operator: str) -> dict[str, Any]:
    """Close what the run left open (marked as ended) and take its simulated units out of service."""
    try:
        return center.end_exercise(sorted(policy.tracked), [u[0] for u in units],  # type: ignore[no-any-return]
                                   operator)
    except CenterError as err:
        policy.errors.append(f"end of exercise: {err}")
        return {"error": str(err)}


def run_in_process(sc: Scenario, opts: RunOptions) -> dict[str, Any]:
    """The fast driver: a fresh Runtime on a ManualClock, service layer only."""
    from dispatch.bootstrap import bootstrap
    from dispatch.citypack import load_city_pack
    from dispatch.clock import ManualClock
    from dispatch.config import Settings, ensure_sqlite_dir

    city = load_city_pack(sc.city)
    tmp = None
    url = opts.database_url
    if url is None:
        tmp = tempfile.TemporaryDirectory(prefix="siaga-sim-")
        url = f"sqlite:///{tmp.name}/sim.db"
    ensure_sqlite_dir(url)
    start = sc.start_at(city.timezone)
    clock = ManualClock(start)
    rt = bootstrap(Settings(database_url=url, secret_key=secrets.token_hex(16), city=sc.city),
                 clock=clock, city=city)
    sched = VirtualScheduler(clock, opts.speed)
    center = ServiceCenter(rt)
    policy = OperatorPolicy(sched, center, city, sc.operators, exercise=sc.exercise,
                            seed=sc.seed + 1)
    trainer = sc.operators.names[0]
    units: list[tuple[str, str, str | None]] = []
    cleaned = False
    try:
        # Exercises use simulated units only; a run that is not an exercise drives the
        # city's own units (the demo's case, and a load test of a fresh database).
        units = (_exercise_units(center, sc, trainer) if sc.exercise
                 else [(u.id, u.type, u.station) for u in city.fleet])
        fleet = FleetSim(sched, ServiceFleetPort(rt), city, sc.fleet, router=rt.router,
                         units=units, on_incident_cleared=policy.on_cleared)
        detach = attach_bus_orders(rt, fleet)
        fleet.start(sc.duration_s)
        calls = opts.calls if opts.calls is not None else list(
            IncidentGenerator(rt.districts, sc.streams, seed=sc.seed,
                              timezone=city.timezone).calls(start, sc.duration_s))
        _schedule_calls(sched, calls, policy)
        _every(sched, 10.0, center.tick)
        prog = Progress(total_s=sc.duration_s, start=start.astimezone(ZoneInfo(city.timezone)),
                        enabled=opts.progress)
        prog.line_for = _progress_line(policy, fleet)
        wall0 = time.monotonic()
        sched.run(sc.duration_s, progress=prog)
        sched.run(sc.duration_s + sc.drain_s,
                  stop=lambda: policy.open_count() == 0 and fleet.idle(), progress=prog)
        wall = time.monotonic() - wall0
        prog.done()
        detach()
        incidents = [center.get(i) for i in sorted(policy.tracked)]
        summary = summarize(incidents, policy, fleet, sched.now_s(), wall)
        summary["scenario"] = sc.name
        summary["mode"] = "in-process"
        summary["database_url"] = url if tmp is None else "(temporary)"
        summary["step_errors"] = sched.errors
        ours = {u[0] for u in units}
        summary["units_available_at_end"] = sum(
            1 for u in rt.fleet.all() if u.id in ours and u.status == "available")
        summary["units_total"] = len(ours)
        summary["first_incident_id"] = min(policy.tracked) if policy.tracked else None
        if sc.exercise:
            summary["cleanup"] = _end_exercise(center, policy, units, trainer)
            cleaned = True
        if opts.report_dir:
            from .scoring import Targets, write_report

            summary["report"] = write_report(
                opts.report_dir, incidents, Targets.from_city(city.settings, sc.scoring))
        return summary
    finally:
        if sc.exercise and not cleaned and (policy.tracked or units):
            _end_exercise(center, policy, units, trainer)
        rt.stop()
        if tmp is not None:
            tmp.cleanup()


def run_remote(sc: Scenario, opts: RunOptions, stop: Callable[[], bool] | None = None,
               on_ready: Callable[[RealtimeScheduler], None] | None = None) -> dict[str, Any]:
    """Against a running server: HTTP for incidents (``--api``), MQTT for the fleet (``--mqtt``)."""
    from dispatch.citypack import load_city_pack

    city = load_city_pack(sc.city)
    if sc.exercise and not opts.api and opts.mqtt and opts.with_fleet:
        # Without the API there are no simulated units to drive: the crews would be the
        # server's real units, and an exercise never moves a real unit.
        raise ValueError("an exercise against a server needs --api URL --token T (it brings "
                         "its own simulated units); to play the real fleet's crews alone, use "
                         "`siaga112 simulate fleet`")
    sched = RealtimeScheduler(opts.speed or 1.0, start=datetime.now().astimezone())
    center: Center | None = None
    if opts.api:
        if not opts.token:
            raise ValueError("--api needs --token (create one: siaga112 tokens create NAME)")
        center = HttpCenter(opts.api, opts.token)
    policy = OperatorPolicy(sched, center or _NoCenter(), city, sc.operators,
                            exercise=sc.exercise, seed=sc.seed + 1)
    fleet = None
    port = None
    mqtt_url, prefix = opts.mqtt, opts.mqtt_prefix
    if isinstance(center, HttpCenter) and opts.with_fleet and (mqtt_url is None or prefix is None):
        found = discover_broker(center)
        if mqtt_url is None and found.get("url"):
            mqtt_url = str(found["url"])
            log.info("broker of %s: %s", opts.api, mqtt_url)
        if prefix is None and found.get("prefix"):
            prefix = str(found["prefix"])
    prefix = prefix or "siaga"
    trainer = sc.operators.names[0]
    units: list[tuple[str, str, str | None]] = []
    cleanup: dict[str, Any] | None = None
    server_units: dict[str, int] | None = None
    incidents: list[dict[str, Any]] = []
    wall0 = time.monotonic()
    try:
        if mqtt_url and opts.with_fleet:
            if isinstance(center, HttpCenter) and sc.exercise:
                # Never the server's real fleet: the exercise gets simulated twins of it.
                units = _exercise_units(center, sc, trainer)
            else:
                units = [(u.id, u.type, u.station) for u in city.fleet]
            port = MqttFleetPort(mqtt_url, [u[0] for u in units], prefix=prefix,
                                 owntracks=sc.fleet.owntracks, client_prefix=opts.client_prefix)
            fleet = FleetSim(sched, port, city, sc.fleet, units=units,
                             on_incident_cleared=policy.on_cleared)
            port.on_order = fleet.on_order
            port.connect()
            fleet.start(sc.duration_s)
        elif center is not None:
            log.warning("no broker (--mqtt, or the server's own): incidents only, no fleet")
        if center is not None:
            calls = opts.calls if opts.calls is not None else list(
                IncidentGenerator(_districts(city), sc.streams, seed=sc.seed,
                                  timezone=city.timezone).calls(sched.start, sc.duration_s))
            _schedule_calls(sched, calls, policy)
        prog = Progress(total_s=sc.duration_s, start=sched.start, enabled=opts.progress)
        prog.line_for = _progress_line(policy, fleet)
        if on_ready is not None:
            on_ready(sched)
        wall0 = time.monotonic()
        try:
            sched.run(sc.duration_s, stop=stop, progress=prog)
            if center is not None and not sched.stopped and not (stop and stop()):
                sched.run(sc.duration_s + sc.drain_s, progress=prog, stop=lambda: (
                    policy.open_count() == 0 and (fleet is None or fleet.idle())) or bool(
                    stop and stop()))
        except KeyboardInterrupt:
            pass
        finally:
            prog.done()
        if isinstance(center, HttpCenter):
            server_units = _server_units(center, fleet, units, policy)
            for i in sorted(policy.tracked):
                try:
                    incidents.append(center.get(i))
                except CenterError as err:
                    policy.errors.append(f"incident {i}: {err}")
    finally:
        if port is not None:
            port.close()
        # Whatever happened, nothing of the exercise stays in the real queue or on the map.
        if isinstance(center, HttpCenter) and sc.exercise and (policy.tracked or units):
            if port is not None:
                # Our clients said "offline" on the way out: let the server apply that
                # first, or it would overwrite the "out of service" the clean-up sets.
                _await_offline(center, {u[0] for u in units})
            cleanup = _end_exercise(center, policy, units, trainer)
    wall = time.monotonic() - wall0
    summary = summarize(incidents, policy, fleet, sched.now_s(), wall)
    summary["scenario"] = sc.name
    summary["mode"] = "remote"
    summary["step_errors"] = sched.errors
    summary["server_unit_status_at_end"] = server_units
    summary["mqtt_url"] = mqtt_url
    summary["units_total"] = len(units)
    if cleanup is not None:
        summary["cleanup"] = cleanup
    if opts.report_dir and center is not None:
        from .scoring import Targets, write_report

        summary["report"] = write_report(opts.report_dir, incidents,
                                         Targets.from_city(city.settings, sc.scoring))
    return summary


def _await_offline(center: HttpCenter, ids: set[str], timeout: float = 10.0) -> None:
    """Poll the server until none of `ids` is online any more (or the time is up)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if not [u for u in center.units() if u.get("id") in ids and u.get("online")]:
                return
        except (CenterError, OSError):
            return
        time.sleep(0.1)


def _server_units(center: HttpCenter, fleet: FleetSim | None,
                  units: list[tuple[str, str, str | None]],
                  policy: OperatorPolicy) -> dict[str, int] | None:
    """What the server thinks of our units before our clients go offline, by status."""
    # An idle fleet's last "available" messages may still be on their way through the
    # broker: give the server a moment to apply them before taking the picture.
    ours = {u[0] for u in units}
    try:
        settle_until = time.monotonic() + (5.0 if fleet is not None and fleet.idle() else 0.0)
        while True:
            counts = dict(Counter(str(u.get("status")) for u in center.units()
                                  if not ours or u.get("id") in ours))
            if set(counts) <= {"available"} or time.monotonic() >= settle_until:
                return counts
            time.sleep(0.1)
    except (CenterError, OSError) as err:
        policy.errors.append(f"units at end: {err}")
        return None


def discover_broker(center: HttpCenter) -> dict[str, Any]:
    """The broker a running server's units use (GET /api/v1/system), or {} with a warning."""
    try:
        info = center.system()
    except (CenterError, OSError, ValueError) as err:
        log.warning("could not ask the server for its broker (%s): give --mqtt URL", err)
        return {}
    mqtt = info.get("mqtt") if isinstance(info, dict) else None
    return dict(mqtt) if isinstance(mqtt, dict) else {}


def _districts(city: Any) -> Any:
    from geo.districts import DistrictIndex

    return DistrictIndex.from_geojson(city.districts_geojson)


class _NoCenter:
    """Fleet-only runs: nothing to create or close."""

    def _none(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        raise CenterError(400, "no_api", "no --api given")

    create = update = dispatch = close = get = _none

    def tick(self) -> None:
        """Nothing."""
        return None
