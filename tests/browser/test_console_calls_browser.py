"""The console tells the truth about calls, in a real Chromium: an AML without a fix is "no
location", a call from outside the city is handed off, F4 shows a shortfall and lets the
operator take an offer, an unsure classification asks for the category first."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from dispatch.classify import classify
from dispatch.services import incidents
from dispatch.services.actors import Actor
from tests.browser.conftest import Live, make_live
from tests.support.brokers import Mosquitto
from tests.support.citypack import pack_with

OPERATOR = Actor("operator", "operator", None, "operator")
FIRE = "Kebakaran rumah, api besar dan asap tebal dari dapur"
AML_NO_FIX = ('A"ML=1;lt=+00.00000;lg=+000.00000;rd=N;top=20261123015930;lc=0;pm=N;'
              "si=510101000000000;ei=356938035643809;mcc=510;mnc=10;ml=127")
AML_FIX = ('A"ML=1;lt=-7.81670;lg=+112.01360;rd=25;top=20261123015930;lc=68;pm=G;'
           "si=510101000000000;ei=356938035643809;mcc=510;mnc=10;ml=128")
UNSURE_TEXT = "ada asap di belakang rumah"


@pytest.fixture
def live(tmp_path: Path, mosquitto: Mosquitto) -> Iterator[Live]:
    """A fresh server per test: these tests fill the fleet and the queue on purpose."""
    lv = make_live(tmp_path, mosquitto)
    try:
        yield lv
    finally:
        lv.server.stop()
        lv.rt.stop()


def open_console(page: Any, live: Live, login: Callable[..., None]) -> None:
    login(page, live, "operator")
    page.wait_for_selector("#console-ready", state="attached")
    page.wait_for_selector("body[data-live=on]")


def select_incident(page: Any, incident_id: int) -> None:
    page.click(f"#queue .q-item[data-incident-id='{incident_id}']")
    page.wait_for_selector(f"#d-title:has-text('#{incident_id}')")


def create(live: Live, **body: Any) -> dict[str, Any]:
    return incidents.create_incident(live.rt, body, OPERATOR)


def test_aml_without_a_fix_shows_no_location_and_prank_closes_in_one_click(
    page: Any, live: Live, login: Any
) -> None:
    open_console(page, live, login)
    page.fill("#coords", AML_NO_FIX)
    box = page.locator("#location[data-no-location='1']")
    box.wait_for()
    expect(page.locator("#aml-no-location")).to_contain_text("tanyakan lokasi")
    expect(box).to_contain_text("pm=N")
    assert page.locator("#pick-marker").count() == 0  # nothing drawn at 0,0
    page.fill("#description", FIRE)
    page.click("#create-btn")
    expect(page.locator("#intake-msg.bad")).to_contain_text("Tidak ada lokasi")
    assert incidents.list_incidents(live.rt) == []
    # A pasted AML with a fix is a location again.
    page.fill("#coords", AML_FIX)
    expect(page.locator("#location.ok")).to_contain_text("-7.81670")

    prank = create(live, description=FIRE, lat=-7.82, lon=112.01)
    row = page.locator(f"#queue .q-item[data-incident-id='{prank['id']}']")
    row.wait_for()
    select_incident(page, prank["id"])
    page.click("#close-prank")
    expect(row).to_have_count(0)
    closed = incidents.get_incident(live.rt, prank["id"])
    assert (closed["status"], closed["call_type"], closed["outcome"]) == ("closed", "prank", "prank")
    assert not page.page_errors, page.page_errors


def test_call_from_outside_is_handed_off(page: Any, live: Live, login: Any) -> None:
    inc = create(live, description=FIRE, lat=-7.2575, lon=112.7521)  # Surabaya
    open_console(page, live, login)
    select_incident(page, inc["id"])
    expect(page.locator("#d-handoff")).to_contain_text("Surabaya")
    expect(page.locator("#no-recs[data-reason=outside_jurisdiction]")).to_contain_text("Surabaya")
    expect(page.locator("#queue .q-item .flag-outside")).to_have_count(1)
    page.keyboard.press("F4")  # nothing to send: it says why
    expect(page.locator("#detail-msg.bad")).to_contain_text("Di luar wilayah")
    expect(page.locator("#handoff-btn")).to_contain_text("Surabaya")
    page.click("#handoff-btn")
    expect(page.locator(f"#queue .q-item[data-incident-id='{inc['id']}']")).to_have_count(0)
    closed = incidents.get_incident(live.rt, inc["id"])
    assert closed["outcome"] == "handoff"
    assert any(e["kind"] == "handed_off" for e in closed["timeline"])


def test_f4_shows_the_shortfall_and_an_offer_can_be_taken(
    page: Any, live: Live, login: Any
) -> None:
    snake = create(live, description="ular kobra masuk rumah warga",
                   category="animal_disturbance", priority=3, lat=-7.80, lon=112.00)
    big = create(live, description=FIRE, priority=1, lat=-7.83, lon=112.03)
    incidents.dispatch_units(live.rt, snake["id"], {"unit_ids": ["DMK-01", "DMK-02"]}, OPERATOR)
    incidents.dispatch_units(live.rt, big["id"], {"unit_ids": ["DMK-03", "DMK-04"]}, OPERATOR)
    inc = create(live, description=FIRE, priority=2, lat=-7.815, lon=112.012)
    open_console(page, live, login)
    select_incident(page, inc["id"])
    page.wait_for_selector("#d-shortfall .gap[data-unit-type=fire_engine]")
    page.keyboard.press("F4")
    page.wait_for_selector("#d-orders .order[data-state=sent]")  # the ambulance went
    expect(page.locator("#detail-msg")).to_contain_text("Rencana tidak terpenuhi")
    offer = page.locator("#d-shortfall button[data-kind=reassign][data-unit-id='DMK-01']")
    expect(offer).to_be_visible()
    assert page.locator("#d-shortfall button[data-kind=substitute]").count() >= 1
    expect(page.locator("#d-shortfall .offer-aid").first).to_contain_text("Damkar Kabupaten Kediri")
    offer.click()
    page.wait_for_selector("#d-orders .order[data-unit-id='DMK-01']")
    expect(page.locator("#d-shortfall .gap[data-missing='1']")).to_have_count(1)
    old = incidents.get_incident(live.rt, snake["id"])
    assert any(e["kind"] == "unit_reassigned" for e in old["timeline"])
    assert not page.page_errors, page.page_errors


def test_unsure_classification_asks_for_the_category(
    page: Any, tmp_path: Path, login: Any, mosquitto: Mosquitto
) -> None:
    threshold = min(1.0, classify(UNSURE_TEXT).confidence + 0.01)
    lv = make_live(tmp_path, mosquitto,
                   city=str(pack_with(tmp_path, classify={"unsure_below": threshold})))
    try:
        inc = create(lv, description=UNSURE_TEXT, lat=-7.82, lon=112.01)
        open_console(page, lv, login)
        expect(page.locator("#queue .q-item .flag-unsure")).to_have_count(1)
        select_incident(page, inc["id"])
        expect(page.locator("#unsure-prompt")).to_have_text("Ragu — pastikan kategori")
        expect(page.locator("#no-recs[data-reason=unsure]")).to_be_visible()
        page.keyboard.press("F4")
        expect(page.locator("#detail-msg.bad")).to_contain_text("pastikan kategori")
        expect(page.locator("#unsure-category")).to_be_focused()
        page.click("#unsure-confirm")
        page.wait_for_selector("#d-recs .rec-pick")
        expect(page.locator("#unsure-prompt")).to_have_count(0)
        assert incidents.get_incident(lv.rt, inc["id"])["unsure"] is False
    finally:
        lv.server.stop()
        lv.rt.stop()
