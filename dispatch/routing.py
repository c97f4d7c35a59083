"""Which router a runtime uses: OSRM, the city's road file, or straight lines.

The one place that turns settings and a city pack into a ``Router``:

- ``SIAGA_OSRM_URL`` set: ``OsrmRouter`` (straight lines while it is unreachable);
- else ``SIAGA_ROADS`` (a path) or the pack's ``roads`` file: ``RoadRouter`` on it;
- ``SIAGA_ROADS=none``, a pack without roads, or a road file that cannot be read:
  the straight-line router, whose recommendations say ``via: "straight"``.

Road networks are cached per file (path, size, modification time, speeds), so the
many runtimes of a test run or a simulator load a file once.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from geo.osrm import OsrmRouter
from geo.roads import RoadNetwork, RoadNetworkError, RoadRouter, load_osm
from geo.routing import Router, StraightLineRouter

from .citypack import CityPack
from .config import Settings

log = logging.getLogger(__name__)

_CACHE: dict[tuple[Any, ...], RoadNetwork] = {}
_CACHE_LOCK = threading.Lock()


def straight_router(city: CityPack) -> StraightLineRouter:
    """The straight-line model with the city's speeds and circuity."""
    eta = dict(city.settings.get("eta") or {})
    return StraightLineRouter(speeds_kmh=eta.get("speeds_kmh"),
                              circuity=float(eta.get("circuity", 1.35)))


def roads_path(settings: Settings, city: CityPack) -> Path | None:
    """The road file to use, or None for straight lines (SIAGA_ROADS=none, no pack file)."""
    if settings.roads:
        if settings.roads.strip().lower() in ("none", "off", "0", "false"):
            return None
        return Path(settings.roads).expanduser()
    return city.roads


def road_network(path: Path, speed_overrides: Mapping[str, Mapping[str, float]] | None = None,
                 offroad_speed_kmh: float = 15.0) -> RoadNetwork:
    """Load a road file once per content version and speed table."""
    st = path.stat()
    key = (str(path.resolve()), st.st_size, st.st_mtime_ns,
           json.dumps(speed_overrides or {}, sort_keys=True), float(offroad_speed_kmh))
    with _CACHE_LOCK:
        net = _CACHE.get(key)
        if net is None:
            net = load_osm(path, speed_overrides, offroad_speed_kmh=offroad_speed_kmh)
            _CACHE[key] = net
            log.info("road network %s: %d nodes, %d segments (%d cut off)", path,
                     net.n_nodes, net.n_segments, net.dropped_segments)
        return net


def build_router(settings: Settings, city: CityPack) -> Router:
    """The runtime's router (see the module docstring for the order of choice)."""
    straight = straight_router(city)
    if settings.osrm_url:
        eta = dict(city.settings.get("eta") or {})
        return OsrmRouter(settings.osrm_url, fallback=straight, timeout_s=settings.osrm_timeout_s,
                          type_factors=eta.get("osrm_type_factors"))
    path = roads_path(settings, city)
    if path is None:
        return straight
    eta = dict(city.settings.get("eta") or {})
    try:
        net = road_network(path, eta.get("road_speeds_kmh"),
                           float(eta.get("offroad_speed_kmh", 15.0)))
    except (OSError, RoadNetworkError, ValueError) as exc:
        # A dispatch center keeps dispatching: straight lines, loudly.
        log.error("road file %s unusable (%s); ETAs use straight lines", path, exc)
        return straight
    return RoadRouter(net)
