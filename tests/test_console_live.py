"""Socket.IO for the consoles: auth on connect, events in the room, resync snapshot, batching."""

from __future__ import annotations

import time
from typing import Any

from flask import Flask

from dispatch.domain.events import UnitPositionUpdated
from dispatch.runtime import Runtime
from tests.test_console_pages import csrf_token, login
from web.extensions import socketio
from web.live import POSITION_EVENT

INCIDENT = {"description": "rumah terbakar, asap tebal", "lat": -7.8166, "lon": 112.0114}


def socket_as(app: Flask, username: str | None, password: str | None = None) -> Any:
    """A Socket.IO test client carrying the session of a logged-in user (or none)."""
    http = app.test_client()
    if username:
        resp = login(http, username, password or "")
        assert resp.status_code == 302
    return socketio.test_client(app, flask_test_client=http)


def events(sc: Any, name: str, deadline_s: float = 5.0, at_least: int = 1) -> list[Any]:
    """Collect `name` events until at least `at_least` arrived or the deadline passed."""
    got: list[Any] = []
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        got += [m["args"][0] for m in sc.get_received() if m["name"] == name]
        if len(got) >= at_least:
            break
        time.sleep(0.02)
    return got


def test_anonymous_and_agency_sockets_are_refused(app: Flask, users: Any) -> None:
    assert not socket_as(app, None).is_connected()
    assert not socket_as(app, "agency", users["agency"].password).is_connected()


def test_logged_out_session_cannot_connect(app: Flask, users: Any) -> None:
    http = app.test_client()
    login(http, "operator", users["operator"].password)
    http.post("/logout", data={"csrf_token": csrf_token(http, "/console")})
    assert not socketio.test_client(app, flask_test_client=http).is_connected()


def test_domain_events_reach_every_console(app: Flask, users: Any, api: Any) -> None:
    consoles = [socket_as(app, r, users[r].password) for r in ("operator", "supervisor", "admin")]
    assert all(c.is_connected() for c in consoles)
    created = api.post("/api/v1/incidents", json=INCIDENT).get_json()
    for sc in consoles:
        got = events(sc, "IncidentCreated")
        assert got and got[0]["incident_id"] == created["id"] and got[0]["category"] == "fire"
    unit = created["recommendations"][0]["unit_id"]
    assert api.post(f"/api/v1/incidents/{created['id']}/dispatch",
                    json={"unit_ids": [unit]}).status_code == 201
    got = events(consoles[0], "UnitDispatched")
    assert got and got[0]["unit_id"] == unit


def test_resync_returns_units_and_only_open_incidents(app: Flask, users: Any, api: Any) -> None:
    open_ = api.post("/api/v1/incidents", json=INCIDENT).get_json()
    closed = api.post("/api/v1/incidents", json={**INCIDENT, "lat": -7.83}).get_json()
    assert api.post(f"/api/v1/incidents/{closed['id']}/close",
                    json={"outcome": "selesai"}).status_code == 200
    sc = socket_as(app, "operator", users["operator"].password)
    snap = sc.emit("resync", None, callback=True)
    ids = [i["id"] for i in snap["incidents"]]
    assert open_["id"] in ids and closed["id"] not in ids
    assert len(snap["units"]) >= 16
    assert {"id", "type", "status", "lat", "lon", "stale"} <= set(snap["units"][0])
    assert isinstance(snap["server_time"], float)


def test_positions_are_coalesced_latest_per_unit(app: Flask, runtime: Runtime, users: Any) -> None:
    sc = socket_as(app, "operator", users["operator"].password)
    sc.get_received()
    units = [u.id for u in runtime.fleet.all()][:3]
    for step in range(5):
        for uid in units:
            runtime.bus.publish(UnitPositionUpdated(uid, -7.80 - step / 1000, 112.0, 1000.0 + step))
    received: list[Any] = []
    frames: list[Any] = []
    latest: dict[str, dict[str, Any]] = {}

    def newest_arrived() -> bool:
        # The batcher thread may split the burst over several frames, the last one late
        # under load: collect until every unit's newest fix has come, not for a fixed time.
        received.extend(sc.get_received())
        frames[:] = [m["args"][0] for m in received if m["name"] == POSITION_EVENT]
        latest.clear()
        for frame in frames:
            for p in frame["positions"]:
                if p["id"] not in latest or p["ts"] > latest[p["id"]]["ts"]:
                    latest[p["id"]] = p
        return set(latest) == set(units) and all(p["ts"] == 1004.0 for p in latest.values())

    deadline = time.monotonic() + 10
    while not newest_arrived() and time.monotonic() < deadline:
        time.sleep(0.02)
    count = sum(len(frame["positions"]) for frame in frames)
    assert set(latest) == set(units)
    assert all(p["ts"] == 1004.0 and abs(p["lat"] - -7.804) < 1e-9 for p in latest.values())
    assert count < 15, "positions were not coalesced"
    received.extend(sc.get_received())
    assert not [m for m in received if m["name"] == "UnitPositionUpdated"]
