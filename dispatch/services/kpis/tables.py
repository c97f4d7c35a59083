"""The dashboard's data as named tables for CSV export."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ...domain import kpis as dk
from .board import COMPLAINT_KEYS
from .query import DIMENSIONS, INCIDENT_DIMENSIONS

_FIG_COLUMNS: tuple[str, ...] = ("count", "mean_s", "p50_s", "p90_s", "p95_s", "target_s",
                                 "compliance", "status")


def _fig_cells(fig: Mapping[str, Any] | None) -> list[Any]:
    return [None if fig is None else fig.get(c) for c in _FIG_COLUMNS]


def _breakdown_table(rows: Sequence[Mapping[str, Any]], incident_dim: bool) -> tuple[list[str], list[list[Any]]]:
    phases = dk.PHASES if incident_dim else dk.ORDER_PHASES
    header = ["key", "label"] + (["incidents"] if incident_dim else []) + ["orders"]
    header += [f"{p}_{c}" for p in phases for c in _FIG_COLUMNS]
    body = []
    for r in rows:
        cells = [r["key"], r["label"]] + ([r.get("incidents")] if incident_dim else []) + [r["orders"]]
        for p in phases:
            cells += _fig_cells(r["phases"].get(p))
        body.append(cells)
    return header, body


def table_names() -> list[str]:
    """Every table the dashboard can export."""
    return (
        ["phases"]
        + [f"by_{k}" for k, _ in DIMENSIONS]
        + ["trend", "call_types", "open_incidents", "availability", "coverage_gaps",
           "uncovered_areas",
           "status_timers", "unacknowledged_orders", "call_types_today", "complaints"]
    )


def tables(data: Mapping[str, Any]) -> dict[str, tuple[list[str], list[list[Any]]]]:
    """The dashboard's data as named tables (header, rows) for CSV export."""
    out: dict[str, tuple[list[str], list[list[Any]]]] = {}
    out["phases"] = (
        ["phase", "label", *_FIG_COLUMNS, "target_percentile", "met"],
        [[p, f["label"], *_fig_cells(f), f["target_percentile"], f["met"]]
         for p, f in data["phases"].items()],
    )
    incident_dims = {k for k, _ in INCIDENT_DIMENSIONS}
    for k, _ in DIMENSIONS:
        out[f"by_{k}"] = _breakdown_table(data["breakdowns"][k], k in incident_dims)
    out["trend"] = _breakdown_table(data["trend"]["rows"], True)
    out["call_types"] = (["call_type", "incidents"], [[k, v] for k, v in data["call_types"].items()])
    board = data.get("board")
    if board is not None:
        keys = ["id", "priority", "category", "kecamatan", "status", "created_at", "age_s", "exercise"]
        out["open_incidents"] = (keys, [[r[k] for k in keys] for r in board["open_incidents"]["list"]])
        keys = ["station", "station_name", "agency", "unit_type", "total", "available", "busy", "other"]
        out["availability"] = (keys, [[r[k] for k in keys] for r in board["availability"]])
        keys = ["scope", "station", "station_name", "unit_type", "units"]
        out["coverage_gaps"] = (keys, [[r[k] for k in keys] for r in board["coverage_gaps"]])
        keys = ["area", "unit_type", "uncovered_cells", "covered_share"]
        out["uncovered_areas"] = (keys, [[r[k] for k in keys]
                                         for r in board.get("uncovered_areas") or []])
        keys = ["unit_id", "name", "unit_type", "station", "status", "incident_id", "since",
                "elapsed_s", "threshold_s", "overdue"]
        out["status_timers"] = (keys, [[r[k] for k in keys] for r in board["status_timers"]])
        keys = ["order_id", "incident_id", "unit_id", "unit_type", "state", "issued_at", "age_s",
                "send_count"]
        out["unacknowledged_orders"] = (keys, [[r[k] for k in keys]
                                               for r in board["unacknowledged_orders"]])
        out["call_types_today"] = (["call_type", "incidents"],
                                   [[k, v] for k, v in board["call_types_today"].items()])
    complaints = data.get("complaints")
    if complaints is not None:
        out["complaints"] = (list(COMPLAINT_KEYS),
                             [[r.get(k) for k in COMPLAINT_KEYS] for r in complaints["rows"]])
    return out
