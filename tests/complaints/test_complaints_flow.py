"""The complaint flow through the API: escalation from 112, operator channels, routing,
every lifecycle transition and the forbidden ones, deadlines, reopen, reminders, stats."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask.testing import FlaskClient

from dispatch.bootstrap import bootstrap
from dispatch.clock import ManualClock
from dispatch.config import Settings
from dispatch.domain.events import ComplaintEscalated, ComplaintStatusChanged, Event
from dispatch.runtime import Runtime
from dispatch.services import complaints
from tests.support.complaints import (
    DHOHO,
    MONDAY_9AM,
    STREET_LIGHT,
    iter_events,
    make_app,
    user,
)


@pytest.fixture
def client(rt: Runtime, tmp_path: Path) -> FlaskClient:
    return make_app(rt, tmp_path).test_client()


@pytest.fixture
def h(rt: Runtime) -> dict[str, dict[str, str]]:
    return {
        "operator": user(rt, "op1", "operator"),
        "supervisor": user(rt, "sup1", "supervisor"),
        "admin": user(rt, "adm1", "admin"),
        "dishub": user(rt, "dishub1", "agency", "DISHUB"),
        "pupr": user(rt, "pupr1", "agency", "PUPR"),
        "coord": user(rt, "kominfo1", "agency", "KOORDINATOR"),
    }


def post(client: FlaskClient, path: str, headers: dict[str, str], body: Any) -> Any:
    return client.post(path, json=body, headers=headers)


def act(client: FlaskClient, headers: dict[str, str], ticket: str, action: str,
        **extra: Any) -> Any:
    return post(client, f"/api/v1/complaints/{ticket}/transitions", headers,
                {"action": action, **extra})


def new_direct(client: FlaskClient, h: dict[str, dict[str, str]], text: str = STREET_LIGHT,
               channel: str = "whatsapp", **extra: Any) -> dict[str, Any]:
    resp = post(client, "/api/v1/complaints", h["operator"],
                {"description": text, "channel": channel, **DHOHO, **extra})
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


# ----------------------------------------------------------------------------- escalation


def test_a_112_call_about_a_street_light_becomes_a_dishub_ticket(
        client: FlaskClient, h: dict[str, dict[str, str]], rt: Runtime) -> None:
    seen: list[Event] = []
    rt.bus.subscribe(Event, seen.append)
    resp = post(client, "/api/v1/incidents", h["operator"],
                {"description": STREET_LIGHT, **DHOHO, "caller_phone": "081234567890"})
    assert resp.status_code == 201
    inc = resp.get_json()
    assert inc["category"] == "non_emergency" and inc["recommendations"] == []
    ticket = inc["complaint"]
    assert ticket["ticket"] == "SGA-2026-000001"
    assert ticket["opd_code"] == "DISHUB" and ticket["opd_name"] == "Dinas Perhubungan"
    assert ticket["status"] == "disposed"  # the operator's call is the verification
    assert ticket["public_url"] == f"/lapor/{ticket['public_id']}"
    assert "SGA" not in ticket["public_url"] and not ticket["publish_consent"]
    # Verified Monday 23 Nov → five working days → end of Monday 30 Nov (WIB).
    assert ticket["due_at"] == "2026-11-30T16:59:59+00:00"
    assert ticket["citizen_code"]
    # The incident links to the ticket, with an 'escalated' timeline entry.
    detail = client.get(f"/api/v1/incidents/{inc['id']}", headers=h["operator"]).get_json()
    assert detail["complaint"]["ticket"] == ticket["ticket"]
    escalated = [e for e in detail["timeline"] if e["kind"] == "escalated"]
    assert escalated and escalated[0]["data"]["ticket"] == ticket["ticket"]
    # The ticket carries location, description, channel and the caller's number.
    full = client.get(f"/api/v1/complaints/{ticket['ticket']}", headers=h["operator"]).get_json()
    assert full["incident_id"] == inc["id"] and full["channel"] == "call"
    assert full["description"] == STREET_LIGHT and full["lat"] == DHOHO["lat"]
    assert full["reporter"]["phone"] == "+6281234567890"  # stored in E.164
    assert full["kecamatan"] == "Kota"
    assert [(a, b) for a, b, _ in iter_events(full)] == [
        (None, "received"), ("received", "verified"), ("verified", "disposed")]
    assert all(e["actor_id"] and e["ts"] for e in full["events"])
    # Events were published after the commit.
    assert any(isinstance(e, ComplaintEscalated) and e.ticket == ticket["ticket"] for e in seen)


def test_an_emergency_gets_no_ticket_and_the_operator_can_escalate(
        client: FlaskClient, h: dict[str, dict[str, str]]) -> None:
    resp = post(client, "/api/v1/incidents", h["operator"],
                {"description": "kebakaran rumah, api besar", **DHOHO})
    inc = resp.get_json()
    assert inc["emergency"] is True and inc["complaint"] is None
    # The operator decides it is not an emergency after all (e.g. a burning rubbish heap).
    out = post(client, f"/api/v1/incidents/{inc['id']}/escalate", h["operator"], {})
    assert out.status_code == 200, out.get_json()
    body = out.get_json()
    assert body["category"] == "non_emergency"
    assert body["complaint"]["ticket"].startswith("SGA-2026-")
    again = post(client, f"/api/v1/incidents/{inc['id']}/escalate", h["operator"], {})
    assert again.status_code == 409


def test_an_unroutable_text_waits_for_the_coordinator(
        client: FlaskClient, h: dict[str, dict[str, str]]) -> None:
    c = new_direct(client, h, "tetangga memutar musik keras tiap malam", channel="walk_in")
    assert c["opd_code"] == "KOORDINATOR" and c["routing"] == "manual"
    assert c["status"] == "verified"  # staff-entered, but nobody to dispose to yet
    # The department does not see it; the coordinator disposes it by hand.
    assert client.get(f"/api/v1/complaints/{c['ticket']}", headers=h["dishub"]).status_code == 404
    bad = act(client, h["coord"], c["ticket"], "dispose", opd_code="KOORDINATOR")
    assert bad.status_code == 422
    ok = act(client, h["coord"], c["ticket"], "dispose", opd_code="SATPOLPP")
    assert ok.status_code == 200 and ok.get_json()["opd_code"] == "SATPOLPP"
    assert ok.get_json()["category"] == "public_order"


@pytest.mark.parametrize(("channel", "text", "opd"), [
    ("whatsapp", "sampah menumpuk di jalan Hayam Wuruk", "DLH"),
    ("sms", "air mati sejak pagi di Bandar Lor", "PDAM"),
    ("walk_in", "jalan rusak parah di depan pasar", "PUPR"),
    ("call", "mau tanya KTP saya belum jadi", "DISPENDUKCAPIL"),
])
def test_operator_entry_for_each_channel_is_routed(
        client: FlaskClient, h: dict[str, dict[str, str]], channel: str, text: str,
        opd: str) -> None:
    c = new_direct(client, h, text, channel=channel, reporter_phone="+62 812 0000 1111")
    assert (c["channel"], c["opd_code"], c["status"]) == (channel, opd, "disposed")
    # And an incident from the same channel that the classifier calls non-emergency too.
    inc = post(client, "/api/v1/incidents", h["operator"],
               {"description": text, "channel": channel, **DHOHO}).get_json()
    assert inc["complaint"]["opd_code"] == opd


def test_operator_entry_validates_its_input(client: FlaskClient,
                                            h: dict[str, dict[str, str]]) -> None:
    cases = [
        ({"channel": "whatsapp"}, "description"),
        ({"description": "lampu mati", "channel": "pigeon", **DHOHO}, "channel"),
        ({"description": "lampu mati", "channel": "sms"}, "location"),
        ({"description": "lampu mati", "lat": 200, "lon": 112.0}, "lat"),
        ({"description": "lampu mati", "lat": -7.8}, "lon"),
        ({"description": "lampu mati", **DHOHO, "category": "spaceships"}, "category"),
        ({"description": "lampu mati", **DHOHO, "reporter_email": "nope"}, "reporter_email"),
        ({"description": "lampu mati", **DHOHO, "reporter_phone": "<script>"}, "reporter_phone"),
        ({"description": ["x"], **DHOHO}, "description"),
    ]
    for body, field in cases:
        resp = post(client, "/api/v1/complaints", h["operator"], body)
        assert resp.status_code == 422, (body, resp.get_json())
        assert resp.get_json()["error"]["field"] == field
    raw = client.post("/api/v1/complaints", data="{nope", headers={
        **h["operator"], "Content-Type": "application/json"})
    # Not JSON at all: 400 malformed_json, from the one JSON reader every route uses.
    assert raw.status_code == 400
    # Departments answer complaints; they cannot file them, nor can anonymous callers.
    assert post(client, "/api/v1/complaints", h["dishub"],
                {"description": "x lampu", **DHOHO}).status_code == 403
    assert client.post("/api/v1/complaints", json={"description": "x"}).status_code == 401


# ----------------------------------------------------------------------------- lifecycle


def test_the_whole_lifecycle_with_every_transition_stamped(
        client: FlaskClient, h: dict[str, dict[str, str]], clock: ManualClock,
        rt: Runtime) -> None:
    changes: list[ComplaintStatusChanged] = []
    rt.bus.subscribe(ComplaintStatusChanged, changes.append)  # type: ignore[arg-type]
    created = complaints.create_complaint(rt, {"description": STREET_LIGHT, **DHOHO}, "web")
    t = created["ticket"]
    assert created["status"] == "received" and created["due_at"] is None
    # Received → verified: the follow-up clock starts.
    clock.advance(3600)
    r = act(client, h["coord"], t, "verify")
    assert r.status_code == 200 and r.get_json()["due_at"] == "2026-11-30T16:59:59+00:00"
    # A department cannot act before disposal, and cannot dispose.
    assert act(client, h["dishub"], t, "start").status_code == 404
    assert act(client, h["dishub"], t, "dispose").status_code == 404
    assert act(client, h["coord"], t, "dispose", opd_code="DISHUB").status_code == 200
    assert act(client, h["dishub"], t, "dispose").status_code == 409
    assert act(client, h["dishub"], t, "verify").status_code == 409
    assert act(client, h["dishub"], t, "start").status_code == 200
    assert act(client, h["dishub"], t, "resolve").status_code == 409  # needs the answer
    r = act(client, h["dishub"], t, "resolve", reason="Lampu sudah diganti / lamp replaced")
    assert r.status_code == 200 and r.get_json()["status"] == "resolved"
    assert act(client, h["dishub"], t, "close").status_code == 409  # coordinator closes
    assert act(client, h["coord"], t, "close").status_code == 200
    assert act(client, h["coord"], t, "archive").status_code == 200
    assert act(client, h["coord"], t, "verify").status_code == 409
    final = client.get(f"/api/v1/complaints/{t}", headers=h["admin"]).get_json()
    assert [b for _, b, _ in iter_events(final)] == [
        "received", "verified", "disposed", "in_progress", "resolved", "closed", "archived"]
    actors = [(e["actor_type"], e["actor_id"]) for e in final["events"] if e["kind"] == "status"]
    assert actors[0] == ("citizen", "pelapor")
    assert ("opd", "dishub1") in actors and ("coordinator", "kominfo1") in actors
    assert all(e["ts"] for e in final["events"])
    assert [c.status for c in changes] == [
        "verified", "disposed", "in_progress", "resolved", "closed", "archived"]


def test_reject_duplicate_and_return(client: FlaskClient, h: dict[str, dict[str, str]],
                                     rt: Runtime) -> None:
    a = complaints.create_complaint(rt, {"description": STREET_LIGHT, **DHOHO}, "web")["ticket"]
    b = complaints.create_complaint(rt, {"description": STREET_LIGHT, **DHOHO}, "web")["ticket"]
    c = complaints.create_complaint(rt, {"description": "urusan warisan keluarga",
                                         "address": "Jl. Dhoho"}, "web")["ticket"]
    # Rejected as not the city's authority: with the reason and who decided.
    assert act(client, h["operator"], c, "reject").status_code == 409
    r = act(client, h["operator"], c, "reject", reason="Sengketa perdata, bukan kewenangan Pemkot")
    body = r.get_json()
    assert body["status"] == "rejected" and body["decided_by"] == "op1"
    assert "perdata" in body["reject_reason"]
    # Duplicate of another ticket.
    assert act(client, h["operator"], b, "duplicate").status_code == 422
    assert act(client, h["operator"], b, "duplicate", duplicate_of=b).status_code == 422
    assert act(client, h["operator"], b, "duplicate",
               duplicate_of="SGA-2026-999999").status_code == 422
    r = act(client, h["operator"], b, "duplicate", duplicate_of=a)
    assert r.get_json()["status"] == "duplicate" and r.get_json()["duplicate_of"] == a
    # A department says "not ours": back to the coordinator, out of its inbox.
    act(client, h["operator"], a, "verify")
    act(client, h["operator"], a, "dispose", opd_code="PUPR")
    assert client.get(f"/api/v1/complaints/{a}", headers=h["pupr"]).status_code == 200
    assert act(client, h["pupr"], a, "return").status_code == 409
    r = act(client, h["pupr"], a, "return", reason="Ini lampu PJU, wewenang Dishub")
    assert r.get_json()["status"] == "verified"
    assert client.get(f"/api/v1/complaints/{a}", headers=h["pupr"]).status_code == 404
    assert act(client, h["operator"], a, "dispose", opd_code="DISHUB").status_code == 200
    # Bad actions and bodies are 4xx.
    assert act(client, h["operator"], a, "explode").status_code == 422
    assert post(client, f"/api/v1/complaints/{a}/transitions", h["operator"],
                ["verify"]).status_code == 422
    assert act(client, h["operator"], "SGA-2026-424242", "verify").status_code == 404
    assert act(client, h["operator"], "<script>", "verify").status_code == 404


def test_replies_are_what_the_citizen_sees(client: FlaskClient,
                                           h: dict[str, dict[str, str]]) -> None:
    created = new_direct(client, h)
    t, pid = created["ticket"], created["public_id"]
    r = post(client, f"/api/v1/complaints/{t}/replies", h["dishub"],
             {"message": "Petugas dijadwalkan besok pagi", "public": True})
    assert r.status_code == 201
    post(client, f"/api/v1/complaints/{t}/replies", h["dishub"],
         {"message": "stok lampu habis, pinjam gudang", "public": False})
    # The first public reply of the department starts the work.
    full = client.get(f"/api/v1/complaints/{t}", headers=h["dishub"]).get_json()
    assert full["status"] == "in_progress"
    assert client.get(f"/lapor/{t}").status_code == 404  # the internal number is not public
    page = client.get(f"/lapor/{pid}").get_data(as_text=True)
    assert "Petugas dijadwalkan besok pagi" in page
    assert "stok lampu habis" not in page
    assert post(client, f"/api/v1/complaints/{t}/replies", h["pupr"],
                {"message": "bukan urusan kami"}).status_code == 404
    assert post(client, f"/api/v1/complaints/{t}/replies", h["dishub"],
                {"message": ""}).status_code == 422
    assert post(client, f"/api/v1/complaints/{t}/replies", h["dishub"],
                {"message": "x", "public": "yes"}).status_code == 422


# ----------------------------------------------------------------------------- deadlines


def test_deadlines_skip_a_weekend_and_the_christmas_holidays(
        client: FlaskClient, h: dict[str, dict[str, str]], clock: ManualClock,
        rt: Runtime) -> None:
    clock.set(datetime(2026, 12, 18, 3, 0, tzinfo=UTC))  # Friday 18 Dec, 10:00 WIB
    c = complaints.create_complaint(rt, {"description": STREET_LIGHT, **DHOHO}, "web")
    # Verification: 3 working days → Mon 21, Tue 22, Wed 23 → end of Wednesday.
    assert c["verify_due_at"] == "2026-12-23T16:59:59+00:00"
    r = act(client, h["operator"], c["ticket"], "verify").get_json()
    # Follow-up: 21, 22, 23, (24 cuti bersama, 25 Natal, weekend) 28, 29 → end of Tuesday 29.
    assert r["due_at"] == "2026-12-29T16:59:59+00:00"


def test_overdue_tickets_are_flagged_reminded_once_a_day_and_counted(
        client: FlaskClient, h: dict[str, dict[str, str]], clock: ManualClock,
        rt: Runtime) -> None:
    late = new_direct(client, h)["ticket"]  # DISHUB, due end of Mon 30 Nov
    waiting = complaints.create_complaint(rt, {"description": "sampah menumpuk di gang",
                                               **DHOHO}, "web")["ticket"]  # verify by Thu 26
    assert complaints.scan_overdue(rt) == {"reminded": [], "closed": []}
    clock.set(datetime(2026, 12, 1, 2, tzinfo=UTC))  # Tuesday 1 Dec
    out = client.post("/api/v1/complaints/scan", headers=h["admin"]).get_json()
    assert sorted(out["reminded"]) == sorted([late, waiting])
    assert complaints.scan_overdue(rt)["reminded"] == []  # not again within a day
    clock.advance(25 * 3600)
    assert sorted(complaints.scan_overdue(rt)["reminded"]) == sorted([late, waiting])
    overdue = client.get("/api/v1/complaints?overdue=1", headers=h["operator"]).get_json()
    assert {r["ticket"] for r in overdue} == {late, waiting}
    assert all(r["overdue"] for r in overdue)
    mine = client.get("/api/v1/complaints?overdue=1", headers=h["dishub"]).get_json()
    assert [r["ticket"] for r in mine] == [late]
    full = client.get(f"/api/v1/complaints/{late}", headers=h["operator"]).get_json()
    reminders = [e for e in full["events"] if e["kind"] == "reminder"]
    assert len(reminders) == 2 and reminders[0]["data"]["to"] == "DISHUB"
    stats = {r["opd_code"]: r for r in client.get("/api/v1/complaints/stats",
                                                   headers=h["supervisor"]).get_json()}
    assert stats["DISHUB"]["open"] == 1 and stats["DISHUB"]["overdue"] == 1
    assert client.get("/api/v1/complaints/stats", headers=h["operator"]).status_code == 403


def test_opd_stats_average_follow_up_in_working_days(
        client: FlaskClient, h: dict[str, dict[str, str]], clock: ManualClock,
        rt: Runtime) -> None:
    fast = new_direct(client, h)["ticket"]  # verified Monday 09:00 WIB
    slow = new_direct(client, h)["ticket"]
    clock.set(datetime(2026, 11, 24, 2, tzinfo=UTC))  # Tuesday 09:00: 1.0 working day
    act(client, h["dishub"], fast, "resolve", reason="diperbaiki")
    # Monday 7 Dec 09:00: 10 working days later, past the deadline (end of Mon 30 Nov).
    clock.set(datetime(2026, 12, 7, 2, tzinfo=UTC))
    act(client, h["dishub"], slow, "resolve", reason="diperbaiki")
    rows = {r["opd_code"]: r for r in complaints.opd_stats(rt, None, None)}
    dishub = rows["DISHUB"]
    assert dishub["resolved"] == 2 and dishub["open"] == 0
    assert dishub["avg_followup_days"] == pytest.approx((1.0 + 10.0) / 2)
    assert dishub["within_deadline_share"] == pytest.approx(0.5)
    assert rows["PDAM"]["avg_followup_days"] is None
    assert set(dishub) == {"opd_code", "opd_name", "open", "overdue", "resolved",
                           "avg_followup_days", "within_deadline_share"}
    window = {r["opd_code"]: r for r in complaints.opd_stats(
        rt, datetime(2026, 12, 1, tzinfo=UTC), datetime(2026, 12, 31, tzinfo=UTC))}
    assert window["DISHUB"]["resolved"] == 1


# ----------------------------------------------------------------------------- reopen


def test_citizen_reopens_within_14_days_but_not_after(
        client: FlaskClient, h: dict[str, dict[str, str]], clock: ManualClock,
        rt: Runtime) -> None:
    created = new_direct(client, h)
    t, code, pid = created["ticket"], created["citizen_code"], created["public_id"]
    act(client, h["dishub"], t, "resolve", reason="sudah diganti")
    clock.advance(13 * 86400)
    with pytest.raises(complaints.Forbidden):
        complaints.citizen_reopen(rt, pid, "WRONGCODE", "masih mati")
    view = complaints.citizen_reopen(rt, pid, code.lower(), "Lampu masih mati / still dark")
    assert view["status"] == "disposed"
    full = client.get(f"/api/v1/complaints/{t}", headers=h["dishub"]).get_json()
    assert full["reopen_count"] == 1
    assert full["due_at"] > created["due_at"]  # a fresh follow-up deadline
    assert ("resolved", "disposed", "citizen") in list(iter_events(full))
    # Resolved again, then 15 days pass: too late, and the scan closes it.
    act(client, h["dishub"], t, "resolve", reason="diganti lagi")
    clock.advance(15 * 86400)
    with pytest.raises(complaints.Conflict):
        complaints.citizen_reopen(rt, pid, code, "masih mati")
    assert complaints.scan_overdue(rt)["closed"] == [t]
    closed = client.get(f"/api/v1/complaints/{t}", headers=h["dishub"]).get_json()
    assert closed["status"] == "closed"
    assert list(iter_events(closed))[-1] == ("resolved", "closed", "system")


# ----------------------------------------------------------------------------- permissions


def test_an_opd_sees_only_its_own_tickets(client: FlaskClient,
                                          h: dict[str, dict[str, str]]) -> None:
    light = new_direct(client, h)["ticket"]
    road = new_direct(client, h, "jalan berlubang di depan sekolah")["ticket"]
    assert client.get(f"/api/v1/complaints/{light}", headers=h["dishub"]).status_code == 200
    assert client.get(f"/api/v1/complaints/{road}", headers=h["dishub"]).status_code == 404
    assert client.get(f"/api/v1/complaints/{light}", headers=h["pupr"]).status_code == 404
    assert [r["ticket"] for r in client.get("/api/v1/complaints?status=all",
                                             headers=h["dishub"]).get_json()] == [light]
    assert [r["ticket"] for r in client.get("/api/v1/complaints?status=all&opd=PUPR",
                                             headers=h["dishub"]).get_json()] == []
    assert act(client, h["pupr"], light, "resolve", reason="x").status_code == 404
    everything = client.get("/api/v1/complaints?status=all", headers=h["coord"]).get_json()
    assert {r["ticket"] for r in everything} == {light, road}
    for who in ("operator", "supervisor", "admin"):
        assert client.get(f"/api/v1/complaints/{road}", headers=h[who]).status_code == 200
    assert client.get(f"/api/v1/complaints/{road}").status_code == 401
    assert client.get("/api/v1/complaints?status=bogus",
                      headers=h["operator"]).status_code == 422


# ----------------------------------------------------------------------------- exports


def test_exports_for_lapor_csv_and_json(client: FlaskClient, h: dict[str, dict[str, str]],
                                        rt: Runtime) -> None:
    new_direct(client, h, "=HYPERLINK(\"http://evil\") lampu pju mati",
               reporter_phone="081299990000", reporter_name="Budi")
    new_direct(client, h, "sampah menumpuk di TPS")
    assert client.get("/api/v1/complaints/export.csv", headers=h["operator"]).status_code == 403
    csv_resp = client.get("/api/v1/complaints/export.csv", headers=h["supervisor"])
    assert csv_resp.status_code == 200 and csv_resp.mimetype == "text/csv"
    text = csv_resp.get_data(as_text=True)
    assert text.splitlines()[0].startswith("ticket,created_at,channel,category")
    assert "'=HYPERLINK" in text  # formula neutralised
    assert "081299990000" not in text and "81299990000" not in text and "Budi" not in text  # no personal data
    rows = client.get("/api/v1/complaints/export.json", headers=h["admin"]).get_json()
    assert [r["opd_code"] for r in rows] == ["DISHUB", "DLH"]
    none = client.get("/api/v1/complaints/export.json?start=2027-01-01",
                      headers=h["admin"]).get_json()
    assert none == []
    assert client.get("/api/v1/complaints/export.json?start=yesterday",
                      headers=h["admin"]).status_code == 422


# ----------------------------------------------------------------------------- tickets


def test_ticket_numbers_are_unique_under_concurrency(database_url: str) -> None:
    # A fixed clock: on the wall clock a run across midnight of 31 December (WIB) would
    # number some tickets in the new year and expect them all in one of the two.
    rt = bootstrap(Settings(database_url=database_url), clock=ManualClock(MONDAY_9AM))
    try:
        out: list[str] = []
        errors: list[BaseException] = []

        def worker() -> None:
            try:
                for _ in range(5):
                    out.append(complaints.create_complaint(
                        rt, {"description": "sampah menumpuk", "address": "Jl. Dhoho"},
                        "web")["ticket"])
            except BaseException as err:  # collected and asserted below
                errors.append(err)

        threads = [threading.Thread(target=worker) for _ in range(6)]
        for th in threads:
            th.start()
        for th in threads:
            th.join(60)
        assert not errors, errors
        year = MONDAY_9AM.astimezone(ZoneInfo("Asia/Jakarta")).year
        assert len(out) == 30 and len(set(out)) == 30
        seqs = sorted(int(t.rsplit("-", 1)[1]) for t in out)
        assert seqs == list(range(1, 31))
        assert all(t.startswith(f"SGA-{year}-") for t in out)
    finally:
        rt.stop()


def test_numbers_restart_each_year(rt: Runtime, clock: ManualClock) -> None:
    clock.set(datetime(2026, 12, 31, 16, 59, tzinfo=UTC))  # 23:59 WIB on 31 Dec
    a = complaints.create_complaint(rt, {"description": "sampah", "address": "x"}, "web")
    clock.advance(120)  # 00:01 WIB on 1 Jan 2027
    b = complaints.create_complaint(rt, {"description": "sampah", "address": "x"}, "web")
    assert a["ticket"] == "SGA-2026-000001" and b["ticket"] == "SGA-2027-000001"
    clock.advance(timedelta(days=1).total_seconds())
    c = complaints.create_complaint(rt, {"description": "sampah", "address": "x"}, "web")
    assert c["ticket"] == "SGA-2027-000002"
