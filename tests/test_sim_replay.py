"""Replay: the documented CSV/JSONL format; bad rows reported by line number, skipped, counted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from dispatch.db.models import Incident
from simulators import cli
from simulators.replay import read_csv, read_file, read_jsonl
from simulators.scenario import RunOptions, Scenario, run_in_process

CSV = """time,lat,lon,description,category,channel
2026-11-20T08:00:00+07:00,-7.8190,112.0105,"Ada orang pingsan di Pasar Setonobetek, tidak sadar",medical,call
2026-11-20T08:01:00+07:00,-7.8300,abc,kecelakaan motor,traffic_accident,call
2026-11-20T08:02:00,-7.8300,112.0250,kecelakaan motor di jl brawijaya,traffic_accident,call
2026-11-20T08:03:00+07:00,-7.8300,112.0250,,medical,call
2026-11-20T08:04:00+07:00,-7.8100,112.0200,ular kobra masuk rumah,snakes,call
2026-11-20T08:05:00+07:00,-7.8100,112.0200,kebakaran rumah di bandar lor,fire
1795136760,-7.8120,112.0150,"tabrakan mobil dan motor di perempatan, korban luka",,whatsapp
2026-11-20T08:07:00+07:00,95,112.0150,banjir,disaster,call
"""


def test_csv_bad_rows_have_line_numbers_and_are_skipped() -> None:
    data = read_csv(CSV)
    assert [r.line for r in data.rows] == [2, 8]
    errors = {e.line: e.message for e in data.errors}
    assert data.skipped == 6
    assert "lon 'abc' is not a number" in errors[3]
    assert "no timezone" in errors[4]
    assert "missing description" in errors[5]
    assert "category 'snakes'" in errors[6]
    assert "6 fields, the header has 7" not in errors[7]  # short row: field count
    assert "fields" in errors[7]
    assert "lat 95.0 is out of range" in errors[9]
    assert data.rows[1].channel == "whatsapp" and data.rows[1].category is None


def test_jsonl_bad_rows() -> None:
    lines = [
        json.dumps({"time": "2026-11-20T01:00:00Z", "lat": -7.82, "lon": 112.01,
                    "description": "ada kebakaran gudang", "category": "fire"}),
        "",
        "# a comment",
        "{not json",
        json.dumps([1, 2]),
        json.dumps({"time": "2026-11-20T01:05:00Z", "lat": -7.82, "lon": 112.01}),
        json.dumps({"time": "yesterday", "lat": -7.82, "lon": 112.01, "description": "x"}),
        json.dumps({"time": 1795137000, "lat": -7.83, "lon": 112.02,
                    "description": "orang pingsan", "call_type": "genuine", "channel": "sms"}),
    ]
    data = read_jsonl("\n".join(lines))
    assert sorted(r.line for r in data.rows) == [1, 8]
    assert [(e.line, e.message.split(":")[0]) for e in data.errors] == [
        (4, "malformed JSON"), (5, "a JSON object is needed"), (6, "missing description"),
        (7, "time 'yesterday' is neither ISO-8601 nor epoch seconds"),
    ]
    # Rows come back in time order whatever the file's order.
    assert data.rows[0].line == 1 and data.rows[1].when > data.rows[0].when


def test_header_without_required_columns() -> None:
    data = read_csv("when,lat,lon,text\n1,2,3,4\n")
    assert data.rows == []
    assert str(data.errors[0]) == "line 1: header lacks time, description"


def test_replay_check_cli_reports_lines(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "history.csv"
    f.write_text(CSV, encoding="utf-8")
    assert cli.main(["replay", str(f), "--check"]) == 1
    err = capsys.readouterr().err
    assert f"{f}: line 3: lon 'abc' is not a number" in err
    assert "2 rows ok, 6 skipped" in err


def test_replay_runs_the_good_rows_through_the_pipeline(tmp_path: Path) -> None:
    f = tmp_path / "history.csv"
    f.write_text(CSV, encoding="utf-8")
    data = read_file(f)
    url = f"sqlite:///{tmp_path}/replay.db"
    sc = Scenario(name="replay", duration_s=data.calls()[-1].t + 1)
    summary = run_in_process(sc, RunOptions(database_url=url, calls=data.calls(),
                                            progress=False))
    assert summary["calls"] == 2
    assert summary["dispatched"] == 2
    assert summary["still_open"] == 0
    from sqlalchemy import create_engine

    eng = create_engine(url)
    with eng.connect() as conn:
        rows = conn.execute(select(Incident.description, Incident.exercise, Incident.channel)
                            .order_by(Incident.id)).all()
    eng.dispose()
    assert [r.exercise for r in rows] == [True, True]
    assert rows[0].description.startswith("Ada orang pingsan")
    assert rows[1].channel == "whatsapp"


PACED = """time,lat,lon,description,call_type
2026-11-20T08:00:00+07:00,-7.8190,112.0105,(tidak ada suara),ghost
2026-11-20T08:00:30+07:00,-7.8120,112.0150,(tidak ada suara),ghost
2026-11-20T08:02:00+07:00,-7.8300,112.0250,(tidak ada suara),ghost
"""


def test_replay_speed_60_keeps_the_recorded_gaps_on_the_virtual_clock(tmp_path: Path) -> None:
    f = tmp_path / "paced.csv"
    f.write_text(PACED, encoding="utf-8")
    url = f"sqlite:///{tmp_path}/paced.db"
    assert cli.main(["replay", str(f), "--speed", "60", "--quiet",
                     "--database-url", url]) == 0
    from datetime import datetime

    from sqlalchemy import create_engine

    eng = create_engine(url)
    with eng.connect() as conn:
        created = [r[0] for r in conn.execute(select(Incident.created_at)
                                              .order_by(Incident.id)).all()]
    eng.dispose()
    # SQLite gives the stored UTC instants back without a zone.
    recorded = ["2026-11-20T01:00:00", "2026-11-20T01:00:30", "2026-11-20T01:02:00"]
    assert [datetime.fromisoformat(str(c)).replace(tzinfo=None).isoformat() for c in created] \
        == recorded


def test_replay_plan_paces_both_modes(tmp_path: Path) -> None:
    f = tmp_path / "paced.csv"
    f.write_text(PACED, encoding="utf-8")
    data = read_file(f)
    parser = cli.build_parser()
    sc, opts = cli.replay_plan(data, parser.parse_args(["replay", str(f), "--speed", "60"]))
    # In-process: the virtual clock starts at the first recorded time, calls at the recorded
    # offsets, the scheduler capped at 60x real time.
    assert [c.t for c in opts.calls or []] == [0.0, 30.0, 120.0]
    assert sc.start == "2026-11-20T01:00:00+00:00" and opts.speed == 60.0
    # Against a server: the same offsets, and a real-time scheduler at 60x, so the wall
    # time between calls is the gap / 60.
    sc, opts = cli.replay_plan(data, parser.parse_args(
        ["replay", str(f), "--speed", "60", "--api", "http://127.0.0.1:9", "--token", "t"]))
    assert [c.t for c in opts.calls or []] == [0.0, 30.0, 120.0] and opts.speed == 60.0
    # Unpaced in-process: as fast as possible, the gaps still the recorded ones.
    _sc, opts = cli.replay_plan(data, parser.parse_args(["replay", str(f)]))
    assert opts.speed is None and [c.t for c in opts.calls or []] == [0.0, 30.0, 120.0]
