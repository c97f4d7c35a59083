"""Road ETAs from an OSRM server's table service, falling back to straight lines.

``OsrmRouter`` asks ``GET {base}/table/v1/{profile}/{lon,lat;...}?sources=...&
destinations=...&annotations=duration,distance`` (OSRM's documented table API:
``code`` ``"Ok"``, ``durations[i][j]`` seconds and ``distances[i][j]`` metres from
source i to destination j, ``null`` where no route exists). OSRM has one
profile, so a unit type's speed enters as a factor relative to the car speed
(``type_factors``). When the server cannot be reached, times out or answers
anything but a valid table, the request falls back to the straight-line router
(``via: "straight"``) and the server is left alone for ``retry_after_s`` so a
dead server does not slow every recommendation by its timeout.
"""

from __future__ import annotations

import json
import logging
import math
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime

from geo.routing import Route, StraightLineRouter, StraightTravelTimes

log = logging.getLogger(__name__)

# OSRM's default --max-table-size is 100 locations per request.
DEFAULT_MAX_TABLE = 100


class OsrmError(Exception):
    """The OSRM server did not give a usable answer."""


class OsrmRouter:
    """A Router and ManyToOneRouter over OSRM's /table service."""

    def __init__(
        self,
        base_url: str,
        fallback: StraightLineRouter | None = None,
        profile: str = "driving",
        timeout_s: float = 2.0,
        retry_after_s: float = 30.0,
        max_table: int = DEFAULT_MAX_TABLE,
        max_speed_kmh: float = 120.0,
        type_factors: Mapping[str, float] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Talk to `base_url`; `max_speed_kmh` bounds any OSRM speed (for exact ranking)."""
        if timeout_s <= 0 or max_table < 2 or max_speed_kmh <= 0:
            raise ValueError("timeout_s, max_table and max_speed_kmh must be positive")
        self.base_url = base_url.rstrip("/")
        self.fallback = fallback or StraightLineRouter()
        self.profile = profile
        self.timeout_s = float(timeout_s)
        self.retry_after_s = float(retry_after_s)
        self.max_table = int(max_table)
        self.max_speed_kmh = float(max_speed_kmh)
        self.type_factors = dict(type_factors or {})
        self._clock = clock
        self._down_until = 0.0
        self._lock = threading.Lock()
        self.failures = 0
        self.requests = 0

    # -- HTTP -----------------------------------------------------------------------
    def available(self) -> bool:
        """False while a recent failure keeps the server in its back-off period."""
        return self._clock() >= self._down_until

    def _mark_down(self, why: str) -> None:
        with self._lock:
            self.failures += 1
            self._down_until = self._clock() + self.retry_after_s
        log.warning("OSRM at %s unusable (%s); straight lines for %.0f s",
                    self.base_url, why, self.retry_after_s)

    def table(self, sources: Sequence[tuple[float, float]], dest: tuple[float, float],
              ) -> list[tuple[float, float | None] | None]:
        """(duration_s, distance_m) from each source (lat, lon) to dest; None: no route."""
        out: list[tuple[float, float | None] | None] = []
        chunk = self.max_table - 1
        for start in range(0, len(sources), chunk):
            out.extend(self._table_once(sources[start:start + chunk], dest))
        return out

    def _table_once(self, sources: Sequence[tuple[float, float]], dest: tuple[float, float],
                    ) -> list[tuple[float, float | None] | None]:
        coords = ";".join(f"{lon:.6f},{lat:.6f}" for lat, lon in [*sources, dest])
        src = ";".join(str(i) for i in range(len(sources)))
        url = (f"{self.base_url}/table/v1/{self.profile}/{coords}?sources={src}"
               f"&destinations={len(sources)}&annotations=duration,distance")
        self.requests += 1
        try:
            with urllib.request.urlopen(url, timeout=self.timeout_s) as resp:  # noqa: S310
                body = resp.read(8 * 1024 * 1024)
            data = json.loads(body)
        except urllib.error.HTTPError as exc:
            # OSRM answers errors with 400 and a JSON code; either way: unusable.
            raise OsrmError(f"HTTP {exc.code}") from exc
        except (OSError, ValueError) as exc:  # URLError, timeouts, bad JSON
            raise OsrmError(str(exc) or type(exc).__name__) from exc
        if not isinstance(data, dict) or data.get("code") != "Ok":
            code = data.get("code") if isinstance(data, dict) else None
            raise OsrmError(f"code {code!r}")
        durations = data.get("durations")
        distances = data.get("distances")
        if not isinstance(durations, list) or len(durations) != len(sources):
            raise OsrmError("durations missing or of the wrong size")
        rows: list[tuple[float, float | None] | None] = []
        for i, row in enumerate(durations):
            if not isinstance(row, list) or len(row) != 1:
                raise OsrmError(f"durations[{i}] is not a one-column row")
            dur = row[0]
            if dur is None:
                rows.append(None)
                continue
            if not isinstance(dur, int | float) or isinstance(dur, bool) or dur < 0:
                raise OsrmError(f"durations[{i}][0] is not a duration")
            dist = None
            if isinstance(distances, list) and i < len(distances):
                cell = distances[i][0] if isinstance(distances[i], list) and distances[i] else None
                if isinstance(cell, int | float) and not isinstance(cell, bool) and cell >= 0:
                    dist = float(cell)
            rows.append((float(dur), dist))
        return rows

    # -- Router ---------------------------------------------------------------------
    def factor(self, unit_type: str, when: datetime | None) -> float:
        """Travel-time multiplier for a unit type (OSRM's car = 1) and the hour of day."""
        f = self.type_factors.get(unit_type, 1.0)
        if when is not None:
            f /= self.fallback.hour_factors.get(when.hour, 1.0)
        return f

    def route(self, origin: tuple[float, float], dest: tuple[float, float], unit_type: str,
              when: datetime | None = None) -> Route:
        """OSRM's route from origin to dest, or the straight-line estimate if it fails."""
        return self.travel_to(dest, unit_type, when).route(origin)

    def travel_to(self, dest: tuple[float, float], unit_type: str,
                  when: datetime | None = None) -> OsrmTravelTimes:
        """Travel times to `dest` priced by OSRM in batches."""
        return OsrmTravelTimes(self, dest, unit_type, when)

    def is_monotonic_in_distance(self) -> bool:
        """False: road ETAs do not grow with straight-line distance."""
        return False

    def describe(self) -> dict[str, object]:
        """What the router is, for health pages and logs."""
        return {"via": "road", "source": f"osrm {self.base_url}", "available": self.available(),
                "failures": self.failures, "requests": self.requests}


class OsrmTravelTimes:
    """Travel times to one destination; degrades to straight lines if OSRM fails."""

    def __init__(self, router: OsrmRouter, dest: tuple[float, float], unit_type: str,
                 when: datetime | None) -> None:
        self.router = router
        self.dest = dest
        self.factor = router.factor(unit_type, when)
        self.straight = StraightTravelTimes(router.fallback, dest, unit_type, when)
        self._cache: dict[tuple[float, float], Route] = {}
        self.via = "road" if router.available() else "straight"

    def lower_bound_s(self, straight_m: float) -> float:
        """No OSRM route is faster than the configured top speed (straight: exact)."""
        if self.via == "straight":
            return self.straight.lower_bound_s(straight_m)
        return straight_m / (self.router.max_speed_kmh / 3.6) * self.factor

    def _price(self, points: Sequence[tuple[float, float]]) -> None:
        todo = [p for p in dict.fromkeys(points) if p not in self._cache]
        if not todo:
            return
        if self.via == "road" and self.router.available():
            try:
                rows = self.router.table(todo, self.dest)
            except OsrmError as exc:
                self.router._mark_down(str(exc))
            else:
                for p, row in zip(todo, rows, strict=True):
                    if row is None:  # OSRM knows no road: say so with a straight-line guess
                        self._cache[p] = self.straight.route(p)
                    else:
                        dur, dist = row
                        if dist is None:
                            dist = self.straight.route(p).distance_m
                        self._cache[p] = Route(distance_m=dist, eta_s=dur * self.factor, via="road")
                return
        # Straight lines for this and every later question of this destination, so
        # one recommendation never ranks road and straight-line ETAs together.
        self.via = "straight"
        self._cache = {p: self.straight.route(p) for p in {*self._cache, *todo}}

    def etas(self, points: Sequence[tuple[float, float]], within_s: float = math.inf,
             ) -> list[float | None]:
        """ETA for each origin (seconds) within `within_s`."""
        self._price(points)
        out: list[float | None] = []
        for p in points:
            eta = self._cache[p].eta_s
            out.append(eta if eta <= within_s else None)
        return out

    def route(self, point: tuple[float, float]) -> Route:
        """The Route from one origin; `via` says whether OSRM priced it."""
        self._price([point])
        return self._cache[point]
