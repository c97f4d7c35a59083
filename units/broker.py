"""The broker a runtime brings along when SIAGA_MQTT_URL is not set (demo and trials).

A real Mosquitto child process (persistence on, loopback, a free port) when the binary is
installed, which `make install` ensures. The in-process amqtt broker is only a fallback: it
refuses MQTT 3.1 (OwnTracks' default) and 5, keeps no persistent sessions (an order sent while
a unit is away is never delivered) and leaks retained messages to unrelated subscribers.
Production uses its own Mosquitto through SIAGA_MQTT_URL.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import tempfile
import threading
from pathlib import Path
from typing import Any, Protocol

log = logging.getLogger(__name__)


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now."""
    with contextlib.closing(socket.socket()) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


class EmbeddedBroker:
    """An amqtt broker on a local port, in its own event loop thread."""

    def __init__(self, host: str = "127.0.0.1", port: int | None = None) -> None:
        self.host = host
        self.port = port or free_port(host)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._broker: Any = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None

    @property
    def url(self) -> str:
        """mqtt://HOST:PORT"""
        return f"mqtt://{self.host}:{self.port}"

    def config(self) -> dict[str, Any]:
        """The amqtt configuration: one TCP listener, anonymous access on loopback only."""
        return {
            "listeners": {"default": {"type": "tcp", "bind": f"{self.host}:{self.port}"}},
            "plugins": {
                "amqtt.plugins.authentication.AnonymousAuthPlugin": {"allow_anonymous": True},
            },
        }

    def start(self, timeout: float = 15.0) -> EmbeddedBroker:
        """Start the broker thread; returns once it accepts connections."""
        if self._thread is not None:
            return self
        self._thread = threading.Thread(target=self._run, name="embedded-mqtt", daemon=True)
        self._thread.start()
        if not self._ready.wait(timeout):
            raise RuntimeError("embedded MQTT broker did not start in time")
        if self._error is not None:
            raise RuntimeError(f"embedded MQTT broker failed: {self._error}") from self._error
        log.info("embedded MQTT broker listening on %s", self.url)
        return self

    def _run(self) -> None:
        from amqtt.broker import Broker

        loop = asyncio.new_event_loop()
        self._loop = loop
        asyncio.set_event_loop(loop)
        # amqtt logs every packet at INFO; the demo's console needs none of it.
        for name in ("amqtt", "transitions"):
            logging.getLogger(name).setLevel(logging.WARNING)
        try:
            async def boot() -> None:
                self._broker = Broker(self.config(), loop=loop)
                await self._broker.start()

            loop.run_until_complete(boot())
        except BaseException as err:
            self._error = err
            self._ready.set()
            loop.close()
            return
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            with contextlib.suppress(Exception):
                pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
                for task in pending:
                    task.cancel()
                loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            loop.close()

    def stop(self) -> None:
        """Shut the broker down and end its thread."""
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        if self._broker is not None and loop.is_running():
            fut = asyncio.run_coroutine_threadsafe(self._broker.shutdown(), loop)
            try:
                fut.result(10)
            except Exception:
                log.warning("embedded MQTT broker did not shut down cleanly", exc_info=True)
        if loop.is_running():
            loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        self._thread = None
        self._loop = None


class LocalBroker(Protocol):
    """A broker the runtime owns: where it listens, and how to start and stop it."""

    @property
    def url(self) -> str:
        """mqtt://HOST:PORT"""
        ...

    def start(self) -> Any:
        """Start; returns once it accepts connections (a second call does nothing)."""
        ...

    def stop(self) -> None:
        """Stop and release the port."""
        ...


def local_broker(database_url: str, prefer: str | None = None) -> LocalBroker:
    """Mosquitto as a child process when installed, else the in-process amqtt broker.

    `prefer` (or SIAGA_EMBEDDED_BROKER): "mosquitto", "amqtt", or "auto" (the default).
    Mosquitto keeps its persistence beside a SQLite database, so a restarted demo still
    delivers the orders queued for units that were away.
    """
    from .mosquitto import Mosquitto, mosquitto_binary

    choice = (prefer or os.environ.get("SIAGA_EMBEDDED_BROKER") or "auto").lower()
    if choice not in ("auto", "mosquitto", "amqtt"):
        raise ValueError(f"SIAGA_EMBEDDED_BROKER must be auto, mosquitto or amqtt, not {choice!r}")
    if choice == "amqtt":
        return EmbeddedBroker()
    if mosquitto_binary() is None:
        if choice == "mosquitto":
            raise RuntimeError("mosquitto is not installed; run `make install`")
        log.warning("mosquitto is not installed: using the in-process amqtt broker, which "
                    "refuses MQTT 3.1 and 5 and keeps no persistent sessions (`make install` "
                    "installs mosquitto)")
        return EmbeddedBroker()
    # PR_SET_PDEATHSIG follows the thread that forks: start it from the main thread.
    main = threading.current_thread() is threading.main_thread()
    return Mosquitto(port=free_port(), workdir=_broker_folder(database_url),
                     die_with_parent=main)


def _broker_folder(database_url: str) -> Path:
    prefix = "sqlite:///"
    if database_url.startswith(prefix) and ":memory:" not in database_url:
        return Path(database_url[len(prefix):]).resolve().parent / "mosquitto"
    return Path(tempfile.mkdtemp(prefix="siaga112-mosquitto-"))
