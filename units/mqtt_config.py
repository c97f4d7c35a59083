"""`siaga112 mqtt-config --out DIR`: a Mosquitto config, password file and ACL for Siaga112.

One credential per unit: a unit may publish only under its own id
(`<prefix>/units/<id>/{position,status,ack,online}`) and read only its own orders; an
OwnTracks phone may write only its own `owntracks/<user>/<device>` topics. N center
credentials (`siaga112-center-1..N`, one per center process, web or worker) read everything,
also through shared subscriptions (`$share/<group>/...`), and write orders.

The broker pins every client id to its user name (`use_username_as_clientid`), so a
credential can take over no session but its own. Passwords are random and kept across runs
(credentials.json, mode 600); `--rotate USER` gives one user a new password and `--reload`
makes the running broker read it. Files are readable by the user Mosquitto drops to
(`mosquitto`), its persistence folder is writable by it, and it saves its state every second
so a `kill -9` loses no queued order.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import grp
import hashlib
import json
import os
import pwd
import re
import secrets
import signal
import stat
import tempfile
from collections.abc import Collection, Iterable, Sequence
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

ITERATIONS = 101  # what mosquitto_passwd 2.x uses
SALT_BYTES = 12
USERNAME = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
BROKER_USER = "mosquitto"  # the user the Debian package's broker drops to
CREDENTIALS = "credentials.json"


def mosquitto_hash(password: str, salt: bytes | None = None, iterations: int = ITERATIONS) -> str:
    """Mosquitto 2.x password hash: `$7$<iterations>$<salt b64>$<PBKDF2-SHA512 b64>`."""
    salt = salt if salt is not None else secrets.token_bytes(SALT_BYTES)
    digest = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, iterations)
    return (f"$7${iterations}${base64.b64encode(salt).decode()}$"
            f"{base64.b64encode(digest).decode()}")


@dataclass
class Credential:
    """One MQTT login and what it may touch."""

    username: str
    password: str
    unit_id: str | None
    rules: list[tuple[str, str]] = field(default_factory=list)  # (read|write|readwrite, topic)
    role: str = "unit"  # unit | tracker | center


@dataclass
class Options:
    """What `mqtt-config` was asked for; kept in credentials.json so a re-run keeps it."""

    prefix: str = "siaga"
    centers: int = 4
    center_user: str = "siaga112-center"
    port: int = 1883
    listen: str = "127.0.0.1"
    tls_cert: str | None = None
    tls_key: str | None = None
    tls_ca: str | None = None
    tls_port: int = 8883
    tls_listen: str | None = None  # None: the same address as the plain listener
    data_dir: str | None = None  # None: OUT/data
    owner: str | None = None  # the user Mosquitto runs as; None: see resolve_owner()
    autosave_interval: int = 1

    @classmethod
    def merged(cls, given: dict[str, Any], stored: dict[str, Any] | None) -> Options:
        """Options given now win over the stored ones, which win over the defaults."""
        names = {f.name for f in fields(cls)}
        values = {k: v for k, v in (stored or {}).items() if k in names}
        values.update({k: v for k, v in given.items() if k in names and v is not None})
        return cls(**values)


def center_names(opts: Options) -> list[str]:
    """`siaga112-center-1 … -N`: one per center process, each its own client id."""
    return [f"{opts.center_user}-{i}" for i in range(1, opts.centers + 1)]


def unit_rules(unit_id: str, prefix: str) -> list[tuple[str, str]]:
    """A unit publishes under its own id only and reads only its own orders."""
    base = f"{prefix}/units/{unit_id}"
    return [
        ("write", f"{base}/position"),
        ("write", f"{base}/status"),
        ("write", f"{base}/ack"),
        ("write", f"{base}/online"),
        ("read", f"{base}/orders"),
    ]


def center_rules(prefix: str) -> list[tuple[str, str]]:
    """The center reads everything and writes orders, directly or through a shared group."""
    return [
        ("readwrite", f"{prefix}/#"),
        ("read", "owntracks/#"),
        # Mosquitto 2 checks `$share/<group>/<filter>` against <filter>; these two lines
        # serve a broker that checks the whole filter.
        ("read", f"$share/+/{prefix}/#"),
        ("read", "$share/+/owntracks/#"),
    ]


def build_credentials(
    units: Iterable[tuple[str, str | None]],
    prefix: str = "siaga",
    centers: Sequence[str] = ("siaga112-center-1",),
    previous: dict[str, str] | None = None,
) -> list[Credential]:
    """Credentials for the centers and every unit (plus its OwnTracks phone, if bound)."""
    previous = previous or {}

    def password(user: str) -> str:
        return previous.get(user) or secrets.token_urlsafe(24)

    creds = []
    taken: set[str] = set()
    for name in centers:
        if not USERNAME.match(name) or name in taken:
            raise ValueError(f"center user name {name!r} is not usable")
        taken.add(name)
        creds.append(Credential(name, password(name), None, center_rules(prefix), "center"))
    unit_users: set[str] = set()
    for unit_id, tracker in units:
        if not USERNAME.match(unit_id):
            raise ValueError(f"unit id {unit_id!r} cannot be an MQTT user name")
        if unit_id in taken:
            raise ValueError(f"user name {unit_id!r} is used twice")
        taken.add(unit_id)
        unit_users.add(unit_id)
        creds.append(Credential(unit_id, password(unit_id), unit_id, unit_rules(unit_id, prefix)))
        if tracker:
            parts = tracker.split("/")
            if len(parts) != 3 or parts[0] != "owntracks" or not USERNAME.match(parts[1]):
                raise ValueError(f"tracker {tracker!r} is not owntracks/<user>/<device>")
            user = parts[1]
            if user in unit_users or user in centers:
                raise ValueError(f"OwnTracks user {user!r} clashes with a unit or a center")
            existing = next((c for c in creds if c.username == user), None)
            if existing is None:
                existing = Credential(user, password(user), unit_id, [], "tracker")
                creds.append(existing)
                taken.add(user)
            existing.rules.append(("readwrite", f"{tracker}/#"))
    return creds


def acl_text(creds: Sequence[Credential]) -> str:
    """The Mosquitto acl_file: nothing is allowed that is not listed."""
    lines = ["# Siaga112 MQTT ACL (generated by `siaga112 mqtt-config`; do not edit by hand)", ""]
    for c in creds:
        lines.append(f"# {'unit ' + c.unit_id if c.unit_id else 'a center process'}")
        lines.append(f"user {c.username}")
        lines += [f"topic {access} {topic}" for access, topic in c.rules]
        lines.append("")
    return "\n".join(lines)


def passwd_text(creds: Sequence[Credential]) -> str:
    """The Mosquitto password_file."""
    return "".join(f"{c.username}:{mosquitto_hash(c.password)}\n" for c in creds)


def data_dir(out: Path, opts: Options) -> Path:
    """Where the broker keeps mosquitto.db and its pid file."""
    return Path(opts.data_dir).resolve() if opts.data_dir else out.resolve() / "data"


def conf_text(out: Path, opts: Options, user: str | None) -> str:
    """The broker config: pinned client ids, persistence with autosave, loopback unless told."""
    out = out.resolve()
    data = data_dir(out, opts)
    lines = [
        "# Siaga112 Mosquitto broker (generated by `siaga112 mqtt-config`; re-run it to change",
        "# this file: it keeps its options in credentials.json).",
        "per_listener_settings false",
        "allow_anonymous false",
        f"password_file {out / 'passwd'}",
        f"acl_file {out / 'acl'}",
    ]
    if user:
        lines.append(f"user {user}")
    lines += [
        "",
        "# Queued orders for offline units survive a restart and, saved every",
        "# autosave_interval seconds, a kill -9. Not autosave_on_changes: every QoS 1",
        "# delivery counts as a change, so it would write the database once per message.",
        "persistence true",
        f"persistence_location {data}/",
        f"autosave_interval {opts.autosave_interval}",
        "autosave_on_changes false",
        f"pid_file {data / 'mosquitto.pid'}",
        "max_queued_messages 10000",
        "max_packet_size 262144",
        "log_dest stderr",
        "log_type error",
        "log_type warning",
        "log_type notice",
        "log_type information",
        "",
        "# On every listener a client's id is its user name, so no credential can take over",
        "# another client's session (a per-listener option: it must follow `listener`).",
        f"listener {opts.port} {opts.listen}",
        "use_username_as_clientid true",
    ]
    if opts.tls_cert and opts.tls_key:
        lines += [
            "",
            f"listener {opts.tls_port} {opts.tls_listen or opts.listen}",
            "use_username_as_clientid true",
            f"certfile {Path(opts.tls_cert).resolve()}",
            f"keyfile {Path(opts.tls_key).resolve()}",
        ]
        if opts.tls_ca:
            lines.append(f"cafile {Path(opts.tls_ca).resolve()}")
    return "\n".join(lines) + "\n"


@dataclass
class Owner:
    """The account Mosquitto runs as, which must read the files and write the data folder."""

    name: str
    uid: int
    gid: int
    groups: frozenset[int]


def resolve_owner(name: str | None) -> Owner:
    """The broker's user: as given; as root, `mosquitto`; otherwise ourselves."""
    if name is None:
        name = BROKER_USER if os.geteuid() == 0 else pwd.getpwuid(os.geteuid()).pw_name
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        raise ValueError(
            f"user {name!r} does not exist: give --owner USER, the user Mosquitto runs as "
            "(the Debian package creates `mosquitto`)") from None
    groups = {entry.pw_gid} | {g.gr_gid for g in grp.getgrall() if name in g.gr_mem}
    return Owner(name, entry.pw_uid, entry.pw_gid, frozenset(groups))


