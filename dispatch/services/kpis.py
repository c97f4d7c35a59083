"""Dashboard figures from the database: response-time phases, breakdowns, live board, complaints.

Speed: the period's incidents and orders are each read with one aggregate query (every
column concatenated into one string, no ORM objects, no per-row Python tuples; see
"columnar reads" below), the orders on a second connection alongside the incidents and
the live board alongside both; then every figure is computed with numpy in
``dispatch.domain.kpis``, the seven phases side by side on the shared pool. Timestamps
become epoch seconds without ``julianday``: parsed by numpy on SQLite, sent as binary
microseconds by PostgreSQL (columns hold naive UTC).
"""

from __future__ import annotations

import logging
import math
import threading
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

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

from ..db.models import Incident, Order, Unit, User
from ..domain import citytime
from ..domain import kpis as dk
from ..domain.constants import CALL_TYPES, CATEGORIES, UNIT_TYPES
from ..domain.unit_states import BUSY_STATUSES
from . import coverage
from .errors import Conflict, ValidationError

if TYPE_CHECKING:
    from ..runtime import Runtime

log = logging.getLogger(__name__)

OPEN_STATUSES: tuple[str, ...] = ("open", "dispatched", "on_scene")
UNACKED_STATES: tuple[str, ...] = ("sent", "awaiting_radio", "unacknowledged")
MAX_PERIOD_DAYS = 3660
DAILY_TREND_MAX_DAYS = 92  # longer periods are charted by week
OPEN_LIST_LIMIT = 100
NONE_LABEL = "(tidak diketahui / unknown)"
SYSTEM_LABEL = "(sistem / system)"

# (dimension key, label) in display order; "incident" dimensions come from the incident
# (they carry every phase), "unit" dimensions from the dispatched unit (order phases only).
INCIDENT_DIMENSIONS: tuple[tuple[str, str], ...] = (
    ("category", "Kategori / Category"),
    ("kecamatan", "Kecamatan / District"),
    ("kelurahan", "Kelurahan / Sub-district"),
    ("hour", "Jam / Hour of day"),
    ("operator", "Operator"),
)
UNIT_DIMENSIONS: tuple[tuple[str, str], ...] = (
    ("agency", "Instansi / Agency"),
    ("station", "Pos / Station"),
    ("unit", "Unit"),
)
DIMENSIONS: tuple[tuple[str, str], ...] = INCIDENT_DIMENSIONS + UNIT_DIMENSIONS


# --------------------------------------------------------------------------- the query


@dataclass(frozen=True)
class KpiQuery:
    """A period [start, end) in UTC and the filters of one dashboard request."""

    start: datetime
    end: datetime
    category: str | None = None
    district: str | None = None
    include_exercise: bool = False

    def as_dict(self, tz: ZoneInfo) -> dict[str, Any]:
        """JSON view (times in the city's zone)."""
        return {
            "from": self.start.astimezone(tz).isoformat(),
            "to": self.end.astimezone(tz).isoformat(),
            "timezone": tz.key,
            "category": self.category,
            "district": self.district,
            "include_exercise": self.include_exercise,
        }


