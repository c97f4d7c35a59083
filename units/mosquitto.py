"""A Mosquitto process we own: started on a given port by the tests and the benchmarks."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
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


def _end_with_parent() -> None:
    """In the child, before exec: SIGTERM when the parent dies (Linux; elsewhere nothing)."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


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
    conf: Path | None = None  # a finished config (e.g. `siaga112 mqtt-config`'s), used as is
    # The demo's own broker: ends when the process that started it ends, even by kill -9.
    die_with_parent: bool = False

    @property
    def url(self) -> str:
        """mqtt://127.0.0.1:PORT"""
        return f"mqtt://127.0.0.1:{self.port}"

    def start(self) -> Mosquitto:
        """Write a config and start the broker; returns self once it listens (again: no-op)."""
        if self.proc is not None and self.proc.poll() is None:
            return self
        binary = mosquitto_binary()
        if binary is None:
            raise RuntimeError("mosquitto is not installed; run `make install`")
        self.workdir.mkdir(parents=True, exist_ok=True)
        if self.conf is not None:
            return self._run(binary, self.conf)
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
        return self._run(binary, conf)

    def _run(self, binary: str, conf: Path) -> Mosquitto:
        log_path = self.workdir / "mosquitto.log"
        with open(log_path, "ab") as log:
            # The binary is found on PATH/sbin by mosquitto_binary(); the config is ours.
            self.proc = subprocess.Popen(  # noqa: S603
                [binary, "-c", str(conf)], stdout=log, stderr=log,
                preexec_fn=_end_with_parent if self.die_with_parent else None)
        deadline = time.monotonic() + 10.0
        while True:
            try:
                wait_port(self.port, timeout=0.2)
                return self
            except TimeoutError:
                # A broker that refuses its config exits at once: say why, not "timed out".
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    tail = log_path.read_text(errors="replace").strip().splitlines()[-5:]
                    self.stop()
                    raise RuntimeError(f"mosquitto -c {conf} did not start: "
                                       + " | ".join(tail)) from None

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

    def kill(self) -> None:
        """kill -9: no chance to save; what survives is what autosave wrote."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(5)
        self.proc = None

    def reload(self) -> None:
        """SIGHUP: the broker re-reads its password file and ACL."""
        if self.proc is None or self.proc.poll() is not None:
            raise RuntimeError("mosquitto is not running")
        self.proc.send_signal(signal.SIGHUP)

    def restart(self, kill: bool = False) -> None:
        """Stop (or kill -9) and start again on the same port and persistence folder."""
        if kill:
            self.kill()
        else:
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
