"""Property tests of what units send: any bytes in, a parsed message or a counted drop out.

The pure parsers (units/payloads.py, and the AML/coordinate parsers in geo/coords.py) may
only return their result or raise their module's error; the gateway's dispatch path turns
every bad message into one counted drop with a named reason and one log line, never a
traceback and never the catch-all `mqtt_dropped.error`. Hypothesis runs derandomized with a
bounded number of examples, so every run tries the same inputs.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import re
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dispatch.bootstrap import bootstrap
from dispatch.clock import ManualClock
from dispatch.config import Settings
from dispatch.runtime import Runtime
from dispatch.services import units
from geo import coords
from geo.coords import CoordinateError
from tests.support.brokers import Mosquitto
from units import payloads
from units.payloads import PayloadError
from units.setup import attach
from units.unitclient import UnitClient

# Deterministic and bounded: the same examples on every run, no per-example deadline (a
# loaded CI machine must not turn slowness into a failure), no example database on disk.
PROFILE = dict(derandomize=True, deadline=None, database=None,
               suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                      HealthCheck.function_scoped_fixture])
PURE = settings(max_examples=300, **PROFILE)  # type: ignore[arg-type]
GATEWAY = settings(max_examples=150, **PROFILE)  # type: ignore[arg-type]
BROKER = settings(max_examples=25, **PROFILE)  # type: ignore[arg-type]

NOW = ManualClock().time()  # the fixed start of the test clocks, the gateway's "now"
TRACKER = "owntracks/budi/pixel7"
REASON = re.compile(r"^[a-z_]{3,32}$")  # a counter name: short, fixed words

# -- strategies ---------------------------------------------------------------------------
HUGE_INTS = st.sampled_from([2**63, -(2**63) - 1, 2**1024, 10**400, -(10**4299)])
# Lone surrogates (U+D800..U+DFFF) are valid in JSON escapes and in Python str, never in UTF-8.
SURROGATE_TEXT = st.text(st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF),
                         min_size=1, max_size=3)
ANY_TEXT = st.text(max_size=40) | SURROGATE_TEXT | st.sampled_from(
    ["", "\u0000", "NaN", "Infinity", "-1", "1e400", "2026-11-23T09:00:00", "9" * 30])
SCALARS = (st.none() | st.booleans() | st.integers() | HUGE_INTS
           | st.floats(allow_nan=True, allow_infinity=True) | ANY_TEXT)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(ANY_TEXT, inner, max_size=4),
    max_leaves=12,
)


def _nested(depth: int, opener: str, closer: str, core: str = "0") -> str:
    return opener * depth + core + closer * depth


# Deep nesting: within the size limit (the parser's own problem) and far beyond it.
DEEP_TEXT = st.integers(1, 6000).flatmap(lambda d: st.sampled_from([
    _nested(d, "[", "]"),
    _nested(d, '{"a":', "}"),
    '{"lat": ' + _nested(d, "[", "]") + ', "lon": 112.0}',
]))
# Integers written out with more digits than Python converts by default (4300).
HUGE_NUMBER_TEXT = st.integers(300, 6000).map(lambda n: '{"lat": ' + "7" * n + ', "lon": 1}')

VALID: dict[str, dict[str, Any]] = {
    "position": {"lat": -7.8, "lon": 112.0, "ts": NOW, "speed_kmh": 40, "heading": 90,
                 "accuracy_m": 5, "battery": 80},
    "status": {"status": "available", "ts": NOW, "order_id": "ord_1"},
    "ack": {"order_id": "ord_1", "accepted": True, "ts": NOW},
    "owntracks": {"_type": "location", "lat": -7.8, "lon": 112.0, "tst": int(NOW), "acc": 5,
                  "vel": 20, "cog": 45, "batt": 60, "tid": "bd"},
    "transition": {"_type": "transition", "event": "enter", "desc": "RS", "lat": -7.8,
                   "lon": 112.0, "tst": int(NOW), "tid": "bd"},
    "lwt": {"_type": "lwt", "tst": int(NOW)},
}
FIELDS = sorted({k for body in VALID.values() for k in body} | {"created_at", "_type"})


@st.composite
def near_valid(draw: st.DrawFn) -> dict[str, Any]:
    """A valid message of some kind with one or two fields replaced, removed or added."""
    body = dict(VALID[draw(st.sampled_from(sorted(VALID)))])
    for _ in range(draw(st.integers(1, 2))):
        key = draw(st.sampled_from(FIELDS))
        if draw(st.booleans()) and key in body:
            del body[key]
        else:
            body[key] = draw(JSON_VALUES)
    return body


def _dumps(value: Any) -> bytes:
    # allow_nan writes NaN/Infinity, ensure_ascii writes lone surrogates as \udXXX escapes:
    # both are what a careless or hostile sender puts on the wire.
    return json.dumps(value, allow_nan=True).encode()


PAYLOADS = st.one_of(
    st.binary(max_size=300),
    JSON_VALUES.map(_dumps),
    near_valid().map(_dumps),
    DEEP_TEXT.map(str.encode),
    HUGE_NUMBER_TEXT.map(str.encode),
    st.binary(min_size=payloads.MAX_PAYLOAD_BYTES - 2, max_size=payloads.MAX_PAYLOAD_BYTES + 2),
)


# -- the pure parsers ---------------------------------------------------------------------
def parse(kind: str, payload: bytes, now: float = NOW) -> Any:
    """What the gateway's handler for `kind` parses, without the services."""
    if kind == "online":
        return payloads.parse_online(payload)
    data = payloads.decode_object(payload)
    fn: Callable[[dict[str, Any], float], Any] = {
        "position": payloads.parse_position, "status": payloads.parse_status,
        "ack": payloads.parse_ack, "owntracks": payloads.parse_owntracks,
    }[kind]
    return fn(data, now)


