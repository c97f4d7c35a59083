"""The city's time: its zone decides "today", day boundaries and every date people read.

One place for it on the server (pure: zoneinfo only). Instants are stored and computed as
timezone-aware UTC; they become local only at the edges:

- people read ``01 Des 2026 02:14 WIB`` (``01 Dec 2026 02:14 WIB`` in English):
  :func:`format_datetime`, used by the templates' ``localtime`` filter. Indonesian zones
  are named by their abbreviation (WIB, WITA, WIT); any other zone by its offset
  (``UTC+01:00``). The browser formats the same way (``web/static/common/citytime.js``).
- APIs give ISO-8601 with an offset: :func:`iso_utc` (``+00:00``) for the JSON API,
  :func:`iso_local` (the city's offset, ``+07:00``) for Open311, exports and the KPI
  period, which are about the city's calendar.
- a date without a time (``2026-12-01``) or a time without an offset means the city's
  wall clock: :func:`parse_instant`, :func:`day_start`.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# Indonesia's three zones are known by these names (Permendagri / BMKG usage).
ZONE_ABBREVIATIONS: dict[str, str] = {
    "Asia/Jakarta": "WIB",
    "Asia/Pontianak": "WIB",
    "Asia/Makassar": "WITA",
    "Asia/Ujung_Pandang": "WITA",
    "Asia/Jayapura": "WIT",
}
# A '+07:00' offset arrives as ' 07:00' when a client forgot to escape '+' in a query string.
_LOST_PLUS = re.compile(r"^(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) (\d{2}:?\d{2})$")
MONTHS: dict[str, tuple[str, ...]] = {
    "id": ("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"),
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
}


def zone(name: str) -> ZoneInfo:
    """The IANA zone of that name; ValueError when the system does not know it."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as err:
        raise ValueError(f"unknown time zone {name!r}") from err


def _aware(when: datetime) -> datetime:
    # Every datetime in the system is aware; a naive one here would be read as UTC.
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def zone_label(tz: tzinfo, when: datetime) -> str:
    """WIB / WITA / WIT for Indonesian zones, else the offset at that instant (UTC+01:00)."""
    key = getattr(tz, "key", None)
    if key in ZONE_ABBREVIATIONS:
        return ZONE_ABBREVIATIONS[key]
    offset = _aware(when).astimezone(tz).utcoffset() or timedelta()
    if not offset:
        return "UTC"
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    hours, mins = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{mins:02d}"


def local(when: datetime, tz: tzinfo) -> datetime:
    """The same instant on the city's wall clock."""
    return _aware(when).astimezone(tz)


def local_date(when: datetime, tz: tzinfo) -> date:
    """The city's calendar date at that instant."""
    return local(when, tz).date()


def day_start(day: date, tz: tzinfo) -> datetime:
    """Local midnight that starts `day`, as UTC (correct across offset changes)."""
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


def day_bounds(day: date, tz: tzinfo) -> tuple[datetime, datetime]:
    """[start, end) of the city's day `day`, in UTC."""
    return day_start(day, tz), day_start(day + timedelta(days=1), tz)


def iso_utc(when: datetime | None) -> str | None:
    """ISO-8601 in UTC with its offset (``2026-12-01T02:14:00+00:00``); None stays None."""
    return None if when is None else _aware(when).astimezone(UTC).isoformat()


def iso_local(when: datetime | None, tz: tzinfo) -> str | None:
    """ISO-8601 on the city's clock with its offset (``2026-12-01T09:14:00+07:00``)."""
    return None if when is None else local(when, tz).isoformat()


def _lang(lang: str | None) -> str:
    return "en" if (lang or "").lower().startswith("en") else "id"


def format_date(when: datetime | date, tz: tzinfo, lang: str | None = "id") -> str:
    """``01 Des 2026``: the city's date of an instant (a bare date is taken as it is)."""
    day = when if not isinstance(when, datetime) else local_date(when, tz)
    return f"{day.day:02d} {MONTHS[_lang(lang)][day.month - 1]} {day.year}"


def format_time(when: datetime, tz: tzinfo, lang: str | None = "id",
                seconds: bool = False) -> str:
    """``02:14 WIB`` (``02:14:05 WIB`` with seconds) on the city's clock."""
    at = local(when, tz)
    clock = f"{at:%H:%M:%S}" if seconds else f"{at:%H:%M}"
    return f"{clock} {zone_label(tz, at)}"


def format_datetime(when: datetime, tz: tzinfo, lang: str | None = "id",
                    seconds: bool = False) -> str:
    """``01 Des 2026 02:14 WIB``: what people read, on the city's clock."""
    return f"{format_date(when, tz, lang)} {format_time(when, tz, lang, seconds)}"


# The instants a query may name (KPI periods, exports, Open311 filters): nothing the
# system holds lies outside, and near year 1 or 9999 shifting by a zone or a day overflows.
MIN_YEAR = 1970
MAX_YEAR = 2100
RANGE_TEXT = f"{MIN_YEAR}..{MAX_YEAR}"


def parse_instant(text: str, tz: tzinfo, end_of_day: bool = False) -> datetime:
    """An ISO date or date-time as aware UTC; no offset means the city's wall clock.

    A bare date is the city's midnight starting it, or with `end_of_day` the midnight
    ending it. ValueError for anything else, and for years outside MIN_YEAR..MAX_YEAR.
    """
    raw = _LOST_PLUS.sub(r"\1+\2", text.strip())
    if len(raw) > 40:
        raise ValueError("too long")
    if len(raw) == 10:
        day = date.fromisoformat(raw)
        _check_year(day.year)
        return day_start(day + timedelta(days=1) if end_of_day else day, tz)
    when = datetime.fromisoformat(raw.replace("Z", "+00:00").replace(" ", "T", 1))
    _check_year(when.year)
    if when.tzinfo is None:
        when = when.replace(tzinfo=tz)
    return when.astimezone(UTC)


def _check_year(year: int) -> None:
    # Checked before any shift, so year 1 or 9999 never reaches an overflowing addition.
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValueError(f"year {year} outside {RANGE_TEXT}")


def coerce(value: object) -> datetime | date | None:
    """A datetime, a date, or an ISO string of either (as the services hand them to
    templates); None for anything empty or unreadable."""
    if isinstance(value, datetime | date):
        return value
    if not isinstance(value, str) or not value.strip():
        return None
    raw = value.strip()
    try:
        if len(raw) == 10:
            return date.fromisoformat(raw)
        return _aware(datetime.fromisoformat(raw.replace("Z", "+00:00")))
    except ValueError:
        return None
