"""Exercise incidents are unmistakable in a real Chromium: queue card, banner, detail,
timeline, map marker and the supervisor's live board; simulated units are marked, and both
leave the live picture when the exercise ends."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from dispatch.services import incidents, training
from dispatch.services.actors import Actor
from tests.browser.conftest import Live
from tests.browser.test_console_browser import open_console

TRAINER = Actor("operator", "supervisor", None, "supervisor")
LABEL = "LATIHAN / EXERCISE"
EXERCISE = re.compile(r"\bexercise\b")
SIMULATED = re.compile(r"\bsimulated\b")
MEDICAL = "ada orang pingsan di pasar setonobetek, tidak sadarkan diri"


def test_exercise_is_labelled_everywhere_and_leaves_with_its_units(
    page: Any, live: Live, login: Any
) -> None:
    training.provision_units(live.rt, TRAINER)
    drill = incidents.create_incident(live.rt, {"description": MEDICAL, "lat": -7.8190,
                                                "lon": 112.0105, "exercise": True}, TRAINER)
    real = incidents.create_incident(live.rt, {"description": MEDICAL, "lat": -7.8300,
                                               "lon": 112.0250}, TRAINER)
    problems = open_console(page, live, login)

    card = page.locator(f"#queue .q-item[data-incident-id='{drill['id']}']")
    expect(card).to_have_class(EXERCISE)
    expect(card.locator(".ex-badge")).to_have_text(LABEL)
    real_card = page.locator(f"#queue .q-item[data-incident-id='{real['id']}']")
    expect(real_card).to_be_visible()
    assert real_card.locator(".ex-badge").count() == 0
    expect(page.locator("#exercise-banner")).to_be_visible()
    expect(page.locator("#exercise-banner")).to_contain_text(LABEL)

    marker = page.locator(f".incident[data-incident-id='{drill['id']}']")
    expect(marker).to_have_class(EXERCISE)
    assert "exercise" not in (page.locator(
        f".incident[data-incident-id='{real['id']}']").get_attribute("class") or "")
    sim_unit = page.locator(".unit[data-unit-id='SIM-AMB-01']")
    expect(sim_unit).to_have_class(SIMULATED)
    assert "simulated" not in (page.locator(".unit[data-unit-id='AMB-01']")
                               .get_attribute("class") or "")

    card.click()
    expect(page.locator("#d-exercise")).to_be_visible()
    expect(page.locator("#d-exercise")).to_contain_text(LABEL)
    expect(page.locator("#d-title")).to_contain_text(LABEL)
    expect(page.locator("#tl-exercise")).to_be_visible()
    page.wait_for_selector("#d-recs .rec")
    recs = page.eval_on_selector_all("#d-recs .rec", "rows => rows.map(r => r.dataset.unitId)")
    assert recs and all(r.startswith("SIM-") for r in recs)

    real_card.click()
    expect(page.locator("#d-title")).to_contain_text(f"#{real['id']}")
    expect(page.locator("#d-exercise")).to_be_hidden()
    expect(page.locator("#tl-exercise")).to_be_hidden()

    # The end of the exercise: its card, banner, marker and parked units leave the screen.
    training.end_exercise(live.rt, {}, TRAINER)
    expect(card).to_have_count(0)
    expect(page.locator("#exercise-banner")).to_be_hidden()
    expect(marker).to_have_count(0)
    expect(page.locator(".unit.simulated[data-unit-id]")).to_have_count(0)
    expect(real_card).to_be_visible()
    assert not page.page_errors, page.page_errors
    assert not [p for p in problems if "Content Security Policy" in p], problems


def test_live_board_labels_exercises_when_included(page: Any, live: Live, login: Any) -> None:
    drill = incidents.create_incident(live.rt, {"description": MEDICAL, "lat": -7.8190,
                                                "lon": 112.0105, "exercise": True}, TRAINER)
    real = incidents.create_incident(live.rt, {"description": MEDICAL, "lat": -7.8300,
                                               "lon": 112.0250}, TRAINER)
    login(page, live, "supervisor", "/dashboard?include_exercise=1")
    row = page.locator("#open-table tbody tr.exercise")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(f"#{drill['id']} {LABEL}")
    expect(page.locator("#open-table tbody tr", has_text=f"#{real['id']}")).not_to_have_class(
        EXERCISE)
