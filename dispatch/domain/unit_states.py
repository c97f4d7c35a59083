"""The field unit state machine: which status may follow which."""

from __future__ import annotations

from .constants import UNIT_STATUSES

# Forward path of a job plus the shortcuts crews really take (a unit can be
# cleared on scene without transporting, or stood down while en route).
_ALLOWED: dict[str, frozenset[str]] = {
    "available": frozenset({"dispatched", "out_of_service", "en_route"}),
    "dispatched": frozenset({"en_route", "on_scene", "available", "returning"}),
    "en_route": frozenset({"on_scene", "returning", "available", "dispatched"}),
    "on_scene": frozenset({"transporting", "returning", "available"}),
    "transporting": frozenset({"at_hospital", "returning"}),
    "at_hospital": frozenset({"returning", "available"}),
    "returning": frozenset({"available", "dispatched"}),
    "out_of_service": frozenset({"available"}),
    "offline": frozenset(),
}

# Statuses a unit is "busy" in: it has a job and cannot be recommended.
BUSY_STATUSES: frozenset[str] = frozenset(
    {"dispatched", "en_route", "on_scene", "transporting", "at_hospital"}
)


class TransitionError(ValueError):
    """Raised when a status change is impossible from the current status."""


def can_transition(current: str, new: str) -> bool:
    """True when a unit in `current` may report `new`."""
    if new not in UNIT_STATUSES or current not in UNIT_STATUSES:
        return False
    if new == current:
        return True
    # Going offline or out of service is always possible: radios die, engines break.
    if new in ("offline", "out_of_service"):
        return True
    if current == "offline":
        # Coming back online restores the unit to what it reports next.
        return True
    return new in _ALLOWED[current]


def check_transition(current: str, new: str) -> str:
    """Return `new` if the transition is allowed, else raise TransitionError."""
    if new not in UNIT_STATUSES:
        raise TransitionError(f"unknown status {new!r}")
    if not can_transition(current, new):
        raise TransitionError(f"cannot go from {current!r} to {new!r}")
    return new
