"""The `siaga112` command line: serve, demo, classify, accounts, benchmarks, simulators."""

from __future__ import annotations

import argparse
import gc
import importlib
import json
import logging
import os
import secrets
import signal
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

log = logging.getLogger("siaga112")

DEMO_ACCOUNTS: tuple[tuple[str, str, str, str | None], ...] = (
    ("operator", "operator112", "operator", None),
    ("supervisor", "supervisor112", "supervisor", None),
    ("admin", "admin112", "admin", None),
    ("dishub", "dishub112", "agency", "DISHUB"),
)


def _settings(args: argparse.Namespace | None = None) -> Any:
    from dispatch.config import settings_from_env

    return settings_from_env()


def _secret_key(path: Path) -> str:
    """A secret key kept on disk so sessions survive a restart."""
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key


def cmd_classify(args: argparse.Namespace) -> int:
    """Print the classification of a text (or of each stdin line with '-')."""
    from dispatch.classify import classify

    if args.text == "-":
        for line in sys.stdin:
            text = line.rstrip("\n")
            print(json.dumps(classify(text).as_dict(), ensure_ascii=False), flush=True)
        return 0
    print(json.dumps(classify(args.text).as_dict(), ensure_ascii=False))
    return 0


def _runtime(settings: Any, field: bool = False, demo: bool = False) -> Any:
    """The composition root for this process's role (`dispatch.bootstrap`), with the
    field-unit side when `field`, the console push through Redis for a worker, and the
    Redis relay between processes."""
    from dispatch.bootstrap import bootstrap
    from dispatch.citypack import CityPackError

    live = None
    if settings.role == "worker" and settings.redis_url:
        from web.live import external_push

        def live(_rt: Any) -> Any:
            return external_push(settings.redis_url)

    field_parts = None
    if field:
        from units.setup import field_parts as make_field_parts

        field_parts = make_field_parts(embedded=demo)
    try:
        return bootstrap(settings, field=field_parts, live=live, relay=_relay())
    except CityPackError as err:
        print(f"siaga112: city pack error: {err}", file=sys.stderr)
        raise SystemExit(2) from None


def _relay() -> Any:
    """The cross-process relay of events and fleet changes, when this build has one."""
    try:
        relay = importlib.import_module("dispatch.relay")
    except ModuleNotFoundError:
        return None
    return getattr(relay, "attach_relay", None)


def _port_in_use(host: str, port: int) -> str | None:
    """Why the HTTP port cannot be had (someone listens there), or None when it is free."""
    import socket

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as err:
        return f"alamat {host!r} tidak dikenal / unknown address {host!r}: {err}"
    family, _, _, _, addr = infos[0]
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        # The same option the server binds with, so a port in TIME_WAIT is not "busy".
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(addr)
        except OSError as err:
            return (f"port {port} di {host} sudah dipakai / port {port} on {host} is already in "
                    f"use ({err.strerror}). Pilih port lain / choose another: --port N "
                    "(make demo PORT=N)")
    return None


def _serve(rt: Any, host: str, port: int, on_ready: Callable[[Any], None] | None = None) -> int:
    from web import create_app
    from web.extensions import socketio

    app = create_app(runtime=rt)
    rt.start()
    if on_ready:
        on_ready(app)
    # Start-up objects (city pack, fleet, classifier model) live for the whole
    # process: keeping them out of GC scans removes millisecond pauses.
    gc.collect()
    gc.freeze()
    # One log line per request would cost more than handling the request; and the
    # "Werkzeug in production" warning is answered by the line below.
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    # SIGTERM (systemd, a test, Ctrl-C's cousin) ends through `finally`, so the broker,
    # timers and track writer stop cleanly instead of dying mid-write.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print(f"Siaga112 siap / ready: http://{host}:{port}", flush=True)
    print("  (server satu proses untuk demo/pengembangan / single-process demo and development "
          "server; production: `siaga112 serve`)", flush=True)
    try:
        socketio.run(app, host=host, port=port, allow_unsafe_werkzeug=True, use_reloader=False,
                     log_output=False)
    finally:
        rt.stop()
    return 0


def _role_refusal(settings: Any) -> str | None:
    """Why this role cannot run with these settings, or None."""
    if settings.role == "all":
        return None
    missing = [name for name, value in (("SIAGA_MQTT_URL", settings.mqtt_url),
                                        ("SIAGA_REDIS_URL", settings.redis_url)) if not value]
    if missing:
        return (f"--role {settings.role} perlu / needs {' dan / and '.join(missing)}: web and "
                "worker processes share one MQTT broker and reach each other through Redis")
    return None


