"""`siaga112 simulate incidents|replay|fleet|scenario …`"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import threading
from collections.abc import Sequence
from typing import Any

from .center import CenterError
from .generator import IncidentGenerator, StreamConfig, parse_duration
from .scenario import RunOptions, Scenario, load_scenario, print_summary, run_in_process, run_remote

TARGET_HELP = (
    "Tanpa --api/--mqtt simulasi berjalan di dalam proses (database sementara, jam virtual) / "
    "without --api/--mqtt the run is in-process (temporary database, virtual clock). "
    "Dengan server berjalan / against a running server: --api URL --token T (incidents over HTTP; "
    "a supervisor or admin token, since an exercise brings its own simulated units) and the "
    "fleet as MQTT clients on the broker the server reports (GET /api/v1/system), or on "
    "--mqtt URL."
)
SPEED_HELP = (
    "in-process: run at most this many times real time (default: as fast as possible); "
    "against a running server the server's clock is real, so only the simulator's own delays "
    "(call gaps, crew reaction, driving, time on scene) are divided by SPEED (default 1)"
)


def _speed(text: str) -> float | None:
    if text in ("max", "0"):
        return None
    v = float(text)
    if v <= 0:
        raise argparse.ArgumentTypeError("speed must be positive (or 'max')")
    return v


def _target_args(p: argparse.ArgumentParser, fleet_only: bool = False) -> None:
    g = p.add_argument_group("target")
    if not fleet_only:
        g.add_argument("--api", default=None, help="base URL of a running server, e.g. "
                       "http://127.0.0.1:5000")
        g.add_argument("--token", default=os.environ.get("SIAGA_API_TOKEN"),
                       help="API token (siaga112 tokens create NAME); env SIAGA_API_TOKEN")
    g.add_argument("--mqtt", default=None, help="broker URL for the simulated fleet, e.g. "
                   "mqtt://127.0.0.1:1883 (default with --api: the broker the server reports; "
                   "for 'fleet': $SIAGA_MQTT_URL)")
    if not fleet_only:
        g.add_argument("--database-url", default=None,
                       help="in-process: write to this database instead of a temporary SQLite "
                       "file (exercise incidents only)")
    g.add_argument("--mqtt-prefix", default=os.environ.get("SIAGA_MQTT_PREFIX") or None,
                   help="topic prefix (default: $SIAGA_MQTT_PREFIX, else the server's, else "
                   "siaga)")
    p.add_argument("--speed", type=_speed, default=None, help=SPEED_HELP)
    p.add_argument("--quiet", action="store_true", help="no progress line")
    p.add_argument("--report-dir", default=None,
                   help="write the trainee scoring report (report.html, operators.csv, "
                   "incidents.csv) here")


def build_parser() -> argparse.ArgumentParser:
    """Parser of `siaga112 simulate`."""
    p = argparse.ArgumentParser(prog="siaga112 simulate", description=(
        "Simulator: beban kejadian, armada bergerak, skenario latihan / incident load, a moving "
        "fleet, training scenarios. " + TARGET_HELP))
    sub = p.add_subparsers(dest="what", required=True)

    i = sub.add_parser("incidents", help="generated calls (Poisson, hour-of-day profile)",
                       description="Generated calls: a Poisson process with an hour-of-day "
                       "profile, a category and call-type mix (many ghost and prank calls), "
                       "locations inside the districts, descriptions in Bahasa Indonesia, "
                       "Javanese and English. " + TARGET_HELP)
    i.add_argument("--duration", default="1h", help="simulated time, e.g. 90m, 6h, 1d")
    rate = i.add_mutually_exclusive_group()
    rate.add_argument("--calls-per-day", type=float, default=None,
                      help="mean calls per day, shaped by the hourly profile (default 300)")
    rate.add_argument("--rate-per-hour", type=float, default=None, help="a flat rate instead")
    i.add_argument("--district", default=None, help="only this kecamatan (e.g. Mojoroto)")
    i.add_argument("--seed", type=int, default=112)
    i.add_argument("--dry-run", action="store_true",
                   help="print the calls as JSON Lines (a valid replay file) and send nothing")
    i.add_argument("--no-fleet", action="store_true", help="in-process: no simulated fleet")
    i.add_argument("--auto-dispatch", action="store_true",
                   help="with --api: also classify, dispatch and close like an operator would "
                   "(in-process runs always do)")
    _target_args(i)

    r = sub.add_parser("replay", help="replay historical incidents from CSV or JSONL",
                       description="Replay historical incidents (format: docs/simulators.md). "
                       "Bad rows are reported with their line number, skipped and counted. "
                       "Here --speed is the replay factor: 60 plays an hour in a minute. "
                       + TARGET_HELP)
    r.add_argument("file")
    r.add_argument("--format", choices=("csv", "jsonl"), default=None,
                   help="default: by extension (.csv, else JSONL)")
    r.add_argument("--check", action="store_true", help="only validate the file and report")
    r.add_argument("--auto-dispatch", action="store_true",
                   help="with --api: also dispatch and close like an operator would")
    _target_args(r)

    f = sub.add_parser("fleet", help="the city's units as MQTT clients against a broker",
                       description="N units as MQTT clients on siaga/units/<id>/... (or OwnTracks "
                       "for positions): they report positions, take orders, acknowledge (delay, "
                       "decline rate), drive at a speed by type, report en_route, on_scene, "
                       "transporting, at_hospital, returning, available; with fault injection.")
    f.add_argument("--duration", default=None, help="stop after this simulated time "
                   "(default: until Ctrl-C)")
    f.add_argument("--decline-rate", type=float, default=None)
    f.add_argument("--ack-delay", default=None, help="seconds, or LOW,HIGH")
    f.add_argument("--report-interval", type=float, default=None,
                   help="seconds between position reports while moving (default 5)")
    f.add_argument("--gps-loss-per-day", type=float, default=None)
    f.add_argument("--network-drops-per-day", type=float, default=None)
    f.add_argument("--out-of-service-per-day", type=float, default=None)
    f.add_argument("--station-down", action="append", default=[],
                   help="a station whose units are out of service (repeatable)")
    f.add_argument("--owntracks", action="store_true",
                   help="positions as OwnTracks location messages on owntracks/siaga-sim/<id> "
                   "(units need that tracker bound)")
    _target_args(f, fleet_only=True)

    s = sub.add_parser("scenario", help="run a training scenario (kediri-day, flood-mojoroto, "
                       "or a YAML/JSON file)",
                       description="Run a scenario. Incidents are marked as exercise and kept "
                       "out of real figures. " + TARGET_HELP)
    s.add_argument("name", help="kediri-day, flood-mojoroto, or a path to a YAML/JSON file")
    s.add_argument("--trainees", action="store_true",
                   help="no simulated dispatching: people on the console classify and dispatch "
                   "(the simulator still creates calls, drives the fleet and closes finished jobs)")
    s.add_argument("--duration", default=None, help="override the scenario's duration")
    s.add_argument("--seed", type=int, default=None)
    _target_args(s)
    return p


def _options(args: argparse.Namespace) -> RunOptions:
    return RunOptions(
        database_url=getattr(args, "database_url", None), speed=args.speed,
        api=getattr(args, "api", None), token=getattr(args, "token", None), mqtt=args.mqtt,
        report_dir=args.report_dir, progress=not args.quiet, mqtt_prefix=args.mqtt_prefix,
    )


def _run(sc: Scenario, opts: RunOptions) -> int:
    if opts.api and opts.database_url:
        print("siaga112 simulate: --database-url is for in-process runs, not with --api",
              file=sys.stderr)
        return 2
    try:
        summary = run_remote(sc, opts) if (opts.api or opts.mqtt) else run_in_process(sc, opts)
    except CenterError as err:
        hint = (" (an exercise creates simulated units: use a supervisor or admin token)"
                if err.status == 403 else "")
        print(f"siaga112 simulate: the server refused: {err}{hint}", file=sys.stderr)
        return 2
    print_summary(summary, sys.stdout)
    return 0


def cmd_incidents(args: argparse.Namespace) -> int:
    """Generated calls."""
    stream: dict[str, Any] = {}
    if args.calls_per_day is not None:
        stream["calls_per_day"] = args.calls_per_day
    if args.rate_per_hour is not None:
        stream["rate_per_hour"] = args.rate_per_hour
    if args.district:
        stream["district"] = args.district
    sc = Scenario(name="incidents", duration_s=parse_duration(args.duration), seed=args.seed,
                  streams=[StreamConfig.from_mapping(stream)])
    if args.dry_run:
        from dispatch.citypack import load_city_pack
        from geo.districts import DistrictIndex

        city = load_city_pack(None)
        gen = IncidentGenerator(DistrictIndex.from_geojson(city.districts_geojson), sc.streams,
                                seed=args.seed, timezone=city.timezone)
        start = sc.start_at(city.timezone)
        from datetime import timedelta

        for c in gen.calls(start, sc.duration_s):
            row = {"time": (start + timedelta(seconds=c.t)).isoformat(timespec="seconds"),
                   "lat": round(c.lat, 6), "lon": round(c.lon, 6), "description": c.description,
                   "category": c.category if c.call_type == "genuine" else None,
                   "call_type": c.call_type, "channel": c.channel,
                   "caller_phone": c.caller_phone}
            print(json.dumps({k: v for k, v in row.items() if v is not None},
                             ensure_ascii=False))
        return 0
    sc.operators.auto_dispatch = bool(args.auto_dispatch or not args.api)
    opts = _options(args)
    opts.with_fleet = not args.no_fleet
    return _run(sc, opts)


def cmd_replay(args: argparse.Namespace) -> int:
    """Historical incidents from a file."""
    from .replay import read_file

    try:
        data = read_file(args.file, args.format)
    except OSError as err:
        print(f"siaga112 simulate replay: {err}", file=sys.stderr)
        return 2
    for e in data.errors:
        print(f"{args.file}: {e}", file=sys.stderr)
    print(f"{len(data.rows)} rows ok, {data.skipped} skipped", file=sys.stderr)
    if args.check:
        return 1 if data.skipped else 0
    if not data.rows:
        return 1
    sc, opts = replay_plan(data, args)
    return _run(sc, opts)


def replay_plan(data: Any, args: argparse.Namespace) -> tuple[Scenario, RunOptions]:
    """The scenario and options of a replay: calls at their recorded offsets, paced by --speed.

    The simulated time between two calls is their recorded gap. In-process the virtual
    clock starts at the file's first time and --speed caps it at N× real time (none: as
    fast as possible); against a server the scheduler runs N× real time, so the wall time
    between two calls is the gap / N.
    """
    calls = data.calls()
    span = calls[-1].t if calls else 0.0
    sc = Scenario(name=f"replay:{args.file}", duration_s=span + 1.0)
    remote = bool(args.api or args.mqtt)
    if not remote and data.rows:
        sc.start = data.rows[0].when.isoformat()
    sc.operators.auto_dispatch = bool(args.auto_dispatch or not args.api)
    opts = _options(args)
    opts.calls = calls
    opts.speed = args.speed if args.speed is not None else (1.0 if remote else None)
    return sc, opts


def cmd_fleet(args: argparse.Namespace) -> int:
    """Just the fleet, as MQTT clients."""
    mqtt_url = args.mqtt or os.environ.get("SIAGA_MQTT_URL")
    if not mqtt_url:
        print("siaga112 simulate fleet: give --mqtt URL (or set SIAGA_MQTT_URL)", file=sys.stderr)
        return 2
    # Not an exercise: it plays the crews of the city pack's own units (as the demo does),
    # for a broker or gateway under load; it creates no incidents.
    sc = Scenario(name="fleet", duration_s=parse_duration(args.duration) if args.duration
                  else 365 * 86400.0, drain_s=0.0, exercise=False)
    fc = sc.fleet
    if args.decline_rate is not None:
        fc.decline_rate = args.decline_rate
    if args.ack_delay:
        parts = [float(x) for x in args.ack_delay.split(",")]
        fc.ack_delay_s = (parts[0], parts[-1])
    if args.report_interval:
        fc.report_interval_s = args.report_interval
    if args.gps_loss_per_day is not None:
        fc.faults.gps_loss_per_day = args.gps_loss_per_day
    if args.network_drops_per_day is not None:
        fc.faults.network_drop_per_day = args.network_drops_per_day
    if args.out_of_service_per_day is not None:
        fc.faults.out_of_service_per_day = args.out_of_service_per_day
    fc.stations_down = tuple(args.station_down)
    fc.owntracks = args.owntracks
    opts = RunOptions(speed=args.speed, mqtt=mqtt_url, progress=not args.quiet,
                      mqtt_prefix=args.mqtt_prefix or "siaga")
    stopping = threading.Event()
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    summary = run_remote(sc, opts, stop=stopping.is_set)
    print_summary(summary, sys.stdout)
    return 0


def cmd_scenario(args: argparse.Namespace) -> int:
    """A training scenario."""
    try:
        sc = load_scenario(args.name)
    except (OSError, ValueError) as err:
        print(f"siaga112 simulate scenario: {err}", file=sys.stderr)
        return 2
    if args.duration:
        sc.duration_s = parse_duration(args.duration)
    if args.seed is not None:
        sc.seed = args.seed
    if args.trainees:
        sc.operators.auto_dispatch = False
    opts = _options(args)
    return _run(sc, opts)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `siaga112 simulate`."""
    args = build_parser().parse_args(list(argv) if argv is not None else None)
    logging.getLogger("simulators").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    handler = {"incidents": cmd_incidents, "replay": cmd_replay, "fleet": cmd_fleet,
               "scenario": cmd_scenario}[args.what]
    try:
        return handler(args)
    except ValueError as err:
        print(f"siaga112 simulate {args.what}: {err}", file=sys.stderr)
        return 2
