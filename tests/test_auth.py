"""Authentication and roles: anonymous calls are refused, roles decide what is allowed."""

from __future__ import annotations

from typing import Any

import pytest

PROTECTED = [
    ("get", "/api/v1/incidents"),
    ("post", "/api/v1/incidents"),
    ("get", "/api/v1/incidents/1"),
    ("post", "/api/v1/incidents/1/dispatch"),
    ("get", "/api/v1/units"),
    ("post", "/api/v1/units"),
]


@pytest.mark.parametrize(("method", "path"), PROTECTED)
def test_anonymous_api_calls_get_401(client: Any, method: str, path: str) -> None:
    resp = getattr(client, method)(path, json={})
    assert resp.status_code == 401
    assert resp.get_json()["error"]["code"] == "unauthorized"


def test_bad_token_is_401(client: Any, users: Any) -> None:
    resp = client.get("/api/v1/units", headers={"Authorization": "Bearer sg_wrong"})
    assert resp.status_code == 401


def test_healthz_needs_no_login(client: Any) -> None:
    resp = client.get("/healthz")
    assert resp.status_code == 200
    body = resp.get_json()
    assert body == {"status": "ok", "checks": {"database": "ok"}, "reasons": []}
    assert "counters" not in resp.get_data(as_text=True)
    assert client.get("/healthz/detail").status_code in (302, 401)  # to the login


def test_healthz_detail_is_for_staff(client: Any, users: Any) -> None:
    resp = client.get("/healthz/detail", headers=users["operator"].headers)
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["database"]["ok"] is True and body["units"] >= 16 and "counters" in body


def test_register_unit_is_admin_only(client: Any, users: Any) -> None:
    unit = {"id": "AMB-99", "type": "ambulance", "station": "psc119"}
    assert client.post("/api/v1/units", json=unit, headers=users["operator"].headers).status_code == 403
    resp = client.post("/api/v1/units", json=unit, headers=users["admin"].headers)
    assert resp.status_code == 201, resp.get_json()
    assert resp.get_json()["type"] == "ambulance"
    ids = [u["id"] for u in client.get("/api/v1/units", headers=users["admin"].headers).get_json()]
    assert "AMB-99" in ids
    assert client.post("/api/v1/units", json=unit, headers=users["admin"].headers).status_code == 409


@pytest.mark.parametrize(
    ("unit", "field"),
    [
        ({"id": "X 1", "type": "ambulance"}, "id"),
        ({"id": "X1", "type": "tank"}, "type"),
        ({"id": "X1", "type": "police", "station": "nowhere"}, "station"),
        ({"id": "X1", "type": "police", "tracker": "owntracks/a"}, "tracker"),
    ],
)
def test_register_unit_validation(client: Any, users: Any, unit: dict[str, Any], field: str) -> None:
    resp = client.post("/api/v1/units", json=unit, headers=users["admin"].headers)
    assert resp.status_code == 422
    assert resp.get_json()["error"]["field"] == field


def test_agency_cannot_use_incident_api(client: Any, users: Any) -> None:
    assert client.get("/api/v1/incidents", headers=users["agency"].headers).status_code == 403


def login(client: Any, username: str, password: str) -> Any:
    page = client.get("/login")
    token = page.get_data(as_text=True).split('name="csrf_token" value="')[1].split('"')[0]
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": token})


def test_login_form_and_session(app: Any, users: Any) -> None:
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client()
    assert login(client, "operator", "wrong-password").status_code == 401
    resp = login(client, "operator", users["operator"].password)
    assert resp.status_code == 302
    assert client.get("/api/v1/units").status_code == 200
    # A session-authenticated POST without the CSRF header is refused.
    resp = client.post("/api/v1/incidents", json={"description": "api", "lat": -7.8, "lon": 112})
    assert resp.status_code == 400 and resp.get_json()["error"]["code"] == "csrf"


def test_login_post_without_csrf_is_refused(app: Any, users: Any) -> None:
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client()
    resp = client.post("/login", data={"username": "operator", "password": users["operator"].password})
    assert resp.status_code == 400


def test_session_cookie_flags(app: Any, users: Any) -> None:
    client = app.test_client()
    resp = login(client, "operator", users["operator"].password)
    cookie = resp.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_open_redirect_after_login_is_blocked(app: Any, users: Any) -> None:
    client = app.test_client()
    page = client.get("/login?next=//evil.example/x")
    token = page.get_data(as_text=True).split('name="csrf_token" value="')[1].split('"')[0]
    resp = client.post("/login?next=//evil.example/x", data={
        "username": "operator", "password": users["operator"].password, "csrf_token": token})
    assert resp.status_code == 302 and "evil" not in resp.headers["Location"]


def test_revoked_token_is_refused_at_once(client: Any, users: Any, runtime: Any) -> None:
    from dispatch.services import accounts

    headers = users["operator"].headers
    assert client.get("/api/v1/units", headers=headers).status_code == 200  # now cached
    assert accounts.revoke_token(runtime, users["operator"].token) is True
    assert client.get("/api/v1/units", headers=headers).status_code == 401
