"""The operator console: the live map where 112 calls are taken and units dispatched."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Response, render_template, request
from flask_login import current_user

from dispatch.domain.constants import CALL_TYPES, CATEGORIES, PRIORITIES

from ..auth import roles_required, runtime
from .strings import CHANNEL_CHOICES, js_strings

bp = Blueprint("console", __name__, url_prefix="/console")

DEFAULT_PROCESSING_TARGET_S = 64


def tile_origin(tile_url: str) -> str | None:
    """The origin a tile URL template loads from, for the CSP (None for none or local)."""
    if not tile_url:
        return None
    parts = urlsplit(tile_url)
    if not parts.scheme or not parts.netloc:
        return None  # a path on this server: 'self' covers it
    host = parts.netloc.replace("{s}", "*")
    return f"{parts.scheme}://{host}"


def content_security_policy(tile_url: str, host: str) -> str:
    """A strict CSP: only our own scripts and styles; images also from the tile server."""
    img = ["'self'", "data:"]
    origin = tile_origin(tile_url)
    if origin:
        img.append(origin)
    connect = ["'self'", f"ws://{host}", f"wss://{host}"]
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            f"img-src {' '.join(img)}",
            f"connect-src {' '.join(connect)}",
            "font-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def processing_target_s() -> int:
    """The call-processing target of the city pack (64 s unless the pack says otherwise)."""
    targets = runtime().city.settings.get("kpi_targets") or {}
    try:
        return int((targets.get("processing") or {}).get("target_s", DEFAULT_PROCESSING_TARGET_S))
    except (TypeError, ValueError):
        return DEFAULT_PROCESSING_TARGET_S


@bp.get("")
@roles_required("operator")
def index() -> Any:
    """The console page; data arrives through the API and Socket.IO."""
    rt = runtime()
    config = {
        "tileUrl": rt.settings.tile_url or "",
        "processingTargetS": processing_target_s(),
        "user": {"username": current_user.username, "role": current_user.role},
        "categories": list(CATEGORIES),
        "priorities": list(PRIORITIES),
        "callTypes": list(CALL_TYPES),
    }
    html = render_template(
        "console/index.html",
        config=config,
        strings=js_strings(),
        categories=CATEGORIES,
        priorities=PRIORITIES,
        call_types=CALL_TYPES,
        channels=CHANNEL_CHOICES,
    )
    resp = Response(html, mimetype="text/html")
    resp.headers["Content-Security-Policy"] = content_security_policy(
        rt.settings.tile_url or "", request.host
    )
    resp.headers["Cache-Control"] = "no-store"
    return resp
