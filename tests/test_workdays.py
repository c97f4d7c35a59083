"""Working-day arithmetic: weekends and holidays skipped, in the city's time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from dispatch.citypack import load_city_pack
from dispatch.domain.workdays import WorkCalendar

WIB = "Asia/Jakarta"


def utc(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=UTC)


def test_five_working_days_from_friday_skip_the_weekend() -> None:
    cal = WorkCalendar((), WIB)
    # Friday 27 Nov 2026, 10:00 WIB → Mon..Fri → end of Friday 4 Dec (23:59:59 WIB).
    due = cal.add_working_days(utc(2026, 11, 27, 3), 5)
    assert due == datetime(2026, 12, 4, 16, 59, 59, tzinfo=UTC)


def test_holidays_are_skipped_too() -> None:
    cal = WorkCalendar([date(2026, 12, 24), date(2026, 12, 25)], WIB)
    # Friday 18 Dec: 21, 22, 23, (24, 25 holidays, 26-27 weekend) 28, 29.
    due = cal.add_working_days(utc(2026, 12, 18, 3), 5)
    assert cal.local_date(due) == date(2026, 12, 29)
    without = WorkCalendar((), WIB).add_working_days(utc(2026, 12, 18, 3), 5)
    assert WorkCalendar((), WIB).local_date(without) == date(2026, 12, 25)


def test_start_on_a_weekend_or_holiday_counts_from_the_next_working_day() -> None:
    cal = WorkCalendar([date(2026, 11, 30)], WIB)
    # Saturday 28 Nov: Mon 30 is a holiday, so 1, 2, 3 Dec.
    assert cal.local_date(cal.add_working_days(utc(2026, 11, 28, 5), 3)) == date(2026, 12, 3)


def test_local_date_not_utc_date_decides() -> None:
    cal = WorkCalendar((), WIB)
    # 20:00 UTC on Sunday is already Monday 03:00 in Kediri: Monday is day 0, Tue is day 1.
    due = cal.add_working_days(utc(2026, 11, 22, 20), 1)
    assert cal.local_date(due) == date(2026, 11, 24)


def test_working_days_between_is_fractional_and_skips_weekends() -> None:
    cal = WorkCalendar([date(2026, 12, 25)], WIB)
    # Friday 12:00 WIB to Monday 12:00 WIB: half of Friday + half of Monday = 1.0
    assert cal.working_days_between(utc(2026, 11, 27, 5), utc(2026, 11, 30, 5)) == pytest.approx(1.0)
    # Thursday 24 Dec 00:00 to Saturday 26 Dec 00:00 WIB: Thursday only (Friday is Christmas).
    assert cal.working_days_between(utc(2026, 12, 23, 17), utc(2026, 12, 25, 17)) == pytest.approx(1.0)
    assert cal.working_days_between(utc(2026, 12, 1), utc(2026, 11, 1)) == 0.0


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError):
        WorkCalendar().add_working_days(datetime(2026, 1, 1), 1)
    with pytest.raises(ValueError):
        WorkCalendar().nth_working_day_after(date(2026, 1, 1), -1)


def test_kediri_pack_holidays_feed_the_calendar() -> None:
    pack = load_city_pack()
    cal = WorkCalendar(pack.holidays, pack.timezone)
    assert not cal.is_working_day(date(2026, 8, 17))  # Independence Day (a Monday)
    assert cal.is_working_day(date(2026, 8, 18))
    assert cal.working_days_in(date(2026, 12, 21), date(2026, 12, 31)) == 7
