"""WhatsApp Business Cloud API webhooks, read without a framework: the signature, the
notification envelope, and the messages a command center can use.

A notification is `{"object": "whatsapp_business_account", "entry": [{"id", "changes":
[{"field": "messages", "value": {"metadata": {"phone_number_id"}, "contacts": [{"profile":
{"name"}, "wa_id"}], "messages": [...], "statuses": [...]}}]}]}`. A body that is not that
envelope is refused as a whole (400); inside a good envelope, each message is taken or
rejected on its own with a fixed reason, so one odd message never costs the others.
"""

from __future__ import annotations

import hashlib
import hmac
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .events import Event

SIGNATURE_PREFIX = "sha256="
# The message types that become (part of) an intake item.
SUPPORTED_TYPES = ("text", "location", "image", "audio")
MAX_TEXT = 4000
MAX_ID = 128


class PayloadError(ValueError):
    """The body is not a WhatsApp notification at all; `reason` is the counter label."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


def signature_problem(secret: str, body: bytes, header: str | None) -> str | None:
    """None when `header` is `sha256=<HMAC-SHA256 of body with the app secret>`, else why."""
    if not header:
        return "missing_signature"
    if not header.startswith(SIGNATURE_PREFIX) or len(header) != len(SIGNATURE_PREFIX) + 64:
        return "malformed_signature"
    expected = SIGNATURE_PREFIX + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    # Constant time: a byte-by-byte compare would leak how much of a forgery was right.
    if not hmac.compare_digest(expected.encode(), header.strip().lower().encode()):
        return "bad_signature"
    return None


def sign(secret: str, body: bytes) -> str:
    """The `X-Hub-Signature-256` value Meta sends for `body` (tests and tools)."""
    return SIGNATURE_PREFIX + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Location:
    """A shared location pin."""

    lat: float
    lon: float
    name: str | None = None
    address: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """The API's view."""
        return {"lat": self.lat, "lon": self.lon, "name": self.name, "address": self.address}


@dataclass(frozen=True)
class Message:
    """One usable inbound message."""

    id: str
    sender: str  # as WhatsApp gives it: the country code and number, no "+"
    ts: float  # epoch seconds, the sender's send time
    type: str
    name: str | None = None  # the sender's WhatsApp profile name
    business_number_id: str | None = None  # metadata.phone_number_id: where replies go from
    text: str | None = None  # the text, or a photo's caption
    location: Location | None = None
    media: dict[str, Any] | None = None  # {"kind", "id", "mime_type", "voice"?}


@dataclass
class Notification:
    """What one webhook call carried."""

    messages: list[Message] = field(default_factory=list)
    statuses: int = 0
    rejected: list[tuple[str, str | None]] = field(default_factory=list)  # (reason, msg id)
    ignored_changes: int = 0  # other webhook fields (templates, account updates)


def _str(value: Any, limit: int) -> str | None:
    if not isinstance(value, str):
        return None
    value = value.strip()
    return value[:limit] if value else None


def _number(value: Any, lo: float, hi: float) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    try:
        out = float(value)
    except ValueError:
        return None
    return out if math.isfinite(out) and lo <= out <= hi else None


def _message(raw: Any, names: Mapping[str, str], business: str | None
             ) -> Message | tuple[str, str | None]:
    """A Message, or (reason, id) why it cannot be one."""
    if not isinstance(raw, Mapping):
        return "not_an_object", None
    mid = _str(raw.get("id"), MAX_ID)
    if mid is None:
        return "no_id", None
    sender = _str(raw.get("from"), 32)
    if sender is None or not sender.lstrip("+").isdigit():
        return "no_sender", mid
    ts = _number(raw.get("timestamp"), 0, 1e11)
    if ts is None:
        return "bad_timestamp", mid
    kind = raw.get("type")
    if kind not in SUPPORTED_TYPES:
        return "unsupported_type", mid
    body = raw.get(kind)
    if not isinstance(body, Mapping):
        return f"no_{kind}", mid
    common = {"id": mid, "sender": sender.lstrip("+"), "ts": ts, "type": kind,
              "name": names.get(sender.lstrip("+")), "business_number_id": business}
    if kind == "text":
        text = _str(body.get("body"), MAX_TEXT)
        if text is None:
            return "empty_text", mid
        return Message(**common, text=text)
    if kind == "location":
        lat = _number(body.get("latitude"), -90, 90)
        lon = _number(body.get("longitude"), -180, 180)
        if lat is None or lon is None or (lat == 0 and lon == 0):
            return "bad_location", mid
        return Message(**common, location=Location(lat, lon, _str(body.get("name"), 200),
                                                   _str(body.get("address"), 500)))
    media_id = _str(body.get("id"), MAX_ID)
    if media_id is None:
        return f"no_{kind}", mid
    media: dict[str, Any] = {"kind": "voice" if kind == "audio" else kind, "id": media_id,
                             "mime_type": _str(body.get("mime_type"), 100)}
    if kind == "audio":
        media["voice"] = body.get("voice") is True
    return Message(**common, text=_str(body.get("caption"), MAX_TEXT), media=media)


def parse_notification(data: Any) -> Notification:
    """Read a decoded webhook body; PayloadError when it is not a WhatsApp notification."""
    if not isinstance(data, Mapping):
        raise PayloadError("not_an_object", "body must be a JSON object")
    if data.get("object") != "whatsapp_business_account":
        raise PayloadError("wrong_object", 'object must be "whatsapp_business_account"')
    entries = data.get("entry")
    if not isinstance(entries, list):
        raise PayloadError("no_entry", "entry must be a list")
    out = Notification()
    for entry in entries:
        changes = entry.get("changes") if isinstance(entry, Mapping) else None
        if not isinstance(changes, list):
            raise PayloadError("no_changes", "every entry must have a list of changes")
        for change in changes:
            if not isinstance(change, Mapping) or not isinstance(change.get("value"), Mapping):
                raise PayloadError("no_value", "every change must have a value object")
            if change.get("field") != "messages":
                out.ignored_changes += 1
                continue
            _read_value(change["value"], out)
    return out


def _read_value(value: Mapping[str, Any], out: Notification) -> None:
    metadata = value.get("metadata")
    business = _str(metadata.get("phone_number_id"), 64) if isinstance(metadata, Mapping) else None
    names: dict[str, str] = {}
    for contact in value.get("contacts") or []:
        if isinstance(contact, Mapping) and isinstance(contact.get("profile"), Mapping):
            wa = _str(contact.get("wa_id"), 32)
            name = _str(contact["profile"].get("name"), 128)
            if wa and name:
                names[wa.lstrip("+")] = name
    statuses = value.get("statuses")
    if isinstance(statuses, list):
        out.statuses += len(statuses)
    messages = value.get("messages")
    if messages is None:
        return
    if not isinstance(messages, list):
        out.rejected.append(("messages_not_a_list", None))
        return
    for raw in messages:
        got = _message(raw, names, business)
        if isinstance(got, Message):
            out.messages.append(got)
        else:
            out.rejected.append(got)


def same_item(last_ts: float, ts: float, window_s: float) -> bool:
    """Whether a message at `ts` joins the sender's item whose latest message was at
    `last_ts` (either order: deliveries are not always in sending order)."""
    return abs(ts - last_ts) <= window_s


@dataclass(frozen=True)
class IntakeItemChanged(Event):
    """An intake item arrived, grew by a message, or was decided (consoles refresh it)."""

    item_id: int
    channel: str
    status: str
