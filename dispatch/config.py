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
    # Reverse proxies in front of the app whose X-Forwarded-For/-Proto/-Host are believed
    # (0: none; a direct client could otherwise pick its own address and dodge throttles).
    trusted_proxies: int = 0
    # /metrics: a scraper sends `Authorization: Bearer <token>`; unset: loopback clients only.
    metrics_token: str | None = None
    # Accounts (issue 16): login throttles (Flask-Limiter strings), lockout, token lifetime.
    login_rate_address: str = "30 per minute"
    login_rate_account: str = "20 per minute"
    api_auth_fail_rate: str = "30 per minute"
    lockout_failures: int = 10
    lockout_window_minutes: int = 15
    lockout_minutes: int = 15
    token_days: int = 90
    roads: str | None = None  # .osm/.osm.pbf file, "none" for straight lines; None: the pack's
    osrm_url: str | None = None  # an OSRM server for road ETAs instead of the road file
    osrm_timeout_s: float = 2.0
    # What this process does (issue 11): "all" (one process), "web" (HTTP and Socket.IO only)
    # or "worker" (MQTT ingest, order publishing, timers, outbox); set by `serve --role`.
    role: str = "all"
    # MQTT shared-subscription group of the ingest topics (`$share/<group>/…`): each fix is
    # handled by one process of the group. None: "siaga112" for workers, none for role all;
    # "none" turns sharing off.
    mqtt_shared_group: str | None = None
    upload_dir: str | None = None  # complaint photos; None: var/uploads beside the database
    # WhatsApp Business Cloud API (issue 12). No verify token: GET /webhooks/whatsapp is a
    # 404; no app secret: POST is a 503 (Meta keeps retrying until it is configured); no
    # access token: nothing is replied.
    whatsapp_verify_token: str | None = None
    whatsapp_app_secret: str | None = None
    whatsapp_access_token: str | None = None
    whatsapp_api_url: str = "https://graph.facebook.com/v21.0"
    # Replies about a ticket whose sender never wrote to us (typed in by an operator).
    whatsapp_phone_number_id: str | None = None
    # Messages of one sender this close together (seconds) are one intake item.
    whatsapp_window_s: float = 120.0
    # A non-emergency this sure (and located) becomes a complaint with no operator.
    whatsapp_auto_complaint_confidence: float = 0.9
    whatsapp_max_body_bytes: int = 1024 * 1024
    extra: Mapping[str, Any] = field(default_factory=dict)

    def with_(self, **changes: Any) -> Settings:
        """A copy with some fields changed."""
        return replace(self, **changes)


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None:
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


def _proxies(value: str | None) -> int:
    try:
        count = int(value or 0)
    except ValueError:
        raise ValueError(f"SIAGA_TRUSTED_PROXIES must be a number of proxies, not {value!r}") from None
    if not 0 <= count <= 5:
        raise ValueError(f"SIAGA_TRUSTED_PROXIES must be 0-5, not {count}")
    return count


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
        trusted_proxies=_proxies(env.get("SIAGA_TRUSTED_PROXIES")),
        metrics_token=env.get("SIAGA_METRICS_TOKEN") or None,
        login_rate_address=env.get("SIAGA_LOGIN_RATE_ADDRESS", base.login_rate_address),
        login_rate_account=env.get("SIAGA_LOGIN_RATE_ACCOUNT", base.login_rate_account),
        api_auth_fail_rate=env.get("SIAGA_API_AUTH_FAIL_RATE", base.api_auth_fail_rate),
        lockout_failures=int(env.get("SIAGA_LOCKOUT_FAILURES", base.lockout_failures)),
        lockout_window_minutes=int(env.get("SIAGA_LOCKOUT_WINDOW_MINUTES",
                                           base.lockout_window_minutes)),
        lockout_minutes=int(env.get("SIAGA_LOCKOUT_MINUTES", base.lockout_minutes)),
        token_days=int(env.get("SIAGA_TOKEN_DAYS", base.token_days)),
        roads=env.get("SIAGA_ROADS") or None,
        osrm_url=env.get("SIAGA_OSRM_URL") or None,
        osrm_timeout_s=float(env.get("SIAGA_OSRM_TIMEOUT_S", base.osrm_timeout_s)),
        upload_dir=env.get("SIAGA_UPLOAD_DIR") or None,
        mqtt_shared_group=env.get("SIAGA_MQTT_SHARED_GROUP") or None,
        whatsapp_verify_token=env.get("SIAGA_WHATSAPP_VERIFY_TOKEN") or None,
        whatsapp_app_secret=env.get("SIAGA_WHATSAPP_APP_SECRET") or None,
        whatsapp_access_token=env.get("SIAGA_WHATSAPP_ACCESS_TOKEN") or None,
        whatsapp_api_url=(env.get("SIAGA_WHATSAPP_API_URL") or base.whatsapp_api_url).rstrip("/"),
        whatsapp_phone_number_id=env.get("SIAGA_WHATSAPP_PHONE_NUMBER_ID") or None,
        whatsapp_window_s=float(env.get("SIAGA_WHATSAPP_WINDOW_S", base.whatsapp_window_s)),
        whatsapp_auto_complaint_confidence=float(env.get(
            "SIAGA_WHATSAPP_AUTO_COMPLAINT_CONFIDENCE", base.whatsapp_auto_complaint_confidence)),
    )


def ensure_sqlite_dir(url: str) -> None:
    """Create the folder of a file-based SQLite URL so a fresh checkout just works."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith("sqlite:///:memory:"):
        path = Path(url[len(prefix):].split("?", 1)[0])
        if str(path):
            path.parent.mkdir(parents=True, exist_ok=True)
