"""Helpers for the complaint-flow tests: a runtime on a manual clock, logins, CSRF tokens."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.security import generate_password_hash

from dispatch.bootstrap import bootstrap
from dispatch.clock import ManualClock
from dispatch.config import Settings
from dispatch.db.models import User
from dispatch.runtime import Runtime
from dispatch.services import accounts
from web import create_app

# Monday 23 November 2026, 09:00 in Kediri (WIB, UTC+7).
MONDAY_9AM = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
DHOHO = {"lat": -7.8172, "lon": 112.0119}  # Jalan Dhoho, Kecamatan Kota
STREET_LIGHT = "lampu PJU mati di jalan Dhoho sudah 3 hari"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def make_runtime(tmp_path: Path, clock: ManualClock | None = None) -> Runtime:
    """A SQLite runtime on a manual clock."""
    settings = Settings(database_url=f"sqlite:///{tmp_path}/siaga.db", secret_key="test-secret")
    return bootstrap(settings, clock=clock or ManualClock(MONDAY_9AM))


def make_app(rt: Runtime, tmp_path: Path, **config: Any) -> Flask:
    """The web app around `rt`, photos under tmp_path."""
    cfg = {"TESTING": True, "SIAGA_UPLOAD_DIR": str(tmp_path / "uploads")}
    cfg.update(config)
    return create_app(runtime=rt, config=cfg)


def user(rt: Runtime, name: str, role: str, opd: str | None = None) -> dict[str, str]:
    """Create a user and return Bearer headers for it.

    The row is written directly with a one-round PBKDF2 hash: the real scrypt hash costs
    about a second per user, which would dominate these tests (login still checks it)."""
    with rt.session() as s:
        s.add(User(username=name, role=role, opd_code=opd, display_name=name, active=True,
                   password_hash=generate_password_hash(f"{name}-password-1",
                                                        method="pbkdf2:sha256:1"),
                   created_at=rt.clock.now()))
    return {"Authorization": f"Bearer {accounts.create_token(rt, name)}"}


def login(client: FlaskClient, name: str) -> None:
    """Log in through the form (session + CSRF like a browser)."""
    page = client.get("/login")
    token = csrf_from(page.get_data(as_text=True))
    resp = client.post("/login", data={"username": name, "password": f"{name}-password-1",
                                       "csrf_token": token})
    assert resp.status_code in (302, 303), resp.status_code


def csrf_from(html: str) -> str:
    """The CSRF token of the first form on a page (or the meta tag)."""
    m = _CSRF.search(html) or re.search(r'name="csrf-token" content="([^"]+)"', html)
    assert m, "no CSRF token on the page"
    return m.group(1)


def iter_events(data: dict[str, Any]) -> Iterator[tuple[str | None, str | None, str]]:
    """(status_from, status_to, actor_type) of every status event of a staff view."""
    for e in data["events"]:
        if e["kind"] == "status":
            yield e["status_from"], e["status_to"], e["actor_type"]