def _work(rt: Any) -> int:
    """A worker: MQTT ingest, timers and outbox, no HTTP; until SIGTERM or Ctrl-C."""
    import threading

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    rt.start()
    gc.collect()
    gc.freeze()
    print("Siaga112 worker siap / ready (MQTT, timers, outbox)", flush=True)
    try:
        while not stop.wait(1.0):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        rt.stop()
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    """Production mode: migrate, connect to the configured broker, serve with gunicorn."""
    settings = _settings().with_(role=args.role)
    refusal = _role_refusal(settings)
    if refusal:
        print(f"siaga112 serve: {refusal}", file=sys.stderr)
        return 2
    if settings.role != "worker":
        busy = _port_in_use(args.host, args.port)
        if busy:
            print(f"siaga112 serve: {busy}", file=sys.stderr)
            return 2
    if not settings.secret_key:
        settings = settings.with_(secret_key=_secret_key(Path("var/secret_key")))
    if settings.role == "worker":
        return _work(_runtime(settings, field=True))
    # Fail fast in the parent on a bad city pack or database, and migrate once.
    rt = _runtime(settings)
    rt.stop()
    if args.dev_server:
        return _serve(_runtime(settings, field=True), args.host, args.port)

    from web import create_app

    from .server import run_gunicorn

    def build() -> tuple[Any, Any]:
        worker_rt = _runtime(settings, field=True)
        app = create_app(runtime=worker_rt)
        worker_rt.start()
        return app, worker_rt

    def close_consoles() -> None:
        from web.extensions import socketio

        eio = socketio.server.eio
        for sid in list(eio.sockets):
            try:
                eio.disconnect(sid)
            except Exception:  # noqa: S112  (a socket already gone is fine)
                continue

    print(f"Siaga112 siap / ready: http://{args.host}:{args.port} (role {settings.role})",
          flush=True)
    run_gunicorn(build, args.host, args.port, threads=args.threads, on_term=close_consoles)
    return 0


DEMO_DATABASE_URL = "sqlite:///var/demo.db"


def _demo_refusal(url: str) -> str | None:
    """Why the demo must not run on this database (it has real accounts), or None."""
    from sqlalchemy.engine import make_url

    from dispatch.db.engine import make_engine
    from dispatch.services.accounts import non_demo_usernames

    engine = make_engine(url)
    try:
        count, names = non_demo_usernames(engine)
    finally:
        engine.dispose()
    if not count:
        return None
    shown = ", ".join(names) + (", …" if count > len(names) else "")
    where = make_url(url).render_as_string(hide_password=True)
    return (
        f"siaga112 demo: menolak berjalan / refusing to run on {where}: it has {count} account(s) "
        f"that are not demo accounts ({shown}).\n"
        "  The demo plants accounts with well-known passwords, so it only runs on a database of "
        "its own.\n"
        f"  Unset SIAGA_DATABASE_URL (the demo then uses {DEMO_DATABASE_URL}) or point it at an "
        "empty database; production is `siaga112 serve`."
    )


def _plant_demo_accounts(rt: Any) -> None:
    """The printed demo accounts, marked as demo users, plus the simulated dispatcher's."""
    from dispatch.services import accounts

    for username, password, role, opd in DEMO_ACCOUNTS:
        accounts.ensure_demo_user(rt, username, password, role, opd_code=opd)
    try:
        from simulators.demo import DEMO_OPERATOR
    except ModuleNotFoundError:
        return
    # The simulation acts through this account; made here, disabled, so it counts as demo.
    accounts.ensure_demo_user(rt, DEMO_OPERATOR, secrets.token_urlsafe(18), "operator",
                              active=False)


