"""The crew app: a phone page where a unit's crew sees its order, answers it and taps its
status, and may share the phone's position as the unit's tracker (role `unit`)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, render_template, request
from flask_login import current_user

from units import crew

from .. import api
from ..auth import roles_required, runtime
from ..console import content_security_policy
from .strings import crew_strings

bp = Blueprint("crew", __name__, url_prefix="/crew")
api_bp = Blueprint("crew_api", __name__, url_prefix="/api/v1/crew")
api_bp.before_request(api._limits_and_csrf)  # the API's body limit and CSRF rule


@bp.get("")
@roles_required("unit")
def index() -> Any:
    """The crew page; its data comes from /api/v1/crew/state."""
    rt = runtime()
    config = {"unitId": current_user.username, "pollS": 3,
              "statuses": list(crew.CREW_STATUSES)}
    html = render_template("crew/index.html", config=config, strings=crew_strings())
    resp = Response(html, mimetype="text/html")
    resp.headers["Content-Security-Policy"] = content_security_policy(
        rt.settings.tile_url or "", request.host)
    resp.headers["Cache-Control"] = "no-store"
    return resp


@api_bp.get("/state")
@roles_required("unit")
def state() -> Any:
    """The unit's status and current order."""
    return jsonify(crew.crew_state(runtime(), current_user.username))


@api_bp.post("/taps")
@roles_required("unit")
def tap() -> Any:
    """One tap: ack/decline, a status, or a position (`tap_id` makes a resend harmless)."""
    result = crew.crew_tap(runtime(), current_user.username, api.body())
    result["state"] = crew.crew_state(runtime(), current_user.username)
    return jsonify(result)


def init_app(app: Any) -> None:
    """Register the page and its API (CSRF checked by the API's own rule)."""
    from ..extensions import csrf

    app.register_blueprint(bp)
    app.register_blueprint(api_bp)
    csrf.exempt(api_bp)
