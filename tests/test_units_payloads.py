"""Payload parsing (pure): our topics, OwnTracks' real messages, time formats, bad input."""

from __future__ import annotations

import json

import pytest

from units import payloads
from units.payloads import PayloadError

NOW = 1_795_400_000.0


def reason(fn, *args) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(PayloadError) as err:
        fn(*args)
    return err.value.reason


def test_routes() -> None:
    assert payloads.route("siaga/units/AMB-01/position") == payloads.Route("position", "AMB-01")
    assert payloads.route("x/units/A_1/ack", "x").kind == "ack"
    assert payloads.route("owntracks/budi/pixel7") == payloads.Route("owntracks",
                                                                     "owntracks/budi/pixel7")
    assert payloads.route("owntracks/budi/pixel7/event").key == "owntracks/budi/pixel7"
    assert reason(payloads.route, "owntracks/budi/pixel7/cmd") == "unsupported_topic"
    assert reason(payloads.route, "siaga/units/AMB-01/orders") == "bad_topic"
    assert reason(payloads.route, "siaga/units/bad id/position") == "bad_topic"
    assert reason(payloads.route, "other/units/AMB-01/position") == "bad_topic"


def test_position_full_and_minimal() -> None:
    fix = payloads.parse_position({"lat": -7.8, "lon": 112.0, "ts": NOW, "speed_kmh": 40,
                                   "heading": 359.5, "accuracy_m": 4, "battery": 80}, NOW)
    assert fix == payloads.Fix(-7.8, 112.0, NOW, 40.0, 359.5, 4.0, 80.0)
    assert payloads.parse_position({"lat": -7.8, "lon": 112.0}, NOW).ts == NOW


@pytest.mark.parametrize(("value", "expected"), [
    (NOW, NOW),
    (int(NOW), NOW),
    (str(int(NOW)), NOW),
    (NOW * 1000, NOW),  # milliseconds
    ("2026-11-23T09:00:00+07:00", 1795399200.0),
    ("2026-11-23T02:00:00Z", 1795399200.0),
])
def test_ts_formats(value: object, expected: float) -> None:
    assert payloads.parse_ts(value, 1_795_420_000.0) == pytest.approx(expected)


@pytest.mark.parametrize("value", ["2026-11-23T09:00:00", "kemarin", True, [1], -5, 0])
def test_bad_ts(value: object) -> None:
    assert reason(payloads.parse_ts, value, NOW) == "bad_ts"


def test_future_ts_is_refused() -> None:
    assert reason(payloads.parse_ts, NOW + 3 * 86400, NOW) == "future_ts"


@pytest.mark.parametrize(("data", "why"), [
    ({"lon": 112.0}, "missing_coordinates"),
    ({"lat": None, "lon": 112.0}, "missing_coordinates"),
    ({"lat": "-7.8", "lon": 112.0}, "bad_type"),
    ({"lat": False, "lon": 112.0}, "bad_type"),
    ({"lat": -91, "lon": 112.0}, "out_of_range"),
    ({"lat": -7.8, "lon": 180.5}, "out_of_range"),
    ({"lat": float("nan"), "lon": 112.0}, "out_of_range"),
    ({"lat": -7.8, "lon": 112.0, "speed_kmh": -3}, "out_of_range"),
    ({"lat": -7.8, "lon": 112.0, "heading": "north"}, "bad_type"),
    ({"lat": -7.8, "lon": 112.0, "battery": 150}, "out_of_range"),
])
def test_bad_positions(data: dict[str, object], why: str) -> None:
    assert reason(payloads.parse_position, data, NOW) == why


def test_null_island_is_parsed_for_the_fleet_to_flag() -> None:
    # (0, 0) is kept as received; the fleet flags it (null_island) instead of a drop.
    fix = payloads.parse_position({"lat": 0, "lon": 0, "ts": NOW}, NOW)
    assert (fix.lat, fix.lon) == (0.0, 0.0)


