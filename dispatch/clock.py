"""Injected time, so simulators run faster than real time and tests are exact."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Something that tells the time."""

    def now(self) -> datetime:
        """Current time, timezone-aware UTC."""
        ...

    def time(self) -> float:
        """Current time as epoch seconds."""
        ...


class SystemClock:
    """The wall clock."""

    def now(self) -> datetime:
        """Current UTC time."""
        return datetime.now(UTC)

    def time(self) -> float:
        """Current epoch seconds."""
        return time.time()


class ManualClock:
    """A clock that moves only when told to (tests, simulators)."""

    # Where a clock made without a start begins: Monday 2026-11-23 09:00 WIB. The test
    # plugin tests/support/timetravel.py moves it to SIAGA_TEST_NOW.
    default_start = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or self.default_start
        self._lock = threading.Lock()

    def now(self) -> datetime:
        """The manual time."""
        with self._lock:
            return self._now

    def time(self) -> float:
        """The manual time as epoch seconds."""
        return self.now().timestamp()

    def advance(self, seconds: float) -> datetime:
        """Move time forward."""
        with self._lock:
            self._now += timedelta(seconds=seconds)
            return self._now

    def set(self, when: datetime) -> None:
        """Jump to a given time."""
        with self._lock:
            self._now = when


class ScaledClock:
    """Real time sped up by a factor from a start point (training runs)."""

    def __init__(self, start: datetime, speed: float) -> None:
        self.start = start
        self.speed = speed
        self._t0 = time.monotonic()

    def now(self) -> datetime:
        """Start plus elapsed real time times the speed."""
        return self.start + timedelta(seconds=(time.monotonic() - self._t0) * self.speed)

    def time(self) -> float:
        """Scaled epoch seconds."""
        return self.now().timestamp()
