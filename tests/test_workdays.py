"""Working-day arithmetic: weekends and holidays skipped, in the city's time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

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


# ----------------------------------------------------------------------------- national


def test_a_2028_deadline_skips_indonesian_holidays_from_the_package() -> None:
    # Tuesday 15 Aug 2028, 10:00 WIB; Thursday 17 Aug is Independence Day (from the package,
    # the pack lists nothing for 2028): 16, (17 holiday) 18, 21, 22, 23 → end of Wed 23 Aug.
    cal = WorkCalendar((), WIB, country="ID")
    due = cal.add_working_days(utc(2028, 8, 15, 3), 5)
    assert cal.local_date(due) == date(2028, 8, 23)
    assert not cal.is_working_day(date(2028, 8, 17))
    assert not cal.is_working_day(date(2028, 12, 25)) and not cal.is_working_day(date(2028, 1, 1))
    # Without the country the same dates are ordinary weekdays.
    plain = WorkCalendar((), WIB)
    assert plain.local_date(plain.add_working_days(utc(2028, 8, 15, 3), 5)) == date(2028, 8, 22)


def test_the_pack_adds_and_strikes_holidays() -> None:
    cal = WorkCalendar([date(2028, 8, 16)], WIB, country="ID",
                       not_holidays=[date(2028, 8, 17)])
    assert not cal.is_working_day(date(2028, 8, 16))  # the pack's own (e.g. a cuti bersama)
    assert cal.is_working_day(date(2028, 8, 17))  # struck by the pack


def test_the_complaint_calendar_of_the_kediri_pack_covers_2028(tmp_path: Any) -> None:
    from dispatch.clock import ManualClock
    from dispatch.services import complaints
    from tests.support.complaints import make_runtime

    rt = make_runtime(tmp_path, ManualClock(utc(2028, 8, 15, 3)))
    try:
        cal = complaints.calendar(rt)
        assert not cal.is_working_day(date(2028, 8, 17))
        assert cal.local_date(cal.add_working_days(utc(2028, 8, 15, 3), 5)) == date(2028, 8, 23)
    finally:
        rt.stop()
