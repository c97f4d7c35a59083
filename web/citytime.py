"""The city's time in pages: the ``localtime`` Jinja filter and the zone handed to the browser.

Templates never print a raw timestamp: ``{{ ts|localtime }}`` gives ``01 Des 2026 02:14 WIB``
(English: ``01 Dec 2026 02:14 WIB``) on the city's clock, ``{{ ts|isotime }}`` the ISO-8601
value with the city's offset for ``<time datetime=…>``. Every page also gets ``city_time``
(zone, today, now) which ``base.html`` and the portal layout put on ``<html data-…>``, so
``static/common/citytime.js`` formats on the city's clock, never the browser's.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import Flask, current_app

from dispatch.domain import citytime

from .i18n import current_language


def _tz() -> Any:
    return current_app.extensions["siaga112"].city.tz


def localtime(value: Any, style: str = "datetime", seconds: bool = False) -> str:
    """Jinja filter: a datetime or ISO string as the city's local time ('' when empty)."""
    when = citytime.coerce(value)
    if when is None:
        return ""
    tz, lang = _tz(), current_language()
    if not isinstance(when, datetime):
        return citytime.format_date(when, tz, lang)
    if style == "date":
        return citytime.format_date(when, tz, lang)
    if style == "time":
        return citytime.format_time(when, tz, lang, seconds)
    return citytime.format_datetime(when, tz, lang, seconds)


def isotime(value: Any) -> str:
    """Jinja filter: ISO-8601 with the city's offset, for ``<time datetime=…>``."""
    when = citytime.coerce(value)
    if when is None:
        return ""
    if isinstance(when, datetime):
        return citytime.iso_local(when, _tz()) or ""
    return when.isoformat() if isinstance(when, date) else ""


def page_time() -> dict[str, str]:
    """The city's zone, today and now (on the server's clock), for the browser."""
    rt = current_app.extensions["siaga112"]
    tz = rt.city.tz
    now = rt.clock.now()
    local = citytime.local(now, tz)
    return {
        "timezone": rt.city.timezone,
        "zone_label": citytime.zone_label(tz, now),
        "utc_offset": local.isoformat()[-6:],
        "today": local.date().isoformat(),
        "now": local.isoformat(),
    }


def init_app(app: Flask) -> None:
    """Register the filters and the ``city_time`` template variable."""
    app.add_template_filter(localtime, "localtime")
    app.add_template_filter(isotime, "isotime")

    @app.context_processor
    def _city_time() -> dict[str, Any]:
        return {"city_time": page_time()}
