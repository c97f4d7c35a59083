"""Small input checks shared by every entry point, each naming the field it rejects."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from ..domain import phones
from .errors import ValidationError

_PHONE = re.compile(r"^\+?[0-9][0-9 ()-]{2,30}$")


def text(
    data: Mapping[str, Any], name: str, *, required: bool = False, max_len: int = 2000,
    min_len: int = 0,
) -> str | None:
    """A string field, stripped; None when absent and optional."""
    value = data.get(name)
    if value is None:
        if required:
            raise ValidationError(f"{name} is required", name)
        return None
    if not isinstance(value, str):
        raise ValidationError(f"{name} must be a string", name)
    value = value.strip()
    if required and len(value) < max(1, min_len):
        raise ValidationError(f"{name} must not be empty", name)
    if len(value) > max_len:
        raise ValidationError(f"{name} must be at most {max_len} characters", name)
    return value or None


def number(
    data: Mapping[str, Any], name: str, *, required: bool = False,
    lo: float | None = None, hi: float | None = None,
) -> float | None:
    """A finite real number field within [lo, hi]; numeric strings are not accepted."""
    value = data.get(name)
    if value is None:
        if required:
            raise ValidationError(f"{name} is required", name)
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValidationError(f"{name} must be a number", name)
    value = float(value)
    if not math.isfinite(value):
        raise ValidationError(f"{name} must be finite", name)
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        raise ValidationError(f"{name} must be between {lo} and {hi}", name)
    return value


def choice(
    data: Mapping[str, Any], name: str, options: tuple[Any, ...], *, default: Any = None
) -> Any:
    """A field that must be one of `options`."""
    value = data.get(name, default)
    if value is None:
        return default
    if value not in options or isinstance(value, bool) != isinstance(options[0], bool):
        raise ValidationError(f"{name} must be one of {', '.join(map(str, options))}", name)
    return value


def phone(data: Mapping[str, Any], name: str) -> str | None:
    """A caller phone number (digits, optional +, spaces, dashes, brackets), returned in
    E.164 when it is a possible number, so every spelling of it is one caller."""
    value = text(data, name, max_len=32)
    if value is not None and not _PHONE.match(value):
        raise ValidationError(f"{name} must be a phone number", name)
    return phones.caller_key(value)


def boolean(data: Mapping[str, Any], name: str, default: bool = False) -> bool:
    """A true/false field."""
    value = data.get(name, default)
    if not isinstance(value, bool):
        raise ValidationError(f"{name} must be true or false", name)
    return value


def lat_lon(data: Mapping[str, Any]) -> tuple[float, float]:
    """The required lat/lon pair of a point."""
    lat = number(data, "lat", required=True, lo=-90, hi=90)
    lon = number(data, "lon", required=True, lo=-180, hi=180)
    assert lat is not None and lon is not None
    return lat, lon
