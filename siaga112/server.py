"""Production HTTP server: gunicorn's threaded worker, one process.

One worker because the fleet replica and Socket.IO rooms live in the process. To scale
out, run several `siaga112 serve --role web` behind a sticky load balancer (deploy/nginx)
and one or more `siaga112 serve --role worker`, all with SIAGA_MQTT_URL and SIAGA_REDIS_URL
(Socket.IO message queue, relay of events and fleet changes, shared rate limits).
"""

from __future__ import annotations

import gc
import logging
import signal
import threading
from collections.abc import Callable
from typing import Any

from gunicorn.app.base import BaseApplication

log = logging.getLogger(__name__)


class SiagaServer(BaseApplication):  # type: ignore[misc]
    """Gunicorn application whose worker builds the runtime after the fork."""

    def __init__(
        self,
        build: Callable[[], tuple[Any, Any]],
        options: dict[str, Any],
        on_term: Callable[[], None] | None = None,
    ) -> None:
        self.build = build
        self.on_term = on_term
        self.options = options
        self.runtime: Any = None
        super().__init__()

    def load_config(self) -> None:
        """Hand our options to gunicorn."""
        for key, value in self.options.items():
            self.cfg.set(key, value)
        server = self

        def worker_exit(_arbiter: Any, _worker: Any) -> None:
            if server.runtime is not None:
                server.runtime.stop()

        self.cfg.set("worker_exit", worker_exit)

    def load(self) -> Any:
        """Build the runtime and app inside the worker: threads do not survive a fork."""
        app, rt = self.build()
        self.runtime = rt
        if self.on_term is not None:
            self._chain_sigterm(self.on_term)
        # Start-up objects live for the whole process: keep them out of GC scans.
        gc.collect()
        gc.freeze()
        return app


    @staticmethod
    def _chain_sigterm(callback: Callable[[], None]) -> None:
        # Open WebSockets hold worker threads, so a graceful stop would wait for
        # them: close them first, then let gunicorn shut down as usual.
        previous = signal.getsignal(signal.SIGTERM)

        def on_term(signum: int, frame: Any) -> None:
            threading.Thread(target=callback, name="close-consoles", daemon=True).start()
            if callable(previous):
                previous(signum, frame)

        signal.signal(signal.SIGTERM, on_term)


def run_gunicorn(
    build: Callable[[], tuple[Any, Any]],
    host: str,
    port: int,
    threads: int = 128,
    on_term: Callable[[], None] | None = None,
) -> None:
    """Serve with gunicorn gthread until stopped."""
    SiagaServer(
        build,
        {
            "bind": f"{host}:{port}",
            "workers": 1,
            "worker_class": "gthread",
            "threads": threads,
            "timeout": 0,  # WebSocket connections are long-lived by design
            "graceful_timeout": 5,
            "keepalive": 5,
            "accesslog": None,
            "errorlog": "-",
            "loglevel": "warning",
        },
        on_term=on_term,
    ).run()