def _check_fix(fix: payloads.Fix | None) -> None:
    if fix is None:
        return
    assert -90 <= fix.lat <= 90 and -180 <= fix.lon <= 180
    assert math.isfinite(fix.ts) and 0 < fix.ts <= NOW + payloads.MAX_FUTURE_S
    for value in (fix.speed_kmh, fix.heading, fix.accuracy_m, fix.battery):
        assert value is None or math.isfinite(value)


def _check_text(value: str | None) -> None:
    # Text kept from a message goes to the database and to JSON: it must encode as UTF-8.
    if value is not None:
        value.encode("utf-8")


def parsed_or_dropped(kind: str, payload: bytes) -> str | None:
    """None when parsed (and the result is sane), else the drop reason."""
    try:
        out = parse(kind, payload)
    except PayloadError as err:
        assert REASON.match(err.reason), err.reason
        return err.reason
    if isinstance(out, payloads.Fix):
        _check_fix(out)
    elif isinstance(out, payloads.OwnTracksMessage):
        _check_fix(out.fix)
        _check_text(out.region)
        _check_text(out.tid)
    elif isinstance(out, payloads.StatusReport | payloads.Ack):
        assert math.isfinite(out.ts)
        _check_text(out.order_id)
    else:
        assert isinstance(out, bool)
    return None


@pytest.mark.parametrize("kind", ["position", "status", "ack", "online", "owntracks"])
@PURE
@given(payload=PAYLOADS)
def test_any_payload_is_parsed_or_dropped_by_reason(kind: str, payload: bytes) -> None:
    parsed_or_dropped(kind, payload)


@PURE
@given(body=near_valid(), now=st.floats(1e9, 4e9))
def test_near_valid_messages_never_raise_anything_else(body: dict[str, Any], now: float) -> None:
    raw = _dumps(body)
    for kind in ("position", "status", "ack", "owntracks"):
        with contextlib.suppress(PayloadError):
            parse(kind, raw, now)


def test_the_valid_examples_parse() -> None:
    # The property above must not pass by dropping everything.
    assert parsed_or_dropped("position", _dumps(VALID["position"])) is None
    assert parsed_or_dropped("status", _dumps(VALID["status"])) is None
    assert parsed_or_dropped("ack", _dumps(VALID["ack"])) is None
    for name in ("owntracks", "transition", "lwt"):
        assert parsed_or_dropped("owntracks", _dumps(VALID[name])) is None
    assert parsed_or_dropped("online", b"1") is None


@pytest.mark.parametrize(("payload", "reason"), [
    (_nested(900, "[", "]").encode(), "not_object"),
    (_nested(4000, "[", "]").encode(), "too_deep"),
    (('{"lat": ' + _nested(3000, "[", "]") + ', "lon": 1}').encode(), "too_deep"),
    (_nested(100_000, "[", "]").encode(), "too_large"),
    (('{"lat": ' + "7" * 5000 + ', "lon": 1}').encode(), "not_json"),
    (b'{"lat": NaN, "lon": 112.0}', "out_of_range"),
    (b'{"lat": -7.8, "lon": 112.0, "ts": Infinity}', "bad_ts"),
    (('{"lat": -7.8, "lon": 112.0, "ts": ' + "9" * 400 + "}").encode(), "bad_ts"),
    # Only numbers are read as milliseconds: a year-9999 date is in the future, not in 1978.
    (b'{"lat": -7.8, "lon": 112.0, "ts": "9999-12-31T23:59:59+00:00"}', "future_ts"),
])
def test_hostile_json_gets_its_reason(payload: bytes, reason: str) -> None:
    assert parsed_or_dropped("position", payload) == reason


