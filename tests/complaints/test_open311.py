"""Open311 GeoReport v2 as a client uses it: form-encoded POST with api_key, JSON and XML."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import pytest
from flask.testing import FlaskClient

from dispatch.clock import ManualClock
from dispatch.runtime import Runtime
from dispatch.services import complaints
from tests.support.complaints import DHOHO, make_app, user

V2 = "/open311/v2"


@pytest.fixture
def client(rt: Runtime, tmp_path: Path) -> FlaskClient:
    return make_app(rt, tmp_path, OPEN311_POST_RATE="5/3600").test_client()


@pytest.fixture
def api_key(rt: Runtime) -> str:
    return user(rt, "partner-app", "operator")["Authorization"].split(" ", 1)[1]


def form(api_key: str, **extra: Any) -> dict[str, Any]:
    body = {"api_key": api_key, "service_code": "street_light", "lat": str(DHOHO["lat"]),
            "long": str(DHOHO["lon"]), "description": "Lampu PJU mati depan toko",
            "email": "warga@example.id", "first_name": "Siti", "last_name": "Aminah",
            "phone": "081311112222"}
    body.update(extra)
    return body


def xml_of(data: bytes) -> ET.Element:
    """Parse our own server's XML answer (trusted: the test produced it)."""
    return ET.fromstring(data)  # noqa: S314


def errors_of(resp: Any) -> list[dict[str, Any]]:
    body = resp.get_json()
    assert isinstance(body, list) and body, body
    assert set(body[0]) == {"code", "description"}
    return body


def test_services_json_and_xml(client: FlaskClient) -> None:
    resp = client.get(f"{V2}/services.json")
    assert resp.status_code == 200 and resp.mimetype == "application/json"
    services = resp.get_json()
    assert isinstance(services, list)
    codes = {s["service_code"] for s in services}
    assert {"roads", "waste", "street_light", "traffic_light", "water", "id_documents",
            "social_aid"} <= codes
    light = next(s for s in services if s["service_code"] == "street_light")
    assert light["group"] == "Dinas Perhubungan" and light["metadata"] is False
    assert light["type"] == "realtime" and "lampu pju" in light["keywords"]
    xml = client.get(f"{V2}/services.xml")
    assert xml.status_code == 200 and xml.mimetype == "text/xml"
    root = xml_of(xml.data)
    assert root.tag == "services"
    assert {s.findtext("service_code") for s in root.findall("service")} == codes
    assert root.find("service/metadata").text in ("true", "false")


def test_service_definition_and_unknown_service(client: FlaskClient) -> None:
    ok = client.get(f"{V2}/services/water.json").get_json()
    assert ok == {"service_code": "water", "attributes": []}
    xml = xml_of(client.get(f"{V2}/services/water.xml").data)
    assert xml.tag == "service_definition" and xml.findtext("service_code") == "water"
    missing = client.get(f"{V2}/services/unicorns.json")
    assert missing.status_code == 404 and errors_of(missing)[0]["code"] == 404
    missing_xml = client.get(f"{V2}/services/unicorns.xml")
    assert missing_xml.status_code == 404
    err = xml_of(missing_xml.data)
    assert err.tag == "errors" and err.findtext("error/code") == "404"


def internal(rt: Runtime, public_id: str) -> str:
    """The staff ticket number behind a public id."""
    with rt.session() as s:
        c = complaints.by_public_id(s, public_id)
        assert c is not None
        return c.ticket


