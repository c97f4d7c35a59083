"""Rules about calls: which become complaint tickets, when units are recommended, what is short.

Pure: the city pack's settings come in as a mapping, the live fleet as plain values.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

DEFAULT_UNSURE_BELOW = 0.55
DEFAULT_RECOMMEND_WITHIN_M = 3000.0
DEFAULT_AML_STALE_AFTER_S = 300.0
DEFAULT_AML_FUTURE_SKEW_S = 120.0

# Call types that are not a report of anything: they never become a complaint ticket.
NOT_A_REPORT: frozenset[str] = frozenset({"ghost", "prank", "information"})
# Close outcomes that also set the call type, so one action ends the call.
CALL_TYPE_OUTCOMES: frozenset[str] = frozenset({"ghost", "prank", "information"})
HANDOFF_OUTCOME = "handoff"

# Why an emergency incident has no recommendation (codes the console translates).
NO_REC_UNSURE = "unsure"
NO_REC_OUTSIDE = "outside_jurisdiction"


@dataclass(frozen=True)
class CallRules:
    """The city pack's settings for calls (city.json), with defaults."""

    unsure_below: float = DEFAULT_UNSURE_BELOW
    recommend_within_m: float = DEFAULT_RECOMMEND_WITHIN_M
    aml_stale_after_s: float = DEFAULT_AML_STALE_AFTER_S
    aml_future_skew_s: float = DEFAULT_AML_FUTURE_SKEW_S
    substitutes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    mutual_aid: Mapping[str, tuple[dict[str, Any], ...]] = field(default_factory=dict)
    fallback: dict[str, Any] | None = None

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> CallRules:
        """Read `classify`, `jurisdiction`, `aml`, `substitutes`, `mutual_aid` of city.json."""
        classify = settings.get("classify") or {}
        juris = settings.get("jurisdiction") or {}
        aml = settings.get("aml") or {}
        subs = settings.get("substitutes") or {}
        aid = settings.get("mutual_aid") or {}
        return cls(
            unsure_below=float(classify.get("unsure_below", DEFAULT_UNSURE_BELOW)),
            recommend_within_m=float(juris.get("recommend_within_m", DEFAULT_RECOMMEND_WITHIN_M)),
            aml_stale_after_s=float(aml.get("stale_after_s", DEFAULT_AML_STALE_AFTER_S)),
            aml_future_skew_s=float(aml.get("future_skew_s", DEFAULT_AML_FUTURE_SKEW_S)),
            substitutes={k: tuple(v) for k, v in subs.items()},
            mutual_aid={k: tuple(dict(c) for c in v) for k, v in aid.items()
                        if isinstance(v, list)},
            fallback=dict(juris["fallback"]) if juris.get("fallback") else None,
        )

    def mutual_aid_for(self, unit_type: str) -> list[dict[str, Any]]:
        """Mutual-aid contacts for a unit type, then the ones for every type ("*")."""
        return [*self.mutual_aid.get(unit_type, ()), *self.mutual_aid.get("*", ())]


def is_unsure(confidence: float, category_given: bool, rules: CallRules,
              classifier_unsure: bool | None = None) -> bool:
    """A suggestion the operator must confirm: below the threshold and not chosen by them."""
    if category_given:
        return False
    return bool(classifier_unsure) or confidence < rules.unsure_below


def ticket_refusal(call_type: str, exercise: bool) -> str | None:
    """Why an incident may not become a complaint ticket, or None when it may."""
    if exercise:
        return ("latihan tidak membuat tiket pengaduan / an exercise incident never creates "
                "a complaint ticket")
    if call_type in NOT_A_REPORT:
        return (f"panggilan {call_type} tidak membuat tiket pengaduan / a {call_type} call "
                "never creates a complaint ticket")
    return None


def makes_ticket_at_intake(emergency: bool, call_type: str, exercise: bool, unsure: bool) -> bool:
    """Only a genuine, real, confirmed non-emergency becomes a ticket when it is taken."""
    return not emergency and not unsure and ticket_refusal(call_type, exercise) is None


def no_recommendation_reason(
    emergency: bool, unsure: bool, outside: bool, boundary_distance_m: float | None,
    rules: CallRules,
) -> str | None:
    """Why an emergency gets no units recommended (None: recommend)."""
    if not emergency:
        return None
    if unsure:
        return NO_REC_UNSURE
    if outside and (boundary_distance_m is None or boundary_distance_m > rules.recommend_within_m):
        return NO_REC_OUTSIDE
    return None


@dataclass(frozen=True)
class Gap:
    """One unfilled line of a response plan."""

    unit_type: str
    missing: int


def plan_gaps(
    plan: Sequence[tuple[str, int]],
    recommended: Iterable[str],
    active_orders: Iterable[str],
    substitutes: Mapping[str, Sequence[str]],
) -> list[Gap]:
    """Slots the recommendation and the live orders leave unfilled.

    `recommended` and `active_orders` are unit types. An order of a type outside the plan
    (a substitute already sent) fills a slot it may substitute for.
    """
    planned = {t for t, _ in plan}
    orders = Counter(active_orders)
    recs = Counter(recommended)
    stand_ins = Counter({t: n for t, n in orders.items() if t not in planned})
    gaps: list[Gap] = []
    for unit_type, count in plan:
        need = max(0, count - orders.get(unit_type, 0))
        for sub in substitutes.get(unit_type, ()):
            take = min(need, stand_ins.get(sub, 0))
            need -= take
            stand_ins[sub] -= take
        missing = need - min(need, recs.get(unit_type, 0))
        if missing > 0:
            gaps.append(Gap(unit_type, missing))
    return gaps


@dataclass(frozen=True)
class BusyUnit:
    """A unit on another job that could be taken off it."""

    unit_id: str
    unit_type: str
    incident_id: int
    incident_priority: int
    incident_exercise: bool
    eta_s: float


def may_take_from(priority: int, exercise: bool, busy: BusyUnit) -> bool:
    """A unit may be reassigned from a lower-priority incident (P4 is lower than P1).

    Never across the training wall: exercises run on simulated units only and real
    incidents on real units only, so neither takes a unit from the other.
    """
    if busy.incident_exercise != exercise:
        return False
    return busy.incident_priority > priority
