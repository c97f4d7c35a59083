"""Several operators, one queue: ownership, claims, stale edits refused, shift handover."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from dispatch.runtime import Runtime
from dispatch.services import accounts
from tests.conftest import Account

FIRE = {"description": "kebakaran rumah di dekat pasar", "lat": -7.8166, "lon": 112.0114}


@pytest.fixture
def op2(runtime: Runtime, users: dict[str, Account]) -> dict[str, str]:
    accounts.create_user(runtime, "op2", "operator-two-pass", "operator")
    return {"Authorization": f"Bearer {accounts.create_token(runtime, 'op2')}"}


def _new(client: FlaskClient, headers: dict[str, str]) -> dict[str, Any]:
    resp = client.post("/api/v1/incidents", json=FIRE, headers=headers)
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()  # type: ignore[no-any-return]


def _timeline(client: FlaskClient, headers: dict[str, str], iid: int) -> list[dict[str, Any]]:
    return client.get(f"/api/v1/incidents/{iid}", headers=headers).get_json()["timeline"]


def test_the_operator_who_took_the_call_owns_it_and_a_second_claim_is_refused(
        client: FlaskClient, users: dict[str, Account], op2: dict[str, str]) -> None:
    op, sup = users["operator"].headers, users["supervisor"].headers
    inc = _new(client, op)
    assert inc["owner"] == "operator" and inc["version"] == 1
    iid = inc["id"]
    taken = client.post(f"/api/v1/incidents/{iid}/claim", json={}, headers=op2)
    assert taken.status_code == 409 and "operator" in taken.get_json()["error"]["message"]
    # Only a supervisor may take it over, and it says so on the timeline.
    assert client.post(f"/api/v1/incidents/{iid}/claim", json={"force": True},
                       headers=op2).status_code == 403
    forced = client.post(f"/api/v1/incidents/{iid}/claim", json={"force": True}, headers=sup)
    assert forced.status_code == 200
    assert forced.get_json()["owner"] == "supervisor"
    assert forced.get_json()["previous"] == "operator"
    kinds = [e["kind"] for e in _timeline(client, sup, iid)]
    assert "claim_forced" in kinds


def test_an_unowned_incident_is_claimed_once(client: FlaskClient, runtime: Runtime,
                                             users: dict[str, Account],
                                             op2: dict[str, str]) -> None:
    from dispatch.services import incidents
    from dispatch.services.actors import SYSTEM

    iid = incidents.create_incident(runtime, FIRE, SYSTEM)["id"]  # no operator took it
    assert client.post(f"/api/v1/incidents/{iid}/claim", headers=op2).status_code == 200
    again = client.post(f"/api/v1/incidents/{iid}/claim", json={},
                        headers=users["operator"].headers)
    assert again.status_code == 409
    assert client.get(f"/api/v1/incidents/{iid}", headers=op2).get_json()["owner"] == "op2"


def test_a_stale_edit_is_refused_and_the_newer_state_stays(
        client: FlaskClient, users: dict[str, Account], op2: dict[str, str]) -> None:
    op = users["operator"].headers
    inc = _new(client, op)
    iid, seen = inc["id"], inc["version"]
    first = client.patch(f"/api/v1/incidents/{iid}", json={"priority": 1, "version": seen},
                         headers=op)
    assert first.status_code == 200 and first.get_json()["version"] == seen + 1
    # op2 edits what it loaded before the first change: refused, nothing overwritten.
    stale = client.patch(f"/api/v1/incidents/{iid}",
                         json={"priority": 3, "address": "Jl. Lama", "version": seen},
                         headers=op2)
    assert stale.status_code == 409 and stale.get_json()["error"]["field"] == "version"
    now = client.get(f"/api/v1/incidents/{iid}", headers=op2).get_json()
    assert now["priority"] == 1 and now["address"] != "Jl. Lama" and now["version"] == seen + 1
    # A non-owner's change (on the current version) goes through and is recorded as such.
    ok = client.patch(f"/api/v1/incidents/{iid}", json={"priority": 2, "version": seen + 1},
                      headers=op2)
    assert ok.status_code == 200
    entries = [e for e in _timeline(client, op, iid) if e["kind"] == "not_owner_change"]
    assert entries and entries[0]["actor_id"] == "op2" and entries[0]["data"]["owner"] == "operator"
    bad = client.patch(f"/api/v1/incidents/{iid}", json={"priority": 2, "version": "x"},
                       headers=op)
    assert bad.status_code == 422


def test_a_stale_close_and_a_stale_dispatch_are_refused(
        client: FlaskClient, users: dict[str, Account]) -> None:
    op = users["operator"].headers
    inc = _new(client, op)
    iid = inc["id"]
    assert client.patch(f"/api/v1/incidents/{iid}", json={"priority": 1},
                        headers=op).status_code == 200  # version 2 now
    unit = inc["recommendations"][0]["unit_id"]
    assert client.post(f"/api/v1/incidents/{iid}/dispatch",
                       json={"unit_ids": [unit], "version": 1}, headers=op).status_code == 409
    assert client.post(f"/api/v1/incidents/{iid}/close",
                       json={"outcome": "selesai", "version": 1}, headers=op).status_code == 409
    assert client.post(f"/api/v1/incidents/{iid}/close",
                       json={"outcome": "selesai", "version": 2}, headers=op).status_code == 200


def test_handover_lists_the_shift_and_hands_incidents_on_in_one_action(
        client: FlaskClient, users: dict[str, Account], op2: dict[str, str]) -> None:
    op = users["operator"].headers
    a, b = _new(client, op)["id"], _new(client, op)["id"]
    unit = client.get(f"/api/v1/incidents/{a}", headers=op).get_json()["recommendations"][0]
    assert client.post(f"/api/v1/incidents/{a}/dispatch", json={"unit_ids": [unit["unit_id"]]},
                       headers=op).status_code == 201
    summary = client.get("/api/v1/shift/handover", headers=op).get_json()
    assert {a, b} <= set(summary["mine"])
    assert any(o["unit_id"] == unit["unit_id"] for o in summary["pending_orders"])
    assert client.post("/api/v1/shift/handover", json={"to": "nobody"},
                       headers=op).status_code == 404
    done = client.post("/api/v1/shift/handover", json={"to": "op2"}, headers=op)
    assert done.status_code == 200 and set(done.get_json()["incident_ids"]) >= {a, b}
    after = client.get("/api/v1/shift/handover", headers=op2).get_json()
    assert {a, b} <= set(after["mine"])
    assert any(e["kind"] == "handed_over" for e in _timeline(client, op2, a))
