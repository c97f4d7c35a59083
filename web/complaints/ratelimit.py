"""A small in-memory rate limiter per client IP (one process; behind several workers or a
proxy, put a real limiter in front or use ProxyFix so remote_addr is the client)."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable


class RateLimiter:
    """At most `limit` hits per `window_s` seconds per key (sliding window)."""

    def __init__(self, limit: int, window_s: float, now: Callable[[], float],
                 max_keys: int = 50_000) -> None:
        self.limit = limit
        self.window_s = window_s
        self._now = now
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()
        self._max_keys = max_keys

    def hit(self, key: str) -> bool:
        """Count one hit; False when the key is over its limit (the hit is not counted)."""
        now = self._now()
        with self._lock:
            if len(self._hits) > self._max_keys:
                self._prune(now)
            q = self._hits.setdefault(key, deque())
            while q and now - q[0] >= self.window_s:
                q.popleft()
            if len(q) >= self.limit:
                return False
            q.append(now)
            return True

    def retry_after(self, key: str) -> int:
        """Seconds until the key may hit again."""
        now = self._now()
        with self._lock:
            q = self._hits.get(key)
            if not q or len(q) < self.limit:
                return 0
            return max(1, int(self.window_s - (now - q[0])) + 1)

    def _prune(self, now: float) -> None:
        for key in [k for k, q in self._hits.items() if not q or now - q[-1] >= self.window_s]:
            del self._hits[key]


def parse_rate(text: str) -> tuple[int, float]:
    """'5/600' → (5, 600.0): five hits per 600 seconds."""
    count, _, seconds = str(text).partition("/")
    return int(count), float(seconds or 60)
