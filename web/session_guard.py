"""Live consoles end with their login: a Socket.IO connection whose session was revoked
(logout, password change, disable) or whose token died is disconnected."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from dispatch.runtime import Runtime
from dispatch.services import accounts

from .extensions import socketio

log = logging.getLogger(__name__)

NAMESPACE = "/"


@dataclass(frozen=True)
class _Credential:
    user_id: int
    session_sid: str | None = None
    token: str | None = None


class SessionGuard:
    """Re-checks every live connection's credential; logout checks at once, others every
    `interval_s` (a revocation by the CLI, another process, lands within that)."""

    def __init__(self, rt: Runtime, interval_s: float = 15.0) -> None:
        self.rt = rt
        self.interval_s = interval_s
        self._tracked: dict[str, _Credential] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def track(self, sid: str, user_id: int, session_sid: str | None = None,
              token: str | None = None) -> None:
        """Remember which credential a Socket.IO connection came in with."""
        with self._lock:
            self._tracked[sid] = _Credential(user_id, session_sid, token)

    def check_now(self) -> int:
        """Disconnect connections whose credential no longer holds; returns how many."""
        with self._lock:
            tracked = dict(self._tracked)
        cut = 0
        for sid, cred in tracked.items():
            server = socketio.server
            if server is None or not server.manager.is_connected(sid, NAMESPACE):
                with self._lock:
                    self._tracked.pop(sid, None)
                continue
            if self._valid(cred):
                continue
            with self._lock:
                self._tracked.pop(sid, None)
            try:
                server.disconnect(sid, namespace=NAMESPACE)
                cut += 1
            except Exception:  # noqa: S112  (already gone is fine)
                continue
        return cut

    def _valid(self, cred: _Credential) -> bool:
        if cred.session_sid is not None:
            return accounts.user_for_session(self.rt, cred.user_id, cred.session_sid) is not None
        if cred.token is not None:
            return accounts.check_token(self.rt, cred.token).user is not None
        return False

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            try:
                self.check_now()
            except Exception:
                log.exception("live session check failed")

    def start(self) -> None:
        """Begin the periodic check."""
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="session-guard", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """End the periodic check."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
