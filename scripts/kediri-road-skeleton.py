#!/usr/bin/env python3
"""Write the Kediri pack's approximate main-road skeleton (dispatch/citypacks/kediri/roads.osm).

A schematic of Kota Kediri's arterials drawn from public knowledge, not surveyed: the
Brantas runs north-south along the same line as in districts.geojson, and only the
bridges cross it (Jembatan Semampir (lama), Jembatan Brawijaya, Jembatan Joyoboyo /
Jembatan Baru and the southern bypass bridge). Roads are straight runs between
intersections; names and classes are the best recollection and must be checked.
Replace the output with a real OpenStreetMap extract for any real use (see the
pack's README). Run: .venv/bin/python scripts/kediri-road-skeleton.py
"""

from __future__ import annotations

import itertools
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "dispatch" / "citypacks" / "kediri" / "roads.osm"

# The river line of districts.geojson (lat, lon), north to south.
RIVER = [(-7.776, 112.0085), (-7.788, 112.0078), (-7.800, 112.0072), (-7.810, 112.0068),
         (-7.8188, 112.0064), (-7.827, 112.0062), (-7.840, 112.0058), (-7.855, 112.0050)]
BANK = 0.0012  # bridgeheads and riverside roads sit this far (deg) from the river line


def river_lon(lat: float) -> float:
    """Longitude of the modelled Brantas at a latitude (linear between vertices)."""
    for (la1, lo1), (la2, lo2) in itertools.pairwise(RIVER):
        if la2 <= lat <= la1:
            f = (la1 - lat) / (la1 - la2)
            return lo1 + f * (lo2 - lo1)
    return RIVER[0][1] if lat > RIVER[0][0] else RIVER[-1][1]


# Bridges: name, latitude, tags.
BRIDGES = [
    ("Jembatan Semampir (lama)", -7.8030, {"highway": "secondary", "maxspeed": "30"}),
    ("Jembatan Brawijaya", -7.8120, {"highway": "primary"}),
    ("Jembatan Joyoboyo (Jembatan Baru)", -7.8225, {"highway": "primary"}),
    ("Jembatan Lingkar Selatan (bypass)", -7.8500, {"highway": "primary", "maxspeed": "60"}),
]

# East-west roads: name, latitude, (west lon or "river"), (east lon or "river"), tags.
# "river" ends the road at the riverside road of that bank.
EW = [
    # West bank (Mojoroto)
    ("Jl. Raya Lirboyo - Jl. KH Wahid Hasyim", -7.7950, 111.9800, "river", {"highway": "secondary"}),
    ("Jl. Semampir Barat", -7.8030, 111.9860, "river", {"highway": "tertiary"}),
    ("Jl. Mayjend Sungkono", -7.8120, 111.9760, "river", {"highway": "secondary"}),
    ("Jl. Joyoboyo Barat", -7.8225, 111.9800, "river", {"highway": "secondary"}),
    ("Jl. Raya Mojoroto Selatan", -7.8350, 111.9800, "river", {"highway": "tertiary"}),
    ("Jl. Lingkar Selatan Barat", -7.8500, 111.9900, "river", {"highway": "primary", "maxspeed": "60"}),
    # East bank (Kota, Pesantren)
    ("Jl. Ahmad Yani", -7.7900, "river", 112.0300, {"highway": "primary"}),
    ("Jl. Mayor Bismo", -7.8030, "river", 112.0330, {"highway": "secondary"}),
    ("Jl. Brawijaya", -7.8120, "river", 112.0350, {"highway": "primary", "maxspeed": "40"}),
    ("Jl. Joyoboyo", -7.8225, "river", 112.0380, {"highway": "secondary"}),
    ("Jl. Kapten Tendean", -7.8340, "river", 112.0450, {"highway": "secondary"}),
    ("Jl. Raya Pesantren", -7.8430, "river", 112.0550, {"highway": "secondary"}),
    ("Jl. Lingkar Selatan", -7.8500, "river", 112.0550, {"highway": "primary", "maxspeed": "60"}),
]

