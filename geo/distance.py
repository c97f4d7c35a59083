"""Great-circle and ellipsoidal distances, and coordinate validation.

Pure functions, no project imports. ``haversine_m`` is the fast workhorse used
for ranking; ``geodesic_m`` (WGS-84, via geopy) is the accurate one for display.
"""

from __future__ import annotations

import math
from numbers import Real

from geopy.distance import geodesic

# Mean Earth radius (IUGG), metres.
EARTH_RADIUS_M = 6_371_008.8


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres on a sphere of radius EARTH_RADIUS_M."""
    p1 = math.radians(lat1)
    p2 = math.radians(lat2)
    dp = p2 - p1
    dl = math.radians(lon2 - lon1)
    a = math.sin(dp / 2.0) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2.0) ** 2
    # Clamp: rounding can push `a` a hair above 1 for antipodal points.
    a = min(1.0, max(0.0, a))
    return 2.0 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


def geodesic_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Ellipsoidal (WGS-84) distance in metres, via geopy."""
    return float(geodesic((lat1, lon1), (lat2, lon2)).meters)


def _is_finite_real(value: object) -> bool:
    # bool is a subclass of int, but True/False is never a coordinate.
    if isinstance(value, bool) or not isinstance(value, Real):
        return False
    return math.isfinite(float(value))


def valid_lat_lon(lat: object, lon: object) -> bool:
    """True if lat/lon are finite real numbers within [-90, 90] and [-180, 180]."""
    if not (_is_finite_real(lat) and _is_finite_real(lon)):
        return False
    return -90.0 <= float(lat) <= 90.0 and -180.0 <= float(lon) <= 180.0  # type: ignore[arg-type]
