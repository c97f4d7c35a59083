"""The fast read: every column of the period aggregated by the database, parsed by numpy."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
from sqlalchemy import (
    BigInteger,
    Connection,
    String,
    Text,
    case,
    cast,
    func,
    literal_column,
    select,
    type_coerce,
)
from sqlalchemy.sql.elements import ColumnElement

from .columns import (
    _RS,
    _US,
    _Codes,
    _Col,
    _FastPathError,
    _texts,
    _texts_of_fields,
    _UnknownCodeError,
)

# Reading 100,000 rows as Python tuples costs more than everything else together, so the
# period's columns are aggregated by the database into one string each (group_concat on
# SQLite, string_agg on PostgreSQL; every aggregate of one SELECT sees the rows in the same
# order) and parsed with numpy. SQLite keeps timestamps as fixed-width text
# ('YYYY-MM-DD HH:MM:SS.ffffff'), parsed here without julianday(), which is slow per row.
# On PostgreSQL (psycopg) every number and timestamp of a row is one fixed-width binary
# record, all rows in one bytea (`_record_expr`), parsed by numpy as a structured array.
# Texts with few known values (category, call type, kecamatan, unit type) are coded by
# the database (CASE), so no text crosses over; a value outside the known ones makes the
# read take that column once more as text. Any surprise in the data (another text
# format, a separator inside a value, an infinite timestamp) falls back to reading rows,
# which is slower but makes no assumption.

_TS_NULL = "0000-00-00 00:00:00.000000"
_TS_WIDTH = len(_TS_NULL)
_PG_NULL = -(2**62)  # a NULL timestamp among PostgreSQL's integer microseconds
# Binary records (psycopg): NULL timestamps become PostgreSQL's earliest timestamp, which no
# real record holds; +/-infinity (int64 extremes) send the read to the row path.
_PG_TS_NULL_SQL = "'4714-11-24 00:00:00 BC'::timestamp"
_PG_TS_NULL = -211813488000000000  # that timestamp in microseconds since 2000-01-01
_PG_EPOCH_2000_US = 946684800 * 1_000_000


def _code_expr(col: _Col) -> ColumnElement[Any]:
    """The row's index in col.known (len(known) for NULL or '', -1 for anything else)."""
    c = col.column
    value: Any = func.coalesce(c, _lit("")) if bool(getattr(c, "nullable", True)) else c
    whens = {**{k: i for i, k in enumerate(col.known)}, "": len(col.known)}
    # The simple CASE form: the value is computed once, not once per WHEN.
    return case(*[(_lit(k), literal_column(str(i))) for k, i in whens.items()], value=value,
                else_=literal_column("-1"))



def _lit(value: str) -> ColumnElement[Any]:
    """A constant text written into the SQL, not bound: SQLite reads a bound separator of an
    aggregate again for every row, which costs as much as the value itself."""
    return literal_column("'" + value.replace("'", "''") + "'", String)


def _agg_expr(col: _Col, dialect: str) -> ColumnElement[Any]:
    c = col.column
    nullable = bool(getattr(c, "nullable", True))
    if col.kind == "code":
        code = _code_expr(col)
        if dialect == "sqlite":
            return func.group_concat(code, _lit(","))
        return func.string_agg(cast(code, Text), _lit(","))
    if dialect == "sqlite":
        if col.kind == "int":
            return func.group_concat(func.ifnull(c, -1) if nullable else c, _lit(","))
        if col.kind == "ts":
            text_col: Any = type_coerce(c, String)
            if nullable:
                text_col = func.ifnull(text_col, _lit(_TS_NULL))
            return func.group_concat(text_col, _lit(""))
        raise AssertionError("SQLite reads each text column on its own (_agg_exprs)")
    if col.kind == "int":
        return func.string_agg(cast(func.coalesce(c, -1), Text), _lit(","))
    if col.kind == "ts":
        # Whole microseconds as integers: numpy parses integers several times faster.
        micros = cast(func.round(func.date_part("epoch", c) * 1_000_000), BigInteger)
        return func.string_agg(cast(func.coalesce(micros, _PG_NULL), Text), _lit(","))
    return func.string_agg(_joined(c, func.coalesce), _lit(_RS))


