"""Is a GPS fix believable? Rules for a fix's age, clock, place and accuracy. Pure.

A fix that breaks a rule is still stored (track history keeps what was received), but
it never makes its unit recommendable. The words below are contracts: they are the
`fixes_flagged.<flag>` counters, the track history's `flag` column and the API's
`not_recommendable_reason`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

NULL_ISLAND = "null_island"  # (0, 0): what a GPS without a fix sends
FUTURE_FIX = "future_fix"  # the device clock runs ahead by more than the allowed skew
OUTSIDE_SERVICE_AREA = "outside_service_area"  # farther from the city than the margin
POOR_ACCURACY = "poor_accuracy"  # reported accuracy worse than the ceiling
STALE_FIX = "stale_fix"  # older than its source's stale_after_s
NEVER_REPORTED = "never_reported"  # no fix ever, and not trusted at its station

# Judged once, when the fix arrives (age is judged again at every look).
FIX_FLAGS: tuple[str, ...] = (NULL_ISLAND, FUTURE_FIX, OUTSIDE_SERVICE_AREA, POOR_ACCURACY,
                              STALE_FIX)

DEFAULT_STALE_AFTER_S: dict[str, float | None] = {
    "mqtt": 120.0, "owntracks": 300.0, "osmand": 300.0, "crew": 120.0, "station": None,
}


@dataclass(frozen=True)
class FixRules:
    """The city pack's limits for believing a fix (`city.json` `stale_after_s`, `fix_rules`)."""

    stale_after_s: Mapping[str, float | None] = field(
        default_factory=lambda: dict(DEFAULT_STALE_AFTER_S))
    max_future_s: float = 60.0
    max_accuracy_m: float | None = 500.0
    service_area_margin_m: float = 15_000.0

    @classmethod
    def from_settings(cls, city: Mapping[str, object]) -> FixRules:
        """Rules from a city.json mapping; missing keys keep their defaults."""
        stale: dict[str, float | None] = dict(DEFAULT_STALE_AFTER_S)
        raw_stale = city.get("stale_after_s")
        if isinstance(raw_stale, Mapping):
            stale.update({str(k): (None if v is None else float(v)) for k, v in raw_stale.items()})
        raw = city.get("fix_rules")
        rules: Mapping[str, object] = raw if isinstance(raw, Mapping) else {}
        base = cls()
        accuracy = rules.get("max_accuracy_m", base.max_accuracy_m)
        return cls(
            stale_after_s=stale,
            max_future_s=float(rules.get("max_future_s", base.max_future_s)),  # type: ignore[arg-type]
            max_accuracy_m=None if accuracy is None else float(accuracy),  # type: ignore[arg-type]
            service_area_margin_m=float(
                rules.get("service_area_margin_m", base.service_area_margin_m)),  # type: ignore[arg-type]
        )

    def stale_limit(self, source: str) -> float | None:
        """Seconds after which a fix from `source` is stale (None: never)."""
        return self.stale_after_s.get(source)

    def is_stale(self, source: str, fix_ts: float | None, now: float) -> bool:
        """True when a fix from `source` taken at `fix_ts` is too old at `now`."""
        limit = self.stale_limit(source)
        if limit is None:
            return False
        return fix_ts is None or now - fix_ts > limit


def judge_fix(
    rules: FixRules,
    lat: float,
    lon: float,
    ts: float,
    accuracy_m: float | None,
    source: str,
    now: float,
    in_service_area: Callable[[float, float], bool] | None = None,
) -> str | None:
    """The first rule a fix breaks at arrival (one of FIX_FLAGS), or None when it is good."""
    if lat == 0.0 and lon == 0.0:
        return NULL_ISLAND
    if ts > now + rules.max_future_s:
        return FUTURE_FIX
    if in_service_area is not None and not in_service_area(lat, lon):
        return OUTSIDE_SERVICE_AREA
    if (rules.max_accuracy_m is not None and accuracy_m is not None
            and (not math.isfinite(accuracy_m) or accuracy_m > rules.max_accuracy_m)):
        return POOR_ACCURACY
    if rules.is_stale(source, ts, now):
        return STALE_FIX
    return None
