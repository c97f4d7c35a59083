"""The operator console in a real Chromium: intake by map click, dispatch, live updates, safety."""

from __future__ import annotations

import json
import os
import re
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion
from playwright.sync_api import expect

from dispatch.services import incidents
from dispatch.services.actors import Actor
from tests.browser.conftest import Live, make_live
from tests.support.brokers import Mosquitto

# A spot in Mojoroto away from every station, so a click lands on the map, not a marker.
CLICK_LAT, CLICK_LON = -7.8040, 111.9930
FIRE = "Kebakaran rumah, api besar dan asap tebal dari dapur, ada orang terjebak"
OPERATOR = Actor("operator", "operator", None, "operator")


class TestUnit:
    """A field unit as the contract describes it: a bare paho client on the real broker."""

    __test__ = False

    def __init__(self, url: str, prefix: str = "siaga") -> None:
        host, port = url.removeprefix("mqtt://").split(":")
        self.prefix = prefix
        self.orders: list[tuple[str, dict[str, Any]]] = []
        self._got = threading.Event()
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"test-unit-{os.getpid()}")
        self.client.on_message = self._on_message
        self.client.connect(host, int(port))
        self.client.loop_start()
        subscribed = threading.Event()
        self.client.on_subscribe = lambda *_a: subscribed.set()
        self.client.subscribe(f"{prefix}/units/+/orders", qos=1)
        assert subscribed.wait(5), "test unit could not subscribe"

    def _on_message(self, _c: Any, _u: Any, msg: mqtt.MQTTMessage) -> None:
        unit_id = msg.topic.split("/")[2]
        self.orders.append((unit_id, json.loads(msg.payload)))
        self._got.set()

    def wait_orders(self, n: int, timeout: float = 10.0) -> list[tuple[str, dict[str, Any]]]:
        deadline = time.monotonic() + timeout
        while len(self.orders) < n and time.monotonic() < deadline:
            time.sleep(0.05)
        return list(self.orders)

    def publish(self, unit_id: str, kind: str, payload: dict[str, Any]) -> None:
        info = self.client.publish(f"{self.prefix}/units/{unit_id}/{kind}", json.dumps(payload), qos=1)
        info.wait_for_publish(5)

    def close(self) -> None:
        self.client.loop_stop()
        self.client.disconnect()


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, mosquitto: Mosquitto) -> Iterator[Live]:
    """One live server for this file (tests tolerate each other's incidents): fast setup."""
    lv = make_live(tmp_path_factory.mktemp("console"), mosquitto)
    try:
        yield lv
    finally:
        lv.server.stop()
        lv.rt.stop()


@pytest.fixture
def unit(live: Live) -> Iterator[TestUnit]:
    tu = TestUnit(live.broker_url)
    yield tu
    tu.close()


def open_console(page: Any, live: Live, login: Callable[..., None]) -> list[str]:
    """Log in as the operator and wait until the console is live; returns CSP/console errors."""
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error"
            and "favicon" not in m.text else None)
    login(page, live, "operator")
    assert page.url.endswith("/console"), page.url
    page.wait_for_selector("#console-ready", state="attached")
    page.wait_for_selector("body[data-live=on]")
    return problems


def click_map_at(page: Any, lat: float, lon: float) -> None:
    point = page.evaluate("([lat, lon]) => siagaConsole.map.latLngToContainerPoint([lat, lon])",
                          [lat, lon])
    box = page.locator("#map").bounding_box()
    page.mouse.click(box["x"] + point["x"], box["y"] + point["y"])


