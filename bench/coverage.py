"""`siaga112 bench coverage --units 200 [--roads GRAPH]`: coverage kept current on roads.

The road graph is the synthetic grid city (default, 52,900 nodes; or any .osm /
.osm.pbf, or `kediri` for the pack's skeleton with its kecamatan), demand cells
of `--cell-m` over it, targets of `--target-s` for every unit type. Figures:
the one-off index build, then per status change (a unit dispatched, freed or
moved) the incremental update of the board plus a full summary for the live
board; baselines in the same run: recomputing the whole board from scratch after
each change, and the naive way (one unbounded road search from every unit).

`service`: the product's own path, as `GET /api/v1/coverage` and the live board run it
(`dispatch.services.coverage.coverage_now` over a bootstrapped runtime on the Kediri pack
and its road file, `--units` units at random places in the city): a unit's status changes
in the fleet, then the coverage is computed again. `meets_target` compares its p99 and the
board's with the 50 ms target.
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import time
from typing import Any

from bench.recommend_roads import load_graph, rss_mb
from dispatch.domain.constants import UNIT_TYPES
from dispatch.domain.kpis import percentile
from geo.coverage import CoverageBoard, CoverageIndex, demand_cells, kecamatan_points


def _pct(values: list[float], q: float) -> float:
    return percentile(sorted(values), q) or 0.0


TARGET_P99_MS = 50.0


def _service(n_units: int, changes: int, seed: int) -> dict[str, Any]:
    """Time a status change through the product path: fleet update, then coverage_now."""
    import secrets
    import tempfile

    from dispatch.bootstrap import bootstrap
    from dispatch.clock import ManualClock
    from dispatch.config import Settings
    from dispatch.fleet import UnitState
    from dispatch.services.coverage import coverage_now

    rng = random.Random(seed + 1)
    with tempfile.TemporaryDirectory() as tmp:
        clock = ManualClock()  # fixes stay fresh: every unit stays countable
        rt = bootstrap(Settings(database_url=f"sqlite:///{tmp}/bench.db", secret_key=secrets.token_hex(16)),
                       clock=clock)
        try:
            lat_lo, lon_lo, lat_hi, lon_hi = rt.router.network.bounds()  # type: ignore[attr-defined]
            now = clock.time()
            ids = []
            for i in range(n_units):
                uid = f"B{i:04d}"
                rt.fleet.upsert(UnitState(
                    uid, UNIT_TYPES[i % len(UNIT_TYPES)], status="available",
                    lat=rng.uniform(lat_lo, lat_hi), lon=rng.uniform(lon_lo, lon_hi),
                    last_seen=now, last_fix_ts=now, fix_ts=now, source="mqtt"))
                ids.append(uid)
            t0 = time.perf_counter()
            first = coverage_now(rt)  # builds the runtime's drive-time index once
            build_s = time.perf_counter() - t0
            times: list[float] = []
            for _ in range(changes):
                uid = rng.choice(ids)
                state = rt.fleet.get(uid)
                assert state is not None
                t0 = time.perf_counter()
                rt.fleet.update(uid, status="dispatched" if state.status == "available"
                                else "available")
                coverage_now(rt)
                times.append((time.perf_counter() - t0) * 1000)
        finally:
            rt.stop()
    return {"units": n_units, "demand_points": len(first["cells"]), "changes": changes,
            "index_build_s": round(build_s, 2), "p50_ms": round(_pct(times, 50), 3),
            "p99_ms": round(_pct(times, 99), 3)}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Run the benchmark; the last line printed is JSON."""
    ap = argparse.ArgumentParser(prog="siaga112 bench coverage")
    ap.add_argument("--units", type=int, default=200)
    ap.add_argument("--roads", default="generate")
    ap.add_argument("--cell-m", type=float, default=1000.0)
    ap.add_argument("--target-s", type=float, default=480.0)
    ap.add_argument("--changes", type=int, default=1000)
    ap.add_argument("--full-baseline", type=int, default=50)
    ap.add_argument("--naive-baseline", type=int, default=2)
    ap.add_argument("--seed", type=int, default=112)
    ap.add_argument("--service-changes", type=int, default=200,
                    help="status changes timed through coverage_now (0: skip)")
    args = ap.parse_args(argv)
    rng = random.Random(args.seed)

    if args.roads == "kediri":
        from dispatch.citypack import load_city_pack
        from dispatch.config import Settings
        from dispatch.routing import road_network, roads_path

        city = load_city_pack()
        path = roads_path(Settings(), city)
        assert path is not None
        t0 = time.perf_counter()
        net = road_network(path)
        info: dict[str, Any] = {"nodes": net.n_nodes, "segments": net.n_segments,
                                "load_s": round(time.perf_counter() - t0, 3), "source": "kediri"}
        kec = [(n, g) for n, _c, g in city.kecamatan()]
        points = demand_cells(kec, args.cell_m) + kecamatan_points(kec)
    else:
        net, info = load_graph(args.roads)
        lat_lo, lon_lo, lat_hi, lon_hi = net.bounds()
        square = {"type": "Polygon", "coordinates": [[[lon_lo, lat_lo], [lon_hi, lat_lo],
                                                       [lon_hi, lat_hi], [lon_lo, lat_hi],
                                                       [lon_lo, lat_lo]]]}
        points = demand_cells([("City", square)], args.cell_m)
    lat_lo, lon_lo, lat_hi, lon_hi = net.bounds()
    targets = dict.fromkeys(UNIT_TYPES, args.target_s)

    gc.collect()
    before = rss_mb()
    t0 = time.perf_counter()
    index = CoverageIndex(net, points, targets)
    build_s = time.perf_counter() - t0
    index_mb = rss_mb() - before

    def rand_point() -> tuple[float, float]:
        return rng.uniform(lat_lo, lat_hi), rng.uniform(lon_lo, lon_hi)

    units = {f"U{i:04d}": [UNIT_TYPES[i % len(UNIT_TYPES)], *rand_point(), True]
             for i in range(args.units)}
    board = CoverageBoard(index)
    for uid, (utype, lat, lon, avail) in units.items():
        board.set_unit(uid, utype, lat, lon, avail)
    gc.collect()
    gc.freeze()

    incremental: list[float] = []
    full: list[float] = []
    ids = list(units)
    for q in range(args.changes):
        uid = rng.choice(ids)
        u = units[uid]
        if rng.random() < 0.5:
            u[3] = not u[3]  # dispatched / available again
        else:
            u[1], u[2] = rand_point()  # moved (a new GPS fix far away: worst case)
        t0 = time.perf_counter()
        board.set_unit(uid, u[0], u[1], u[2], u[3])
        board.summary()
        incremental.append((time.perf_counter() - t0) * 1000)
        if q < args.full_baseline:
            t0 = time.perf_counter()
            fresh = CoverageBoard(index)
            for vid, (utype, lat, lon, avail) in units.items():
                fresh.set_unit(vid, utype, lat, lon, avail)
            fresh.summary()
            full.append((time.perf_counter() - t0) * 1000)
            assert all((fresh.counts(t) == board.counts(t)).all() for t in targets)

    naive: list[float] = []
    for _ in range(args.naive_baseline):
        t0 = time.perf_counter()
        for utype, lat, lon, avail in units.values():
            if avail:
                tt = net.travel_from((lat, lon), utype)
                tt.etas([(p.lat, p.lon) for p in points], args.target_s)
        naive.append((time.perf_counter() - t0) * 1000)

    p99 = _pct(incremental, 99)
    service = _service(args.units, args.service_changes, args.seed) if args.service_changes else None
    result = {
        "graph": info,
        "units": args.units,
        "demand_points": len(points),
        "target_s": args.target_s,
        "index_build_s": round(build_s, 2),
        "index_memory_mb": round(index_mb, 1),
        "changes": args.changes,
        "p50_ms": round(_pct(incremental, 50), 3),
        "p99_ms": round(p99, 3),
        "full_recompute_p50_ms": round(_pct(full, 50), 2),
        "full_recompute_p99_ms": round(_pct(full, 99), 2),
        "naive_recompute_ms": round(min(naive), 1) if naive else None,
        "speedup_vs_full": round(_pct(full, 99) / p99, 1) if p99 else None,
        "target": {"p99_ms": TARGET_P99_MS},
        "service": service,
        "meets_target": p99 <= TARGET_P99_MS and (
            service is None or service["p99_ms"] <= TARGET_P99_MS),
    }
    print(f"index: {len(points)} demand points × {len(targets)} unit types built in "
          f"{result['index_build_s']} s (+{result['index_memory_mb']} MiB)")
    print(f"status change → board + summary: p50 {result['p50_ms']} ms, p99 {result['p99_ms']} ms")
    print(f"full recompute of {args.units} units: p99 {result['full_recompute_p99_ms']} ms; "
          f"naive (a road search per unit): {result['naive_recompute_ms']} ms")
    if service is not None:
        print(f"service path (fleet change → coverage_now, Kediri pack, {args.units} units): "
              f"p50 {service['p50_ms']} ms, p99 {service['p99_ms']} ms")
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
