"""Two operator consoles on one queue: the owner shown, a conflicting claim, a stale edit."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect
from sqlalchemy import update

from dispatch.db.models import Incident
from dispatch.services import accounts, incidents
from dispatch.services.actors import Actor
from tests.browser.conftest import Live

FIRE = "Kebakaran rumah, api besar dan asap tebal dari dapur"
OPERATOR = Actor("operator", "operator", None, "operator")


def _console(browser: Any, live: Live, user: str, password: str) -> Any:
    ctx = browser.new_context(viewport={"width": 1440, "height": 900}, locale="id-ID")
    pg = ctx.new_page()
    pg.set_default_timeout(10_000)
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.page_errors = errors
    pg.goto(f"{live.url}/login?next=/console")
    pg.fill("input[name=username]", user)
    pg.fill("input[name=password]", password)
    pg.click("button[type=submit]")
    pg.wait_for_selector("body[data-live=on]")
    return pg


def _open(pg: Any, iid: int) -> None:
    pg.click(f"#queue .q-item[data-incident-id='{iid}']")
    expect(pg.locator("#d-title")).to_contain_text(f"#{iid}")


def test_two_consoles_claim_and_a_stale_edit_is_refused(browser: Any, live: Live) -> None:
    accounts.create_user(live.rt, "op2", "operator-two-pass", "operator")
    iid = incidents.create_incident(live.rt, {"description": FIRE, "lat": -7.8166,
                                              "lon": 112.0114}, OPERATOR)["id"]
    a = _console(browser, live, "operator", live.passwords["operator"])
    b = _console(browser, live, "op2", "operator-two-pass")
    sup = _console(browser, live, "supervisor", live.passwords["supervisor"])
    try:
        for pg in (a, b, sup):
            _open(pg, iid)
        card = b.locator(f"#queue .q-item[data-incident-id='{iid}'] .q-owner")
        expect(card).to_contain_text("operator")
        expect(b.locator("#d-owner")).to_contain_text("operator")
        # op2's claim of the operator's incident is refused, and says who holds it.
        b.click("#claim-btn")
        expect(b.locator("#detail-msg")).to_contain_text("operator")
        # The supervisor takes it over (after confirming); the owner's console shows it.
        sup.on("dialog", lambda d: d.accept())
        sup.click("#claim-btn")
        expect(a.locator("#d-owner")).to_contain_text("supervisor")
        expect(b.locator("#d-owner")).to_contain_text("supervisor")
        # Another process changes the incident; its event has not reached op2 yet.
        with live.rt.session() as s:
            s.execute(update(Incident).where(Incident.id == iid)
                      .values(version=Incident.version + 1, priority=1))
        b.on("dialog", lambda d: d.accept())  # "supervisor holds it; change anyway?"
        b.select_option("#d-priority", "3")
        b.click("#d-save")
        expect(b.locator("#detail-msg")).to_contain_text("sudah diubah orang lain")
        expect(b.locator("#d-title")).to_contain_text("P1")  # the newer state is shown
        assert incidents.get_incident(live.rt, iid)["priority"] == 1
        for pg in (a, b, sup):
            assert not pg.page_errors, pg.page_errors
    finally:
        for pg in (a, b, sup):
            pg.context.close()


def test_alerts_for_a_new_p1_and_a_long_wait_and_the_mute(browser: Any, live: Live) -> None:
    from datetime import timedelta

    old = incidents.create_incident(live.rt, {"description": "pohon tumbang menimpa mobil",
                                              "lat": -7.82, "lon": 112.01}, OPERATOR)["id"]
    with live.rt.session() as s:  # taken ten minutes ago, nobody sent yet
        s.execute(update(Incident).where(Incident.id == old).values(
            created_at=live.rt.clock.now() - timedelta(minutes=10)))
    pg = _console(browser, live, "operator", live.passwords["operator"])
    try:
        expect(pg.locator(f"#alerts .alert-waiting[data-incident-id='{old}']")).to_be_visible()
        p1 = incidents.create_incident(live.rt, {"description": FIRE, "lat": -7.8166,
                                                 "lon": 112.0114, "priority": 1}, OPERATOR)["id"]
        alert = pg.locator(f"#alerts .alert-p1[data-incident-id='{p1}']")
        expect(alert).to_contain_text(f"#{p1}")
        alert.locator(".alert-open").click()  # opens the incident
        expect(pg.locator("#d-title")).to_contain_text(f"#{p1}")
        mute = pg.locator("#alert-mute")
        expect(mute).to_have_attribute("aria-pressed", "false")
        mute.click()
        expect(mute).to_have_attribute("aria-pressed", "true")
        pg.reload()
        pg.wait_for_selector("body[data-live=on]")
        expect(pg.locator("#alert-mute")).to_have_attribute("aria-pressed", "true")  # kept
        assert not pg.page_errors, pg.page_errors
    finally:
        pg.context.close()


def test_the_queue_shows_ten_cards_at_1440_by_900(browser: Any, live: Live) -> None:
    for n in range(12):  # twelve calls across the city, none near another
        incidents.create_incident(live.rt, {"description": f"{FIRE} nomor {n}",
                                            "lat": -7.78 - (n % 4) * 0.02,
                                            "lon": 111.98 + (n // 4) * 0.03}, OPERATOR)
    pg = _console(browser, live, "operator", live.passwords["operator"])
    try:
        pg.wait_for_selector("#queue .q-item >> nth=11", state="attached")
        visible = pg.evaluate("""() => {
          const q = document.getElementById('queue').closest('.queue').getBoundingClientRect();
          return [...document.querySelectorAll('#queue .q-item')].filter((c) => {
            const r = c.getBoundingClientRect();
            return r.top >= q.top - 1 && r.bottom <= Math.min(q.bottom, innerHeight) + 1;
          }).length;
        }""")
        assert visible >= 10, visible
    finally:
        pg.context.close()


def test_handover_panel_lists_the_shift_and_hands_my_incidents_over(browser: Any,
                                                                    live: Live) -> None:
    accounts.create_user(live.rt, "op3", "operator-three-pass", "operator")
    mine = [incidents.create_incident(live.rt, {"description": FIRE, "lat": -7.8166,
                                                "lon": 112.0114 + i * 1e-3}, OPERATOR)["id"]
            for i in range(2)]
    a = _console(browser, live, "operator", live.passwords["operator"])
    b = _console(browser, live, "op3", "operator-three-pass")
    try:
        a.click("#handover-btn")
        expect(a.locator("#handover-counts")).to_contain_text("2 milik saya")
        for iid in mine:
            expect(a.locator(f"#handover-list li[data-incident-id='{iid}']")).to_contain_text(
                "operator")
        a.fill("#handover-to", "op3")
        a.click("#handover-submit")
        expect(a.locator("#handover-msg")).to_contain_text("2 kejadian diserahkan kepada op3")
        expect(a.locator("#handover-counts")).to_contain_text("0 milik saya")
        for iid in mine:  # the other console sees its new incidents at once
            expect(b.locator(f"#queue .q-item[data-incident-id='{iid}'] .q-owner")).to_contain_text(
                "op3")
            kinds = [e["kind"] for e in incidents.get_incident(live.rt, iid)["timeline"]]
            assert "handed_over" in kinds
        a.keyboard.press("Escape")
        expect(a.locator("#handover")).to_be_hidden()
        assert a.page_errors == [] and b.page_errors == []
    finally:
        a.context.close()
        b.context.close()
