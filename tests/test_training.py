"""Training kept apart: exercises use simulated units only, real units never serve them,
dispatching across the wall is refused, and the end of an exercise leaves nothing behind.

Real SQLite, the service layer and the HTTP API; the clock is pinned.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from dispatch.bootstrap import bootstrap
from dispatch.clock import ManualClock
from dispatch.config import Settings
from dispatch.db.models import Unit
from dispatch.runtime import Runtime
from dispatch.services import accounts, incidents, training
from dispatch.services.actors import Actor
from dispatch.services.errors import Conflict
from dispatch.services.kpis import live_board
from web import create_app

NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)  # 09:00 WIB
OP = Actor("operator", "op", None, "operator")
PASAR = {"description": "ada orang pingsan di pasar setonobetek, tidak sadar",
         "lat": -7.8173, "lon": 112.0168}


@pytest.fixture
def rt(tmp_path: Path) -> Iterator[Runtime]:
    runtime = bootstrap(Settings(database_url=f"sqlite:///{tmp_path}/t.db", secret_key="t"),
                      clock=ManualClock(NOW))
    yield runtime
    runtime.stop()


def _real_units(rt: Runtime) -> dict[str, tuple[Any, ...]]:
    with rt.session() as s:
        return {u.id: (u.status, u.status_since, u.current_incident_id, u.lat, u.lon)
                for u in s.scalars(select(Unit).where(Unit.simulated.is_(False)))}


def test_exercise_recommends_only_simulated_units_and_real_units_stay_put(rt: Runtime) -> None:
    real_ids = {u.id for u in rt.city.fleet}
    before = _real_units(rt)
    # No simulated unit yet: an exercise is offered nothing, never a real unit.
    ex = incidents.create_incident(rt, {**PASAR, "exercise": True}, OP)
    assert ex["exercise"] is True and ex["recommendations"] == []

    sim = training.provision_units(rt, OP)
    assert {u.id for u in sim} == {"SIM-" + i for i in real_ids}
    assert all(u.simulated for u in sim)
    fresh = incidents.get_incident(rt, ex["id"], fresh=True)
    recs = [r["unit_id"] for r in fresh["recommendations"]]
    assert recs and all(r.startswith("SIM-") for r in recs)
    ex2 = incidents.create_incident(rt, {**PASAR, "lat": -7.83, "exercise": True}, OP)
    assert ex2["recommendations"] and all(
        rt.fleet.get(r["unit_id"]).simulated for r in ex2["recommendations"])  # type: ignore[union-attr]

    # A real incident beside it is offered real units only, though the twins are as near.
    real = incidents.create_incident(rt, PASAR, OP)
    assert real["recommendations"] and {r["unit_id"] for r in real["recommendations"]} <= real_ids

    # The exercise runs its course; no real unit's status ever changes.
    incidents.dispatch_units(rt, ex["id"], {"unit_ids": recs}, OP)
    assert {rt.fleet.get(r).status for r in recs} == {"dispatched"}  # type: ignore[union-attr]
    incidents.close_incident(rt, ex["id"], {"outcome": "latihan selesai"}, OP)
    assert _real_units(rt) == before
    assert all(rt.fleet.get(i).status == "available" for i in real_ids)  # type: ignore[union-attr]


def test_dispatch_across_the_wall_is_refused(rt: Runtime) -> None:
    training.provision_units(rt, OP)
    before = _real_units(rt)
    ex = incidents.create_incident(rt, {**PASAR, "exercise": True}, OP)
    real = incidents.create_incident(rt, PASAR, OP)
    real_unit = real["recommendations"][0]["unit_id"]
    sim_unit = ex["recommendations"][0]["unit_id"]
    with pytest.raises(Conflict, match=f"{real_unit} is a real unit"):
        incidents.dispatch_units(rt, ex["id"], {"unit_ids": [real_unit]}, OP)
    with pytest.raises(Conflict, match=f"{sim_unit} is a simulated"):
        incidents.dispatch_units(rt, real["id"], {"unit_ids": [sim_unit]}, OP)
    # A mixed list is refused whole: nothing was sent.
    with pytest.raises(Conflict):
        incidents.dispatch_units(rt, ex["id"], {"unit_ids": [sim_unit, real_unit]}, OP)
    assert incidents.get_incident(rt, ex["id"])["orders"] == []
    assert incidents.get_incident(rt, real["id"])["orders"] == []
    assert _real_units(rt) == before
    assert rt.fleet.get(sim_unit).status == "available"  # type: ignore[union-attr]


def test_end_of_exercise_leaves_nothing(rt: Runtime) -> None:
    sim = [u.id for u in training.provision_units(rt, OP)]
    real = incidents.create_incident(rt, PASAR, OP)
    ex = incidents.create_incident(rt, {**PASAR, "exercise": True}, OP)
    sent = [r["unit_id"] for r in ex["recommendations"]]
    incidents.dispatch_units(rt, ex["id"], {"unit_ids": sent}, OP)
    untouched = incidents.create_incident(rt, {**PASAR, "lat": -7.80, "exercise": True}, OP)

    # A real incident or unit is never part of an exercise's end.
    with pytest.raises(Conflict, match="not exercise"):
        training.end_exercise(rt, {"incident_ids": [real["id"]]}, OP)
    with pytest.raises(Conflict, match="real units"):
        training.end_exercise(rt, {"unit_ids": [real["recommendations"][0]["unit_id"]]}, OP)

    out = training.end_exercise(rt, {"incident_ids": [ex["id"], untouched["id"]],
                                     "unit_ids": sim}, OP)
    assert out["closed"] == [ex["id"], untouched["id"]]
    assert out["units_out_of_service"] == sorted(sim) and out["units_busy"] == []
    for iid in (ex["id"], untouched["id"]):
        inc = incidents.get_incident(rt, iid)
        assert inc["status"] == "closed" and inc["outcome"] == training.END_OUTCOME
        kinds = [(e["kind"], e["actor_type"]) for e in inc["timeline"]]
        assert ("exercise_ended", "system") in kinds and ("closed", "system") in kinds
    # The real queue holds only the real incident; the twins are parked, off every job.
    assert [i["id"] for i in incidents.list_incidents(rt, status="open")] == [real["id"]]
    for uid in sim:
        u = rt.fleet.get(uid)
        assert u is not None and (u.status, u.incident_id, u.online) == (
            "out_of_service", None, False)
    # ... and they are no coverage on the live board (unless exercises are asked for).
    board = live_board(rt)
    assert sum(v["total"] for v in board["units_by_type"].values()) == len(rt.city.fleet)
    assert not board["coverage_gaps"]
    assert sum(v["total"] for v in live_board(rt, include_exercise=True)["units_by_type"]
               .values()) == 2 * len(rt.city.fleet)

    # The next run reuses the twins, back in service at their stations.
    again = training.provision_units(rt, OP)
    assert sorted(u.id for u in again) == sorted(sim)
    assert {(u.status, u.online) for u in again} == {("available", True)}


@pytest.fixture
def client(rt: Runtime) -> FlaskClient:
    return create_app(runtime=rt, config={"TESTING": True}).test_client()


def _headers(rt: Runtime, role: str) -> dict[str, str]:
    accounts.create_user(rt, role, f"{role}-pass-long", role)
    return {"Authorization": f"Bearer {accounts.create_token(rt, role)}"}


def test_http_units_exercise_and_the_409(rt: Runtime, client: FlaskClient) -> None:
    sup, op, admin = (_headers(rt, r) for r in ("supervisor", "operator", "admin"))
    # A supervisor (trainer) may add a simulated unit, not a real one; an operator neither.
    r = client.post("/api/v1/units", json={"id": "SIM-X1", "type": "ambulance",
                                           "station": "psc119", "simulated": True}, headers=sup)
    assert r.status_code == 201 and r.get_json()["simulated"] is True
    r = client.post("/api/v1/units", json={"id": "REAL-X1", "type": "ambulance"}, headers=sup)
    assert r.status_code == 403 and r.get_json()["error"]["code"] == "forbidden"
    r = client.post("/api/v1/units", json={"id": "SIM-X2", "type": "ambulance",
                                           "simulated": True}, headers=op)
    assert r.status_code == 403
    r = client.post("/api/v1/units", json={"id": "AMB-09", "type": "ambulance",
                                           "simulated": "yes"}, headers=admin)
    assert r.status_code == 422 and r.get_json()["error"]["field"] == "simulated"
    r = client.post("/api/v1/units", json={"id": "AMB-09", "type": "ambulance"}, headers=admin)
    assert r.status_code == 201 and r.get_json()["simulated"] is False
    listed = {u["id"]: u["simulated"] for u in client.get("/api/v1/units", headers=op).get_json()}
    assert listed["SIM-X1"] is True and listed["AMB-09"] is False and listed["AMB-01"] is False

    assert client.post("/api/v1/exercise/units", headers=op).status_code == 403
    r = client.post("/api/v1/exercise/units", headers=sup)
    assert r.status_code == 201
    assert {u["id"] for u in r.get_json()} == {"SIM-" + u.id for u in rt.city.fleet}

    ex = client.post("/api/v1/incidents", json={**PASAR, "exercise": True}, headers=op)
    ex_id = ex.get_json()["id"]
    r = client.post(f"/api/v1/incidents/{ex_id}/dispatch", json={"unit_ids": ["AMB-01"]},
                    headers=op)
    assert r.status_code == 409
    err = r.get_json()["error"]
    assert err["field"] == "unit_ids" and "LATIHAN" in err["message"] \
        and "AMB-01 is a real unit" in err["message"]
    real_id = client.post("/api/v1/incidents", json=PASAR, headers=op).get_json()["id"]
    r = client.post(f"/api/v1/incidents/{real_id}/dispatch", json={"unit_ids": ["SIM-AMB-01"]},
                    headers=op)
    assert r.status_code == 409 and "simulated (training) unit" in r.get_json()["error"]["message"]
    assert rt.fleet.get("AMB-01").status == "available"  # type: ignore[union-attr]

    assert client.post("/api/v1/exercise/end", json={}, headers=op).status_code == 403
    r = client.post("/api/v1/exercise/end", json={"incident_ids": ["x"]}, headers=sup)
    assert r.status_code == 422 and r.get_json()["error"]["field"] == "incident_ids"
    r = client.post("/api/v1/exercise/end", json={"incident_ids": [real_id]}, headers=sup)
    assert r.status_code == 409
    r = client.post("/api/v1/exercise/end", json={}, headers=sup)
    assert r.status_code == 200 and r.get_json()["closed"] == [ex_id]
    open_ids = [i["id"] for i in client.get("/api/v1/incidents?status=open",
                                            headers=op).get_json()]
    assert open_ids == [real_id]


def test_system_reports_the_broker_to_supervisors_only(rt: Runtime, client: FlaskClient) -> None:
    sup, op = _headers(rt, "supervisor"), _headers(rt, "operator")
    assert client.get("/api/v1/system").status_code == 401
    assert client.get("/api/v1/system", headers=op).status_code == 403
    body = client.get("/api/v1/system", headers=sup).get_json()
    assert body["mqtt"] is None  # no broker attached to this runtime
    assert body["timezone"] == rt.city.timezone