def _agg_exprs(col: _Col, dialect: str) -> list[ColumnElement[Any]]:
    """The aggregates of one column: a "texts" column on SQLite is one per field, as joining
    texts in SQLite costs more than splitting several results in Python."""
    if col.kind == "texts" and dialect == "sqlite":
        return [
            func.group_concat(
                func.ifnull(c, _lit("")) if bool(getattr(c, "nullable", True)) else c, _lit(_RS)
            )
            for c in col.column
        ]
    return [_agg_expr(col, dialect)]


def _joined(columns: Sequence[Any], if_null: Any) -> ColumnElement[Any]:
    """The row's texts joined by the unit separator (NULL as '')."""
    parts: list[Any] = []
    for c in columns:
        value: Any = type_coerce(c, String)
        if bool(getattr(c, "nullable", True)):
            value = if_null(value, _lit(""))
        parts.append(value)
    out = parts[0]
    for part in parts[1:]:
        out = out + _lit(_US) + part
    return type_coerce(out, String)



def _integers(text_value: str | None, n: int) -> np.ndarray:
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            out = np.fromstring(text_value or "", dtype=np.int64, sep=",")
    except (ValueError, DeprecationWarning) as err:
        raise _FastPathError(f"integers: {err}") from None
    if out.size != n:
        raise _FastPathError(f"expected {n} integers, got {out.size}")
    return out


_ZERO = ord("0")
_SEPARATORS = ((4, ord("-")), (7, ord("-")), (10, ord(" ")), (13, ord(":")), (16, ord(":")),
               (19, ord(".")))
_DIGITS = (0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18, 20, 21, 22, 23, 24, 25)


def parse_sqlite_timestamps(text_value: str | None, n: int) -> np.ndarray:
    """Epoch seconds of n concatenated 'YYYY-MM-DD HH:MM:SS.ffffff' texts (all zeros = NULL)."""
    if n == 0:
        return np.zeros(0, dtype=float)
    raw = (text_value or "").encode("ascii", "replace")
    if len(raw) != n * _TS_WIDTH:
        raise _FastPathError("timestamps are not all 26-character texts")
    b = np.frombuffer(raw, dtype=np.uint8).reshape(n, _TS_WIDTH)
    for pos, char in _SEPARATORS:
        if not (b[:, pos] == char).all():
            raise _FastPathError("unexpected timestamp text layout")
    d = b - np.uint8(_ZERO)  # digits become 0..9, anything else wraps above 9
    if d[:, list(_DIGITS)].max() > 9:
        raise _FastPathError("non-digit in a timestamp")

    def num(first: int, width: int) -> np.ndarray:
        out = d[:, first].astype(np.int64)
        for k in range(first + 1, first + width):
            out = out * 10 + d[:, k]
        return out

    year, month, day = num(0, 4), num(5, 2), num(8, 2)
    secs = num(11, 2) * 3600 + num(14, 2) * 60 + num(17, 2)
    null = year == 0
    # Days since 1970-01-01 from a civil date (H. Hinnant's algorithm, proleptic Gregorian).
    y = year - (month <= 2)
    era = y // 400
    yoe = y - era * 400
    doy = (153 * (month + np.where(month > 2, -3, 9)) + 2) // 5 + day - 1
    days = era * 146097 + yoe * 365 + yoe // 4 - yoe // 100 + doy - 719468
    # Whole microseconds, then one division: the same float as every other read gives.
    out = ((days * 86400 + secs) * 1_000_000 + num(20, 6)) / 1e6
    out[null] = np.nan
    return out


def _binary_ok(conn: Connection) -> bool:
    return conn.dialect.name == "postgresql" and conn.dialect.driver == "psycopg"


def _execute_binary(conn: Connection, stmt: Any) -> Any:
    """Run a SELECT through psycopg in binary format (bytea as raw bytes); the first row."""
    compiled = stmt.compile(dialect=conn.dialect)
    params = compiled.construct_params()
    for key, bind in compiled.binds.items():
        proc = bind.type.bind_processor(conn.dialect)
        if proc is not None and key in params:
            params[key] = proc(params[key])  # e.g. aware UTC datetimes become naive UTC
    raw = conn.connection.driver_connection
    with raw.cursor(binary=True) as cur:
        cur.execute(compiled.string, params)
        return cur.fetchone()