def cmd_demo(args: argparse.Namespace) -> int:
    """Everything embedded: SQLite, in-process broker, simulated fleet and calls."""
    from dispatch.config import settings_from_env
    from dispatch.services.errors import ServiceError

    # Before anything is started or printed: a busy port must not follow a "ready".
    busy = _port_in_use(args.host, args.port)
    if busy:
        print(f"siaga112 demo: {busy}", file=sys.stderr)
        return 2
    settings = settings_from_env()
    if "SIAGA_DATABASE_URL" not in os.environ:
        settings = settings.with_(database_url=DEMO_DATABASE_URL)
    # Checked before anything is migrated or written: a production database stays untouched.
    refusal = _demo_refusal(settings.database_url)
    if refusal:
        print(refusal, file=sys.stderr)
        return 3
    # Kept on disk beside the demo database, so a restarted demo keeps people logged in.
    settings = settings.with_(
        secret_key=settings.secret_key or _secret_key(Path("var/demo_secret_key")))
    rt = _runtime(settings, field=True, demo=True)
    try:
        _plant_demo_accounts(rt)
    except ServiceError as err:
        rt.stop()
        print(f"siaga112 demo: {err.message}", file=sys.stderr)
        return 3
    # The broker's port is chosen at start: say where it is, for field clients and simulators.
    gateway = rt.orders
    print(f"Broker MQTT / MQTT broker: {getattr(gateway, 'public_url', None)} "
          f"(prefix {rt.settings.mqtt_prefix!r}; `siaga112 simulate … --api URL --token T` "
          "finds it by itself)", flush=True)
    print("Akun demo / demo accounts (hanya untuk demo / demo only):")
    for username, password, role, _opd in DEMO_ACCOUNTS:
        print(f"  {role:<10} {username} / {password}")

    def start_load(app: Any) -> None:
        if args.no_simulation:
            return
        try:
            sim = importlib.import_module("simulators.demo")
        except ModuleNotFoundError:
            return
        sim.start(rt, app)

    return _serve(rt, args.host, args.port, on_ready=start_load)


_MONTHS_ID = ("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des")


def _local(at: Any, tz: Any) -> str:
    """`01 Des 2026 02:14 WIB` in the city's zone; `-` for none."""
    if at is None:
        return "-"
    local = at.astimezone(tz)
    return f"{local.day:02d} {_MONTHS_ID[local.month - 1]} {local.year} {local:%H:%M} {local.tzname()}"


def _city_tz(rt: Any) -> Any:
    from zoneinfo import ZoneInfo

    try:
        return ZoneInfo(rt.city.timezone)
    except Exception:
        return ZoneInfo("UTC")


def _read_password(args: argparse.Namespace) -> str | None:
    if not args.password_stdin:
        print("siaga112: use --password-stdin (passwords never go on the command line)",
              file=sys.stderr)
        return None
    return sys.stdin.readline().rstrip("\r\n")


def _accounts_call(fn: Callable[[Any], int]) -> int:
    """Run `fn(runtime)`; a service error is one line on stderr and exit code 1."""
    from dispatch.services.errors import ServiceError

    rt = _runtime(_settings())
    try:
        return fn(rt)
    except ServiceError as err:
        print(f"siaga112: {err.message}", file=sys.stderr)
        return 1
    finally:
        rt.stop()


def cmd_users(args: argparse.Namespace) -> int:
    """Create a user; the password comes from stdin, never the command line."""
    from dispatch.services import accounts

    password = _read_password(args)
    if password is None:
        return 2

    def run(rt: Any) -> int:
        user = accounts.create_user(rt, args.name, password, args.role, opd_code=args.opd)
        print(f"user {user.username} created with role {user.role}")
        return 0

    return _accounts_call(run)


def cmd_units_credentials(args: argparse.Namespace) -> int:
    """Create or renew the crew app login of units; the passwords are printed once."""
    from dispatch.services import accounts

    def run(rt: Any) -> int:
        made = [accounts.unit_credentials(rt, unit_id) for unit_id in args.units]
        if args.json:
            print(json.dumps([{"unit": c.username, "username": c.username,
                               "password": c.password, "created": c.created} for c in made]))
            return 0
        for c in made:
            word = "created" if c.created else "renewed (old password and sessions ended)"
            print(f"{c.username}: login {c.username} / {c.password}  [{word}] at /crew")
        return 0

    return _accounts_call(run)


def cmd_users_active(args: argparse.Namespace) -> int:
    """Disable a user (sessions end, tokens refused) or enable it (lifts a lockout too)."""
    from dispatch.services import accounts

    active = args.users_command == "enable"

    def run(rt: Any) -> int:
        done = accounts.set_active(rt, args.name, active)
        if active:
            print(f"user {args.name} enabled (lockout lifted)")
        else:
            print(f"user {args.name} disabled: {done.sessions} session(s) ended; "
                  "its tokens are refused while disabled")
        return 0

    return _accounts_call(run)


