"""Reading the period's incidents and orders: the fast aggregated read, or rows when it cannot."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import numpy as np
from sqlalchemy import Connection, func, select
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
            exprs.append(_epoch(c.column, d) if c.kind == "ts" else c.column)
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
            out[col.name] = np.array(values, dtype=float)  # None becomes nan
    return out


def read_columns(
    conn: Connection, cols: Sequence[_Col], source: Any, where: Sequence[ColumnElement[bool]]
) -> dict[str, Any]:
    """Columns of every matching row as numpy arrays (numbers, epoch seconds) or lists (text)."""
    if conn.dialect.name in ("sqlite", "postgresql"):
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


def _epoch(col: Any, dialect: str) -> ColumnElement[Any]:
    """Epoch seconds of a naive-UTC timestamp column, computed by the database."""
    if dialect == "sqlite":
        return (func.julianday(col) - 2440587.5) * 86400.0
    return func.date_part("epoch", col)


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
