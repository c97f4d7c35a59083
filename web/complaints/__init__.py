"""The citizen complaint portal (/lapor), the OPD inbox (/opd), the coordinator's views and
the staff complaint API (/api/v1/complaints). Handlers parse, call one service, render."""

from __future__ import annotations

import logging
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_limiter.util import get_remote_address
from flask_login import current_user
from flask_wtf.csrf import CSRFError, validate_csrf
from limits import RateLimitItemPerSecond
from wtforms import ValidationError as WtfValidationError

from dispatch.domain import citytime
from dispatch.domain import complaints as rules
from dispatch.ports import PhotoStore
from dispatch.services import complaints, webhooks
from dispatch.services.errors import ServiceError, ValidationError

from ..auth import roles_required, runtime
from ..errors import json_error
from ..extensions import csrf, limiter
from ..inputs import BadInput, read_json
from .ratelimit import parse_rate

log = logging.getLogger(__name__)

bp = Blueprint("complaints", __name__)
api_bp = Blueprint("complaints_api", __name__, url_prefix="/api/v1/complaints")

FORM_FIELDS = ("description", "category", "address", "reporter_name", "reporter_phone",
               "reporter_email")
PAGE_BODY_LIMIT = 6 * 1024 * 1024  # a 5 MB photo and the form around it


def init_app(app: Flask) -> None:
    """Register both blueprints and the rate limiters."""
    rt = app.extensions["siaga112"]
    app.config.setdefault("COMPLAINT_FORM_RATE", "5/600")
    app.config.setdefault("OPEN311_POST_RATE", "30/3600")
    if app.config.get("SIAGA_UPLOAD_DIR"):
        rt.photos = PhotoStore(Path(app.config["SIAGA_UPLOAD_DIR"]))
    for name in ("COMPLAINT_FORM_RATE", "OPEN311_POST_RATE"):
        parse_rate(app.config[name])  # a bad setting fails at start, not on a citizen's post
    app.register_blueprint(bp)
    app.register_blueprint(api_bp)
    csrf.exempt(api_bp)  # checked below for session calls; Bearer calls carry no cookie


def rate_limited(name: str) -> Response | None:
    """A 429 answer when this client IP is over the named limit, else None.

    Counted in the app's one Flask-Limiter store (Redis when SIAGA_REDIS_URL is set), so
    the limit holds across every web process, not per process.
    """
    count, window = parse_rate(current_app.config[name])
    item = RateLimitItemPerSecond(count, max(1, int(window)))
    key = get_remote_address() or "?"
    try:
        if limiter.limiter.hit(item, name, key):
            return None
        reset = limiter.limiter.get_window_stats(item, name, key).reset_time
    except Exception:  # a throttle store that is down must not stop citizens reporting
        log.exception("complaint rate limit store unavailable")
        return None
    resp = Response("Terlalu banyak permintaan, coba lagi nanti / Too many requests, "
                    "try again later", status=429, mimetype="text/plain")
    resp.headers["Retry-After"] = str(max(1, int(reset - time.time()) + 1))
    return resp


def _actor() -> complaints.ComplaintActor:
    return complaints.staff_actor(runtime(), current_user.role, current_user.username,
                                  current_user.id, current_user.opd_code)


def _float_field(name: str) -> float | None:
    raw = (request.form.get(name) or "").strip()
    if not raw:
        return None
    try:
        return float(raw)
    except ValueError:
        raise ValidationError(f"{name} must be a number", name) from None


# ----------------------------------------------------------------------------- citizen portal


@bp.before_request
def _page_limits() -> None:
    request.max_content_length = PAGE_BODY_LIMIT


def _form_page(error: ServiceError | None = None, status: int = 200) -> Any:
    rt = runtime()
    values = {k: (request.form.get(k) or "")[:4000] for k in (*FORM_FIELDS, "lat", "lon")}
    return render_template(
        "complaints/form.html", categories=complaints.categories(rt), values=values,
        error=error, city=rt.city, tile_url=rt.settings.tile_url,
    ), status


