"""A redis-server child process on a free loopback port, for tests and benchmarks (as
units/mosquitto.py is for Mosquitto); it can be stopped and restarted on the same port."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

from .broker import free_port


def redis_binary() -> str | None:
    """The redis-server binary, or None when it is not installed."""
    return shutil.which("redis-server")


class RedisServer:
    """One redis-server process; restart() brings it back on the same port."""

    def __init__(self, folder: Path, port: int | None = None) -> None:
        self.folder = folder
        self.port = port or free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """Its redis:// URL."""
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 10.0) -> None:
        """Start it and wait until it answers PING."""
        import redis

        binary = redis_binary()
        if binary is None:
            raise RuntimeError("redis-server not installed (scripts/ensure-system-deps.sh "
                               "installs it)")
        self.proc = subprocess.Popen(  # noqa: S603  (our own fixed argument list)
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.folder)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = redis.Redis(port=self.port)
        deadline = time.monotonic() + timeout
        try:
            while True:
                try:
                    client.ping()
                    return
                except redis.ConnectionError:
                    if self.proc.poll() is not None:
                        raise RuntimeError("redis-server exited") from None
                    if time.monotonic() > deadline:
                        self.stop()
                        raise RuntimeError("redis-server did not start") from None
                    time.sleep(0.05)
        finally:
            client.close()

    def stop(self) -> None:
        """Stop it (its clients see the connection drop)."""
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(10)
            self.proc = None

    def restart(self) -> None:
        """Stop, then start again on the same port."""
        self.stop()
        self.start()