@pytest.mark.parametrize(("kind", "body", "reason"), [
    ("status", {"status": "available", "order_id": "ord_\ud800"}, "bad_type"),
    ("status", {"status": "available", "order_id": "ord_\u0000"}, "bad_type"),
    ("ack", {"order_id": "\udfff"}, "bad_type"),
    ("ack", {"order_id": "a\u0000b"}, "bad_type"),
])
def test_order_ids_that_cannot_be_stored_are_dropped(kind: str, body: dict[str, Any],
                                                     reason: str) -> None:
    assert parsed_or_dropped(kind, _dumps(body)) == reason


def test_owntracks_text_that_cannot_be_stored_is_left_out() -> None:
    msg = parse("owntracks", _dumps({**VALID["transition"], "desc": "RS\ud800", "tid": "\udc00"}))
    assert msg.region is None and msg.tid is None and msg.event == "enter"


@PURE
@given(topic=st.text(max_size=80) | st.builds(
    "/".join, st.lists(st.sampled_from(["siaga", "units", "owntracks", "AMB-01", "position",
                                        "event", "", "+", "#", "a b", "\ud800"]), max_size=5)))
def test_any_topic_routes_or_is_dropped(topic: str) -> None:
    try:
        r = payloads.route(topic)
    except PayloadError as err:
        assert REASON.match(err.reason)
    else:
        assert r.kind in payloads.KINDS


# AML SMS bodies: arbitrary text, and real-looking bodies with one field's value replaced.
AML_V1 = ('A"ML=1;lt=-7.8167;lg=+112.0136;rd=12;top=20261123090000;lc=68;pm=G;'
          'si=510101234567890;ei=356938035643809;mcc=510;mnc=10;ml=124')
AML_V2 = ('A"ML=2;en=112;et=1795400000;lo=-7.8167,112.0136,12;lt=-4;lc=68;lz=95,3;ls=G;'
          'ei=356938035643809;mcc=510;mnc=10;ml=120')


@st.composite
def near_aml(draw: st.DrawFn) -> str:
    """A real-looking AML body with one field's value (or the header's version) replaced."""
    parts = draw(st.sampled_from([AML_V1, AML_V2])).split(";")
    i = draw(st.integers(0, len(parts) - 1))
    key = parts[i].partition("=")[0]
    value = draw(st.text(max_size=12) | st.integers().map(str) | st.sampled_from(
        ["", "1e400", "nan", "inf", "-0", ",", ",,", "9" * 5000, "٣", "20261399999999"]))
    parts[i] = f"{key}={value}"
    return ";".join(parts)


@PURE
@given(text=st.text(max_size=200) | near_aml() | st.builds(
    lambda n: 'A"ML=' + "1" * n + ";lt=1;lg=2", st.integers(1, 6000)))
def test_aml_parses_or_raises_coordinate_error(text: str) -> None:
    try:
        msg = coords.parse_aml(text)
    except CoordinateError:
        return
    if msg.has_location:
        assert msg.lat is not None and msg.lon is not None
        assert -90 <= msg.lat <= 90 and -180 <= msg.lon <= 180
    msg.assess(msg.positioned_at or msg.call_at or coords.datetime.now(coords.UTC))


@PURE
@given(text=st.text(max_size=60) | st.sampled_from(["-7.8167, 112.0136", "7°49'S 112°0'E",
                                                    "1e400, 1", "9" * 5000 + ", 1"]))
def test_coordinates_parse_or_raise_coordinate_error(text: str) -> None:
    try:
        lat, lon = coords.parse_coordinates(text)
    except CoordinateError:
        return
    assert -90 <= lat <= 90 and -180 <= lon <= 180


# -- the gateway's dispatch path, on a real runtime -----------------------------------------
def _drops(rt: Runtime) -> dict[str, int]:
    return {k: v for k, v in rt.counters.snapshot().items() if k.startswith("mqtt_dropped.")}


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def records() -> Iterator[_Records]:
    # A handler of our own: caplog is function-scoped and Hypothesis reuses the test's fixtures.
    handler = _Records()
    logger = logging.getLogger("units.gateway")
    logger.addHandler(handler)
    old = logger.level
    logger.setLevel(logging.INFO)
    yield handler
    logger.removeHandler(handler)
    logger.setLevel(old)


@pytest.fixture
def center(settings: Settings) -> Iterator[Runtime]:
    """A runtime with its gateway built but not started: `_dispatch` needs no broker."""
    rt = bootstrap(settings.with_(mqtt_url="mqtt://127.0.0.1:1"), clock=ManualClock())
    attach(rt, embedded=False)
    units.register_unit(rt, "AMB-OT1", "ambulance", tracker=TRACKER)
    yield rt
    rt.stop()


