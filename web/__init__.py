"""The Flask application factory."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from flask import Flask, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from dispatch.bootstrap import bootstrap
from dispatch.config import Settings, settings_from_env
from dispatch.runtime import Runtime

from . import api, auth, citytime, health, i18n, live, metrics, whatsapp
from . import complaints as complaints_ui
from . import console as console_ui
from . import crew as crew_ui
from . import dashboard as dashboard_ui
from . import open311 as open311_ui
from .console import content_security_policy
from .errors import register_error_handlers
from .extensions import csrf, limiter, login_manager, socketio
from .inputs import CheckedRequest, DbIdConverter, check_request


def create_app(
    settings: Settings | None = None,
    runtime: Runtime | None = None,
    config: dict[str, Any] | None = None,
) -> Flask:
    """Build the web app around a Runtime (built by the composition root when not given)."""
    settings = settings or (runtime.settings if runtime else settings_from_env())
    rt = runtime or bootstrap(settings)
    app = Flask(__name__)
    # Before any blueprint adds its rules: `<int:…>` everywhere is bounded to the id range.
    app.url_map.converters["int"] = DbIdConverter
    app.request_class = CheckedRequest
    app.config.update(
        SECRET_KEY=settings.secret_key or secrets.token_hex(32),
        # Uploads (complaint photos) may be larger; the API sets its own smaller limit.
        MAX_CONTENT_LENGTH=8 * 1024 * 1024,
        PERMANENT_SESSION_LIFETIME=timedelta(minutes=settings.session_minutes),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.secure_cookies,
        SESSION_COOKIE_NAME="siaga112_session",
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SECURE=settings.secure_cookies,
        WTF_CSRF_TIME_LIMIT=None,  # the session's own lifetime bounds it
        JSON_SORT_KEYS=False,
        # Shared by every process when Redis is configured, so a throttle holds across workers.
        RATELIMIT_STORAGE_URI=settings.redis_url or "memory://",
        RATELIMIT_SWALLOW_ERRORS=True,  # Redis down: throttles open, the DB lockout still holds
    )
    if config:
        app.config.update(config)
    app.extensions["siaga112"] = rt
    if settings.trusted_proxies:
        from werkzeug.middleware.proxy_fix import ProxyFix

        # Citizens behind the city's reverse proxy are many addresses, not the proxy's one.
        n = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    csrf.init_app(app)
    limiter.init_app(app)
    # Flask-SocketIO keeps the Redis client manager of an earlier init_app in its options,
    # so an app without SIAGA_REDIS_URL made after one with it (tests) would still publish
    # to that Redis; each app gets the queue of its own settings.
    socketio.server_options.pop("client_manager", None)
    socketio.init_app(
        app,
        async_mode="threading",
        message_queue=settings.redis_url,
        cors_allowed_origins=[],
    )
    register_error_handlers(app)
    app.before_request(check_request)  # query and path text, on every route
    i18n.init_i18n(app)
    citytime.init_app(app)

    app.register_blueprint(auth.bp)
    app.register_blueprint(health.bp)
    app.register_blueprint(api.bp)
    csrf.exempt(api.bp)  # API checks CSRF itself for session-authenticated calls
    app.register_blueprint(console_ui.bp)
    app.register_blueprint(dashboard_ui.bp)
    complaints_ui.init_app(app)
    open311_ui.init_app(app)
    whatsapp.init_app(app)
    crew_ui.init_app(app)
    live.init_live(app, rt)
    auth.init_auth(app, rt)
    metrics.init_metrics(app, rt)

    @app.after_request
    def _security_headers(resp: Any) -> Any:
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("X-Frame-Options", "DENY")
        resp.headers.setdefault("Referrer-Policy", "same-origin")
        if resp.mimetype == "text/html" and "Content-Security-Policy" not in resp.headers:
            # Every HTML page gets the strict policy (own scripts and styles only, map
            # tiles as images); pages needing more set their own header, which stays.
            resp.headers["Content-Security-Policy"] = content_security_policy(
                rt.settings.tile_url, request.host)
        return resp

    @app.get("/")
    @login_required
    def home() -> Any:
        """Each role lands on its own screen."""
        for endpoint in _landing_for(current_user.role):
            if endpoint in app.view_functions:
                return redirect(url_for(endpoint))
        return render_template("home.html")

    return app


def _landing_for(role: str) -> list[str]:
    return {
        "operator": ["console.index"],
        "supervisor": ["dashboard.index", "console.index"],
        "admin": ["console.index"],
        "agency": ["complaints.inbox"],
        "viewer": ["dashboard.executive", "dashboard.index"],
        "unit": ["crew.index"],
    }.get(role, [])
