"""Response-time figures: phases, percentiles, compliance against targets, grouped breakdowns.

Pure: no database, no web. Durations come in as seconds (``nan`` when a timestamp is
missing), grouped by small integer codes, and go out as plain dicts ready for JSON.

Percentile method
-----------------
Linear interpolation between closest ranks, the method numpy calls ``"linear"``
(its default) and Hyndman & Fan call type 7: for n sorted samples x[0..n-1] and a
percentile p, h = (n - 1) * p / 100, and the result is
x[floor h] + (h - floor h) * (x[floor h + 1] - x[floor h]). One sample gives that
sample for every p; no samples give ``None``.

Compliance
----------
The share of samples at or under their target (a target may depend on the unit type,
e.g. turnout 60 s for ambulances, 80 s for fire engines). A phase *meets* its standard
when that share reaches the target percentile (processing: at least 90 % within 64 s).
Status: ``met``; ``near`` when within ``amber_margin`` (10 points) below it; ``missed``
otherwise; ``no_data`` without samples. Negative durations (clock errors) are dropped.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

PHASES: tuple[str, ...] = ("processing", "ack", "turnout", "travel", "response", "on_scene", "total")
# Measured once per incident vs once per dispatched unit (order).
INCIDENT_PHASES: tuple[str, ...] = ("processing", "response", "total")
ORDER_PHASES: tuple[str, ...] = ("ack", "turnout", "travel", "on_scene")

PHASE_LABELS: dict[str, str] = {
    "processing": "Pemrosesan panggilan / Call processing",
    "ack": "Konfirmasi perintah / Order acknowledgement",
    "turnout": "Waktu keluar / Turnout",
    "travel": "Perjalanan / Travel",
    "response": "Waktu tanggap / Response",
    "on_scene": "Di lokasi / On scene",
    "total": "Total sampai selesai / Total to close",
}

REPORTED_PERCENTILES: tuple[int, ...] = (50, 90, 95)
DEFAULT_AMBER_MARGIN = 0.10

# Defaults from the standards, used when the city pack does not say otherwise:
# NFPA 1221 call processing 64 s at the 90th percentile; NFPA 1710 turnout 60 s (EMS)
# / 80 s (fire) and travel 240 s; Permendagri 114/2018: fire response within 15 minutes
# of the report. ack/on_scene/total have no national standard; they are local choices.
DEFAULT_TARGETS: dict[str, dict[str, Any]] = {
    "processing": {"target_s": 64, "percentile": 90},
    "ack": {"target_s": 30, "percentile": 90},
    "turnout": {"target_s": 60, "percentile": 90,
                "by_unit_type": {"ambulance": 60, "fire_engine": 80}},
    "travel": {"target_s": 240, "percentile": 90},
    "response": {"target_s": 900, "percentile": 90},
    "on_scene": {"target_s": 3600, "percentile": 90},
    "total": {"target_s": 7200, "percentile": 90},
}

STATUS_LABELS: dict[str, str] = {
    "met": "Memenuhi target / Target met",
    "near": "Hampir memenuhi / Near target",
    "missed": "Tidak memenuhi / Target missed",
    "no_data": "Tidak ada data / No data",
}


@dataclass(frozen=True)
class PhaseTarget:
    """A phase's target: seconds at a percentile, optionally per unit type or category."""

    target_s: float
    percentile: float = 90.0
    by_unit_type: Mapping[str, float] = field(default_factory=dict)
    by_category: Mapping[str, float] = field(default_factory=dict)
    note: str | None = None

    def for_sample(self, unit_type: str | None = None, category: str | None = None) -> float:
        """The target for one sample: unit type first, then category, then the default."""
        if unit_type is not None and unit_type in self.by_unit_type:
            return float(self.by_unit_type[unit_type])
        if category is not None and category in self.by_category:
            return float(self.by_category[category])
        return float(self.target_s)

    def as_dict(self) -> dict[str, Any]:
        """JSON view."""
        out: dict[str, Any] = {"target_s": self.target_s, "percentile": self.percentile}
        if self.by_unit_type:
            out["by_unit_type"] = dict(self.by_unit_type)
        if self.by_category:
            out["by_category"] = dict(self.by_category)
        if self.note:
            out["note"] = self.note
        return out