def _allows(st: os.stat_result, owner: Owner, bits: int) -> bool:
    """Whether `owner` has the permission `bits` (r=4, w=2, x=1) on a file."""
    if owner.uid == 0:
        return True
    if st.st_uid == owner.uid:
        return bool(st.st_mode & (bits << 6))
    if st.st_gid in owner.groups:
        return bool(st.st_mode & (bits << 3))
    return bool(st.st_mode & bits)


def unreachable(path: Path, owner: Owner, bits: int = 4) -> str | None:
    """Why `owner` cannot use `path` (every parent folder must let it pass), or None."""
    path = path.resolve()
    for parent in reversed(path.parents):
        st = parent.stat()
        if not _allows(st, owner, 1):
            return (f"{parent} (mode {stat.filemode(st.st_mode)}) does not let user "
                    f"{owner.name} reach {path}")
    if path.exists() and not _allows(path.stat(), owner, bits):
        return f"user {owner.name} may not {'write' if bits & 2 else 'read'} {path}"
    return None


@dataclass
class Generated:
    """What write_config wrote."""

    creds: list[Credential]
    centers: list[Credential]
    options: Options
    owner: Owner
    conf: Path
    pid_file: Path
    warnings: list[str]


class _Placer:
    """Writes files atomically with a mode and, where it can, the broker's group."""

    def __init__(self, owner: Owner, warnings: list[str]) -> None:
        self.owner = owner
        self.warnings = warnings
        self.me = os.geteuid()
        self.shared = owner.uid != self.me  # the broker runs as another user than us

    def write(self, path: Path, text: str, mode: int, broker_reads: bool) -> None:
        """Replace `path`; group = the broker's when it must read the file."""
        # Atomic: a broker reloading (SIGHUP) mid-write must never see half a password file.
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        try:
            with os.fdopen(fd, "w") as fh:
                fh.write(text)
                fh.flush()
                os.fchmod(fh.fileno(), mode)
                if broker_reads and self.shared:
                    self._chgrp(lambda: os.fchown(fh.fileno(), -1, self.owner.gid), path)
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise

    def _chgrp(self, change: Any, path: Path) -> None:
        try:
            change()
        except PermissionError:
            self.warnings.append(f"cannot give {path} to group {self.owner.name}: run "
                                 f"`chgrp {self.owner.name} {path}` as root")

    def folder(self, path: Path, broker_writes: bool) -> None:
        """Create (or open up) a folder so the broker can pass it, and write it if asked."""
        created = not path.exists()
        path.mkdir(parents=True, exist_ok=True)
        o = self.owner
        if not self.shared:
            if created:
                path.chmod(0o700)
            return
        if broker_writes:
            if self.me == 0:
                os.chown(path, o.uid, o.gid)
                if created:
                    path.chmod(0o750)
            elif unreachable(path, o, 2 | 1):
                self.warnings.append(f"{path} must be writable by {o.name}: run "
                                     f"`chown {o.name} {path}` as root")
        elif created or unreachable(path, o, 1):
            # Only the broker's group may pass: passwd and acl are inside.
            self._chgrp(lambda: os.chown(path, -1, o.gid), path)
            path.chmod(0o750 if created else path.stat().st_mode & 0o7777 | 0o050)


