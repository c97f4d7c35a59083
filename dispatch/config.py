"""Settings from the environment (12-factor) with embedded defaults."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

DEFAULT_DATABASE_URL = "sqlite:///var/siaga112.db"


@dataclass(frozen=True)
class Settings:
    """Everything the runtime needs to know about its surroundings."""

    database_url: str = DEFAULT_DATABASE_URL
    mqtt_url: str | None = None  # None: the demo runs an embedded broker
    redis_url: str | None = None
    city: str | None = None  # path or name of the city pack; None: Kota Kediri
    secret_key: str | None = None
    mqtt_prefix: str = "siaga"
    ack_timeout_s: float = 30.0
    track_retention_days: int = 30
    max_body_bytes: int = 64 * 1024
    session_minutes: int = 12 * 60  # one operator shift
    tile_url: str = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    secure_cookies: bool = False
    roads: str | None = None  # .osm/.osm.pbf file, "none" for straight lines; None: the pack's
    osrm_url: str | None = None  # an OSRM server for road ETAs instead of the road file
    osrm_timeout_s: float = 2.0
    extra: Mapping[str, Any] = field(default_factory=dict)

    def with_(self, **changes: Any) -> Settings:
        """A copy with some fields changed."""
        return replace(self, **changes)


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None:
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


def settings_from_env(env: Mapping[str, str] | None = None) -> Settings:
    """Read SIAGA_* variables; unset ones keep their defaults."""
    env = os.environ if env is None else env
    base = Settings()
    return Settings(
        database_url=env.get("SIAGA_DATABASE_URL", base.database_url),
        mqtt_url=env.get("SIAGA_MQTT_URL") or None,
        redis_url=env.get("SIAGA_REDIS_URL") or None,
        city=env.get("SIAGA_CITY") or None,
        secret_key=env.get("SIAGA_SECRET_KEY") or None,
        mqtt_prefix=env.get("SIAGA_MQTT_PREFIX", base.mqtt_prefix),
        ack_timeout_s=float(env.get("SIAGA_ACK_TIMEOUT_S", base.ack_timeout_s)),
        track_retention_days=int(env.get("SIAGA_TRACK_RETENTION_DAYS", base.track_retention_days)),
        tile_url=env.get("SIAGA_TILE_URL", base.tile_url),
        secure_cookies=_bool(env.get("SIAGA_SECURE_COOKIES"), base.secure_cookies),
        roads=env.get("SIAGA_ROADS") or None,
        osrm_url=env.get("SIAGA_OSRM_URL") or None,
        osrm_timeout_s=float(env.get("SIAGA_OSRM_TIMEOUT_S", base.osrm_timeout_s)),
    )


def ensure_sqlite_dir(url: str) -> None:
    """Create the folder of a file-based SQLite URL so a fresh checkout just works."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith("sqlite:///:memory:"):
        path = Path(url[len(prefix):].split("?", 1)[0])
        if str(path):
            path.parent.mkdir(parents=True, exist_ok=True)
