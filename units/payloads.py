"""Parse and validate what field units send: our own topics and the OwnTracks app. Pure.

Every function raises PayloadError(reason) on bad input; the gateway counts drops by
reason (`mqtt_dropped.<reason>`), so reasons are short, fixed words.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from dispatch.domain.constants import UNIT_STATUSES

MAX_PAYLOAD_BYTES = 8 * 1024
# Beyond this a timestamp is nonsense and the message is dropped (`future_ts`). A fix
# less far ahead is kept but flagged `future_fix` by the fleet (the city pack's small
# `fix_rules.max_future_s` skew), and never used to order later fixes.
MAX_FUTURE_S = 24 * 3600.0
UNIT_ID = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
OWNTRACKS_PART = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")

KINDS = ("position", "status", "ack", "online", "owntracks")


class PayloadError(ValueError):
    """A message that cannot be used; `reason` names the counter it lands in."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class Route:
    """Where a topic leads: the message kind and the unit id (or OwnTracks tracker)."""

    kind: str
    key: str


@dataclass(frozen=True)
class Fix:
    """One validated position report."""

    lat: float
    lon: float
    ts: float
    speed_kmh: float | None = None
    heading: float | None = None
    accuracy_m: float | None = None
    battery: float | None = None


@dataclass(frozen=True)
class StatusReport:
    """A unit's status message."""

    status: str
    ts: float
    order_id: str | None = None


@dataclass(frozen=True)
class Ack:
    """A unit's answer to an order."""

    order_id: str
    accepted: bool
    ts: float


@dataclass(frozen=True)
class OwnTracksMessage:
    """What an OwnTracks message means for the center."""

    type: str  # location, lwt, transition
    fix: Fix | None = None
    event: str | None = None  # transition: enter / leave
    region: str | None = None
    tid: str | None = None


def route(topic: str, prefix: str = "siaga") -> Route:
    """Map a topic to its message kind; PayloadError('bad_topic') for anything else."""
    parts = topic.split("/")
    if len(parts) == 4 and parts[0] == prefix and parts[1] == "units":
        kind = parts[3]
        if kind in ("position", "status", "ack", "online") and UNIT_ID.match(parts[2]):
            return Route(kind, parts[2])
    if parts[0] == "owntracks" and len(parts) in (3, 4):
        if len(parts) == 4 and parts[3] != "event":
            raise PayloadError("unsupported_topic", topic)
        if OWNTRACKS_PART.match(parts[1]) and OWNTRACKS_PART.match(parts[2]):
            return Route("owntracks", "/".join(parts[:3]))
    raise PayloadError("bad_topic", topic)


def decode(payload: bytes) -> Any:
    """JSON from the wire, refusing oversized and non-UTF-8 messages."""
    if len(payload) > MAX_PAYLOAD_BYTES:
        raise PayloadError("too_large", f"{len(payload)} bytes")
    try:
        return json.loads(payload)
    except RecursionError:
        # Nesting deeper than the interpreter's stack (~1,000 levels fit in 8 KiB): a
        # counted drop like any other, not a traceback per message.
        raise PayloadError("too_deep") from None
    except (ValueError, UnicodeDecodeError):  # also integers of more than 4,300 digits
        raise PayloadError("not_json") from None


def decode_object(payload: bytes) -> dict[str, Any]:
    """A JSON object from the wire."""
    data = decode(payload)
    if not isinstance(data, dict):
        raise PayloadError("not_object")
    return data