def _read_stored(out: Path) -> dict[str, Any]:
    path = out / CREDENTIALS
    if not path.exists():
        return {}
    data = json.loads(path.read_text())
    return data if isinstance(data, dict) else {}


def stored_units(out: Path) -> list[tuple[str, str | None]] | None:
    """The units of an earlier run (None when it did not record them)."""
    units = _read_stored(out).get("units")
    if not isinstance(units, list):
        return None
    return [(str(u["id"]), u.get("tracker")) for u in units]


def write_config(
    out: Path,
    units: Iterable[tuple[str, str | None]],
    options: Options | None = None,
    rotate: Collection[str] | None = None,
    **given: Any,
) -> Generated:
    """Write mosquitto.conf, passwd, acl, credentials.json and center-N.env into `out`.

    `rotate`: None keeps every password, an empty collection renews all, names renew those.
    Options not given keep the values of the previous run (then the defaults).
    """
    units = list(units)
    stored = _read_stored(out)
    opts = options or Options.merged(given, stored.get("options"))
    if opts.centers < 1:
        raise ValueError("--centers must be at least 1")
    if opts.tls_cert and not opts.tls_key:
        raise ValueError("--tls-cert needs --tls-key")
    owner = resolve_owner(opts.owner)
    previous = {u: v["password"] for u, v in stored.get("users", {}).items()}
    if rotate is not None:
        if not rotate:
            previous = {}
        else:
            unknown = sorted(set(rotate) - set(previous))
            if unknown:
                raise ValueError(f"cannot rotate {', '.join(unknown)}: no such MQTT user in "
                                 f"{out / CREDENTIALS}")
            previous = {u: p for u, p in previous.items() if u not in rotate}
    centers = center_names(opts)
    creds = build_credentials(units, opts.prefix, centers, previous)

    warnings: list[str] = []
    placer = _Placer(owner, warnings)
    placer.folder(out, broker_writes=False)
    data = data_dir(out, opts)
    placer.folder(data, broker_writes=True)
    # The broker only needs read access to the config, passwd and acl, not credentials.json.
    conf = out / "mosquitto.conf"
    placer.write(out / "passwd", passwd_text(creds), 0o640, broker_reads=True)
    placer.write(out / "acl", acl_text(creds), 0o640, broker_reads=True)
    placer.write(conf, conf_text(out, opts, owner.name), 0o640, broker_reads=True)
    placer.write(out / CREDENTIALS, json.dumps({
        "centers": centers,
        "units": [{"id": u, "tracker": t} for u, t in units],
        "options": asdict(opts),
        "users": {c.username: {"password": c.password, "role": c.role, "unit_id": c.unit_id,
                               "topics": [f"{a} {t}" for a, t in c.rules]} for c in creds},
    }, indent=2) + "\n", 0o600, broker_reads=False)
    host = "127.0.0.1" if opts.listen in ("0.0.0.0", "::", "") else opts.listen  # noqa: S104
    center_creds = [c for c in creds if c.role == "center"]
    for i, c in enumerate(center_creds, start=1):
        placer.write(out / f"center-{i}.env",
                     f"SIAGA_MQTT_URL=mqtt://{c.username}:{c.password}@{host}:{opts.port}\n",
                     0o600, broker_reads=False)
    for stale in out.glob("center-*.env"):
        suffix = stale.stem.removeprefix("center-")
        if not suffix.isdigit() or int(suffix) > len(center_creds):
            stale.unlink()

    trackers: dict[str, int] = {}
    for _u, t in units:
        if t:
            trackers[t.split("/")[1]] = trackers.get(t.split("/")[1], 0) + 1
    warnings += [f"OwnTracks user {u!r} has {n} devices: with client ids pinned to user names "
                 "only one can be connected at a time; give each phone its own user"
                 for u, n in trackers.items() if n > 1]
    for path, bits in ((out / "passwd", 4), (data, 2 | 1)):
        problem = unreachable(path, owner, bits)
        if problem:
            warnings.append(f"Mosquitto will not start: {problem}")
    for tls in (opts.tls_cert, opts.tls_key, opts.tls_ca):
        # Mosquitto loads certificates after dropping to its user.
        problem = unreachable(Path(tls), owner, 4) if tls else None
        if problem:
            warnings.append(f"Mosquitto will not start: {problem} (e.g. `chgrp {owner.name} "
                            f"{tls}; chmod 640 {tls}`)")
    return Generated(creds, center_creds, opts, owner, conf, data / "mosquitto.pid", warnings)


