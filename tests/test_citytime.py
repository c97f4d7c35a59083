"""The city's time: local formats, day boundaries, offsets in every API, local pages and exports."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask.testing import FlaskClient

from dispatch.citypack import DEFAULT_PACK, CityPackError, load_city_pack
from dispatch.clock import ManualClock
from dispatch.domain import citytime
from dispatch.runtime import Runtime
from tests.support.complaints import DHOHO, STREET_LIGHT, csrf_from, login, make_app, make_runtime
from tests.support.complaints import user as make_user

# Pinned instants, but rerun at the chosen ones too: nothing here may read the wall clock.
pytestmark = pytest.mark.datesensitive

JAKARTA = ZoneInfo("Asia/Jakarta")
# 19:14 UTC on 30 November is 02:14 on 1 December in Kediri: another day, another month.
LATE_UTC = datetime(2026, 11, 30, 19, 14, tzinfo=UTC)
ISO_IN_TEXT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
ISO_VALUE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(?P<off>Z|[+-]\d{2}:\d{2})?$")


# ----------------------------------------------------------------------------- pure rules


@pytest.mark.parametrize(("zone", "lang", "expected"), [
    ("Asia/Jakarta", "id", "01 Des 2026 02:14 WIB"),
    ("Asia/Jakarta", "en", "01 Dec 2026 02:14 WIB"),
    ("Asia/Pontianak", "id", "01 Des 2026 02:14 WIB"),
    ("Asia/Makassar", "id", "01 Des 2026 03:14 WITA"),
    ("Asia/Jayapura", "en", "01 Dec 2026 04:14 WIT"),
    ("Europe/Paris", "en", "30 Nov 2026 20:14 UTC+01:00"),
    ("America/St_Johns", "en", "30 Nov 2026 15:44 UTC-03:30"),
    ("UTC", "id", "30 Nov 2026 19:14 UTC"),
])
def test_people_read_local_time_in_local_format(zone: str, lang: str, expected: str) -> None:
    assert citytime.format_datetime(LATE_UTC, ZoneInfo(zone), lang) == expected


def test_offset_label_follows_daylight_saving_and_months_are_indonesian() -> None:
    paris = ZoneInfo("Europe/Paris")
    assert citytime.zone_label(paris, datetime(2026, 7, 1, tzinfo=UTC)) == "UTC+02:00"
    assert citytime.zone_label(paris, datetime(2026, 1, 1, tzinfo=UTC)) == "UTC+01:00"
    months = [citytime.format_date(date(2026, m, 5), JAKARTA, "id")[3:6] for m in range(1, 13)]
    assert months == ["Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt",
                      "Nov", "Des"]
    assert citytime.format_time(LATE_UTC, JAKARTA, seconds=True) == "02:14:00 WIB"


def test_today_turns_at_local_midnight_not_utc_midnight() -> None:
    last_minute = datetime(2026, 12, 31, 16, 59, tzinfo=UTC)  # 23:59 WIB, 31 Dec
    assert citytime.local_date(last_minute, JAKARTA) == date(2026, 12, 31)
    assert citytime.local_date(last_minute + timedelta(minutes=1), JAKARTA) == date(2027, 1, 1)
    start, end = citytime.day_bounds(date(2026, 12, 1), JAKARTA)
    assert (start, end) == (datetime(2026, 11, 30, 17, tzinfo=UTC),
                            datetime(2026, 12, 1, 17, tzinfo=UTC))
    # A day with a clock change has 23 hours: bounds come from the zone, not from +24 h.
    start, end = citytime.day_bounds(date(2026, 3, 29), ZoneInfo("Europe/Paris"))
    assert end - start == timedelta(hours=23)


@pytest.mark.parametrize(("text", "end", "expected"), [
    ("2026-12-01", False, datetime(2026, 11, 30, 17, tzinfo=UTC)),
    ("2026-12-01", True, datetime(2026, 12, 1, 17, tzinfo=UTC)),
    ("2026-12-01T08:00", False, datetime(2026, 12, 1, 1, tzinfo=UTC)),
    ("2026-12-01 08:00:00", False, datetime(2026, 12, 1, 1, tzinfo=UTC)),
    ("2026-12-01T08:00:00Z", False, datetime(2026, 12, 1, 8, tzinfo=UTC)),
    ("2026-12-01T08:00:00+07:00", False, datetime(2026, 12, 1, 1, tzinfo=UTC)),
    ("2026-12-01T08:00:00 07:00", False, datetime(2026, 12, 1, 1, tzinfo=UTC)),  # '+' lost in a URL
])
def test_dates_without_an_offset_are_the_citys(text: str, end: bool, expected: datetime) -> None:
    assert citytime.parse_instant(text, JAKARTA, end_of_day=end) == expected


def test_bad_dates_and_zones_are_refused(tmp_path: Path) -> None:
    for bad in ("yesterday", "2026-13-01", "2026-12-01T25:00"):
        with pytest.raises(ValueError):
            citytime.parse_instant(bad, JAKARTA)
    with pytest.raises(ValueError):
        citytime.zone("Mars/Olympus_Mons")
    pack = tmp_path / "pack"
    shutil.copytree(DEFAULT_PACK, pack)
    city = json.loads((pack / "city.json").read_text(encoding="utf-8"))
    city["timezone"] = "WIB"  # the abbreviation is not a zone name
    (pack / "city.json").write_text(json.dumps(city), encoding="utf-8")
    with pytest.raises(CityPackError) as info:
        load_city_pack(pack)
    assert info.value.file == "city.json" and info.value.field == "timezone"
    assert "Asia/Jakarta" in info.value.message


# ----------------------------------------------------------------------------- over HTTP


@pytest.fixture
def late_rt(tmp_path: Path) -> Iterator[Runtime]:
    """A runtime whose clock says 02:14 WIB on 1 December (still 30 November in UTC)."""
    rt = make_runtime(tmp_path, ManualClock(LATE_UTC))
    yield rt
    rt.stop()


@pytest.fixture
def late_client(late_rt: Runtime, tmp_path: Path) -> FlaskClient:
    return make_app(late_rt, tmp_path).test_client()


def _walk(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _walk(v, f"{path}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _walk(v, f"{path}[{i}]")
    elif isinstance(value, str) and ISO_VALUE.match(value):
        yield path, value


def _offsets(body: Any) -> dict[str, str]:
    """Every ISO date-time in a JSON body → its offset ('' when it has none)."""
    return {p: ISO_VALUE.match(v).group("off") or "" for p, v in _walk(body)}  # type: ignore[union-attr]


def test_every_api_gives_iso_times_with_an_offset(late_rt: Runtime, late_client: FlaskClient
                                                  ) -> None:
    c = late_client
    op = make_user(late_rt, "op", "operator")
    sup = make_user(late_rt, "sup", "supervisor")
    adm = make_user(late_rt, "adm", "admin")
    inc = c.post("/api/v1/incidents", headers=op, json={
        "description": "kebakaran rumah di jalan Dhoho", "lat": -7.8172, "lon": 112.0119})
    assert inc.status_code == 201
    iid = inc.get_json()["id"]
    unit = inc.get_json()["recommendations"][0]["unit_id"]
    assert c.post(f"/api/v1/incidents/{iid}/dispatch", headers=op,
                  json={"unit_ids": [unit]}).status_code in (200, 201)
    assert c.post(f"/api/v1/incidents/{iid}/notes", headers=op,
                  json={"text": "api jam 02.14"}).status_code in (200, 201)
    created = c.post("/api/v1/complaints", headers=op, json={
        "description": STREET_LIGHT, **DHOHO, "channel": "whatsapp",
        "publish_consent": True}).get_json()
    ticket = created["ticket"]
    utc_reads = {
        "incident": c.get(f"/api/v1/incidents/{iid}", headers=op),
        "incidents": c.get("/api/v1/incidents?status=open", headers=op),
        "units": c.get("/api/v1/units", headers=op),
        "complaint": c.get(f"/api/v1/complaints/{ticket}", headers=op),
        "complaints": c.get("/api/v1/complaints?status=all", headers=op),
        "webhooks": c.get("/api/v1/complaints/webhooks", headers=adm),
    }
    local_reads = {
        "kpis": c.get("/api/v1/kpis", headers=sup),
        "export": c.get("/api/v1/complaints/export.json", headers=sup),
        "open311": c.get("/open311/v2/requests.json"),
        "open311_one": c.get(f"/open311/v2/requests/{created['public_id']}.json"),
        "city": c.get("/api/v1/city", headers=op),
    }
    seen = 0
    for name, resp in {**utc_reads, **local_reads}.items():
        assert resp.status_code == 200, (name, resp.get_data(as_text=True)[:300])
        offsets = _offsets(resp.get_json())
        seen += len(offsets)
        want = "+00:00" if name in utc_reads else "+07:00"
        wrong = {p: o for p, o in offsets.items() if o != want}
        assert not wrong, (name, wrong)
    assert seen > 40  # the walk found the times it should have
    detail = utc_reads["incident"].get_json()
    assert detail["created_at"] == "2026-11-30T19:14:00+00:00"
    assert {e["ts"] for e in detail["timeline"]} == {"2026-11-30T19:14:00+00:00"}
    req = local_reads["open311_one"].get_json()[0]
    assert req["requested_datetime"] == "2026-12-01T02:14:00+07:00"
    kpis = local_reads["kpis"].get_json()
    # The default period is the city's today, 1 December, from its local midnight.
    assert kpis["period"]["from"].startswith("2026-12-01T00:00:00+07:00")
    assert kpis["totals"]["incidents"] == 1
    assert kpis["board"]["call_types_today"]["genuine"] == 1
    city = local_reads["city"].get_json()["time"]
    assert city == {"timezone": "Asia/Jakarta", "zone_label": "WIB", "utc_offset": "+07:00",
                    "today": "2026-12-01", "now": "2026-12-01T02:14:00+07:00"}


def _visible(html: str) -> str:
    # What a person reads: no attribute values, no tags.
    return re.sub(r"<[^>]+>", " ", re.sub(r'="[^"]*"', "", html))


def test_pages_show_local_time_never_a_raw_iso_string(late_rt: Runtime, late_client: FlaskClient
                                                       ) -> None:
    c = late_client
    make_user(late_rt, "coord", "operator")
    op = make_user(late_rt, "op", "operator")
    created = c.post("/api/v1/complaints", headers=op, json={
        "description": STREET_LIGHT, **DHOHO, "channel": "whatsapp"}).get_json()
    ticket, public_id = created["ticket"], created["public_id"]
    assert ticket.startswith("SGA-2026-")
    public = c.get(f"/lapor/{public_id}").get_data(as_text=True)
    assert "01 Des 2026 02:14 WIB" in public
    assert '<time datetime="2026-12-01T02:14:00+07:00">' in public
    assert 'data-tz="Asia/Jakarta" data-today="2026-12-01"' in public
    assert not ISO_IN_TEXT.search(_visible(public)), _visible(public)
    login(c, "coord")
    for path in ("/opd?status=all", f"/opd/{ticket}"):
        html = c.get(path).get_data(as_text=True)
        assert not ISO_IN_TEXT.search(_visible(html)), (path, _visible(html))
        assert " WIB" in _visible(html), path
    detail = c.get(f"/opd/{ticket}").get_data(as_text=True)
    assert "01 Des 2026 02:14 WIB" in detail
    # The follow-up deadline: the close of the 5th working day after verification, local.
    due = citytime.format_datetime(datetime.fromisoformat(created["due_at"]), JAKARTA)
    assert due in detail and due.endswith(" WIB")
    token = csrf_from(c.get("/console").get_data(as_text=True))
    assert c.post("/lang", data={"lang": "en", "csrf_token": token, "next": "/opd"}
                  ).status_code in (302, 303)
    english = c.get(f"/lapor/{public_id}").get_data(as_text=True)
    assert "01 Dec 2026 02:14 WIB" in english and 'lang="en"' in english


def test_complaint_export_uses_the_citys_days_and_clock(late_rt: Runtime,
                                                        late_client: FlaskClient) -> None:
    c = late_client
    op = make_user(late_rt, "op", "operator")
    sup = make_user(late_rt, "sup", "supervisor")
    created = c.post("/api/v1/complaints", headers=op, json={
        "description": STREET_LIGHT, **DHOHO, "channel": "whatsapp",
        "publish_consent": True}).get_json()
    ticket = created["ticket"]

    def tickets(query: str) -> list[str]:
        resp = c.get(f"/api/v1/complaints/export.csv{query}", headers=sup)
        assert resp.status_code == 200
        return [r["ticket"] for r in csv.DictReader(io.StringIO(resp.get_data(as_text=True)))]

    # Created at 02:14 WIB on 1 December: in the city's 1 December, not its 30 November.
    assert tickets("?start=2026-12-01&end=2026-12-01") == [ticket]
    assert tickets("?start=2026-11-30&end=2026-11-30") == []
    assert tickets("?start=2026-12-01T02:00&end=2026-12-01T03:00") == [ticket]
    rows = list(csv.DictReader(io.StringIO(
        c.get("/api/v1/complaints/export.csv", headers=sup).get_data(as_text=True))))
    assert rows[0]["created_at"] == "2026-12-01T02:14:00+07:00"
    assert rows[0]["verified_at"] == "2026-12-01T02:14:00+07:00"
    # Open311 reads the same way: a bare end_date includes that day.
    ids = [r["service_request_id"] for r in
           c.get("/open311/v2/requests.json?start_date=2026-12-01&end_date=2026-12-01").get_json()]
    assert ids == [created["public_id"]]
    assert c.get("/open311/v2/requests.json?end_date=2026-11-30").get_json() == []