def city_tz(rt: Runtime) -> ZoneInfo:
    """The city's time zone (UTC if the pack names an unknown zone)."""
    try:
        return ZoneInfo(rt.city.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _local_midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


def _parse_time(value: str, name: str, tz: ZoneInfo, end: bool) -> datetime:
    # The one parser of query dates (a bare date means the whole day: `to=2026-11-23`
    # includes the 23rd), with its year range.
    try:
        return citytime.parse_instant(value, tz, end_of_day=end)
    except ValueError:
        raise ValidationError(
            f"{name} harus tanggal (YYYY-MM-DD) atau waktu ISO-8601, tahun "
            f"{citytime.RANGE_TEXT} / {name} must be a date (YYYY-MM-DD) or an ISO-8601 "
            f"time, years {citytime.RANGE_TEXT}", name,
        ) from None


def _flag(value: str | None, name: str) -> bool:
    if value is None or value.strip().lower() in ("", "0", "false", "no", "off"):
        return False
    if value.strip().lower() in ("1", "true", "yes", "on"):
        return True
    raise ValidationError(f"{name} must be 0 or 1", name)


def parse_query(rt: Runtime, args: Mapping[str, Any]) -> KpiQuery:
    """Validate `from`, `to`, `category`, `district`, `include_exercise`; default is today."""
    tz = city_tz(rt)
    now = rt.clock.now()
    today = now.astimezone(tz).date()

    def arg(name: str) -> str | None:
        value = args.get(name)
        if value is not None and not isinstance(value, str):
            raise ValidationError(f"{name} must be a string", name)
        return value or None

    raw_from, raw_to = arg("from"), arg("to")
    start = _parse_time(raw_from, "from", tz, end=False) if raw_from else _local_midnight(today, tz)
    end = (
        _parse_time(raw_to, "to", tz, end=True) if raw_to
        else _local_midnight(today + timedelta(days=1), tz)
    )
    if end <= start:
        raise ValidationError("to must be after from", "to")
    if end - start > timedelta(days=MAX_PERIOD_DAYS):
        raise ValidationError(f"the period may be at most {MAX_PERIOD_DAYS} days", "from")
    category = arg("category")
    if category is not None and category not in CATEGORIES:
        raise ValidationError(f"category must be one of {', '.join(CATEGORIES)}", "category")
    district = arg("district")
    if district is not None:
        names = {name.lower(): name for name, _, _ in rt.city.kecamatan()}
        if district.strip().lower() not in names:
            raise ValidationError(
                f"district must be a kecamatan of {rt.city.name}: {', '.join(names.values())}",
                "district",
            )
        district = names[district.strip().lower()]
    return KpiQuery(start, end, category, district, _flag(arg("include_exercise"), "include_exercise"))


def kpi_targets(rt: Runtime) -> dict[str, dk.PhaseTarget]:
    """The city pack's targets over the standards' defaults."""
    return dk.targets_from_settings(rt.city.settings.get("kpi_targets"))


def _amber_margin(rt: Runtime) -> float:
    raw = rt.city.settings.get("kpi_amber_margin", dk.DEFAULT_AMBER_MARGIN)
    return float(raw) if isinstance(raw, int | float) and 0 <= raw <= 1 else dk.DEFAULT_AMBER_MARGIN


# --------------------------------------------------------------------------- columnar reads
#
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

_US = "\x1f"  # ASCII unit separator between text values
_TS_NULL = "0000-00-00 00:00:00.000000"
_TS_WIDTH = len(_TS_NULL)
_PG_NULL = -(2**62)  # a NULL timestamp among PostgreSQL's integer microseconds
# Binary records (psycopg): NULL timestamps become PostgreSQL's earliest timestamp, which no
# real record holds; +/-infinity (int64 extremes) send the read to the row path.
_PG_TS_NULL_SQL = "'4714-11-24 00:00:00 BC'::timestamp"
_PG_TS_NULL = -211813488000000000  # that timestamp in microseconds since 2000-01-01
_PG_EPOCH_2000_US = 946684800 * 1_000_000
# An order may be issued after its incident's period ends (a long job); orders are read
# by issue time up to this long after the period and matched to the period's incidents.
ORDER_SLACK = timedelta(days=7)


class _FastPathError(Exception):
    """The aggregated read met data it cannot parse exactly."""


@dataclass(frozen=True)
class _Col:
    name: str
    kind: str  # "int", "ts" (epoch seconds, nan when NULL), "texts" (several text columns),
    # "code" (a text column whose values are nearly always among `known`: coded by the database)
    column: Any  # a tuple of columns for "texts"
    known: tuple[str, ...] = ()

    def as_texts(self) -> _Col:
        """A "code" column read as text instead (it holds values outside `known`)."""
        return _Col(self.name, "texts", (self.column,)) if self.kind == "code" else self


_RS = "\x1e"  # ASCII record separator between the rows of a "texts" column


@dataclass(frozen=True)
class _Texts:
    """Several text columns read as one: a code per row and each code's field values.

    The short texts of a row (category, district, ...) are read as one string and coded
    once, which is much cheaper than splitting and coding each column on its own.
    """

    codes: np.ndarray  # per row, an index into `values`
    values: list[tuple[str, ...]]  # field values ('' for NULL) of each distinct row text

    def take(self, idx: np.ndarray) -> _Texts:
        """Only the rows at `idx`."""
        return _Texts(self.codes[idx], self.values)

    def field(self, i: int, known: Sequence[Any] = ()) -> tuple[np.ndarray, list[Any]]:
        """`_encode` of field i over the rows: the known keys first, then unseen ones sorted."""
        present = np.flatnonzero(np.bincount(self.codes, minlength=len(self.values))).tolist()
        _, keys = _encode([self.values[u][i] for u in present], known)
        index = {k: c for c, k in enumerate(keys)}
        table = np.zeros(max(len(self.values), 1), dtype=np.int64)
        for u in present:
            table[u] = index[self.values[u][i]]
        return table[self.codes], keys


@dataclass(frozen=True)
class _Codes:
    """A "code" column: per row the index of its value in `known`, len(known) for NULL or ''.

    Behaves as a one-field `_Texts` (same codes and keys), without any text crossing over.
    """

    codes: np.ndarray
    known: tuple[str, ...]

    def take(self, idx: np.ndarray) -> _Codes:
        """Only the rows at `idx`."""
        return _Codes(self.codes[idx], self.known)

    def field(self, i: int, known: Sequence[Any] = ()) -> tuple[np.ndarray, list[Any]]:
        """As `_Texts.field`: the known keys, then '' when some row has no value."""
        if i != 0 or tuple(known) != self.known:
            raise ValueError("a coded column has one field, coded by its own known keys")
        n = len(self.known)
        empty = bool(self.codes.size) and bool((self.codes == n).any())
        return self.codes, list(self.known) + ([""] if empty else [])


class _UnknownCodeError(Exception):
    """Some "code" columns hold values outside their known keys: read them as text."""

    def __init__(self, names: set[str]) -> None:
        super().__init__(", ".join(sorted(names)))
        self.names = names


def _code_expr(col: _Col) -> ColumnElement[Any]:
    """The row's index in col.known (len(known) for NULL or '', -1 for anything else)."""
    c = col.column
    value: Any = func.coalesce(c, _lit("")) if bool(getattr(c, "nullable", True)) else c
    whens = {**{k: i for i, k in enumerate(col.known)}, "": len(col.known)}
    # The simple CASE form: the value is computed once, not once per WHEN.
    return case(*[(_lit(k), literal_column(str(i))) for k, i in whens.items()], value=value,
                else_=literal_column("-1"))


def _texts_of_fields(fields: Sequence[Sequence[str]], n: int) -> _Texts:
    """Code rows given as one list of texts per field.

    Each field is coded on its own (a dict of short strings), then the fields' codes are
    combined arithmetically: cheaper than building and hashing a tuple per row.
    """
    if not n:
        return _Texts(np.zeros(0, dtype=np.int64), [])
    per_field = []
    for parts in fields:
        index = {k: c for c, k in enumerate(dict.fromkeys(parts))}
        per_field.append(
            (np.fromiter(map(index.__getitem__, parts), dtype=np.int64, count=n), list(index))
        )
    if len(per_field) == 1:
        codes, keys = per_field[0]
        return _Texts(codes, [(k,) for k in keys])
    size = math.prod(len(keys) for _, keys in per_field)
    if size > 4 * n + 1_000_000:  # too many combinations for a dense table: hash tuples
        rows = list(zip(*fields, strict=True))
        index = {k: c for c, k in enumerate(dict.fromkeys(rows))}
        codes = np.fromiter(map(index.__getitem__, rows), dtype=np.int64, count=n)
        return _Texts(codes, list(index))
    combined = np.zeros(n, dtype=np.int64)
    for codes, keys in per_field:
        combined = combined * len(keys) + codes
    present = np.bincount(combined, minlength=size) > 0
    table = np.cumsum(present) - 1
    values = []
    for c in np.flatnonzero(present).tolist():
        parts_of_c = []
        for _, keys in reversed(per_field):
            c, k = divmod(c, len(keys))
            parts_of_c.append(keys[k])
        values.append(tuple(reversed(parts_of_c)))
    return _Texts(table[combined], values)


def _texts(rows: Sequence[str], n_fields: int) -> _Texts:
    """Code row texts (fields joined by the unit separator); raises when a field holds one."""
    index = {k: c for c, k in enumerate(dict.fromkeys(rows))}
    values = [tuple(k.split(_US)) for k in index]
    if any(len(v) != n_fields for v in values):
        raise _FastPathError("a text value contains the separator")
    codes = np.fromiter(map(index.__getitem__, rows), dtype=np.int64, count=len(rows))
    return _Texts(codes, values)


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
    out = (days * 86400 + secs) + num(20, 6) / 1e6
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


# --------------------------------------------------------------------------- local time


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


# --------------------------------------------------------------------------- breakdown helpers


def _encode(values: Sequence[Any], known: Sequence[Any] = ()) -> tuple[np.ndarray, list[Any]]:
    """Codes for values: the known keys first (in their order), then unseen ones sorted."""
    index: dict[Any, int] = {k: i for i, k in enumerate(known)}
    for v in sorted(set(values) - index.keys(), key=lambda v: (v is None, str(v))):
        index[v] = len(index)
    codes = np.fromiter(map(index.__getitem__, values), dtype=np.int64, count=len(values))
    return codes, list(index)


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


# --------------------------------------------------------------------------- the figures


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
    rt: Runtime, cols: Sequence[_Col], source: Any, where: Sequence[ColumnElement[bool]]
) -> dict[str, Any]:
    with rt.engine.connect() as conn:
        return read_columns(conn, cols, source, where)