@bp.errorhandler(BadInput)
def _bad_input(err: BadInput) -> Any:
    # A citizen's form with a NUL is refused before the view runs (the CSRF check reads the
    # form first): they get the form back with the message, as for any invalid field.
    if request.endpoint == "complaints.submit":
        return _form_page(err, err.status)
    return err.message, err.status


@bp.get("/lapor")
def form() -> Any:
    """The public complaint form (no login)."""
    return _form_page()


@bp.post("/lapor")
def submit() -> Any:
    """Take a complaint from the public form: rate-limited, photo checked by content."""
    limited = rate_limited("COMPLAINT_FORM_RATE")
    if limited is not None:
        return limited
    rt = runtime()
    try:
        data: dict[str, Any] = {k: request.form.get(k) or None for k in FORM_FIELDS}
        lat, lon = _float_field("lat"), _float_field("lon")
        if lat is not None or lon is not None:
            data["lat"], data["lon"] = lat, lon
        photo = None
        upload = request.files.get("photo")
        if upload is not None and upload.filename:
            photo = upload.stream.read(complaints.MAX_PHOTO_BYTES + 1)
        created = complaints.create_complaint(rt, data, "web", None, photo=photo)
    except ServiceError as err:
        return _form_page(err, err.status)
    return render_template("complaints/submitted.html", created=created), 201


@bp.get("/lapor/peta")
def public_map_page() -> Any:
    """The public, anonymised map of complaints."""
    rt = runtime()
    return render_template("complaints/map.html", city=rt.city, tile_url=rt.settings.tile_url)


@bp.get("/lapor/peta.json")
def public_map_data() -> Any:
    """GeoJSON behind the public map: points rounded to ~110 m, no text from citizens."""
    return jsonify(complaints.public_map(runtime()))


def _track_page(ticket: str, error: str | None = None, status: int = 200) -> Any:
    view = complaints.public_view(runtime(), ticket)
    if view is None:
        abort(404)
    return render_template("complaints/track.html", c=view, error=error), status


@bp.get("/lapor/<ticket>")
def track(ticket: str) -> Any:
    """The public page of one ticket: status and replies, no personal data."""
    return _track_page(ticket)


@bp.post("/lapor/<ticket>/buka")
def reopen(ticket: str) -> Any:
    """The reporter reopens a resolved ticket with the access code."""
    limited = rate_limited("COMPLAINT_FORM_RATE")
    if limited is not None:
        return limited
    if complaints.public_view(runtime(), ticket) is None:
        abort(404)
    try:
        complaints.citizen_reopen(runtime(), ticket, request.form.get("code") or "",
                                  request.form.get("reason") or "")
    except ServiceError as err:
        return _track_page(ticket, err.message, err.status)
    return redirect(url_for("complaints.track", ticket=ticket), 303)


# ----------------------------------------------------------------------------- staff pages


@bp.get("/opd")
@roles_required("agency", "operator")
def inbox() -> Any:
    """The complaint inbox: a department sees its own tickets, the coordinator all."""
    actor = _actor()
    status = request.args.get("status") or "open"
    if status not in ("open", "all", *rules.STATUSES):
        status = "open"
    opd = (request.args.get("opd") or "")[:32] or None
    overdue = request.args.get("overdue") == "1"
    rows = complaints.list_complaints(runtime(), actor, status=status, opd_code=opd,
                                      overdue=overdue)
    return render_template("complaints/inbox.html", rows=rows, actor=actor, status=status,
                           opd=opd, overdue=overdue, statuses=rules.STATUSES,
                           opds=runtime().city.opds, labels=rules.STATUS_LABELS)


