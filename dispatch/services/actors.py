"""Who did something: an operator, a unit, or the system itself."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    """The author of a change, stamped on every timeline entry."""

    type: str  # operator, unit, system
    id: str | None = None
    user_id: int | None = None
    role: str | None = None


SYSTEM = Actor("system", "siaga112")
