"""The KPI figures are the same whichever read computes them: the aggregated read or rows.

A varied data set (every category, districts and sub-districts with gaps, phases missing,
timestamps with and without microseconds, durations exactly at a target and a hair either
side of it, exercises, orders of incidents outside the period, orders issued after the
period) is read once by the fast aggregated read and once by the row read; the whole result
must be equal, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest
from sqlalchemy import insert, select

from dispatch.bootstrap import bootstrap
from dispatch.clock import ManualClock
from dispatch.config import Settings
from dispatch.db.models import Incident, Order, Unit, User
from dispatch.domain.constants import CALL_TYPES, CATEGORIES
from dispatch.runtime import Runtime
from dispatch.services import kpis

DAY = datetime(2026, 11, 19, 17, 0, tzinfo=UTC)  # 20 Nov 2026, 00:00 in Kediri (WIB)
NOW = DAY + timedelta(days=2)
N_INCIDENTS = 1200


def _offset(rng: np.random.Generator, target: float, typical: float) -> float | None:
    """A phase's duration: missing, exactly at the target, a hair either side, or typical."""
    kind = rng.integers(0, 8)
    if kind == 0:
        return None
    if kind in (1, 2):
        return target
    if kind == 3:
        return target + float(rng.choice([-4e-4, 4e-4, -1e-6, 1e-6, -6e-4, 6e-4]))
    if kind == 4:
        return float(round(rng.lognormal(np.log(typical), 0.5)))  # whole seconds
    return float(rng.lognormal(np.log(typical), 0.5))


def _fraction(rng: np.random.Generator) -> float:
    """Sub-second part of an instant: none, whole milliseconds, or any microsecond."""
    kind = rng.integers(0, 3)
    if kind == 0:
        return 0.0
    if kind == 1:
        return int(rng.integers(0, 1000)) / 1e3
    return int(rng.integers(0, 1_000_000)) / 1e6


def _at(base: datetime, seconds: float | None) -> datetime | None:
    # Whole microseconds, as the database keeps them.
    return None if seconds is None else base + timedelta(microseconds=round(seconds * 1e6))


def seed(rt: Runtime, seed_value: int = 11) -> None:
    """Bulk-insert the varied incidents and orders of the day (and some around it)."""
    rng = np.random.default_rng(seed_value)
    targets = kpis.kpi_targets(rt)
    kecs = [name for name, _, _ in rt.city.kecamatan()]
    kels = [(name, kec) for name, kec, _ in rt.city.kelurahan()]
    with rt.engine.begin() as conn:
        users = [
            conn.execute(insert(User).returning(User.id), {
                "username": f"op{i}", "password_hash": "-", "role": "operator",
                "active": True, "created_at": DAY}).scalar_one()
            for i in range(4)
        ]
        units = conn.execute(select(Unit.id, Unit.type).order_by(Unit.id)).all()
    incidents: list[dict[str, Any]] = []
    orders: list[dict[str, Any]] = []
    for i in range(N_INCIDENTS):
        iid = i + 1
        if i < 40:  # the day before: their orders fall in the period, they do not
            created = DAY - timedelta(hours=1) + timedelta(seconds=float(rng.random() * 3000))
        elif i < 45:  # exactly at the period's start, and exactly at its end (left out)
            created = DAY if i < 43 else DAY + timedelta(days=1)
        elif i < 60:  # late in the day, with long jobs: orders issued after the period
            created = DAY + timedelta(days=1) - timedelta(seconds=float(rng.random() * 600))
        else:
            created = DAY + timedelta(seconds=float(rng.integers(0, 86_000)) + _fraction(rng))
        kel, kec = kels[rng.integers(0, len(kels))]
        has_kel = rng.random() > 0.1
        category = CATEGORIES[rng.integers(0, len(CATEGORIES))]
        dispatch = _offset(rng, targets["processing"].for_sample(category=category), 45)
        scene = None if dispatch is None else _offset(
            rng, targets["response"].for_sample(category=category), 500)
        closed = _offset(rng, targets["total"].for_sample(category=category), 4000)
        incidents.append({
            "id": iid, "created_at": created, "updated_at": created,
            "status": "closed" if closed is not None else "open",
            "description": "varied", "lat": -7.82, "lon": 112.01, "channel": "call",
            "call_type": CALL_TYPES[rng.integers(0, len(CALL_TYPES))], "category": category,
            "priority": int(rng.integers(1, 5)), "emergency": category != "non_emergency",
            "confidence": 0.5, "cues": [], "recommendations": [],
            "exercise": bool(rng.random() < 0.08), "outside_jurisdiction": False,
            "kecamatan": (kec or kecs[0]) if rng.random() > 0.05 else None,
            "kelurahan": kel if has_kel else None,
            "created_by": users[rng.integers(0, len(users))] if rng.random() > 0.1 else None,
            "first_dispatch_at": _at(created, dispatch),
            "first_on_scene_at": _at(created, scene),
            "closed_at": _at(created, closed),
        })
        if dispatch is None:
            continue
        for k in range(int(rng.integers(0, 4))):
            uid, utype = units[rng.integers(0, len(units))]
            issued = dispatch + 5 * k + (86_400 * 2 if 45 <= i < 60 and k == 0 else 0)
            acked = _offset(rng, targets["ack"].for_sample(unit_type=utype), 20)
            turnout = _offset(rng, targets["turnout"].for_sample(unit_type=utype), 70)
            travel = None if turnout is None else _offset(
                rng, targets["travel"].for_sample(unit_type=utype), 300)
            on_scene = None if travel is None else _offset(
                rng, targets["on_scene"].for_sample(unit_type=utype), 2000)
            en_route_s = None if turnout is None else issued + turnout
            scene_s = None if travel is None or en_route_s is None else en_route_s + travel
            orders.append({
                "id": f"ord_{iid}_{k}", "incident_id": iid, "unit_id": uid, "unit_type": utype,
                "state": "acknowledged" if acked is not None else "unacknowledged",
                "issued_at": _at(created, issued), "send_count": 1,
                "last_sent_at": _at(created, issued), "payload": {},
                "acked_at": _at(created, None if acked is None else issued + acked),
                "en_route_at": _at(created, en_route_s),
                "on_scene_at": _at(created, scene_s),
                "cleared_at": _at(created, None if on_scene is None or scene_s is None
                                  else scene_s + on_scene),
            })
    with rt.engine.begin() as conn:
        conn.execute(insert(Incident), incidents)
        conn.execute(insert(Order), orders)


