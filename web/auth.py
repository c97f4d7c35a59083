"""Login (session) and API tokens (Bearer), roles, and the login/logout pages."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import UserMixin, current_user, login_required, login_user, logout_user

from dispatch.runtime import Runtime
from dispatch.services import accounts
from dispatch.services.actors import Actor

from .errors import json_error, wants_json
from .extensions import login_manager

bp = Blueprint("auth", __name__)

F = TypeVar("F", bound=Callable[..., Any])

# Who may act in a role: a supervisor can do an operator's work, an admin anything.
ROLE_GRANTS: dict[str, frozenset[str]] = {
    "operator": frozenset({"operator", "supervisor", "admin"}),
    "supervisor": frozenset({"supervisor", "admin"}),
    "admin": frozenset({"admin"}),
    "agency": frozenset({"agency", "admin"}),
}


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
    try:
        user = accounts.get_user(runtime(), int(user_id))
    except ValueError:
        return None
    return _session_user(user) if user and user.active else None


@login_manager.request_loader
def _load_from_token(req: Any) -> SessionUser | None:
    header = req.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        user = accounts.user_for_token(runtime(), header[7:].strip())
        if user:
            return _session_user(user, via_token=True)
    return None


@login_manager.unauthorized_handler
def _unauthorized() -> Any:
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


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    """The login form; on success, a fresh session that expires after a shift."""
    if request.method == "POST":
        username = (request.form.get("username") or "").strip()[:64]
        password = request.form.get("password") or ""
        user = accounts.authenticate(runtime(), username, password)
        if user is None:
            flash("Nama pengguna atau kata sandi salah / Wrong username or password", "error")
            return render_template("login.html", username=username), 401
        session.clear()
        session.permanent = True
        login_user(_session_user(user))
        return redirect(_safe_next(request.args.get("next")))
    return render_template("login.html", username="")


@bp.route("/logout", methods=["POST"])
def logout() -> Any:
    """End the session."""
    logout_user()
    session.clear()
    return redirect(url_for("auth.login"))
