"""Incident generator: Poisson arrivals with an hour-of-day profile, a category and call-type mix.

Defaults are for a Kediri-sized city (about 290,000 people): a few hundred calls a day
to 112, most of them ghost (silent) or prank calls, as Indonesian 112 centers report.
Everything is configurable through a mapping (a scenario's ``incidents:`` block).
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from geo.districts import DistrictIndex

from . import texts

CATEGORIES: tuple[str, ...] = (
    "fire", "traffic_accident", "disaster", "animal_disturbance", "unrest", "medical",
    "non_emergency",
)
CALL_TYPES: tuple[str, ...] = ("genuine", "ghost", "prank", "information")

# Relative call volume by local hour (00..23): quiet before dawn, peaks in the morning
# commute and the evening; prank calls follow school hours and evenings.
DEFAULT_HOURLY: tuple[float, ...] = (
    0.45, 0.30, 0.25, 0.25, 0.35, 0.60, 0.90, 1.20, 1.30, 1.25, 1.20, 1.20,
    1.15, 1.20, 1.25, 1.35, 1.45, 1.50, 1.55, 1.50, 1.30, 1.05, 0.80, 0.60,
)
# Genuine calls: what they are about.
DEFAULT_CATEGORIES: dict[str, float] = {
    "medical": 0.30, "traffic_accident": 0.22, "animal_disturbance": 0.11, "fire": 0.08,
    "unrest": 0.07, "disaster": 0.05, "non_emergency": 0.17,
}
# What share of all calls are genuine, silent, prank, information.
DEFAULT_CALL_TYPES: dict[str, float] = {
    "genuine": 0.30, "ghost": 0.35, "prank": 0.25, "information": 0.10,
}
DEFAULT_CHANNELS: dict[str, float] = {"call": 0.85, "whatsapp": 0.10, "sms": 0.03, "web": 0.02}
DEFAULT_LANGUAGES: dict[str, float] = {"id": 0.80, "jv": 0.15, "en": 0.05}


@dataclass(frozen=True)
class GeneratedCall:
    """One simulated call: when (seconds from the start), what, where and who."""

    t: float
    description: str
    lat: float
    lon: float
    call_type: str
    category: str  # the truth, which the classifier must find (non_emergency for non-genuine)
    kecamatan: str
    kelurahan: str | None
    channel: str
    caller_phone: str
    language: str
    stream: str = "base"

    def payload(self, exercise: bool = True) -> dict[str, Any]:
        """The body of POST /api/v1/incidents (and of create_incident)."""
        data: dict[str, Any] = {
            "description": self.description, "lat": round(self.lat, 6),
            "lon": round(self.lon, 6), "channel": self.channel,
            "caller_phone": self.caller_phone, "exercise": exercise,
        }
        if self.call_type == "ghost":
            # A silent call is marked at intake: there is nobody to talk to.
            data["call_type"] = "ghost"
        return data


def _weights(raw: Any, keys: tuple[str, ...] | None, what: str) -> dict[str, float]:
    if not isinstance(raw, Mapping) or not raw:
        raise ValueError(f"{what}: a mapping of name to weight is needed")
    out: dict[str, float] = {}
    for k, v in raw.items():
        if keys is not None and k not in keys:
            raise ValueError(f"{what}: unknown name {k!r} (one of {', '.join(keys)})")
        if isinstance(v, bool) or not isinstance(v, int | float) or v < 0 or not math.isfinite(v):
            raise ValueError(f"{what}.{k}: a non-negative number is needed")
        out[str(k)] = float(v)
    if sum(out.values()) <= 0:
        raise ValueError(f"{what}: weights sum to zero")
    return out


@dataclass
class StreamConfig:
    """One arrival stream: a rate, a time window and the mixes of what arrives."""

    name: str = "base"
    calls_per_day: float = 300.0
    hourly: tuple[float, ...] = DEFAULT_HOURLY
    categories: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_CATEGORIES))
    call_types: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_CALL_TYPES))
    districts: dict[str, float] | None = None  # None: proportional to area
    channels: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_CHANNELS))
    languages: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_LANGUAGES))
    start_s: float = 0.0
    end_s: float | None = None
    rate_per_hour: float | None = None  # a flat rate instead of calls_per_day × profile

    @classmethod
    def from_mapping(cls, raw: Mapping[str, Any], name: str = "base") -> StreamConfig:
        """Build from a scenario block; unknown keys are errors, so typos are caught."""
        known = {"name", "calls_per_day", "hourly_profile", "categories", "call_types",
                 "districts", "district", "channels", "languages", "start", "end",
                 "rate_per_hour"}
        unknown = set(raw) - known
        if unknown:
            raise ValueError(f"stream {name}: unknown keys {sorted(unknown)}")
        cfg = cls(name=str(raw.get("name", name)))
        if "calls_per_day" in raw:
            cfg.calls_per_day = float(raw["calls_per_day"])
        if "rate_per_hour" in raw:
            cfg.rate_per_hour = float(raw["rate_per_hour"])
        if "hourly_profile" in raw:
            prof = raw["hourly_profile"]
            if not isinstance(prof, list) or len(prof) != 24:
                raise ValueError(f"stream {name}: hourly_profile needs 24 numbers")
            cfg.hourly = tuple(float(x) for x in prof)
        if "categories" in raw:
            cfg.categories = _weights(raw["categories"], CATEGORIES, f"{name}.categories")
        if "call_types" in raw:
            cfg.call_types = _weights(raw["call_types"], CALL_TYPES, f"{name}.call_types")
        if "district" in raw:
            cfg.districts = {str(raw["district"]): 1.0}
        if "districts" in raw:
            cfg.districts = _weights(raw["districts"], None, f"{name}.districts")
        if "channels" in raw:
            cfg.channels = _weights(raw["channels"], None, f"{name}.channels")
        if "languages" in raw:
            cfg.languages = _weights(raw["languages"], ("id", "jv", "en"), f"{name}.languages")
        if "start" in raw:
            cfg.start_s = parse_duration(raw["start"])
        if "end" in raw:
            cfg.end_s = parse_duration(raw["end"])
        return cfg


def parse_duration(value: Any) -> float:
    """Seconds from '90', 90, '15m', '2h', '1d', '06:30' (hh:mm from the start)."""
    if isinstance(value, bool):
        raise ValueError(f"not a duration: {value!r}")
    if isinstance(value, int | float):
        return float(value)
    text = str(value).strip().lower()
    if ":" in text:
        h, m = text.split(":", 1)
        return int(h) * 3600 + int(m) * 60
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    if text and text[-1] in units:
        return float(text[:-1]) * units[text[-1]]
    return float(text)


class IncidentGenerator:
    """Draws calls from one or more streams over a time window, reproducibly from a seed."""

    def __init__(
        self,
        districts: DistrictIndex,
        streams: list[StreamConfig] | None = None,
        seed: int = 112,
        timezone: str = "Asia/Jakarta",
        area_weights: Mapping[str, float] | None = None,
    ) -> None:
        self.districts = districts
        self.streams = streams or [StreamConfig()]
        self.rng = random.Random(seed)
        self.tz = ZoneInfo(timezone)
        names = districts.kecamatan_names()
        if area_weights is None:
            area_weights = {n: max(districts.geometry(n).area, 1e-9) for n in names}
        self.area_weights = dict(area_weights)
        for s in self.streams:
            for d in s.districts or {}:
                if d not in names:
                    raise ValueError(f"stream {s.name}: unknown district {d!r} ({', '.join(names)})")
        self._phone_pool = [self._phone() for _ in range(400)]

    def _phone(self) -> str:
        return "08" + self.rng.choice("1235789") + "".join(
            self.rng.choice("0123456789") for _ in range(9)
        )

    def _rate(self, s: StreamConfig, local: datetime) -> float:
        """Calls per second of a stream at a local time."""
        if s.rate_per_hour is not None:
            return s.rate_per_hour / 3600.0
        mean = sum(s.hourly) / 24.0 or 1.0
        return s.calls_per_day / 86400.0 * s.hourly[local.hour] / mean

    def calls(self, start: datetime, duration_s: float) -> Iterator[GeneratedCall]:
        """Every call in [0, duration_s), in time order (a non-homogeneous Poisson process)."""
        drawn: list[GeneratedCall] = []
        for s in self.streams:
            lo = max(0.0, s.start_s)
            hi = min(duration_s, s.end_s if s.end_s is not None else duration_s)
            t = lo
            # Piecewise-constant rate: within each local hour the process is homogeneous,
            # so draw exponential gaps hour by hour (exact, no thinning needed).
            while t < hi:
                local = (start + timedelta(seconds=t)).astimezone(self.tz)
                next_hour = t + (3600 - (local.minute * 60 + local.second + local.microsecond / 1e6))
                seg_end = min(hi, next_hour)
                rate = self._rate(s, local)
                if rate > 0:
                    t_arr = t + self.rng.expovariate(rate)
                    while t_arr < seg_end:
                        drawn.append(self._one(s, t_arr))
                        t_arr += self.rng.expovariate(rate)
                t = seg_end
        drawn.sort(key=lambda c: c.t)
        yield from drawn

    def _one(self, s: StreamConfig, t: float) -> GeneratedCall:
        rng = self.rng
        call_type = rng.choices(list(s.call_types), weights=list(s.call_types.values()))[0]
        category = "non_emergency"
        if call_type == "genuine":
            category = rng.choices(list(s.categories), weights=list(s.categories.values()))[0]
        dweights = s.districts or self.area_weights
        kec = rng.choices(list(dweights), weights=list(dweights.values()))[0]
        lat, lon = self.districts.random_point_in(kec, rng)
        kel = self.districts.locate(lat, lon).kelurahan
        description, language = texts.describe(rng, call_type, category, kel, s.languages)
        channel = rng.choices(list(s.channels), weights=list(s.channels.values()))[0]
        if call_type in ("ghost", "prank"):
            channel = "call"
            # Prank and silent calls come back from the same numbers again and again.
            phone = rng.choice(self._phone_pool[:40])
        else:
            phone = rng.choice(self._phone_pool) if rng.random() < 0.2 else self._phone()
        return GeneratedCall(t, description, lat, lon, call_type, category, kec, kel, channel,
                             phone, language, s.name)