def _assert_one_counted_drop(rt: Runtime, before: dict[str, int], expected: str | None,
                             records: _Records) -> None:
    after = _drops(rt)
    grown = {k: after.get(k, 0) - before.get(k, 0) for k in after}
    grown = {k: v for k, v in grown.items() if v}
    assert "mqtt_dropped.error" not in grown, records.records[-1].getMessage()
    assert sum(grown.values()) <= 1, grown
    if expected is not None:
        assert grown == {f"mqtt_dropped.{expected}": 1}, (expected, grown)
    assert not [r for r in records.records if r.exc_info], "a traceback was logged"


@pytest.mark.parametrize("kind", ["position", "status", "ack", "online", "owntracks"])
@GATEWAY
@given(payload=PAYLOADS)
def test_dispatch_counts_every_bad_message_and_raises_nothing(
        center: Runtime, records: _Records, kind: str, payload: bytes) -> None:
    gw = center.orders
    unit = center.fleet.get("AMB-01")
    assert unit is not None
    key = TRACKER if kind == "owntracks" else "AMB-01"
    topic = key if kind == "owntracks" else f"{center.settings.mqtt_prefix}/units/{key}/{kind}"
    before = _drops(center)
    expected = parsed_or_dropped(kind, payload) if len(payload) <= payloads.MAX_PAYLOAD_BYTES \
        else "too_large"
    records.records.clear()
    if expected == "too_large":
        # The network thread drops oversized messages before they are queued.
        gw._drop(PayloadError("too_large", f"{len(payload)} bytes"), topic)
    else:
        gw._dispatch(payloads.Route(kind, key), payload, topic)
    _assert_one_counted_drop(center, before, expected, records)


def test_deep_json_on_the_position_topic_is_one_counted_line(
        center: Runtime, caplog: pytest.LogCaptureFixture) -> None:
    gw = center.orders
    topic = f"{center.settings.mqtt_prefix}/units/AMB-01/position"
    caplog.set_level(logging.DEBUG, logger="units.gateway")
    for depth in (100_000, 4_000):
        payload = _nested(depth, "[", "]").encode()
        msg = mqtt.MQTTMessage(topic=topic.encode())
        msg.payload = payload
        gw._on_message(gw.client, None, msg)  # the network thread's callback
    # The handler thread is not running: take what the callback queued and handle it here.
    r, payload, topic_ = gw._queue.get_nowait()
    gw._dispatch(r, payload, topic_)
    drops = _drops(center)
    assert drops.get("mqtt_dropped.too_large") == 1
    assert drops.get("mqtt_dropped.too_deep") == 1
    assert "mqtt_dropped.error" not in drops
    lines = [r for r in caplog.records if r.name == "units.gateway" and "dropped" in r.message]
    assert len(lines) == 2
    assert all(r.exc_info is None and "Traceback" not in r.getMessage() for r in caplog.records)
    assert all(len(r.getMessage().splitlines()) == 1 for r in lines)
    assert "too_deep" in lines[1].getMessage() and topic in lines[1].getMessage()


def test_a_handler_bug_is_one_counted_line_not_a_traceback_per_message(
        center: Runtime, caplog: pytest.LogCaptureFixture) -> None:
    gw = center.orders

    def broken(_key: str, _payload: bytes, _now: float) -> None:
        raise RuntimeError("a bug\nover two lines")

    gw.register("status", broken)
    topic = f"{center.settings.mqtt_prefix}/units/AMB-01/status"
    caplog.set_level(logging.INFO, logger="units.gateway")
    for _ in range(3):
        gw._dispatch(payloads.Route("status", "AMB-01"), b"{}", topic)
    assert _drops(center) == {"mqtt_dropped.error": 3}
    lines = [r for r in caplog.records if r.name == "units.gateway"]
    assert len(lines) == 3
    assert all(r.exc_info is None and len(r.getMessage().splitlines()) == 1 for r in lines)
    assert "RuntimeError" in lines[0].getMessage() and topic in lines[0].getMessage()


# -- the same through a real Mosquitto (a smaller sample) -----------------------------------
@pytest.fixture
def live(settings: Settings, mosquitto: Mosquitto) -> Iterator[tuple[Runtime, UnitClient]]:
    """A center subscribed on a real broker, and a unit's client publishing to it."""
    s = settings.with_(mqtt_url=mosquitto.url, mqtt_prefix="p" + uuid.uuid4().hex[:10])
    rt = bootstrap(s, clock=ManualClock())
    attach(rt, embedded=False)
    rt.start()
    assert rt.orders.wait_connected(10) and rt.orders.wait_subscribed(10)
    amb = UnitClient(rt.mqtt_url, "AMB-02", prefix=s.mqtt_prefix,
                     client_id=f"AMB-02-{uuid.uuid4().hex[:6]}", clock=rt.clock).connect()
    yield rt, amb
    amb.disconnect()
    rt.stop()
