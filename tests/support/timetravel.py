"""Run the suite at a chosen instant: ``SIAGA_TEST_NOW=2026-11-30T23:30+07:00 pytest``.

With ``SIAGA_TEST_NOW`` set (an ISO-8601 instant with an offset), this pytest plugin

- moves the process's wall clock there for the whole session with time-machine (ticking
  from that instant at the normal pace), so code that reads ``time.time()`` or
  ``datetime.now()`` lives at that instant, and so do units that stamp their messages;
- pins the default start of every ``ManualClock()`` (the tests' default clock) to it;
- lets browser tests install the same instant in Chromium (``page.clock``), see
  ``tests/browser/conftest.py``.

Without it nothing changes: the wall clock is the real one and ``ManualClock()`` starts at
its fixed default (Monday 2026-11-23 09:00 WIB). ``scripts/run-tests`` uses it to run the
tests marked ``datesensitive`` again at the awkward instants of the city's calendar.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import Any

import pytest

from dispatch import clock as clock_module

ENV = "SIAGA_TEST_NOW"
_TRAVELLER: Any = None


def chosen_instant() -> datetime | None:
    """The instant SIAGA_TEST_NOW names (aware, UTC), or None when it is unset."""
    raw = os.environ.get(ENV, "").strip()
    if not raw:
        return None
    try:
        when = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise pytest.UsageError(f"{ENV}={raw!r} is not an ISO-8601 instant") from None
    if when.tzinfo is None:
        raise pytest.UsageError(f"{ENV}={raw!r} needs an offset, e.g. 2026-11-30T23:30+07:00")
    return when.astimezone(UTC)


def travelling() -> bool:
    """True while the wall clock is moved to SIAGA_TEST_NOW."""
    return _TRAVELLER is not None


def pytest_configure(config: pytest.Config) -> None:
    """Start the journey before any test module is imported."""
    global _TRAVELLER
    when = chosen_instant()
    if when is None:
        return
    import time_machine

    # A UTC destination: time-machine would otherwise also switch the process's TZ to the
    # destination's zone, hiding code that wrongly uses the server's local zone.
    _TRAVELLER = time_machine.travel(when, tick=True)
    _TRAVELLER.start()
    clock_module.ManualClock.default_start = when


def pytest_unconfigure(config: pytest.Config) -> None:
    """Come back to the real time."""
    global _TRAVELLER
    if _TRAVELLER is not None:
        _TRAVELLER.stop()
        _TRAVELLER = None


def pytest_report_header(config: pytest.Config) -> str | None:
    """Say at which instant the run happens."""
    when = chosen_instant()
    if when is None:
        return None
    return f"{ENV}: wall clock and ManualClock() start at {when.isoformat()}"


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Repeat the instant under the results, so each extra run of run-tests is labelled."""
    when = chosen_instant()
    if when is not None:
        terminalreporter.write_line(f"{ENV}={os.environ[ENV]} ({when.isoformat()})")
