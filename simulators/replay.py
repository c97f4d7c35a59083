"""Replay of historical incidents from CSV or JSONL (format in docs/simulators.md).

Each row: ``time`` (ISO-8601 with a timezone, or epoch seconds), ``lat``, ``lon``,
``description``; optional ``category``, ``channel``, ``call_type``, ``caller_phone``,
``address``. A bad row is reported with its line number, skipped and counted.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .generator import CALL_TYPES, CATEGORIES, GeneratedCall

REQUIRED = ("time", "lat", "lon", "description")
OPTIONAL = ("category", "channel", "call_type", "caller_phone", "address")
CHANNELS = ("call", "whatsapp", "sms", "web", "walk_in", "aml", "open311", "api")
MAX_DESCRIPTION = 4000


@dataclass(frozen=True)
class ReplayRow:
    """One good row: its line, its time and what to send."""

    line: int
    when: datetime
    lat: float
    lon: float
    description: str
    category: str | None = None
    channel: str = "call"
    call_type: str = "genuine"
    caller_phone: str | None = None
    address: str | None = None


@dataclass(frozen=True)
class RowError:
    """A skipped row: line number (1-based, as an editor shows it) and why."""

    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass
class ReplayFile:
    """What a file held: good rows in time order, and the bad ones."""

    rows: list[ReplayRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def skipped(self) -> int:
        """How many rows were skipped."""
        return len(self.errors)

    def calls(self, speed: float = 1.0) -> list[GeneratedCall]:
        """The rows as calls, `t` measured from the first row and divided by the speed factor."""
        if not self.rows:
            return []
        t0 = self.rows[0].when
        out = []
        for r in self.rows:
            out.append(GeneratedCall(
                t=(r.when - t0).total_seconds() / speed, description=r.description, lat=r.lat,
                lon=r.lon, call_type=r.call_type, category=r.category or "",
                kecamatan="", kelurahan=None, channel=r.channel,
                caller_phone=r.caller_phone or "", language="", stream=f"line {r.line}",
            ))
        return out


def parse_time(value: Any) -> datetime:
    """ISO-8601 with a timezone, or epoch seconds."""
    if isinstance(value, bool):
        raise ValueError("time must be ISO-8601 or epoch seconds")
    if isinstance(value, int | float):
        if not math.isfinite(value):
            raise ValueError("time must be finite")
        return datetime.fromtimestamp(float(value), UTC)
    text = str(value).strip()
    if not text:
        raise ValueError("time is empty")
    try:
        return datetime.fromtimestamp(float(text), UTC)
    except ValueError:
        pass
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"time {text[:40]!r} is neither ISO-8601 nor epoch seconds") from None
    if when.tzinfo is None:
        raise ValueError(f"time {text[:40]!r} has no timezone (add +07:00 or Z)")
    return when.astimezone(UTC)


def _number(value: Any, name: str, lo: float, hi: float) -> float:
    if isinstance(value, bool) or value is None or value == "":
        raise ValueError(f"{name} is missing")
    try:
        num = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} {str(value)[:40]!r} is not a number") from None
    if not math.isfinite(num) or not lo <= num <= hi:
        raise ValueError(f"{name} {num} is out of range [{lo}, {hi}]")
    return num


def parse_row(raw: Mapping[str, Any], line: int) -> ReplayRow:
    """Check one row; ValueError says what is wrong."""
    missing = [k for k in REQUIRED if raw.get(k) in (None, "")]
    if missing:
        raise ValueError(f"missing {', '.join(missing)}")
    when = parse_time(raw["time"])
    lat = _number(raw["lat"], "lat", -90, 90)
    lon = _number(raw["lon"], "lon", -180, 180)
    desc = raw["description"]
    if not isinstance(desc, str) or not desc.strip():
        raise ValueError("description must be non-empty text")
    if len(desc) > MAX_DESCRIPTION:
        raise ValueError(f"description longer than {MAX_DESCRIPTION} characters")
    opt = {k: (str(raw[k]).strip() if raw.get(k) not in (None, "") else None) for k in OPTIONAL}
    if opt["category"] is not None and opt["category"] not in CATEGORIES:
        raise ValueError(f"category {opt['category']!r} is not one of {', '.join(CATEGORIES)}")
    if opt["channel"] is not None and opt["channel"] not in CHANNELS:
        raise ValueError(f"channel {opt['channel']!r} is not one of {', '.join(CHANNELS)}")
    if opt["call_type"] is not None and opt["call_type"] not in CALL_TYPES:
        raise ValueError(f"call_type {opt['call_type']!r} is not one of {', '.join(CALL_TYPES)}")
    return ReplayRow(
        line=line, when=when, lat=lat, lon=lon, description=desc.strip(),
        category=opt["category"], channel=opt["channel"] or "call",
        call_type=opt["call_type"] or "genuine", caller_phone=opt["caller_phone"],
        address=opt["address"],
    )


def _collect(items: Iterable[tuple[int, Mapping[str, Any] | str]]) -> ReplayFile:
    out = ReplayFile()
    for line, raw in items:
        if isinstance(raw, str):
            out.errors.append(RowError(line, raw))
            continue
        try:
            out.rows.append(parse_row(raw, line))
        except ValueError as err:
            out.errors.append(RowError(line, str(err)))
    out.rows.sort(key=lambda r: (r.when, r.line))
    return out


def read_csv(text: str) -> ReplayFile:
    """Rows of a CSV with a header line (comma-separated, UTF-8, quoted as RFC 4180)."""
    reader = csv.reader(io.StringIO(text))
    header: list[str] | None = None
    items: list[tuple[int, Mapping[str, Any] | str]] = []
    try:
        for fields in reader:
            line = reader.line_num
            if header is None:
                header = [h.strip().lower() for h in fields]
                lacking = [k for k in REQUIRED if k not in header]
                if lacking:
                    return ReplayFile(errors=[RowError(line, f"header lacks {', '.join(lacking)}")])
                continue
            if not fields or all(not f.strip() for f in fields) or fields[0].startswith("#"):
                continue
            if len(fields) != len(header):
                items.append((line, f"{len(fields)} fields, the header has {len(header)}"))
                continue
            items.append((line, dict(zip(header, fields, strict=True))))
    except csv.Error as err:
        items.append((reader.line_num, f"unreadable CSV: {err}"))
    return _collect(items)


def read_jsonl(text: str) -> ReplayFile:
    """Rows of JSON Lines: one object per line; blank lines and # comments are ignored."""
    items: list[tuple[int, Mapping[str, Any] | str]] = []
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as err:
            items.append((n, f"malformed JSON: {err.msg}"))
            continue
        if not isinstance(obj, dict):
            items.append((n, "a JSON object is needed"))
            continue
        items.append((n, obj))
    return _collect(items)


def read_file(path: str | Path, fmt: str | None = None) -> ReplayFile:
    """Read CSV or JSONL, by `fmt` or by the file's extension (.csv, .jsonl/.json/.ndjson)."""
    p = Path(path)
    raw = p.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        return ReplayFile(errors=[RowError(1, f"file is not UTF-8: {err}")])
    kind = fmt or ("csv" if p.suffix.lower() == ".csv" else "jsonl")
    return read_csv(text) if kind == "csv" else read_jsonl(text)