def _record_expr(cols: Sequence[_Col]) -> ColumnElement[Any]:
    """The numeric columns of a row as one fixed-width big-endian binary record (bytea)."""
    parts: list[Any] = []
    for col in cols:
        c = col.column
        nullable = bool(getattr(c, "nullable", True))
        if col.kind == "code":
            parts.append(func.int4send(_code_expr(col)))
        elif col.kind == "int":
            parts.append(func.int8send(cast(func.coalesce(c, -1) if nullable else c, BigInteger)))
        else:  # a timestamp: int64 microseconds since 2000-01-01, as stored
            value = func.coalesce(c, literal_column(_PG_TS_NULL_SQL)) if nullable else c
            parts.append(func.timestamp_send(value))
    out = parts[0]
    for part in parts[1:]:
        out = out.op("||")(part)
    return func.string_agg(out, literal_column("''::bytea"))


def _records(data: Any, n: int, cols: Sequence[_Col]) -> dict[str, np.ndarray]:
    """Parse `_record_expr`'s bytes: integers, codes, epoch seconds (nan for NULL) per column."""
    dtype = np.dtype([(c.name, ">i4" if c.kind == "code" else ">i8") for c in cols])
    if n == 0:
        return {c.name: np.zeros(0, dtype=np.int64 if c.kind != "ts" else float) for c in cols}
    if not isinstance(data, bytes | bytearray | memoryview) or len(data) != n * dtype.itemsize:
        raise _FastPathError("unexpected binary record layout")
    rec = np.frombuffer(data, dtype=dtype, count=n)
    out: dict[str, np.ndarray] = {}
    for c in cols:
        values = rec[c.name].astype(np.int64)
        if c.kind == "ts":
            if (values == np.iinfo(np.int64).max).any() or (values == np.iinfo(np.int64).min).any():
                raise _FastPathError("an infinite timestamp")
            arr = (values + _PG_EPOCH_2000_US) / 1e6
            arr[values == _PG_TS_NULL] = np.nan
            out[c.name] = arr
        else:
            out[c.name] = values
    return out


def _read_aggregated(
    conn: Connection, cols: Sequence[_Col], source: Any, where: Sequence[ColumnElement[bool]]
) -> dict[str, Any]:
    d = conn.dialect.name
    # With psycopg, numbers and timestamps come as one fixed-width binary record per row, all
    # in one bytea: the server formats no text and numpy parses it in one go.
    binary = _binary_ok(conn)
    numeric = [c for c in cols if c.kind in ("int", "ts", "code")] if binary else []
    numeric_names = {c.name for c in numeric}
    others = [c for c in cols if c.name not in numeric_names]
    stmt = (
        select(func.count(), *([_record_expr(numeric)] if numeric else []),
               *[e for c in others for e in _agg_exprs(c, d)])
        .select_from(source).where(*where)
    )
    row = _execute_binary(conn, stmt) if binary else conn.execute(stmt).one()
    n = int(row[0])
    out: dict[str, Any] = {"_n": n}
    values = iter(row[1:])
    unknown: set[str] = set()
    if numeric:
        for name, arr in _records(next(values), n, numeric).items():
            out[name] = arr
    for col in cols:
        if col.name in numeric_names:
            if col.kind == "code":
                if out[col.name].size and out[col.name].min() < 0:
                    unknown.add(col.name)
                out[col.name] = _Codes(out[col.name], col.known)
            continue
        if col.kind == "texts" and d == "sqlite":
            fields = []
            for _ in col.column:
                value = next(values)
                parts = value.split(_RS) if n else []
                if len(parts) != n:
                    raise _FastPathError(f"{col.name}: a value contains the separator")
                fields.append(parts)
            out[col.name] = _texts_of_fields(fields, n)
            continue
        value = next(values)
        if col.kind == "code":
            codes = _integers(value, n)
            if codes.size and codes.min() < 0:
                unknown.add(col.name)
            out[col.name] = _Codes(codes, col.known)
        elif col.kind == "int":
            out[col.name] = _integers(value, n)
        elif col.kind == "ts":
            if d == "sqlite":
                out[col.name] = parse_sqlite_timestamps(value, n)
            else:
                micros = _integers(value, n)
                arr = micros / 1e6
                arr[micros == _PG_NULL] = np.nan
                out[col.name] = arr
        else:
            parts = value.split(_RS) if n else []
            if len(parts) != n:
                raise _FastPathError(f"{col.name}: a value contains the separator")
            out[col.name] = _texts(parts, len(col.column))
    if unknown:
        raise _UnknownCodeError(unknown)
    return out
