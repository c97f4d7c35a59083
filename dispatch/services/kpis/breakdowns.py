"""Helpers of the breakdowns: local time, dimensions, per-sample targets, labels."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import numpy as np

from ...domain import kpis as dk

if TYPE_CHECKING:
    from ...runtime import Runtime

NONE_LABEL = "(tidak diketahui / unknown)"
SYSTEM_LABEL = "(sistem / system)"


def _offsets(tz: ZoneInfo, epochs: np.ndarray, start: datetime, end: datetime) -> np.ndarray | float:
    """UTC offset in seconds of each epoch (one number when the zone has no change in the period)."""
    seen = set()
    day = start
    while day <= end:
        seen.add(day.astimezone(tz).utcoffset())
        day += timedelta(days=1)
    seen.add(end.astimezone(tz).utcoffset())
    if len(seen) == 1:
        offset = next(iter(seen))
        return offset.total_seconds() if offset is not None else 0.0
    return np.array(
        [
            (datetime.fromtimestamp(e, UTC).astimezone(tz).utcoffset() or timedelta()).total_seconds()
            for e in epochs.tolist()
        ],
        dtype=float,
    )



def _encode_ints(values: np.ndarray) -> tuple[np.ndarray, list[Any]]:
    """`_encode` of an integer array without known keys (same codes, done by numpy)."""
    uniq, inverse = np.unique(values, return_inverse=True)
    keys = sorted(uniq.tolist(), key=str)
    position = {k: i for i, k in enumerate(keys)}
    table = np.array([position[k] for k in uniq.tolist()], dtype=np.int64)
    return table[inverse.reshape(-1)], keys


@dataclass
class _Dim:
    name: str
    keys: list[Any]
    labels: list[str]
    inc_codes: np.ndarray | None  # per incident row (incident dimensions)
    ord_codes: np.ndarray  # per order row
    keep_empty: bool = True

    def narrowed(self) -> tuple[np.ndarray | None, np.ndarray]:
        """The codes as the smallest integer type that holds them (cheaper to gather and sort)."""
        small = np.int16 if len(self.keys) < 2**15 else np.int64
        return (
            None if self.inc_codes is None else self.inc_codes.astype(small),
            self.ord_codes.astype(small),
        )


def _figures_rows(
    dim: _Dim,
    grouped: Mapping[str, Mapping[str, dk.GroupedFigures]],
    targets: Mapping[str, dk.PhaseTarget],
    margin: float,
) -> list[dict[str, Any]]:
    """One breakdown's rows from the phases' figures grouped by this dimension."""
    n = len(dim.keys)
    zeros = np.zeros(n, dtype=np.int64)
    inc_counts = (
        np.bincount(dim.inc_codes[dim.inc_codes >= 0], minlength=n)[:n]
        if dim.inc_codes is not None and dim.inc_codes.size else zeros
    )
    ord_counts = (
        np.bincount(dim.ord_codes[dim.ord_codes >= 0], minlength=n)[:n]
        if dim.ord_codes.size else zeros
    )
    by_phase = {p: grouped[p][dim.name] for p in dk.PHASES if dim.name in grouped[p]}
    rows = []
    for code in range(n):
        if not dim.keep_empty and not inc_counts[code] and not ord_counts[code]:
            continue
        row: dict[str, Any] = {"key": dim.keys[code], "label": dim.labels[code]}
        if dim.inc_codes is not None:
            row["incidents"] = int(inc_counts[code])
        row["orders"] = int(ord_counts[code])
        row["phases"] = {p: g.figures(code, targets[p], margin) for p, g in by_phase.items()}
        rows.append(row)
    return rows


def _target_array(
    target: dk.PhaseTarget,
    types: tuple[np.ndarray, list[Any]] | None,
    cats: tuple[np.ndarray, list[Any]],
) -> np.ndarray | float:
    """Per-sample targets, through a lookup table of the few (unit type, category) pairs."""
    if not target.by_category and (not target.by_unit_type or types is None):
        return float(target.target_s)
    cat_codes, cat_keys = cats
    if types is None:
        table = np.array([target.for_sample(category=c) for c in cat_keys] or [0.0])
        return table[cat_codes] if cat_codes.size else float(target.target_s)
    type_codes, type_keys = types
    nc = max(len(cat_keys), 1)
    table = np.array(
        [target.for_sample(unit_type=t, category=c) for t in type_keys for c in (cat_keys or [None])]
        or [0.0]
    )
    return table[type_codes * nc + cat_codes] if type_codes.size else float(target.target_s)


def _label(key: Any) -> str:
    return NONE_LABEL if key in (None, "") else str(key)


def _by_unit_type(
    grouped: dk.GroupedFigures, types: tuple[np.ndarray, list[Any]], target: dk.PhaseTarget,
    margin: float,
) -> dict[str, Any]:
    _, keys = types
    out = {}
    for i, k in enumerate(keys):
        per_type = dk.PhaseTarget(target.for_sample(unit_type=k), target.percentile)
        out[_label(k)] = grouped.figures(i, per_type, margin)
    return out


def _station_label(rt: Runtime, station_id: str | None) -> str:
    if not station_id:
        return NONE_LABEL
    st = rt.city.station(station_id)
    return st.name if st else station_id


def _agency(rt: Runtime, station_id: str | None) -> str | None:
    st = rt.city.station(station_id) if station_id else None
    return st.agency if st else None
