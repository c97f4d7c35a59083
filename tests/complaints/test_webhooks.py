"""Outbound webhooks against a real local HTTP server: signature, retries with backoff,
failures visible to admins, the background sender."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from dispatch.clock import ManualClock
from dispatch.runtime import Runtime
from dispatch.services import complaints, webhooks
from tests.support.complaints import DHOHO, MONDAY_9AM, STREET_LIGHT, make_app, make_runtime, user

SECRET = "s3cret-for-tests"


class Receiver:
    """A real HTTP endpoint that answers 500 to the first `fail_first` requests."""

    def __init__(self, fail_first: int = 0) -> None:
        self.fail_first = fail_first
        self.requests: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver.lock:
                    receiver.requests.append({"headers": dict(self.headers), "body": body})
                    n = len(receiver.requests)
                status = 500 if n <= receiver.fail_first else 204
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver(fail_first=2)
    yield r
    r.close()


def configure(rt: Runtime, url: str, **kw: Any) -> None:
    webhooks.configure(rt, webhooks.WebhookConfig(url=url, secret=SECRET, base_delay_s=30,
                                                  max_delay_s=600, timeout_s=5, **kw))


def file_one(rt: Runtime) -> str:
    return complaints.create_complaint(rt, {"description": STREET_LIGHT, **DHOHO}, "web")["ticket"]


def test_signature_round_trip_and_tampering() -> None:
    body = b'{"event":"x"}'
    sig = webhooks.sign(SECRET, "1700000000", body)
    assert sig.startswith("sha256=") and len(sig) == 7 + 64
    assert webhooks.verify(SECRET, "1700000000", body, sig)
    assert not webhooks.verify(SECRET, "1700000001", body, sig)
    assert not webhooks.verify(SECRET, "1700000000", body + b" ", sig)
    assert not webhooks.verify("other", "1700000000", body, sig)
    assert [webhooks.backoff_s(n, 30, 600) for n in (1, 2, 3, 4, 5, 6)] == [
        30, 60, 120, 240, 480, 600]


def test_deliveries_are_signed_and_retried_with_backoff(rt: Runtime, clock: ManualClock,
                                                        receiver: Receiver) -> None:
    configure(rt, receiver.url)
    ticket = file_one(rt)
    # First try fails (500) → next in 30 s; second fails → next in 60 s more.
    assert webhooks.deliver_due(rt) == {"delivered": 0, "retry": 1, "failed": 0}
    assert webhooks.deliver_due(rt) == {"delivered": 0, "retry": 0, "failed": 0}  # not yet due
    clock.advance(29)
    assert webhooks.deliver_due(rt)["retry"] == 0
    clock.advance(1)
    assert webhooks.deliver_due(rt) == {"delivered": 0, "retry": 1, "failed": 0}
    clock.advance(59)
    assert webhooks.deliver_due(rt)["delivered"] == 0
    clock.advance(1)
    assert webhooks.deliver_due(rt) == {"delivered": 1, "retry": 0, "failed": 0}
    assert len(receiver.requests) == 3
    # Every attempt carries the same body, signed over timestamp + body.
    bodies = {r["body"] for r in receiver.requests}
    assert len(bodies) == 1
    for req in receiver.requests:
        hdr = req["headers"]
        assert webhooks.verify(SECRET, hdr["X-Siaga-Timestamp"], req["body"],
                               hdr["X-Siaga-Signature"])
        assert hdr["X-Siaga-Event"] == "complaint.created"
        assert hdr["Content-Type"].startswith("application/json")
    payload = json.loads(receiver.requests[0]["body"])
    assert payload["event"] == "complaint.created"
    assert payload["data"]["ticket"] == ticket and payload["data"]["status"] == "received"
    assert "reporter" not in payload["data"]  # no personal data unless asked for
    rows = webhooks.list_deliveries(rt)
    assert rows[0]["state"] == "delivered" and rows[0]["attempts"] == 3
    assert rows[0]["last_error"] is None


def test_every_status_change_is_sent(rt: Runtime, receiver: Receiver) -> None:
    receiver.fail_first = 0
    configure(rt, receiver.url)
    ticket = file_one(rt)
    coord = complaints.staff_actor(rt, "operator", "op")
    complaints.transition(rt, ticket, "verify", coord)
    complaints.transition(rt, ticket, "dispose", coord)
    complaints.add_reply(rt, ticket, {"message": "dijadwalkan"},
                         complaints.staff_actor(rt, "agency", "dishub", None, "DISHUB"))
    assert webhooks.deliver_due(rt)["delivered"] == 5
    seen = [(json.loads(r["body"])["event"], json.loads(r["body"])["data"]["status"])
            for r in receiver.requests]
    assert seen == [
        ("complaint.created", "received"),
        ("complaint.status_changed", "verified"),
        ("complaint.status_changed", "disposed"),
        ("complaint.status_changed", "in_progress"),  # the department's first reply
        ("complaint.reply", "in_progress"),
    ]
    changed = json.loads(receiver.requests[1]["body"])["data"]
    assert changed["previous"] == "received" and changed["actor"]["id"] == "op"


def test_failures_become_visible_and_can_be_retried(rt: Runtime, clock: ManualClock,
                                                    tmp_path: Path) -> None:
    receiver = Receiver(fail_first=100)
    try:
        configure(rt, receiver.url, max_attempts=3)
        file_one(rt)
        for _ in range(3):
            webhooks.deliver_due(rt)
            clock.advance(600)
        rows = webhooks.list_deliveries(rt, "failed")
        assert len(rows) == 1 and rows[0]["attempts"] == 3
        assert rows[0]["last_status"] == 500 and rows[0]["last_error"] == "HTTP 500"
        assert rt.counters.snapshot()["webhook_failed"] == 1
        # An admin sees it (API and page) and retries it once the receiver is fixed.
        admin = user(rt, "adm", "admin")
        op = user(rt, "op", "operator")
        client = make_app(rt, tmp_path).test_client()
        assert client.get("/api/v1/complaints/webhooks", headers=op).status_code == 403
        listing = client.get("/api/v1/complaints/webhooks?state=failed", headers=admin).get_json()
        assert listing["summary"]["failed"] == 1 and listing["deliveries"][0]["id"] == rows[0]["id"]
        page = client.get("/pengaduan/webhooks", headers=admin)
        assert page.status_code == 200 and "HTTP 500" in page.get_data(as_text=True)
        receiver.fail_first = 0
        again = client.post(f"/api/v1/complaints/webhooks/{rows[0]['id']}/retry", headers=admin)
        assert again.status_code == 200 and again.get_json()["state"] == "pending"
        assert client.post(f"/api/v1/complaints/webhooks/{rows[0]['id']}/retry",
                           headers=admin).status_code == 409
        assert client.post("/api/v1/complaints/webhooks/999/retry",
                           headers=admin).status_code == 404
        assert webhooks.deliver_due(rt)["delivered"] == 1
    finally:
        receiver.close()


def test_an_unreachable_receiver_is_a_retry_not_a_crash(rt: Runtime) -> None:
    configure(rt, "http://127.0.0.1:9/nothing-listens-here")
    file_one(rt)
    assert webhooks.deliver_due(rt) == {"delivered": 0, "retry": 1, "failed": 0}
    row = webhooks.list_deliveries(rt)[0]
    assert row["state"] == "pending" and row["last_error"]


def test_nothing_is_queued_without_configuration(rt: Runtime) -> None:
    webhooks.configure(rt, None)
    file_one(rt)
    assert webhooks.list_deliveries(rt) == []
    assert webhooks.attach(rt) is None
    with pytest.raises(ValueError):
        webhooks.configure(rt, webhooks.WebhookConfig(url="file:///etc/passwd", secret="x"))


def test_config_from_environment() -> None:
    assert webhooks.config_from_env({}) is None
    assert webhooks.config_from_env({"SIAGA_WEBHOOK_URL": "http://x/h"}) is None  # no secret
    cfg = webhooks.config_from_env({"SIAGA_WEBHOOK_URL": "https://bridge.example/h",
                                    "SIAGA_WEBHOOK_SECRET": "k",
                                    "SIAGA_WEBHOOK_MAX_ATTEMPTS": "4",
                                    "SIAGA_WEBHOOK_INCLUDE_CONTACT": "1"})
    assert cfg is not None and cfg.max_attempts == 4 and cfg.include_contact


def test_background_sender_delivers_on_its_own(tmp_path: Path) -> None:
    # The real clock here: the sender thread runs as in production.
    from dispatch.clock import SystemClock

    receiver = Receiver(fail_first=1)
    rt = make_runtime(tmp_path, ManualClock(MONDAY_9AM))
    rt.clock = SystemClock()
    try:
        webhooks.configure(rt, webhooks.WebhookConfig(
            url=receiver.url, secret=SECRET, base_delay_s=0.05, max_delay_s=0.2,
            poll_s=0.05, include_contact=True))
        # Configured after the runtime was built: attach its sender as the composition
        # root does when the environment configures webhooks.
        assert webhooks.attach(rt) is rt.webhooks
        make_app(rt, tmp_path)
        assert any(isinstance(s, webhooks.WebhookSender) for s in rt.services)
        rt.start()
        complaints.create_complaint(rt, {"description": STREET_LIGHT, **DHOHO,
                                         "reporter_phone": "081200001111"}, "web")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and len(receiver.requests) < 2:
            time.sleep(0.02)
        assert len(receiver.requests) == 2  # one failure, then the retry succeeded
        body = json.loads(receiver.requests[1]["body"])
        assert body["data"]["reporter"]["phone"] == "+6281200001111"  # opted in
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and webhooks.summary(rt)["delivered"] < 1:
            time.sleep(0.02)
        assert webhooks.summary(rt)["delivered"] == 1
    finally:
        rt.stop()
        receiver.close()
