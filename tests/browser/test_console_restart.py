"""The console after a real server restart: it reconnects and resynchronises by itself."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from dispatch.bootstrap import bootstrap
from dispatch.config import Settings
from dispatch.services import accounts, incidents
from tests.browser.test_console_browser import FIRE, OPERATOR, open_console
from tests.conftest import PASSWORDS
from tests.support.brokers import Mosquitto, free_port, wait_port


def _serve(env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    with open(log, "ab") as fh:
        return subprocess.Popen(
            [sys.executable, "-m", "siaga112.cli", "serve", "--port", str(port)],
            env=env, stdout=fh, stderr=subprocess.STDOUT,
        )


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


def test_console_resyncs_after_a_server_restart(
    page: Any, tmp_path: Path, mosquitto: Mosquitto, login: Any
) -> None:
    db = f"sqlite:///{tmp_path}/restart.db"
    settings = Settings(database_url=db, secret_key="restart-secret", tile_url="")
    rt = bootstrap(settings)
    accounts.create_user(rt, "operator", PASSWORDS["operator"], "operator")
    rt.stop()
    env = dict(os.environ, SIAGA_DATABASE_URL=db, SIAGA_SECRET_KEY="restart-secret",
               SIAGA_MQTT_URL=mosquitto.url, SIAGA_TILE_URL="")
    port = free_port()
    log = tmp_path / "serve.log"
    proc = _serve(env, port, log)
    try:
        wait_port(port, 30)

        class _Live:
            url = f"http://127.0.0.1:{port}"
            passwords = PASSWORDS

        open_console(page, _Live(), login)  # type: ignore[arg-type]
        _stop(proc)
        page.wait_for_selector("body[data-live=off]")
        # While the server is down an incident is taken elsewhere (same database).
        other = bootstrap(settings)
        created = incidents.create_incident(other, {"description": FIRE, "lat": -7.81,
                                                    "lon": 112.01}, OPERATOR)
        other.stop()
        proc = _serve(env, port, log)
        wait_port(port, 30)
        # Reconnected and resynchronised within 5 s of the server listening again.
        page.wait_for_selector(f"#queue .q-item[data-incident-id='{created['id']}']", timeout=5000)
        # A socket may drop once more while the server settles: wait, do not sample.
        expect(page.locator("body[data-live=on]")).to_have_count(1)
    finally:
        _stop(proc)
        if page.is_closed() is False and log.exists():
            print(log.read_text()[-3000:])
