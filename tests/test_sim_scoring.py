"""Trainee scoring on a small fixture: times against targets, recommendation match, HTML + CSV."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from simulators.scoring import Targets, score, unhandled, write_report

T0 = "2026-11-23T08:00:00+07:00"


def at(seconds: int) -> str:
    return f"2026-11-23T08:{seconds // 60:02d}:{seconds % 60:02d}+07:00"


def entry(kind: str, seconds: int, actor: str = "system", actor_type: str = "system",
          **data: Any) -> dict[str, Any]:
    return {"kind": kind, "ts": at(seconds), "actor_id": actor, "actor_type": actor_type,
            "data": data}


def incident(iid: int, timeline: list[dict[str, Any]], first_dispatch: int | None,
             recs: list[tuple[str, str]], category: str = "medical",
             call_type: str = "genuine") -> dict[str, Any]:
    return {
        "id": iid, "created_at": T0, "category": category, "call_type": call_type,
        "emergency": category != "non_emergency",
        "first_dispatch_at": at(first_dispatch) if first_dispatch is not None else None,
        "recommendations": [{"unit_id": u, "unit_type": t} for u, t in recs],
        "timeline": [entry("created", 0, "trainer", "operator"), *timeline],
    }


FIXTURE = [
    # ani: classified at 20 s (category fixed), dispatched the recommendation at 50 s.
    incident(1, [
        entry("recommended", 0, recommendations=[{"unit_id": "AMB-01", "unit_type": "ambulance"}]),
        entry("category_overridden", 20, "ani", "operator", category="medical"),
        entry("dispatched", 50, "ani", "operator", unit_id="AMB-01", unit_type="ambulance"),
    ], 50, [("AMB-01", "ambulance")]),
    # ani: dispatched at 100 s another ambulance than recommended (same type).
    incident(2, [
        entry("recommended", 0, recommendations=[{"unit_id": "AMB-02", "unit_type": "ambulance"},
                                                 {"unit_id": "POL-01", "unit_type": "police"}]),
        entry("dispatched", 100, "ani", "operator", unit_id="AMB-03", unit_type="ambulance"),
        entry("dispatched", 100, "ani", "operator", unit_id="POL-01", unit_type="police"),
    ], 100, [("AMB-02", "ambulance"), ("POL-01", "police")], "traffic_accident"),
    # <b>budi</b>: a prank call marked after 10 s and closed; no dispatch.
    incident(3, [
        entry("call_type", 10, "<b>budi</b>", "operator", call_type="prank"),
        entry("closed", 15, "<b>budi</b>", "operator"),
    ], None, [], "non_emergency", "prank"),
]


def test_per_operator_figures() -> None:
    rows, ops = score(FIXTURE)
    assert [r.operator for r in rows] == ["ani", "ani", "<b>budi</b>"]
    assert [r.classify_s for r in rows] == [20.0, 100.0, 10.0]
    assert [r.dispatch_s for r in rows] == [50.0, 100.0, None]
    assert [r.exact_match for r in rows] == [True, False, None]
    assert [r.type_match for r in rows] == [True, True, None]
    by = {o.operator: o.row(Targets(classify_s=30, dispatch_s=64)) for o in ops}
    ani = by["ani"]
    assert ani["incidents"] == 2 and ani["dispatches"] == 2
    assert ani["classify_mean_s"] == 60.0
    assert ani["classify_within_target_pct"] == 50.0
    assert ani["dispatch_mean_s"] == 75.0 and ani["dispatch_p90_s"] == 100.0
    assert ani["dispatch_within_target_pct"] == 50.0
    assert ani["recommendation_match_pct"] == 50.0 and ani["unit_type_match_pct"] == 100.0
    assert ani["score"] == 50.0
    budi = by["<b>budi</b>"]
    assert budi["dispatches"] == 0 and budi["classify_within_target_pct"] == 100.0
    assert budi["dispatch_mean_s"] is None and budi["score"] == 100.0


def test_report_files(tmp_path: Path) -> None:
    paths = write_report(tmp_path, FIXTURE, Targets())
    table = list(csv.DictReader(io.StringIO(Path(paths["csv"]).read_text())))
    assert [r["operator"] for r in table] == ["<b>budi</b>", "ani"]
    assert table[1]["recommendation_match_pct"] == "50.0"
    html = Path(paths["html"]).read_text()
    assert "&lt;b&gt;budi&lt;/b&gt;" in html and "<b>budi</b>" not in html
    detail = list(csv.DictReader(io.StringIO(Path(paths["incidents_csv"]).read_text())))
    assert detail[1]["recommended"] == "AMB-02 POL-01"
    assert detail[1]["dispatched"] == "AMB-03 POL-01"


def test_targets_from_the_city_pack() -> None:
    from dispatch.citypack import load_city_pack

    t = Targets.from_city(load_city_pack(None).settings, {"classify_target_s": 20})
    assert t.classify_s == 20 and t.dispatch_s == 64


def test_unhandled_calls_count_against_the_score(tmp_path: Path) -> None:
    # One medical call handled perfectly by ani (classified at 10 s, the recommendation sent
    # at 30 s); seven more calls came in during the session and nobody touched them.
    handled = incident(1, [
        entry("recommended", 0, recommendations=[{"unit_id": "SIM-AMB-01",
                                                  "unit_type": "ambulance"}]),
        entry("category_overridden", 10, "ani", "operator", category="medical"),
        entry("dispatched", 30, "ani", "operator", unit_id="SIM-AMB-01", unit_type="ambulance"),
    ], 30, [("SIM-AMB-01", "ambulance")])
    # Taken in by the trainer's token (the "created" entry) and then left alone; the end of
    # the exercise closes them as the system, which is not an operator handling them.
    left = [incident(i, [entry("exercise_ended", 600, "latihan"),
                         entry("closed", 600, "latihan")], None, [("SIM-AMB-02", "ambulance")])
            for i in range(2, 9)]
    rows, ops = score([handled, *left])
    assert [r.handled for r in rows] == [True] + [False] * 7
    assert [o.operator for o in ops] == ["ani"]  # the trainer who created them is not scored
    missed = unhandled(rows)
    assert (missed.calls, missed.needing_dispatch) == (7, 7)
    ani = ops[0].row(Targets(classify_s=30, dispatch_s=64), missed)
    assert ani["unhandled_calls"] == 7
    assert ani["classify_within_target_pct"] == 12.5  # 1 of 8 calls
    assert ani["dispatch_within_target_pct"] == 12.5
    assert ani["recommendation_match_pct"] == 100.0
    assert ani["score"] is not None and ani["score"] < 50
    # Without the unhandled calls the same work would have scored 100.
    assert ops[0].row(Targets(classify_s=30, dispatch_s=64))["score"] == 100.0

    paths = write_report(tmp_path, [handled, *left], Targets(classify_s=30, dispatch_s=64))
    table = list(csv.DictReader(io.StringIO(Path(paths["csv"]).read_text())))
    assert [(r["operator"], r["unhandled_calls"], r["score"]) for r in table] == [
        ("ani", "7", str(ani["score"]))]
    detail = list(csv.DictReader(io.StringIO(Path(paths["incidents_csv"]).read_text())))
    assert [d["handled"] for d in detail] == ["True"] + ["False"] * 7
    html = Path(paths["html"]).read_text()
    assert "7 dari / of\n8" in html and "(semua / all)" in html
