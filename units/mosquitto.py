"""A Mosquitto process we own: started on a given port by the tests and the benchmarks."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from units.broker import free_port

MOSQUITTO_CANDIDATES = ("mosquitto", "/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto")


def mosquitto_binary() -> str | None:
    """Path of the mosquitto executable, if installed."""
    for cand in MOSQUITTO_CANDIDATES:
        path = shutil.which(cand) or (cand if Path(cand).exists() else None)
        if path:
            return path
    return None


def wait_port(port: int, timeout: float = 10.0) -> None:
    """Block until something accepts connections on the port."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listening on port {port}")


@dataclass
class Mosquitto:
    """A running Mosquitto process the caller owns."""

    port: int
    workdir: Path
    proc: subprocess.Popen[bytes] | None = None
    extra_conf: str = ""
    persistence: bool = True
    max_queued_messages: int = 100_000

    @property
    def url(self) -> str:
        """mqtt://127.0.0.1:PORT"""
        return f"mqtt://127.0.0.1:{self.port}"

    def start(self) -> Mosquitto:
        """Write a config and start the broker; returns self once it listens."""
        binary = mosquitto_binary()
        if binary is None:
            raise RuntimeError("mosquitto is not installed; run `make install`")
        self.workdir.mkdir(parents=True, exist_ok=True)
        conf = self.workdir / "mosquitto.conf"
        persistence = (f"persistence true\npersistence_location {self.workdir}/\n"
                       "autosave_interval 1\n" if self.persistence else "")
        conf.write_text(
            f"listener {self.port} 127.0.0.1\n"
            "allow_anonymous true\n"
            + persistence
            + f"max_queued_messages {self.max_queued_messages}\n"
            "max_inflight_messages 0\n"
            # As root, mosquitto drops to the `mosquitto` user, which cannot write
            # its persistence file into a private temp folder.
            + ("user root\n" if os.geteuid() == 0 else "")
            + self.extra_conf
        )
        log = open(self.workdir / "mosquitto.log", "ab")  # noqa: SIM115
        # The binary is found on PATH/sbin by mosquitto_binary(); the config is ours.
        self.proc = subprocess.Popen(  # noqa: S603
            [binary, "-c", str(conf)], stdout=log, stderr=log)
        wait_port(self.port)
        return self

    def stop(self) -> None:
        """Stop the broker (it saves its persistence file on a clean stop)."""
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.proc = None

    def restart(self) -> None:
        """Stop and start again on the same port and persistence folder."""
        self.stop()
        self.start()


@contextlib.contextmanager
def running_mosquitto(workdir: Path, extra_conf: str = "") -> Iterator[Mosquitto]:
    """A Mosquitto for the duration of a with-block."""
    broker = Mosquitto(port=free_port(), workdir=workdir, extra_conf=extra_conf).start()
    try:
        yield broker
    finally:
        broker.stop()
