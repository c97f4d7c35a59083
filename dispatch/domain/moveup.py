"""Move-up: which available units to send to which station or standby point.

A maximal covering problem per unit type, solved exactly as a MILP with
``scipy.optimize.milp`` (HiGHS):

- x[u, s] = 1 when unit u ends at option s: "stay" (its current position) or a
  site (station / standby point) it can reach within ``max_travel_s``;
- y[d] ≤ Σ x[u, s] over the (u, s) whose position reaches demand point d in time;
- Σ_s x[u, s] = 1 per unit; Σ moves ≤ ``max_moves``; Σ_u x[u, s] ≤ capacity(s);
- maximise Σ w_d y_d, then (a tie-break far below any demand difference) the
  least total relocation time.

``best_by_enumeration`` solves the same problem by trying every assignment; the
tests check the MILP against it on small cases.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import lil_matrix

from geo.coverage import CoverageIndex

STAY = "__stay__"


@dataclass(frozen=True)
class MoveUpUnit:
    """An available unit: the demand points it covers where it is, and its drive to each site."""

    unit_id: str
    covers: frozenset[int]
    travel_s: Mapping[str, float]  # site id -> seconds; sites missing here are unreachable


@dataclass(frozen=True)
class MoveUpSite:
    """A station or standby point a unit may be sent to."""

    site_id: str
    covers: frozenset[int]
    capacity: int | None = None  # units it can hold; None: no limit


@dataclass(frozen=True)
class MoveUp:
    """One suggested move: send `unit_id` to `site_id` (`travel_s` away)."""

    unit_id: str
    site_id: str
    travel_s: float


@dataclass(frozen=True)
class MoveUpPlan:
    """The suggestion and what it changes."""

    moves: tuple[MoveUp, ...]
    covered_before: float
    covered_after: float
    total_demand: float
    status: str = "optimal"
    uncovered_after: tuple[int, ...] = field(default=())

    @property
    def gain(self) -> float:
        """Demand newly covered by the moves."""
        return self.covered_after - self.covered_before


def _options(units: Sequence[MoveUpUnit], sites: Sequence[MoveUpSite],
             max_travel_s: float) -> list[list[tuple[str, float, frozenset[int]]]]:
    by_id = {s.site_id: s for s in sites}
    out = []
    for u in units:
        opts = [(STAY, 0.0, u.covers)]
        for sid, t in sorted(u.travel_s.items()):
            if sid in by_id and t <= max_travel_s and math.isfinite(t):
                opts.append((sid, float(t), by_id[sid].covers))
        out.append(opts)
    return out


def _covered(weights: Sequence[float], sets: Sequence[frozenset[int]]) -> tuple[float, set[int]]:
    cov: set[int] = set()
    for s in sets:
        cov |= s
    return sum(weights[d] for d in cov), cov


def suggest_move_ups(weights: Sequence[float], units: Sequence[MoveUpUnit],
                     sites: Sequence[MoveUpSite], max_moves: int = 1,
                     max_travel_s: float = math.inf, time_limit_s: float = 5.0) -> MoveUpPlan:
    """The moves (at most `max_moves`) that cover the most demand, exactly (HiGHS MILP)."""
    weights = [float(w) for w in weights]
    if any(w < 0 or not math.isfinite(w) for w in weights):
        raise ValueError("demand weights must be finite and >= 0")
    total = sum(weights)
    before, _ = _covered(weights, [u.covers for u in units])
    opts = _options(units, sites, max_travel_s)
    n_moves = sum(len(o) - 1 for o in opts)
    if not units or max_moves <= 0 or n_moves == 0:
        cov = _covered(weights, [u.covers for u in units])[1]
        return MoveUpPlan((), before, before, total,
                          uncovered_after=tuple(d for d in range(len(weights)) if d not in cov))
    # Variables: every (unit, option) x, then one y per demand point.
    xs = [(ui, oi) for ui, o in enumerate(opts) for oi in range(len(o))]
    nx, nd = len(xs), len(weights)
    max_cost = sum(max(t for _s, t, _c in o) for o in opts) + 1.0
    positive = [w for w in weights if w > 0]
    eps = (min(positive) if positive else 1.0) * 1e-3 / max_cost
    c = np.zeros(nx + nd)
    for k, (ui, oi) in enumerate(xs):
        c[k] = eps * opts[ui][oi][1]
    c[nx:] = -np.asarray(weights)
    rows: list[tuple[dict[int, float], float, float]] = []
    for ui in range(len(opts)):  # one option per unit
        rows.append(({k: 1.0 for k, (uj, _oi) in enumerate(xs) if uj == ui}, 1.0, 1.0))
    cover: dict[int, list[int]] = {d: [] for d in range(nd)}
    for k, (ui, oi) in enumerate(xs):
        for d in opts[ui][oi][2]:
            if 0 <= d < nd:
                cover[d].append(k)
    for d in range(nd):  # y_d <= sum of x that cover d
        row = {nx + d: 1.0}
        row.update({k: -1.0 for k in cover[d]})
        rows.append((row, -np.inf, 0.0))
    rows.append(({k: 1.0 for k, (ui, oi) in enumerate(xs) if opts[ui][oi][0] != STAY},
                 -np.inf, float(max_moves)))
    for site in sites:
        if site.capacity is not None:
            ks = {k: 1.0 for k, (ui, oi) in enumerate(xs) if opts[ui][oi][0] == site.site_id}
            if ks:
                rows.append((ks, -np.inf, float(site.capacity)))
    a = lil_matrix((len(rows), nx + nd))
    lo = np.empty(len(rows))
    hi = np.empty(len(rows))
    for r, (coefs, low, high) in enumerate(rows):
        for k, v in coefs.items():
            a[r, k] = v
        lo[r], hi[r] = low, high
    integrality = np.concatenate([np.ones(nx), np.zeros(nd)])  # y is integral at the optimum
    res = milp(c, constraints=LinearConstraint(a.tocsr(), lo, hi), integrality=integrality,
               bounds=Bounds(0, 1), options={"time_limit": time_limit_s})
    if res.x is None:
        return MoveUpPlan((), before, before, total, status=f"no solution: {res.message}")
    x = res.x
    moves = []
    chosen: list[frozenset[int]] = []
    for k, (ui, oi) in enumerate(xs):
        if x[k] > 0.5:
            sid, t, cov = opts[ui][oi]
            chosen.append(cov)
            if sid != STAY:
                moves.append(MoveUp(units[ui].unit_id, sid, t))
    after, cov_after = _covered(weights, chosen)
    status = "optimal" if res.status == 0 else f"stopped: {res.message}"
    if after < before:  # cannot happen for an optimum; never suggest making it worse
        return MoveUpPlan((), before, before, total, status="kept")
    return MoveUpPlan(tuple(sorted(moves, key=lambda m: m.unit_id)), before, after, total, status,
                      tuple(d for d in range(nd) if d not in cov_after))


def best_by_enumeration(weights: Sequence[float], units: Sequence[MoveUpUnit],
                        sites: Sequence[MoveUpSite], max_moves: int = 1,
                        max_travel_s: float = math.inf) -> tuple[float, float]:
    """(covered demand, relocation time) of the optimum, by trying every assignment."""
    opts = _options(units, sites, max_travel_s)
    best = (-1.0, math.inf)
    for combo in itertools.product(*opts):
        if sum(1 for sid, _t, _c in combo if sid != STAY) > max_moves:
            continue
        load: dict[str, int] = {}
        for sid, _t, _c in combo:
            load[sid] = load.get(sid, 0) + 1
        if any(s.capacity is not None and load.get(s.site_id, 0) > s.capacity for s in sites):
            continue
        cov, _ = _covered(weights, [c for _s, _t, c in combo])
        cost = sum(t for _s, t, _c in combo)
        if cov > best[0] + 1e-9 or (abs(cov - best[0]) <= 1e-9 and cost < best[1]):
            best = (cov, cost)
    return best


def problem_on_roads(index: CoverageIndex, unit_type: str,
                     units: Sequence[tuple[str, float, float]],
                     sites: Sequence[tuple[str, float, float, int | None]],
                     when: datetime | None = None,
                     ) -> tuple[list[float], list[MoveUpUnit], list[MoveUpSite]]:
    """Weights, units and sites of a move-up problem, covered and timed on the road network.

    `units` are the available units of the type as (id, lat, lon); `sites` are
    (id, lat, lon, capacity) stations and standby points.
    """
    weights = [p.weight for p in index.points]
    site_objs = [MoveUpSite(sid, frozenset(index.reach(unit_type, lat, lon, when)), cap)
                 for sid, lat, lon, cap in sites]
    travel: dict[str, dict[str, float]] = {u[0]: {} for u in units}
    for sid, lat, lon, _cap in sites:
        tt = index.network.travel_to((lat, lon), unit_type, when)
        for (uid, _la, _lo), eta in zip(units, tt.etas([(u[1], u[2]) for u in units]),
                                        strict=True):
            if eta is not None:
                travel[uid][sid] = eta
    unit_objs = [MoveUpUnit(uid, frozenset(index.reach(unit_type, lat, lon, when)), travel[uid])
                 for uid, lat, lon in units]
    return weights, unit_objs, site_objs
