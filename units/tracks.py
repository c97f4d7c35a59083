"""Track history: a writer thread that batches GPS fixes into the database, plus retention.

The MQTT network thread only appends to a queue; this thread does the SQL, in batches
(`executemany`), and now and then copies each unit's latest fix into the `units` table so
a restart remembers where the fleet was.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, delete, insert, update

from dispatch.db.models import Unit, UnitPosition

if TYPE_CHECKING:
    from dispatch.runtime import Runtime

log = logging.getLogger(__name__)

_STOP = object()


class TrackWriter:
    """Batched, non-blocking persistence of positions with a retention window."""

    def __init__(
        self,
        rt: Runtime,
        batch_size: int = 1000,
        flush_interval_s: float = 0.5,
        latest_interval_s: float = 5.0,
        retention_days: int | None = None,
        retention_interval_s: float = 3600.0,
        prune_on_start: bool = True,
    ) -> None:
        self.rt = rt
        self.batch_size = batch_size
        self.flush_interval_s = flush_interval_s
        self.latest_interval_s = latest_interval_s
        self.retention_days = (
            rt.settings.track_retention_days if retention_days is None else retention_days
        )
        self.retention_interval_s = retention_interval_s
        self.prune_on_start = prune_on_start
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._dirty: set[str] = set()
        self._dirty_lock = threading.Lock()
        self._flushed = threading.Condition()
        self.queued = 0
        self.written = 0
        self.pruned = 0

    # -- producer side (any thread) -------------------------------------------
    def add(
        self,
        unit_id: str,
        ts: float,
        lat: float,
        lon: float,
        speed_kmh: float | None = None,
        heading: float | None = None,
        accuracy_m: float | None = None,
        battery: float | None = None,
        source: str = "mqtt",
        flag: str | None = None,
    ) -> None:
        """Queue one fix (with the rule it broke, if any); never blocks on the database."""
        self.queued += 1
        self._queue.put((unit_id, ts, lat, lon, speed_kmh, heading, accuracy_m, battery, source,
                         flag))

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until everything queued so far is written (tests, shutdown)."""
        target = self.queued
        deadline = time.monotonic() + timeout
        with self._flushed:
            while self.written < target and self._thread is not None:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._flushed.wait(min(left, 0.1))
        return self.written >= target

    # -- lifecycle ------------------------------------------------------------
    def start(self) -> None:
        """Start the writer thread."""
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name="track-writer", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Write what is queued, then end the thread."""
        if self._thread is None:
            return
        self._queue.put(_STOP)
        self._thread.join(30)
        self._thread = None

    # -- the writer thread ----------------------------------------------------
    def _run(self) -> None:
        last_latest = time.monotonic()
        last_prune = time.monotonic() - (self.retention_interval_s if self.prune_on_start else 0)
        stopping = False
        while not stopping:
            batch: list[tuple[Any, ...]] = []
            deadline = time.monotonic() + self.flush_interval_s
            while len(batch) < self.batch_size:
                try:
                    item = self._queue.get(timeout=max(0.0, deadline - time.monotonic()))
                except queue.Empty:
                    break
                if item is _STOP:
                    stopping = True
                    break
                batch.append(item)
            if stopping:
                # Drain whatever arrived before the stop signal's peers.
                while True:
                    try:
                        item = self._queue.get_nowait()
                    except queue.Empty:
                        break
                    if item is not _STOP:
                        batch.append(item)
            if batch:
                self._write(batch)
            now = time.monotonic()
            if stopping or now - last_latest >= self.latest_interval_s:
                last_latest = now
                self._write_latest()
            # Retention is a once-only job: the leader prunes for every process.
            if (not stopping and now - last_prune >= self.retention_interval_s
                    and self.rt.leadership.held()):
                last_prune = now
                self.prune()

    def _write(self, batch: list[tuple[Any, ...]]) -> None:
        rows = [
            {
                "unit_id": u,
                "ts": datetime.fromtimestamp(ts, UTC),
                "lat": lat,
                "lon": lon,
                "speed_kmh": spd,
                "heading": hdg,
                "accuracy_m": acc,
                "battery": batt,
                "source": src,
                "flag": flag,
            }
            for (u, ts, lat, lon, spd, hdg, acc, batt, src, flag) in batch
        ]
        try:
            with self.rt.engine.begin() as conn:
                conn.execute(insert(UnitPosition), rows)
        except Exception:
            # Never lose the loop over one bad batch; the live fleet state is unaffected.
            log.exception("writing %d track points failed", len(rows))
            self.rt.counters.incr("tracks.write_errors")
        with self._dirty_lock:
            self._dirty.update(r["unit_id"] for r in rows)
        with self._flushed:
            self.written += len(batch)
            self._flushed.notify_all()

    def _write_latest(self) -> None:
        with self._dirty_lock:
            dirty, self._dirty = self._dirty, set()
        rows = []
        for unit_id in dirty:
            u = self.rt.fleet.get(unit_id)
            if u is None or u.lat is None:
                continue
            rows.append({
                "b_id": u.id, "lat": u.lat, "lon": u.lon, "speed_kmh": u.speed_kmh,
                "heading": u.heading, "accuracy_m": u.accuracy_m, "battery": u.battery,
                "source": u.source,
                "last_seen": datetime.fromtimestamp(u.last_seen, UTC) if u.last_seen else None,
                "fix_at": datetime.fromtimestamp(u.fix_ts, UTC) if u.fix_ts is not None else None,
                "fix_flag": u.fix_flag,
            })
        if not rows:
            return
        stmt = (
            update(Unit.__table__)
            .where(Unit.__table__.c.id == bindparam("b_id"))
            .values(lat=bindparam("lat"), lon=bindparam("lon"),
                    speed_kmh=bindparam("speed_kmh"), heading=bindparam("heading"),
                    accuracy_m=bindparam("accuracy_m"), battery=bindparam("battery"),
                    source=bindparam("source"), last_seen=bindparam("last_seen"),
                    fix_at=bindparam("fix_at"), fix_flag=bindparam("fix_flag"))
        )
        try:
            with self.rt.engine.begin() as conn:
                conn.execute(stmt, rows)
        except Exception:
            log.exception("saving latest positions failed")
            self.rt.counters.incr("tracks.write_errors")

    def prune(self) -> int:
        """Delete track points older than the retention window; returns how many."""
        if self.retention_days <= 0:
            return 0
        cutoff = self.rt.clock.now() - timedelta(days=self.retention_days)
        try:
            with self.rt.engine.begin() as conn:
                res = conn.execute(delete(UnitPosition).where(UnitPosition.ts < cutoff))
                n = int(res.rowcount or 0)
        except Exception:
            log.exception("pruning track history failed")
            return 0
        self.pruned += n
        return n
