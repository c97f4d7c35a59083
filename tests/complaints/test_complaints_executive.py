"""The executive view's complaints per OPD: open and overdue counts, from the API the page reads."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask.testing import FlaskClient

from dispatch.clock import ManualClock
from dispatch.runtime import Runtime
from tests.complaints.test_complaints_flow import new_direct
from tests.support.complaints import make_app, user


@pytest.fixture
def client(rt: Runtime, tmp_path: Path) -> FlaskClient:
    return make_app(rt, tmp_path).test_client()


def test_executive_figures_count_overdue_complaints_per_opd(
        client: FlaskClient, rt: Runtime, clock: ManualClock) -> None:
    h = {"operator": user(rt, "op1", "operator"), "viewer": user(rt, "walikota", "viewer")}
    first = new_direct(client, h)
    new_direct(client, h)
    # Both are DISHUB's (street lights), neither overdue yet.
    rows = {r["opd_code"]: r for r in client.get(
        "/api/v1/kpis", headers=h["viewer"]).get_json()["complaints"]["rows"]}
    assert rows["DISHUB"]["open"] == 2 and rows["DISHUB"]["overdue"] == 0
    assert first["due_at"]
    # A month later both follow-up deadlines (working days) have passed.
    clock.advance(30 * 86400)
    data = client.get("/api/v1/kpis", headers=h["viewer"]).get_json()
    assert data["complaints"]["available"] is True
    rows = {r["opd_code"]: r for r in data["complaints"]["rows"]}
    assert rows["DISHUB"]["open"] == 2 and rows["DISHUB"]["overdue"] == 2
    assert rows["DISHUB"]["opd_name"] and rows["DISHUB"]["opd_name"] != "DISHUB"
    assert all(r["overdue"] == 0 for code, r in rows.items() if code != "DISHUB")
    # The executive page has the table the figures fill.
    page = client.get("/executive", headers=h["viewer"])
    assert page.status_code == 200
    assert 'id="complaints-table"' in page.get_data(as_text=True)