def _number(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PayloadError("bad_type", name)
    try:
        f = float(value)
    except OverflowError:  # an integer beyond 1.8e308
        raise PayloadError("out_of_range", name) from None
    if not math.isfinite(f):
        raise PayloadError("out_of_range", name)
    return f


def _storable(value: str) -> bool:
    # Lone surrogates cannot be encoded as UTF-8 and NUL ends a C string: neither survives
    # the database (PostgreSQL refuses both), so such text is refused at the door.
    if "\x00" in value:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _optional(data: dict[str, Any], name: str, lo: float, hi: float,
              unknown: float | None = None) -> float | None:
    value = data.get(name)
    if value is None:
        return None
    f = _number(value, name)
    if unknown is not None and f == unknown:
        return None  # OwnTracks says -1 for "not known"
    if not lo <= f <= hi:
        raise PayloadError("out_of_range", name)
    return f


def parse_ts(value: Any, now: float) -> float:
    """Epoch seconds from epoch seconds (number or numeric string) or ISO-8601 with a zone."""
    if value is None:
        return now  # no device time: the moment we heard it
    if isinstance(value, bool):
        raise PayloadError("bad_ts")
    numeric = True
    if isinstance(value, int | float):
        try:
            ts = float(value)
        except OverflowError:  # an integer beyond 1.8e308
            raise PayloadError("bad_ts") from None
    elif isinstance(value, str):
        text = value.strip()
        try:
            ts = float(text)
        except ValueError:
            numeric = False
            try:
                when = datetime.fromisoformat(text.replace("Z", "+00:00"))
            except ValueError:
                raise PayloadError("bad_ts") from None
            if when.tzinfo is None:
                raise PayloadError("bad_ts", "no timezone") from None
            ts = when.timestamp()
    else:
        raise PayloadError("bad_ts")
    if not math.isfinite(ts) or ts <= 0:
        raise PayloadError("bad_ts")
    if numeric and ts > 1e11:  # milliseconds, as some trackers send (never an ISO date)
        ts /= 1000.0
    if ts > now + MAX_FUTURE_S:
        raise PayloadError("future_ts")
    return ts


def _lat_lon(data: dict[str, Any]) -> tuple[float, float]:
    if data.get("lat") is None or data.get("lon") is None:
        raise PayloadError("missing_coordinates")
    lat = _number(data["lat"], "lat")
    lon = _number(data["lon"], "lon")
    if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
        raise PayloadError("out_of_range", "lat/lon")
    # (0, 0), what a GPS without a fix sends, is kept: the fleet stores it flagged
    # (fixes_flagged.null_island) and never recommends the unit on it.
    return lat, lon


def parse_position(data: dict[str, Any], now: float) -> Fix:
    """Our position message: `{lat, lon, ts, speed_kmh?, heading?, accuracy_m?, battery?}`."""
    lat, lon = _lat_lon(data)
    return Fix(
        lat=lat,
        lon=lon,
        ts=parse_ts(data.get("ts"), now),
        speed_kmh=_optional(data, "speed_kmh", 0.0, 500.0),
        heading=_optional(data, "heading", 0.0, 360.0),
        accuracy_m=_optional(data, "accuracy_m", 0.0, 100_000.0),
        battery=_optional(data, "battery", 0.0, 100.0),
    )


def parse_status(data: dict[str, Any], now: float) -> StatusReport:
    """Our status message: `{status, ts, order_id?}`."""
    status = data.get("status")
    if not isinstance(status, str):
        raise PayloadError("bad_type", "status")
    if status not in UNIT_STATUSES:
        raise PayloadError("bad_status", status[:32])
    order_id = data.get("order_id")
    if order_id is not None and (not isinstance(order_id, str) or len(order_id) > 40
                                 or not _storable(order_id)):
        raise PayloadError("bad_type", "order_id")
    return StatusReport(status, parse_ts(data.get("ts"), now), order_id)


def parse_ack(data: dict[str, Any], now: float) -> Ack:
    """Our ack message: `{order_id, accepted, ts}`."""
    order_id = data.get("order_id")
    if not isinstance(order_id, str) or not 0 < len(order_id) <= 40 or not _storable(order_id):
        raise PayloadError("bad_type", "order_id")
    accepted = data.get("accepted", True)
    if not isinstance(accepted, bool):
        raise PayloadError("bad_type", "accepted")
    return Ack(order_id, accepted, parse_ts(data.get("ts"), now))


def parse_online(payload: bytes) -> bool:
    """The online flag: "1" / "0" (also true/false, JSON numbers or booleans)."""
    if len(payload) > 64:
        raise PayloadError("too_large")
    text = payload.decode("utf-8", "replace").strip().strip('"').lower()
    if text in ("1", "true", "online", "on"):
        return True
    if text in ("0", "false", "offline", "off", ""):
        return False
    raise PayloadError("bad_online", text[:16])


def _tst(data: dict[str, Any], now: float) -> float:
    # OwnTracks: `tst` is epoch seconds (a string in some lwt messages); `created_at` otherwise.
    value = data.get("tst", data.get("created_at"))
    return parse_ts(value, now)


def _owntracks_fix(data: dict[str, Any], now: float) -> Fix:
    lat, lon = _lat_lon(data)
    batt = _optional(data, "batt", 0.0, 100.0, unknown=-1.0)
    return Fix(
        lat=lat,
        lon=lon,
        ts=_tst(data, now),
        speed_kmh=_optional(data, "vel", 0.0, 500.0, unknown=-1.0),  # km/h in OwnTracks
        heading=_optional(data, "cog", 0.0, 360.0, unknown=-1.0),
        accuracy_m=_optional(data, "acc", 0.0, 100_000.0, unknown=-1.0),
        battery=batt,
    )


def parse_owntracks(data: dict[str, Any], now: float) -> OwnTracksMessage:
    """An OwnTracks `location`, `lwt` or `transition` (see the OwnTracks booklet's JSON page)."""
    kind = data.get("_type")
    tid = data.get("tid")
    tid = tid if isinstance(tid, str) and _storable(tid) else None
    if kind == "location":
        return OwnTracksMessage("location", fix=_owntracks_fix(data, now), tid=tid)
    if kind == "lwt":
        return OwnTracksMessage("lwt")
    if kind == "transition":
        event = data.get("event")
        if event not in ("enter", "leave"):
            raise PayloadError("bad_type", "event")
        desc = data.get("desc")
        fix = None
        if data.get("lat") is not None and data.get("lon") is not None:
            fix = _owntracks_fix(data, now)
        return OwnTracksMessage("transition", fix=fix, event=event,
                                region=desc[:100] if isinstance(desc, str) and _storable(desc[:100])
                                else None, tid=tid)
    if isinstance(kind, str):
        raise PayloadError("unsupported_type", kind[:32])
    raise PayloadError("bad_type", "_type")