def cmd_users_passwd(args: argparse.Namespace) -> int:
    """Set a user's password from stdin; every session of the user ends."""
    from dispatch.services import accounts

    password = _read_password(args)
    if password is None:
        return 2

    def run(rt: Any) -> int:
        done = accounts.set_password(rt, args.name, password, revoke_tokens=args.revoke_tokens)
        print(f"password of {args.name} changed: {done.sessions} session(s) ended, "
              f"{done.tokens} token(s) revoked")
        return 0

    return _accounts_call(run)


def cmd_tokens(args: argparse.Namespace) -> int:
    """Create an API token; printed once, as the last line."""
    from dispatch.services import accounts

    def run(rt: Any) -> int:
        token = accounts.create_token(rt, args.name, args.label, expires_days=args.expires_days)
        days = args.expires_days or rt.settings.token_days
        print(f"token for {args.name}, valid {days} day(s) (shown once; store it safely):")
        print(token)
        return 0

    return _accounts_call(run)


def cmd_tokens_list(args: argparse.Namespace) -> int:
    """List tokens (id, prefix, user, dates, state); never the secret."""
    from dispatch.services import accounts

    def run(rt: Any) -> int:
        rows = accounts.list_tokens(rt, args.name)
        if args.json:
            for row in rows:
                print(json.dumps({k: (v.isoformat() if hasattr(v, "isoformat") else v)
                                  for k, v in row.items()}, ensure_ascii=False))
            return 0
        tz = _city_tz(rt)
        header = ("ID", "PREFIX", "USER", "LABEL", "CREATED", "EXPIRES", "LAST USED", "STATE")
        table = [header] + [
            (str(r["id"]), r["prefix"] or "-", r["user"], r["name"], _local(r["created_at"], tz),
             _local(r["expires_at"], tz), _local(r["last_used_at"], tz),
             r["state"] + (f" {_local(r['revoked_at'], tz)}" if r["revoked_at"] else ""))
            for r in rows
        ]
        widths = [max(len(row[i]) for row in table) for i in range(len(header))]
        for row in table:
            print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
        return 0

    return _accounts_call(run)


def cmd_tokens_revoke(args: argparse.Namespace) -> int:
    """Revoke one token by id or prefix (as `tokens list` shows them)."""
    from dispatch.services import accounts

    def run(rt: Any) -> int:
        done = accounts.revoke_token_ref(rt, args.ref)
        state = "revoked" if done["was_live"] else "was already revoked"
        print(f"token {done['id']} ({done['prefix'] or '-'}) of {done['user']} {state}")
        return 0

    return _accounts_call(run)


def cmd_db(args: argparse.Namespace) -> int:
    """Apply the migrations to the configured database."""
    from dispatch.db.engine import make_engine, migrate

    engine = make_engine(_settings().database_url)
    migrate(engine)
    print("database is at the newest revision")
    return 0


def _delegate(module: str) -> Callable[[argparse.Namespace], int]:
    """Run `module.main(argv)` with the rest of the command line."""

    def run(args: argparse.Namespace) -> int:
        mod = importlib.import_module(module)
        result = mod.main(args.rest)
        return result if isinstance(result, int) else 0

    return run


