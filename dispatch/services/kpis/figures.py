"""The period's figures: phases, breakdowns, trend and call types, computed with numpy."""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import numpy as np
from sqlalchemy import Connection, select
from sqlalchemy.sql.elements import ColumnElement

from ...db.models import Incident, Order, Unit, User
from ...domain import kpis as dk
from ...domain.constants import CALL_TYPES, CATEGORIES, UNIT_TYPES
from .breakdowns import (
    SYSTEM_LABEL,
    _agency,
    _by_unit_type,
    _Dim,
    _encode_ints,
    _figures_rows,
    _label,
    _offsets,
    _station_label,
    _target_array,
)
from .columns import _Col, _encode, _Texts
from .query import DIMENSIONS, KpiQuery, _amber_margin, city_tz, kpi_targets
from .reader import ORDER_COLUMNS, ORDER_SLACK, _incident_conditions, incident_columns, read_columns

if TYPE_CHECKING:
    from ...runtime import Runtime

DAILY_TREND_MAX_DAYS = 92  # longer periods are charted by week
# Below this many rows the phases are computed in the calling thread (threads cost more).
PARALLEL_MIN_ROWS = 20_000
_POOL: ThreadPoolExecutor | None = None
_POOL_LOCK = threading.Lock()


def _pool() -> ThreadPoolExecutor:
    """A small shared pool for the dashboard's concurrent reads (created on first use)."""
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            _POOL = ThreadPoolExecutor(max_workers=4, thread_name_prefix="kpis")
        return _POOL


