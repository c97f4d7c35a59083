"""The fast in-process driver: a few simulated hours through the service layer on a ManualClock."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from dispatch.bootstrap import bootstrap
from dispatch.clock import ManualClock
from dispatch.config import Settings
from dispatch.db.models import Incident, Order, Unit
from dispatch.services.kpis import KpiQuery, compute_kpis
from simulators import cli
from simulators.scenario import RunOptions, load_scenario, run_in_process, scenario_names


def test_shipped_scenarios_load() -> None:
    assert {"kediri-day", "flood-mojoroto"} <= set(scenario_names())
    day = load_scenario("kediri-day")
    assert day.duration_s == 86400 and day.exercise
    flood = load_scenario("flood-mojoroto")
    assert flood.fleet.stations_down == ("polsek-mojoroto",)
    assert [s.districts for s in flood.streams[1:]] == [{"Mojoroto": 1.0}]


def test_bad_scenario_file(tmp_path: Path) -> None:
    f = tmp_path / "bad.yaml"
    f.write_text("name: x\nduratoin: 2h\n")
    with pytest.raises(ValueError, match="duratoin"):
        load_scenario(str(f))
    assert cli.main(["scenario", str(f)]) == 2


def test_a_few_hours_of_flood_in_process(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/sim.db"
    sc = load_scenario("flood-mojoroto")
    sc.duration_s = 4 * 3600
    # Road ETAs (Mojoroto is across the Brantas from most stations) keep a flooded
    # shift's last disaster job running past a 3 h drain; every job still ends.
    sc.drain_s = 5 * 3600
    summary = run_in_process(sc, RunOptions(database_url=url, progress=False,
                                            report_dir=str(tmp_path / "report")))
    assert summary["step_errors"] == 0
    assert summary["calls"] >= 30
    assert summary["categories"].get("disaster", 0) >= 5
    assert summary["dispatched"] >= 10
    assert summary["still_open"] == 0 and summary["units_busy_at_end"] == []
    assert summary["all_exercise"] is True
    assert summary["speed_x"] > 50  # a sanity floor, not a benchmark
    assert (tmp_path / "report" / "report.html").exists()

    rt = bootstrap(Settings(database_url=url, secret_key="t"), clock=ManualClock())
    try:
        with rt.session() as s:
            n = s.scalar(select(func.count()).select_from(Incident))
            assert n == summary["calls"]
            assert s.scalar(select(func.count()).select_from(Incident)
                            .where(Incident.exercise.is_(False))) == 0
            mojoroto = s.scalar(select(func.count()).select_from(Incident)
                                .where(Incident.kecamatan == "Mojoroto"))
            assert mojoroto > n / 2  # the surge is there
            orders = s.scalars(select(Order)).all()
            acked = [o for o in orders if o.acked_at is not None]
            assert acked and all(o.on_scene_at and o.cleared_at for o in acked
                                 if o.state == "acknowledged")
            # The exercise ran on simulated twins of the city's units only: no real unit got
            # an order or changed its status (they are as the city pack seeded them).
            real = s.scalars(select(Unit).where(Unit.simulated.is_(False))).all()
            assert {u.id for u in real} == {u.id for u in rt.city.fleet}
            assert {o.unit_id for o in orders} <= {"SIM-" + u.id for u in rt.city.fleet}
            assert {u.status for u in real} == {"available"}
            assert all(u.status_since == real[0].created_at and u.current_incident_id is None
                       for u in real)
            # The flooded police station's (simulated) unit never went anywhere.
            assert not [o for o in orders if o.unit_id == "SIM-POL-02"]
            # The end of the run left nothing: every incident closed, every simulated unit
            # out of service and off any job.
            sim = s.scalars(select(Unit).where(Unit.simulated.is_(True))).all()
            assert len(sim) == len(rt.city.fleet) == summary["units_total"]
            assert {(u.status, u.current_incident_id) for u in sim} == {("out_of_service", None)}
            assert s.scalar(select(func.count()).select_from(Incident)
                            .where(Incident.status != "closed")) == 0
            assert summary["cleanup"]["units_out_of_service"] == sorted(u.id for u in sim)
            first, last = s.execute(select(func.min(Incident.created_at),
                                           func.max(Incident.created_at))).one()
        q = KpiQuery(first, last + timedelta(hours=4), include_exercise=True)
        figures = compute_kpis(rt, q)
        assert figures["totals"]["dispatched"] == summary["dispatched"]
        assert figures["totals"]["with_arrival"] >= summary["dispatched"] - 1
        assert compute_kpis(rt, KpiQuery(q.start, q.end))["totals"]["incidents"] == 0
    finally:
        rt.stop()


def test_subcommand_help(capsys: pytest.CaptureFixture[str]) -> None:
    for sub in ("incidents", "replay", "fleet", "scenario"):
        with pytest.raises(SystemExit) as exc:
            cli.main([sub, "--help"])
        assert exc.value.code == 0
        out = capsys.readouterr().out
        assert "--speed" in out and "--mqtt" in out


def test_incidents_dry_run_is_a_valid_replay_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from simulators.replay import read_file

    assert cli.main(["incidents", "--duration", "3h", "--dry-run", "--seed", "9"]) == 0
    out = capsys.readouterr().out
    f = tmp_path / "calls.jsonl"
    f.write_text(out, encoding="utf-8")
    data = read_file(f)
    assert data.skipped == 0 and len(data.rows) == len(out.splitlines()) > 5


def test_an_exercise_needs_the_api_to_bring_its_own_units(
    capsys: pytest.CaptureFixture[str]
) -> None:
    # With only a broker, the crews would be the server's real units: refused before any
    # connection is made.
    assert cli.main(["scenario", "kediri-day", "--mqtt", "mqtt://127.0.0.1:9", "--quiet"]) == 2
    assert "needs --api" in capsys.readouterr().err
