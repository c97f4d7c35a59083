"""A real Mosquitto running exactly the config `siaga112 mqtt-config` writes.

As root the broker drops to user `mosquitto`, as in production, so the folder must be one
that user can reach: pytest's own tmp folders are private (0700), so this one lives in /tmp.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from units.broker import free_port
from units.mosquitto import Mosquitto
from units.mqtt_config import main as mqtt_config_main


@dataclass
class SecuredBroker:
    """The broker, the folder mqtt-config wrote, and its credentials."""

    broker: Mosquitto
    out: Path

    @property
    def port(self) -> int:
        """The plain listener's port."""
        return self.broker.port

    @property
    def users(self) -> dict[str, dict[str, Any]]:
        """credentials.json's users, read afresh (a rotation changes them)."""
        return json.loads((self.out / "credentials.json").read_text())["users"]  # type: ignore[no-any-return]

    def password(self, user: str) -> str:
        """One user's current password."""
        return str(self.users[user]["password"])

    def url(self, user: str) -> str:
        """mqtt://user:password@127.0.0.1:port"""
        return f"mqtt://{user}:{self.password(user)}@127.0.0.1:{self.port}"

    def config(self, *args: str) -> int:
        """Run `siaga112 mqtt-config --out OUT ARGS…` again (e.g. --rotate)."""
        return mqtt_config_main(["--out", str(self.out), *args])

    def saved_after(self, since_ns: int) -> bool:
        """Has the broker written its persistence file since `since_ns` (st_mtime_ns)?"""
        db = self.out / "data" / "mosquitto.db"
        return db.exists() and db.stat().st_mtime_ns > since_ns

    def db_mtime_ns(self) -> int:
        """When the persistence file was last written (0: never)."""
        db = self.out / "data" / "mosquitto.db"
        return db.stat().st_mtime_ns if db.exists() else 0


@contextlib.contextmanager
def secured_broker(units: list[str], *args: str) -> Iterator[SecuredBroker]:
    """`mqtt-config --out DIR --units … ARGS` on a free port, then `mosquitto -c DIR/mosquitto.conf`."""
    base = Path(tempfile.mkdtemp(prefix="siaga-mqtt-"))
    base.chmod(0o711)  # the broker's user may pass, not list
    try:
        out = base / "mqtt"
        port = free_port()
        code = mqtt_config_main(["--out", str(out), "--port", str(port), "--units", *units,
                                 *args])
        assert code == 0, f"mqtt-config exited {code}"
        broker = Mosquitto(port=port, workdir=base / "run", conf=out / "mosquitto.conf").start()
        try:
            yield SecuredBroker(broker, out)
        finally:
            broker.stop()
    finally:
        shutil.rmtree(base, ignore_errors=True)


def process_uid(pid: int) -> int:
    """The real uid a process runs as (from /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("Uid:"):
            return int(line.split()[1])
    raise LookupError(pid)


def eventually(check: Callable[[], Any], timeout: float = 10.0, what: str = "") -> Any:
    """Poll `check` until it returns something truthy; fail with `what` after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or check}")
        time.sleep(0.02)


def running_as_root() -> bool:
    """Whether the tests run as root (then the broker drops to user mosquitto)."""
    return os.geteuid() == 0
