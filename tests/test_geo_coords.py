"""Coordinate text parsing and AML SMS parsing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from geo.coords import AmlLocation, AmlMessage, CoordinateError, parse_aml, parse_coordinates

DMS_LAT = -(7 + 49 / 60 + 0.1 / 3600)
DMS_LON = 112 + 0 / 60 + 47.9 / 3600


@pytest.mark.parametrize(
    "text",
    [
        "-7.8167, 112.0133",
        "-7.8167 112.0133",
        "-7.8167,112.0133",
        "  -7.8167 ;  +112.0133 ",
        "S7°49.002' E112°00.798'",
        "S 7° 49.002′ E 112° 00.798′",
        "7.8167 S, 112.0133 E",
        "7.8167 LS 112.0133 BT",
        "7,8167 LS 112,0133 BT",
        "-7,8167 112,0133",
        "lat: -7.8167, lon: 112.0133",
        "112.0133 E, 7.8167 S",
    ],
)
def test_decimal_and_ddm(text: str) -> None:
    lat, lon = parse_coordinates(text)
    assert lat == pytest.approx(-7.8167, abs=1e-9)
    assert lon == pytest.approx(112.0133, abs=1e-9)


@pytest.mark.parametrize(
    "text",
    [
        "7°49'0.1\"S 112°0'47.9\"E",
        "7°49′0.1″S 112°0′47.9″E",
        "7°49’0.1”S, 112°0’47.9”E",
        "7º49'0.1''S 112º0'47.9''E",
        "7 49 0.1 S, 112 0 47.9 E",
        "7 49 0.1 S 112 0 47.9 E",
        "S 7 49 0.1 E 112 0 47.9",
        "7°49'0.1\" LS 112°0'47.9\" BT",
        "7°49'0.1\" lintang selatan, 112°0'47.9\" bujur timur",
        "-7°49'0.1\" 112°0'47.9\"",
        "112°0'47.9\"E 7°49'0.1\"S",
    ],
)
def test_dms(text: str) -> None:
    lat, lon = parse_coordinates(text)
    assert lat == pytest.approx(DMS_LAT, abs=1e-9)
    assert lon == pytest.approx(DMS_LON, abs=1e-9)


def test_hemispheres() -> None:
    assert parse_coordinates("6.2 N 106.8 W") == pytest.approx((6.2, -106.8))
    assert parse_coordinates("6.2 LU 106.8 BB") == pytest.approx((6.2, -106.8))
    assert parse_coordinates("N6°12' W106°48'") == pytest.approx((6.2, -106.8))
    assert parse_coordinates("0, 0") == (0.0, 0.0)
    assert parse_coordinates("-90, 180") == (-90.0, 180.0)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("hello world", "unexpected word"),
        ("-7.8167", "latitude"),
        ("-91, 112", "latitude"),
        ("-7.8, 181", "longitude"),
        ("7°61'0\"S 112°0'0\"E", "below 60"),
        ("7°49'60\"S 112°0'0\"E", "below 60"),
        ("-7.8 S, 112 E", "sign or a hemisphere"),
        ("7 S 8 N", "same axis"),
        ("1, 2, 3", "separators"),
        ("7.5°30' S, 112 E", "fractional"),
        ("-7.8 # 112", "unexpected character"),
        ("7.8 S 112", "hemisphere"),
        ("1 2 3 4 5, 6", "too many numbers"),
    ],
)
def test_errors_are_clear(text: str, fragment: str) -> None:
    with pytest.raises(CoordinateError) as err:
        parse_coordinates(text)
    assert fragment in str(err.value)
    assert isinstance(err.value, ValueError)


def _ml(body: str) -> str:
    """Append the ml= field that makes `body` exactly as long as it says (ml counts itself)."""
    for n in range(len(body) + 5, len(body) + 12):
        text = f"{body};ml={n}"
        if len(text) == n:
            return text
    raise AssertionError("no consistent ml")


# Written from the published AML v1 layout (ETSI TS 103 625 / EENA), a fix near Stasiun Kediri.
AML = _ml('A"ML=1;lt=-7.81670;lg=+112.01330;rd=25;top=20261123015930;lc=68;pm=G;'
          "si=510101000000000;ei=356938035643809;mcc=510;mnc=10")
# The v2 ("ELS beta") layout: lo=lat,lon,accuracy; et the call time (epoch s); lt the fix
# time in seconds from et; lz altitude,accuracy; ls the source.
CALL_AT = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
AML_V2 = _ml(f'A"ML=2;en=112;et={int(CALL_AT.timestamp())};lo=-7.81670,112.01330,12.5;lt=4;'
             "lc=68;lz=95.2,8.1;ls=G;ei=356938035643809;mcc=510;mnc=10")
NOW = datetime(2026, 11, 23, 2, 0, 30, tzinfo=UTC)


def test_aml_v1_full() -> None:
    msg = parse_aml(AML)
    assert isinstance(msg, AmlMessage) and AmlLocation is AmlMessage
    assert (msg.version, msg.lat, msg.lon, msg.radius_m) == (1, -7.8167, 112.0133, 25.0)
    assert msg.positioned_at == datetime(2026, 11, 23, 1, 59, 30, tzinfo=UTC)
    assert (msg.imei, msg.imsi, msg.level_of_confidence, msg.positioning_method) == (
        "356938035643809", "510101000000000", 68, "G")
    assert (msg.mcc, msg.mnc) == ("510", "10")
    assert msg.truncated is False and msg.declared_length == len(AML)
    assert msg.no_location_reason is None and msg.warnings == ()
    view = msg.assess(NOW, stale_after_s=300)
    assert view["aml_version"] == 1 and view["age_s"] == 60.0 and view["stale"] is False
    assert view["location"] == {"lat": -7.8167, "lon": 112.0133, "radius_m": 25.0}
    assert view["positioned_at"] == "2026-11-23T01:59:30+00:00" and view["warnings"] == []


def test_aml_v2_lo_field() -> None:
    msg = parse_aml(AML_V2)
    assert msg.version == 2
    assert (msg.lat, msg.lon, msg.radius_m) == (-7.8167, 112.0133, 12.5)
    assert msg.call_at == CALL_AT
    assert msg.positioned_at == CALL_AT + timedelta(seconds=4)  # lt is seconds after et
    assert (msg.altitude_m, msg.vertical_accuracy_m) == (95.2, 8.1)
    assert (msg.positioning_method, msg.emergency_number, msg.level_of_confidence) == (
        "G", "112", 68)
    assert msg.truncated is False
    view = msg.assess(NOW)
    assert view["aml_version"] == 2 and view["age_s"] == 26.0 and not view["stale"]


def test_aml_v2_accuracy_zero_is_unknown_and_no_lo_is_no_location() -> None:
    assert parse_aml(_ml(f'A"ML=2;et={int(CALL_AT.timestamp())};lo=-7.8,112.0,0')).radius_m is None
    msg = parse_aml(_ml(f'A"ML=2;en=112;et={int(CALL_AT.timestamp())};lc=0;ls=U'))
    assert not msg.has_location and "lo=" in (msg.no_location_reason or "")


@pytest.mark.parametrize("text", [
    # Google's published "no location" example: pm=N with lt/lg of zero.
    'A"ML=1;lt=+00.00000;lg=+000.00000;rd=N;top=20220131173734;lc=0;pm=N;si=234159000000000;'
    "ei=123456789012345;mcc=234;mnc=15;ml=127",
    _ml('A"ML=1;lt=;lg=;pm=N'),
    _ml('A"ML=1;lt=-7.8;lg=112.0;rd=10;pm=n'),  # pm=N wins even over numbers
    _ml('A"ML=1;lt=0;lg=0;rd=5;pm=G'),  # 0,0 is no fix, whatever pm says
    _ml('A"ML=1;lg=112.0;rd=10'),
    _ml(f'A"ML=2;et={int(CALL_AT.timestamp())};lo=0.00000,0.00000,10'),
])
def test_aml_without_a_position_is_no_location_never_0_0(text: str) -> None:
    msg = parse_aml(text)
    assert msg.lat is None and msg.lon is None and msg.radius_m is None
    assert msg.no_location_reason
    view = msg.assess(NOW)
    assert view["location"] is None and view["no_location_reason"] == msg.no_location_reason


def test_aml_truncation_is_checked_against_ml() -> None:
    cut = AML[:60] + AML[90:]  # a piece lost in the middle, ml= still at the end
    msg = parse_aml(cut)
    assert msg.truncated is True and msg.declared_length == len(AML)
    assert any("truncated" in w for w in msg.warnings)
    # Cut at the end: ml= itself is gone (it comes last), and the location may be cut too.
    tail = parse_aml('A"ML=1;top=20261123015930;rd=25;lt=-7.81670;lg=+112.01')
    assert tail.truncated is True
    assert any("location" in w for w in tail.warnings)
    # One character off (Google's published example is 127 characters with ml=126) is not.
    published = ('A"ML=1;lt=+51.53321;lg=-0.12601;rd=14;top=20220131171748;lc=68;pm=W;'
                 "si=234159000000000;ei=123456789012345;mcc=234;mnc=15;ml=126")
    assert parse_aml(published).truncated is False
    assert parse_aml(AML.replace("rd=25", "rd=5")).truncated is False
    assert parse_aml(AML.replace("rd=25", "rd=")).truncated is True


def test_aml_old_top_is_stale_judged_at_the_given_now() -> None:
    msg = parse_aml(AML)  # fix at 01:59:30
    assert msg.assess(NOW, stale_after_s=300)["stale"] is False
    later = NOW + timedelta(minutes=10)
    view = msg.assess(later, stale_after_s=300)
    assert view["stale"] is True and view["age_s"] == 660.0
    assert any("old" in w for w in view["warnings"])
    assert msg.assess(later, stale_after_s=900)["stale"] is False
    future = msg.assess(NOW - timedelta(minutes=30))
    assert not future["stale"] and any("future" in w for w in future["warnings"])


def test_aml_case_whitespace_and_missing_keys() -> None:
    msg = parse_aml(' a"ml=1 ; LT = -7.8 ; LG = 112.0 ; PM = w ;')
    assert (msg.lat, msg.lon) == (-7.8, 112.0)
    assert msg.version == 1 and msg.positioning_method == "W"
    assert msg.radius_m is None and msg.positioned_at is None
    assert msg.imei is None and msg.imsi is None and msg.level_of_confidence is None
    assert msg.truncated is True  # a header but no ml=


def test_aml_tolerates_bad_optional_values() -> None:
    msg = parse_aml("lt=-7.8;lg=112.0;rd=abc;lc=250;top=notatime")
    assert msg.version is None and msg.truncated is None  # bare fields: nothing to check
    assert msg.radius_m is None and msg.level_of_confidence is None
    assert msg.positioned_at is None and any("top=" in w for w in msg.warnings)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "no fields at all",
        'A"ML=1;lt=abc;lg=112.0',
        'A"ML=1;lt=-97.8;lg=112.0',
        'A"ML=1;lt=nan;lg=112.0',
        'A"ML=2;lo=abc,112.0,5',
        'A"ML=2;lo=-7.8',
    ],
)
def test_aml_errors(text: str) -> None:
    with pytest.raises(CoordinateError):
        parse_aml(text)
