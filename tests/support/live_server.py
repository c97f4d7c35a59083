"""A real HTTP + Socket.IO server on a free port, for browser and end-to-end tests."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass

from flask import Flask
from werkzeug.serving import BaseWSGIServer, make_server

from tests.support.brokers import free_port, wait_port


@dataclass
class LiveServer:
    """A running threaded Werkzeug server (WebSocket-capable for Socket.IO)."""

    app: Flask
    port: int
    server: BaseWSGIServer
    thread: threading.Thread

    @property
    def url(self) -> str:
        """Base URL, e.g. http://127.0.0.1:PORT"""
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        """Shut the server down and wait for its thread."""
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


def start_live_server(app: Flask, port: int | None = None) -> LiveServer:
    """Serve `app` in a background thread until stop()."""
    port = port or free_port()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    wait_port(port)
    return LiveServer(app, port, server, thread)


@contextlib.contextmanager
def live_server(app: Flask) -> Iterator[LiveServer]:
    """A live server for the duration of a with-block."""
    srv = start_live_server(app)
    try:
        yield srv
    finally:
        srv.stop()