def _detail_page(ticket: str, error: str | None = None, status: int = 200) -> Any:
    rt = runtime()
    actor = _actor()
    c = complaints.get_complaint(rt, ticket, actor)
    return render_template("complaints/detail.html", c=c, actor=actor, error=error,
                           opds=[o for o in rt.city.opds if not o.coordinator],
                           labels=rules.STATUS_LABELS), status


@bp.get("/opd/<ticket>")
@roles_required("agency", "operator")
def detail(ticket: str) -> Any:
    """One ticket with its history, reply form and the actions the user may take."""
    return _detail_page(ticket)


@bp.post("/opd/<ticket>/aksi")
@roles_required("agency", "operator")
def act(ticket: str) -> Any:
    """Change a ticket's status (CSRF-protected form)."""
    data = {k: request.form.get(k) or None for k in ("reason", "opd_code", "duplicate_of")}
    try:
        complaints.transition(runtime(), ticket, request.form.get("action") or "", _actor(),
                              data)
    except ServiceError as err:
        if err.status == 404:
            raise
        return _detail_page(ticket, err.message, err.status)
    return redirect(url_for("complaints.detail", ticket=ticket), 303)


@bp.post("/opd/<ticket>/balas")
@roles_required("agency", "operator")
def reply(ticket: str) -> Any:
    """Reply to the citizen (public) or leave an internal note."""
    data = {"message": request.form.get("message") or "",
            "public": request.form.get("public", "1") == "1"}
    try:
        complaints.add_reply(runtime(), ticket, data, _actor())
    except ServiceError as err:
        if err.status == 404:
            raise
        return _detail_page(ticket, err.message, err.status)
    return redirect(url_for("complaints.detail", ticket=ticket), 303)


@bp.get("/opd/<ticket>/foto")
@roles_required("agency", "operator")
def photo(ticket: str) -> Any:
    """The complaint's photo, for staff who may see the ticket, never sniffed as HTML."""
    path, mime = complaints.photo_file(runtime(), ticket, _actor())
    resp = send_file(path, mimetype=mime, as_attachment=False, max_age=0)
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    resp.headers["Cache-Control"] = "private, no-store"
    return resp


@bp.get("/pengaduan/webhooks")
@roles_required("admin")
def webhook_page() -> Any:
    """Webhook deliveries, failures first (admin)."""
    rt = runtime()
    state = request.args.get("state") or None
    if state not in (None, "pending", "delivered", "failed"):
        state = None
    return render_template("complaints/webhooks.html", info=webhooks.summary(rt),
                           rows=webhooks.list_deliveries(rt, state), state=state)


@bp.post("/pengaduan/webhooks/<int:delivery_id>/ulang")
@roles_required("admin")
def webhook_retry(delivery_id: int) -> Any:
    """Send a failed delivery again."""
    webhooks.retry(runtime(), delivery_id)
    return redirect(url_for("complaints.webhook_page"), 303)


# ----------------------------------------------------------------------------- staff API


@api_bp.before_request
def _api_limits_and_csrf() -> Any:
    request.max_content_length = runtime().settings.max_body_bytes
    mutating = request.method in ("POST", "PUT", "PATCH", "DELETE")
    if mutating and current_user.is_authenticated and not getattr(current_user, "via_token",
                                                                  False):
        try:
            validate_csrf(request.headers.get("X-CSRFToken", ""))
        except (WtfValidationError, CSRFError) as err:
            return json_error(400, "csrf", f"CSRF token missing or invalid: {err}")
    return None


def _json_body() -> dict[str, Any]:
    raw = request.get_data(cache=True)
    data = read_json(raw) if raw else None
    if not isinstance(data, dict):
        raise ValidationError("request body must be a JSON object", "body")
    return data


def _date_arg(name: str) -> datetime | None:
    # The city's calendar: a bare date is its local midnight (an `end` date includes that
    # day), a time without an offset its wall clock.
    raw = (request.args.get(name) or "").strip()
    if not raw:
        return None
    try:
        return citytime.parse_instant(raw, runtime().city.tz, end_of_day=name == "end")
    except ValueError:
        raise ValidationError(f"{name} harus tanggal atau tanggal-waktu ISO, tahun "
                              f"{citytime.RANGE_TEXT} / {name} must be an ISO date or "
                              f"date-time, years {citytime.RANGE_TEXT}", name) from None


