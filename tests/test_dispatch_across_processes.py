"""Two server processes on one database never send one unit to two incidents.

Each process keeps its own in-memory fleet (a replica); the database decides who gets a
unit. Two Runtimes on one database stand for two `siaga112 serve` processes: they share
nothing but the database, exactly like two processes do.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from dispatch.bootstrap import bootstrap
from dispatch.config import Settings
from dispatch.db.models import Order
from dispatch.services import accounts
from web import create_app

STATION = {"lat": -7.8167, "lon": 112.0136}
FIRE = "Kebakaran gudang dekat Stasiun Kediri, asap hitam tebal"


class Process:
    """One server: its own runtime (fleet replica) and app, on the shared database."""

    def __init__(self, url: str, token: str | None = None, migrate: bool = True) -> None:
        self.rt = bootstrap(Settings(database_url=url, secret_key="test-secret"),
                          run_migrations=migrate)
        self.client: FlaskClient = create_app(runtime=self.rt,
                                              config={"TESTING": True}).test_client()
        self.token = token

    def post(self, path: str, body: Any) -> Any:
        return self.client.post(path, json=body,
                                headers={"Authorization": f"Bearer {self.token}"})

    def fire(self) -> dict[str, Any]:
        resp = self.post("/api/v1/incidents", {"description": FIRE, **STATION})
        assert resp.status_code == 201, resp.get_json()
        return resp.get_json()

    def unit_status(self, uid: str) -> str:
        state = self.rt.fleet.get(uid)
        assert state is not None
        return state.status


@pytest.fixture
def two_processes(database_url: str) -> Iterator[tuple[Process, Process]]:
    a = Process(database_url)
    accounts.create_user(a.rt, "operator", "operator-pass-1", "operator")
    a.token = accounts.create_token(a.rt, "operator")
    b = Process(database_url, a.token, migrate=False)
    yield a, b
    b.rt.stop()
    a.rt.stop()


def open_orders(p: Process, uid: str) -> list[int]:
    with p.rt.session() as s:
        return [o.incident_id for o in s.scalars(
            select(Order).where(Order.unit_id == uid, Order.cleared_at.is_(None)))]


def test_a_stale_replica_cannot_send_a_unit_the_other_process_sent(
        two_processes: tuple[Process, Process]) -> None:
    a, b = two_processes
    first, second = a.fire(), b.fire()
    uid = first["recommendations"][0]["unit_id"]
    assert a.post(f"/api/v1/incidents/{first['id']}/dispatch",
                  {"unit_ids": [uid]}).status_code == 201
    # B heard nothing of it: its replica still shows the unit free...
    assert b.unit_status(uid) == "available"
    resp = b.post(f"/api/v1/incidents/{second['id']}/dispatch", {"unit_ids": [uid]})
    # ...but the database says no, and B's replica learns the truth.
    assert resp.status_code == 409, resp.get_json()
    assert uid in resp.get_json()["error"]["message"]
    assert b.unit_status(uid) == "dispatched"
    assert open_orders(a, uid) == [first["id"]]


def test_a_lost_race_sends_none_of_the_units_asked_for(
        two_processes: tuple[Process, Process]) -> None:
    a, b = two_processes
    first, second = a.fire(), b.fire()
    taken, free = (r["unit_id"] for r in first["recommendations"][:2])
    assert a.post(f"/api/v1/incidents/{first['id']}/dispatch",
                  {"unit_ids": [taken]}).status_code == 201
    resp = b.post(f"/api/v1/incidents/{second['id']}/dispatch", {"unit_ids": [free, taken]})
    assert resp.status_code == 409
    assert open_orders(b, free) == []
    assert b.unit_status(free) == "available"


def test_racing_dispatch_of_one_unit_gives_one_201_and_one_409(
        two_processes: tuple[Process, Process]) -> None:
    a, b = two_processes
    incidents = [a.fire(), b.fire()]
    uid = incidents[0]["recommendations"][0]["unit_id"]
    start = threading.Barrier(2)
    codes: dict[str, int] = {}

    def send(name: str, p: Process, inc: dict[str, Any]) -> None:
        start.wait()
        codes[name] = p.post(f"/api/v1/incidents/{inc['id']}/dispatch",
                             {"unit_ids": [uid]}).status_code

    threads = [threading.Thread(target=send, args=("a", a, incidents[0])),
               threading.Thread(target=send, args=("b", b, incidents[1]))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(codes.values()) == [201, 409], codes
    assert len(open_orders(a, uid)) == 1
