"""Track history: batched writes, latest positions remembered across a restart, retention."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from dispatch.bootstrap import bootstrap
from dispatch.clock import ManualClock
from dispatch.config import Settings
from dispatch.db.models import UnitPosition
from dispatch.runtime import Runtime
from dispatch.services import field
from units.tracks import TrackWriter


@pytest.fixture
def rt(database_url: str, clock: ManualClock) -> Iterator[Runtime]:
    runtime = bootstrap(Settings(database_url=database_url), clock=clock)
    yield runtime
    runtime.stop()


def count(rt: Runtime, unit_id: str | None = None) -> int:
    with rt.session() as s:
        q = select(func.count()).select_from(UnitPosition)
        if unit_id:
            q = q.where(UnitPosition.unit_id == unit_id)
        return int(s.scalar(q) or 0)


def test_fixes_are_written_in_batches_and_latest_is_remembered(rt: Runtime,
                                                               database_url: str) -> None:
    writer = TrackWriter(rt, batch_size=50, flush_interval_s=0.05)
    rt.tracks = writer
    rt.services.append(writer)
    rt.start()
    t0 = rt.clock.time()
    for i in range(120):
        assert field.record_position(rt, "AMB-01", -7.80 - i * 1e-4, 112.0, t0 + i,
                                     speed_kmh=30.0, battery=90.0)
    field.record_position(rt, "POL-01", -7.83, 112.02, t0, source="owntracks")
    assert writer.flush(10)
    assert count(rt, "AMB-01") == 120 and count(rt, "POL-01") == 1
    with rt.session() as s:
        last = s.scalars(select(UnitPosition).where(UnitPosition.unit_id == "AMB-01")
                         .order_by(UnitPosition.ts.desc()).limit(1)).one()
        assert last.lat == pytest.approx(-7.80 - 119e-4) and last.battery == 90.0
        assert last.ts == datetime.fromtimestamp(t0 + 119, UTC)
    rt.stop()  # the final flush copies the latest fix into the units table

    again = bootstrap(Settings(database_url=database_url), clock=ManualClock())
    try:
        u = again.fleet.get("AMB-01")
        assert u is not None and u.lat == pytest.approx(-7.80 - 119e-4)
        assert u.source == "mqtt" and u.battery == 90.0 and u.last_seen is not None
        p = again.fleet.get("POL-01")
        assert p is not None and p.source == "owntracks"
    finally:
        again.stop()


def test_retention_prunes_old_points(rt: Runtime, clock: ManualClock) -> None:
    writer = TrackWriter(rt, flush_interval_s=0.05, retention_days=30, prune_on_start=False)
    rt.tracks = writer
    rt.services.append(writer)
    rt.start()
    old = clock.time() - timedelta(days=31).total_seconds()
    field.record_position(rt, "AMB-02", -7.81, 112.0, old)
    field.record_position(rt, "AMB-02", -7.82, 112.0, clock.time())
    assert writer.flush(10)
    assert count(rt, "AMB-02") == 2
    assert writer.prune() == 1
    assert count(rt, "AMB-02") == 1


def test_writer_prunes_on_start(rt: Runtime, clock: ManualClock) -> None:
    with rt.session() as s:
        s.add(UnitPosition(unit_id="AMB-03", ts=clock.now() - timedelta(days=40), lat=-7.8,
                           lon=112.0, source="mqtt"))
    assert count(rt, "AMB-03") == 1
    writer = TrackWriter(rt, flush_interval_s=0.05, retention_days=30)
    rt.services.append(writer)
    rt.start()
    deadline = time.monotonic() + 10
    # The counter is bumped after the delete commits: wait for both.
    while (count(rt, "AMB-03") or not writer.pruned) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert count(rt, "AMB-03") == 0 and writer.pruned == 1
