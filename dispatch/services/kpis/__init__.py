"""Dashboard figures from the database: response-time phases, breakdowns, live board, complaints.

Speed: the period's incidents and orders are each read with one aggregate query (every
column concatenated into one string, no ORM objects, no per-row Python tuples; see
`aggregated`), the orders on a second connection alongside the incidents and the live
board alongside both; then every figure is computed with numpy in ``dispatch.domain.kpis``,
the seven phases side by side on the shared pool. Timestamps become epoch seconds without
``julianday``: parsed by numpy on SQLite, sent as binary microseconds by PostgreSQL
(columns hold naive UTC). The row read, taken when the data surprises the aggregated one,
reads the stored timestamps exactly, so both reads give the same figures to the last digit.

A package by responsibility: query (period, filters, targets), columns and aggregated and
reader (the database reads), breakdowns and figures (the numbers), board (the live board,
complaints, the whole dashboard), tables (CSV).
"""

from __future__ import annotations

from .aggregated import _read_aggregated, parse_sqlite_timestamps
from .board import (
    COMPLAINT_KEYS,
    OPEN_LIST_LIMIT,
    OPEN_STATUSES,
    UNACKED_STATES,
    complaint_stats,
    dashboard,
    live_board,
)
from .breakdowns import NONE_LABEL, SYSTEM_LABEL
from .columns import _Codes, _Col, _FastPathError, _Texts, _UnknownCodeError
from .figures import DAILY_TREND_MAX_DAYS, PARALLEL_MIN_ROWS, compute_kpis
from .query import (
    DIMENSIONS,
    INCIDENT_DIMENSIONS,
    MAX_PERIOD_DAYS,
    UNIT_DIMENSIONS,
    KpiQuery,
    city_tz,
    kpi_targets,
    parse_query,
)
from .reader import (
    INCIDENT_COLUMNS,
    ORDER_COLUMNS,
    ORDER_SLACK,
    _incident_conditions,
    _read_rows,
    incident_columns,
    read_columns,
)
from .tables import table_names, tables

__all__ = [
    "COMPLAINT_KEYS",
    "DAILY_TREND_MAX_DAYS",
    "DIMENSIONS",
    "INCIDENT_COLUMNS",
    "INCIDENT_DIMENSIONS",
    "MAX_PERIOD_DAYS",
    "NONE_LABEL",
    "OPEN_LIST_LIMIT",
    "OPEN_STATUSES",
    "ORDER_COLUMNS",
    "ORDER_SLACK",
    "PARALLEL_MIN_ROWS",
    "SYSTEM_LABEL",
    "UNACKED_STATES",
    "UNIT_DIMENSIONS",
    "KpiQuery",
    "_Codes",
    "_Col",
    "_FastPathError",
    "_Texts",
    "_UnknownCodeError",
    "_incident_conditions",
    "_read_aggregated",
    "_read_rows",
    "city_tz",
    "complaint_stats",
    "compute_kpis",
    "dashboard",
    "incident_columns",
    "kpi_targets",
    "live_board",
    "parse_query",
    "parse_sqlite_timestamps",
    "read_columns",
    "table_names",
    "tables",
]
