"""/webhooks/whatsapp: Meta's WhatsApp Business Cloud API webhook.

No login and no CSRF token: Meta is not a user. GET answers the subscription challenge
with the verify token; POST is authenticated by `X-Hub-Signature-256` (HMAC-SHA256 of the
raw body with the app secret), checked before the body is even parsed.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, Response, jsonify, request
from werkzeug.exceptions import HTTPException

from dispatch.services import whatsapp
from dispatch.services.errors import ServiceError

from .auth import runtime
from .errors import json_error
from .extensions import csrf
from .inputs import BadInput, read_json

bp = Blueprint("whatsapp", __name__)


@bp.get("/webhooks/whatsapp")
def verify() -> Any:
    """The subscription handshake: the challenge back, as plain text."""
    args = request.args
    value = whatsapp.challenge(runtime(), args.get("hub.mode"), args.get("hub.verify_token"),
                               args.get("hub.challenge"))
    return Response(value, 200, mimetype="text/plain")


@bp.post("/webhooks/whatsapp")
def notify() -> Any:
    """A signed notification: messages into the intake queue, statuses counted."""
    rt = runtime()
    request.max_content_length = rt.settings.whatsapp_max_body_bytes
    raw = request.get_data(cache=False)
    whatsapp.authenticate(rt, raw, request.headers.get(whatsapp.SIGNATURE_HEADER))
    try:
        data = read_json(raw)
    except BadInput as err:
        whatsapp.count(rt, "rejected", "malformed_json")
        return json_error(400, "malformed_json", err.message, "body")
    return jsonify(whatsapp.receive(rt, data))


@bp.errorhandler(ServiceError)
def _refused(err: ServiceError) -> Any:
    # Meta sends no Accept header worth honouring: always the JSON shape, with the reason.
    return json_error(err.status, err.code, err.message, err.field)


@bp.errorhandler(HTTPException)
def _http(err: HTTPException) -> Any:
    if err.code == 413:
        whatsapp.count(runtime(), "rejected", "too_large")
    return json_error(err.code or 400, (err.name or "error").lower().replace(" ", "_"),
                      err.description or err.name)


def init_app(app: Flask) -> None:
    """Register the webhook, outside CSRF (the signature authenticates it)."""
    app.register_blueprint(bp)
    csrf.exempt(bp)
