"""Outbound webhooks for the complaint flow: an outbox table, HMAC signatures, retries.

A change writes its webhook row in the same transaction (so nothing is announced that
did not happen, and nothing that happened is lost on a crash). A background sender posts
due rows; a failure is retried with exponential backoff (timed by `rt.clock`) and, after
the last attempt, left in state `failed` for an admin to see and retry.

Signature: ``X-Siaga-Signature: sha256=<hex HMAC-SHA256(secret, f"{timestamp}.{body}")>``
with ``X-Siaga-Timestamp`` (epoch seconds), ``X-Siaga-Event`` and ``X-Siaga-Delivery``.
Configuration: ``SIAGA_WEBHOOK_URL``, ``SIAGA_WEBHOOK_SECRET`` (and optional
``SIAGA_WEBHOOK_MAX_ATTEMPTS``, ``SIAGA_WEBHOOK_BASE_DELAY_S``, ``SIAGA_WEBHOOK_INCLUDE_CONTACT``).

The same outbox carries WhatsApp replies (rows with ``target = "whatsapp"``): posted to
``SIAGA_WHATSAPP_API_URL/<address = phone number id>/messages`` with the Bearer access
token, retried the same way (see ``dispatch/services/whatsapp_replies.py``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import threading
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..db.models_complaints import WebhookDelivery
from ..domain.events import Event
from .errors import Conflict, NotFound, ValidationError

if TYPE_CHECKING:
    from ..runtime import Runtime

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Siaga-Signature"


@dataclass(frozen=True)
class WebhookConfig:
    """Where and how to send webhooks."""

    url: str
    secret: str
    max_attempts: int = 8
    base_delay_s: float = 30.0
    max_delay_s: float = 3600.0
    timeout_s: float = 10.0
    include_contact: bool = False
    poll_s: float = 2.0


def config_from_env(env: Mapping[str, str] | None = None) -> WebhookConfig | None:
    """The webhook configuration from SIAGA_WEBHOOK_* variables, or None when unset."""
    env = os.environ if env is None else env
    url = (env.get("SIAGA_WEBHOOK_URL") or "").strip()
    if not url:
        return None
    secret = env.get("SIAGA_WEBHOOK_SECRET") or ""
    if not secret:
        log.warning("SIAGA_WEBHOOK_URL is set without SIAGA_WEBHOOK_SECRET: webhooks disabled")
        return None
    _check_url(url)
    return WebhookConfig(
        url=url,
        secret=secret,
        max_attempts=int(env.get("SIAGA_WEBHOOK_MAX_ATTEMPTS", 8)),
        base_delay_s=float(env.get("SIAGA_WEBHOOK_BASE_DELAY_S", 30.0)),
        include_contact=(env.get("SIAGA_WEBHOOK_INCLUDE_CONTACT", "").lower()
                         in ("1", "true", "yes")),
    )


def _check_url(url: str) -> None:
    if not url.startswith(("http://", "https://")):
        raise ValueError("the webhook URL must be http:// or https://")


def configure(rt: Runtime, config: WebhookConfig | None) -> None:
    """Set (or clear) this runtime's webhook configuration (overrides the environment)."""
    if config is not None:
        _check_url(config.url)
    rt.webhook_config = config


def load_config(rt: Runtime) -> WebhookConfig | None:
    """Read the configuration from the environment into the runtime (the composition root)."""
    try:
        rt.webhook_config = config_from_env()
    except ValueError as err:
        log.error("webhooks disabled: %s", err)
        rt.webhook_config = None
    return rt.webhook_config


def get_config(rt: Runtime) -> WebhookConfig | None:
    """The runtime's webhook configuration (None: webhooks are off)."""
    return rt.webhook_config


@dataclass(frozen=True)
class WhatsAppOutbox:
    """Where WhatsApp replies go: the Graph API base URL and the access token."""

    api_url: str
    access_token: str
    max_attempts: int = 8
    base_delay_s: float = 30.0
    max_delay_s: float = 3600.0
    timeout_s: float = 10.0