def compute_kpis(
    rt: Runtime, q: KpiQuery, conn: Connection | None = None, parallel: bool = False
) -> dict[str, Any]:
    """Phases, breakdowns, trend and call types of the period (exercises left out unless asked).

    Without `conn`, the orders are read on a second connection alongside the incidents.
    """
    if conn is None:
        with rt.engine.connect() as c:
            return compute_kpis(rt, q, c, parallel=_can_parallel(rt))
    tz = city_tz(rt)
    targets = kpi_targets(rt)
    margin = _amber_margin(rt)

    order_where = [Order.issued_at >= q.start, Order.issued_at < q.end + ORDER_SLACK]
    orders_future: Future[dict[str, Any]] | None = None
    if parallel:
        # The orders scan runs on its own connection while this one reads the incidents:
        # both drivers release the GIL while the database works.
        orders_future = _pool().submit(_read_on_own_connection, rt, ORDER_COLUMNS, Order,
                                       order_where)
    kec_names = tuple(dict.fromkeys(name for name, _, _ in rt.city.kecamatan()))
    inc = read_columns(conn, incident_columns(kec_names), Incident, _incident_conditions(q))
    orders = (
        orders_future.result() if orders_future is not None
        else read_columns(conn, ORDER_COLUMNS, Order, order_where)
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


# --------------------------------------------------------------------------- the live board


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
    from . import complaints

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
        return data
    # The live board and the complaints are independent reads: run them alongside.
    board = _pool().submit(live_board, rt, q.include_exercise)
    complaints = _pool().submit(complaint_stats, rt, q.start, q.end)
    data = compute_kpis(rt, q)
    data["board"] = board.result()
    data["complaints"] = complaints.result()
    return data


# --------------------------------------------------------------------------- tables (CSV)

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
           "uncovered_areas", "status_timers", "unacknowledged_orders", "call_types_today", "complaints"]
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
