"""Coordinate text parsing and AML SMS parsing."""

from __future__ import annotations

import pytest

from geo.coords import AmlLocation, CoordinateError, parse_aml, parse_coordinates

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


AML = (
    'A"ML=1;lt=-7.81670;lg=+112.01330;rd=25;top=20261123092130;lc=68;pm=G;'
    "si=510101234567890;ei=356938035643809;mcc=510;mnc=10;ml=124"
)


def test_aml_full() -> None:
    loc = parse_aml(AML)
    assert loc == AmlLocation(
        lat=-7.8167,
        lon=112.0133,
        radius_m=25.0,
        time="2026-11-23T09:21:30+00:00",
        imei="356938035643809",
        imsi="510101234567890",
        level_of_confidence=68,
        positioning_method="G",
    )


def test_aml_case_whitespace_and_missing_keys() -> None:
    loc = parse_aml(' a"ml=1 ; LT = -7.8 ; LG = 112.0 ; PM = w ;')
    assert (loc.lat, loc.lon) == (-7.8, 112.0)
    assert loc.positioning_method == "W"
    assert loc.radius_m is None
    assert loc.time is None
    assert loc.imei is None
    assert loc.imsi is None
    assert loc.level_of_confidence is None


def test_aml_tolerates_bad_optional_values() -> None:
    loc = parse_aml("lt=-7.8;lg=112.0;rd=abc;lc=250;top=notatime")
    assert loc.radius_m is None
    assert loc.level_of_confidence is None
    assert loc.time == "notatime"


@pytest.mark.parametrize(
    "text",
    [
        "",
        'A"ML=1;lg=112.0;rd=10',
        'A"ML=1;lt=-7.8;rd=10',
        'A"ML=1;lt=;lg=;pm=N',
        'A"ML=1;lt=abc;lg=112.0',
        'A"ML=1;lt=-97.8;lg=112.0',
        'A"ML=1;lt=nan;lg=112.0',
    ],
)
def test_aml_errors(text: str) -> None:
    with pytest.raises(CoordinateError):
        parse_aml(text)
