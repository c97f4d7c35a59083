"""Open311 GeoReport v2 under /open311/v2/: JSON arrays or XML, errors as
[{"code": status, "description": ...}]. Reads are public; POST needs an API token as api_key."""

from __future__ import annotations

import json
from typing import Any
from xml.etree import ElementTree as ET

from flask import Blueprint, Flask, Response, request
from werkzeug.exceptions import HTTPException

from dispatch.services import accounts, open311
from dispatch.services.errors import ServiceError

from ..auth import runtime
from ..complaints import rate_limited
from ..extensions import csrf

bp = Blueprint("open311", __name__, url_prefix="/open311/v2")
FMT = "<any(json, xml):fmt>"


def init_app(app: Flask) -> None:
    """Register the blueprint (form posts carry an api_key, not a CSRF token)."""
    app.register_blueprint(bp)
    csrf.exempt(bp)


def _xml_value(parent: ET.Element, key: str, value: Any) -> None:
    el = ET.SubElement(parent, key)
    if value is None:
        return
    if isinstance(value, bool):
        el.text = "true" if value else "false"
    elif isinstance(value, list):
        for item in value:
            _xml_item(el, "attribute", item)
    else:
        el.text = str(value)


def _xml_item(parent: ET.Element, tag: str, item: dict[str, Any]) -> None:
    el = ET.SubElement(parent, tag)
    for key, value in item.items():
        _xml_value(el, key, value)


def render(data: Any, fmt: str, root: str, item: str, status: int = 200) -> Response:
    """JSON as is, or XML: <root><item>…</item></root> (a dict becomes the root itself)."""
    if fmt == "xml":
        top = ET.Element(root)
        if isinstance(data, dict):
            for key, value in data.items():
                _xml_value(top, key, value)
        else:
            for entry in data:
                _xml_item(top, item, entry)
        body = b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(top, encoding="utf-8")
        return Response(body, status=status, mimetype="text/xml")
    return Response(json.dumps(data, ensure_ascii=False), status=status,
                    mimetype="application/json")


def error(status: int, description: str, fmt: str | None = None) -> Response:
    """An Open311 error list in the request's format."""
    fmt = fmt or ("xml" if request.path.endswith(".xml") else "json")
    return render([{"code": status, "description": description}], fmt, "errors", "error",
                  status)


@bp.errorhandler(ServiceError)
def _service_error(err: ServiceError) -> Response:
    return error(err.status, err.message)


@bp.errorhandler(HTTPException)
def _http_error(err: HTTPException) -> Response:
    return error(err.code or 400, err.description or err.name)


@bp.before_request
def _limit() -> None:
    request.max_content_length = 64 * 1024


@bp.get(f"/services.{FMT}")
def services(fmt: str) -> Response:
    """The service list: one per complaint category."""
    return render(open311.services(runtime()), fmt, "services", "service")


@bp.get(f"/services/<code>.{FMT}")
def service_definition(code: str, fmt: str) -> Response:
    """A service definition (no extra attributes)."""
    return render(open311.service_definition(runtime(), code), fmt, "service_definition",
                  "attribute")


@bp.post(f"/requests.{FMT}")
def create_request(fmt: str) -> Response:
    """Create a service request (form-encoded, api_key = an API token)."""
    # The limit comes first so it also slows down anyone guessing api keys.
    if rate_limited("OPEN311_POST_RATE") is not None:
        return error(429, "too many requests; try again later", fmt)
    form = request.form
    user = accounts.user_for_token(runtime(), (form.get("api_key") or "").strip())
    if user is None:
        return error(403, "api_key is missing or invalid", fmt)
    # 200, as GeoReport v2 servers answer (older clients test for exactly 200).
    return render(open311.create_request(runtime(), form), fmt, "service_requests", "request")


@bp.get(f"/requests.{FMT}")
def list_requests(fmt: str) -> Response:
    """Service requests, newest first, with the spec's filters."""
    return render(open311.get_requests(runtime(), request.args), fmt, "service_requests",
                  "request")


@bp.get(f"/requests/<request_id>.{FMT}")
def get_request(request_id: str, fmt: str) -> Response:
    """One service request as a one-element list."""
    return render(open311.get_request(runtime(), request_id), fmt, "service_requests",
                  "request")


@bp.route("/<path:rest>", methods=["GET", "POST"])
def not_found(rest: str) -> Response:
    """Anything else under /open311/v2/ is an Open311 404."""
    return error(404, "no such Open311 resource (try services.json or requests.json)")