def _positive(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        raise ValueError(f"{what} must be a positive number, got {value!r}")
    return float(value)


def targets_from_settings(raw: Mapping[str, Any] | None) -> dict[str, PhaseTarget]:
    """Merge the city pack's ``kpi_targets`` over the defaults (raises ValueError when invalid)."""
    raw = raw or {}
    out: dict[str, PhaseTarget] = {}
    for phase in PHASES:
        spec = dict(DEFAULT_TARGETS[phase])
        given = raw.get(phase)
        if given is not None:
            if not isinstance(given, Mapping):
                raise ValueError(f"kpi_targets.{phase} must be an object")
            spec.update(given)
        pct = _positive(spec.get("percentile", 90), f"kpi_targets.{phase}.percentile")
        if pct > 100:
            raise ValueError(f"kpi_targets.{phase}.percentile must be at most 100")
        by_type = {
            str(k): _positive(v, f"kpi_targets.{phase}.by_unit_type.{k}")
            for k, v in dict(spec.get("by_unit_type") or {}).items()
        }
        by_cat = {
            str(k): _positive(v, f"kpi_targets.{phase}.by_category.{k}")
            for k, v in dict(spec.get("by_category") or {}).items()
        }
        out[phase] = PhaseTarget(
            target_s=_positive(spec.get("target_s"), f"kpi_targets.{phase}.target_s"),
            percentile=pct,
            by_unit_type=by_type,
            by_category=by_cat,
            note=spec.get("note"),
        )
    return out


def percentile(sorted_values: Sequence[float], p: float) -> float | None:
    """The p-th percentile of already sorted values, linear interpolation (numpy's default)."""
    n = len(sorted_values)
    if n == 0:
        return None
    if not 0 <= p <= 100:
        raise ValueError("p must be within 0..100")
    h = (n - 1) * p / 100.0
    lo = math.floor(h)
    hi = min(lo + 1, n - 1)
    return float(sorted_values[lo] + (h - lo) * (sorted_values[hi] - sorted_values[lo]))


def compliance_status(
    compliance: float | None, target_percentile: float, amber_margin: float = DEFAULT_AMBER_MARGIN
) -> str:
    """``met`` / ``near`` / ``missed`` / ``no_data`` for a compliance share and its goal."""
    if compliance is None:
        return "no_data"
    goal = target_percentile / 100.0
    # A tiny epsilon: 9 of 10 within target is exactly 90 %, which meets a 90th-percentile goal.
    if compliance + 1e-12 >= goal:
        return "met"
    if compliance + 1e-12 >= goal - amber_margin:
        return "near"
    return "missed"


def _round(value: float | None, digits: int = 1) -> float | None:
    if value is None or math.isnan(value):
        return None
    return round(float(value), digits)


def figures_dict(
    count: int,
    mean: float | None,
    pcts: Mapping[int, float | None],
    within: float,
    target: PhaseTarget,
    amber_margin: float = DEFAULT_AMBER_MARGIN,
) -> dict[str, Any]:
    """One phase's figures in the API's shape (seconds rounded to 0.1, shares to 0.0001)."""
    compliance = (within / count) if count else None
    status = compliance_status(compliance, target.percentile, amber_margin)
    out: dict[str, Any] = {"count": int(count), "mean_s": _round(mean) if count else None}
    for p in REPORTED_PERCENTILES:
        out[f"p{p}_s"] = _round(pcts.get(p)) if count else None
    out["target_s"] = target.target_s
    out["target_percentile"] = target.percentile
    if target.by_unit_type:
        out["targets_by_unit_type"] = dict(target.by_unit_type)
    out["compliance"] = None if compliance is None else round(compliance, 4)
    out["met"] = None if compliance is None else status == "met"
    out["status"] = status
    return out


def phase_figures(
    durations: Iterable[float | None],
    target: PhaseTarget,
    sample_targets: Iterable[float] | None = None,
    amber_margin: float = DEFAULT_AMBER_MARGIN,
) -> dict[str, Any]:
    """Figures of one list of durations in plain Python (the reference for the vectorised path)."""
    values = list(durations)
    targets = list(sample_targets) if sample_targets is not None else [target.target_s] * len(values)
    if len(targets) != len(values):
        raise ValueError("sample_targets must have one target per duration")
    kept = [
        (float(v), float(t)) for v, t in zip(values, targets, strict=True)
        if v is not None and not math.isnan(v) and v >= 0
    ]
    xs = sorted(v for v, _ in kept)
    n = len(xs)
    within = sum(1 for v, t in kept if v <= t)
    mean = (sum(xs) / n) if n else None
    return figures_dict(
        n, mean, {p: percentile(xs, p) for p in REPORTED_PERCENTILES}, within, target, amber_margin
    )


@dataclass(frozen=True)
class GroupedFigures:
    """Columnar figures of one phase for every group code 0..n_groups-1."""

    counts: np.ndarray
    means: np.ndarray
    pcts: dict[int, np.ndarray]
    within: np.ndarray

    def figures(
        self, code: int, target: PhaseTarget, amber_margin: float = DEFAULT_AMBER_MARGIN
    ) -> dict[str, Any]:
        """The API dict of one group."""
        n = int(self.counts[code])
        return figures_dict(
            n,
            float(self.means[code]) if n else None,
            {p: float(arr[code]) if n else None for p, arr in self.pcts.items()},
            float(self.within[code]),
            target,
            amber_margin,
        )


class PhaseSamples:
    """One phase's usable samples, sorted once by value, then grouped by any dimension cheaply.

    Sorting by value once and then *stably* by group code keeps every group's slice in
    value order, so percentiles are index arithmetic; a stable sort of small integer codes
    is a radix sort in numpy, much cheaper than sorting values again per dimension.
    """

    def __init__(self, values: np.ndarray | Sequence[float], targets: np.ndarray | float) -> None:
        arr = np.asarray(values, dtype=float)
        tarr = np.broadcast_to(np.asarray(targets, dtype=float), arr.shape)
        ok = np.flatnonzero(~np.isnan(arr) & (arr >= 0))
        order = np.argsort(arr[ok])  # ties are equal values: any order will do
        self.rows = ok[order]  # row index (into the input) of each sorted sample
        self.values = arr[self.rows]
        self.within = (self.values <= tarr[self.rows]).astype(float)

    def __len__(self) -> int:
        return int(self.values.size)

    def by(
        self, codes: np.ndarray, n_groups: int, percentiles: Sequence[int] = REPORTED_PERCENTILES
    ) -> GroupedFigures:
        """Figures per group; `codes` has one code in 0..n_groups-1 per input row (<0: left out)."""
        g = np.asarray(codes)[self.rows]
        v, w = self.values, self.within
        if g.size and g.min() < 0:
            keep = g >= 0
            g, v, w = g[keep], v[keep], w[keep]
        counts = np.bincount(g, minlength=n_groups)[:n_groups].astype(np.int64)
        sums = np.bincount(g, weights=v, minlength=n_groups)[:n_groups]
        within = np.bincount(g, weights=w, minlength=n_groups)[:n_groups]
        if n_groups > 1:
            # Small integer codes: numpy's stable sort is then a radix sort.
            small = g.astype(np.int16 if n_groups < 2**15 else np.int64, copy=False)
            v = v[np.argsort(small, kind="stable")]
        starts = np.concatenate(([0], np.cumsum(counts)[:-1])).astype(np.int64)
        has = counts > 0
        means = np.where(has, sums / np.maximum(counts, 1), np.nan)
        pcts: dict[int, np.ndarray] = {}
        last = np.maximum(counts, 1) - 1
        top = max(v.size - 1, 0)
        for p in percentiles:
            h = last * (p / 100.0)
            lo = np.floor(h).astype(np.int64)
            hi = np.minimum(lo + 1, last)
            if v.size:
                a = v[np.clip(starts + lo, 0, top)]
                b = v[np.clip(starts + hi, 0, top)]
                res = a + (h - lo) * (b - a)
            else:
                res = np.zeros(n_groups)
            pcts[p] = np.where(has, res, np.nan)
        return GroupedFigures(counts, means, pcts, within)

    def overall(self) -> GroupedFigures:
        """Figures of every sample as one group (code 0)."""
        return self.by(np.zeros(self.rows.max() + 1 if self.rows.size else 0, dtype=np.int64), 1)


def grouped_figures(
    values: np.ndarray | Sequence[float],
    groups: np.ndarray | Sequence[int],
    n_groups: int,
    targets: np.ndarray | float,
) -> GroupedFigures:
    """Count, mean, percentiles and within-target count of `values` per group code."""
    return PhaseSamples(values, targets).by(np.asarray(groups, dtype=np.int64), n_groups)


def encode(values: Iterable[Any]) -> tuple[np.ndarray, list[Any]]:
    """Integer codes for hashable values, and the distinct values in first-seen order."""
    index: dict[Any, int] = {}
    codes = [index.setdefault(v, len(index)) for v in values]
    return np.asarray(codes, dtype=np.int64), list(index)


def with_waiting(
    figures: Mapping[str, Any], waiting_overdue: int, amber_margin: float = DEFAULT_AMBER_MARGIN
) -> dict[str, Any]:
    """A phase's figures with incidents still waiting past the target counted as misses.

    The finished samples alone say 100 % while a P1 has waited 20 minutes for a unit: an
    incident not yet dispatched (or not yet reached) past its target has already missed it.
    """
    out = dict(figures)
    count = int(figures.get("count") or 0)
    share = figures.get("compliance")
    within = round(float(share) * count) if share is not None else 0
    total = count + max(0, int(waiting_overdue))
    compliance = (within / total) if total else None
    status = compliance_status(compliance, float(figures.get("target_percentile") or 90.0),
                               amber_margin)
    out["waiting_overdue"] = max(0, int(waiting_overdue))
    out["compliance"] = None if compliance is None else round(compliance, 4)
    out["met"] = None if compliance is None else status == "met"
    out["status"] = status
    return out
