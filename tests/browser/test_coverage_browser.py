"""Coverage in a real Chromium: uncovered cells on the console map, uncovered areas listed,
a supervisor accepts the move-up with one click and the unit receives a `move_up` order over
the real broker; recommendations show the road ETA, `via`, and the destination hospital."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from dispatch.services import incidents
from dispatch.services.actors import Actor
from tests.browser.conftest import Live
from tests.browser.test_console_browser import TestUnit

OPERATOR = Actor("operator", "operator", None, "operator")


@pytest.fixture
def crews(live: Live) -> Iterator[TestUnit]:
    tu = TestUnit(live.broker_url, prefix=live.rt.settings.mqtt_prefix)
    yield tu
    tu.close()


def test_supervisor_accepts_the_move_up_with_one_click(page: Any, live: Live, login: Any,
                                                        crews: TestUnit) -> None:
    login(page, live, "supervisor", "/console")
    page.wait_for_selector("#console-ready", state="attached")
    page.wait_for_selector("body[data-coverage-ready='1']", state="attached")
    # Some demand cells are out of reach of some unit type with the fleet at its stations.
    assert int(page.locator("body").get_attribute("data-uncovered-cells") or "0") > 0
    assert page.locator("path.uncovered-cell").count() > 0
    expect(page.locator("#coverage-list .uncovered-area").first).to_be_visible()
    moves = page.eval_on_selector_all(
        "#moveup-list .moveup", "rows => rows.map(r => [r.dataset.unitId, r.dataset.siteId])")
    assert moves, "a move-up is suggested"
    page.click("#moveup-accept")
    expect(page.locator("#coverage-msg")).to_contain_text(moves[0][0])
    got = crews.wait_orders(len(moves))
    sent = {unit_id: order for unit_id, order in got}
    assert set(sent) == {u for u, _s in moves}
    for unit_id, site_id in moves:
        assert sent[unit_id]["kind"] == "move_up" and sent[unit_id]["site"]["id"] == site_id
    assert not page.page_errors


def test_recommendations_show_road_eta_via_and_hospital(page: Any, live: Live,
                                                        login: Any) -> None:
    inc = incidents.create_incident(live.rt, {
        "description": "Bapak tiba-tiba nyeri dada hebat, sesak napas",
        "lat": -7.8195, "lon": 112.0158}, OPERATOR)
    login(page, live, "operator", "/console")
    page.wait_for_selector("#console-ready", state="attached")
    page.click(f"#queue .q-item[data-incident-id='{inc['id']}']")
    page.wait_for_selector("#d-recs .rec")
    via = page.eval_on_selector_all("#d-recs .rec-via", "c => c.map(x => x.dataset.via)")
    assert via and set(via) == {"road"}
    expect(page.locator("#d-recs .rec-eta").first).to_contain_text(re.compile(r"\d+:\d\d"))
    expect(page.locator("#d-recs .rec-via").first).to_have_text("lewat jalan")  # id: by road
    expect(page.locator("#d-hospital")).to_contain_text(inc["hospital"]["name"])
    assert page.locator("#d-hospital").get_attribute("data-hospital-id") == inc["hospital"]["id"]
    assert not page.page_errors
