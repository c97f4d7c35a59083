"""The dashboard's query: period and filters, the city's zone, targets, dimensions."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ...domain import citytime
from ...domain import kpis as dk
from ...domain.constants import CATEGORIES
from ..errors import ValidationError

if TYPE_CHECKING:
    from ...runtime import Runtime

MAX_PERIOD_DAYS = 3660

# (dimension key, label) in display order; "incident" dimensions come from the incident
# (they carry every phase), "unit" dimensions from the dispatched unit (order phases only).
INCIDENT_DIMENSIONS: tuple[tuple[str, str], ...] = (
    ("category", "Kategori / Category"),
    ("kecamatan", "Kecamatan / District"),
    ("kelurahan", "Kelurahan / Sub-district"),
    ("hour", "Jam / Hour of day"),
    ("operator", "Operator"),
)
UNIT_DIMENSIONS: tuple[tuple[str, str], ...] = (
    ("agency", "Instansi / Agency"),
    ("station", "Pos / Station"),
    ("unit", "Unit"),
)
DIMENSIONS: tuple[tuple[str, str], ...] = INCIDENT_DIMENSIONS + UNIT_DIMENSIONS


@dataclass(frozen=True)
class KpiQuery:
    """A period [start, end) in UTC and the filters of one dashboard request."""

    start: datetime
    end: datetime
    category: str | None = None
    district: str | None = None
    include_exercise: bool = False

    def as_dict(self, tz: ZoneInfo) -> dict[str, Any]:
        """JSON view (times in the city's zone)."""
        return {
            "from": self.start.astimezone(tz).isoformat(),
            "to": self.end.astimezone(tz).isoformat(),
            "timezone": tz.key,
            "category": self.category,
            "district": self.district,
            "include_exercise": self.include_exercise,
        }


def city_tz(rt: Runtime) -> ZoneInfo:
    """The city's time zone (UTC if the pack names an unknown zone)."""
    try:
        return ZoneInfo(rt.city.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _local_midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


def _parse_time(value: str, name: str, tz: ZoneInfo, end: bool) -> datetime:
    # The one parser of query dates (a bare date means the whole day: `to=2026-11-23`
    # includes the 23rd), with its year range.
    try:
        return citytime.parse_instant(value, tz, end_of_day=end)
    except ValueError:
        raise ValidationError(
            f"{name} harus tanggal (YYYY-MM-DD) atau waktu ISO-8601, tahun "
            f"{citytime.RANGE_TEXT} / {name} must be a date (YYYY-MM-DD) or an ISO-8601 "
            f"time, years {citytime.RANGE_TEXT}", name,
        ) from None


def _flag(value: str | None, name: str) -> bool:
    if value is None or value.strip().lower() in ("", "0", "false", "no", "off"):
        return False
    if value.strip().lower() in ("1", "true", "yes", "on"):
        return True
    raise ValidationError(f"{name} must be 0 or 1", name)


def parse_query(rt: Runtime, args: Mapping[str, Any]) -> KpiQuery:
    """Validate `from`, `to`, `category`, `district`, `include_exercise`; default is today."""
    tz = city_tz(rt)
    now = rt.clock.now()
    today = now.astimezone(tz).date()

    def arg(name: str) -> str | None:
        value = args.get(name)
        if value is not None and not isinstance(value, str):
            raise ValidationError(f"{name} must be a string", name)
        return value or None

    raw_from, raw_to = arg("from"), arg("to")
    start = _parse_time(raw_from, "from", tz, end=False) if raw_from else _local_midnight(today, tz)
    end = (
        _parse_time(raw_to, "to", tz, end=True) if raw_to
        else _local_midnight(today + timedelta(days=1), tz)
    )
    if end <= start:
        raise ValidationError("to must be after from", "to")
    if end - start > timedelta(days=MAX_PERIOD_DAYS):
        raise ValidationError(f"the period may be at most {MAX_PERIOD_DAYS} days", "from")
    category = arg("category")
    if category is not None and category not in CATEGORIES:
        raise ValidationError(f"category must be one of {', '.join(CATEGORIES)}", "category")
    district = arg("district")
    if district is not None:
        names = {name.lower(): name for name, _, _ in rt.city.kecamatan()}
        if district.strip().lower() not in names:
            raise ValidationError(
                f"district must be a kecamatan of {rt.city.name}: {', '.join(names.values())}",
                "district",
            )
        district = names[district.strip().lower()]
    return KpiQuery(start, end, category, district, _flag(arg("include_exercise"), "include_exercise"))


def kpi_targets(rt: Runtime) -> dict[str, dk.PhaseTarget]:
    """The city pack's targets over the standards' defaults."""
    return dk.targets_from_settings(rt.city.settings.get("kpi_targets"))


def _amber_margin(rt: Runtime) -> float:
    raw = rt.city.settings.get("kpi_amber_margin", dk.DEFAULT_AMBER_MARGIN)
    return float(raw) if isinstance(raw, int | float) and 0 <= raw <= 1 else dk.DEFAULT_AMBER_MARGIN
