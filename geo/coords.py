"""Parsing coordinates typed or pasted by operators, and AML location SMS.

``parse_coordinates`` accepts decimal degrees, degrees-minutes-seconds and
degrees-decimal-minutes, with hemisphere letters in English (N/S/E/W) or
Indonesian (LU/LS/BT/BB, lintang utara/selatan, bujur timur/barat), prefixed
or suffixed, with Unicode or ASCII degree/minute/second marks. ``parse_aml``
reads an Advanced Mobile Location SMS (ETSI TS 103 625, EENA AML).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from geo.distance import valid_lat_lon


class CoordinateError(ValueError):
    """Text that is not a usable coordinate pair."""


# Hemisphere words -> (axis, sign). Axis "lat" or "lon".
_HEMISPHERES: dict[str, tuple[str, int]] = {}
for _words, _axis, _sign in (
    (("N", "NORTH", "U", "LU", "UTARA"), "lat", 1),
    (("S", "SOUTH", "LS", "SELATAN"), "lat", -1),
    (("E", "EAST", "T", "BT", "TIMUR"), "lon", 1),
    (("W", "WEST", "B", "BB", "BARAT"), "lon", -1),
):
    for _w in _words:
        _HEMISPHERES[_w] = (_axis, _sign)

# Labels people type around numbers; they carry no information we need
# ("lintang selatan" is handled by its second word).
_NOISE_WORDS = {"LAT", "LATITUDE", "LON", "LNG", "LONG", "LONGITUDE", "LINTANG", "BUJUR"}

_MARK_TRANSLATION = str.maketrans(
    {
        "º": "°",
        "˚": "°",
        "′": "'",
        "’": "'",
        "‘": "'",
        "´": "'",
        "`": "'",
        "″": '"',
        "”": '"',
        "“": '"',
        "\u00a0": " ",
    }
)

_TOKEN = re.compile(
    r"""
    (?P<num>[+-]?\d+(?:\.\d+)?|[+-]?\.\d+)
  | (?P<mark>[°'"])
  | (?P<word>[A-Z]+)
  | (?P<sep>[,;/])
  | (?P<space>[\s:]+)
    """,
    re.VERBOSE,
)

_MARK_POS = {"°": 0, "'": 1, '"': 2}


@dataclass
class _Part:
    numbers: list[tuple[str, str | None]]  # (number text, mark or None)
    hemisphere: tuple[str, int] | None = None


def _tokenize(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            raise CoordinateError(f"unexpected character {text[pos]!r} in coordinates")
        kind = m.lastgroup or ""
        value = m.group()
        pos = m.end()
        if kind == "space":
            continue
        if kind == "word":
            if value in _NOISE_WORDS:
                continue
            if value not in _HEMISPHERES:
                raise CoordinateError(f"unexpected word {value!r} in coordinates")
        tokens.append((kind, value))
    return tokens


def _normalise(text: str) -> str:
    s = text.strip().upper().translate(_MARK_TRANSLATION)
    # Two apostrophes are a common stand-in for the seconds mark.
    s = s.replace("''", '"')
    # Indonesian decimal commas ("-7,8167 112,0133"): only when the text has
    # no dots and exactly two digit,digit commas, so "-7.8,112.0" is left alone.
    if "." not in s and len(re.findall(r"\d,\d", s)) == 2:
        s = re.sub(r"(\d),(\d)", r"\1.\2", s)
    return s


def _split_parts(tokens: list[tuple[str, str]]) -> list[list[tuple[str, str]]]:
    seps = [i for i, (k, _) in enumerate(tokens) if k == "sep"]
    if len(seps) == 1:
        return [tokens[: seps[0]], tokens[seps[0] + 1 :]]
    if seps:
        raise CoordinateError("too many separators: expected 'latitude, longitude'")
    hemis = [i for i, (k, _) in enumerate(tokens) if k == "word"]
    if len(hemis) == 2:
        if hemis[0] == 0:  # prefixed: "S7°49.002' E112°00.798'"
            return [tokens[: hemis[1]], tokens[hemis[1] :]]
        return [tokens[: hemis[0] + 1], tokens[hemis[0] + 1 :]]  # suffixed
    if hemis:
        raise CoordinateError("give a hemisphere for both latitude and longitude, or for neither")
    # No separators or hemispheres: a new value starts at the second degree
    # mark, or else the numbers split evenly (2 = decimal, 4 = DM, 6 = DMS).
    degs = [i for i, (k, v) in enumerate(tokens) if k == "mark" and v == "°"]
    if len(degs) == 2:
        cut = degs[1] - 1
        return [tokens[:cut], tokens[cut:]]
    nums = [i for i, (k, _) in enumerate(tokens) if k == "num"]
    if len(nums) in (2, 4, 6) and not any(k == "mark" for k, _ in tokens):
        cut = nums[len(nums) // 2]
        return [tokens[:cut], tokens[cut:]]
    raise CoordinateError("could not tell latitude from longitude")


def _parse_part(tokens: list[tuple[str, str]]) -> _Part:
    part = _Part(numbers=[])
    for n, (kind, value) in enumerate(tokens):
        if kind == "word":
            if n not in (0, len(tokens) - 1) or part.hemisphere is not None:
                raise CoordinateError(f"misplaced hemisphere {value!r}")
            part.hemisphere = _HEMISPHERES[value]
        elif kind == "num":
            part.numbers.append((value, None))
        elif kind == "mark":
            if not part.numbers or part.numbers[-1][1] is not None:
                raise CoordinateError(f"misplaced mark {value!r}")
            part.numbers[-1] = (part.numbers[-1][0], value)
        else:
            raise CoordinateError(f"unexpected {value!r}")
    if not part.numbers:
        raise CoordinateError("missing number")
    if len(part.numbers) > 3:
        raise CoordinateError("too many numbers for one coordinate")
    return part


def _part_value(part: _Part) -> float:
    slots: list[str | None] = [None, None, None]
    marked = any(mark is not None for _, mark in part.numbers)
    for pos, (number, mark) in enumerate(part.numbers):
        slot = _MARK_POS[mark] if mark is not None else pos
        if marked and mark is None:
            # "7°49 S": an unmarked number after a marked one is the next unit.
            slot = pos
        if slots[slot] is not None:
            raise CoordinateError("repeated degree/minute/second component")
        slots[slot] = number
    if slots[0] is None:
        raise CoordinateError("missing degrees")
    deg_text = slots[0]
    negative = deg_text.startswith("-")
    for unit, text in (("minutes", slots[1]), ("seconds", slots[2])):
        if text is not None and text[0] in "+-":
            raise CoordinateError(f"{unit} cannot carry a sign")
    present = [s for s in slots if s is not None]
    if any("." in s for s in present[:-1]):
        raise CoordinateError("only the last component may have a fractional part")
    deg = abs(float(deg_text))
    minutes = float(slots[1]) if slots[1] is not None else 0.0
    seconds = float(slots[2]) if slots[2] is not None else 0.0
    if slots[2] is not None and slots[1] is None:
        raise CoordinateError("seconds given without minutes")
    if minutes >= 60.0 or seconds >= 60.0:
        raise CoordinateError("minutes and seconds must be below 60")
    value = deg + minutes / 60.0 + seconds / 3600.0
    if part.hemisphere is not None:
        if negative or deg_text.startswith("+"):
            raise CoordinateError("give either a sign or a hemisphere, not both")
        return value * part.hemisphere[1]
    return -value if negative else value


def parse_coordinates(text: str) -> tuple[float, float]:
    """Parse a coordinate pair in decimal, DMS or DDM notation into (lat, lon)."""
    if not isinstance(text, str) or not text.strip():
        raise CoordinateError("empty coordinates")
    tokens = _tokenize(_normalise(text))
    raw_a, raw_b = _split_parts(tokens)
    a, b = _parse_part(raw_a), _parse_part(raw_b)
    if a.hemisphere and b.hemisphere and a.hemisphere[0] == b.hemisphere[0]:
        raise CoordinateError("both values have a hemisphere on the same axis")
    if (a.hemisphere and a.hemisphere[0] == "lon") or (b.hemisphere and b.hemisphere[0] == "lat"):
        a, b = b, a  # "112°E 7°S": longitude first
    lat, lon = _part_value(a), _part_value(b)
    if not -90.0 <= lat <= 90.0:
        raise CoordinateError(f"latitude {lat:g} is outside -90..90")
    if not -180.0 <= lon <= 180.0:
        raise CoordinateError(f"longitude {lon:g} is outside -180..180")
    return lat, lon


# --------------------------------------------------------------------------- AML

# AML v1 (ETSI TS 103 625 / EENA): A"ML=1;lt=;lg=;rd=;top=;lc=;pm=;si=;ei=;mcc=;mnc=;ml=
#   lt/lg degrees, rd radius in metres, top = time of positioning (UTC, yyyyMMddHHmmss),
#   lc confidence %, pm positioning method (G GNSS, W Wi-Fi, C cell, N no location),
#   si IMSI, ei IMEI, mcc/mnc network, ml the length of the whole message (it comes last).
# AML v2 (the "ELS beta" layout): A"ML=2;en=;et=;lo=lat,lon,acc;lt=;lc=;lz=alt,vacc;ls=;
#   ei=;mcc=;mnc=;ml=   en emergency number, et call time (epoch s), lo the location (an
#   accuracy of 0 is unknown), lt the time of the fix in seconds from et (so in v2 `lt` is
#   NOT the latitude), lz altitude and its accuracy, ls source (W, G, C, F fused, U unknown).
_AML_HEADER = re.compile(r'^\s*A\W{0,2}ML\s*=\s*(\d+)', re.IGNORECASE)
# The published examples differ from their own ml= by one character: allow that much.
_ML_TOLERANCE = 1
_MAX_EPOCH = 4_102_444_800  # 2100-01-01: a later "et" is garbage, not a time
_MAX_FIX_OFFSET_S = 30 * 86400


@dataclass(frozen=True)
class AmlMessage:
    """An Advanced Mobile Location SMS as received: the fix (or why there is none) and doubts.

    ``lat``/``lon`` are None when the phone sent no usable position (``pm=N``, 0,0, no
    ``lt``/``lg``/``lo``); ``no_location_reason`` then says why. ``positioned_at`` is the
    time of the fix (UTC). ``truncated`` is True when the text is shorter than its ``ml=``,
    None when there is no ``ml=`` to check against.
    """

    version: int | None
    lat: float | None
    lon: float | None
    radius_m: float | None
    positioned_at: datetime | None
    call_at: datetime | None = None
    positioning_method: str | None = None
    level_of_confidence: int | None = None
    imei: str | None = None
    imsi: str | None = None
    mcc: str | None = None
    mnc: str | None = None
    emergency_number: str | None = None
    altitude_m: float | None = None
    vertical_accuracy_m: float | None = None
    length: int = 0
    declared_length: int | None = None
    truncated: bool | None = None
    no_location_reason: str | None = None
    warnings: tuple[str, ...] = ()

    @property
    def has_location(self) -> bool:
        """True when the message carries a usable position."""
        return self.lat is not None and self.lon is not None

    def age_s(self, now: datetime) -> float | None:
        """Seconds from the fix to `now` (negative for a fix in the future)."""
        if self.positioned_at is None:
            return None
        return (now - self.positioned_at).total_seconds()

    def assess(
        self, now: datetime, stale_after_s: float = 300.0, future_skew_s: float = 120.0
    ) -> dict[str, Any]:
        """JSON-ready view judged at `now`: age, staleness and every warning."""
        warnings = list(self.warnings)
        age = self.age_s(now)
        stale = bool(age is not None and age > stale_after_s)
        if stale:
            warnings.append(
                f"fix is {_duration(age or 0.0)} old (more than {_duration(stale_after_s)}): "
                "ask the caller whether they are still there")
        elif age is not None and age < -future_skew_s:
            warnings.append(f"fix time is {_duration(-age)} in the future: check the phone's clock")
        if self.has_location and self.positioning_method == "C":
            warnings.append("cell-based position: the radius may be large")
        return {
            "kind": "aml",
            "aml_version": self.version,
            "location": ({"lat": self.lat, "lon": self.lon, "radius_m": self.radius_m}
                         if self.has_location else None),
            "lat": self.lat,
            "lon": self.lon,
            "radius_m": self.radius_m,
            "no_location_reason": self.no_location_reason,
            "positioned_at": self.positioned_at.isoformat() if self.positioned_at else None,
            "call_at": self.call_at.isoformat() if self.call_at else None,
            "age_s": round(age, 1) if age is not None else None,
            "stale": stale,
            "stale_after_s": stale_after_s,
            "truncated": self.truncated,
            "length": self.length,
            "declared_length": self.declared_length,
            "positioning_method": self.positioning_method,
            "level_of_confidence": self.level_of_confidence,
            "altitude_m": self.altitude_m,
            "vertical_accuracy_m": self.vertical_accuracy_m,
            "emergency_number": self.emergency_number,
            "imei": self.imei,
            "imsi": self.imsi,
            "mcc": self.mcc,
            "mnc": self.mnc,
            "warnings": warnings,
        }


# The name of earlier releases.
AmlLocation = AmlMessage


def _duration(seconds: float) -> str:
    seconds = abs(seconds)
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def _opt_float(value: str | None) -> float | None:
    if value is None or value == "":
        return None
    try:
        f = float(value)
    except ValueError:
        return None
    return f if math.isfinite(f) and f >= 0 else None


def _opt_signed(value: str | None) -> float | None:
    if value is None or value == "":
        return None
    try:
        f = float(value)
    except ValueError:
        return None
    return f if math.isfinite(f) else None


def _opt_int(value: str | None, lo: int, hi: int) -> int | None:
    if value is None or value == "":
        return None
    try:
        n = int(float(value))
    except (ValueError, OverflowError):  # "abc", "1e400"
        return None
    return n if lo <= n <= hi else None


def _aml_time(value: str | None, warnings: list[str]) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.strptime(value, "%Y%m%d%H%M%S").replace(tzinfo=UTC)
    except ValueError:
        warnings.append(f"top={value[:20]!r} is not a time (yyyyMMddHHmmss, UTC)")
        return None


def _coordinate(lat_text: str, lon_text: str, what: str) -> tuple[float, float]:
    try:
        lat, lon = float(lat_text), float(lon_text)
    except ValueError as exc:
        raise CoordinateError(
            f"AML {what} is not a pair of numbers: {lat_text[:20]!r}, {lon_text[:20]!r}"
        ) from exc
    if not valid_lat_lon(lat, lon):
        raise CoordinateError(f"AML location out of range: {lat}, {lon}")
    return lat, lon


def looks_like_aml(text: str) -> bool:
    """True for text that starts with an AML header (A"ML=1, A"ML=2, …)."""
    return isinstance(text, str) and _AML_HEADER.match(text) is not None


def _fields(text: str) -> tuple[dict[str, str], list[str]]:
    fields: dict[str, str] = {}
    order: list[str] = []
    for chunk in text.split(";"):
        if "=" not in chunk:
            continue  # stray text or a trailing ';'
        key, _, value = chunk.partition("=")
        key = key.strip().lower()
        if _AML_HEADER.match(chunk):
            key = "aml"
        fields[key] = value.strip()
        order.append(key)
    return fields, order


def parse_aml(text: str) -> AmlMessage:
    """Parse an AML SMS body (v1 ``lt``/``lg`` or v2 ``lo``) into an AmlMessage.

    Raises CoordinateError only for text that is no AML at all or carries impossible
    numbers; a message without a position is returned with ``no_location_reason``.
    """
    if not isinstance(text, str) or not text.strip():
        raise CoordinateError("empty AML message")
    body = text.strip()
    fields, order = _fields(body)
    if not fields:
        raise CoordinateError("not an AML message (no key=value fields)")
    header = _AML_HEADER.match(body)
    warnings: list[str] = []
    version: int | None = None
    if header and len(header.group(1)) > 6:
        # int() refuses more than 4,300 digits, and no AML version has more than one.
        warnings.append(f"unknown AML version {header.group(1)[:10]}…: read as version 1")
    elif header:
        version = int(header.group(1))
    if version is not None and version not in (1, 2):
        warnings.append(f"unknown AML version {version}: read as version 1")
    v2 = version == 2 or (version is None and "lo" in fields and "lg" not in fields)

    lat = lon = radius = None
    reason: str | None = None
    positioned_at: datetime | None = None
    call_at: datetime | None = None
    method: str | None = None
    altitude = vertical = None
    if v2:
        et = _opt_int(fields.get("et"), 0, _MAX_EPOCH)
        if et is not None:
            call_at = datetime.fromtimestamp(et, UTC)
        elif fields.get("et"):
            warnings.append(f"et={fields['et'][:20]!r} is not an epoch time")
        method = (fields.get("ls") or "").upper() or None
        lo = fields.get("lo")
        if not lo:
            reason = "no lo= field: the phone sent no position"
        else:
            parts = [p.strip() for p in lo.split(",")]
            if len(parts) < 2:
                raise CoordinateError(f"AML lo={lo[:40]!r} is not lat,lon,accuracy")
            lat, lon = _coordinate(parts[0], parts[1], "lo")
            if len(parts) > 2:
                acc = _opt_float(parts[2])
                radius = acc if acc else None  # 0 means unknown
            rel = _opt_signed(fields.get("lt"))
            if rel is not None and abs(rel) > _MAX_FIX_OFFSET_S:
                warnings.append(f"lt={fields['lt'][:20]!r} is not a plausible fix time")
                rel = None
            if rel is not None and call_at is not None:
                positioned_at = call_at + timedelta(seconds=rel)
        z = [p.strip() for p in (fields.get("lz") or "").split(",")]
        if len(z) >= 1 and z[0]:
            altitude = _opt_signed(z[0])
        if len(z) >= 2:
            vacc = _opt_float(z[1])
            vertical = vacc if vacc else None
    else:
        method = (fields.get("pm") or "").upper() or None
        positioned_at = _aml_time(fields.get("top"), warnings)
        lt_text, lg_text = fields.get("lt"), fields.get("lg")
        if method == "N":
            reason = "pm=N: the phone had no position fix"
        elif not lt_text or not lg_text:
            reason = "no lt/lg fields: the phone sent no position"
        else:
            lat, lon = _coordinate(lt_text, lg_text, "lt/lg")
        radius = _opt_float(fields.get("rd"))
    if method == "N" and reason is None:
        reason = "ls=N: the phone had no position fix"
    if reason is None and lat == 0.0 and lon == 0.0:
        reason = "position 0,0: the phone had no position fix"
    if reason is not None:
        lat = lon = radius = None

    location_keys = ("lo",) if v2 else ("lt", "lg")
    declared = _opt_int(fields.get("ml"), 0, 100_000)
    length = len(body)
    truncated: bool | None = None
    if declared is None:
        if header is not None:
            # ml= is mandatory and comes last: without it the end of the SMS is missing.
            truncated = True
            warnings.append("message truncated: no ml= (message length) field, which comes "
                            "last")
            if order and order[-1] in location_keys and reason is None:
                warnings.append("the location is the last field received and may be cut short")
    elif length < declared - _ML_TOLERANCE:
        truncated = True
        warnings.append(f"message truncated: {length} characters received, ml={declared}")
        if order and order[-1] in location_keys and reason is None:
            warnings.append("the location is the last field received and may be cut short")
    else:
        truncated = False
        if length > declared + _ML_TOLERANCE:
            warnings.append(f"message is longer ({length}) than its ml={declared}")
    return AmlMessage(
        version=version,
        lat=lat,
        lon=lon,
        radius_m=radius,
        positioned_at=positioned_at,
        call_at=call_at,
        positioning_method=method,
        level_of_confidence=_opt_int(fields.get("lc"), 0, 100),
        imei=fields.get("ei") or None,
        imsi=fields.get("si") or None,
        mcc=fields.get("mcc") or None,
        mnc=fields.get("mnc") or None,
        emergency_number=fields.get("en") or None,
        altitude_m=altitude,
        vertical_accuracy_m=vertical,
        length=length,
        declared_length=declared,
        truncated=truncated,
        no_location_reason=reason,
        warnings=tuple(warnings),
    )
