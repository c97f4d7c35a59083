"""GET /healthz: no login, only "ok" or "not ok" and why. The detail (counters, broker
address, bus errors) is for staff at /healthz/detail and in /metrics."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify

from dispatch.db.engine import ping

from .auth import roles_required, runtime

bp = Blueprint("health", __name__)


def _checks() -> tuple[bool, dict[str, str], list[str]]:
    rt = runtime()
    db_ok = ping(rt.engine)
    gateway = rt.orders
    checks = {"database": "ok" if db_ok else "unreachable"}
    reasons = [] if db_ok else ["database unreachable / basis data tidak terjangkau"]
    if gateway is not None:
        connected = bool(getattr(gateway, "connected", False))
        checks["broker"] = "ok" if connected else "disconnected"
        if not connected:
            reasons.append("MQTT broker disconnected / broker MQTT terputus")
    redis_ok = True
    if rt.settings.redis_url:
        # Configured Redis carries the consoles' events between processes: without it a
        # console on another process goes blind, so this server is not ok.
        redis_ok = _redis_answers(rt.settings.redis_url)
        checks["redis"] = "ok" if redis_ok else "unreachable"
        if not redis_ok:
            reasons.append("Redis unreachable / Redis tidak terjangkau")
    return db_ok and redis_ok, checks, reasons


def _redis_answers(url: str) -> bool:
    import redis

    try:
        client = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        try:
            return bool(client.ping())
        finally:
            client.close()
    except (redis.RedisError, OSError, ValueError):
        return False


@bp.get("/healthz")
def healthz() -> Any:
    """200 when the database (and a configured Redis) answer, 503 otherwise; no counters,
    names or addresses."""
    db_ok, checks, reasons = _checks()
    resp = jsonify({"status": "ok" if not reasons else ("degraded" if db_ok else "down"),
                    "checks": checks, "reasons": reasons})
    resp.status_code = 200 if db_ok else 503
    return resp


@bp.get("/healthz/detail")
@roles_required("operator", "supervisor", "admin")
def healthz_detail() -> Any:
    """The staff view: database dialect, broker address, units, counters, bus errors."""
    rt = runtime()
    db_ok, checks, reasons = _checks()
    gateway = rt.orders
    broker: dict[str, Any] = {"configured": gateway is not None}
    if gateway is not None:
        broker["connected"] = bool(getattr(gateway, "connected", False))
        broker["url"] = getattr(gateway, "public_url", None)
    return jsonify({
        "status": "ok" if not reasons else ("degraded" if db_ok else "down"),
        "checks": checks, "reasons": reasons,
        "database": {"ok": db_ok, "dialect": rt.engine.dialect.name},
        "broker": broker,
        "units": len(rt.fleet),
        "counters": rt.counters.snapshot(),
        "bus_errors": rt.bus.errors,
    })
