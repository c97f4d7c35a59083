"""The complaint calendar holds at whatever instant the test runs (SIAGA_TEST_NOW moves it):
the ticket's year, the working-day deadlines and the overdue turn are the city's."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from dispatch.clock import ManualClock
from dispatch.domain import citytime
from dispatch.runtime import Runtime
from dispatch.services import complaints, kpis
from tests.support.complaints import DHOHO, STREET_LIGHT, make_runtime

pytestmark = pytest.mark.datesensitive


@pytest.fixture
def rt(tmp_path: Path) -> Iterator[Runtime]:
    """A runtime whose clock starts at the default test instant (or SIAGA_TEST_NOW)."""
    runtime = make_runtime(tmp_path, ManualClock())
    yield runtime
    runtime.stop()


def _working_days(rt: Runtime, after: date, until: date) -> int:
    """Mon–Fri outside the pack's holidays in (after, until], counted day by day."""
    holidays = set(rt.city.holidays)
    n, day = 0, after
    while day < until:
        day += timedelta(days=1)
        n += day.weekday() < 5 and day not in holidays
    return n


def _check_deadline(rt: Runtime, start: datetime, due_iso: str, days: int) -> None:
    tz = rt.city.tz
    due = citytime.local(datetime.fromisoformat(due_iso), tz)
    assert (due.hour, due.minute, due.second) == (23, 59, 59), due  # end of the city's day
    assert due.weekday() < 5 and due.date() not in rt.city.holidays, due
    assert _working_days(rt, citytime.local_date(start, tz), due.date()) == days, due


def test_ticket_year_and_deadlines_are_the_citys(rt: Runtime) -> None:
    tz = rt.city.tz
    now = rt.clock.now()
    created = complaints.create_complaint(rt, {"description": STREET_LIGHT, **DHOHO}, "web")
    # At 00:30 WIB on 1 January the UTC year is still the old one: the ticket is the new year's.
    assert created["ticket"].startswith(f"SGA-{citytime.local(now, tz).year}-")
    _check_deadline(rt, now, created["verify_due_at"], 3)
    coord = complaints.staff_actor(rt, "operator", "coord")
    rt.clock.advance(3600)  # type: ignore[attr-defined]
    verified = complaints.transition(rt, created["ticket"], "verify", coord)
    _check_deadline(rt, rt.clock.now(), verified["due_at"], 5)


def test_overdue_turns_at_the_end_of_the_citys_day(rt: Runtime) -> None:
    ticket = complaints.create_complaint(rt, {"description": STREET_LIGHT, **DHOHO}, "web")
    due = datetime.fromisoformat(ticket["verify_due_at"])
    clock: ManualClock = rt.clock  # type: ignore[assignment]
    clock.set(due)
    assert complaints.scan_overdue(rt)["reminded"] == []
    clock.set(due + timedelta(seconds=1))
    assert complaints.scan_overdue(rt)["reminded"] == [ticket["ticket"]]
    coord = complaints.staff_actor(rt, "operator", "coord")
    view = complaints.get_complaint(rt, ticket["ticket"], coord)
    reminder = next(e for e in view["events"] if e["kind"] == "reminder")
    assert citytime.format_datetime(due, rt.city.tz) in reminder["message"]
    assert "WIB" in reminder["message"] and "+00:00" not in reminder["message"]


def test_todays_figures_and_the_public_map_use_the_citys_day(rt: Runtime) -> None:
    tz = rt.city.tz
    today = citytime.local_date(rt.clock.now(), tz)
    created = complaints.create_complaint(rt, {"description": STREET_LIGHT, **DHOHO}, "web")
    complaints.transition(rt, created["ticket"], "verify", complaints.staff_actor(
        rt, "operator", "op"))
    feature = complaints.public_map(rt)["features"][0]
    assert feature["properties"]["date"] == today.isoformat()
    q = kpis.parse_query(rt, {})
    assert (q.start, q.end) == citytime.day_bounds(today, tz)
    rows = complaints.export_rows(rt, *citytime.day_bounds(today, tz))
    assert len(rows) == 1 and rows[0]["created_at"].endswith("+07:00")
