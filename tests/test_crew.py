"""The crew app's server side: a `unit` account per unit, its order, its taps through the
same parsers and field services as MQTT, a resent tap applied once, and nothing else open
to a unit's account."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from dispatch.runtime import Runtime
from dispatch.services import accounts, incidents
from dispatch.services.actors import Actor
from dispatch.services.errors import Conflict, NotFound
from tests.test_viewer_role import _url
from web.extensions import socketio

OPERATOR = Actor("operator", "operator", None, "operator")
SCENE = {"lat": -7.8167, "lon": 112.0136}


def unit_headers(rt: Runtime, unit_id: str) -> dict[str, str]:
    """The unit's crew login, as a bearer token."""
    accounts.unit_credentials(rt, unit_id)
    return {"Authorization": f"Bearer {accounts.create_token(rt, unit_id)}"}


def dispatched(rt: Runtime, unit_type: str = "ambulance") -> tuple[int, str, str]:
    """An incident with a caller number and one unit sent: (incident id, unit id, order id)."""
    inc = incidents.create_incident(rt, {
        "description": "Tabrakan motor, pengendara luka parah di kepala", **SCENE,
        "caller_phone": "081234567890", "address": "Jl. Dhoho 12"}, OPERATOR)
    unit_id = next(r["unit_id"] for r in inc["recommendations"] if r["unit_type"] == unit_type)
    out = incidents.dispatch_units(rt, int(inc["id"]), {"unit_ids": [unit_id]}, OPERATOR)
    return int(inc["id"]), str(unit_id), str(out["orders"][0]["order_id"])


def tap(client: FlaskClient, headers: dict[str, str], **body: Any) -> Any:
    return client.post("/api/v1/crew/taps", headers=headers,
                       json={"tap_id": uuid.uuid4().hex, **body})


def timeline_kinds(rt: Runtime, incident_id: int) -> list[tuple[str, str]]:
    got = incidents.get_incident(rt, incident_id)
    return [(e["kind"], e["actor_type"]) for e in got["timeline"]]


def test_credentials_create_renew_and_refuse(runtime: Runtime) -> None:
    first = accounts.unit_credentials(runtime, "AMB-01")
    assert first.created and first.username == "AMB-01" and len(first.password) >= 12
    assert accounts.login(runtime, "AMB-01", first.password, "127.0.0.1").ok
    again = accounts.unit_credentials(runtime, "AMB-01")
    assert not again.created and again.password != first.password
    assert accounts.login(runtime, "AMB-01", again.password, "127.0.0.1").ok
    with pytest.raises(NotFound):
        accounts.unit_credentials(runtime, "NOPE-99")
    accounts.create_user(runtime, "POL-01", "a-staff-password", "operator")
    with pytest.raises(Conflict):  # a staff account is never turned into a unit's
        accounts.unit_credentials(runtime, "POL-01")


def test_the_crew_sees_its_order_answers_it_and_taps_its_way_to_the_scene(
        runtime: Runtime, client: FlaskClient) -> None:
    inc_id, unit_id, order_id = dispatched(runtime)
    headers = unit_headers(runtime, unit_id)
    state = client.get("/api/v1/crew/state", headers=headers).get_json()
    order = state["order"]
    assert order["order_id"] == order_id and order["incident_id"] == inc_id
    assert order["state"] == "sent" and order["caller_phone"] == "+6281234567890"  # stored in E.164
    assert order["address"] == "Jl. Dhoho 12" and order["category"] == "traffic_accident"

    ack = tap(client, headers, kind="ack", order_id=order_id, accepted=True)
    assert ack.status_code == 200, ack.get_data(as_text=True)
    assert ack.get_json()["state"]["order"]["state"] == "acknowledged"
    for status in ("en_route", "on_scene"):
        resp = tap(client, headers, kind="status", status=status, order_id=order_id)
        assert resp.status_code == 200, resp.get_data(as_text=True)
    assert runtime.fleet.get(unit_id).status == "on_scene"
    got = incidents.get_incident(runtime, inc_id)
    assert got["status"] == "on_scene"
    kinds = timeline_kinds(runtime, inc_id)
    # The same entries an MQTT unit makes, by the unit itself.
    assert ("order_acknowledged", "unit") in kinds, kinds
    assert [a for k, a in kinds if k == "unit_status"][-2:] == ["unit", "unit"]

    fix = tap(client, headers, kind="position", lat=-7.8170, lon=112.0140, accuracy_m=8,
              ts=runtime.clock.time())
    assert fix.status_code == 200, fix.get_data(as_text=True)
    unit = runtime.fleet.get(unit_id)
    assert (unit.lat, unit.lon, unit.source) == (-7.8170, 112.0140, "crew")


