"""Tests for the incident classifier (dispatch.classify)."""

from __future__ import annotations

import json
import re

import pytest

from dispatch.classify import CATEGORIES, Classification, classify, load_labelled

CASES = [
    ("fire", "ada kebakaran rumah di jalan dhoho"),
    ("fire", "tolooong kebakarn di pasar"),
    ("fire", "omah e tanggaku kobong"),
    ("fire", "there is a fire in my neighbour's kitchen"),
    ("fire", "asap tebal dan api dari gudang"),
    ("traffic_accident", "laka lantas di simpang lima gumul"),
    ("traffic_accident", "kcelakaan motor vs mobil di mojoroto"),
    ("traffic_accident", "motor tabrakan neng dalan"),
    ("traffic_accident", "car crash near the station"),
    ("traffic_accident", "ada yang ketabrak truk"),
    ("disaster", "banjir masuk rumah warga"),
    ("disaster", "pohon tumbang menutup jalan"),
    ("disaster", "angin puting beliung merusak atap"),
    ("disaster", "kebanjiran pak, banyu mlebu omah"),
    ("disaster", "landslide near the river"),
    ("animal_disturbance", "ada ular masuk rumah"),
    ("animal_disturbance", "ana ula neng pawon"),
    ("animal_disturbance", "sarang tawon ndhas di atap"),
    ("animal_disturbance", "monkey entered the kitchen"),
    ("animal_disturbance", "anjing gila gigit tetangga"),
    # "garage" and "hiding" are one typo from garbage and kidding: they must not be fuzzed.
    ("animal_disturbance", "a python is hiding under my car in the garage"),
    ("non_emergency", "garbage has not been collected for a week"),
    ("unrest", "tawuran pelajar di jembatan"),
    ("unrest", "ada begal di jalan sepi"),
    ("unrest", "wong gelut neng warung"),
    ("unrest", "robbery at the gold shop"),
    ("unrest", "demo ricuh di balai kota"),
    ("medical", "ada orang pingsan di pasar"),
    ("medical", "bapak sesak napas"),
    ("medical", "simbah semaput"),
    ("medical", "my wife is giving birth, need an ambulance"),
    ("medical", "anak kejang kejang"),
    ("non_emergency", "lampu PJU mati"),
    ("non_emergency", "sampah menumpuk belum diangkut"),
    ("non_emergency", "air PDAM mati sejak pagi"),
    ("non_emergency", "mau tanya cara bikin KTP"),
    ("non_emergency", "cuma iseng"),
    ("non_emergency", "street light broken"),
]


@pytest.mark.parametrize(("expected", "text"), CASES)
def test_categories_from_many_phrasings(expected: str, text: str) -> None:
    result = classify(text)
    assert result.category == expected, (text, result)
    assert result.emergency is (expected != "non_emergency")


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-z0-9]+", text.lower()))


@pytest.mark.parametrize(("expected", "text"), CASES)
def test_cues_are_present_in_text(expected: str, text: str) -> None:
    cues = classify(text).cues
    assert cues
    words = _words(text)
    for cue in cues:
        assert set(cue.split()) <= words, (cue, text)


def test_priorities() -> None:
    assert classify("rumah kebakaran, ada orang terjebak di dalam").priority == 1
    assert classify("kecelakaan motor, korban tidak sadar").priority == 1
    assert classify("laka lantas, pengendara pingsan").category == "traffic_accident"
    assert classify("tawuran pakai senjata tajam").priority == 1
    assert classify("ada kebakaran gudang").priority == 2
    assert classify("kebakaran kecil sudah padam").priority == 3
    assert classify("lampu PJU mati").priority == 4
    assert classify("ada ular di kebun").priority == 3
    assert classify("ular masuk kamar anak").priority == 2


def test_negation() -> None:
    assert classify("bukan kebakaran, cuma bakar sampah").category == "non_emergency"


def test_emergency_cue_beats_complaint_words() -> None:
    result = classify("jalan berlubang bikin motor jatuh, tabrakan")
    assert result.category == "traffic_accident"


def test_as_dict_shape() -> None:
    d = classify("ada kebakaran").as_dict()
    assert set(d) == {"category", "emergency", "priority", "confidence", "cues"}
    assert d["category"] in CATEGORIES
    assert isinstance(d["emergency"], bool)
    assert isinstance(d["priority"], int) and 1 <= d["priority"] <= 4
    assert isinstance(d["confidence"], float) and 0.0 <= d["confidence"] <= 1.0
    assert isinstance(d["cues"], list) and all(isinstance(c, str) for c in d["cues"])
    json.dumps(d)


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_empty_text(text: str) -> None:
    result = classify(text)
    assert isinstance(result, Classification)
    assert result.category == "non_emergency"
    assert result.confidence == 0.0
    assert result.priority == 4
    assert result.cues == ["teks kosong / empty text"]


@pytest.mark.parametrize(
    "text",
    [
        "<script>alert(1)</script>",
        "&lt;b&gt;&amp;&#x1F525;",
        "\x00\x01\x02 ����",
        "🔥🔥🔥",
        "a" * 5000,
        "1234567890 !!! ??? ...",
    ],
)
def test_garbage_does_not_crash(text: str) -> None:
    result = classify(text)
    assert result.category in CATEGORIES
    assert 0.0 <= result.confidence <= 1.0
    assert result.cues


def test_deterministic() -> None:
    texts = [r["text"] for r in load_labelled()][:50]
    first = [classify(t).as_dict() for t in texts]
    assert first == [classify(t).as_dict() for t in texts]


def test_labelled_data_shape() -> None:
    rows = load_labelled()
    assert len(rows) >= 400
    assert {r["category"] for r in rows} == set(CATEGORIES)
    assert {r["split"] for r in rows} == {"train", "test"}
    share = sum(r["split"] == "test" for r in rows) / len(rows)
    assert 0.3 <= share <= 0.45
    texts = [r["text"].lower() for r in rows]
    assert len(texts) == len(set(texts))


def test_accuracy_on_test_split() -> None:
    test = [r for r in load_labelled() if r["split"] == "test"]
    correct = sum(classify(r["text"]).category == r["category"] for r in test)
    assert correct / len(test) >= 0.90
