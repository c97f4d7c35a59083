"""Recommendation speed with a large, moving fleet: spatial index vs a geodesic scan.

`siaga112 bench recommend --units 10000`: every query first moves at least 1 % of
the units, then fills a random category's response plan twice — once with the
production policy over the live fleet's grid index, once by brute force (every
unit, geopy geodesic distance, sorted). Both must pick the same units.

`siaga112 bench recommend --units 10000 --roads GRAPH` does the same on a road
network (GRAPH: an .osm/.osm.pbf file, or `generate[:SIDE]` for the synthetic
grid city of bench/roadgen.py, default 230 × 230 = 52,900 nodes): the production
policy with exact road ETAs, against an exhaustive road search (one unbounded
Dijkstra per unit type, every available unit priced) which must pick the same
units, and against the straight-line router on the same queries.
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import statistics
import time
from typing import Any

from dispatch.citypack import load_city_pack
from dispatch.domain.constants import EMERGENCY_CATEGORIES, UNIT_TYPES
from dispatch.domain.kpis import percentile
from dispatch.domain.recommend import NearestEtaPolicy, Slot
from dispatch.fleet import Fleet, UnitState
from geo.distance import geodesic_m
from geo.routing import StraightLineRouter


def _percentile(values: list[float], q: float) -> float:
    """The q-quantile (0..1) by the project's one definition; 0.0 when empty."""
    return percentile(sorted(values), q * 100) or 0.0


def brute_force(fleet: Fleet, lat: float, lon: float, plan: list[Slot], now: float) -> list[str]:
    """Scan every unit with geodesic distance; the baseline."""
    picked: list[str] = []
    for slot in plan:
        cands = [
            (geodesic_m(lat, lon, u.lat, u.lon), u.id)  # type: ignore[arg-type]
            for u in fleet.all()
            if u.type == slot.unit_type and fleet.is_recommendable(u, now) and u.id not in picked
        ]
        cands.sort()
        picked += [uid for _d, uid in cands[: slot.count]]
    return picked


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Run the benchmark and print its figures; the last line is JSON."""
    ap = argparse.ArgumentParser(prog="siaga112 bench recommend")
    ap.add_argument("--units", type=int, default=10_000)
    ap.add_argument("--queries", type=int, default=2_000)
    ap.add_argument("--brute-queries", type=int, default=60)
    ap.add_argument("--move-share", type=float, default=0.01)
    ap.add_argument("--seed", type=int, default=112)
    ap.add_argument("--gc-gen0", type=int, default=None,
                    help="with --roads: gc gen-0 threshold (default Python's 700)")
    ap.add_argument("--roads", default=None,
                    help="road graph: .osm/.osm.pbf file, or generate[:SIDE] (synthetic grid city)")
    args = ap.parse_args(argv)
    if args.roads:
        from bench.recommend_roads import run

        return run(args)

    rng = random.Random(args.seed)
    city = load_city_pack()
    lat0, lon0 = city.center
    span = 0.06  # ≈ ±6.6 km around the centre: the whole city and its edge
    now = time.time()
    fleet = Fleet({"mqtt": 120})

    def rand_point() -> tuple[float, float]:
        return lat0 + rng.uniform(-span, span), lon0 + rng.uniform(-span, span)

    units = []
    for i in range(args.units):
        lat, lon = rand_point()
        # Some units are busy or stale, as in a real shift.
        status = "available" if rng.random() < 0.8 else rng.choice(["en_route", "on_scene"])
        seen = now - (500 if rng.random() < 0.05 else rng.uniform(0, 30))
        units.append(UnitState(f"U{i:05d}", UNIT_TYPES[i % len(UNIT_TYPES)], lat=lat, lon=lon,
                               status=status, source="mqtt", last_seen=seen, fix_ts=seen))
    fleet.load(units)
    # As `serve` does after start-up: long-lived objects leave the GC's scans.
    gc.collect()
    gc.freeze()
    ids = [u.id for u in units]
    policy = NearestEtaPolicy(StraightLineRouter())
    plans = {c: [Slot(s.unit_type, s.count) for s in city.response_plans[c]]
             for c in EMERGENCY_CATEGORIES}
    moves = max(1, int(args.units * args.move_share))

    def move_some() -> None:
        for uid in rng.sample(ids, moves):
            lat, lon = rand_point()
            fleet.update(uid, lat=lat, lon=lon, last_seen=now, fix_ts=now)

    fast: list[float] = []
    brute: list[float] = []
    mismatches = 0
    for q in range(args.queries):
        move_some()
        lat, lon = rand_point()
        plan = plans[rng.choice(EMERGENCY_CATEGORIES)]
        t0 = time.perf_counter()
        recs = policy.recommend(lat, lon, plan, fleet.view(now))
        fast.append((time.perf_counter() - t0) * 1000)
        if q < args.brute_queries:
            t0 = time.perf_counter()
            expected = brute_force(fleet, lat, lon, plan, now)
            brute.append((time.perf_counter() - t0) * 1000)
            # Haversine vs geodesic may swap two near-equidistant units; count it.
            if sorted(r.unit_id for r in recs) != sorted(expected):
                mismatches += 1

    p99, brute_p99 = _percentile(fast, 0.99), _percentile(brute, 0.99)
    result = {
        "units": args.units,
        "queries": args.queries,
        "moved_per_query": moves,
        "p50_ms": round(_percentile(fast, 0.50), 4),
        "p99_ms": round(p99, 4),
        "mean_ms": round(statistics.fmean(fast), 4),
        "brute_p50_ms": round(_percentile(brute, 0.50), 3),
        "brute_p99_ms": round(brute_p99, 3),
        "speedup": round(brute_p99 / p99, 1) if p99 else None,
        "brute_queries": len(brute),
        "mismatches_vs_brute": mismatches,
        "target": {"p99_ms": 1.0, "speedup": 20},
    }
    print(f"index: p50 {result['p50_ms']} ms, p99 {result['p99_ms']} ms over {args.queries} queries")
    print(f"brute: p50 {result['brute_p50_ms']} ms, p99 {result['brute_p99_ms']} ms "
          f"over {len(brute)} queries; {mismatches} selections differed")
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
