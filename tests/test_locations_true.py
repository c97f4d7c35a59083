"""Locations that are true, through the HTTP API and the database: AML without a fix is no
location (never 0,0), AML v2, truncated and stale AML, and calls from outside the city are
handed off to the neighbouring authority instead of being labelled with a city kecamatan."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from dispatch.bootstrap import bootstrap
from dispatch.clock import ManualClock
from dispatch.config import Settings
from dispatch.db.models import Incident
from dispatch.runtime import Runtime
from tests.support.citypack import pack_with
from tests.support.complaints import MONDAY_9AM, make_app, user

# Monday 23 Nov 2026 02:00 UTC (09:00 WIB) is the runtime's "now"; these fixes are from before.
STATION = {"lat": -7.8167, "lon": 112.0136}  # Stasiun Kediri, Kecamatan Kota
FIRE = "Kebakaran gudang dekat stasiun, asap hitam tebal, api besar"
# Written from the published AML v1 layout; 127 characters with ml=127 (exact).
AML_NO_FIX = ('A"ML=1;lt=+00.00000;lg=+000.00000;rd=N;top=20261123015930;lc=0;pm=N;'
              "si=510101000000000;ei=356938035643809;mcc=510;mnc=10;ml=127")
AML_V1 = ('A"ML=1;lt=-7.81670;lg=+112.01360;rd=25;top=20261123015930;lc=68;pm=G;'
          "si=510101000000000;ei=356938035643809;mcc=510;mnc=10;ml=128")
# v2: et = 2026-11-23T01:59:50Z, the fix 5 s after the call started.
AML_V2 = ('A"ML=2;en=112;et=1795399190;lo=-7.81670,112.01360,12.5;lt=5;lc=68;lz=95.2,8.1;'
          "ls=G;ei=356938035643809;mcc=510;mnc=10;ml=123")
SURABAYA = {"lat": -7.2575, "lon": 112.7521}
JUST_OUTSIDE = {"lat": -7.88, "lon": 112.02}  # ~1.4 km south of Pesantren, Kabupaten Kediri


def test_fixtures_are_what_they_claim() -> None:
    assert len(AML_NO_FIX) == 127 and len(AML_V1) == 128 and len(AML_V2) == 123


def make_rt(tmp_path: Path, clock: ManualClock, **pack: Any) -> Runtime:
    city = str(pack_with(tmp_path, **pack)) if pack else None
    settings = Settings(database_url=f"sqlite:///{tmp_path}/siaga.db", secret_key="test-secret",
                        city=city)
    return bootstrap(settings, clock=clock)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(MONDAY_9AM)


@pytest.fixture
def rt(tmp_path: Path, clock: ManualClock) -> Iterator[Runtime]:
    runtime = make_rt(tmp_path, clock)
    yield runtime
    runtime.stop()


class Api:
    def __init__(self, client: FlaskClient, headers: dict[str, str]) -> None:
        self.client, self.headers = client, headers

    def get(self, path: str, **kw: Any) -> Any:
        return self.client.get(path, headers=self.headers, **kw)

    def post(self, path: str, body: Any) -> Any:
        return self.client.post(path, json=body, headers=self.headers)

    def parse(self, text: str) -> dict[str, Any]:
        resp = self.get("/api/v1/geo/parse", query_string={"text": text})
        assert resp.status_code == 200, resp.get_json()
        return resp.get_json()  # type: ignore[no-any-return]

    def create(self, **body: Any) -> dict[str, Any]:
        resp = self.post("/api/v1/incidents", body)
        assert resp.status_code == 201, resp.get_json()
        return resp.get_json()  # type: ignore[no-any-return]


def api_for(rt: Runtime, tmp_path: Path) -> Api:
    return Api(make_app(rt, tmp_path).test_client(), user(rt, "op1", "operator"))


@pytest.fixture
def api(rt: Runtime, tmp_path: Path) -> Api:
    return api_for(rt, tmp_path)


def incident_count(rt: Runtime) -> int:
    with rt.session() as s:
        return int(s.scalar(select(func.count()).select_from(Incident)) or 0)


# ----------------------------------------------------------------------------- AML


def test_aml_pm_n_is_no_location_and_intake_asks_for_one(api: Api, rt: Runtime) -> None:
    view = api.parse(AML_NO_FIX)
    assert view["kind"] == "aml" and view["aml_version"] == 1
    assert view["location"] is None and view["lat"] is None and view["lon"] is None
    assert "pm=N" in view["no_location_reason"]
    assert view["truncated"] is False
    # Intake with only that AML: refused with a reason, nothing stored at 0,0.
    resp = api.post("/api/v1/incidents", {"description": FIRE, "aml": AML_NO_FIX})
    assert resp.status_code == 422
    err = resp.get_json()["error"]
    assert err["code"] == "no_location" and err["field"] == "lat"
    assert "pm=N" in err["message"] and "ask the caller" in err["message"]
    # 0,0 typed in is no location either.
    zero = api.post("/api/v1/incidents", {"description": FIRE, "lat": 0, "lon": 0})
    assert zero.status_code == 422 and zero.get_json()["error"]["code"] == "no_location"
    assert incident_count(rt) == 0
    # The operator asked the caller: their point is used, the AML's doubt is kept.
    inc = api.create(description=FIRE, aml=AML_NO_FIX, **STATION)
    assert (inc["lat"], inc["lon"]) == (STATION["lat"], STATION["lon"])
    assert inc["aml"]["no_location_reason"].startswith("pm=N")
    assert "imei" not in inc["aml"]  # the device's identity stays out of the incident


def test_aml_v2_message_is_parsed_and_locates_the_incident(api: Api) -> None:
    view = api.parse(AML_V2)
    assert view["aml_version"] == 2
    assert view["location"] == {"lat": -7.8167, "lon": 112.0136, "radius_m": 12.5}
    assert view["positioned_at"] == "2026-11-23T01:59:55+00:00"
    assert view["age_s"] == 5.0 and view["stale"] is False and view["truncated"] is False
    assert (view["altitude_m"], view["vertical_accuracy_m"]) == (95.2, 8.1)
    assert view["district"] == "Kota" and view["outside_jurisdiction"] is False
    inc = api.create(description=FIRE, aml=AML_V2)
    assert (inc["lat"], inc["lon"], inc["location_radius_m"]) == (-7.8167, 112.0136, 12.5)
    assert inc["district"] == "Kota" and inc["aml"]["aml_version"] == 2
    located = api.get(f"/api/v1/incidents/{inc['id']}").get_json()["timeline"][2]
    assert located["kind"] == "located" and "AML v2" in located["message"]


def test_truncated_aml_is_flagged(api: Api) -> None:
    cut = AML_V1[:70] + AML_V1[100:]  # a part lost on the way, ml=128 still at the end
    view = api.parse(cut)
    assert view["truncated"] is True and view["declared_length"] == 128 and view["length"] == 98
    assert any("truncated" in w for w in view["warnings"])
    assert view["location"] is not None  # lt/lg came through; the doubt is shown
    whole = api.parse(AML_V1)
    assert whole["truncated"] is False and whole["warnings"] == []
    inc = api.create(description=FIRE, aml=cut)
    assert inc["aml"]["truncated"] is True


def test_old_top_is_stale_by_the_runtime_clock(api: Api, clock: ManualClock) -> None:
    fresh = api.parse(AML_V1)  # fix at 01:59:30, now 02:00:00
    assert fresh["age_s"] == 30.0 and fresh["stale"] is False
    clock.advance(10 * 60)
    old = api.parse(AML_V1)
    assert old["age_s"] == 630.0 and old["stale"] is True and old["stale_after_s"] == 300
    assert any("old" in w for w in old["warnings"])
    inc = api.create(description=FIRE, aml=AML_V1)
    assert inc["aml"]["stale"] is True
    clock.set(MONDAY_9AM - timedelta(hours=1))  # the phone's clock is an hour ahead
    ahead = api.parse(AML_V1)
    assert ahead["stale"] is False and any("future" in w for w in ahead["warnings"])


def test_aml_staleness_limit_comes_from_the_city_pack(tmp_path: Path, clock: ManualClock) -> None:
    rt = make_rt(tmp_path, clock, aml={"stale_after_s": 900})
    try:
        clock.advance(10 * 60)
        view = api_for(rt, tmp_path).parse(AML_V1)
        assert view["age_s"] == 630.0 and view["stale"] is False and view["stale_after_s"] == 900
    finally:
        rt.stop()


# ----------------------------------------------------------------------------- jurisdiction


def test_call_from_surabaya_is_handed_off_with_no_units(api: Api) -> None:
    view = api.parse(f"{SURABAYA['lat']}, {SURABAYA['lon']}")
    assert view["outside_jurisdiction"] is True and view["district"] is None
    assert "Surabaya" in view["handoff"]["authority"]
    inc = api.create(description=FIRE, **SURABAYA)
    assert inc["outside_jurisdiction"] is True
    assert inc["district"] is None and inc["kecamatan"] is None and inc["kelurahan"] is None
    assert inc["handoff"]["id"] == "kota-surabaya"
    assert "Surabaya" in inc["handoff"]["authority"] and "112" in inc["handoff"]["contact"]
    assert inc["boundary_distance_m"] > 90_000
    assert inc["recommendations"] == [] and inc["shortfall"] == []
    assert inc["no_recommendation_reason"] == "outside_jurisdiction"
    assert "hand off to" in inc["recommendation_note"] and "Surabaya" in inc["recommendation_note"]
    detail = api.get(f"/api/v1/incidents/{inc['id']}?fresh=1").get_json()
    assert detail["recommendations"] == [] and detail["district"] is None
    # "Hand off" is a close outcome: recorded with the authority, and the call leaves the queue.
    closed = api.post(f"/api/v1/incidents/{inc['id']}/close", {"outcome": "handoff"})
    assert closed.status_code == 200, closed.get_json()
    body = closed.get_json()
    assert body["status"] == "closed" and body["outcome"] == "handoff"
    handed = [e for e in body["timeline"] if e["kind"] == "handed_off"]
    assert handed and "Surabaya" in handed[0]["data"]["authority"]
    open_ids = [i["id"] for i in api.get("/api/v1/incidents?status=open").get_json()]
    assert inc["id"] not in open_ids


def test_call_just_outside_the_boundary_still_gets_units(api: Api) -> None:
    inc = api.create(description=FIRE, **JUST_OUTSIDE)
    assert inc["outside_jurisdiction"] is True and inc["district"] is None
    assert inc["handoff"]["id"] == "kab-kediri"
    assert 0 < inc["boundary_distance_m"] < 3000
    assert [r["unit_type"] for r in inc["recommendations"]].count("fire_engine") == 2
    assert inc["no_recommendation_reason"] is None and inc["recommendation_note"] is None


def test_recommend_distance_comes_from_the_city_pack(tmp_path: Path, clock: ManualClock) -> None:
    rt = make_rt(tmp_path, clock, jurisdiction={"recommend_within_m": 1000})
    try:
        inc = api_for(rt, tmp_path).create(description=FIRE, **JUST_OUTSIDE)
        assert inc["recommendations"] == []
        assert inc["no_recommendation_reason"] == "outside_jurisdiction"
    finally:
        rt.stop()


def test_point_in_no_neighbour_goes_to_the_provincial_fallback(api: Api) -> None:
    inc = api.create(description=FIRE, lat=-6.2, lon=106.8)  # Jakarta: not in any outline
    assert inc["handoff"]["authority"] == "Command Center 112 Provinsi Jawa Timur"


def test_handoff_to_another_authority_named_by_the_operator(api: Api) -> None:
    inc = api.create(description=FIRE, **JUST_OUTSIDE)
    out = api.post(f"/api/v1/incidents/{inc['id']}/close",
                   {"outcome": "handoff", "authority": "Damkar Kabupaten Kediri",
                    "contact": "0354-000000", "note": "diterima petugas jaga"})
    assert out.status_code == 200
    handed = next(e for e in out.get_json()["timeline"] if e["kind"] == "handed_off")
    assert handed["data"]["authority"] == "Damkar Kabupaten Kediri"
    assert handed["data"]["contact"] == "0354-000000"


@pytest.mark.parametrize("text", [
    'A"ML=2;et=99999999999999999;lo=-7.8,112.0,3;lt=1e308',
    'A"ML=2;lo=inf,112.0', 'A"ML=2;lo=-7.8,112.0,inf;lz=inf,nan',
    'A"ML=1;lt=-7.8;lg=112.0;rd=1e400;lc=1e400;top=99999999999999;ml=99999999999',
    'A"ML=9999999999999999999;lt=-7.8;lg=112.0', ';;;=;==;', "lo=;lt=;et=",
])
def test_garbage_aml_is_a_4xx_or_a_warning_never_a_500(api: Api, text: str) -> None:
    resp = api.get("/api/v1/geo/parse", query_string={"text": text})
    assert resp.status_code in (200, 422), resp.get_data(as_text=True)
    if resp.status_code == 422:
        assert resp.get_json()["error"]["field"] == "text"
    body = api.post("/api/v1/incidents", {"description": FIRE, "aml": text})
    assert 400 <= body.status_code < 500 or body.status_code == 201
