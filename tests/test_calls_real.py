"""Calls that are real, through the HTTP API and the database: only genuine non-emergencies
become complaint tickets; ghost, prank and information calls close in one action; a plan
that cannot be filled says what is missing and offers the next best; an unsure
classification recommends nothing until the operator confirms the category."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from dispatch.bootstrap import bootstrap
from dispatch.classify import classify
from dispatch.clock import ManualClock
from dispatch.config import Settings
from dispatch.db.models_complaints import Complaint
from dispatch.runtime import Runtime
from tests.support.citypack import pack_with
from tests.support.complaints import DHOHO, MONDAY_9AM, STREET_LIGHT, make_app, user

FIRE = "Kebakaran rumah, api besar dan asap tebal dari dapur"
SNAKE = "ular kobra masuk rumah warga"
ENGINES = ["DMK-01", "DMK-02", "DMK-03", "DMK-04"]


def make_rt(tmp_path: Path, **pack: Any) -> Runtime:
    city = str(pack_with(tmp_path, **pack)) if pack else None
    settings = Settings(database_url=f"sqlite:///{tmp_path}/siaga.db", secret_key="test-secret",
                        city=city)
    return bootstrap(settings, clock=ManualClock(MONDAY_9AM))


@pytest.fixture
def rt(tmp_path: Path) -> Iterator[Runtime]:
    runtime = make_rt(tmp_path)
    yield runtime
    runtime.stop()


class Api:
    def __init__(self, client: FlaskClient, headers: dict[str, str]) -> None:
        self.client, self.headers = client, headers

    def get(self, path: str) -> Any:
        return self.client.get(path, headers=self.headers)

    def post(self, path: str, body: Any) -> Any:
        return self.client.post(path, json=body, headers=self.headers)

    def patch(self, path: str, body: Any) -> Any:
        return self.client.patch(path, json=body, headers=self.headers)

    def create(self, **body: Any) -> dict[str, Any]:
        resp = self.post("/api/v1/incidents", {**DHOHO, **body})
        assert resp.status_code == 201, resp.get_json()
        return resp.get_json()  # type: ignore[no-any-return]

    def incident(self, incident_id: int, fresh: bool = False) -> dict[str, Any]:
        return self.get(f"/api/v1/incidents/{incident_id}" + ("?fresh=1" if fresh else "")
                        ).get_json()  # type: ignore[no-any-return]

    def open_ids(self) -> list[int]:
        return [i["id"] for i in self.get("/api/v1/incidents?status=open").get_json()]


def api_for(rt: Runtime, tmp_path: Path) -> Api:
    return Api(make_app(rt, tmp_path).test_client(), user(rt, "op1", "operator"))


@pytest.fixture
def api(rt: Runtime, tmp_path: Path) -> Api:
    return api_for(rt, tmp_path)


def published_tickets(rt: Runtime, api: Api) -> dict[str, Any]:
    """Every place a ticket could surface: the table, Open311, the public map, the OPD inbox."""
    with rt.session() as s:
        stored = int(s.scalar(select(func.count()).select_from(Complaint)) or 0)
    open311 = api.client.get("/open311/v2/requests.json").get_json()
    public_map = api.client.get("/lapor/peta.json").get_json()["features"]
    inbox = api.get("/opd?status=all").get_data(as_text=True)
    return {"stored": stored, "open311": len(open311), "map": len(public_map),
            "inbox": inbox.count("SGA-2026-")}


NOTHING = {"stored": 0, "open311": 0, "map": 0, "inbox": 0}


# ----------------------------------------------------------------------------- tickets


def test_a_genuine_non_emergency_is_published_everywhere(api: Api, rt: Runtime) -> None:
    # The control for the tests below: the same checks do see a real ticket. A 112 caller
    # is not asked about publication, so the ticket stays out of the public listings
    # (Open311, map) but is stored, in the inbox and followable by its public id.
    inc = api.create(description=STREET_LIGHT)
    assert inc["complaint"]["ticket"] == "SGA-2026-000001"
    seen = published_tickets(rt, api)
    assert seen["stored"] == 1 and seen["open311"] == 0 and seen["map"] == 0
    assert seen["inbox"] >= 1
    pid = inc["complaint"]["public_id"]
    assert api.client.get(f"/open311/v2/requests/{pid}.json").status_code == 200


def test_ghost_call_makes_no_ticket_and_closes_in_one_action(api: Api, rt: Runtime) -> None:
    inc = api.create(description="panggilan kosong, tidak ada suara", call_type="ghost",
                     category="non_emergency")
    assert inc["complaint"] is None
    assert inc["id"] in api.open_ids()
    out = api.post(f"/api/v1/incidents/{inc['id']}/close", {"outcome": "ghost"})
    assert out.status_code == 200, out.get_json()
    assert out.get_json()["status"] == "closed" and out.get_json()["call_type"] == "ghost"
    assert inc["id"] not in api.open_ids()
    refused = api.post(f"/api/v1/incidents/{inc['id']}/escalate", {})
    assert refused.status_code == 409 and "ghost" in refused.get_json()["error"]["message"]
    assert published_tickets(rt, api) == NOTHING


def test_prank_call_set_by_the_operator_closes_in_one_action(api: Api, rt: Runtime) -> None:
    # Taken as a genuine fire, then the operator hears laughter: one PATCH ends it.
    inc = api.create(description=FIRE)
    assert inc["recommendations"]
    out = api.patch(f"/api/v1/incidents/{inc['id']}", {"call_type": "prank", "close": True})
    assert out.status_code == 200, out.get_json()
    body = out.get_json()
    assert body["status"] == "closed" and body["call_type"] == "prank"
    assert body["outcome"] == "prank"
    kinds = [e["kind"] for e in body["timeline"]]
    assert kinds.count("call_type") == 1 and kinds[-1] == "closed"
    assert inc["id"] not in api.open_ids()
    # A prank marked at intake, non-emergency, never becomes a ticket, nor on escalation.
    other = api.create(description="halo halo ini siapa ya hahaha", call_type="prank",
                       category="non_emergency")
    assert other["complaint"] is None
    refused = api.post(f"/api/v1/incidents/{other['id']}/escalate", {})
    assert refused.status_code == 409 and "prank" in refused.get_json()["error"]["message"]
    assert api.post(f"/api/v1/incidents/{other['id']}/close",
                    {"outcome": "prank"}).status_code == 200
    assert published_tickets(rt, api) == NOTHING
    # close: true only makes sense with a call type that ends the call.
    third = api.create(description=FIRE, lat=-7.80)
    bad = api.patch(f"/api/v1/incidents/{third['id']}", {"call_type": "genuine", "close": True})
    assert bad.status_code == 422 and bad.get_json()["error"]["field"] == "close"


def test_information_call_is_closed_with_an_answer(api: Api, rt: Runtime) -> None:
    inc = api.create(description="mau tanya jadwal pembuatan KTP di kecamatan",
                     call_type="information")
    assert inc["category"] == "non_emergency" and inc["complaint"] is None
    url = f"/api/v1/incidents/{inc['id']}/close"
    missing = api.post(url, {"outcome": "information"})
    assert missing.status_code == 422 and missing.get_json()["error"]["field"] == "answer"
    answer = "Pelayanan KTP di kantor kecamatan, Senin-Jumat 08.00-14.00"
    out = api.post(url, {"outcome": "information", "answer": answer})
    assert out.status_code == 200
    body = out.get_json()
    assert body["status"] == "closed" and body["outcome"] == "information"
    answered = [e for e in body["timeline"] if e["kind"] == "answered"]
    assert answered and answered[0]["data"]["answer"] == answer
    assert inc["id"] not in api.open_ids()
    assert api.post(f"/api/v1/incidents/{inc['id']}/escalate", {}).status_code == 409
    assert published_tickets(rt, api) == NOTHING


def test_later_call_type_change_never_creates_a_ticket(api: Api, rt: Runtime) -> None:
    inc = api.create(description=STREET_LIGHT, call_type="ghost")
    assert inc["complaint"] is None
    out = api.patch(f"/api/v1/incidents/{inc['id']}", {"call_type": "information"})
    assert out.status_code == 200 and out.get_json()["complaint"] is None
    assert api.post(f"/api/v1/incidents/{inc['id']}/escalate", {}).status_code == 409
    assert published_tickets(rt, api) == NOTHING


def test_exercise_non_emergency_makes_no_ticket(api: Api, rt: Runtime) -> None:
    inc = api.create(description=STREET_LIGHT, exercise=True)
    assert inc["exercise"] is True and inc["category"] == "non_emergency"
    assert inc["complaint"] is None
    refused = api.post(f"/api/v1/incidents/{inc['id']}/escalate", {})
    assert refused.status_code == 409
    assert refused.get_json()["error"]["field"] == "exercise"
    assert "exercise" in refused.get_json()["error"]["message"]
    fire = api.create(description=FIRE, exercise=True, lat=-7.80)
    assert api.post(f"/api/v1/incidents/{fire['id']}/escalate", {}).status_code == 409
    assert published_tickets(rt, api) == NOTHING


# ----------------------------------------------------------------------------- shortfall


def _busy_engines(api: Api) -> tuple[int, int]:
    """Two engines on a P3 snake call, two on a P1 fire: every fire engine is busy."""
    snake = api.create(description=SNAKE, category="animal_disturbance", priority=3,
                       lat=-7.80, lon=112.00)
    big = api.create(description=FIRE, priority=1, lat=-7.83, lon=112.03)
    for incident_id, units in ((snake["id"], ENGINES[:2]), (big["id"], ENGINES[2:])):
        resp = api.post(f"/api/v1/incidents/{incident_id}/dispatch", {"unit_ids": units})
        assert resp.status_code == 201, resp.get_json()
    return snake["id"], big["id"]


def test_full_fire_plan_with_every_engine_busy_lists_the_shortfall(api: Api) -> None:
    snake_id, big_id = _busy_engines(api)
    inc = api.create(description=FIRE, priority=2)
    recs = inc["recommendations"]
    assert [r["unit_type"] for r in recs] == ["ambulance"]  # the rest of the plan is there
    assert len(inc["shortfall"]) == 1
    gap = inc["shortfall"][0]
    assert gap["unit_type"] == "fire_engine" and gap["missing"] == 2
    kinds = [o["kind"] for o in gap["offers"]]
    # Reassign first, then substitutes, then mutual aid; never mixed.
    assert kinds == sorted(kinds, key=["reassign", "substitute", "mutual_aid"].index)
    reassign = [o for o in gap["offers"] if o["kind"] == "reassign"]
    assert {o["unit_id"] for o in reassign} == {"DMK-01", "DMK-02"}  # not the P1 fire's
    assert all(o["from_incident_id"] == snake_id and o["from_priority"] == 3 for o in reassign)
    assert all(o["eta_s"] > 0 for o in reassign)
    subs = [o for o in gap["offers"] if o["kind"] == "substitute"]
    assert {o["unit_type"] for o in subs} == {"rescue"} and len(subs) == 2
    assert all(o["for_unit_type"] == "fire_engine" and o["eta_s"] > 0 for o in subs)
    aid = [o for o in gap["offers"] if o["kind"] == "mutual_aid"]
    assert aid and aid[0]["authority"] == "Damkar Kabupaten Kediri" and aid[0]["contact"]
    detail = api.incident(inc["id"])
    assert any(e["kind"] == "shortfall" for e in detail["timeline"])
    assert api.incident(inc["id"], fresh=True)["shortfall"][0]["missing"] == 2

    # Take an offer: DMK-01 leaves the snake for the fire; both timelines say so.
    moved = api.post(f"/api/v1/incidents/{inc['id']}/reassign",
                     {"unit_id": "DMK-01", "from_incident_id": snake_id})
    assert moved.status_code == 201, moved.get_json()
    assert moved.get_json()["orders"][0]["unit_id"] == "DMK-01"
    snake = api.incident(snake_id)
    note = [e for e in snake["timeline"] if e["kind"] == "unit_reassigned"]
    assert note and note[0]["data"]["to_incident_id"] == inc["id"]
    assert [o["state"] for o in snake["orders"] if o["unit_id"] == "DMK-01"] == ["reassigned"]
    fire = api.incident(inc["id"], fresh=True)
    sent = [e for e in fire["timeline"] if e["kind"] == "dispatched"]
    assert sent and sent[0]["data"]["reassigned_from"] == snake_id
    units = {u["id"]: u for u in api.get("/api/v1/units").get_json()}
    assert units["DMK-01"]["status"] == "dispatched" and units["DMK-01"]["incident_id"] == inc["id"]
    assert fire["shortfall"][0]["missing"] == 1
    # A unit on a more important call is not taken.
    refused = api.post(f"/api/v1/incidents/{inc['id']}/reassign", {"unit_id": "DMK-03"})
    assert refused.status_code == 409 and "priority" in refused.get_json()["error"]["message"]
    stale = api.post(f"/api/v1/incidents/{inc['id']}/reassign",
                     {"unit_id": "DMK-02", "from_incident_id": big_id})
    assert stale.status_code == 409
    # A substitute dispatched fills the last slot: nothing short any more.
    rescue = next(o for o in fire["shortfall"][0]["offers"] if o["kind"] == "substitute")
    assert api.post(f"/api/v1/incidents/{inc['id']}/dispatch",
                    {"unit_ids": [rescue["unit_id"]]}).status_code == 201
    assert api.incident(inc["id"], fresh=True)["shortfall"] == []


def test_substitutes_come_from_the_city_pack(tmp_path: Path) -> None:
    rt = make_rt(tmp_path, substitutes={"fire_engine": []}, mutual_aid={"fire_engine": []})
    try:
        api = api_for(rt, tmp_path)
        _busy_engines(api)
        gap = api.create(description=FIRE, priority=2)["shortfall"][0]
        kinds = {o["kind"] for o in gap["offers"]}
        assert "substitute" not in kinds and "reassign" in kinds
        aid = [o["authority"] for o in gap["offers"] if o["kind"] == "mutual_aid"]
        assert aid == ["Command Center 112 Provinsi Jawa Timur"]  # only the "*" contacts
    finally:
        rt.stop()


# ----------------------------------------------------------------------------- unsure


def test_unsure_classification_recommends_nothing_until_confirmed(tmp_path: Path) -> None:
    text = "ada asap di belakang rumah"
    suggestion = classify(text)
    assert suggestion.emergency
    # The threshold just above this text's confidence: the rule, not the classifier, decides.
    rt = make_rt(tmp_path, classify={"unsure_below": min(1.0, suggestion.confidence + 0.01)})
    try:
        api = api_for(rt, tmp_path)
        inc = api.create(description=text)
        assert inc["unsure"] is True and inc["category"] == suggestion.category
        assert inc["recommendations"] == [] and inc["shortfall"] == []
        assert inc["no_recommendation_reason"] == "unsure"
        assert "confirm the category" in inc["recommendation_note"]
        assert api.incident(inc["id"], fresh=True)["recommendations"] == []
        # Confirming the suggested category is enough.
        out = api.patch(f"/api/v1/incidents/{inc['id']}", {"category": suggestion.category})
        assert out.status_code == 200
        body = out.get_json()
        assert body["unsure"] is False and body["recommendations"]
        assert body["no_recommendation_reason"] is None
        assert any(e["kind"] == "category_confirmed" for e in body["timeline"])
        # A category given at intake is never unsure.
        chosen = api.create(description=text, category="fire", lat=-7.80)
        assert chosen["unsure"] is False and chosen["recommendations"]
        # An unsure non-emergency does not become a ticket before it is confirmed.
        vague = "halo halo ini siapa ya hahaha"
        if classify(vague).confidence < rt.call_rules.unsure_below:
            assert api.create(description=vague, lat=-7.83)["complaint"] is None
    finally:
        rt.stop()


def test_confident_classification_is_not_unsure(tmp_path: Path) -> None:
    text = "ada asap di belakang rumah"
    rt = make_rt(tmp_path, classify={"unsure_below": max(0.0, classify(text).confidence - 0.01)})
    try:
        inc = api_for(rt, tmp_path).create(description=text)
        assert inc["unsure"] is False and inc["recommendations"]
    finally:
        rt.stop()


def test_a_late_ack_of_the_order_a_unit_was_taken_off_changes_nothing(
        api: Api, rt: Runtime) -> None:
    from dispatch.services import field

    snake_id, _big = _busy_engines(api)
    old_order = next(o for o in api.incident(snake_id)["orders"] if o["unit_id"] == "DMK-01")
    inc = api.create(description=FIRE, priority=2)
    assert api.post(f"/api/v1/incidents/{inc['id']}/reassign",
                    {"unit_id": "DMK-01"}).status_code == 201
    field.acknowledge_order(rt, "DMK-01", old_order["order_id"], True)
    snake = api.incident(snake_id)
    assert [o["state"] for o in snake["orders"] if o["unit_id"] == "DMK-01"] == ["reassigned"]
    assert not any(e["kind"] == "order_acknowledged" for e in snake["timeline"])