def _can_parallel(rt: Runtime) -> bool:
    """Separate connections see the same data (not so for an in-memory SQLite database)."""
    url = rt.engine.url
    return not (url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"))


def _read_on_own_connection(
    rt: Runtime, cols: Sequence[_Col], source: Any, where: Sequence[ColumnElement[bool]],
    rows_only: bool = False,
) -> dict[str, Any]:
    with rt.engine.connect() as conn:
        return read_columns(conn, cols, source, where, rows_only)


def compute_kpis(
    rt: Runtime, q: KpiQuery, conn: Connection | None = None, parallel: bool = False,
    rows_only: bool = False,
) -> dict[str, Any]:
    """Phases, breakdowns, trend and call types of the period (exercises left out unless asked).

    Without `conn`, the orders are read on a second connection alongside the incidents.
    """
    if conn is None:
        with rt.engine.connect() as c:
            return compute_kpis(rt, q, c, parallel=_can_parallel(rt), rows_only=rows_only)
    tz = city_tz(rt)
    targets = kpi_targets(rt)
    margin = _amber_margin(rt)

    order_where = [Order.issued_at >= q.start, Order.issued_at < q.end + ORDER_SLACK]
    orders_future: Future[dict[str, Any]] | None = None
    if parallel:
        # The orders scan runs on its own connection while this one reads the incidents:
        # both drivers release the GIL while the database works.
        orders_future = _pool().submit(_read_on_own_connection, rt, ORDER_COLUMNS, Order,
                                       order_where, rows_only)
    kec_names = tuple(dict.fromkeys(name for name, _, _ in rt.city.kecamatan()))
    inc = read_columns(conn, incident_columns(kec_names), Incident, _incident_conditions(q),
                       rows_only)
    orders = (
        orders_future.result() if orders_future is not None
        else read_columns(conn, ORDER_COLUMNS, Order, order_where, rows_only)
    )
    usernames = {uid: name for uid, name in conn.execute(select(User.id, User.username))}
    unit_info = {
        r[0]: (r[1], r[2], r[3])
        for r in conn.execute(select(Unit.id, Unit.name, Unit.station, Unit.type))
    }

    n_inc = inc["_n"]
    ids = inc["id"]
    created = inc["created"]
    # Keep only orders of this period's (filtered) incidents; give each its incident's row.
    o_inc = orders["incident_id"]
    lo = int(ids.min()) if ids.size else 0
    span = int(ids.max()) - lo + 1 if ids.size else 0
    if ids.size and o_inc.size and span <= 4 * ids.size + 1_000_000:
        # Ids are a compact range of integers: a lookup table beats sorting them.
        lookup = np.full(span + 1, -1, dtype=np.int64)  # the last slot: ids out of range
        lookup[ids - lo] = np.arange(ids.size)
        rel = o_inc - lo
        o_row = lookup[np.where((rel >= 0) & (rel < span), rel, span)]
        keep = o_row >= 0
        o_row = np.where(keep, o_row, 0)
    elif ids.size and o_inc.size:
        sorter = np.argsort(ids)
        pos = np.clip(np.searchsorted(ids, o_inc, sorter=sorter), 0, ids.size - 1)
        o_row = sorter[pos]
        keep = ids[o_row] == o_inc
    else:
        o_row = np.zeros(0, dtype=np.int64)
        keep = np.zeros(o_inc.size, dtype=bool)
    if not keep.all():
        idx = np.flatnonzero(keep)
        o_row = o_row[idx] if o_row.size else o_row
        for name in ("incident_id", "issued", "acked", "en_route", "on_scene", "cleared"):
            orders[name] = orders[name][idx]
        orders["texts"] = orders["texts"].take(idx)
        orders["unit_type"] = orders["unit_type"].take(idx)
    n_ord = int(orders["texts"].codes.size)
    inc_texts: _Texts = inc["texts"]

    cats = inc["category"].field(0, CATEGORIES)
    o_cats = (cats[0][o_row], cats[1])
    o_types = orders["unit_type"].field(0, UNIT_TYPES)

    # Local hour and day (trend bucket) of each incident.
    local = created + _offsets(tz, created, q.start, q.end)
    hours = (np.floor(local / 3600.0) % 24).astype(np.int64)
    start_off = (q.start.astimezone(tz).utcoffset() or timedelta()).total_seconds()
    first_day = math.floor((q.start.timestamp() + start_off) / 86400.0)
    days_span = max(1, math.ceil((q.end - q.start).total_seconds() / 86400.0))
    bucket_days = 1 if days_span <= DAILY_TREND_MAX_DAYS else 7
    n_buckets = math.ceil(days_span / bucket_days) + 1
    day_codes = np.clip(
        ((np.floor(local / 86400.0) - first_day) // bucket_days).astype(np.int64), 0, n_buckets - 1
    )

    def inc_dim(name: str, codes: np.ndarray, keys: list[Any], labels: list[str],
                keep_empty: bool = True) -> _Dim:
        return _Dim(name, keys, labels, codes, codes[o_row], keep_empty)

    dims: dict[str, _Dim] = {}
    dims["category"] = inc_dim("category", cats[0], cats[1], [_label(k) for k in cats[1]])
    c, keys = inc["kecamatan"].field(0, kec_names)
    dims["kecamatan"] = inc_dim("kecamatan", c, keys, [_label(k) for k in keys])
    c, keys = inc_texts.field(0, sorted({name for name, _, _ in rt.city.kelurahan()}))
    dims["kelurahan"] = inc_dim("kelurahan", c, keys, [_label(k) for k in keys])
    dims["hour"] = inc_dim("hour", hours, list(range(24)), [f"{h:02d}:00" for h in range(24)])
    c, keys = _encode_ints(inc["created_by"])
    dims["operator"] = inc_dim(
        "operator", c, keys,
        [SYSTEM_LABEL if k == -1 else usernames.get(k, f"#{k}") for k in keys], keep_empty=False,
    )
    u_codes, u_keys = orders["texts"].field(0, sorted(unit_info))
    dims["unit"] = _Dim("unit", u_keys, [
        f"{k} ({unit_info[k][0]})" if k in unit_info and unit_info[k][0] else _label(k)
        for k in u_keys
    ], None, u_codes)
    station_of = [unit_info.get(k, (None, None, None))[1] or "" for k in u_keys]
    station_known = sorted({s for s in station_of if s}
                           | {s.id for s in rt.city.stations if s.kind != "hospital"})
    s_of_unit, s_keys = _encode(station_of, station_known)
    s_codes = s_of_unit[u_codes] if u_codes.size else u_codes
    dims["station"] = _Dim("station", s_keys, [_station_label(rt, k) for k in s_keys], None, s_codes)
    agency_of = [_agency(rt, k) or "" for k in s_keys]
    a_of_station, a_keys = _encode(agency_of, sorted({a for a in agency_of if a}))
    a_codes = a_of_station[s_codes] if s_codes.size else s_codes
    dims["agency"] = _Dim("agency", a_keys, [_label(k) for k in a_keys], None, a_codes)
    day_keys = [
        (date(1970, 1, 1) + timedelta(days=first_day + i * bucket_days)).isoformat()
        for i in range(n_buckets)
    ]
    dims["trend"] = inc_dim("trend", day_codes, day_keys, day_keys)

    phase_values = {
        "processing": (inc["dispatched"], created),
        "response": (inc["on_scene"], created),
        "total": (inc["closed"], created),
        "ack": (orders["acked"], orders["issued"]),
        "turnout": (orders["en_route"], orders["issued"]),
        "travel": (orders["on_scene"], orders["en_route"]),
        "on_scene": (orders["cleared"], orders["on_scene"]),
    }
    # Codes narrowed once per dimension (cheaper gathers, and a radix sort in `by`).
    narrow = {name: dim.narrowed() for name, dim in dims.items()}
    turnout_by_type = targets["turnout"].by_unit_type

    def phase_work(p: str) -> dict[str, dk.GroupedFigures]:
        """One phase: sort its samples once, then group them by every dimension."""
        end_t, start_t = phase_values[p]
        incident_phase = p in dk.INCIDENT_PHASES
        samples = dk.PhaseSamples(
            end_t - start_t,
            _target_array(targets[p], None, cats) if incident_phase
            else _target_array(targets[p], o_types, o_cats),
        )
        n_rows = n_inc if incident_phase else n_ord
        out = {"": samples.by(np.zeros(n_rows, dtype=np.int64), 1)}
        for name, dim in dims.items():
            inc_codes, ord_codes = narrow[name]
            if incident_phase and inc_codes is None:
                continue
            out[name] = samples.by(inc_codes if incident_phase else ord_codes, len(dim.keys))
        if p == "turnout" and turnout_by_type:
            out[" by_unit_type"] = samples.by(o_types[0], len(o_types[1]))
        return out

    # The phases are independent and numpy releases the GIL while sorting and gathering:
    # on a multi-core machine they run side by side (heaviest, the order phases, first).
    order_of_work = ("turnout", "travel", "ack", "on_scene", "processing", "response", "total")
    if parallel and n_inc + n_ord >= PARALLEL_MIN_ROWS:
        futures = {p: _pool().submit(phase_work, p) for p in order_of_work}
        grouped = {p: f.result() for p, f in futures.items()}
    else:
        grouped = {p: phase_work(p) for p in order_of_work}

    phases: dict[str, Any] = {}
    for p in dk.PHASES:
        figs = grouped[p][""].figures(0, targets[p], margin)
        if p == "turnout" and turnout_by_type:
            figs["by_unit_type"] = _by_unit_type(grouped[p][" by_unit_type"], o_types, targets[p],
                                                 margin)
        figs["label"] = dk.PHASE_LABELS[p]
        phases[p] = figs

    breakdowns = {
        name: _figures_rows(dims[name], grouped, targets, margin) for name, _ in DIMENSIONS
    }
    trend_rows = _figures_rows(dims["trend"], grouped, targets, margin)
    # The last bucket only catches a period ending mid-bucket; drop it when empty.
    if trend_rows and not trend_rows[-1]["incidents"]:
        trend_rows.pop()

    ct_codes, ct_keys = inc["call_type"].field(0, CALL_TYPES)
    ct_counts = np.bincount(ct_codes, minlength=len(ct_keys)) if n_inc else np.zeros(len(ct_keys))
    return {
        "period": q.as_dict(tz),
        "generated_at": rt.clock.now().astimezone(tz).isoformat(),
        "targets": {p: t.as_dict() for p, t in targets.items()},
        "totals": {
            "incidents": n_inc,
            "orders": n_ord,
            "dispatched": int(np.count_nonzero(~np.isnan(inc["dispatched"]))),
            "with_arrival": int(np.count_nonzero(~np.isnan(inc["on_scene"]))),
            "closed": int(np.count_nonzero(~np.isnan(inc["closed"]))),
        },
        "phases": phases,
        "breakdowns": breakdowns,
        "dimensions": [{"key": k, "label": label} for k, label in DIMENSIONS],
        "trend": {"bucket": "day" if bucket_days == 1 else "week", "rows": trend_rows},
        "call_types": {_label(k): int(n) for k, n in zip(ct_keys, ct_counts, strict=True)},
    }
