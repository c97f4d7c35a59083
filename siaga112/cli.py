"""The `siaga112` command line: serve, demo, classify, accounts, benchmarks, simulators."""

from __future__ import annotations

import argparse
import gc
import importlib
import json
import logging
import os
import secrets
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


def _runtime(settings: Any) -> Any:
    from dispatch.citypack import CityPackError
    from dispatch.runtime import Runtime

    try:
        return Runtime(settings)
    except CityPackError as err:
        print(f"siaga112: city pack error: {err}", file=sys.stderr)
        raise SystemExit(2) from None


def _attach_background(rt: Any, demo: bool) -> None:
    from units.setup import attach

    attach(rt, embedded=demo)


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
    print(f"Siaga112 siap / ready: http://{host}:{port}", flush=True)
    print("  (server satu proses untuk demo/pengembangan / single-process demo and development "
          "server; production: `siaga112 serve`)", flush=True)
    try:
        socketio.run(app, host=host, port=port, allow_unsafe_werkzeug=True, use_reloader=False,
                     log_output=False)
    finally:
        rt.stop()
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    """Production mode: migrate, connect to the configured broker, serve with gunicorn."""
    settings = _settings()
    if not settings.secret_key:
        settings = settings.with_(secret_key=_secret_key(Path("var/secret_key")))
    # Fail fast in the parent on a bad city pack or database, and migrate once.
    rt = _runtime(settings)
    rt.stop()
    if args.dev_server:
        rt = _runtime(settings)
        _attach_background(rt, demo=False)
        return _serve(rt, args.host, args.port)

    from web import create_app

    from .server import run_gunicorn

    def build() -> tuple[Any, Any]:
        worker_rt = _runtime(settings)
        _attach_background(worker_rt, demo=False)
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

    print(f"Siaga112 siap / ready: http://{args.host}:{args.port}", flush=True)
    run_gunicorn(build, args.host, args.port, threads=args.threads, on_term=close_consoles)
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """Everything embedded: SQLite, in-process broker, simulated fleet and calls."""
    from dispatch.config import settings_from_env
    from dispatch.services import accounts
    from dispatch.services.errors import Conflict

    settings = settings_from_env()
    if "SIAGA_DATABASE_URL" not in os.environ:
        settings = settings.with_(database_url="sqlite:///var/demo.db")
    # Kept on disk beside the demo database, so a restarted demo keeps people logged in.
    settings = settings.with_(
        secret_key=settings.secret_key or _secret_key(Path("var/demo_secret_key")))
    rt = _runtime(settings)
    for username, password, role, opd in DEMO_ACCOUNTS:
        try:
            accounts.create_user(rt, username, password, role, opd_code=opd)
        except Conflict:
            accounts.set_password(rt, username, password)
    _attach_background(rt, demo=True)
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


def cmd_users(args: argparse.Namespace) -> int:
    """Create a user; the password comes from stdin, never the command line."""
    from dispatch.services import accounts
    from dispatch.services.errors import ServiceError

    if not args.password_stdin:
        print("siaga112: use --password-stdin (passwords never go on the command line)",
              file=sys.stderr)
        return 2
    password = sys.stdin.readline().rstrip("\r\n")
    rt = _runtime(_settings())
    try:
        user = accounts.create_user(rt, args.name, password, args.role, opd_code=args.opd)
    except ServiceError as err:
        print(f"siaga112: {err.message}", file=sys.stderr)
        return 1
    finally:
        rt.stop()
    print(f"user {user.username} created with role {user.role}")
    return 0


def cmd_tokens(args: argparse.Namespace) -> int:
    """Create an API token; printed once, as the last line."""
    from dispatch.services import accounts
    from dispatch.services.errors import ServiceError

    rt = _runtime(_settings())
    try:
        token = accounts.create_token(rt, args.name, args.label)
    except ServiceError as err:
        print(f"siaga112: {err.message}", file=sys.stderr)
        return 1
    finally:
        rt.stop()
    print(f"token for {args.name} (shown once; store it safely):")
    print(token)
    return 0


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
            s.add_argument("--dev-server", action="store_true",
                           help="Werkzeug's development server instead of gunicorn")
        s.set_defaults(func=func)

    u = sub.add_parser("users", help="manage users")
    usub = u.add_subparsers(dest="users_command", required=True)
    uc = usub.add_parser("create", help="create a user")
    uc.add_argument("name")
    uc.add_argument("--role", required=True, choices=("operator", "supervisor", "admin", "agency"))
    uc.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    uc.add_argument("--opd", default=None, help="OPD code for agency users")
    uc.set_defaults(func=cmd_users)

    t = sub.add_parser("tokens", help="manage API tokens")
    tsub = t.add_subparsers(dest="tokens_command", required=True)
    tc = tsub.add_parser("create", help="create a token acting as a user")
    tc.add_argument("name", help="the user the token acts as")
    tc.add_argument("--label", default="api", help="what the token is for")
    tc.set_defaults(func=cmd_tokens)

    d = sub.add_parser("db", help="database maintenance")
    dsub = d.add_subparsers(dest="db_command", required=True)
    dsub.add_parser("upgrade", help="apply migrations").set_defaults(func=cmd_db)

    b = sub.add_parser("bench", help="benchmarks: recommend, coverage, intake, classify, ingest, push, kpis")
    b.add_argument("name")
    b.add_argument("rest", nargs=argparse.REMAINDER)
    b.set_defaults(func=cmd_bench)

    for name, module, helptext in (
        ("simulate", "simulators.cli", "simulators: incidents, replay, fleet, scenario"),
        ("mqtt-config", "units.mqtt_config", "write a Mosquitto password file and ACL"),
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
