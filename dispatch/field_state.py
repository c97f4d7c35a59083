"""Per-runtime bookkeeping of the field-unit services that the fleet registry does not hold."""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any


@dataclass
class FieldState:
    """Locks and small caches shared by the field-unit use cases of one runtime."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    timeouts_lock: threading.Lock = field(default_factory=threading.Lock)
    incident_locations: dict[int, tuple[float, float]] = field(default_factory=dict)
    status_before_offline: dict[str, str] = field(default_factory=dict)
    # The crew app's answered taps by (unit, tap id), oldest first: a resend is applied once.
    crew_taps: OrderedDict[tuple[str, str], dict[str, Any]] = field(default_factory=OrderedDict)
