"""Incident generator: reproducible, with the configured shares, hours, places and language."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

import pytest

from dispatch.citypack import load_city_pack
from geo.districts import DistrictIndex
from simulators import texts
from simulators.generator import (
    CATEGORIES,
    DEFAULT_CALL_TYPES,
    IncidentGenerator,
    StreamConfig,
    parse_duration,
)

CITY = load_city_pack(None)
DISTRICTS = DistrictIndex.from_geojson(CITY.districts_geojson)
START = datetime.fromisoformat("2026-11-23T00:00:00+07:00")


def week(seed: int = 112) -> list:
    return list(IncidentGenerator(DISTRICTS, seed=seed).calls(START, 7 * 86400))


def test_same_seed_same_calls_other_seed_other_calls() -> None:
    a = list(IncidentGenerator(DISTRICTS, seed=3).calls(START, 6 * 3600))
    b = list(IncidentGenerator(DISTRICTS, seed=3).calls(START, 6 * 3600))
    c = list(IncidentGenerator(DISTRICTS, seed=4).calls(START, 6 * 3600))
    assert a == b
    assert a != c


def test_volume_call_types_and_categories_follow_the_configuration() -> None:
    calls = week()
    per_day = len(calls) / 7
    assert 270 <= per_day <= 330  # default 300 a day
    assert [c.t for c in calls] == sorted(c.t for c in calls)
    types = Counter(c.call_type for c in calls)
    for name, share in DEFAULT_CALL_TYPES.items():
        assert abs(types[name] / len(calls) - share) < 0.03, (name, types)
    # Ghost and prank calls are the majority, as in Indonesian 112 centers.
    assert types["ghost"] + types["prank"] > len(calls) / 2
    genuine = [c for c in calls if c.call_type == "genuine"]
    cats = Counter(c.category for c in genuine)
    assert set(cats) == set(CATEGORIES)
    assert cats["medical"] > cats["fire"] > cats["disaster"]
    assert all(c.category == "non_emergency" for c in calls if c.call_type != "genuine")


def test_hour_of_day_profile() -> None:
    calls = week(7)
    hours = Counter(int(c.t // 3600) % 24 for c in calls)
    # Local hours: START is local midnight, so the offset is the local hour.
    night = sum(hours[h] for h in (1, 2, 3, 4))
    evening = sum(hours[h] for h in (16, 17, 18, 19))
    assert evening > 3.5 * night


def test_locations_inside_their_district_and_descriptions_varied() -> None:
    calls = week(11)
    for c in calls[:400]:
        loc = DISTRICTS.locate(c.lat, c.lon)
        assert not loc.outside_jurisdiction
        assert loc.kecamatan == c.kecamatan
    genuine = [c for c in calls if c.call_type == "genuine"]
    assert len({c.description for c in genuine}) > 0.8 * len(genuine)
    langs = Counter(c.language for c in genuine)
    assert langs["id"] > langs["jv"] > langs["en"] > 0
    assert all("{" not in c.description for c in calls)


def test_a_surge_stream_stays_in_its_district_and_window() -> None:
    surge = StreamConfig.from_mapping({
        "district": "Mojoroto", "start": "1:00", "end": "3:00", "rate_per_hour": 30,
        "call_types": {"genuine": 1}, "categories": {"disaster": 0.7, "medical": 0.3},
    }, "flood")
    calls = list(IncidentGenerator(DISTRICTS, [surge], seed=1).calls(START, 6 * 3600))
    assert 40 <= len(calls) <= 85
    assert all(3600 <= c.t < 3 * 3600 for c in calls)
    assert {c.kecamatan for c in calls} == {"Mojoroto"}
    assert {c.category for c in calls} == {"disaster", "medical"}


def test_generated_texts_exercise_the_classifier() -> None:
    from dispatch.classify import classify

    calls = [c for c in week(5) if c.call_type == "genuine"][:300]
    right = sum(1 for c in calls if classify(c.description).category == c.category)
    # Mostly right, not trivially perfect: operators still have something to correct.
    assert 0.75 < right / len(calls) <= 1.0


@pytest.mark.parametrize("raw, message", [
    ({"call_types": {"genuine": 1, "alien": 2}}, "unknown name 'alien'"),
    ({"categories": {"fire": -1}}, "non-negative"),
    ({"hourly_profile": [1, 2]}, "24 numbers"),
    ({"colour": "red"}, "unknown keys"),
])
def test_bad_stream_configuration_is_refused(raw: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        StreamConfig.from_mapping(raw)


def test_unknown_district_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown district"):
        IncidentGenerator(DISTRICTS, [StreamConfig.from_mapping({"district": "Atlantis"})])


def test_durations() -> None:
    assert parse_duration("90") == 90
    assert parse_duration("15m") == 900
    assert parse_duration("2h") == 7200
    assert parse_duration("1d") == 86400
    assert parse_duration("06:30") == 6.5 * 3600


def test_templates_fill_every_slot() -> None:
    import random

    rng = random.Random(0)
    for cat, options in texts.GENUINE.items():
        assert cat in CATEGORIES
        for _lang, template in options:
            assert "{" not in texts.fill(template, rng, "Bandar Lor")
