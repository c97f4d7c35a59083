"""Write small OpenStreetMap XML files for tests (the reader under test is pyosmium)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from xml.sax.saxutils import quoteattr


def write_osm(
    path: Path,
    nodes: Mapping[int, tuple[float, float]],
    ways: Sequence[tuple[int, Sequence[int], Mapping[str, str]]],
) -> Path:
    """Write nodes {id: (lat, lon)} and ways [(id, node ids, tags)] as an .osm file."""
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6" generator="siaga112-tests">']
    for nid, (lat, lon) in sorted(nodes.items()):
        lines.append(f' <node id="{nid}" version="1" lat="{lat:.7f}" lon="{lon:.7f}"/>')
    for wid, refs, tags in ways:
        lines.append(f' <way id="{wid}" version="1">')
        lines.extend(f'  <nd ref="{r}"/>' for r in refs)
        lines.extend(f"  <tag k={quoteattr(k)} v={quoteattr(v)}/>" for k, v in tags.items())
        lines.append(" </way>")
    lines.append("</osm>")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def grid_nodes(rows: int, cols: int, lat0: float = -7.80, lon0: float = 112.00,
               step_deg: float = 0.002) -> dict[int, tuple[float, float]]:
    """Node ids r*100+c+1 on a lat/lon grid: row r goes south, column c goes east."""
    return {r * 100 + c + 1: (lat0 - r * step_deg, lon0 + c * step_deg)
            for r in range(rows) for c in range(cols)}


def nid(r: int, c: int) -> int:
    """The grid_nodes id of row r, column c."""
    return r * 100 + c + 1