def cmd_bench(args: argparse.Namespace) -> int:
    """Run a benchmark from bench/; its last line is one JSON object."""
    try:
        mod = importlib.import_module(f"bench.{args.name.replace('-', '_')}")
    except ModuleNotFoundError:
        print(f"siaga112: no benchmark named {args.name!r}", file=sys.stderr)
        return 2
    result = mod.main(args.rest)
    return result if isinstance(result, int) else 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand."""
    p = argparse.ArgumentParser(prog="siaga112", description="Siaga112 emergency dispatch")
    p.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = p.add_subparsers(dest="command", required=True)

    c = sub.add_parser("classify", help="classify a description (- reads lines from stdin)")
    c.add_argument("text")
    c.set_defaults(func=cmd_classify)

    for name, func, helptext in (
        ("serve", cmd_serve, "serve against the configured database and broker"),
        ("demo", cmd_demo, "everything embedded, with a simulated city"),
    ):
        s = sub.add_parser(name, help=helptext)
        s.add_argument("--host", default="127.0.0.1")
        s.add_argument("--port", type=int, default=5000)
        if name == "demo":
            s.add_argument("--no-simulation", action="store_true",
                           help="no simulated fleet or incident stream")
        else:
            s.add_argument("--threads", type=int, default=128,
                           help="worker threads (each open console holds one)")
            s.add_argument("--role", choices=("all", "web", "worker"), default="all",
                           help="all: one process does everything (default); web: HTTP and "
                                "Socket.IO only; worker: MQTT ingest, timers, outbox, no HTTP "
                                "(web and worker need SIAGA_MQTT_URL and SIAGA_REDIS_URL)")
            s.add_argument("--dev-server", action="store_true",
                           help="Werkzeug's development server instead of gunicorn")
        s.set_defaults(func=func)

    u = sub.add_parser("users", help="manage users")
    usub = u.add_subparsers(dest="users_command", required=True)
    uc = usub.add_parser("create", help="create a user")
    uc.add_argument("name")
    uc.add_argument("--role", required=True,
                    choices=("operator", "supervisor", "admin", "agency", "viewer"))
    uc.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    uc.add_argument("--opd", default=None, help="OPD code for agency users")
    uc.set_defaults(func=cmd_users)
    for name, helptext in (
        ("disable", "disable a user: sessions end, tokens are refused, no login"),
        ("enable", "enable a user again and lift a login lockout"),
    ):
        ua = usub.add_parser(name, help=helptext)
        ua.add_argument("name")
        ua.set_defaults(func=cmd_users_active)
    up = usub.add_parser("passwd", help="set a user's password (every session ends)")
    up.add_argument("name")
    up.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    up.add_argument("--revoke-tokens", action="store_true", help="also revoke the user's tokens")
    up.set_defaults(func=cmd_users_passwd)

    t = sub.add_parser("tokens", help="manage API tokens")
    tsub = t.add_subparsers(dest="tokens_command", required=True)
    tc = tsub.add_parser("create", help="create a token acting as a user")
    tc.add_argument("name", help="the user the token acts as")
    tc.add_argument("--label", default="api", help="what the token is for")
    tc.add_argument("--expires-days", type=int, default=None,
                    help="lifetime in days (default SIAGA_TOKEN_DAYS, 90)")
    tc.set_defaults(func=cmd_tokens)
    tl = tsub.add_parser("list", help="list tokens (never their secret)")
    tl.add_argument("name", nargs="?", default=None, help="only this user's tokens")
    tl.add_argument("--json", action="store_true", help="one JSON object per token")
    tl.set_defaults(func=cmd_tokens_list)
    tr = tsub.add_parser("revoke", help="revoke a token by id or prefix")
    tr.add_argument("ref", metavar="ID|PREFIX")
    tr.set_defaults(func=cmd_tokens_revoke)

    un = sub.add_parser("units", help="field units")
    unsub = un.add_subparsers(dest="units_command", required=True)
    ucr = unsub.add_parser("credentials", help="create or renew the crew app login of units "
                           "(role unit, user name = unit id; the password is printed once)")
    ucr.add_argument("units", nargs="+", metavar="UNIT")
    ucr.add_argument("--json", action="store_true", help="one JSON list instead of lines")
    ucr.set_defaults(func=cmd_units_credentials)

    d = sub.add_parser("db", help="database maintenance")
    dsub = d.add_subparsers(dest="db_command", required=True)
    dsub.add_parser("upgrade", help="apply migrations").set_defaults(func=cmd_db)

    b = sub.add_parser("bench", help="benchmarks: recommend, coverage, intake, classify, ingest, push, kpis, soak")
    b.add_argument("name")
    b.add_argument("rest", nargs=argparse.REMAINDER)
    b.set_defaults(func=cmd_bench)

    for name, module, helptext in (
        ("simulate", "simulators.cli", "simulators: incidents, replay, fleet, scenario"),
        ("mqtt-config", "units.mqtt_config", "write a Mosquitto config, password file and ACL"),
    ):
        # No option prefix here, so `mqtt-config --out DIR` reaches the module's own parser
        # whole (a REMAINDER positional does not take a leading "--option" otherwise).
        s = sub.add_parser(name, help=helptext, add_help=False, prefix_chars="\x00")
        s.add_argument("rest", nargs=argparse.REMAINDER)
        s.set_defaults(func=_delegate(module))
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if not args.verbose:
        # Migration chatter at every start would bury the lines a newcomer needs.
        logging.getLogger("alembic").setLevel(logging.WARNING)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    raise SystemExit(main())
