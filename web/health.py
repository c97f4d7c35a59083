"""GET /healthz: no login; the state of the database, the broker and the drop counters."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify

from dispatch.db.engine import ping

from .auth import runtime

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> Any:
    """200 when the database answers, 503 otherwise."""
    rt = runtime()
    db_ok = ping(rt.engine)
    gateway = rt.extensions.get("mqtt_gateway")
    broker: dict[str, Any] = {"configured": gateway is not None}
    if gateway is not None:
        broker["connected"] = bool(getattr(gateway, "connected", False))
        broker["url"] = getattr(gateway, "public_url", None)
    body = {
        "status": "ok" if db_ok else "degraded",
        "database": {"ok": db_ok, "dialect": rt.engine.dialect.name},
        "broker": broker,
        "units": len(rt.fleet),
        "counters": rt.counters.snapshot(),
        "bus_errors": rt.bus.errors,
    }
    resp = jsonify(body)
    resp.status_code = 200 if db_ok else 503
    return resp