@api_bp.get("")
@roles_required("agency", "operator")
def api_list() -> Any:
    """Tickets the caller may see (?status=open|<status>|all, ?opd=, ?overdue=1)."""
    try:
        limit = int(request.args.get("limit", 200))
    except ValueError:
        raise ValidationError("limit must be an integer", "limit") from None
    return jsonify(complaints.list_complaints(
        runtime(), _actor(), status=request.args.get("status") or None,
        opd_code=(request.args.get("opd") or None), overdue=request.args.get("overdue") == "1",
        limit=limit))


@api_bp.post("")
@roles_required("operator")
def api_create() -> Any:
    """Operator entry of a complaint (WhatsApp, SMS 1708, walk-in, call): verified at once."""
    data = _json_body()
    channel = data.get("channel", "call")
    if not isinstance(channel, str):
        raise ValidationError("channel must be a string", "channel")
    return jsonify(complaints.create_complaint(runtime(), data, channel, _actor())), 201


@api_bp.get("/export.csv")
@roles_required("supervisor")
def api_export_csv() -> Any:
    """All tickets created in [start, end) as CSV for SP4N-LAPOR!."""
    text = complaints.export_csv(runtime(), _date_arg("start"), _date_arg("end"))
    resp = Response(text, mimetype="text/csv")
    resp.headers["Content-Disposition"] = "attachment; filename=pengaduan.csv"
    return resp


@api_bp.get("/export.json")
@roles_required("supervisor")
def api_export_json() -> Any:
    """All tickets created in [start, end) as JSON for SP4N-LAPOR!."""
    return jsonify(complaints.export_rows(runtime(), _date_arg("start"), _date_arg("end")))


@api_bp.get("/stats")
@roles_required("supervisor")
def api_stats() -> Any:
    """Per-OPD open, overdue, resolved, average follow-up days, share within deadline."""
    return jsonify(complaints.opd_stats(runtime(), _date_arg("start"), _date_arg("end")))


@api_bp.post("/scan")
@roles_required("admin")
def api_scan() -> Any:
    """Run the deadline scan now (reminders, automatic closing)."""
    return jsonify(complaints.scan_overdue(runtime()))


@api_bp.get("/webhooks")
@roles_required("admin")
def api_webhooks() -> Any:
    """Webhook deliveries (?state=failed to see failures)."""
    rt = runtime()
    return jsonify({"summary": webhooks.summary(rt),
                    "deliveries": webhooks.list_deliveries(rt, request.args.get("state"))})


@api_bp.post("/webhooks/<int:delivery_id>/retry")
@roles_required("admin")
def api_webhook_retry(delivery_id: int) -> Any:
    """Queue a failed delivery again."""
    return jsonify(webhooks.retry(runtime(), delivery_id))


@api_bp.get("/<ticket>")
@roles_required("agency", "operator")
def api_get(ticket: str) -> Any:
    """One ticket, personal data included (a department only its own tickets)."""
    return jsonify(complaints.get_complaint(runtime(), ticket, _actor()))


@api_bp.post("/<ticket>/transitions")
@roles_required("agency", "operator")
def api_transition(ticket: str) -> Any:
    """{action, reason?, opd_code?, duplicate_of?}: move the ticket."""
    data = _json_body()
    return jsonify(complaints.transition(runtime(), ticket, data.get("action"), _actor(), data))


@api_bp.post("/<ticket>/replies")
@roles_required("agency", "operator")
def api_reply(ticket: str) -> Any:
    """{message, public?}: reply to the citizen or add an internal note."""
    return jsonify(complaints.add_reply(runtime(), ticket, _json_body(), _actor())), 201
