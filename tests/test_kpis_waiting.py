"""The executive view counts incidents still waiting past their target against compliance."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from dispatch.bootstrap import bootstrap
from dispatch.clock import ManualClock
from dispatch.config import Settings
from dispatch.domain import kpis as dk
from dispatch.runtime import Runtime
from dispatch.services import kpis
from tests.test_kpis_service import NOW, T0, add_incident


@pytest.fixture
def rt(database_url: str) -> Iterator[Runtime]:
    """One P1 reached well within target: the finished samples alone say 100 %."""
    rt = bootstrap(Settings(database_url=database_url, secret_key="t"), clock=ManualClock(NOW))
    with rt.session() as s:
        add_incident(s, T0, category="medical", kecamatan="Kota", kelurahan="Balowerti",
                     dispatch=30, scene=300, closed=1200, priority=1)
    yield rt
    rt.stop()


def day(rt: Runtime) -> kpis.KpiQuery:
    return kpis.parse_query(rt, {"from": "2026-11-20", "to": "2026-11-20"})


def test_nothing_waiting_keeps_the_finished_figures(rt: Runtime) -> None:
    data = kpis.dashboard(rt, day(rt))
    assert data["phases"]["response"]["compliance"] == 1.0
    ex = data["executive"]["response"]
    assert ex["compliance"] == 1.0 and ex["status"] == "met" and ex["waiting_overdue"] == 0


def test_a_p1_waiting_twenty_minutes_lowers_the_executive_compliance(rt: Runtime) -> None:
    with rt.session() as s:
        # Not dispatched, 20 minutes old at NOW: past the processing and the response target.
        add_incident(s, NOW - timedelta(minutes=20), category="medical", kecamatan="Kota",
                     kelurahan="Balowerti", priority=1)
        # A prank waiting as long waits for nobody; a fresh call is not late yet.
        add_incident(s, NOW - timedelta(minutes=20), category="non_emergency",
                     kecamatan="Kota", kelurahan=None, call_type="prank")
        add_incident(s, NOW - timedelta(seconds=5), category="fire", kecamatan="Kota",
                     kelurahan=None, priority=1)
    data = kpis.dashboard(rt, day(rt))
    # The finished samples still say 100 %; the executive view does not.
    assert data["phases"]["response"]["compliance"] == 1.0
    ex = data["executive"]
    assert ex["response"]["waiting_overdue"] == 1
    assert ex["response"]["compliance"] == 0.5 and ex["response"]["status"] == "missed"
    assert ex["processing"]["waiting_overdue"] == 1
    assert ex["processing"]["compliance"] == 0.5


def test_only_waiting_incidents_count_even_without_finished_ones() -> None:
    empty = {"count": 0, "compliance": None, "target_percentile": 90.0}
    assert dk.with_waiting(empty, 0)["status"] == "no_data"
    late = dk.with_waiting(empty, 2)
    assert late["compliance"] == 0.0 and late["status"] == "missed"
    nine = dk.with_waiting({"count": 9, "compliance": 1.0, "target_percentile": 90.0}, 1)
    assert nine["compliance"] == 0.9 and nine["status"] == "met"
