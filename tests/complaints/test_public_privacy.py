"""What the public sees of complaints: masked text, only verified and consented tickets in
listings, lookups by an unguessable id, the sequential number kept internal."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from dispatch.runtime import Runtime
from dispatch.services import complaints
from tests.support.complaints import DHOHO, STREET_LIGHT, make_app, user

V2 = "/open311/v2"
PERSONAL = ("Nama saya Budi Santoso, NIK 3571 0123 4567 8901, HP 0812/3456/7890, "
            "rumah Jl. Dhoho No. 12, email budi@example.id. " + STREET_LIGHT)
SECRETS = ("Budi", "Santoso", "3571", "0812", "3456", "No. 12", "budi@example.id")


@pytest.fixture
def client(rt: Runtime, tmp_path: Path) -> FlaskClient:
    return make_app(rt, tmp_path).test_client()


def coord(rt: Runtime) -> complaints.ComplaintActor:
    return complaints.staff_actor(rt, "operator", "op1")


def web(rt: Runtime, text: str = PERSONAL) -> dict[str, Any]:
    return complaints.create_complaint(
        rt, {"description": text, **DHOHO, "reporter_name": "Budi Santoso"}, "web")


def listed(client: FlaskClient) -> tuple[set[str], set[str]]:
    """Public ids on the public map and in the Open311 listing."""
    on_map = {f["properties"]["ticket"]
              for f in client.get("/lapor/peta.json").get_json()["features"]}
    open311 = {r["service_request_id"] for r in client.get(f"{V2}/requests.json").get_json()}
    return on_map, open311


def test_public_text_is_masked_and_the_coordinator_sees_the_original(
        client: FlaskClient, rt: Runtime) -> None:
    created = web(rt)
    pid = created["public_id"]
    complaints.transition(rt, created["ticket"], "verify", coord(rt))
    page = client.get(f"/lapor/{pid}").get_data(as_text=True)
    one = client.get(f"{V2}/requests/{pid}.json").get_json()[0]
    listing = client.get(f"{V2}/requests.json").get_json()
    for public in (page, one["description"], str(listing)):
        for secret in SECRETS:
            assert secret not in public, secret
    assert "lampu PJU mati" in one["description"] and "[telepon]" in one["description"]
    staff = complaints.get_complaint(rt, created["ticket"], coord(rt))
    assert staff["description"] == PERSONAL


def test_listings_show_only_verified_consented_tickets_lookups_answer_any(
        client: FlaskClient, rt: Runtime) -> None:
    user(rt, "op1", "operator")
    waiting = web(rt)
    verified = web(rt)
    rejected = web(rt)
    complaints.transition(rt, verified["ticket"], "verify", coord(rt))
    complaints.transition(rt, rejected["ticket"], "reject", coord(rt),
                          {"reason": "bukan wewenang"})
    # Staff-taken reports: listed only when the reporter agreed.
    staff_yes = complaints.create_complaint(
        rt, {"description": STREET_LIGHT, **DHOHO, "publish_consent": True}, "whatsapp",
        coord(rt))
    staff_no = complaints.create_complaint(
        rt, {"description": STREET_LIGHT, **DHOHO}, "whatsapp", coord(rt))
    assert staff_yes["publish_consent"] and not staff_no["publish_consent"]
    on_map, open311 = listed(client)
    assert on_map == open311 == {verified["public_id"], staff_yes["public_id"]}
    # Every ticket still answers its own public id (masked), so its reporter can follow it.
    for t in (waiting, rejected, staff_no):
        assert client.get(f"/lapor/{t['public_id']}").status_code == 200
        one = client.get(f"{V2}/requests/{t['public_id']}.json")
        assert one.status_code == 200 and "Budi" not in one.get_data(as_text=True)
    ids = ",".join(t["public_id"] for t in (waiting, rejected))
    asked = client.get(f"{V2}/requests.json?service_request_id={ids}").get_json()
    assert {r["service_request_id"] for r in asked} == {waiting["public_id"],
                                                        rejected["public_id"]}
    assert rejected["public_id"] not in str(client.get("/lapor/peta.json").get_json())


def test_a_112_call_escalated_to_a_ticket_is_never_listed(
        client: FlaskClient, rt: Runtime) -> None:
    headers = user(rt, "op1", "operator")
    inc = client.post("/api/v1/incidents", headers=headers, json={
        "description": STREET_LIGHT, **DHOHO, "caller_phone": "081234567890"}).get_json()
    ticket = inc["complaint"]
    assert ticket["status"] == "disposed"  # verified by the operator's call
    on_map, open311 = listed(client)
    assert ticket["public_id"] not in on_map | open311
    assert client.get(f"/lapor/{ticket['public_id']}").status_code == 200


def test_a_112_caller_who_agreed_is_listed_masked_one_who_was_not_asked_is_not(
        client: FlaskClient, rt: Runtime) -> None:
    headers = user(rt, "op1", "operator")
    agreed = client.post("/api/v1/incidents", headers=headers, json={
        "description": PERSONAL, **DHOHO, "publish_consent": True}).get_json()["complaint"]
    silent = client.post("/api/v1/incidents", headers=headers, json={
        "description": STREET_LIGHT, **DHOHO}).get_json()["complaint"]
    on_map, open311 = listed(client)
    assert agreed["public_id"] in on_map and agreed["public_id"] in open311
    assert silent["public_id"] not in on_map | open311
    shown = client.get(f"{V2}/requests/{agreed['public_id']}.json").get_json()[0]
    for secret in SECRETS:
        assert secret not in shown["description"], secret


def test_consent_given_when_an_operator_escalates_a_call_lists_its_ticket(
        client: FlaskClient, rt: Runtime) -> None:
    headers = user(rt, "op1", "operator")

    def call() -> int:
        # Taken as a fire, then found to be a broken street light: the operator escalates.
        return int(client.post("/api/v1/incidents", headers=headers, json={
            "description": "ada api kebakaran di tiang listrik " + STREET_LIGHT, **DHOHO,
            "category": "fire"}).get_json()["id"])

    asked, not_asked, wrong = call(), call(), call()
    bad = client.post(f"/api/v1/incidents/{wrong}/escalate", headers=headers,
                      json={"publish_consent": "ya"})
    assert bad.status_code == 422 and "publish_consent" in bad.get_data(as_text=True)
    yes = client.post(f"/api/v1/incidents/{asked}/escalate", headers=headers,
                      json={"publish_consent": True})
    no = client.post(f"/api/v1/incidents/{not_asked}/escalate", headers=headers)
    assert yes.status_code == 200 and no.status_code == 200, (yes.get_data(), no.get_data())
    on_map, open311 = listed(client)
    assert yes.get_json()["complaint"]["public_id"] in on_map & open311
    assert no.get_json()["complaint"]["public_id"] not in on_map | open311
    escalated = [e for e in yes.get_json()["timeline"] if e["kind"] == "escalated"]
    assert escalated[0]["data"]["publish_consent"] is True
    assert client.get(f"/api/v1/incidents/{wrong}", headers=headers).get_json()[
        "complaint"] is None  # the refused request changed nothing


def test_public_ids_are_not_sequential_and_the_ticket_number_is_not_public(
        client: FlaskClient, rt: Runtime) -> None:
    made = [web(rt, STREET_LIGHT) for _ in range(5)]
    assert [m["ticket"][-6:] for m in made] == [f"{i:06d}" for i in range(1, 6)]
    pids = [m["public_id"] for m in made]
    assert len(set(pids)) == 5 and all("SGA" not in p and "2026" not in p for p in pids)
    for m in made:
        assert client.get(f"/lapor/{m['ticket']}").status_code == 404
        assert client.get(f"{V2}/requests/{m['ticket']}.json").status_code == 404
        assert m["public_url"] == f"/lapor/{m['public_id']}"


@pytest.mark.parametrize("path", ["/lapor", "/lapor/peta", "/login"])
def test_every_html_page_carries_the_csp(client: FlaskClient, path: str) -> None:
    resp = client.get(path)
    assert resp.status_code == 200 and resp.mimetype == "text/html"
    csp = resp.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