def test_decode() -> None:
    assert payloads.decode_object(b'{"a": 1}') == {"a": 1}
    assert reason(payloads.decode_object, b"{nope") == "not_json"
    assert reason(payloads.decode_object, b"\xff\xff") == "not_json"
    assert reason(payloads.decode_object, b"[]") == "not_object"
    assert reason(payloads.decode_object, b" " * (8 * 1024 + 1)) == "too_large"
    big_ok = json.dumps({"pad": "x" * 8000}).encode()
    assert len(big_ok) <= 8 * 1024 and payloads.decode_object(big_ok)


def test_status_and_ack() -> None:
    assert payloads.parse_status({"status": "en_route", "ts": NOW, "order_id": "o1"}, NOW) == \
        payloads.StatusReport("en_route", NOW, "o1")
    assert reason(payloads.parse_status, {"status": "lunch"}, NOW) == "bad_status"
    assert reason(payloads.parse_status, {"status": 3}, NOW) == "bad_type"
    assert payloads.parse_ack({"order_id": "o1", "accepted": False, "ts": NOW}, NOW) == \
        payloads.Ack("o1", False, NOW)
    assert reason(payloads.parse_ack, {"order_id": "o1", "accepted": "yes"}, NOW) == "bad_type"
    assert reason(payloads.parse_ack, {"accepted": True}, NOW) == "bad_type"


def test_online_flag() -> None:
    assert payloads.parse_online(b"1") is True
    assert payloads.parse_online(b"0") is False
    assert payloads.parse_online(b'"1"') is True
    assert payloads.parse_online(b"true") is True
    assert reason(payloads.parse_online, b"perhaps") == "bad_online"


def test_owntracks_location_as_the_app_sends_it() -> None:
    # iOS app 17.x sample (booklet, JSON page): vel and cog -1 when unknown, batt in percent.
    msg = payloads.parse_owntracks({
        "_type": "location", "BSSID": "a:b:c", "SSID": "kantor", "acc": 16, "alt": 70,
        "batt": 55, "bs": 2, "conn": "w", "created_at": int(NOW) + 2, "lat": -7.81,
        "lon": 112.01, "m": 1, "tid": "JJ", "tst": int(NOW), "vac": 12, "vel": -1, "cog": -1,
        "t": "p", "topic": "owntracks/jj/iphone",
    }, NOW + 10)
    assert msg.type == "location" and msg.tid == "JJ" and msg.fix is not None
    assert msg.fix == payloads.Fix(-7.81, 112.01, NOW, None, None, 16.0, 55.0)
    moving = payloads.parse_owntracks({"_type": "location", "lat": -7.81, "lon": 112.01,
                                       "tst": int(NOW), "vel": 36, "cog": 270}, NOW)
    assert moving.fix is not None and (moving.fix.speed_kmh, moving.fix.heading) == (36.0, 270.0)


def test_owntracks_lwt_and_transition() -> None:
    assert payloads.parse_owntracks({"_type": "lwt", "tst": str(int(NOW))}, NOW).type == "lwt"
    t = payloads.parse_owntracks({"_type": "transition", "wtst": int(NOW) - 99, "lat": -7.8,
                                  "lon": 112.0, "tst": int(NOW), "acc": 10, "tid": "a1",
                                  "event": "leave", "desc": "Markas", "t": "c"}, NOW)
    assert (t.type, t.event, t.region) == ("transition", "leave", "Markas")
    assert t.fix is not None and t.fix.ts == NOW
    no_pos = payloads.parse_owntracks({"_type": "transition", "event": "enter"}, NOW)
    assert no_pos.fix is None
    assert reason(payloads.parse_owntracks, {"_type": "card", "name": "x"}, NOW) == \
        "unsupported_type"
    assert reason(payloads.parse_owntracks, {"lat": 1}, NOW) == "bad_type"
    assert reason(payloads.parse_owntracks, {"_type": "location", "lat": -7.8}, NOW) == \
        "missing_coordinates"
