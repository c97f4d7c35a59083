"""Login (session) and API tokens (Bearer), roles, and the login/logout pages."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_limiter import RequestLimit
from flask_limiter.util import get_remote_address
from flask_login import UserMixin, current_user, login_required, login_user, logout_user
from limits import parse as parse_limit

from dispatch.runtime import Runtime
from dispatch.services import accounts
from dispatch.services.actors import Actor

from .errors import json_error, wants_json
from .extensions import limiter, login_manager
from .session_guard import SessionGuard

log = logging.getLogger(__name__)

bp = Blueprint("auth", __name__)

F = TypeVar("F", bound=Callable[..., Any])

# Who may act in a role: a supervisor can do an operator's work, an admin anything.
ROLE_GRANTS: dict[str, frozenset[str]] = {
    "operator": frozenset({"operator", "supervisor", "admin"}),
    "supervisor": frozenset({"supervisor", "admin"}),
    "admin": frozenset({"admin"}),
    "agency": frozenset({"agency", "admin"}),
    # Routes that only show figures (dashboards, executive view, live board, CSV exports).
    "viewer": frozenset({"viewer", "supervisor", "admin"}),
    # The crew app of one unit; nobody else acts as a unit over HTTP.
    "unit": frozenset({"unit"}),
}
# A viewer changes nothing: any other method is refused before a view runs.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_VIEWER_MAY_POST = frozenset({"auth.logout", "auth.login"})


@dataclass
class SessionUser(UserMixin):
    """The logged-in user as the web layer sees it."""

    id: int
    username: str
    role: str
    display_name: str
    opd_code: str | None = None
    via_token: bool = False

    def get_id(self) -> str:
        """Flask-Login's key for the session."""
        return str(self.id)

    def has_role(self, *roles: str) -> bool:
        """True when this user may act in any of `roles`."""
        return any(self.role in ROLE_GRANTS.get(r, frozenset({r})) for r in roles)

    def actor(self) -> Actor:
        """The timeline author for this user."""
        return Actor("operator", self.username, self.id, self.role)


def runtime() -> Runtime:
    """The Runtime bound to the current app."""
    return current_app.extensions["siaga112"]


def init_auth(app: Flask, rt: Runtime) -> None:
    """Start watching live connections, so they end with their session or token; keep
    read-only users read-only."""
    guard = SessionGuard(rt)
    rt.services.append(guard)
    app.extensions["session_guard"] = guard
    # First of all before-request hooks: refused as read-only, before CSRF or a form runs.
    app.before_request_funcs.setdefault(None, []).insert(0, _read_only_for_viewers)
    app.before_request_funcs[None].insert(0, _crew_app_only_for_units)


# What a unit's account may reach: its crew page and API, logging in and out, the language.
_UNIT_ENDPOINTS = frozenset({"auth.login", "auth.logout", "home", "static", "i18n.set_language"})


def _crew_app_only_for_units() -> Any:
    """403 for a `unit` account anywhere but the crew app, whatever a route's own rule says."""
    if not (current_user.is_authenticated and current_user.role == "unit"):
        return None
    endpoint = request.endpoint or ""
    if endpoint in _UNIT_ENDPOINTS or endpoint.startswith(("crew.", "crew_api.")):
        return None
    message = "akun unit hanya untuk aplikasi kru / a unit account is for the crew app only"
    if wants_json() or request.path.startswith("/api/"):
        return json_error(403, "forbidden", message)
    abort(403)


def _read_only_for_viewers() -> Any:
    """403 for any changing request by a viewer, whatever the route's own roles say."""
    if request.method in SAFE_METHODS or request.endpoint in _VIEWER_MAY_POST:
        return None
    if current_user.is_authenticated and current_user.role == "viewer":
        message = "peran viewer hanya dapat melihat / the viewer role is read-only"
        if wants_json() or request.path.startswith("/api/"):
            return json_error(403, "forbidden", message)
        abort(403)
    return None


def track_live_connection() -> None:
    """Called on a Socket.IO connect: remember the credential it came with."""
    guard: SessionGuard | None = current_app.extensions.get("session_guard")
    if guard is None or not current_user.is_authenticated:
        return
    sid = getattr(request, "sid", None)
    if sid is None:
        return
    if current_user.via_token:
        guard.track(sid, current_user.id, token=request.headers.get("Authorization", "")[7:].strip())
    else:
        guard.track(sid, current_user.id, session_sid=session.get("sid") or "")


def _session_user(user: Any, via_token: bool = False) -> SessionUser:
    return SessionUser(
        id=user.id,
        username=user.username,
        role=user.role,
        display_name=user.display_name or user.username,
        opd_code=user.opd_code,
        via_token=via_token,
    )


@login_manager.user_loader
def _load_user(user_id: str) -> SessionUser | None:
    # The signed cookie alone is not enough: its server-side session must still be live, so
    # a copied cookie dies at logout, password change and disable.
    try:
        user = accounts.user_for_session(runtime(), int(user_id), session.get("sid") or "")
    except ValueError:
        return None
    return _session_user(user) if user else None


# What a refused Bearer token is told (the token itself is never echoed).
TOKEN_PROBLEMS: dict[str, str] = {
    "unknown": "token tidak dikenal / unknown token",
    "revoked": "token telah dicabut / token revoked",
    "disabled": "akun pemilik token dinonaktifkan / the token's user is disabled",
    "expired": "token kedaluwarsa / token expired",
    "throttled": "terlalu banyak token salah dari alamat ini; coba lagi nanti / "
                 "too many bad tokens from this address; try again later",
}