def whatsapp_outbox(rt: Runtime) -> WhatsAppOutbox | None:
    """The WhatsApp reply route from the settings, or None when replies are off."""
    st = rt.settings
    if not st.whatsapp_access_token or not st.whatsapp_api_url.startswith(("http://", "https://")):
        return None
    return WhatsAppOutbox(st.whatsapp_api_url.rstrip("/"), st.whatsapp_access_token)


# How the rows of one target are sent: the post, and the retry schedule.
Post = Callable[[int, str, bytes, str | None, datetime], tuple[bool, int | None, str | None]]


@dataclass(frozen=True)
class _Route:
    post: Post
    max_attempts: int
    base_delay_s: float
    max_delay_s: float
    timeout_s: float


def _routes(rt: Runtime) -> dict[str, _Route]:
    out: dict[str, _Route] = {}
    config = get_config(rt)
    if config is not None:
        def post_webhook(row_id: int, event: str, body: bytes, _address: str | None,
                         now: datetime) -> tuple[bool, int | None, str | None]:
            return _post(config, row_id, event, body, now)
        out["webhook"] = _Route(post_webhook, config.max_attempts, config.base_delay_s,
                                config.max_delay_s, config.timeout_s)
    wa = whatsapp_outbox(rt)
    if wa is not None:
        def post_whatsapp(row_id: int, event: str, body: bytes, address: str | None,
                          now: datetime) -> tuple[bool, int | None, str | None]:
            return _post_whatsapp(wa, address, body)
        out["whatsapp"] = _Route(post_whatsapp, wa.max_attempts, wa.base_delay_s,
                                 wa.max_delay_s, wa.timeout_s)
    return out


# ----------------------------------------------------------------------------- signing


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The signature header value for a body sent at `timestamp`."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(secret: str, timestamp: str, body: bytes, header: str) -> bool:
    """True when `header` is the right signature (what a receiver does)."""
    return hmac.compare_digest(sign(secret, timestamp, body), header or "")


def backoff_s(attempts: int, base_s: float, max_s: float) -> float:
    """Delay before the next try after `attempts` failures: base, 2×base, 4×base … capped."""
    return float(min(max_s, base_s * (2 ** max(0, attempts - 1))))


# ----------------------------------------------------------------------------- outbox


def enqueue_message(session: Session, rt: Runtime, event: str, body: str, *,
                    target: str, address: str | None, ticket: str | None = None
                    ) -> WebhookDelivery:
    """Add an already-built message for another target (a WhatsApp reply) to the outbox."""
    now = rt.clock.now()
    row = WebhookDelivery(event=event, ticket=ticket, body=body, state="pending", attempts=0,
                          created_at=now, next_try_at=now, target=target, address=address)
    session.add(row)
    return row


def enqueue(session: Session, rt: Runtime, event: str, data: Mapping[str, Any],
            ticket: str | None = None) -> WebhookDelivery | None:
    """Add a delivery to the outbox in the caller's transaction (nothing when unconfigured)."""
    config = get_config(rt)
    if config is None:
        return None
    now = rt.clock.now()
    body = json.dumps(
        {"id": uuid.uuid4().hex, "event": event, "ts": now.isoformat(), "data": dict(data)},
        ensure_ascii=False, separators=(",", ":"), sort_keys=True, default=str,
    )
    row = WebhookDelivery(event=event, ticket=ticket, body=body, state="pending", attempts=0,
                          created_at=now, next_try_at=now, target="webhook")
    session.add(row)
    return row


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # A redirect is a misconfiguration; following it would re-send a signed body elsewhere.
    def redirect_request(self, req: Any, fp: Any, code: int, msg: str, headers: Any,
                         newurl: str) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def _post(config: WebhookConfig, row_id: int, event: str, body: bytes, now: datetime
          ) -> tuple[bool, int | None, str | None]:
    timestamp = str(int(now.timestamp()))
    req = urllib.request.Request(  # noqa: S310  (URL scheme checked in _check_url)
        config.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "Siaga112-webhook/1",
            "X-Siaga-Event": event,
            "X-Siaga-Delivery": str(row_id),
            "X-Siaga-Timestamp": timestamp,
            SIGNATURE_HEADER: sign(config.secret, timestamp, body),
        },
    )
    try:
        with _OPENER.open(req, timeout=config.timeout_s) as resp:
            status = resp.status
            resp.read(1024)
        if 200 <= status < 300:
            return True, status, None
        return False, status, f"HTTP {status}"
    except urllib.error.HTTPError as err:
        return False, err.code, f"HTTP {err.code}"
    except (urllib.error.URLError, OSError, ValueError) as err:
        reason = getattr(err, "reason", err)
        return False, None, f"{type(err).__name__}: {reason}"[:500]