def differences(a: Any, b: Any, path: str = "") -> list[str]:
    """Where two results differ (for a readable failure)."""
    if isinstance(a, dict) and isinstance(b, dict):
        return [d for k in sorted(set(a) | set(b), key=str)
                for d in differences(a.get(k), b.get(k), f"{path}.{k}")]
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [d for i, (x, y) in enumerate(zip(a, b, strict=True))
                for d in differences(x, y, f"{path}[{i}]")]
    return [] if a == b else [f"{path}: aggregated {a!r}, rows {b!r}"]


@pytest.fixture
def varied_rt(database_url: str) -> Iterator[Runtime]:
    rt = bootstrap(Settings(database_url=database_url, secret_key="t"), clock=ManualClock(NOW))
    seed(rt)
    yield rt
    rt.stop()


@pytest.mark.parametrize("args", [
    {},
    {"include_exercise": "1"},
    {"category": "fire"},
    {"district": "Kota"},
])
def test_aggregated_and_row_reads_give_the_same_figures(
    varied_rt: Runtime, args: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    q = kpis.parse_query(varied_rt, {"from": "2026-11-20", "to": "2026-11-20", **args})
    with caplog.at_level(logging.WARNING, logger="dispatch.services.kpis"):
        fast = kpis.compute_kpis(varied_rt, q)
    assert "reading rows instead" not in caplog.text  # the fast read really was used
    rows = kpis.compute_kpis(varied_rt, q, rows_only=True)
    assert fast["totals"]["incidents"] > 50 and fast["totals"]["orders"] > 50
    diff = differences(fast, rows)
    assert not diff, f"{len(diff)} figures differ, e.g.:\n" + "\n".join(diff[:10])
    assert fast == rows


def test_the_data_set_has_ties_at_the_targets(varied_rt: Runtime) -> None:
    # The comparison above means something only if durations sit exactly on a target.
    q = kpis.parse_query(varied_rt, {"from": "2026-11-20", "to": "2026-11-20"})
    with varied_rt.engine.connect() as conn:
        inc = kpis.read_columns(conn, kpis.INCIDENT_COLUMNS, Incident,
                                kpis._incident_conditions(q))
    processing = inc["dispatched"] - inc["created"]
    target = kpis.kpi_targets(varied_rt)["processing"].target_s
    assert int(np.count_nonzero(processing == target)) > 20


def test_other_timestamp_texts_are_read_exactly_by_rows(tmp_path: Any) -> None:
    # Another writer stored SQLite texts of other shapes (an offset, no fraction):
    # the aggregated read cannot take them, the row read reads them to the microsecond.
    rt = bootstrap(Settings(database_url=f"sqlite:///{tmp_path}/odd.db", secret_key="t"),
                   clock=ManualClock(NOW))
    try:
        target = kpis.kpi_targets(rt)["processing"].for_sample(category="fire")
        with rt.engine.begin() as conn:
            texts = []
            for k in range(10):
                base = datetime(2026, 11, 20, 1, 5 * k, k, 250_000 + 37 * k)
                # An offset (08:xx WIB is 01:xx UTC); dispatched exactly at the target.
                texts.append((f"{base + timedelta(hours=7)}+07:00",
                              f"{base + timedelta(seconds=target)}"))
                # No fraction; dispatched a hair over the target.
                base = datetime(2026, 11, 20, 2, 5 * k, k)
                texts.append((f"{base}",
                              f"{base + timedelta(seconds=target, microseconds=400 + k)}"))
            for i, (created, dispatched) in enumerate(texts):
                conn.execute(insert(Incident), {
                    "id": i + 1, "created_at": DAY, "updated_at": DAY, "status": "open",
                    "description": "odd", "lat": -7.82, "lon": 112.01, "channel": "call",
                    "call_type": "genuine", "category": "fire", "priority": 2,
                    "emergency": True, "confidence": 1.0, "cues": [], "recommendations": [],
                    "exercise": False, "outside_jurisdiction": False, "kecamatan": "Kota"})
                conn.exec_driver_sql(
                    "UPDATE incidents SET created_at = ?, first_dispatch_at = ? WHERE id = ?",
                    (created, dispatched, i + 1))
        q = kpis.parse_query(rt, {"from": "2026-11-20", "to": "2026-11-20"})
        data = kpis.compute_kpis(rt, q)
        processing = data["phases"]["processing"]
        assert processing["count"] == 20
        assert processing["compliance"] == 0.5  # the ties within, the hairs over not
        hours = {r["key"]: r["incidents"] for r in data["breakdowns"]["hour"]}
        assert hours[8] == 10 and hours[9] == 10  # 01:xx UTC (+07:00) is 08:xx WIB
    finally:
        rt.stop()