def _bad_token_throttled() -> bool:
    """Count a refused token against the caller's address; True once over the limit."""
    try:
        item = parse_limit(runtime().settings.api_auth_fail_rate)
        return not limiter.limiter.hit(item, "bad-token", get_remote_address())
    except Exception:  # a throttle store that is down must not lock everyone out
        log.exception("token throttle unavailable")
        return False


@login_manager.request_loader
def _load_from_token(req: Any) -> SessionUser | None:
    header = req.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        verdict = accounts.check_token(runtime(), header[7:].strip())
        if verdict.user is not None:
            return _session_user(verdict.user, via_token=True)
        g.token_problem = verdict
        if _bad_token_throttled():
            g.token_problem = accounts.TokenCheck("throttled")
    return None


@login_manager.unauthorized_handler
def _unauthorized() -> Any:
    problem = g.get("token_problem")
    if problem is not None:
        message = TOKEN_PROBLEMS.get(problem.reason, TOKEN_PROBLEMS["unknown"])
        if problem.reason == "expired" and problem.expires_at is not None:
            message += f" ({problem.expires_at.isoformat()})"
        if problem.reason == "throttled":
            return json_error(429, "too_many_requests", message)
        return json_error(401, f"token_{problem.reason}", message)
    if wants_json():
        return json_error(401, "unauthorized", "login or a Bearer token is required")
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def roles_required(*roles: str) -> Callable[[F], F]:
    """Allow only logged-in users who may act in one of `roles`."""

    def decorator(view: F) -> F:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.has_role(*roles):
                if wants_json():
                    return json_error(403, "forbidden", f"needs role: {' or '.join(roles)}")
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


def _safe_next(target: str | None) -> str:
    # Only local paths: an open redirect after login is a phishing aid.
    if target and target.startswith("/") and not target.startswith("//"):
        parts = urlsplit(target)
        if not parts.netloc and not parts.scheme:
            return target
    return url_for("home")


def _local_time(at: datetime) -> str:
    """`14:05 WIB`: a lockout ends within the hour, so the time of day says it."""
    try:
        tz = ZoneInfo(runtime().city.timezone)
    except Exception:
        tz = ZoneInfo("UTC")
    local = at.astimezone(tz)
    return f"{local:%H:%M} {local.tzname()}"


def _login_page(message: str, status: int, username: str = "",
                retry_after: int | None = None) -> Any:
    flash(message, "error")
    resp = make_response(render_template("login.html", username=username), status)
    if retry_after is not None:
        resp.headers["Retry-After"] = str(max(1, retry_after))
    return resp


def _locked_message(until: datetime) -> str:
    when = _local_time(until)
    return (f"Akun dikunci sementara hingga {when} karena terlalu banyak percobaan masuk yang "
            f"gagal; coba lagi nanti atau minta admin membukanya. / Account temporarily locked "
            f"until {when} after too many failed logins; try again later or ask an admin "
            f"to unlock it.")


def _login_throttled(limit: RequestLimit) -> Any:
    wait = max(1, int(limit.reset_at - time.time()))
    return _login_page(
        f"Terlalu banyak percobaan masuk; coba lagi dalam {wait} detik. / "
        f"Too many login attempts; try again in {wait} seconds.", 429,
        (request.form.get("username") or "").strip()[:64], retry_after=wait)


def _login_account_key() -> str:
    return "account:" + (request.form.get("username") or "").strip()[:64]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: runtime().settings.login_rate_address, methods=["POST"],
               on_breach=_login_throttled)
@limiter.limit(lambda: runtime().settings.login_rate_account, methods=["POST"],
               key_func=_login_account_key, on_breach=_login_throttled)
def login() -> Any:
    """The login form; on success, a fresh session that expires after a shift."""
    if request.method == "POST":
        username = (request.form.get("username") or "").strip()[:64]
        password = request.form.get("password") or ""
        rt = runtime()
        result = accounts.login(rt, username, password, request.remote_addr)
        if result.reason == "locked" and result.locked_until is not None:
            wait = int((result.locked_until - rt.clock.now()).total_seconds())
            return _login_page(_locked_message(result.locked_until), 429, username, wait)
        if result.reason == "disabled":
            return _login_page("Akun dinonaktifkan; hubungi admin. / Account disabled; "
                               "ask an admin.", 403, username)
        if result.user is None:
            return _login_page("Nama pengguna atau kata sandi salah / Wrong username or password",
                               401, username)
        session.clear()
        session.permanent = True
        session["sid"] = accounts.start_session(rt, result.user.id, request.remote_addr)
        login_user(_session_user(result.user))
        return redirect(_safe_next(request.args.get("next")))
    return render_template("login.html", username="")


@bp.route("/logout", methods=["POST"])
def logout() -> Any:
    """End the session, on the server too: a copy of the cookie stops working."""
    accounts.end_session(runtime(), session.get("sid") or "")
    logout_user()
    session.clear()
    guard: SessionGuard | None = current_app.extensions.get("session_guard")
    if guard is not None:
        guard.check_now()  # this browser's (and any copy's) live connection ends now
    return redirect(url_for("auth.login"))
