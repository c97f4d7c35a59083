"""WhatsApp Business Cloud API webhooks: the subscription challenge, signed notifications,
and their messages grouped per sender into intake items.

Counters (`channel.whatsapp.<outcome>.<reason>`, shown on /metrics and the staff health
view): `accepted.<type>` per message taken, `rejected.<reason>` per message or body refused,
`ignored.duplicate|status|other_field` for what is acknowledged and dropped.
"""

from __future__ import annotations

import hmac
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..classify import classify
from ..db.models_intake import IntakeItem, IntakeMessage
from ..domain import phones
from ..domain import whatsapp as wa
from . import message_intake
from .errors import NotFound, ServiceError

if TYPE_CHECKING:
    from ..runtime import Runtime

CHANNEL = "whatsapp"
SIGNATURE_HEADER = "X-Hub-Signature-256"
_MAX_MEDIA = 20  # per item: a burst of photos is kept, an endless one is not


class Unauthorized(ServiceError):
    status = 401
    code = "unauthorized"


class NotConfigured(ServiceError):
    status = 503
    code = "not_configured"


class BadNotification(ServiceError):
    status = 400
    code = "bad_request"


_SIGNATURE_MESSAGES = {
    "missing_signature": f"header {SIGNATURE_HEADER} tidak ada / the {SIGNATURE_HEADER} "
                         f"header is missing",
    "malformed_signature": f"{SIGNATURE_HEADER} harus sha256=<64 hex> / {SIGNATURE_HEADER} "
                           f"must be sha256=<64 hex digits>",
    "bad_signature": "tanda tangan tidak cocok dengan isi / the signature does not match "
                     "the body (check SIAGA_WHATSAPP_APP_SECRET)",
}


def count(rt: Runtime, outcome: str, reason: str, amount: int = 1) -> None:
    """Count one accepted, rejected or ignored WhatsApp message (or body) by reason."""
    rt.counters.incr(f"channel.{CHANNEL}.{outcome}.{reason}", amount)


def challenge(rt: Runtime, mode: str | None, token: str | None, value: str | None) -> str:
    """The subscription handshake: the challenge back when the verify token is ours."""
    expected = rt.settings.whatsapp_verify_token
    if not expected:
        raise NotFound("WhatsApp tidak dikonfigurasi (SIAGA_WHATSAPP_VERIFY_TOKEN) / "
                       "WhatsApp is not configured (SIAGA_WHATSAPP_VERIFY_TOKEN)")
    if mode != "subscribe":
        raise BadNotification('hub.mode harus "subscribe" / hub.mode must be "subscribe"',
                              "hub.mode")
    if not value:
        raise BadNotification("hub.challenge kosong / hub.challenge is missing", "hub.challenge")
    if not hmac.compare_digest((token or "").encode(), expected.encode()):
        err = ServiceError("hub.verify_token salah / wrong hub.verify_token", "hub.verify_token")
        err.status, err.code = 403, "forbidden"
        raise err
    return value[:200]


def authenticate(rt: Runtime, raw: bytes, signature: str | None) -> None:
    """Refuse (401, counted) a body not signed with the app secret; 503 when unconfigured."""
    secret = rt.settings.whatsapp_app_secret
    if not secret:
        count(rt, "rejected", "not_configured")
        raise NotConfigured("WhatsApp tidak dikonfigurasi (SIAGA_WHATSAPP_APP_SECRET) / "
                            "WhatsApp is not configured (SIAGA_WHATSAPP_APP_SECRET)")
    problem = wa.signature_problem(secret, raw, signature)
    if problem is not None:
        count(rt, "rejected", problem)
        raise Unauthorized(_SIGNATURE_MESSAGES[problem], SIGNATURE_HEADER)


