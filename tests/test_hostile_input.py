"""Hostile input gets a 4xx with a message, never a 500 (issue 16, finding 6).

The five causes the fuzz found: JSON nested ~1,000 deep, integers of 4,300+ digits, lone
surrogates (both engines) and NUL (PostgreSQL) in text, dates at year 1 or 9999 on the
KPI, CSV, export and Open311 routes, and path ids beyond the database's integer range.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask.testing import FlaskClient

from dispatch.bootstrap import bootstrap
from dispatch.config import Settings
from dispatch.runtime import Runtime
from dispatch.services import accounts, complaints
from tests.conftest import PASSWORDS, Account
from web import create_app

STATION = {"lat": -7.8167, "lon": 112.0136}
DEEP = "[" * 5000 + "]" * 5000


@pytest.fixture
def engine_rt(database_url: str) -> Iterator[Runtime]:
    """A runtime on each engine (PostgreSQL where reachable)."""
    rt = bootstrap(Settings(database_url=database_url, secret_key="test-secret", roads="none"))
    yield rt
    rt.stop()


@pytest.fixture
def eclient(engine_rt: Runtime) -> FlaskClient:
    """A client of the app on each engine."""
    app = create_app(runtime=engine_rt, config={"TESTING": True,
                                                 "OPEN311_POST_RATE": "1000/60"})
    return app.test_client()


@pytest.fixture
def eusers(engine_rt: Runtime) -> dict[str, Account]:
    """One account per role with a token, on each engine."""
    out = {}
    for role, password in PASSWORDS.items():
        accounts.create_user(engine_rt, role, password, role,
                             opd_code="DISHUB" if role == "agency" else None)
        out[role] = Account(role, password, role, accounts.create_token(engine_rt, role))
    return out


def _incident(client: FlaskClient, who: Account) -> int:
    resp = client.post("/api/v1/incidents", headers=who.headers,
                       json={"description": "Kebakaran gudang dekat stasiun", **STATION})
    assert resp.status_code == 201, resp.get_json()
    return int(resp.get_json()["id"])


def _ticket(rt: Runtime) -> dict[str, Any]:
    return complaints.create_complaint(
        rt, {"description": "Jalan berlubang besar di depan pasar", "category": "roads",
             **STATION}, "web", None)


def _bad(resp: Any, status: int | None = 400) -> str:
    # None: any 4xx (the KPI and export routes answer invalid values with their 422).
    ok = 400 <= resp.status_code < 500 if status is None else resp.status_code == status
    assert ok, (resp.status_code, resp.get_data(as_text=True)[:300])
    return resp.get_data(as_text=True)


# ----------------------------------------------------------------------------- JSON depth


def test_deeply_nested_json_is_a_400_on_every_json_reader(client: FlaskClient,
                                                          users: dict[str, Account]) -> None:
    op = users["operator"]
    ticket = _ticket(client.application.extensions["siaga112"])["ticket"]
    for path in ("/api/v1/incidents", "/api/v1/complaints", "/api/v1/classify",
                 f"/api/v1/complaints/{ticket}/replies"):
        for raw in (DEEP, '{"description":' + DEEP + "}"):
            resp = client.post(path, data=raw, headers=op.headers,
                               content_type="application/json")
            text = _bad(resp)
            assert "terlalu dalam" in text and "too deep" in text
            assert resp.get_json()["error"]["field"] == "body"


def test_moderately_deep_json_is_refused_before_any_service_sees_it(
        api: Any) -> None:
    # 40 levels parse fine but are still no incident: refused by the one reader.
    raw = '{"description":' + "[" * 40 + "]" * 40 + "}"
    assert "too deep" in _bad(api.post("/api/v1/incidents", data=raw,
                                       content_type="application/json"))


# ----------------------------------------------------------------------------- number size


def test_huge_integers_are_a_400(client: FlaskClient, users: dict[str, Account]) -> None:
    op = users["operator"]
    inc = _incident(client, op)
    for path, field in ((f"/api/v1/incidents/{inc}/notes", "text"),
                        ("/api/v1/incidents", "lat"), ("/api/v1/complaints", "lat"),
                        (f"/api/v1/incidents/{inc}/close", "outcome")):
        for number in ("9" * 5000, "-" + "9" * 4400, str(10**30)):
            resp = client.post(path, data=f'{{"{field}":{number}}}', headers=op.headers,
                               content_type="application/json")
            text = _bad(resp)
            assert "terlalu panjang" in text and "too long" in text


# ----------------------------------------------------------------------------- text content


def test_lone_surrogates_in_json_text_are_a_400(eclient: FlaskClient,
                                                 eusers: dict[str, Account]) -> None:
    op = eusers["operator"]
    inc = _incident(eclient, op)
    for method, path, field in (("POST", f"/api/v1/incidents/{inc}/notes", "text"),
                                ("PATCH", f"/api/v1/incidents/{inc}", "address"),
                                ("POST", f"/api/v1/incidents/{inc}/close", "outcome"),
                                ("POST", "/api/v1/incidents", "description")):
        for raw in ('"\\ud800"', '"a\\udfffb"'):
            resp = eclient.open(path, method=method, headers=op.headers,
                                data=f'{{"{field}":{raw}}}', content_type="application/json")
            assert "surrogate" in _bad(resp)
            assert resp.get_json()["error"]["field"] == field
    # A key may not carry one either.
    resp = eclient.post(f"/api/v1/incidents/{inc}/notes", headers=op.headers,
                        data='{"\\ud800":"x","text":"ok"}', content_type="application/json")
    assert "surrogate" in _bad(resp)


def test_nul_in_json_query_form_and_path_is_a_400(eclient: FlaskClient, engine_rt: Runtime,
                                                  eusers: dict[str, Account]) -> None:
    op, sup = eusers["operator"], eusers["supervisor"]
    inc = _incident(eclient, op)
    created = _ticket(engine_rt)
    for path, field in ((f"/api/v1/incidents/{inc}/notes", "text"),
                        (f"/api/v1/complaints/{created['ticket']}/replies", "message"),
                        ("/api/v1/incidents", "description")):
        resp = eclient.post(path, headers=op.headers, json={field: "a\x00b"})
        assert "NUL" in _bad(resp)
    for path in ("/api/v1/complaints?status=a%00b", "/api/v1/complaints?opd=%00",
                 "/api/v1/incidents?status=%00", "/api/v1/classify?text=%00",
                 "/api/v1/callers/a%00b/history",
                 f"/api/v1/incidents/{inc}/orders/%00/ack"):
        method = "POST" if path.endswith("/ack") else "GET"
        assert "NUL" in _bad(eclient.open(path, method=method, headers=op.headers)), path
    assert "NUL" in _bad(eclient.get("/api/v1/kpis?district=%00", headers=sup.headers))
    # Anonymous Open311: query and form, answered as Open311 errors.
    resp = eclient.get("/open311/v2/requests.json?service_code=a%00b")
    assert _bad(resp) and resp.get_json()[0]["code"] == 400
    key = op.token
    resp = eclient.post("/open311/v2/requests.json", data={
        "api_key": key, "service_code": "street_light", "lat": str(STATION["lat"]),
        "long": str(STATION["lon"]), "description": "Lampu mati\x00 depan toko"})
    assert "NUL" in _bad(resp) and resp.get_json()[0]["code"] == 400
    # The citizen form: the page again with the message, nothing stored.
    before = len(complaints.export_rows(engine_rt, None, None))
    resp = eclient.post("/lapor", data={"description": "Lampu jalan mati\x00 sejak kemarin"})
    _bad(resp)
    assert len(complaints.export_rows(engine_rt, None, None)) == before


# ----------------------------------------------------------------------------- dates


@pytest.mark.parametrize("value", ["0001-01-01", "0001-01-02T00:00:00", "9999-12-31",
                                   "9999-12-31T23:59:59-12:00", "0001-01-01T00:00:00+14:00",
                                   "1969-12-31", "2101-01-01"])
def test_dates_outside_1970_2100_are_a_400(client: FlaskClient, users: dict[str, Account],
                                            value: str) -> None:
    sup = users["supervisor"]
    q = value.replace("+", "%2B")
    for path in (f"/api/v1/kpis?from={q}", f"/api/v1/kpis?to={q}",
                 f"/dashboard/export/phases.csv?from={q}",
                 f"/api/v1/complaints/export.csv?start={q}",
                 f"/api/v1/complaints/export.json?end={q}",
                 f"/api/v1/complaints/stats?start={q}"):
        text = _bad(client.get(path, headers=sup.headers), None)
        assert "1970..2100" in text, path
    for name in ("start_date", "end_date"):
        resp = client.get(f"/open311/v2/requests.json?{name}={q}")  # anonymous
        assert "1970..2100" in _bad(resp)
        assert resp.get_json()[0]["code"] == 400


def test_dates_inside_the_range_still_work(client: FlaskClient,
                                           users: dict[str, Account]) -> None:
    sup = users["supervisor"]
    assert client.get("/api/v1/kpis?from=2026-11-01&to=2026-11-30",
                      headers=sup.headers).status_code == 200
    assert client.get("/open311/v2/requests.json?end_date=2026-11-02T00:00:00").status_code == 200


# ----------------------------------------------------------------------------- path ids


def test_path_ids_beyond_the_database_integer_are_404(eclient: FlaskClient,
                                                       eusers: dict[str, Account]) -> None:
    op, admin = eusers["operator"], eusers["admin"]
    _incident(eclient, op)
    for big in (2**31, 2**63, 2**64, 10**40):
        for method, path in (("GET", f"/api/v1/incidents/{big}"),
                             ("POST", f"/api/v1/incidents/{big}/escalate"),
                             ("PATCH", f"/api/v1/incidents/{big}")):
            resp = eclient.open(path, method=method, headers=op.headers, json={})
            assert resp.status_code == 404, (path, resp.status_code)
            assert resp.get_json()["error"]["code"]
        resp = eclient.post(f"/api/v1/complaints/webhooks/{big}/retry", headers=admin.headers)
        assert resp.status_code == 404
    # The largest id a row can have is looked up as usual.
    assert eclient.get(f"/api/v1/incidents/{2**31 - 1}", headers=op.headers).status_code == 404
    assert eclient.get("/api/v1/incidents/1", headers=op.headers).status_code == 200