def test_take_a_call_by_map_click_dispatch_and_see_the_ack(
    page: Any, live: Live, login: Any, unit: TestUnit
) -> None:
    problems = open_console(page, live, login)
    # Offline (no tiles): the city is still drawn so an operator can orient.
    assert page.locator(".district-label").count() >= 3
    assert page.locator(".station-hospital").count() >= 4
    expect(page.locator("#map-notice")).to_be_visible()

    click_map_at(page, CLICK_LAT, CLICK_LON)
    page.wait_for_selector("#pick-marker")
    expect(page.locator("#location")).to_contain_text("-7.8040")
    page.fill("#caller_phone", "081234567890")
    page.fill("#description", FIRE)
    page.wait_for_selector("#suggested-category[data-category=fire]")
    expect(page.locator("#suggested-cues")).to_contain_text("asap")
    page.click("#create-btn")

    row = page.locator("#queue .q-item.selected")  # the new incident is selected at once
    row.wait_for()
    incident_id = int(row.get_attribute("data-incident-id"))
    expect(row).to_contain_text("Kebakaran")
    page.wait_for_selector("#d-recs .rec-pick")
    planned = page.eval_on_selector_all("#d-recs .rec-pick", "els => els.map(e => e.value)")
    assert planned

    page.keyboard.press("F4")  # dispatch the recommended plan
    page.wait_for_selector("#d-orders .order[data-state=sent]")
    orders = unit.wait_orders(len(planned))
    assert sorted(u for u, _ in orders) == sorted(planned)
    assert all(o["incident_id"] == incident_id for _, o in orders)

    unit_id, order = orders[0]
    unit.publish(unit_id, "ack", {"order_id": order["order_id"], "accepted": True, "ts": time.time()})
    page.wait_for_selector(f"#d-orders .order[data-unit-id='{unit_id}'][data-state=acknowledged]")
    if len(orders) > 1:
        other_id, other = orders[1]
        unit.publish(other_id, "ack", {"order_id": other["order_id"], "accepted": False,
                                       "ts": time.time()})
        page.wait_for_selector(f"#d-orders .order.flagged[data-unit-id='{other_id}']")
    assert not page.page_errors, page.page_errors
    assert not [p for p in problems if "Content Security Policy" in p], problems


def test_the_callers_publication_consent_goes_with_a_non_emergency(
    page: Any, live: Live, login: Any
) -> None:
    open_console(page, live, login)
    tickets = []
    for n, agreed in enumerate((True, False)):
        page.fill("#coords", f"{CLICK_LAT - 0.003 * n:.5f}, {CLICK_LON:.5f}")
        expect(page.locator("#location")).to_contain_text(f"{CLICK_LAT - 0.003 * n:.4f}")
        page.fill("#description", "lampu PJU mati di jalan depan rumah sudah seminggu")
        page.set_checked("#publish_consent", agreed)
        page.click("#create-btn")
        expect(page.locator("#intake-msg.ok")).to_be_visible()
        row = page.locator("#queue .q-item.selected")
        row.wait_for()
        inc_id = int(row.get_attribute("data-incident-id"))
        with live.rt.session() as s:
            from dispatch.db.models import Incident
            from dispatch.db.models_complaints import Complaint

            ticket = s.get(Incident, inc_id).complaint_ticket
            assert ticket, f"incident {inc_id} made no ticket"
            tickets.append(s.query(Complaint).filter_by(ticket=ticket).one().publish_consent)
        expect(page.locator("#publish_consent")).not_to_be_checked()  # the form starts afresh
    assert tickets == [True, False]


def test_unit_marker_moves_when_its_position_is_published(
    page: Any, live: Live, login: Any, unit: TestUnit
) -> None:
    open_console(page, live, login)
    unit_id = live.rt.fleet.all()[0].id
    marker = page.locator(f".unit[data-unit-id='{unit_id}']")
    marker.wait_for()
    before = float(marker.get_attribute("data-lat"))
    target = round(before - 0.0123, 5)
    unit.publish(unit_id, "position", {"lat": target, "lon": 112.0, "ts": time.time(),
                                       "heading": 90})
    page.wait_for_function(
        "([id, lat]) => { const m = document.querySelector(`.unit[data-unit-id='${id}']`);"
        " return m && Math.abs(parseFloat(m.dataset.lat) - lat) < 1e-6; }",
        arg=[unit_id, target],
    )
    assert float(marker.get_attribute("data-lon")) == pytest.approx(112.0)


