"""Screenshots for the README (docs/screenshots/*.png): the console with a small shift on
it, the crew app on a phone, the supervisor dashboard and the executive view, all served
by a throw-away local server on SQLite (no broker, no internet).

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import threading
from pathlib import Path
from typing import Any

from werkzeug.serving import make_server

from dispatch.bootstrap import bootstrap
from dispatch.config import Settings
from dispatch.services import accounts, incidents
from dispatch.services.actors import Actor
from web import create_app

CHROMIUM = os.environ.get("SIAGA_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
OPERATOR = Actor("operator", "operator", None, "operator")
CALLS = [
    ("Kebakaran rumah di Jl. Dhoho, api besar, ada orang terjebak", -7.8172, 112.0119),
    ("Tabrakan motor dan truk di perempatan, dua orang luka", -7.8250, 112.0300),
    ("Banjir setinggi lutut masuk rumah warga", -7.8400, 112.0050),
    ("Ada ular kobra masuk rumah, anak-anak ketakutan", -7.8050, 111.9950),
    ("lampu PJU mati di jalan depan masjid sudah seminggu", -7.8120, 112.0200),
]


def login(browser: Any, base: str, user: str, password: str, viewport: dict[str, int]) -> Any:
    """A logged-in page of its own context."""
    page = browser.new_context(viewport=viewport, locale="id-ID").new_page()
    page.goto(f"{base}/login")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    return page


def main() -> int:
    """Seed, serve, shoot."""
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    args = p.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        rt = bootstrap(Settings(database_url=f"sqlite:///{tmp}/shots.db",
                                secret_key=os.urandom(16).hex(), upload_dir=f"{tmp}/up"))
        rt.start()
        for role in ("operator", "supervisor"):
            accounts.create_user(rt, role, f"{role}-shots-1", role)
        made = [incidents.create_incident(rt, {"description": d, "lat": lat, "lon": lon,
                                               "caller_phone": "081234567890"}, OPERATOR)
                for d, lat, lon in CALLS]
        fire = made[0]
        unit = next(r["unit_id"] for r in fire["recommendations"]
                    if r["unit_type"] == "fire_engine")
        incidents.dispatch_units(rt, int(fire["id"]), {"unit_ids": [unit]}, OPERATOR)
        crew = accounts.unit_credentials(rt, unit)
        app = create_app(runtime=rt)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_port}"
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
                wide = {"width": 1440, "height": 900}
                page = login(browser, base, "operator", "operator-shots-1", wide)
                page.wait_for_selector("body[data-live=on]")
                page.click(f"#queue .q-item[data-incident-id='{fire['id']}']")
                page.wait_for_timeout(800)
                page.screenshot(path=str(args.out / "console.png"))
                page = login(browser, base, crew.username, crew.password,
                             {"width": 390, "height": 844})
                page.wait_for_selector("#order[data-order-id^=ord_]")
                page.screenshot(path=str(args.out / "crew.png"))
                page = login(browser, base, "supervisor", "supervisor-shots-1", wide)
                for name in ("dashboard", "executive"):
                    page.goto(f"{base}/{name}")
                    page.wait_for_load_state("networkidle")
                    page.wait_for_timeout(800)
                    page.screenshot(path=str(args.out / f"{name}.png"))
                browser.close()
        finally:
            server.shutdown()
            rt.stop()
    print(f"screenshots in {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
