"""Languages: Bahasa Indonesia by default, English selectable (Flask-Babel, session-stored)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, redirect, request, session, url_for
from flask_babel import Babel, get_locale

from .auth import _safe_next

LANGUAGES: dict[str, str] = {"id": "Bahasa Indonesia", "en": "English"}
DEFAULT_LANGUAGE = "id"
TRANSLATIONS_DIR = Path(__file__).parent / "translations"

babel = Babel()
bp = Blueprint("i18n", __name__)


def current_language() -> str:
    """The session's language, else Bahasa Indonesia (a command center's working language)."""
    lang = session.get("lang")
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


@bp.post("/lang")
def set_language() -> Any:
    """Store the chosen language in the session (a CSRF-protected form post)."""
    lang = request.form.get("lang", "")
    if lang in LANGUAGES:
        session["lang"] = lang
    target = request.form.get("next") or request.referrer or url_for("home")
    # Only a local path: the referrer may carry a full URL.
    if target.startswith(request.host_url):
        target = "/" + target[len(request.host_url):]
    return redirect(_safe_next(target))


def init_i18n(app: Flask) -> None:
    """Set up Flask-Babel and the language switch."""
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LANGUAGE)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS_DIR))
    babel.init_app(app, locale_selector=current_language)
    app.register_blueprint(bp)

    @app.context_processor
    def _language() -> dict[str, Any]:
        return {"lang": str(get_locale() or DEFAULT_LANGUAGE), "languages": LANGUAGES}