def test_a_resent_tap_is_applied_once(runtime: Runtime, client: FlaskClient) -> None:
    inc_id, unit_id, _order_id = dispatched(runtime)
    headers = unit_headers(runtime, unit_id)
    body = {"tap_id": "tap-en-route-1", "kind": "status", "status": "en_route"}
    first = client.post("/api/v1/crew/taps", headers=headers, json=body)
    assert first.status_code == 200 and first.get_json()["duplicate"] is False
    before = timeline_kinds(runtime, inc_id)
    second = client.post("/api/v1/crew/taps", headers=headers, json=body)
    assert second.status_code == 200 and second.get_json()["duplicate"] is True
    assert timeline_kinds(runtime, inc_id) == before


@pytest.mark.parametrize(("body", "code"), [
    ({"kind": "teleport"}, 422),
    ({"kind": "status", "status": "flying"}, 422),
    ({"kind": "status", "status": "offline"}, 422),  # silence, not a button
    ({"kind": "status", "status": "transporting"}, 409),  # dispatched → transporting
    ({"kind": "ack", "order_id": "ord_not_there", "accepted": True}, 404),
    ({"kind": "position", "lat": 91, "lon": 112.0}, 422),
    ({"kind": "position", "lat": "x", "lon": 112.0}, 422),
    ({"kind": "status", "status": "en_route", "tap_id": "x" * 65}, 422),
])
def test_bad_taps_are_refused_with_a_reason_and_change_nothing(
        runtime: Runtime, client: FlaskClient, body: dict[str, Any], code: int) -> None:
    _inc, unit_id, _order = dispatched(runtime)
    headers = unit_headers(runtime, unit_id)
    before = runtime.fleet.get(unit_id)
    resp = client.post("/api/v1/crew/taps", headers=headers, json=body)
    assert resp.status_code == code, resp.get_data(as_text=True)
    assert resp.get_json()["error"]["message"]
    after = runtime.fleet.get(unit_id)
    assert (after.status, after.lat, after.lon) == (before.status, before.lat, before.lon)


def test_malformed_json_is_a_400(runtime: Runtime, client: FlaskClient) -> None:
    headers = unit_headers(runtime, "AMB-01")
    resp = client.post("/api/v1/crew/taps", headers={**headers, "Content-Type": "application/json"},
                       data=b"{not json")
    assert resp.status_code == 400


def test_a_unit_account_reaches_only_the_crew_app(app: Flask, client: FlaskClient,
                                                  runtime: Runtime) -> None:
    headers = unit_headers(runtime, "AMB-01")
    allowed = {"auth.login", "auth.logout", "home", "static", "i18n.set_language"}
    checked = 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint in allowed or rule.endpoint.startswith(("crew.", "crew_api.")):
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            resp = client.open(_url(rule), method=method, headers=headers, json={})
            assert resp.status_code == 403, (method, rule.rule, resp.status_code)
            checked += 1
    assert checked >= 40
    # And the staff cannot use the crew API (it acts as the unit).
    staff = accounts.create_user(runtime, "op9", "operator-pass-9", "operator")
    op = {"Authorization": f"Bearer {accounts.create_token(runtime, staff.username)}"}
    assert client.get("/api/v1/crew/state", headers=op).status_code == 403
    assert client.get("/crew", headers=op).status_code == 403


def test_a_unit_gets_no_console_events(app: Flask, runtime: Runtime) -> None:
    unit_client = socketio.test_client(app, headers=unit_headers(runtime, "AMB-01"))
    assert not unit_client.is_connected()
    accounts.create_user(runtime, "op8", "operator-pass-8", "operator")
    op = {"Authorization": f"Bearer {accounts.create_token(runtime, 'op8')}"}
    staff_client = socketio.test_client(app, headers=op)
    assert staff_client.is_connected()
    staff_client.disconnect()


def test_cli_prints_the_credential_once(runtime: Runtime, capsys: pytest.CaptureFixture[str],
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from siaga112 import cli

    monkeypatch.setenv("SIAGA_DATABASE_URL", runtime.settings.database_url)
    assert cli.main(["units", "credentials", "DMK-01", "--json"]) == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert out[0]["username"] == "DMK-01" and out[0]["created"] is True
    assert accounts.login(runtime, "DMK-01", out[0]["password"], "127.0.0.1").ok
    assert cli.main(["units", "credentials", "NOPE-1"]) == 1