# North-south roads: name, longitude, north lat, south lat, tags.
NS = [
    ("Jl. Penanggungan", 111.9980, -7.7900, -7.8500, {"highway": "secondary"}),
    ("Jl. Raya Mojoroto", 111.9860, -7.7950, -7.8500, {"highway": "tertiary"}),
    ("Jl. Hayam Wuruk", 112.0115, -7.7850, -7.8430, {"highway": "primary", "maxspeed": "40"}),
    # Believed one-way southbound through the shopping street; verify on the ground.
    ("Jl. Dhoho", 112.0145, -7.7900, -7.8340, {"highway": "secondary", "oneway": "yes"}),
    ("Jl. Panglima Sudirman - Jl. Diponegoro", 112.0200, -7.7900, -7.8500, {"highway": "secondary"}),
    ("Jl. Pattimura - Jl. Letjen Suprapto", 112.0292, -7.7900, -7.8500, {"highway": "secondary"}),
    ("Jl. Erlangga - Jl. Soekarno Hatta", 112.0450, -7.8120, -7.8600, {"highway": "secondary"}),
]


def build() -> tuple[dict[tuple[float, float], int], list[tuple[str, list[int], dict[str, str]]]]:
    """Nodes keyed by rounded (lat, lon) and ways as node-id lists."""
    nodes: dict[tuple[float, float], int] = {}

    def node(lat: float, lon: float) -> int:
        key = (round(lat, 6), round(lon, 6))
        if key not in nodes:
            nodes[key] = len(nodes) + 1
        return nodes[key]

    ways: list[tuple[str, list[int], dict[str, str]]] = []
    west_ends: list[float] = []
    east_ends: list[float] = []
    for name, lat, west, east, tags in EW:
        # A road ending at the river stops at its own bank's riverside road.
        w = river_lon(lat) + BANK if west == "river" else float(west)
        e = river_lon(lat) - BANK if east == "river" else float(east)
        (west_ends if east == "river" else east_ends).append(lat)
        lons = {w, e}
        for _n, lon, north, south, _t in NS:
            if w < lon < e and south <= lat <= north:
                lons.add(lon)
        ways.append((name, [node(lat, lo) for lo in sorted(lons)], tags))
    for name, lon, north, south, tags in NS:
        lats = {north, south}
        for _n, lat, west, east, _t in EW:
            w = river_lon(lat) + BANK if west == "river" else float(west)
            e = river_lon(lat) - BANK if east == "river" else float(east)
            if w < lon < e and south <= lat <= north:
                lats.add(lat)
        ways.append((name, [node(la, lon) for la in sorted(lats, reverse=True)], tags))
    # Riverside roads join the ends of the roads that stop at the river.
    for side, ends, sign in (("Barat", west_ends, -1), ("Timur", east_ends, 1)):
        lats = sorted(set(ends), reverse=True)
        ways.append((f"Jl. Tepi Brantas {side}",
                     [node(la, river_lon(la) + sign * BANK) for la in lats],
                     {"highway": "tertiary"}))
    for name, lat, tags in BRIDGES:
        ways.append((name, [node(lat, river_lon(lat) - BANK), node(lat, river_lon(lat) + BANK)],
                     {**tags, "bridge": "yes", "layer": "1"}))
    return nodes, ways


def main() -> None:
    """Write roads.osm with pyosmium's writer."""
    import osmium
    from osmium.osm.mutable import Node, Way

    nodes, ways = build()
    if OUT.exists():
        OUT.unlink()
    with osmium.SimpleWriter(str(OUT)) as w:
        for (lat, lon), nid in sorted(nodes.items(), key=lambda kv: kv[1]):
            w.add_node(Node(id=nid, location=(lon, lat), version=1))
        for i, (name, refs, tags) in enumerate(ways, start=1):
            all_tags = {**tags, "name": name, "source": "siaga112 schematic (approximate)",
                        "note": "approximate: not surveyed, replace with an OSM extract"}
            w.add_way(Way(id=i, nodes=refs, tags=all_tags, version=1))
    print(f"wrote {OUT} ({len(nodes)} nodes, {len(ways)} ways)")


if __name__ == "__main__":
    main()