def _post_whatsapp(wa: WhatsAppOutbox, address: str | None, body: bytes
                   ) -> tuple[bool, int | None, str | None]:
    if not address:
        return False, None, "no business phone number id to send from"
    req = urllib.request.Request(  # noqa: S310  (scheme checked in whatsapp_outbox)
        f"{wa.api_url}/{urllib.request.quote(address, safe='')}/messages",
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "Siaga112-whatsapp/1",
            "Authorization": f"Bearer {wa.access_token}",
        },
    )
    try:
        with _OPENER.open(req, timeout=wa.timeout_s) as resp:
            status = resp.status
            resp.read(4096)
        if 200 <= status < 300:
            return True, status, None
        return False, status, f"HTTP {status}"
    except urllib.error.HTTPError as err:
        return False, err.code, f"HTTP {err.code}"
    except (urllib.error.URLError, OSError, ValueError) as err:
        reason = getattr(err, "reason", err)
        return False, None, f"{type(err).__name__}: {reason}"[:500]


def deliver_due(rt: Runtime, limit: int = 50) -> dict[str, int]:
    """Send every due pending delivery once; return how many were sent, failed, given up."""
    routes = _routes(rt)
    counts = {"delivered": 0, "retry": 0, "failed": 0}
    if not routes:
        return counts
    now = rt.clock.now()
    with rt.session() as s:
        due = s.execute(
            select(WebhookDelivery.id, WebhookDelivery.next_try_at)
            .where(WebhookDelivery.state == "pending", WebhookDelivery.next_try_at <= now,
                   WebhookDelivery.target.in_(sorted(routes)))
            .order_by(WebhookDelivery.id).limit(limit)
        ).all()
    for row_id, next_try in due:
        # Claim it (another sender in another process may be looking at the same row).
        with rt.session() as s:
            row = s.get(WebhookDelivery, row_id)
            route = routes.get(row.target) if row is not None else None
            if route is None:
                continue
            lease = now + timedelta(seconds=route.timeout_s + 30)
            claimed = s.execute(
                update(WebhookDelivery)
                .where(WebhookDelivery.id == row_id, WebhookDelivery.state == "pending",
                       WebhookDelivery.next_try_at == next_try)
                .values(next_try_at=lease)
            ).rowcount
            event, body, address = row.event, row.body, row.address
        if not claimed:
            continue
        ok, status, error = route.post(row_id, event, body.encode("utf-8"), address, now)
        with rt.session() as s:
            row = s.get(WebhookDelivery, row_id)
            if row is None:
                continue
            row.attempts += 1
            row.last_attempt_at = now
            row.last_status = status
            if ok:
                row.state, row.delivered_at, row.last_error = "delivered", now, None
                counts["delivered"] += 1
            elif row.attempts >= route.max_attempts:
                row.state, row.last_error = "failed", error
                counts["failed"] += 1
                rt.counters.incr("webhook_failed")
                log.warning("webhook %s (%s) failed for good: %s", row_id, event, error)
            else:
                row.last_error = error
                row.next_try_at = now + timedelta(
                    seconds=backoff_s(row.attempts, route.base_delay_s, route.max_delay_s))
                counts["retry"] += 1
    return counts


