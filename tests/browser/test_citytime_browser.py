"""In real Chromium, 15 hours behind Kediri: pages format dates on the city's clock, like the server."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update

from dispatch.citypack import DEFAULT_PACK
from dispatch.clock import ScaledClock
from dispatch.db.models import Incident, TimelineEntry
from dispatch.domain import citytime
from dispatch.services import incidents
from dispatch.services.actors import Actor
from tests.browser.conftest import Live, do_login, make_live
from tests.support.timetravel import chosen_instant

pytestmark = pytest.mark.datesensitive

OPERATOR = Actor("operator", "operator", None, "operator")
# Instants around the awkward edges of the city's calendar (and of Paris's clock change).
INSTANTS = [
    "2026-11-30T16:29:59+00:00", "2026-11-30T16:30:00+00:00", "2026-11-30T17:00:00+00:00",
    "2026-12-31T16:59:59+00:00", "2026-12-31T17:00:00+00:00", "2027-03-28T00:59:00+00:00",
    "2027-03-28T01:00:00+00:00", "2026-06-15T05:07:09+00:00",
]
# Noon in Kediri unless SIAGA_TEST_NOW names another instant.
START = chosen_instant() or datetime(2026, 11, 23, 5, 0, tzinfo=UTC)


def _pack(tmp_path: Path, zone: str) -> str:
    dest = tmp_path / "pack"
    shutil.copytree(DEFAULT_PACK, dest)
    city = json.loads((dest / "city.json").read_text(encoding="utf-8"))
    city["timezone"] = zone
    (dest / "city.json").write_text(json.dumps(city), encoding="utf-8")
    return str(dest)


@pytest.fixture
def served(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Live]:
    """A live server (no broker) for the city pack in the zone the test names."""
    zone = getattr(request, "param", "Asia/Jakarta")
    city = None if zone == "Asia/Jakarta" else _pack(tmp_path, zone)
    lv = make_live(tmp_path, None, clock=ScaledClock(START, 1.0), city=city)
    try:
        yield lv
    finally:
        lv.server.stop()
        lv.rt.stop()


@pytest.mark.parametrize("served", ["Asia/Jakarta", "Asia/Makassar", "Europe/Paris"],
                         indirect=True)
def test_the_browser_formats_like_the_server(page: Any, served: Live) -> None:
    page.goto(f"{served.url}/lapor")
    tz = served.rt.city.tz
    assert page.evaluate("() => SiagaTime.zone") == served.rt.city.timezone
    for lang in ("id", "en"):
        page.evaluate("(lang) => { document.documentElement.lang = lang; }", lang)
        shown = page.evaluate(
            "(xs) => xs.map((x) => [SiagaTime.formatDateTime(x), SiagaTime.isoDate(x),"
            " SiagaTime.formatTime(x, { seconds: true })])", INSTANTS)
        expected = [[citytime.format_datetime(w, tz, lang), citytime.local_date(w, tz).isoformat(),
                     citytime.format_time(w, tz, lang, seconds=True)]
                    for w in map(datetime.fromisoformat, INSTANTS)]
        assert shown == expected
    # "Today" is the server's, in the city: not the browser's date, nor its zone's.
    server_today = citytime.local_date(served.rt.clock.now(), tz).isoformat()
    assert page.evaluate("() => SiagaTime.today()") == server_today
    assert page.evaluate("() => document.documentElement.dataset.today") == server_today


def test_console_timeline_in_city_time(page: Any, served: Live) -> None:
    rt = served.rt
    tz = rt.city.tz
    today_id = incidents.create_incident(rt, {
        "description": "kebakaran gudang di pasar", "lat": -7.8150, "lon": 112.0140}, OPERATOR)["id"]
    old_id = incidents.create_incident(rt, {
        "description": "kecelakaan motor di jalan Dhoho", "lat": -7.8172, "lon": 112.0119,
    }, OPERATOR)["id"]
    # The second call came in late yesterday evening (city time).
    yesterday = citytime.day_start(citytime.local_date(rt.clock.now(), tz), tz) - timedelta(
        minutes=10)
    with rt.session() as s:
        s.execute(update(Incident).where(Incident.id == old_id).values(created_at=yesterday))
        s.execute(update(TimelineEntry).where(TimelineEntry.incident_id == old_id)
                  .values(ts=yesterday))
    do_login(page, served, "operator")
    page.wait_for_selector("body[data-live=on]")
    for iid in (today_id, old_id):
        page.click(f"#queue .q-item[data-incident-id='{iid}']")
        page.wait_for_selector(f"#d-title:has-text('#{iid} ')")
        page.wait_for_selector("#timeline .tl-time")
        shown = page.locator("#timeline .tl-time").last.text_content()
        detail = incidents.get_incident(rt, iid)
        created = datetime.fromisoformat(detail["timeline"][0]["ts"])
        if iid == today_id:
            assert shown == citytime.format_time(created, tz, "id", seconds=True)
        else:
            assert shown == citytime.format_datetime(created, tz, "id", seconds=True)
            assert shown.endswith("23:50:00 WIB")
    assert page.page_errors == []  # type: ignore[attr-defined]