def receive(rt: Runtime, data: Any) -> dict[str, Any]:
    """Take a signed, decoded notification: each message into the intake queue."""
    try:
        note = wa.parse_notification(data)
    except wa.PayloadError as err:
        count(rt, "rejected", err.reason)
        raise BadNotification(f"bukan notifikasi WhatsApp / not a WhatsApp notification: "
                              f"{err.message}", "body") from None
    if note.statuses:
        count(rt, "ignored", "status", note.statuses)
    if note.ignored_changes:
        count(rt, "ignored", "other_field", note.ignored_changes)
    for reason, _mid in note.rejected:
        count(rt, "rejected", reason)
    accepted, duplicates, items = 0, 0, []
    for message in note.messages:
        item_id = _take(rt, message)
        if item_id is None:
            duplicates += 1
            count(rt, "ignored", "duplicate")
            continue
        accepted += 1
        count(rt, "accepted", message.type)
        if item_id not in items:
            items.append(item_id)
    for item_id in items:
        message_intake.maybe_auto_complaint(rt, item_id)
    return {"accepted": accepted, "duplicates": duplicates, "statuses": note.statuses,
            "rejected": [{"reason": r, "id": m} for r, m in note.rejected], "items": items}


def _take(rt: Runtime, message: wa.Message) -> int | None:
    """Store one message in its sender's item; None when its id was seen before."""
    sender = phones.to_e164(message.sender) or message.sender
    sent_at = datetime.fromtimestamp(message.ts, UTC)
    now = rt.clock.now()
    window = rt.settings.whatsapp_window_s
    try:
        with rt.transaction() as (s, events):
            seen = s.scalar(select(IntakeMessage.id).where(
                IntakeMessage.channel == CHANNEL, IntakeMessage.message_id == message.id))
            if seen is not None:
                return None
            item = s.scalar(
                select(IntakeItem)
                .where(IntakeItem.channel == CHANNEL, IntakeItem.sender == sender,
                       IntakeItem.status == "pending",
                       IntakeItem.last_at >= sent_at - timedelta(seconds=window),
                       IntakeItem.first_at <= sent_at + timedelta(seconds=window))
                .order_by(IntakeItem.last_at.desc()).limit(1))
            if item is not None and not (wa.same_item(item.last_at.timestamp(), message.ts,
                                                      window)
                                         or item.first_at <= sent_at <= item.last_at):
                item = None
            if item is None:
                item = IntakeItem(channel=CHANNEL, sender=sender, status="pending", text="",
                                  media=[], message_count=0, first_at=sent_at, last_at=sent_at,
                                  created_at=now, updated_at=now)
                s.add(item)
            _merge(item, message, sent_at, now)
            s.flush()
            s.add(IntakeMessage(channel=CHANNEL, message_id=message.id, item_id=item.id,
                                sender=sender, type=message.type, sent_at=sent_at,
                                received_at=now, data=_message_data(message)))
            s.flush()  # the unique (channel, message_id) catches a racing second delivery
            events.append(wa.IntakeItemChanged(item.id, CHANNEL, item.status))
            return item.id
    except IntegrityError:
        return None


def _merge(item: IntakeItem, message: wa.Message, sent_at: datetime, now: datetime) -> None:
    if message.text:
        item.text = (item.text + "\n" + message.text).strip()[:wa.MAX_TEXT]
        item.suggestion = classify(item.text).as_dict()
    if message.location is not None:
        loc = message.location
        item.lat, item.lon = loc.lat, loc.lon
        item.location_name, item.location_address = loc.name, loc.address
    if message.media is not None and len(item.media or []) < _MAX_MEDIA:
        # A new list: the JSON column is saved only when it is assigned.
        item.media = [*(item.media or []), {**message.media, "message_id": message.id}]
    item.sender_name = message.name or item.sender_name
    item.business_number_id = message.business_number_id or item.business_number_id
    item.first_at = min(item.first_at, sent_at)
    item.last_at = max(item.last_at, sent_at)
    item.message_count = (item.message_count or 0) + 1
    item.updated_at = now


def _message_data(message: wa.Message) -> dict[str, Any]:
    out: dict[str, Any] = {"type": message.type}
    if message.text:
        out["text"] = message.text
    if message.location is not None:
        out["location"] = message.location.as_dict()
    if message.media is not None:
        out["media"] = message.media
    return out