def test_assumed_at_station_and_an_order_acknowledged_by_radio(
    page: Any, live: Live, login: Any, unit: TestUnit
) -> None:
    from dispatch.services import field
    from dispatch.services import units as unit_service

    # Near Polsek Pesantren: an OwnTracks-only police phone reports; POL-04 never has, but
    # its post is trusted by the pack, so it is "assumed at station".
    lat, lon = -7.8440, 112.0250
    tracker = f"owntracks/br{os.getpid()}/phone"
    unit_service.register_unit(live.rt, "POL-OTB", "police", "polres", tracker=tracker)
    field.record_position(live.rt, "POL-OTB", lat, lon, live.rt.clock.time(), accuracy_m=6,
                          source="owntracks")
    inc = incidents.create_incident(live.rt, {"description": "Tawuran warga di jalan",
                                              "lat": lat, "lon": lon, "category": "unrest"},
                                    OPERATOR)
    assert [r["unit_id"] for r in inc["recommendations"]][:1] == ["POL-OTB"]
    open_console(page, live, login)
    marker = page.locator(".unit[data-unit-id='POL-04']")
    marker.wait_for(state="attached")
    assert "assumed" in (marker.get_attribute("class") or "")
    assert "diasumsikan di pos" in (marker.get_attribute("title") or "")
    page.click(f"#queue .q-item[data-incident-id='{inc['id']}']")
    expect(page.locator("#d-recs tr[data-unit-id='POL-04'] .rec-note")).to_have_text(
        "diasumsikan di pos")
    expect(page.locator("#d-recs tr[data-unit-id='POL-OTB'] .rec-note")).to_have_text("")

    sent_before = live.rt.counters.snapshot().get("mqtt_sent.orders", 0)
    page.uncheck("#d-recs tr[data-unit-id='POL-04'] .rec-pick")
    page.click("#dispatch-selected")
    order = page.locator("#d-orders .order[data-unit-id='POL-OTB'][data-channel=radio]")
    expect(order).to_contain_text("perintah lewat radio")
    order.locator("button.ack-radio").click()
    page.wait_for_selector("#d-orders .order[data-unit-id='POL-OTB'][data-state=acknowledged]")
    expect(page.locator("#timeline")).to_contain_text("dikonfirmasi lewat radio")
    assert page.locator("#d-orders .order[data-unit-id='POL-OTB'] button.ack-radio").count() == 0
    # Nothing went out over MQTT for the phone.
    assert live.rt.counters.snapshot().get("mqtt_sent.orders", 0) == sent_before
    assert "POL-OTB" not in [u for u, _ in unit.orders]
    assert not page.page_errors, page.page_errors


def test_html_and_script_from_callers_and_units_never_run(
    page: Any, live: Live, login: Any
) -> None:
    payload = '<img src=x onerror="window.__xss=1">'
    inc = incidents.create_incident(live.rt, {
        "description": f"Kebakaran {payload}", "lat": -7.82, "lon": 112.01,
        "address": "<script>window.__xss=2</script>Jl. Dhoho",
    }, OPERATOR)
    from dispatch.services import units as unit_service

    unit_service.register_unit(live.rt, "EVIL-1", "police", "polres",
                               name='<img src=x onerror="window.__xss=3">')
    open_console(page, live, login)
    page.click(f"#queue .q-item[data-incident-id='{inc['id']}']")
    page.wait_for_selector("#d-desc")
    assert payload in page.text_content("#d-desc")  # shown as text
    assert "<script>window.__xss=2</script>" in page.text_content("#d-info")
    page.fill("#description", payload)  # the live classification echoes nothing as HTML
    page.fill("#address", "<b>x</b>")
    page.dispatch_event(".unit[data-unit-id='EVIL-1']", "mouseover")  # opens its tooltip
    tip = page.locator(".leaflet-tooltip", has_text="EVIL-1")
    tip.wait_for()
    assert 'onerror="window.__xss=3"' in tip.text_content()
    time.sleep(0.5)  # give an injected handler every chance to fire
    assert page.evaluate("window.__xss") is None
    assert page.locator("#d-desc img").count() == 0 and page.locator("#queue img").count() == 0


def test_shortcuts_help_and_next_in_queue(page: Any, live: Live, login: Any) -> None:
    for lat in (-7.81, -7.82):
        incidents.create_incident(live.rt, {"description": FIRE, "lat": lat, "lon": 112.01}, OPERATOR)
    open_console(page, live, login)
    page.wait_for_selector("#queue .q-item >> nth=1")
    page.keyboard.press("?")
    expect(page.locator("#help")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator("#help")).to_be_hidden()
    page.keyboard.press("j")
    first = page.locator("#queue .q-item.selected")
    first.wait_for()
    first_id = first.get_attribute("data-incident-id")
    page.keyboard.press("j")
    page.wait_for_function(
        "id => { const s = document.querySelector('#queue .q-item.selected');"
        " return s && s.dataset.incidentId !== id; }", arg=first_id)
    page.keyboard.press("F2")
    expect(page.locator("#caller_phone")).to_be_focused()


def test_english_is_selectable(page: Any, live: Live, login: Any) -> None:
    open_console(page, live, login)
    expect(page.locator(".intake h2")).to_have_text(re.compile(r"^Kejadian baru"))
    page.click("button.lang[value=en]")
    page.wait_for_selector("html[lang=en]")
    expect(page.locator(".intake h2")).to_have_text(re.compile(r"^New incident"))
