"""Now: the live board; the complaints per OPD; the whole dashboard read concurrently."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, func, select

from ...db.models import Incident, Order, Unit
from ...domain.constants import CALL_TYPES, UNIT_TYPES
from ...domain.unit_states import BUSY_STATUSES
from .. import coverage
from ..errors import Conflict
from .breakdowns import _agency, _station_label
from .figures import _can_parallel, _pool, compute_kpis
from .query import KpiQuery, _local_midnight, city_tz
from .waiting import executive_phases

if TYPE_CHECKING:
    from ...runtime import Runtime

log = logging.getLogger(__name__)

OPEN_STATUSES: tuple[str, ...] = ("open", "dispatched", "on_scene")
UNACKED_STATES: tuple[str, ...] = ("sent", "awaiting_radio", "unacknowledged")
OPEN_LIST_LIMIT = 100


def _chunks(ids: Sequence[int], size: int = 500) -> Iterator[Sequence[int]]:
    """Ids in slices small enough for one IN list."""
    for i in range(0, len(ids), size):
        yield ids[i:i + size]


def _uncovered_areas(rt: Runtime) -> list[dict[str, Any]] | None:
    """Kecamatan × unit type with cells out of reach within the target; None without roads."""
    try:
        return coverage.coverage_now(rt)["uncovered"]
    except Conflict:
        return None


def live_board(
    rt: Runtime, include_exercise: bool = False, conn: Connection | None = None
) -> dict[str, Any]:
    """Now: open incidents by priority, units by type and station, gaps, timers, unacked orders."""
    if conn is None:
        with rt.engine.connect() as c:
            return live_board(rt, include_exercise, c)
    tz = city_tz(rt)
    now = rt.clock.now()
    ex = [] if include_exercise else [Incident.exercise.is_(False)]

    def iso(when: datetime | None) -> str | None:
        return None if when is None else when.astimezone(tz).isoformat()

    def age(when: datetime) -> float:
        return round(max(0.0, (now - when).total_seconds()), 1)

    # Open incidents are few: their ids come from the (status, created_at) index alone,
    # then their rows by primary key. Asked for in one query with the other columns and the
    # exercise filter, SQLite (without ANALYZE statistics) scans the whole table instead.
    open_ids = list(conn.execute(
        select(Incident.id).where(Incident.status.in_(OPEN_STATUSES))
    ).scalars())
    open_rows = [
        r for chunk in _chunks(open_ids)
        for r in conn.execute(
            select(Incident.id, Incident.priority, Incident.category, Incident.kecamatan,
                   Incident.status, Incident.created_at, Incident.exercise)
            .where(Incident.id.in_(chunk), Incident.status.in_(OPEN_STATUSES), *ex)
        ).all()
    ]
    by_priority = {str(p): 0 for p in (1, 2, 3, 4)}
    for r in open_rows:
        by_priority[str(r[1])] = by_priority.get(str(r[1]), 0) + 1
    open_list = sorted(open_rows, key=lambda r: (r[1], r[5]))[:OPEN_LIST_LIMIT]

    units = conn.execute(
        select(Unit.id, Unit.name, Unit.type, Unit.station, Unit.status,
               Unit.status_since, Unit.online, Unit.current_incident_id)
        # Training units are no coverage: they count only when exercises are asked for.
        .where(*([] if include_exercise else [Unit.simulated.is_(False)]))
    ).all()
    avail_table: dict[tuple[str, str], dict[str, Any]] = {}
    by_type: dict[str, dict[str, int]] = {
        t: {"total": 0, "available": 0, "busy": 0, "other": 0} for t in UNIT_TYPES
    }
    timers_cfg = {
        str(k): float(v) for k, v in dict(rt.city.settings.get("status_timers_s") or {}).items()
        if isinstance(v, int | float) and not isinstance(v, bool) and v > 0
    }
    timers = []
    for uid, name, utype, station, status, since, online, inc_id in units:
        available = status == "available" and bool(online)
        kind = "available" if available else ("busy" if status in BUSY_STATUSES else "other")
        bt = by_type.setdefault(utype, {"total": 0, "available": 0, "busy": 0, "other": 0})
        bt["total"] += 1
        bt[kind] += 1
        key = (station or "", utype)
        row = avail_table.setdefault(key, {
            "station": station, "station_name": _station_label(rt, station),
            "agency": _agency(rt, station), "unit_type": utype,
            "total": 0, "available": 0, "busy": 0, "other": 0,
        })
        row["total"] += 1
        row[kind] += 1
        if status in timers_cfg and since is not None:
            elapsed = age(since)
            timers.append({
                "unit_id": uid, "name": name, "unit_type": utype, "station": station,
                "status": status, "incident_id": inc_id, "since": iso(since),
                "elapsed_s": elapsed, "threshold_s": timers_cfg[status],
                "overdue": elapsed > timers_cfg[status],
            })
    timers.sort(key=lambda t: (not t["overdue"], -t["elapsed_s"]))
    availability = sorted(avail_table.values(), key=lambda r: (r["station"] or "", r["unit_type"]))
    gaps = [
        {"scope": "station", "station": r["station"], "station_name": r["station_name"],
         "unit_type": r["unit_type"], "units": r["total"]}
        for r in availability if r["available"] == 0
    ]
    gaps += [
        {"scope": "city", "station": None, "station_name": "(seluruh kota / whole city)",
         "unit_type": t, "units": v["total"]}
        for t, v in by_type.items() if v["total"] and v["available"] == 0
    ]

    # Orders of the open incidents by the incident index (not a scan of every order).
    open_shown = [r[0] for r in open_rows]
    unacked_rows = sorted(
        (
            r for chunk in _chunks(open_shown)
            for r in conn.execute(
                select(Order.id, Order.incident_id, Order.unit_id, Order.unit_type, Order.state,
                       Order.issued_at, Order.send_count)
                .where(Order.incident_id.in_(chunk), Order.state.in_(UNACKED_STATES),
                       Order.acked_at.is_(None))
            ).all()
        ),
        key=lambda r: (r[5], r[0]),
    )

    midnight = _local_midnight(now.astimezone(tz).date(), tz)
    ct_rows = conn.execute(
        select(Incident.call_type, func.count())
        .where(Incident.created_at >= midnight, *ex)
        .group_by(Incident.call_type)
    ).all()
    call_types_today = {t: 0 for t in CALL_TYPES}
    for ctype, n in ct_rows:
        call_types_today[str(ctype)] = int(n)

    return {
        "now": now.astimezone(tz).isoformat(),
        "open_incidents": {
            "total": len(open_rows),
            "by_priority": by_priority,
            "list": [
                {"id": r[0], "priority": r[1], "category": r[2], "kecamatan": r[3],
                 "status": r[4], "created_at": iso(r[5]),
                 "age_s": age(r[5]), "exercise": bool(r[6])}
                for r in open_list
            ],
        },
        "units_by_type": by_type,
        "availability": availability,
        "coverage_gaps": gaps,
        # On the road network: areas whose demand cells no available unit reaches in time.
        "uncovered_areas": _uncovered_areas(rt),
        "status_timers": timers,
        "status_timer_thresholds_s": timers_cfg,
        "unacknowledged_orders": [
            {"order_id": r[0], "incident_id": r[1], "unit_id": r[2], "unit_type": r[3],
             "state": r[4], "issued_at": iso(r[5]),
             "age_s": age(r[5]), "send_count": r[6]}
            for r in unacked_rows
        ],
        "call_types_today": call_types_today,
    }


# --------------------------------------------------------------------------- complaints

COMPLAINT_KEYS: tuple[str, ...] = (
    "opd_code", "opd_name", "open", "overdue", "resolved", "avg_followup_days",
    "within_deadline_share",
)


def complaint_stats(rt: Runtime, start: datetime, end: datetime) -> dict[str, Any]:
    """Complaints per OPD from the complaint flow, when it is installed."""
    from .. import complaints

    stats: Callable[..., Any] | None = getattr(complaints, "opd_stats", None)
    if stats is None:
        return {"available": False, "rows": []}
    try:
        rows = list(stats(rt, start, end))
    except Exception:
        # The dashboard must stay up even if the complaint module fails; the log says why.
        log.exception("complaints.opd_stats failed")
        return {"available": False, "rows": [], "error": "complaint figures failed; see the log"}
    return {"available": True, "rows": [{k: r.get(k) for k in COMPLAINT_KEYS} for r in rows]}


# --------------------------------------------------------------------------- everything


def dashboard(rt: Runtime, q: KpiQuery) -> dict[str, Any]:
    """The whole dashboard: period figures, live board and complaints (read concurrently)."""
    if not _can_parallel(rt):
        with rt.engine.connect() as conn:
            data = compute_kpis(rt, q, conn)
            data["board"] = live_board(rt, q.include_exercise, conn)
        data["complaints"] = complaint_stats(rt, q.start, q.end)
        data["executive"] = executive_phases(rt, q, data["phases"])
        return data
    # The live board and the complaints are independent reads: run them alongside.
    board = _pool().submit(live_board, rt, q.include_exercise)
    complaints = _pool().submit(complaint_stats, rt, q.start, q.end)
    data = compute_kpis(rt, q)
    data["board"] = board.result()
    data["complaints"] = complaints.result()
    data["executive"] = executive_phases(rt, q, data["phases"])
    return data