def test_post_a_request_form_encoded_and_read_it_back(client: FlaskClient, api_key: str,
                                                      rt: Runtime) -> None:
    resp = client.post(f"{V2}/requests.json", data=form(api_key))
    assert resp.status_code == 200, resp.data
    created = resp.get_json()
    assert isinstance(created, list) and len(created) == 1
    rid = created[0]["service_request_id"]
    assert "SGA" not in rid and "service_notice" in created[0]
    assert internal(rt, rid) == "SGA-2026-000001"  # the sequential number stays internal
    assert client.get(f"{V2}/requests/SGA-2026-000001.json").status_code == 404
    # The ticket is a citizen report: received, waiting for verification, routed to DISHUB.
    staff = complaints.get_complaint(rt, internal(rt, rid), complaints.SYSTEM_ACTOR)
    assert staff["channel"] == "open311" and staff["status"] == "received"
    assert staff["opd_code"] == "DISHUB" and staff["reporter"]["name"] == "Siti Aminah"
    one = client.get(f"{V2}/requests/{rid}.json")
    assert one.status_code == 200
    req = one.get_json()
    assert isinstance(req, list) and len(req) == 1
    r = req[0]
    assert r["service_request_id"] == rid and r["status"] == "open"
    assert r["service_code"] == "street_light"
    assert r["agency_responsible"] == "Dinas Perhubungan"
    # W3C date-times on the city's clock, with Kediri's offset.
    assert r["requested_datetime"] == "2026-11-23T09:00:00+07:00"
    assert r["updated_datetime"].endswith("+07:00")
    assert "expected_datetime" in r and r["expected_datetime"] is None
    assert r["lat"] == pytest.approx(DHOHO["lat"], abs=0.001)
    assert r["long"] == pytest.approx(DHOHO["lon"], abs=0.001)
    flat = str(req)
    assert "warga@example.id" not in flat and "81311112222" not in flat and "Siti" not in flat
    # XML POST and read.
    xml_resp = client.post(f"{V2}/requests.xml", data=form(api_key, service_code="waste",
                                                           description="sampah menumpuk"))
    assert xml_resp.status_code == 200
    root = xml_of(xml_resp.data)
    assert root.tag == "service_requests"
    rid2 = root.findtext("request/service_request_id")
    assert rid2 and internal(rt, rid2) == "SGA-2026-000002"
    got = xml_of(client.get(f"{V2}/requests/{rid2}.xml").data)
    assert got.findtext("request/agency_responsible") == "Dinas Lingkungan Hidup"
    assert got.findtext("request/status") == "open"


def test_address_only_requests_are_accepted(client: FlaskClient, api_key: str) -> None:
    body = form(api_key, address_string="Jl. Dhoho 12, Kediri")
    del body["lat"], body["long"]
    assert client.post(f"{V2}/requests.json", data=body).status_code == 200


def test_post_errors_are_open311_errors(client: FlaskClient, api_key: str) -> None:
    cases = [
        (form("sg_wrong"), 403),
        ({k: v for k, v in form(api_key).items() if k != "api_key"}, 403),
        (form(api_key, service_code=""), 400),
        (form(api_key, service_code="unicorns"), 400),
        (form(api_key, lat="south", long="east"), 400),
        ({k: v for k, v in form(api_key).items() if k not in ("lat", "long")}, 400),
        (form(api_key, lat="95", long="112"), 400),
        (form(api_key, email="not-an-email"), 400),
        (form(api_key, media_url="javascript:alert(1)"), 400),
    ]
    for i, (body, status) in enumerate(cases):
        # One client address each: every POST counts against the rate limit.
        resp = client.post(f"{V2}/requests.json", data=body,
                           environ_base={"REMOTE_ADDR": f"10.0.0.{i + 1}"})
        assert resp.status_code == status, (body, resp.data)
        assert errors_of(resp)[0]["code"] == status
    # JSON bodies are not the spec's encoding: the fields are missing → 400/403, not a 500.
    assert client.post(f"{V2}/requests.json", json=form(api_key),
                       environ_base={"REMOTE_ADDR": "10.0.1.1"}).status_code in (400, 403)


def test_post_is_rate_limited_per_client(client: FlaskClient, api_key: str) -> None:
    codes = [client.post(f"{V2}/requests.json", data=form(api_key)).status_code
             for _ in range(6)]
    assert codes == [200] * 5 + [429]
    other = client.post(f"{V2}/requests.json", data=form(api_key),
                        environ_base={"REMOTE_ADDR": "10.9.8.7"})
    assert other.status_code == 200