def delivery_to_dict(row: WebhookDelivery) -> dict[str, Any]:
    """An admin's view of one delivery."""
    return {
        "id": row.id,
        "event": row.event,
        "target": row.target,
        "ticket": row.ticket,
        "state": row.state,
        "attempts": row.attempts,
        "created_at": row.created_at.isoformat(),
        "next_try_at": row.next_try_at.isoformat() if row.state == "pending" else None,
        "last_attempt_at": row.last_attempt_at.isoformat() if row.last_attempt_at else None,
        "delivered_at": row.delivered_at.isoformat() if row.delivered_at else None,
        "last_status": row.last_status,
        "last_error": row.last_error,
    }


def list_deliveries(rt: Runtime, state: str | None = None, limit: int = 200
                    ) -> list[dict[str, Any]]:
    """Deliveries, newest first (failures are what an admin looks for)."""
    if state not in (None, "pending", "delivered", "failed"):
        raise ValidationError("state must be pending, delivered or failed", "state")
    with rt.session() as s:
        q = select(WebhookDelivery).order_by(WebhookDelivery.id.desc()).limit(limit)
        if state:
            q = q.where(WebhookDelivery.state == state)
        return [delivery_to_dict(r) for r in s.scalars(q)]


def summary(rt: Runtime) -> dict[str, Any]:
    """Counts by state and whether webhooks are configured."""
    config = get_config(rt)
    out: dict[str, Any] = {"configured": config is not None,
                           "url": config.url if config else None}
    with rt.session() as s:
        for state in ("pending", "delivered", "failed"):
            out[state] = len(s.scalars(
                select(WebhookDelivery.id).where(WebhookDelivery.state == state)).all())
    return out


def retry(rt: Runtime, delivery_id: int) -> dict[str, Any]:
    """Put a failed delivery back in the queue, due now (admin action)."""
    with rt.session() as s:
        row = s.get(WebhookDelivery, delivery_id)
        if row is None:
            raise NotFound(f"delivery {delivery_id} not found")
        if row.state != "failed":
            raise Conflict(f"delivery {delivery_id} is {row.state}, not failed", "state")
        row.state, row.attempts, row.next_try_at = "pending", 0, rt.clock.now()
        s.flush()
        out = delivery_to_dict(row)
    wake(rt)
    return out


# ----------------------------------------------------------------------------- sender


class WebhookSender:
    """Background thread that sends due deliveries; woken at once by complaint events."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Begin sending."""
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="webhook-sender", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop after the current attempt."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(15)
            self._thread = None

    def wake(self, _event: Event | None = None) -> None:
        """Look for due deliveries now."""
        self._wake.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            if not self.rt.leadership.held():
                self._wake.wait(1.0)  # the leader delivers; a wake here is for it
                continue
            try:
                deliver_due(self.rt)
            except Exception:
                log.exception("webhook sender pass failed")
            config = get_config(self.rt)
            self._wake.wait(config.poll_s if config else 5.0)


def wake(rt: Runtime) -> None:
    """Nudge the sender, if this process runs one (else the worker's poll finds the work)."""
    if rt.webhooks is not None:
        rt.webhooks.wake()


def attach(rt: Runtime) -> WebhookSender | None:
    """Register the background sender in `rt.services` when webhooks or WhatsApp replies
    are configured (once)."""
    if get_config(rt) is None and whatsapp_outbox(rt) is None:
        return None
    if isinstance(rt.webhooks, WebhookSender):
        return rt.webhooks
    sender = WebhookSender(rt)
    rt.webhooks = sender
    rt.services.append(sender)
    return sender
