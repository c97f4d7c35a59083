"""WhatsApp Business Cloud API webhooks through the real app and database: the challenge,
signed notifications (payloads written in the format of Meta's webhook reference), the
intake queue, duplicates, the grouping window, auto-complaints, and replies delivered to a
real local HTTP server standing in for the Graph API."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from dispatch.bootstrap import bootstrap
from dispatch.clock import ManualClock
from dispatch.config import Settings
from dispatch.db.models_complaints import Complaint, WebhookDelivery
from dispatch.db.models_intake import IntakeItem, IntakeMessage
from dispatch.domain import whatsapp as wa
from dispatch.runtime import Runtime
from dispatch.services import accounts, complaints, webhooks
from web import create_app

SECRET = "app-secret-for-tests"
VERIFY = "siaga-verify-112"
ACCESS = "graph-access-token"
BUSINESS_ID = "106540352242922"  # metadata.phone_number_id of our business number
SENDER = "6281234567890"  # WhatsApp gives the number without "+"
FIRE = "tolong ada kebakaran rumah di jalan dhoho, apinya besar"
STREET_LIGHT = "lampu jalan mati di jalan dhoho sudah seminggu"
DHOHO = {"latitude": -7.8166, "longitude": 112.0114, "name": "Jalan Dhoho",
         "address": "Jl. Dhoho, Kota Kediri"}


class GraphApi:
    """A real HTTP server that records what is posted to it; the first `fail_first`
    requests get a 500 (as the Graph API does on a bad day)."""

    def __init__(self, fail_first: int = 0) -> None:
        self.fail_first = fail_first
        self.requests: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        graph = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with graph.lock:
                    graph.requests.append({"path": self.path, "headers": dict(self.headers),
                                           "body": json.loads(body)})
                    n = len(graph.requests)
                status = 500 if n <= graph.fail_first else 200
                out = json.dumps({"messaging_product": "whatsapp",
                                  "messages": [{"id": f"wamid.reply{n}"}]}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v21.0"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def graph() -> Iterator[GraphApi]:
    g = GraphApi(fail_first=1)
    yield g
    g.close()


@pytest.fixture
def rt(tmp_path: Path, clock: ManualClock, graph: GraphApi) -> Iterator[Runtime]:
    settings = Settings(database_url=f"sqlite:///{tmp_path}/siaga.db", secret_key="t",
                        whatsapp_verify_token=VERIFY, whatsapp_app_secret=SECRET,
                        whatsapp_access_token=ACCESS, whatsapp_api_url=graph.url,
                        whatsapp_window_s=120)
    runtime = bootstrap(settings, clock=clock)
    yield runtime
    runtime.stop()


@pytest.fixture
def app(rt: Runtime) -> Flask:
    return create_app(runtime=rt, config={"TESTING": True})


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def op(rt: Runtime) -> dict[str, str]:
    accounts.create_user(rt, "operator", "operator-pass-1", "operator")
    return {"Authorization": f"Bearer {accounts.create_token(rt, 'operator')}"}


# ------------------------------------------------------------------ payloads (Meta format)


def notification(messages: list[dict[str, Any]] | None = None,
                 statuses: list[dict[str, Any]] | None = None,
                 name: str = "Budi Santoso", sender: str = SENDER) -> dict[str, Any]:
    """A webhook body as Meta sends it: entry[].changes[].value with metadata and contacts."""
    value: dict[str, Any] = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "62354112112", "phone_number_id": BUSINESS_ID},
    }
    if messages is not None:
        value["contacts"] = [{"profile": {"name": name}, "wa_id": sender}]
        value["messages"] = messages
    if statuses is not None:
        value["statuses"] = statuses
    return {"object": "whatsapp_business_account",
            "entry": [{"id": "102290129340398",
                       "changes": [{"value": value, "field": "messages"}]}]}


def text(mid: str, ts: int, body: str, sender: str = SENDER) -> dict[str, Any]:
    return {"from": sender, "id": mid, "timestamp": str(ts), "type": "text",
            "text": {"body": body}}


def location(mid: str, ts: int, where: dict[str, Any] = DHOHO) -> dict[str, Any]:
    return {"from": SENDER, "id": mid, "timestamp": str(ts), "type": "location",
            "location": dict(where)}


def image(mid: str, ts: int, caption: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"mime_type": "image/jpeg", "id": "1003383421387256",
                            "sha256": "8a9c3e7b2f..."}
    if caption:
        body["caption"] = caption
    return {"from": SENDER, "id": mid, "timestamp": str(ts), "type": "image", "image": body}


def voice(mid: str, ts: int) -> dict[str, Any]:
    return {"from": SENDER, "id": mid, "timestamp": str(ts), "type": "audio",
            "audio": {"mime_type": "audio/ogg; codecs=opus", "sha256": "5e1c...",
                      "id": "1171425064349402", "voice": True}}


def status(mid: str, ts: int, state: str = "delivered") -> dict[str, Any]:
    return {"id": mid, "status": state, "timestamp": str(ts), "recipient_id": SENDER,
            "pricing": {"billable": True, "pricing_model": "PMP", "category": "service"}}


def post(client: FlaskClient, payload: Any, secret: str = SECRET,
         signature: str | None = None) -> Any:
    raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    headers = {"Content-Type": "application/json"}
    sig = signature if signature is not None else wa.sign(secret, raw)
    if sig:
        headers["X-Hub-Signature-256"] = sig
    return client.post("/webhooks/whatsapp", data=raw, headers=headers)


@pytest.fixture
def t0(clock: ManualClock) -> int:
    """The first message's send time: a few seconds before the test's now."""
    return int(clock.time()) - 5


def counters(rt: Runtime) -> dict[str, int]:
    return {k[len("channel.whatsapp."):]: v for k, v in rt.counters.snapshot().items()
            if k.startswith("channel.whatsapp.")}


def table_counts(rt: Runtime) -> tuple[int, int]:
    with rt.session() as s:
        return (s.scalar(select(func.count()).select_from(IntakeItem)) or 0,
                s.scalar(select(func.count()).select_from(IntakeMessage)) or 0)


# ------------------------------------------------------------------ challenge


def test_subscription_challenge(client: FlaskClient) -> None:
    ok = client.get("/webhooks/whatsapp", query_string={
        "hub.mode": "subscribe", "hub.verify_token": VERIFY, "hub.challenge": "1158201444"})
    assert ok.status_code == 200 and ok.get_data(as_text=True) == "1158201444"
    assert ok.mimetype == "text/plain"
    wrong = client.get("/webhooks/whatsapp", query_string={
        "hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "1"})
    assert wrong.status_code == 403 and "verify_token" in wrong.get_json()["error"]["message"]
    mode = client.get("/webhooks/whatsapp", query_string={
        "hub.mode": "unsubscribe", "hub.verify_token": VERIFY, "hub.challenge": "1"})
    assert mode.status_code == 400


def test_unconfigured_webhook_says_so(tmp_path: Path) -> None:
    rt = bootstrap(Settings(database_url=f"sqlite:///{tmp_path}/x.db", secret_key="t"))
    try:
        client = create_app(runtime=rt, config={"TESTING": True}).test_client()
        got = client.get("/webhooks/whatsapp", query_string={
            "hub.mode": "subscribe", "hub.verify_token": "", "hub.challenge": "1"})
        assert got.status_code == 404
        assert "SIAGA_WHATSAPP_VERIFY_TOKEN" in got.get_json()["error"]["message"]
        posted = post(client, notification([text("wamid.X", 1, "halo")]))
        assert posted.status_code == 503
        assert "SIAGA_WHATSAPP_APP_SECRET" in posted.get_json()["error"]["message"]
    finally:
        rt.stop()


# ------------------------------------------------------------------ intake


def test_text_location_photo_and_voice_become_one_intake_item(
        client: FlaskClient, rt: Runtime, op: dict[str, str], t0: int) -> None:
    assert post(client, notification([text("wamid.A1", t0, FIRE)])).status_code == 200
    assert post(client, notification([location("wamid.A2", t0 + 20)])).status_code == 200
    both = notification([image("wamid.A3", t0 + 40, "rumahnya di ujung gang"),
                         voice("wamid.A4", t0 + 60)])
    resp = post(client, both)
    assert resp.status_code == 200 and resp.get_json()["accepted"] == 2
    items = client.get("/api/v1/intake", headers=op).get_json()
    assert len(items) == 1
    item = items[0]
    assert item["channel"] == "whatsapp"
    assert item["sender"] == "+6281234567890" and item["sender_name"] == "Budi Santoso"
    assert item["text"] == FIRE + "\nrumahnya di ujung gang"
    assert item["location"] == {"lat": -7.8166, "lon": 112.0114, "name": "Jalan Dhoho",
                                "address": "Jl. Dhoho, Kota Kediri"}
    assert [m["kind"] for m in item["media"]] == ["image", "voice"]
    assert item["suggestion"]["category"] == "fire" and item["suggestion"]["emergency"]
    assert item["messages"] == 4 and item["status"] == "pending"
    assert counters(rt) == {"accepted.text": 1, "accepted.location": 1, "accepted.image": 1,
                            "accepted.audio": 1}


def test_the_intake_list_is_for_operators(client: FlaskClient, rt: Runtime) -> None:
    assert client.get("/api/v1/intake").status_code == 401
    accounts.create_user(rt, "opd", "agency-pass-1", "agency", opd_code="DISHUB")
    headers = {"Authorization": f"Bearer {accounts.create_token(rt, 'opd')}"}
    assert client.get("/api/v1/intake", headers=headers).status_code == 403


def test_bad_signatures_are_401_and_change_nothing(client: FlaskClient, rt: Runtime,
                                                   t0: int) -> None:
    body = notification([text("wamid.B1", t0, FIRE)])
    cases = {"bad_signature": post(client, body, secret="not-the-secret"),
             "missing_signature": post(client, body, signature=""),
             "malformed_signature": post(client, body, signature="sha1=abc")}
    raw = json.dumps(body).encode()
    # Signed, then changed in transit.
    tampered = client.post("/webhooks/whatsapp", data=raw.replace(b"kebakaran", b"kebakaram"),
                           headers={"X-Hub-Signature-256": wa.sign(SECRET, raw),
                                    "Content-Type": "application/json"})
    cases["tampered"] = tampered
    for name, resp in cases.items():
        assert resp.status_code == 401, name
        assert resp.get_json()["error"]["message"], name
    assert table_counts(rt) == (0, 0)
    assert counters(rt) == {"rejected.bad_signature": 2, "rejected.missing_signature": 1,
                            "rejected.malformed_signature": 1}


def test_malformed_bodies_are_400_with_a_reason(client: FlaskClient, rt: Runtime) -> None:
    resp = post(client, b'{"object": "whatsapp_business_account", "entry": [')
    assert resp.status_code == 400 and resp.get_json()["error"]["code"] == "malformed_json"
    wrong = post(client, {"object": "page", "entry": []})
    assert wrong.status_code == 400 and "whatsapp_business_account" in \
        wrong.get_json()["error"]["message"]
    no_changes = post(client, {"object": "whatsapp_business_account", "entry": [{"id": "1"}]})
    assert no_changes.status_code == 400
    assert table_counts(rt) == (0, 0)
    assert counters(rt) == {"rejected.malformed_json": 1, "rejected.wrong_object": 1,
                            "rejected.no_changes": 1}


def test_odd_messages_are_rejected_one_by_one(client: FlaskClient, rt: Runtime,
                                              t0: int) -> None:
    sticker = {"from": SENDER, "id": "wamid.C2", "timestamp": str(t0), "type": "sticker",
               "sticker": {"mime_type": "image/webp", "id": "55", "animated": False}}
    nowhere = location("wamid.C3", t0, {"latitude": "utara", "longitude": 112.0})
    resp = post(client, notification([text("wamid.C1", t0, FIRE), sticker, nowhere]))
    assert resp.status_code == 200
    out = resp.get_json()
    assert out["accepted"] == 1
    assert out["rejected"] == [{"reason": "unsupported_type", "id": "wamid.C2"},
                               {"reason": "bad_location", "id": "wamid.C3"}]
    assert table_counts(rt) == (1, 1)


def test_a_repeated_delivery_is_ignored(client: FlaskClient, rt: Runtime,
                                        op: dict[str, str], t0: int) -> None:
    body = notification([text("wamid.D1", t0, FIRE)])
    assert post(client, body).get_json()["accepted"] == 1
    again = post(client, body)  # Meta retries when it did not see our 200 in time
    assert again.status_code == 200 and again.get_json() == {
        "accepted": 0, "duplicates": 1, "statuses": 0, "rejected": [], "items": []}
    assert table_counts(rt) == (1, 1)
    assert client.get("/api/v1/intake", headers=op).get_json()[0]["messages"] == 1
    assert counters(rt)["ignored.duplicate"] == 1


def test_the_grouping_window(client: FlaskClient, rt: Runtime, op: dict[str, str],
                             t0: int) -> None:
    post(client, notification([text("wamid.E1", t0, "ada kecelakaan motor")]))
    post(client, notification([text("wamid.E2", t0 + 120, "di perempatan jalan dhoho")]))
    # More than 120 s after the last one: a new report.
    post(client, notification([text("wamid.E3", t0 + 241, "terima kasih")]))
    # Another sender in the same minute is another item.
    post(client, notification([text("wamid.E4", t0 + 10, "ada ular", sender="6285712345678")],
                              sender="6285712345678", name="Siti"))
    items = client.get("/api/v1/intake", headers=op).get_json()
    by_text = {i["text"]: i for i in items}
    assert set(by_text) == {"ada kecelakaan motor\ndi perempatan jalan dhoho", "terima kasih",
                            "ada ular"}
    assert by_text["ada ular"]["sender"] == "+6285712345678"


def test_statuses_are_counted_and_ignored(client: FlaskClient, rt: Runtime,
                                          t0: int) -> None:
    resp = post(client, notification(statuses=[status("wamid.R1", t0, "sent"),
                                               status("wamid.R1", t0 + 1)]))
    assert resp.status_code == 200 and resp.get_json()["statuses"] == 2
    assert table_counts(rt) == (0, 0)
    post(client, notification([text("wamid.F1", t0, FIRE)]))
    post(client, notification([text("wamid.F1", t0, FIRE)]))
    post(client, notification([text("wamid.F2", t0, FIRE)]), secret="wrong")
    metrics = client.get("/metrics").get_data(as_text=True)
    for line in (
        'siaga112_channel_messages_total{channel="whatsapp",outcome="ignored",'
        'reason="status"} 2.0',
        'siaga112_channel_messages_total{channel="whatsapp",outcome="accepted",'
        'reason="text"} 1.0',
        'siaga112_channel_messages_total{channel="whatsapp",outcome="ignored",'
        'reason="duplicate"} 1.0',
        'siaga112_channel_messages_total{channel="whatsapp",outcome="rejected",'
        'reason="bad_signature"} 1.0',
    ):
        assert line in metrics, line


def test_a_body_over_the_limit_is_413(client: FlaskClient, rt: Runtime) -> None:
    raw = b'{"object": "whatsapp_business_account", "entry": [], "pad": "' + \
        b"x" * rt.settings.whatsapp_max_body_bytes + b'"}'
    resp = post(client, raw)
    assert resp.status_code == 413
    assert table_counts(rt) == (0, 0)


def test_intake_dedupe_and_window_on_every_engine(database_url: str, clock: ManualClock,
                                                  t0: int) -> None:
    rt = bootstrap(Settings(database_url=database_url, secret_key="t",
                            whatsapp_verify_token=VERIFY, whatsapp_app_secret=SECRET),
                   clock=clock)
    try:
        client = create_app(runtime=rt, config={"TESTING": True}).test_client()
        first = notification([text("wamid.Q1", t0, FIRE), location("wamid.Q2", t0 + 10)])
        assert post(client, first).get_json()["accepted"] == 2
        assert post(client, first).get_json()["duplicates"] == 2
        post(client, notification([voice("wamid.Q3", t0 + 500)]))
        with rt.session() as s:
            items = s.scalars(select(IntakeItem).order_by(IntakeItem.id)).all()
            assert [i.message_count for i in items] == [2, 1]
            assert items[0].lat == -7.8166 and items[0].suggestion["category"] == "fire"
            assert items[1].media[0]["kind"] == "voice" and items[1].text == ""
    finally:
        rt.stop()


# ------------------------------------------------------------------ decisions and replies


def _one_item(client: FlaskClient, op: dict[str, str]) -> dict[str, Any]:
    items = client.get("/api/v1/intake", headers=op).get_json()
    assert len(items) == 1
    return items[0]


def test_the_operator_makes_an_incident_and_the_sender_hears_it(
        client: FlaskClient, rt: Runtime, op: dict[str, str], graph: GraphApi,
        clock: ManualClock, t0: int) -> None:
    post(client, notification([text("wamid.G1", t0, FIRE), location("wamid.G2", t0 + 5)]))
    item = _one_item(client, op)
    resp = client.post(f"/api/v1/intake/{item['id']}/incident", headers=op)
    assert resp.status_code == 201, resp.get_json()
    out = resp.get_json()
    inc = out["incident"]
    assert inc["channel"] == "whatsapp" and inc["caller_phone"] == "+6281234567890"
    assert inc["category"] == "fire" and inc["recommendations"]
    assert out["status"] == "incident" and out["incident_id"] == inc["id"]
    assert client.get("/api/v1/intake", headers=op).get_json() == []
    again = client.post(f"/api/v1/intake/{item['id']}/complaint", headers=op)
    assert again.status_code == 409
    # The reply: first try 500, retried after the back-off, then delivered.
    assert webhooks.deliver_due(rt) == {"delivered": 0, "retry": 1, "failed": 0}
    clock.advance(30)
    assert webhooks.deliver_due(rt) == {"delivered": 1, "retry": 0, "failed": 0}
    assert len(graph.requests) == 2
    req = graph.requests[-1]
    assert req["path"] == f"/v21.0/{BUSINESS_ID}/messages"
    assert req["headers"]["Authorization"] == f"Bearer {ACCESS}"
    assert req["body"]["messaging_product"] == "whatsapp" and req["body"]["to"] == SENDER
    assert req["body"]["type"] == "text" and f"#{inc['id']}" in req["body"]["text"]["body"]


def test_an_incident_needs_a_location(client: FlaskClient, op: dict[str, str],
                                      t0: int) -> None:
    post(client, notification([text("wamid.H1", t0, FIRE)]))
    item = _one_item(client, op)
    resp = client.post(f"/api/v1/intake/{item['id']}/incident", headers=op)
    assert resp.status_code == 422
    # Still in the queue; the operator asks for the location or types it in.
    assert _one_item(client, op)["status"] == "pending"
    ok = client.post(f"/api/v1/intake/{item['id']}/incident", headers=op,
                     json={"lat": -7.8166, "lon": 112.0114})
    assert ok.status_code == 201


def test_the_operator_makes_a_complaint_and_the_ticket_is_replied(
        client: FlaskClient, rt: Runtime, op: dict[str, str], graph: GraphApi,
        clock: ManualClock, t0: int) -> None:
    graph.fail_first = 0
    # The classifier is unsure (a greeting and a pin): it waits for an operator.
    post(client, notification([text("wamid.J1", t0, "halo pak"),
                               location("wamid.J2", t0 + 3)]))
    item = _one_item(client, op)
    resp = client.post(f"/api/v1/intake/{item['id']}/complaint", headers=op,
                       json={"description": "jalan berlubang besar di jalan dhoho"})
    assert resp.status_code == 201, resp.get_json()
    ticket = resp.get_json()["complaint"]["ticket"]
    assert "citizen_code" not in resp.get_json()["complaint"]
    with rt.session() as s:
        c = s.scalar(select(Complaint).where(Complaint.ticket == ticket))
        assert c is not None
        assert (c.channel, c.reporter_phone, c.reporter_name) == (
            "whatsapp", "+6281234567890", "Budi Santoso")
        assert c.lat == -7.8166 and c.status in ("verified", "disposed")
    assert webhooks.deliver_due(rt)["delivered"] == 1
    assert ticket in graph.requests[0]["body"]["text"]["body"]
    assert "kode akses" in graph.requests[0]["body"]["text"]["body"]
    # A later status change is told too, from the same business number.
    staff = complaints.staff_actor(rt, "operator", "operator")
    complaints.transition(rt, ticket, "resolve", staff, {"reason": "sudah ditambal"})
    assert webhooks.deliver_due(rt)["delivered"] == 1
    last = graph.requests[-1]
    assert last["path"] == f"/v21.0/{BUSINESS_ID}/messages"
    assert ticket in last["body"]["text"]["body"] and "Selesai" in last["body"]["text"]["body"]


def test_a_sure_non_emergency_becomes_a_complaint_with_no_operator(
        client: FlaskClient, rt: Runtime, op: dict[str, str], graph: GraphApi,
        t0: int) -> None:
    graph.fail_first = 0
    post(client, notification([text("wamid.K1", t0, STREET_LIGHT)]))
    # Not located yet: it waits (an operator could still act on it).
    assert _one_item(client, op)["suggestion"]["category"] == "non_emergency"
    post(client, notification([location("wamid.K2", t0 + 30)]))
    assert client.get("/api/v1/intake", headers=op).get_json() == []
    done = client.get("/api/v1/intake?status=complaint", headers=op).get_json()
    assert len(done) == 1 and done[0]["decided_by"] == "siaga112"
    ticket = done[0]["complaint_ticket"]
    with rt.session() as s:
        c = s.scalar(select(Complaint).where(Complaint.ticket == ticket))
        assert c is not None and c.channel == "whatsapp" and c.created_by is None
        assert c.status == "received"  # no operator: the coordinator verifies it
        assert not c.publish_consent  # never asked, so never listed publicly
        assert c.reporter_phone == "+6281234567890"
    assert webhooks.deliver_due(rt)["delivered"] == 1
    assert ticket in graph.requests[0]["body"]["text"]["body"]


def test_an_emergency_is_never_filed_without_an_operator(
        client: FlaskClient, rt: Runtime, op: dict[str, str], t0: int) -> None:
    post(client, notification([text("wamid.L1", t0, FIRE), location("wamid.L2", t0 + 1)]))
    assert _one_item(client, op)["status"] == "pending"
    with rt.session() as s:
        assert s.scalar(select(func.count()).select_from(Complaint)) == 0


def test_dismiss(client: FlaskClient, op: dict[str, str], t0: int) -> None:
    post(client, notification([text("wamid.M1", t0, "halo, tes")]))
    item = _one_item(client, op)
    resp = client.post(f"/api/v1/intake/{item['id']}/dismiss", headers=op)
    assert resp.status_code == 200 and resp.get_json()["status"] == "dismissed"
    assert client.get("/api/v1/intake", headers=op).get_json() == []
    assert client.post("/api/v1/intake/999/dismiss", headers=op).status_code == 404


def test_no_reply_is_queued_without_an_access_token(tmp_path: Path, clock: ManualClock,
                                                    t0: int) -> None:
    rt = bootstrap(Settings(database_url=f"sqlite:///{tmp_path}/x.db", secret_key="t",
                            whatsapp_verify_token=VERIFY, whatsapp_app_secret=SECRET),
                   clock=clock)
    try:
        client = create_app(runtime=rt, config={"TESTING": True}).test_client()
        post(client, notification([text("wamid.N1", t0, STREET_LIGHT),
                                   location("wamid.N2", t0 + 1)]))
        with rt.session() as s:
            assert s.scalar(select(func.count()).select_from(Complaint)) == 1
            assert s.scalar(select(func.count()).select_from(WebhookDelivery)) == 0
    finally:
        rt.stop()


# ------------------------------------------------------------------ pure parsing


def test_signature_check_is_exact() -> None:
    body = b'{"object":"whatsapp_business_account","entry":[]}'
    good = wa.sign(SECRET, body)
    assert wa.signature_problem(SECRET, body, good) is None
    assert wa.signature_problem(SECRET, body, good.upper().replace("SHA256=", "sha256=")) is None
    assert wa.signature_problem(SECRET, body + b" ", good) == "bad_signature"
    assert wa.signature_problem("other", body, good) == "bad_signature"
    assert wa.signature_problem(SECRET, body, None) == "missing_signature"
    assert wa.signature_problem(SECRET, body, good[:-1]) == "malformed_signature"


def test_parse_reads_names_business_number_and_reasons() -> None:
    note = wa.parse_notification(notification([
        text("wamid.P1", 1764900000, FIRE),
        {"from": SENDER, "id": "wamid.P2", "timestamp": "kemarin", "type": "text",
         "text": {"body": "x"}},
        {"id": "wamid.P3", "timestamp": "1764900000", "type": "text", "text": {"body": "x"}},
        text("wamid.P4", 1764900000, "   "),
        {"from": SENDER, "id": "wamid.P5", "timestamp": "1764900000", "type": "image",
         "image": {"caption": "tanpa id"}},
    ], statuses=[status("wamid.S", 1764900000)]))
    assert [m.id for m in note.messages] == ["wamid.P1"]
    msg = note.messages[0]
    assert (msg.name, msg.business_number_id, msg.sender) == ("Budi Santoso", BUSINESS_ID,
                                                              SENDER)
    assert note.rejected == [("bad_timestamp", "wamid.P2"), ("no_sender", "wamid.P3"),
                             ("empty_text", "wamid.P4"), ("no_image", "wamid.P5")]
    assert note.statuses == 1
    assert wa.same_item(100, 220, 120) and wa.same_item(220, 100, 120)
    assert not wa.same_item(100, 221, 120)
