"""Browser-test fixtures: Debian's Chromium driven by Playwright, a live server, screenshots.

Reusable by every page's browser tests (console, dashboard, portal):

- ``browser``: one headless Chromium (``/usr/bin/chromium``) for the session; never
  ``playwright install``.
- ``page``: a fresh context and page per test; on failure a full-page screenshot goes to
  ``test-artifacts/<test name>.png`` (the hook below records each phase's report).
- ``live``: a real HTTP + Socket.IO server around a fresh Runtime on SQLite, wired to the
  session's real Mosquitto (``live.broker_url``), with one account per role.
- ``login(page, live, role)``: log in through the real form.

Time: every context runs in a browser time zone far from the city's (``BROWSER_TZ``), so a
page that formats with the browser's own zone instead of the city's shows it. With
``SIAGA_TEST_NOW`` (tests/support/timetravel.py) Chromium's clock is installed at the same
instant as the server's (``context.clock``). Cookies need nothing: Chromium reads a cookie's
expiry relative to the response's ``Date`` header, which comes from the same travelled clock.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from dispatch.bootstrap import bootstrap
from dispatch.clock import Clock
from dispatch.config import Settings
from dispatch.runtime import Runtime
from dispatch.services import accounts
from tests.conftest import PASSWORDS
from tests.support.brokers import Mosquitto
from tests.support.live_server import LiveServer, start_live_server
from tests.support.timetravel import travelling

CHROMIUM = os.environ.get("SIAGA_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
# 15 hours behind Kediri: for most of the city's day the browser's own date is another one.
BROWSER_TZ = os.environ.get("SIAGA_TEST_BROWSER_TZ", "America/Los_Angeles")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test in this folder drives the browser."""
    here = str(Path(__file__).parent)
    for item in items:
        if str(item.fspath).startswith(here):
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: Any) -> Iterator[None]:
    """Keep each phase's report on the item so fixtures can see a failure."""
    outcome = yield
    rep = outcome.get_result()
    setattr(item, f"rep_{rep.when}", rep)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless Debian Chromium for the whole session."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make install` (installs Debian's chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


def _artifact_name(nodeid: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", nodeid.split("::", 1)[-1])[:150]


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A fresh browser context and page; a screenshot is saved when the test fails."""
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="id-ID",
                                  timezone_id=BROWSER_TZ)
    if travelling():
        # The page's Date agrees with the server's travelled wall clock (and keeps ticking).
        context.clock.install(time=datetime.now(UTC))
    pg = context.new_page()
    pg.set_default_timeout(10_000)
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.page_errors = errors  # type: ignore[attr-defined]
    try:
        yield pg
    finally:
        failed = any(
            getattr(getattr(request.node, f"rep_{when}", None), "failed", False)
            for when in ("setup", "call")
        )
        if failed:
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            target = ARTIFACTS / f"{_artifact_name(request.node.nodeid)}.png"
            try:
                pg.screenshot(path=str(target), full_page=True)
                print(f"screenshot saved: {target}")
            except Exception as err:  # the page may be gone; the failure itself matters more
                print(f"screenshot failed: {err}")
        context.close()


@dataclass
class Live:
    """A running server with its runtime, accounts and broker."""

    server: LiveServer
    rt: Runtime
    app: Any
    broker_url: str
    passwords: dict[str, str]

    @property
    def url(self) -> str:
        """Base URL of the server."""
        return self.server.url


def make_live(tmp_path: Path, broker: Mosquitto | None, clock: Clock | None = None,
              **settings: Any) -> Live:
    """Build runtime + app + accounts and serve them on a free port (wall clock by default)."""
    from web import create_app

    base = Settings(
        database_url=f"sqlite:///{tmp_path}/siaga.db",
        secret_key="browser-test-secret",
        mqtt_url=broker.url if broker else None,
        tile_url=settings.pop("tile_url", ""),
        **settings,
    )
    rt = bootstrap(base, clock=clock)
    for role, password in PASSWORDS.items():
        accounts.create_user(rt, role, password, role, opd_code="DISHUB" if role == "agency" else None)
    if broker is not None:
        from units.setup import attach

        attach(rt, embedded=False)
    app = create_app(runtime=rt, config={"TESTING": False})
    rt.start()
    gateway = rt.orders
    if gateway is not None:
        # Positions published right away must not race the gateway's subscription.
        gateway.wait_connected(10)
        if hasattr(gateway, "wait_subscribed"):
            gateway.wait_subscribed(10)
    server = start_live_server(app)
    return Live(server, rt, app, broker.url if broker else "", dict(PASSWORDS))


@pytest.fixture
def live(tmp_path: Path, mosquitto: Mosquitto) -> Iterator[Live]:
    """A live server on the session's real Mosquitto (no internet: tile URL empty)."""
    lv = make_live(tmp_path, mosquitto)
    try:
        yield lv
    finally:
        lv.server.stop()
        lv.rt.stop()


def do_login(page: Any, live: Live, role: str = "operator", next_path: str = "") -> None:
    """Log in through the real form as the account of `role`."""
    target = f"{live.url}/login" + (f"?next={next_path}" if next_path else "")
    page.goto(target)
    page.fill("input[name=username]", role)
    page.fill("input[name=password]", live.passwords[role])
    page.click("button[type=submit]")
    page.wait_for_load_state("domcontentloaded")


@pytest.fixture
def login() -> Callable[..., None]:
    """`login(page, live, role="operator", next_path="")`."""
    return do_login
