"""The crew app on a phone screen beside an operator console: the order arrives, the crew
accepts and taps en_route then on_scene, the console sees each step; a tap made without a
network is sent once when the network is back."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from dispatch.services import accounts, incidents
from dispatch.services.actors import Actor
from tests.browser.conftest import Live

OPERATOR = Actor("operator", "operator", None, "operator")
CRASH = "Tabrakan motor dan mobil di perempatan, satu orang luka parah"
PHONE = {"width": 390, "height": 844}


def _page(browser: Any, live: Live, user: str, password: str, next_path: str,
          viewport: dict[str, int], ready: str) -> Any:
    ctx = browser.new_context(viewport=viewport, locale="id-ID", is_mobile=viewport == PHONE)
    pg = ctx.new_page()
    pg.set_default_timeout(15_000)
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.page_errors = errors
    pg.goto(f"{live.url}/login?next={next_path}")
    pg.fill("input[name=username]", user)
    pg.fill("input[name=password]", password)
    pg.click("button[type=submit]")
    pg.wait_for_selector(ready)
    return pg


def test_crew_answers_its_order_and_the_console_sees_each_step(browser: Any, live: Live) -> None:
    inc = incidents.create_incident(live.rt, {
        "description": CRASH, "lat": -7.8166, "lon": 112.0114,
        "caller_phone": "081298765432"}, OPERATOR)
    iid = int(inc["id"])
    unit = next(r["unit_id"] for r in inc["recommendations"] if r["unit_type"] == "ambulance")
    cred = accounts.unit_credentials(live.rt, unit)
    console = _page(browser, live, "operator", live.passwords["operator"], "/console",
                    {"width": 1440, "height": 900}, "body[data-live=on]")
    crew = _page(browser, live, cred.username, cred.password, "/crew", PHONE, "#statuses button")
    try:
        assert crew.url.endswith("/crew")
        expect(crew.locator("#no-order")).to_contain_text("Tidak ada perintah")  # Indonesian first
        order_id = incidents.dispatch_units(live.rt, iid, {"unit_ids": [unit]},
                                            OPERATOR)["orders"][0]["order_id"]
        # The crew page polls: the order shows with what a crew needs on the way.
        expect(crew.locator("#order")).to_have_attribute("data-order-id", order_id, timeout=15_000)
        expect(crew.locator("#o-category")).to_contain_text("Kecelakaan")
        expect(crew.locator("#order")).to_contain_text("+6281298765432")
        expect(crew.locator("#o-description")).to_contain_text("perempatan")
        assert "null" not in crew.inner_text("#order")
        # Every button says what it does, in Indonesian, and can be read (not white on white).
        en_route = crew.locator("#statuses button[data-status=en_route]")
        expect(en_route).to_have_text("dalam perjalanan")
        for button in crew.locator("#statuses button, #share").all():
            assert button.inner_text().strip()
            color, background = button.evaluate(
                "b => [getComputedStyle(b).color, getComputedStyle(b).backgroundColor]")
            assert color != background, (button.inner_text(), color)

        console.click(f"#queue .q-item[data-incident-id='{iid}']")
        crew.click("#accept")
        expect(crew.locator("#o-accepted")).to_be_visible()
        expect(console.locator(
            f"#d-orders .order[data-unit-id='{unit}'][data-state=acknowledged]")).to_be_visible()
        for status in ("en_route", "on_scene"):
            crew.click(f"#statuses button[data-status={status}]")
            expect(crew.locator(f"#statuses button[data-status={status}]")).to_have_attribute(
                "aria-pressed", "true")
            expect(console.locator("#timeline")).to_contain_text(f"→ {status}")

        # No network: the tap waits in the phone's queue, then goes once.
        crew.context.set_offline(True)
        crew.click("#statuses button[data-status=transporting]")
        expect(crew.locator("body")).to_have_attribute("data-queued", "1")
        assert live.rt.fleet.get(unit).status == "on_scene"
        crew.context.set_offline(False)
        crew.evaluate("window.dispatchEvent(new Event('online'))")
        expect(crew.locator("body")).to_have_attribute("data-queued", "0")
        expect(console.locator("#timeline")).to_contain_text("→ transporting")
        timeline = incidents.get_incident(live.rt, iid)["timeline"]
        steps = [e["data"].get("status") for e in timeline if e["kind"] == "unit_status"
                 and e["actor_type"] == "unit"]
        assert steps == ["en_route", "on_scene", "transporting"]
        assert live.rt.fleet.get(unit).status == "transporting"
        assert crew.page_errors == [] and console.page_errors == []
    finally:
        crew.context.close()
        console.context.close()
