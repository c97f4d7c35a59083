"""A synthetic city road network for benchmarks, written as a real .osm.pbf file.

A perturbed square grid (default 230 × 230 = 52,900 nodes, ~58 m apart, about
13 × 13 km around Kota Kediri's centre) cut north–south by a meandering river
that only a few bridges cross; every tenth street is an arterial (primary or
secondary, some with ``maxspeed``), some residential streets are one-way, and a
few blocks are missing. It is written with pyosmium's writer and read back by
the same loader as a real extract, so the benchmark measures the whole path.
"""

from __future__ import annotations

import random
from pathlib import Path


def write_grid_city(path: str | Path, side: int = 230, center: tuple[float, float] = (-7.8166, 112.0114),
                    span_deg: float = 0.12, bridges: int = 4, seed: int = 13) -> dict[str, int]:
    """Write the synthetic city to `path` (.osm.pbf or .osm); return its counts."""
    import osmium
    from osmium.osm.mutable import Node, Way

    rng = random.Random(seed)
    p = Path(path)
    if p.exists():
        p.unlink()
    step = span_deg / (side - 1)
    lat0 = center[0] + span_deg / 2  # north edge
    lon0 = center[1] - span_deg / 2  # west edge

    def nid(r: int, c: int) -> int:
        return r * side + c + 1

    river_col = [side // 2 + int(3 * ((r / side) * 6.28 % 3.14 - 1.57)) for r in range(side)]
    bridge_rows = {int(side * (k + 0.5) / bridges) for k in range(bridges)}
    ways: list[tuple[list[int], dict[str, str]]] = []
    for r in range(side):
        # East-west streets, broken by the river except on bridge rows.
        arterial = r % 10 == 0
        tags = {"highway": "secondary" if arterial else "residential"}
        if arterial and r % 20 == 0:
            tags["maxspeed"] = "40"
        if not arterial and r % 7 == 3:
            tags["oneway"] = "yes" if r % 2 else "-1"
        run: list[int] = [nid(r, 0)]
        for c in range(side - 1):
            crossing = c == river_col[r]
            missing = not arterial and rng.random() < 0.03
            if (crossing and r not in bridge_rows) or missing:
                if len(run) > 1:
                    ways.append((run, dict(tags)))
                run = [nid(r, c + 1)]
                continue
            if crossing:
                if len(run) > 1:
                    ways.append((run, dict(tags)))
                ways.append(([nid(r, c), nid(r, c + 1)],
                             {"highway": "primary", "bridge": "yes", "layer": "1",
                              "name": f"Bridge {len(bridge_rows)}"}))
                run = [nid(r, c + 1)]
                continue
            run.append(nid(r, c + 1))
        if len(run) > 1:
            ways.append((run, dict(tags)))
    for c in range(side):
        arterial = c % 10 == 0
        tags = {"highway": "primary" if arterial and c % 20 == 0 else
                "secondary" if arterial else "residential"}
        if not arterial and c % 9 == 4:
            tags["oneway"] = "yes"
        run = [nid(0, c)]
        for r in range(side - 1):
            if not arterial and rng.random() < 0.03:
                if len(run) > 1:
                    ways.append((run, dict(tags)))
                run = [nid(r + 1, c)]
                continue
            run.append(nid(r + 1, c))
        if len(run) > 1:
            ways.append((run, dict(tags)))

    jitter = step * 0.15
    with osmium.SimpleWriter(str(p)) as w:
        for r in range(side):
            for c in range(side):
                lat = lat0 - r * step + rng.uniform(-jitter, jitter)
                lon = lon0 + c * step + rng.uniform(-jitter, jitter)
                w.add_node(Node(id=nid(r, c), location=(lon, lat), version=1))
        for i, (refs, tags) in enumerate(ways, start=1):
            w.add_way(Way(id=i, nodes=refs, tags=tags, version=1))
    return {"nodes": side * side, "ways": len(ways), "bridges": len(bridge_rows)}
