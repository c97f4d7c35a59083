"""Benchmark the supervisor dashboard: full figures for N incidents, on SQLite and PostgreSQL.

Seeds a fresh database with N synthetic incidents (and about 1.4 orders each) spread
over 30 days, then times ``dispatch.services.kpis.dashboard`` (phases, every breakdown,
trend, live board, complaints) over the whole period. Baselines measured in the same run:
the bare ``SELECT COUNT(*)`` of the period, and a naive computation that loads ORM
objects and computes in plain Python, on a smaller sample.

    siaga112 bench kpis --incidents 100000 --engine both
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import create_engine, func, insert, select, text

from dispatch.bootstrap import bootstrap
from dispatch.clock import ManualClock
from dispatch.config import Settings
from dispatch.db.models import Incident, Order, Unit, User
from dispatch.domain import kpis as dk
from dispatch.runtime import Runtime
from dispatch.services import kpis

POSTGRES_ADMIN_URL = os.environ.get(
    "SIAGA_BENCH_POSTGRES_URL",
    os.environ.get("SIAGA_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"),
)
NOW = datetime(2026, 11, 23, 4, 0, tzinfo=UTC)
DAYS = 30

# category -> unit types sent (first one always, the rest sometimes)
PLAN: dict[str, tuple[str, ...]] = {
    "fire": ("fire_engine", "fire_engine", "rescue"),
    "traffic_accident": ("ambulance", "police"),
    "disaster": ("rescue", "fire_engine"),
    "animal_disturbance": ("fire_engine",),
    "unrest": ("police", "police"),
    "medical": ("ambulance",),
}
CATEGORY_WEIGHTS: dict[str, float] = {
    "fire": 0.12, "traffic_accident": 0.22, "disaster": 0.04, "animal_disturbance": 0.08,
    "unrest": 0.06, "medical": 0.33, "non_emergency": 0.15,
}


def seed(rt: Runtime, n: int, seed_value: int = 112, now: datetime = NOW, days: int = DAYS,
         operators: int = 12) -> dict[str, int]:
    """Bulk-insert `n` synthetic incidents with their orders over `days` days before `now`."""
    rng = np.random.default_rng(seed_value)
    with rt.engine.begin() as conn:
        first_user = conn.execute(select(func.coalesce(func.max(User.id), 0))).scalar_one() + 1
        conn.execute(insert(User), [
            {"id": first_user + i, "username": f"op{first_user + i:03d}", "password_hash": "-",
             "role": "operator", "display_name": None, "opd_code": None, "active": True,
             "created_at": now} for i in range(operators)
        ])
        units_by_type: dict[str, list[str]] = {}
        for uid, utype in conn.execute(select(Unit.id, Unit.type)):
            units_by_type.setdefault(utype, []).append(uid)
        first_id = conn.execute(select(func.coalesce(func.max(Incident.id), 0))).scalar_one() + 1

    kecs = [name for name, _, _ in rt.city.kecamatan()]
    kels = [(name, kec) for name, kec, _ in rt.city.kelurahan()]
    cats = list(CATEGORY_WEIGHTS)
    weights = np.array([CATEGORY_WEIGHTS[c] for c in cats])
    cat_idx = rng.choice(len(cats), n, p=weights / weights.sum())
    call_idx = rng.choice(4, n, p=[0.85, 0.06, 0.05, 0.04])
    created_s = now.timestamp() - rng.random(n) * days * 86400
    processing = rng.lognormal(np.log(45), 0.5, n)
    kel_idx = rng.integers(0, len(kels), n)
    operator = first_user + rng.integers(0, operators, n)
    exercise = rng.random(n) < 0.01
    rnd = rng.random((n, 12))
    lognorm_travel = rng.lognormal(np.log(300), 0.45, (n, 3))
    call_types = ("genuine", "ghost", "prank", "information")

    incidents: list[dict[str, Any]] = []
    orders: list[dict[str, Any]] = []
    counters = {t: 0 for t in units_by_type}

    def ts(s: float) -> datetime:
        return datetime.fromtimestamp(s, UTC)

    for i in range(n):
        iid = first_id + i
        cat = cats[cat_idx[i]]
        ctype = call_types[call_idx[i]]
        c0 = float(created_s[i])
        kel, kec = kels[kel_idx[i]]
        row: dict[str, Any] = {
            "id": iid, "created_at": ts(c0), "updated_at": ts(c0), "status": "closed",
            "description": f"kejadian sintetis {iid}", "lat": -7.82, "lon": 112.01,
            "channel": "call", "call_type": ctype, "category": cat, "priority": 2,
            "emergency": cat != "non_emergency", "confidence": 0.8, "cues": [],
            "recommendations": [], "exercise": bool(exercise[i]), "outside_jurisdiction": False,
            "kecamatan": kec or kecs[0], "kelurahan": kel, "created_by": int(operator[i]),
            "first_dispatch_at": None, "first_on_scene_at": None, "closed_at": None,
        }
        recent = now.timestamp() - c0 < 3600
        if ctype != "genuine" or cat == "non_emergency":
            if not recent:
                row["closed_at"] = ts(c0 + 60 + rnd[i, 0] * 240)
            else:
                row["status"] = "open"
            incidents.append(row)
            continue
        dispatch_at = c0 + float(processing[i])
        row["first_dispatch_at"] = ts(dispatch_at)
        plan = PLAN[cat]
        n_units = 1 + sum(1 for k in range(1, len(plan)) if rnd[i, k] < 0.5)
        first_scene: float | None = None
        last_clear = dispatch_at
        for k in range(n_units):
            utype = plan[k]
            pool = units_by_type.get(utype) or next(iter(units_by_type.values()))
            uid = pool[counters.get(utype, 0) % len(pool)]
            counters[utype] = counters.get(utype, 0) + 1
            issued = dispatch_at + k * 5
            o: dict[str, Any] = {
                "id": f"ord_{uuid.uuid4().hex[:16]}", "incident_id": iid, "unit_id": uid,
                "unit_type": utype, "state": "acknowledged", "issued_at": ts(issued),
                "issued_by": int(operator[i]), "send_count": 1, "last_sent_at": ts(issued),
                "payload": {}, "acked_at": None, "declined_at": None, "en_route_at": None,
                "on_scene_at": None, "cleared_at": None,
            }
            if rnd[i, 4 + k] < 0.03:
                o["state"] = "unacknowledged"
            else:
                o["acked_at"] = ts(issued + 3 + rnd[i, 7] * 35)
            turnout = 25 + rnd[i, 8] * 110
            en_route = issued + turnout
            arrives = rnd[i, 9] > 0.05
            travel = float(lognorm_travel[i, k])
            scene = en_route + travel
            clear = scene + 600 + rnd[i, 10] * 3000
            if en_route < now.timestamp():
                o["en_route_at"] = ts(en_route)
            if arrives and scene < now.timestamp():
                o["on_scene_at"] = ts(scene)
                first_scene = scene if first_scene is None else min(first_scene, scene)
                if clear < now.timestamp():
                    o["cleared_at"] = ts(clear)
                    last_clear = max(last_clear, clear)
            orders.append(o)
        if first_scene is not None:
            row["first_on_scene_at"] = ts(first_scene)
        if all(o.get("cleared_at") or not o.get("on_scene_at") for o in orders[-n_units:]) and (
            last_clear + 120 < now.timestamp()
        ):
            row["closed_at"] = ts(last_clear + 60)
        else:
            row["status"] = "on_scene" if first_scene is not None else "dispatched"
        incidents.append(row)

    with rt.engine.begin() as conn:
        for chunk in range(0, len(incidents), 20_000):
            conn.execute(insert(Incident), incidents[chunk:chunk + 20_000])
        for chunk in range(0, len(orders), 20_000):
            conn.execute(insert(Order), orders[chunk:chunk + 20_000])
        if conn.dialect.name == "postgresql":
            conn.execute(text("ANALYZE"))
        else:
            conn.execute(text("ANALYZE"))
    return {"incidents": len(incidents), "orders": len(orders)}


def naive_dashboard(rt: Runtime, q: kpis.KpiQuery) -> dict[str, Any]:
    """The baseline: ORM objects and plain Python (phases only, the overall figures)."""
    targets = kpis.kpi_targets(rt)
    with rt.session() as s:
        incs = s.scalars(
            select(Incident).where(Incident.created_at >= q.start, Incident.created_at < q.end,
                                   Incident.exercise.is_(False))
        ).all()
        durations: dict[str, list[float | None]] = {p: [] for p in dk.PHASES}
        for inc in incs:
            c = inc.created_at
            durations["processing"].append(
                (inc.first_dispatch_at - c).total_seconds() if inc.first_dispatch_at else None)
            durations["response"].append(
                (inc.first_on_scene_at - c).total_seconds() if inc.first_on_scene_at else None)
            durations["total"].append((inc.closed_at - c).total_seconds() if inc.closed_at else None)
            for o in s.scalars(select(Order).where(Order.incident_id == inc.id)):
                durations["ack"].append(
                    (o.acked_at - o.issued_at).total_seconds() if o.acked_at else None)
                durations["turnout"].append(
                    (o.en_route_at - o.issued_at).total_seconds() if o.en_route_at else None)
                durations["travel"].append(
                    (o.on_scene_at - o.en_route_at).total_seconds()
                    if o.on_scene_at and o.en_route_at else None)
                durations["on_scene"].append(
                    (o.cleared_at - o.on_scene_at).total_seconds()
                    if o.cleared_at and o.on_scene_at else None)
        return {p: dk.phase_figures(v, targets[p]) for p, v in durations.items()}


@contextlib.contextmanager
def _postgres_db() -> Iterator[str | None]:
    try:
        admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT",
                              connect_args={"connect_timeout": 3})
        name = "siaga_bench_" + uuid.uuid4().hex[:10]
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as err:
        print(f"PostgreSQL not reachable ({type(err).__name__}); skipped")
        yield None
        return
    try:
        yield POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                              "WHERE datname = :n"), {"n": name})
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


def _ms(t0: float) -> float:
    return (time.perf_counter() - t0) * 1000.0


def run_engine(url: str, n: int, repeat: int, sample: int) -> dict[str, Any]:
    """Seed one database and time the dashboard against it."""
    clock = ManualClock(NOW)
    rt = bootstrap(Settings(database_url=url, secret_key=secrets.token_hex(16)), clock=clock)
    try:
        t0 = time.perf_counter()
        seeded = seed(rt, n)
        seed_ms = _ms(t0)
        q = kpis.KpiQuery(NOW - timedelta(days=DAYS + 1), NOW + timedelta(seconds=1))
        times = []
        data: dict[str, Any] = {}
        for _ in range(repeat + 1):  # the first run warms caches and is not counted
            t0 = time.perf_counter()
            data = kpis.dashboard(rt, q)
            times.append(_ms(t0))
        runs = times[1:]
        t0 = time.perf_counter()
        with rt.engine.connect() as conn:
            count = conn.execute(
                select(func.count()).select_from(Incident)
                .where(Incident.created_at >= q.start, Incident.created_at < q.end)
            ).scalar_one()
        count_ms = _ms(t0)
        # Naive baseline on the newest `sample` incidents (its time grows with N).
        with rt.engine.connect() as conn:
            cut = conn.execute(
                select(Incident.created_at).order_by(Incident.created_at.desc())
                .offset(max(sample - 1, 0)).limit(1)
            ).scalar()
        qs = kpis.KpiQuery(cut or q.start, q.end)
        t0 = time.perf_counter()
        naive_dashboard(rt, qs)
        naive_ms = _ms(t0)
        t0 = time.perf_counter()
        fast_sample = kpis.compute_kpis(rt, qs)
        fast_sample_ms = _ms(t0)
        resp = data["phases"]["response"]
        print(f"  {rt.engine.dialect.name}: seeded {seeded['incidents']} incidents and "
              f"{seeded['orders']} orders in {seed_ms / 1000:.1f} s")
        print(f"  dashboard: median {statistics.median(runs):.1f} ms, best {min(runs):.1f} ms, "
              f"runs {[round(t, 1) for t in runs]}")
        print(f"  baseline SELECT COUNT(*): {count_ms:.1f} ms ({count} incidents)")
        print(f"  baseline naive ORM on {fast_sample['totals']['incidents']} incidents: "
              f"{naive_ms:.1f} ms (this module on the same sample: {fast_sample_ms:.1f} ms)")
        print(f"  response p90 {resp['p90_s']} s, compliance {resp['compliance']}, "
              f"processing p90 {data['phases']['processing']['p90_s']} s")
        return {
            "ms": round(statistics.median(runs), 1),
            "best_ms": round(min(runs), 1),
            "count_ms": round(count_ms, 1),
            "naive_ms": round(naive_ms, 1),
            "naive_sample": fast_sample["totals"]["incidents"],
            "fast_sample_ms": round(fast_sample_ms, 1),
            "orders": seeded["orders"],
        }
    finally:
        rt.stop()


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Seed, time, print figures and a final JSON line."""
    parser = argparse.ArgumentParser(prog="siaga112 bench kpis", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--incidents", type=int, default=100_000)
    parser.add_argument("--engine", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs (after one warm-up)")
    parser.add_argument("--sample", type=int, default=5_000,
                        help="incidents for the naive ORM baseline")
    args = parser.parse_args(argv)
    if args.incidents < 1:
        parser.error("--incidents must be positive")
    print(f"bench kpis: {args.incidents} incidents over {DAYS} days, full dashboard")
    result: dict[str, Any] = {"incidents": args.incidents, "target_ms": 500}
    if args.engine in ("sqlite", "both"):
        with tempfile.TemporaryDirectory(prefix="siaga-bench-") as tmp:
            r = run_engine(f"sqlite:///{Path(tmp) / 'bench.db'}", args.incidents, args.repeat,
                           args.sample)
        result.update(ms_sqlite=r["ms"], best_ms_sqlite=r["best_ms"],
                      baseline_count_ms_sqlite=r["count_ms"], baseline_naive_ms_sqlite=r["naive_ms"],
                      fast_on_naive_sample_ms_sqlite=r["fast_sample_ms"], orders=r["orders"],
                      baseline_naive_incidents=r["naive_sample"])
    if args.engine in ("postgresql", "both"):
        with _postgres_db() as url:
            if url is not None:
                r = run_engine(url, args.incidents, args.repeat, args.sample)
                result.update(ms_postgresql=r["ms"], best_ms_postgresql=r["best_ms"],
                              baseline_count_ms_postgresql=r["count_ms"],
                              baseline_naive_ms_postgresql=r["naive_ms"],
                              fast_on_naive_sample_ms_postgresql=r["fast_sample_ms"],
                              orders=r["orders"], baseline_naive_incidents=r["naive_sample"])
            else:
                result["ms_postgresql"] = None
    print(json.dumps(result))
    return result