def reload_broker(pid_file: Path) -> int:
    """SIGHUP the broker named in its pid file: it re-reads passwd and acl; returns the pid."""
    try:
        pid = int(pid_file.read_text().strip())
    except (OSError, ValueError):
        raise ValueError(f"no broker pid in {pid_file} (is Mosquitto running with this "
                         "config?)") from None
    comm = Path(f"/proc/{pid}/comm")
    if comm.exists() and comm.read_text().strip() != "mosquitto":
        raise ValueError(f"process {pid} from {pid_file} is not mosquitto (stale pid file?)")
    try:
        os.kill(pid, signal.SIGHUP)
    except ProcessLookupError:
        raise ValueError(f"no process {pid} (stale pid file {pid_file}?)") from None
    return pid


def _units_from_database() -> list[tuple[str, str | None]]:
    from dispatch.bootstrap import bootstrap
    from dispatch.config import settings_from_env

    rt = bootstrap(settings_from_env())
    try:
        return [(u.id, u.tracker) for u in rt.fleet.all()]
    finally:
        rt.stop()


def build_parser() -> argparse.ArgumentParser:
    """Options of `siaga112 mqtt-config` (left unset: as in the previous run, or defaults)."""
    d = Options()
    p = argparse.ArgumentParser(
        prog="siaga112 mqtt-config",
        description="write a Mosquitto config, password file and ACL for Siaga112; options "
                    "not given keep the values of the previous run in the same --out folder")
    p.add_argument("--out", required=True, type=Path, help="folder for mosquitto.conf, passwd, "
                   "acl, credentials.json (e.g. /etc/mosquitto/siaga112)")
    p.add_argument("--units", nargs="*", default=None,
                   help="unit ids (default: every unit in the configured database; with "
                        "--rotate, the units of the previous run)")
    p.add_argument("--prefix", default=os.environ.get("SIAGA_MQTT_PREFIX"),
                   help=f"topic prefix (default {d.prefix})")
    p.add_argument("--centers", type=int, help=f"center credentials, one per center process "
                   f"(default {d.centers})")
    p.add_argument("--center-user", help=f"center user names: NAME-1 … NAME-N "
                   f"(default {d.center_user})")
    p.add_argument("--port", type=int, help=f"plain listener port (default {d.port})")
    p.add_argument("--listen", help=f"plain listener address (default {d.listen}; "
                   "0.0.0.0 for every interface)")
    p.add_argument("--tls-cert", help="server certificate (PEM): adds a TLS listener")
    p.add_argument("--tls-key", help="its private key (PEM)")
    p.add_argument("--tls-ca", help="CA certificate chain (PEM), if the clients need it")
    p.add_argument("--tls-port", type=int, help=f"TLS listener port (default {d.tls_port})")
    p.add_argument("--tls-listen", help="TLS listener address (default: as --listen)")
    p.add_argument("--data-dir", help="persistence folder (default OUT/data)")
    p.add_argument("--owner", help="the user Mosquitto runs as (default: mosquitto as root, "
                   "else yourself)")
    p.add_argument("--autosave-interval", type=int,
                   help=f"seconds between persistence saves (default {d.autosave_interval})")
    p.add_argument("--rotate", nargs="*", metavar="USER", default=None,
                   help="new passwords for these users (a unit id, an OwnTracks user, a "
                        "center name); with no name, for everyone")
    p.add_argument("--reload", action="store_true",
                   help="then SIGHUP the running broker (from its pid file) to load them")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `siaga112 mqtt-config`."""
    args = build_parser().parse_args(list(argv) if argv is not None else None)
    out: Path = args.out
    given = {k: v for k, v in vars(args).items() if k not in ("out", "units", "rotate", "reload")}
    if args.units is not None:
        units = [(u, None) for u in args.units]
    elif args.rotate is not None and stored_units(out) is not None:
        units = stored_units(out) or []
    else:
        units = _units_from_database()
    try:
        gen = write_config(out, units, rotate=args.rotate, **given)
    except ValueError as err:
        print(f"siaga112 mqtt-config: {err}", flush=True)
        return 2
    opts = gen.options
    n_units = len([c for c in gen.creds if c.role == "unit"])
    print(f"{n_units} unit credentials and {len(gen.centers)} center credentials in {out}/")
    print(f"  broker: mosquitto -c {gen.conf.resolve()}   (listens on {opts.listen}:{opts.port}"
          + (f", TLS on {opts.tls_listen or opts.listen}:{opts.tls_port}" if opts.tls_cert
             else "") + ")")
    print(f"  passwords: {out}/{CREDENTIALS} (mode 600); one per center process:")
    for i, c in enumerate(gen.centers, start=1):
        print(f"    {out}/center-{i}.env  SIAGA_MQTT_URL=mqtt://{c.username}:<password>@HOST:"
              f"{opts.port}")
    for w in gen.warnings:
        print(f"  warning: {w}", flush=True)
    if args.reload:
        try:
            pid = reload_broker(gen.pid_file)
        except ValueError as err:
            print(f"siaga112 mqtt-config: {err}", flush=True)
            return 3
        print(f"  broker {pid} reloaded (passwd and acl; a listener change needs a restart)")
    elif args.rotate is not None:
        print("  the broker still accepts the old passwords: add --reload, or run "
              "`systemctl reload mosquitto`")
    return 0
