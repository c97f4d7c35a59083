"""Event schedulers: a virtual one on an injected clock (fast) and a real-time one (live server).

Both keep simulated seconds since the start of a run and a heap of callbacks; the
simulation code (generator, fleet behaviour, operator policy) is the same for both.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Protocol

from dispatch.clock import ManualClock

log = logging.getLogger(__name__)

Callback = Callable[..., Any]


class Scheduler(Protocol):
    """What simulation code needs from time."""

    start: datetime

    def now_s(self) -> float:
        """Simulated seconds since the start."""
        ...

    def ts(self) -> float:
        """Epoch seconds to stamp on messages (the server's notion of now)."""
        ...

    def at(self, t: float, fn: Callback, *args: Any) -> None:
        """Run fn(*args) at simulated second t (thread-safe)."""
        ...

    def after(self, delay: float, fn: Callback, *args: Any) -> None:
        """Run fn(*args) `delay` simulated seconds from now (thread-safe)."""
        ...


class _Heap:
    def __init__(self) -> None:
        self._heap: list[tuple[float, int, Callback, tuple[Any, ...]]] = []
        self._seq = itertools.count()
        self._cv = threading.Condition()
        self.errors = 0
        self.executed = 0

    def push(self, t: float, fn: Callback, args: tuple[Any, ...]) -> None:
        with self._cv:
            heapq.heappush(self._heap, (t, next(self._seq), fn, args))
            self._cv.notify()

    def _run_one(self, fn: Callback, args: tuple[Any, ...]) -> None:
        self.executed += 1
        try:
            fn(*args)
        except Exception:
            # One failed step (a refused transition, a closed incident) must not end the run.
            self.errors += 1
            log.exception("simulation step %r failed", getattr(fn, "__name__", fn))


class VirtualScheduler(_Heap):
    """Discrete-event time on a ManualClock: jumps from event to event.

    With `speed` set, it never runs faster than speed × real time (so a trainer can
    watch a shared dashboard); with `speed=None` it runs as fast as it can.
    """

    def __init__(self, clock: ManualClock, speed: float | None = None) -> None:
        super().__init__()
        self.clock = clock
        self.start = clock.now()
        self.speed = speed
        self._now = 0.0
        self._wall0 = time.monotonic()

    def now_s(self) -> float:
        """Simulated seconds since the start."""
        return self._now

    def ts(self) -> float:
        """The injected clock's epoch seconds."""
        return self.clock.time()

    def at(self, t: float, fn: Callback, *args: Any) -> None:
        """Schedule at simulated second t (never in the past)."""
        self.push(max(t, self._now), fn, args)

    def after(self, delay: float, fn: Callback, *args: Any) -> None:
        """Schedule after a delay."""
        self.push(self._now + max(delay, 0.0), fn, args)

    def run(
        self, until: float, stop: Callable[[], bool] | None = None,
        progress: Callable[[float], None] | None = None,
    ) -> float:
        """Run events up to `until`; returns the simulated second reached."""
        self._wall0 = time.monotonic() - (self._now / self.speed if self.speed else 0.0)
        last_progress = 0.0
        stopped = False
        while self._heap:
            t, _seq, fn, args = self._heap[0]
            if t > until:
                break
            heapq.heappop(self._heap)
            if self.speed:
                ahead = t / self.speed - (time.monotonic() - self._wall0)
                if ahead > 0:
                    time.sleep(min(ahead, 1.0))
                    if ahead > 1.0:
                        heapq.heappush(self._heap, (t, next(self._seq), fn, args))
                        continue
            if t > self._now:
                self._now = t
                self.clock.set(self.start + timedelta(seconds=t))
            self._run_one(fn, args)
            if progress is not None:
                wall = time.monotonic()
                if wall - last_progress >= 0.5:
                    last_progress = wall
                    progress(self._now)
            if stop is not None and stop():
                stopped = True
                break
        if not stopped and self._now < until:
            self._now = until
            self.clock.set(self.start + timedelta(seconds=self._now))
        return self._now


class RealtimeScheduler(_Heap):
    """Real time, with the simulator's own delays divided by `speed`.

    Against a running server the server's clock is real, so only the simulator's
    delays (call gaps, crew reaction, driving, time on scene) are scaled.
    """

    def __init__(self, speed: float = 1.0, start: datetime | None = None) -> None:
        super().__init__()
        self.speed = max(float(speed), 1e-6)
        self._wall0 = time.monotonic()
        self.start = start or datetime.now().astimezone()
        self._stopped = threading.Event()

    def now_s(self) -> float:
        """Simulated seconds since the start (real seconds × speed)."""
        return (time.monotonic() - self._wall0) * self.speed

    def ts(self) -> float:
        """Wall-clock epoch seconds (what the server's clock says)."""
        return time.time()

    def at(self, t: float, fn: Callback, *args: Any) -> None:
        """Schedule at simulated second t."""
        self.push(t, fn, args)

    def after(self, delay: float, fn: Callback, *args: Any) -> None:
        """Schedule after a delay."""
        self.push(self.now_s() + max(delay, 0.0), fn, args)

    def stop(self) -> None:
        """Make run() return."""
        self._stopped.set()
        with self._cv:
            self._cv.notify_all()

    @property
    def stopped(self) -> bool:
        """True once stop() was called."""
        return self._stopped.is_set()

    def run(
        self, until: float | None = None, stop: Callable[[], bool] | None = None,
        progress: Callable[[float], None] | None = None,
    ) -> float:
        """Run events as their time comes, until `until`, stop() or `stop()` is true."""
        last_progress = 0.0
        while not self._stopped.is_set():
            now = self.now_s()
            if until is not None and now >= until:
                break
            if stop is not None and stop():
                break
            with self._cv:
                if self._heap and self._heap[0][0] <= now:
                    _t, _seq, fn, args = heapq.heappop(self._heap)
                else:
                    wait = 0.5
                    if self._heap:
                        wait = min(wait, (self._heap[0][0] - now) / self.speed)
                    self._cv.wait(max(wait, 0.001))
                    continue
            self._run_one(fn, args)
            if progress is not None and time.monotonic() - last_progress >= 1.0:
                last_progress = time.monotonic()
                progress(self.now_s())
        return self.now_s()
