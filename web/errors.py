"""One JSON error shape for the API: {"error": {"code", "message", "field"?}}."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, jsonify, request
from werkzeug.exceptions import HTTPException

from dispatch.services.errors import ServiceError


def json_error(status: int, code: str, message: str, field: str | None = None) -> Response:
    """A JSON error response."""
    body: dict[str, Any] = {"code": code, "message": message}
    if field:
        body["field"] = field
    resp = jsonify({"error": body})
    resp.status_code = status
    return resp


def wants_json() -> bool:
    """True for API and machine clients, who get JSON errors instead of pages."""
    return request.path.startswith("/api/") or request.path == "/healthz" or (
        request.accept_mimetypes.best == "application/json"
    )


def register_error_handlers(app: Flask) -> None:
    """JSON errors for the API, plain pages elsewhere; never a bare 500 for bad input."""

    @app.errorhandler(ServiceError)
    def _service_error(err: ServiceError) -> Any:
        if wants_json():
            return json_error(err.status, err.code, err.message, err.field)
        return err.message, err.status

    @app.errorhandler(HTTPException)
    def _http_error(err: HTTPException) -> Any:
        if wants_json():
            code = (err.name or "error").lower().replace(" ", "_")
            return json_error(err.code or 500, code, err.description or err.name)
        return err

    @app.errorhandler(Exception)
    def _unexpected(err: Exception) -> Any:
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        if wants_json():
            return json_error(500, "internal", "internal error; the event was logged")
        return "Kesalahan internal / Internal error", 500
