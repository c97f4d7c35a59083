"""Pure geometry for Siaga112: distances, ETAs, spatial and district indexes, coordinate parsing.

This package imports nothing else from the project.
"""

from geo.coords import (
    AmlLocation,
    AmlMessage,
    CoordinateError,
    looks_like_aml,
    parse_aml,
    parse_coordinates,
)
from geo.distance import EARTH_RADIUS_M, geodesic_m, haversine_m, valid_lat_lon
from geo.districts import DistrictIndex, Location
from geo.routing import Route, Router, StraightLineRouter
from geo.spatial import PointIndex

__all__ = [
    "EARTH_RADIUS_M",
    "AmlLocation",
    "AmlMessage",
    "CoordinateError",
    "DistrictIndex",
    "Location",
    "PointIndex",
    "Route",
    "Router",
    "StraightLineRouter",
    "geodesic_m",
    "haversine_m",
    "looks_like_aml",
    "parse_aml",
    "parse_coordinates",
    "valid_lat_lon",
]
