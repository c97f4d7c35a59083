"""Fixed vocabularies shared by every room; the exact strings are contracts."""

from __future__ import annotations

UNIT_TYPES: tuple[str, ...] = ("fire_engine", "ambulance", "police", "rescue")

CATEGORIES: tuple[str, ...] = (
    "fire",
    "traffic_accident",
    "disaster",
    "animal_disturbance",
    "unrest",
    "medical",
    "non_emergency",
)
EMERGENCY_CATEGORIES: tuple[str, ...] = CATEGORIES[:-1]

CALL_TYPES: tuple[str, ...] = ("genuine", "ghost", "prank", "information")

CHANNELS: tuple[str, ...] = ("call", "whatsapp", "sms", "web", "walk_in", "aml", "open311", "api")

UNIT_STATUSES: tuple[str, ...] = (
    "available",
    "dispatched",
    "en_route",
    "on_scene",
    "transporting",
    "at_hospital",
    "returning",
    "out_of_service",
    "offline",
)

INCIDENT_STATUSES: tuple[str, ...] = ("open", "dispatched", "on_scene", "closed")

ACTOR_TYPES: tuple[str, ...] = ("operator", "unit", "system")

PRIORITIES: tuple[int, ...] = (1, 2, 3, 4)