def test_get_requests_filters(client: FlaskClient, api_key: str, rt: Runtime,
                              clock: ManualClock) -> None:
    a = client.post(f"{V2}/requests.json", data=form(api_key)).get_json()[0]
    clock.set(datetime(2026, 11, 25, 2, tzinfo=UTC))
    b = client.post(f"{V2}/requests.json",
                    data=form(api_key, service_code="water", description="air mati"),
                    environ_base={"REMOTE_ADDR": "10.0.2.1"}).get_json()[0]
    ta, tb = a["service_request_id"], b["service_request_id"]
    # Close a: verified, disposed, resolved → "closed" for Open311; b is verified.
    coord = complaints.staff_actor(rt, "operator", "op")
    sa, sb = internal(rt, ta), internal(rt, tb)
    complaints.transition(rt, sa, "verify", coord)
    complaints.transition(rt, sa, "dispose", coord)
    complaints.transition(rt, sa, "resolve", coord, {"reason": "Lampu diganti"})
    complaints.transition(rt, sb, "verify", coord)

    def ids(query: str) -> list[str]:
        resp = client.get(f"{V2}/requests.json{query}")
        assert resp.status_code == 200, resp.data
        return [r["service_request_id"] for r in resp.get_json()]

    assert ids("") == [tb, ta]  # newest first
    assert ids("?status=open") == [tb]
    assert ids("?status=closed") == [ta]
    assert ids("?status=open,closed") == [tb, ta]
    assert ids("?service_code=water") == [tb]
    assert ids("?service_code=water,street_light") == [tb, ta]
    assert ids("?start_date=2026-11-24T00:00:00Z") == [tb]
    assert ids("?end_date=2026-11-24T00:00:00%2B07:00") == [ta]
    assert ids(f"?service_request_id={ta}") == [ta]
    assert ids(f"?service_request_id={ta},{tb},bogus") == [tb, ta]
    closed = client.get(f"{V2}/requests/{ta}.json").get_json()[0]
    assert closed["status"] == "closed" and closed["status_notes"] == "Lampu diganti"
    assert closed["expected_datetime"].endswith("+07:00")
    for bad in ("?start_date=yesterday", "?status=maybe",
                "?start_date=2026-12-01T00:00:00Z&end_date=2026-11-01T00:00:00Z"):
        resp = client.get(f"{V2}/requests.json{bad}")
        assert resp.status_code == 400 and errors_of(resp)[0]["code"] == 400
    xml = client.get(f"{V2}/requests.xml?status=maybe")
    assert xml.status_code == 400 and xml_of(xml.data).tag == "errors"


def test_unknown_requests_and_paths_are_404_in_open311_shape(client: FlaskClient) -> None:
    for path in ("/requests/SGA-2026-999999.json", "/requests/<script>.json",
                 "/requests/x.json", "/nothing.json", "/services.csv", "/requests.yaml"):
        resp = client.get(V2 + path)
        assert resp.status_code == 404, path
        assert errors_of(resp)[0]["code"] == 404
    xml = client.get(f"{V2}/requests/SGA-2026-999999.xml")
    assert xml.status_code == 404 and xml_of(xml.data).findtext("error/code") == "404"


def test_text_is_data_in_json_and_escaped_in_xml(client: FlaskClient, api_key: str) -> None:
    evil = "<script>alert(1)</script> & <b>lampu pju mati</b> ]]>"
    rid = client.post(f"{V2}/requests.xml",
                      data=form(api_key, description=evil)).data
    ticket = xml_of(rid).findtext("request/service_request_id")
    raw = client.get(f"{V2}/requests/{ticket}.xml").get_data(as_text=True)
    assert "<script>" not in raw and "&lt;script&gt;" in raw
    assert xml_of(raw.encode()).findtext("request/description") == evil
    js = client.get(f"{V2}/requests/{ticket}.json")
    assert js.mimetype == "application/json" and js.get_json()[0]["description"] == evil
