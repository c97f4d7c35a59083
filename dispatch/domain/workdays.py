"""Working-day arithmetic for complaint deadlines (weekends and public holidays skipped).

Pure: dates and times in, dates and times out. A deadline of N working days after a
moment is the END (23:59:59 local) of the N-th working day after that moment's local
date, so a complaint verified on Friday afternoon with N=5 is due at the end of the next
Friday (Mon..Fri), and one verified on a Saturday is due at the end of the next Friday too.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

END_OF_DAY = time(23, 59, 59)


class WorkCalendar:
    """Which local dates are working days: Monday to Friday minus the holidays.

    Holidays are the country's (the `holidays` package, e.g. "ID" for Indonesia, any year)
    plus the pack's own `holidays`, minus the pack's `not_holidays` (a date the package has
    that the city works, or a moved cuti bersama).
    """

    def __init__(self, holidays: Iterable[date] = (), tz: str | tzinfo = "Asia/Jakarta",
                 weekend: Iterable[int] = (5, 6), country: str | None = None,
                 not_holidays: Iterable[date] = ()) -> None:
        self.holidays = frozenset(holidays)
        self.not_holidays = frozenset(not_holidays)
        self.tz: tzinfo = ZoneInfo(tz) if isinstance(tz, str) else tz
        self.weekend = frozenset(weekend)
        self.country = country
        self._country_days: dict[int, frozenset[date]] = {}

    def _national(self, year: int) -> frozenset[date]:
        if self.country is None:
            return frozenset()
        days = self._country_days.get(year)
        if days is None:
            import holidays as holiday_data  # data only; imported when a country is asked

            days = frozenset(holiday_data.country_holidays(self.country, years=year))
            self._country_days[year] = days
        return days

    def is_holiday(self, day: date) -> bool:
        """True on a public holiday of the pack or the country (unless the pack overrides)."""
        if day in self.holidays:
            return True
        return day not in self.not_holidays and day in self._national(day.year)

    def is_working_day(self, day: date) -> bool:
        """True on a weekday that is not a holiday."""
        return day.weekday() not in self.weekend and not self.is_holiday(day)

    def local_date(self, at: datetime) -> date:
        """The local calendar date of a moment."""
        return _aware(at).astimezone(self.tz).date()

    def nth_working_day_after(self, day: date, n: int) -> date:
        """The n-th working day strictly after `day` (n=0: `day` itself)."""
        if n < 0:
            raise ValueError("n must be >= 0")
        current = day
        left = n
        while left > 0:
            current += timedelta(days=1)
            if self.is_working_day(current):
                left -= 1
        return current

    def add_working_days(self, start: datetime, n: int) -> datetime:
        """The deadline n working days after `start`: end of that local day, in UTC."""
        due_day = self.nth_working_day_after(self.local_date(start), n)
        return datetime.combine(due_day, END_OF_DAY, tzinfo=self.tz).astimezone(UTC)

    def working_days_between(self, start: datetime, end: datetime) -> float:
        """Elapsed working time from `start` to `end`, in (fractional) working days."""
        start, end = _aware(start).astimezone(self.tz), _aware(end).astimezone(self.tz)
        if end <= start:
            return 0.0
        total = 0.0
        day = start.date()
        while day <= end.date():
            if self.is_working_day(day):
                day_start = datetime.combine(day, time(0), tzinfo=self.tz)
                day_end = day_start + timedelta(days=1)
                lo, hi = max(start, day_start), min(end, day_end)
                if hi > lo:
                    total += (hi - lo).total_seconds() / 86400.0
            day += timedelta(days=1)
        return total

    def working_days_in(self, first: date, last: date) -> int:
        """How many working days lie in [first, last]."""
        count, day = 0, first
        while day <= last:
            count += self.is_working_day(day)
            day += timedelta(days=1)
        return count


def _aware(at: datetime) -> datetime:
    if at.tzinfo is None:
        raise ValueError("naive datetime; use timezone-aware datetimes")
    return at
