"""Reading the period's incidents and orders: the fast aggregated read, or rows when it cannot."""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Any

import numpy as np
from sqlalchemy import Connection, String, Text, cast, extract, select, type_coerce
from sqlalchemy.sql.elements import ColumnElement

from ...db.models import Incident, Order
from ...domain.constants import CALL_TYPES, CATEGORIES, UNIT_TYPES
from .aggregated import _read_aggregated
from .columns import _US, _Col, _FastPathError, _texts, _UnknownCodeError
from .query import KpiQuery

log = logging.getLogger(__name__)

# An order may be issued after its incident's period ends (a long job); orders are read
# by issue time up to this long after the period and matched to the period's incidents.
ORDER_SLACK = timedelta(days=7)


def _read_rows(
    conn: Connection, cols: Sequence[_Col], source: Any, where: Sequence[ColumnElement[bool]]
) -> dict[str, Any]:
    d = conn.dialect.name
    cols = [c.as_texts() for c in cols]
    exprs: list[Any] = []
    for c in cols:
        if c.kind == "texts":
            exprs.extend(c.column)
        else:
            exprs.append(_epoch_expr(c.column, d) if c.kind == "ts" else c.column)
    rows = conn.execute(select(*exprs).select_from(source).where(*where)).all()
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in exprs]
    out: dict[str, Any] = {"_n": len(rows)}
    i = 0
    for col in cols:
        if col.kind == "texts":
            k = len(col.column)
            # A separator inside a value would split it: replaced by a space (rows path only).
            texts = [
                _US.join("" if v is None else str(v).replace(_US, " ") for v in row)
                for row in zip(*columns[i:i + k], strict=True)
            ]
            out[col.name] = _texts(texts, k)
            i += k
            continue
        values = columns[i]
        i += 1
        if col.kind == "int":
            out[col.name] = np.array([-1 if v is None else v for v in values], dtype=np.int64)
        else:
            out[col.name] = np.array([_epoch_seconds(v, d) for v in values], dtype=float)
    return out


def read_columns(
    conn: Connection, cols: Sequence[_Col], source: Any, where: Sequence[ColumnElement[bool]],
    rows_only: bool = False,
) -> dict[str, Any]:
    """Columns of every matching row as numpy arrays (numbers, epoch seconds) or lists (text).

    `rows_only` skips the aggregated read (to check that both reads give the same figures).
    """
    if not rows_only and conn.dialect.name in ("sqlite", "postgresql"):
        try:
            try:
                return _read_aggregated(conn, cols, source, where)
            except _UnknownCodeError as err:
                # Rare values (not a known category, ...): those columns once more as text.
                cols = [c.as_texts() if c.name in err.names else c for c in cols]
                return _read_aggregated(conn, cols, source, where)
        except _FastPathError as err:
            log.warning("kpis: aggregated read not usable (%s); reading rows instead", err)
    return _read_rows(conn, cols, source, where)


# Timestamps on the row read: the stored value exactly (SQLite's text; PostgreSQL's numeric
# epoch, which is exact and does not depend on DateStyle), made whole microseconds here, then
# seconds by the one division every read uses (see `aggregated`), so one instant is one float
# whichever read took it. Not julianday(): it keeps milliseconds and its result is a Julian
# day in a double (about 40 microseconds apart at today's dates), so two times the same
# whole seconds apart were not that far apart any more, and a duration exactly at its
# target fell either side of it.
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_JULIAN_DAY_1970 = 2440587.5


def _epoch_expr(col: Any, dialect: str) -> ColumnElement[Any]:
    """The stored timestamp, for `_epoch_seconds`."""
    if dialect == "postgresql":
        return cast(extract("epoch", col), Text)
    return type_coerce(col, String)  # SQLite: the text as stored


def _epoch_seconds(value: Any, dialect: str) -> float:
    """Epoch seconds of one stored timestamp (nan for NULL or an unreadable value)."""
    if value is None:
        return math.nan
    if isinstance(value, int | float):
        if dialect == "sqlite":  # a number is a Julian day to SQLite's date functions
            return round((float(value) - _JULIAN_DAY_1970) * 86400 * 1_000_000) / 1_000_000
        return round(float(value) * 1_000_000) / 1_000_000
    if isinstance(value, datetime):
        when = value
    elif dialect == "postgresql":
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            return math.nan
        if not number.is_finite():
            return float(number)  # +/-infinity
        return int((number * 1_000_000).to_integral_value(ROUND_HALF_EVEN)) / 1_000_000
    else:
        try:
            when = datetime.fromisoformat(str(value).strip())
        except ValueError:
            return math.nan  # as julianday(): not a time
    when = when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
    return ((when - _EPOCH) // timedelta(microseconds=1)) / 1_000_000


def _incident_conditions(q: KpiQuery) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = [Incident.created_at >= q.start, Incident.created_at < q.end]
    if q.category:
        conds.append(Incident.category == q.category)
    if q.district:
        conds.append(Incident.kecamatan == q.district)
    if not q.include_exercise:
        conds.append(Incident.exercise.is_(False))
    return conds


def incident_columns(kecamatan: Sequence[str] = ()) -> tuple[_Col, ...]:
    """The incident columns the figures need; `kecamatan`: the city's districts, if known."""
    return (
        _Col("id", "int", Incident.id),
        _Col("created", "ts", Incident.created_at),
        _Col("dispatched", "ts", Incident.first_dispatch_at),
        _Col("on_scene", "ts", Incident.first_on_scene_at),
        _Col("closed", "ts", Incident.closed_at),
        # Few known values: coded by the database (no text to read and code here).
        _Col("category", "code", Incident.category, CATEGORIES),
        _Col("call_type", "code", Incident.call_type, CALL_TYPES),
        _Col("kecamatan", "code", Incident.kecamatan, tuple(dict.fromkeys(kecamatan)))
        if kecamatan else _Col("kecamatan", "texts", (Incident.kecamatan,)),
        _Col("texts", "texts", (Incident.kelurahan,)),
        _Col("created_by", "int", Incident.created_by),
    )


INCIDENT_COLUMNS: tuple[_Col, ...] = incident_columns()
ORDER_COLUMNS: tuple[_Col, ...] = (
    _Col("incident_id", "int", Order.incident_id),
    _Col("texts", "texts", (Order.unit_id,)),
    _Col("unit_type", "code", Order.unit_type, UNIT_TYPES),
    _Col("issued", "ts", Order.issued_at),
    _Col("acked", "ts", Order.acked_at),
    _Col("en_route", "ts", Order.en_route_at),
    _Col("on_scene", "ts", Order.on_scene_at),
    _Col("cleared", "ts", Order.cleared_at),
)
