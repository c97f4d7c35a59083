"""The viewer role (the mayor's office, OPD heads): dashboards, executive view and live
board, and no action anywhere."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.routing import IntegerConverter

from dispatch.runtime import Runtime
from dispatch.services import accounts

SAFE = {"GET", "HEAD", "OPTIONS"}
MAY_POST = {"auth.logout", "auth.login"}


def _viewer(runtime: Runtime) -> dict[str, str]:
    accounts.create_user(runtime, "walikota", "lihat-saja-112", "viewer")
    return {"Authorization": f"Bearer {accounts.create_token(runtime, 'walikota')}"}


def _url(rule: Any) -> str:
    values = {}
    for name, conv in rule._converters.items():
        kind = type(conv).__name__
        if isinstance(conv, IntegerConverter):  # the app's bounded id converter is one
            values[name] = 1
        elif kind == "AnyConverter":
            values[name] = sorted(conv.items)[0]
        else:
            values[name] = "x"
    return rule.build(values, append_unknown=False)[1]


def test_every_changing_route_refuses_a_viewer(app: Flask, client: FlaskClient,
                                               runtime: Runtime) -> None:
    headers = _viewer(runtime)
    checked = 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint in MAY_POST or rule.endpoint == "static":
            continue
        for method in sorted((rule.methods or set()) - SAFE):
            resp = client.open(_url(rule), method=method, headers=headers, json={})
            assert resp.status_code == 403, (method, rule.rule, resp.status_code)
            checked += 1
    assert checked >= 20  # the walk really covered the API, forms and Open311


def test_a_viewer_reads_dashboards_but_not_the_console(client: FlaskClient,
                                                       runtime: Runtime) -> None:
    headers = _viewer(runtime)
    for path in ("/dashboard", "/executive", "/api/v1/kpis",
                 "/dashboard/export/phases.csv"):
        assert client.get(path, headers=headers).status_code == 200, path
    for path in ("/console", "/api/v1/incidents", "/api/v1/units"):
        assert client.get(path, headers=headers).status_code == 403, path


def test_an_operator_still_acts(api: Any) -> None:
    # The guard is for viewers only: an operator's intake goes through.
    resp = api.post("/api/v1/incidents", json={"description": "kebakaran rumah",
                                               "lat": -7.8166, "lon": 112.0114})
    assert resp.status_code == 201
