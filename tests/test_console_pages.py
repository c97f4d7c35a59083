"""The operator console page: login and roles, CSP, languages, coordinate parsing for intake."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from dispatch.runtime import Runtime
from web import create_app
from web.console import content_security_policy, tile_origin

TRANSLATIONS = Path(__file__).resolve().parents[1] / "web" / "translations"


def csrf_token(client: Any, path: str) -> str:
    """The CSRF token embedded in a page."""
    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf-token" content="([^"]+)"', html)
    assert match, html[:500]
    return match.group(1)


def login(client: Any, username: str, password: str) -> Any:
    token = csrf_token(client, "/login")
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token})


def test_console_needs_login(client: Any) -> None:
    resp = client.get("/console")
    assert resp.status_code == 302
    assert "/login" in resp.headers["Location"]


def test_agency_users_do_not_see_the_console(client: Any, users: Any) -> None:
    login(client, "agency", users["agency"].password)
    assert client.get("/console").status_code == 403


@pytest.mark.parametrize("role", ["operator", "supervisor", "admin"])
def test_staff_land_on_the_console(client: Any, users: Any, role: str) -> None:
    resp = login(client, role, users[role].password)
    assert resp.status_code == 302
    page = client.get("/console")
    assert page.status_code == 200
    if role in ("operator", "admin"):
        home = client.get("/")
        assert home.status_code == 302 and home.headers["Location"].endswith("/console")


def test_console_is_bahasa_indonesia_by_default_with_strict_csp(client: Any, operator: Any) -> None:
    login(client, "operator", operator.password)
    resp = client.get("/console")
    html = resp.get_data(as_text=True)
    assert '<html lang="id" ' in html
    assert "Kejadian baru" in html and "Antrean" in html
    csp = resp.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp
    # Every script is a file of ours or an inert JSON block: nothing inline runs.
    for tag in re.findall(r"<script[^>]*>", html):
        assert "src=" in tag or 'type="application/json"' in tag, tag
    assert not re.search(r"\son[a-z]+=", html), "inline event handler in the page"
    # Front-end libraries come from this server, never a CDN.
    assert "/static/vendor/leaflet/leaflet.js" in html and "/static/vendor/socket.io.min.js" in html
    assert "https://" not in "".join(re.findall(r'(?:src|href)="([^"]+)"', html))


def test_language_switch_to_english_and_back(client: Any, operator: Any) -> None:
    login(client, "operator", operator.password)
    token = csrf_token(client, "/console")
    resp = client.post("/lang", data={"lang": "en", "csrf_token": token, "next": "/console"})
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/console")
    html = client.get("/console").get_data(as_text=True)
    assert '<html lang="en" ' in html and "New incident" in html and "Kejadian baru" not in html
    client.post("/lang", data={"lang": "id", "csrf_token": token})
    assert "Kejadian baru" in client.get("/console").get_data(as_text=True)


def test_language_switch_needs_csrf_and_a_known_language(client: Any, operator: Any) -> None:
    login(client, "operator", operator.password)
    assert client.post("/lang", data={"lang": "en"}).status_code == 400
    token = csrf_token(client, "/console")
    client.post("/lang", data={"lang": "xx", "csrf_token": token, "next": "https://evil.example/"})
    assert '<html lang="id" ' in client.get("/console").get_data(as_text=True)


def test_secure_cookie_flags(runtime: Runtime, users: Any) -> None:
    app = create_app(runtime=runtime, config={"TESTING": True, "SESSION_COOKIE_SECURE": True})
    client = app.test_client()
    resp = login(client, "operator", users["operator"].password)
    cookie = next(c for c in resp.headers.getlist("Set-Cookie") if c.startswith("siaga112_session="))
    assert "HttpOnly" in cookie and "Secure" in cookie and "SameSite=Lax" in cookie


def test_session_expires(runtime: Runtime, users: Any) -> None:
    from datetime import timedelta

    app = create_app(runtime=runtime,
                     config={"TESTING": True, "PERMANENT_SESSION_LIFETIME": timedelta(seconds=1)})
    client = app.test_client()
    login(client, "operator", users["operator"].password)
    assert client.get("/console").status_code == 200
    time.sleep(2.1)  # the signed session's max age is checked by the server, not the browser
    resp = client.get("/console")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


def test_translations_compiled_and_complete() -> None:
    with open(TRANSLATIONS / "messages.pot", "rb") as fh:
        pot = read_po(fh)
    with open(TRANSLATIONS / "id" / "LC_MESSAGES" / "messages.po", "rb") as fh:
        po = read_po(fh)
    with open(TRANSLATIONS / "id" / "LC_MESSAGES" / "messages.mo", "rb") as fh:
        mo = read_mo(fh)
    wanted = {m.id for m in pot if m.id}
    have = {m.id: m.string for m in po if m.id}
    assert wanted <= set(have), f"untranslated: {sorted(wanted - set(have))}"
    assert all(have[k] for k in wanted), "empty Indonesian translations"
    compiled = {m.id: m.string for m in mo if m.id}
    assert compiled == have, "messages.mo is out of date: recompile messages.po"


def test_tile_origin_and_csp() -> None:
    assert tile_origin("https://{s}.tile.example.org/{z}/{x}/{y}.png") == "https://*.tile.example.org"
    assert tile_origin("/tiles/{z}/{x}/{y}.png") is None
    assert tile_origin("") is None
    csp = content_security_policy("https://tiles.example.net/{z}/{x}/{y}.png", "localhost:5000")
    assert "img-src 'self' data: https://tiles.example.net" in csp
    assert "ws://localhost:5000" in csp


@pytest.mark.parametrize(
    ("text", "kind", "lat", "lon", "radius"),
    [
        ("-7.8166, 112.0114", "coordinates", -7.8166, 112.0114, None),
        ("7°49'0\"S 112°0'41\"E", "coordinates", -7.816667, 112.011389, None),
        ('A"ML=1;lt=-7.81660;lg=+112.01140;rd=35;top=20261123020000;lc=68;pm=G;si=1;ei=2;mcc=510;mnc=10;ml=124',
         "aml", -7.8166, 112.0114, 35.0),
    ],
)
def test_parse_location_for_intake(api: Any, text: str, kind: str, lat: float, lon: float,
                                   radius: float | None) -> None:
    resp = api.get("/api/v1/geo/parse", query_string={"text": text})
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert body["kind"] == kind
    assert body["lat"] == pytest.approx(lat, abs=1e-5) and body["lon"] == pytest.approx(lon, abs=1e-5)
    assert body["radius_m"] == radius


@pytest.mark.parametrize("text", ["", "hello", "999, 999", 'A"ML=1;lt=abc;lg=1'])
def test_parse_location_rejects_garbage_with_422(api: Any, text: str) -> None:
    resp = api.get("/api/v1/geo/parse", query_string={"text": text})
    assert resp.status_code == 422
    assert resp.get_json()["error"]["field"] == "text"


def test_parse_location_needs_login(client: Any) -> None:
    assert client.get("/api/v1/geo/parse?text=1,2").status_code == 401
