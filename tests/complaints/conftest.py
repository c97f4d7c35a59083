"""Fixtures shared by the complaint-flow tests: a runtime on a fixed Monday 09:00 WIB."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from dispatch.clock import ManualClock
from dispatch.runtime import Runtime
from tests.support.complaints import MONDAY_9AM, make_runtime


@pytest.fixture
def clock() -> ManualClock:
    """Monday 23 Nov 2026, 09:00 WIB: working-day deadlines are checked from here."""
    return ManualClock(MONDAY_9AM)


@pytest.fixture
def rt(tmp_path: Path, clock: ManualClock) -> Iterator[Runtime]:
    """A complaint-ready runtime on its own SQLite file."""
    runtime = make_runtime(tmp_path, clock)
    yield runtime
    runtime.stop()
