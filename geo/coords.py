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
from datetime import UTC, datetime

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


@dataclass(frozen=True)
class AmlLocation:
    """An Advanced Mobile Location fix; time is ISO-8601 UTC when it parses, else as sent."""

    lat: float
    lon: float
    radius_m: float | None
    time: str | None
    imei: str | None
    imsi: str | None
    level_of_confidence: int | None
    positioning_method: str | None


def _opt_float(value: str | None) -> float | None:
    if value is None or value == "":
        return None
    try:
        f = float(value)
    except ValueError:
        return None
    return f if math.isfinite(f) and f >= 0 else None


def _opt_int(value: str | None, lo: int, hi: int) -> int | None:
    if value is None or value == "":
        return None
    try:
        n = int(float(value))
    except ValueError:
        return None
    return n if lo <= n <= hi else None


def _aml_time(value: str | None) -> str | None:
    if not value:
        return None
    try:
        # AML "top" is the fix time in UTC as YYYYMMDDhhmmss.
        return datetime.strptime(value, "%Y%m%d%H%M%S").replace(tzinfo=UTC).isoformat()
    except ValueError:
        return value


def parse_aml(text: str) -> AmlLocation:
    """Parse an AML SMS body (A"ML=1;lt=..;lg=..;rd=..;...) into an AmlLocation."""
    if not isinstance(text, str) or not text.strip():
        raise CoordinateError("empty AML message")
    fields: dict[str, str] = {}
    for chunk in text.strip().split(";"):
        if "=" not in chunk:
            continue  # stray text or a trailing ';'
        key, _, value = chunk.partition("=")
        fields[key.strip().lower()] = value.strip()
    if "lt" not in fields or "lg" not in fields:
        raise CoordinateError("AML message lacks lt/lg (no location fix)")
    try:
        lat = float(fields["lt"])
        lon = float(fields["lg"])
    except ValueError as exc:
        raise CoordinateError(
            f"AML lt/lg are not numbers: {fields['lt']!r}, {fields['lg']!r}"
        ) from exc
    if not valid_lat_lon(lat, lon):
        raise CoordinateError(f"AML location out of range: {lat}, {lon}")
    pm = fields.get("pm") or None
    return AmlLocation(
        lat=lat,
        lon=lon,
        radius_m=_opt_float(fields.get("rd")),
        time=_aml_time(fields.get("top")),
        imei=fields.get("ei") or None,
        imsi=fields.get("si") or None,
        level_of_confidence=_opt_int(fields.get("lc"), 0, 100),
        positioning_method=pm.upper() if pm else None,
    )
