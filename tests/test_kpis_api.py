"""GET /api/v1/kpis, the dashboard pages and CSV export through the real app."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

import pytest
from flask.testing import FlaskClient

from dispatch.bootstrap import bootstrap
from dispatch.clock import ManualClock
from dispatch.config import Settings
from dispatch.runtime import Runtime
from dispatch.services import field, kpis
from tests.conftest import Account

# The default period is the city's today on a ManualClock() that SIAGA_TEST_NOW moves.
pytestmark = pytest.mark.datesensitive


@pytest.fixture
def runtime(settings: Settings) -> Iterator[Runtime]:
    """The test runtime on a manual clock (every duration below is exact)."""
    rt = bootstrap(settings, clock=ManualClock())
    yield rt
    rt.stop()


def _flow(runtime: Runtime, api: Any) -> int:
    """A real incident through the services: create, dispatch, ack, en route, on scene, close."""
    clock = runtime.clock
    inc = api.post("/api/v1/incidents", json={
        "description": "kebakaran rumah warga di jalan", "lat": -7.8150, "lon": 112.0140}).get_json()
    unit = inc["recommendations"][0]["unit_id"]
    clock.advance(30)  # processing 30 s
    order = api.post(f"/api/v1/incidents/{inc['id']}/dispatch",
                     json={"unit_ids": [unit]}).get_json()["orders"][0]
    clock.advance(10)  # ack 10 s
    field.acknowledge_order(runtime, unit, order["order_id"], True)
    clock.advance(50)  # turnout 60 s
    field.report_status(runtime, unit, "en_route")
    clock.advance(200)  # travel 200 s; response 30 + 10 + 50 + 200 = 290 s
    field.report_status(runtime, unit, "on_scene")
    clock.advance(600)
    api.post(f"/api/v1/incidents/{inc['id']}/close", json={"outcome": "padam"})
    return int(inc["id"])


def test_api_figures_from_a_real_flow(runtime: Runtime, client: FlaskClient, api: Any,
                                      users: dict[str, Account]) -> None:
    _flow(runtime, api)
    resp = client.get("/api/v1/kpis", headers=users["supervisor"].headers)
    assert resp.status_code == 200
    data = resp.get_json()
    ph = data["phases"]
    assert set(ph) == {"processing", "ack", "turnout", "travel", "response", "on_scene", "total"}
    for figs in ph.values():
        assert {"count", "mean_s", "p50_s", "p90_s", "p95_s", "target_s", "compliance"} <= set(figs)
    assert ph["processing"]["p50_s"] == 30.0 and ph["processing"]["status"] == "met"
    assert ph["ack"]["p50_s"] == 10.0
    assert ph["turnout"]["p50_s"] == 60.0 and ph["turnout"]["compliance"] == 1.0  # fire 80 s
    assert ph["travel"]["p50_s"] == 200.0
    assert ph["response"]["p50_s"] == 290.0
    assert ph["on_scene"]["p50_s"] == 600.0
    assert ph["total"]["p50_s"] == 890.0
    # The breakdowns in the API are the service's breakdowns.
    direct = kpis.dashboard(runtime, kpis.parse_query(runtime, {}))
    assert data["breakdowns"] == direct["breakdowns"]
    assert data["board"]["open_incidents"]["total"] == 0
    fire = next(r for r in data["breakdowns"]["category"] if r["key"] == "fire")
    assert fire["incidents"] == 1 and fire["phases"]["response"]["p90_s"] == 290.0
    # Admin may read too.
    assert client.get("/api/v1/kpis", headers=users["admin"].headers).status_code == 200


def test_roles_and_bad_input(client: FlaskClient, users: dict[str, Account]) -> None:
    assert client.get("/api/v1/kpis").status_code == 401
    for role in ("operator", "agency"):
        assert client.get("/api/v1/kpis", headers=users[role].headers).status_code == 403
        assert client.get("/dashboard", headers=users[role].headers).status_code == 403
        assert client.get("/dashboard/export/phases.csv",
                          headers=users[role].headers).status_code == 403
    h = users["supervisor"].headers
    for qs, field_name in (("from=tomorrow", "from"), ("from=2026-11-20&to=2026-11-01", "to"),
                           ("category=<script>", "category"), ("district=Atlantis", "district"),
                           ("include_exercise=2", "include_exercise")):
        resp = client.get(f"/api/v1/kpis?{qs}", headers=h)
        assert resp.status_code == 422, qs
        err = resp.get_json()["error"]
        assert err["field"] == field_name and err["code"] == "invalid" and err["message"]
    assert client.get("/dashboard/export/nope.csv", headers=h).status_code == 404
    assert client.get("/dashboard/export/phases.csv?from=x", headers=h).status_code == 422


def test_pages_render_without_inline_script(client: FlaskClient,
                                            users: dict[str, Account]) -> None:
    h = users["supervisor"].headers
    for path in ("/dashboard", "/executive"):
        resp = client.get(path, headers=h)
        assert resp.status_code == 200
        html = resp.get_data(as_text=True)
        assert "script-src 'self'" in resp.headers["Content-Security-Policy"]
        assert "/static/vendor/chart.umd.min.js" in html and "cdn" not in html.lower()
        assert "<script>" not in html and "<style>" not in html
        assert "Kepatuhan / Compliance" in html or "Response compliance" in html
    # The supervisor lands on the dashboard.
    resp = client.get("/", headers=h)
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/dashboard")


def test_csv_export_parses_and_agrees_with_api(runtime: Runtime, client: FlaskClient, api: Any,
                                               users: dict[str, Account]) -> None:
    _flow(runtime, api)
    h = users["supervisor"].headers
    data = client.get("/api/v1/kpis", headers=h).get_json()
    for name in kpis.table_names():
        resp = client.get(f"/dashboard/export/{name}.csv", headers=h)
        assert resp.status_code == 200, name
        assert resp.headers["Content-Type"].startswith("text/csv")
        assert "attachment" in resp.headers["Content-Disposition"]
        rows = list(csv.reader(io.StringIO(resp.data.decode("utf-8-sig"))))
        assert rows and all(len(r) == len(rows[0]) for r in rows), name
    rows = list(csv.DictReader(io.StringIO(
        client.get("/dashboard/export/phases.csv", headers=h).data.decode("utf-8-sig"))))
    assert sorted(r["phase"] for r in rows) == sorted(data["phases"])
    for r in rows:
        figs = data["phases"][r["phase"]]
        assert int(r["count"]) == figs["count"]
        assert (float(r["p90_s"]) if r["p90_s"] else None) == figs["p90_s"]
    by_cat = list(csv.DictReader(io.StringIO(
        client.get("/dashboard/export/by_category.csv", headers=h).data.decode("utf-8-sig"))))
    fire = next(r for r in by_cat if r["key"] == "fire")
    assert float(fire["response_p90_s"]) == 290.0 and fire["response_status"] == "met"


def test_csv_defuses_formulas(runtime: Runtime, client: FlaskClient, users: dict[str, Account],
                              api: Any) -> None:
    from sqlalchemy import update

    from dispatch.db.models import User

    api.post("/api/v1/incidents", json={"description": "kebakaran", "lat": -7.815, "lon": 112.014})
    with runtime.session() as s:
        s.execute(update(User).where(User.username == "operator").values(username="=1+1"))
    body = client.get("/dashboard/export/by_operator.csv",
                      headers=users["supervisor"].headers).data.decode("utf-8-sig")
    labels = [r["label"] for r in csv.DictReader(io.StringIO(body))]
    assert labels == ["'=1+1"]


def test_complaints_per_opd_on_the_dashboard(runtime: Runtime, client: FlaskClient, api: Any,
                                             users: dict[str, Account]) -> None:
    inc = api.post("/api/v1/incidents", json={
        "description": "jalan berlubang besar di depan sekolah", "lat": -7.8150, "lon": 112.0140,
        "category": "non_emergency"}).get_json()
    assert inc["complaint"], "the complaint flow made a ticket"
    data = client.get("/api/v1/kpis", headers=users["supervisor"].headers).get_json()
    complaints = data["complaints"]
    assert complaints["available"] is True
    assert sum(r["open"] for r in complaints["rows"]) == 1
