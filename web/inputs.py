"""Hostile input stopped at the door, once for every route (issue 16, finding 6).

- :func:`read_json`: the one JSON body reader (nesting depth, number size, text content);
- :func:`check_request` (query and path) and :class:`CheckedRequest` (form fields, as they
  are parsed): text without lone surrogates or NUL (neither can be stored: UTF-8 refuses
  the first, PostgreSQL the second);
- :class:`DbIdConverter`: ``<int:…>`` in a route matches only ids a database row can have
  (``Integer`` columns are int4 on PostgreSQL), so a larger one is a 404, not an overflow.
"""

from __future__ import annotations

import json
import re
from typing import Any

from flask import Request, request
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import NotFound
from werkzeug.routing import IntegerConverter

from dispatch.services.errors import ValidationError

MAX_JSON_DEPTH = 32  # our bodies nest 2-3 deep; the C parser overflows the stack near 1,000
MAX_INT_DIGITS = 16  # 2^53 (the integers every JSON reader keeps exactly) has 16 digits
DB_ID_MAX = 2**31 - 1  # PostgreSQL `integer`, what Integer primary keys are
_BAD_TEXT = re.compile("[\x00\ud800-\udfff]")


class BadInput(ValidationError):
    """Input no route accepts: a 400 with a message, never a 500."""

    status = 400
    code = "bad_input"


class MalformedJson(BadInput):
    """A body that is not JSON at all."""

    code = "malformed_json"


class _BadNumber(Exception):
    pass


def _parse_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise _BadNumber
    return int(text)


def _parse_float(text: str) -> float:
    # NaN, Infinity and 1e999 still parse: the services answer those with a 422 per field.
    if len(text) > 64:
        raise _BadNumber
    return float(text)


def text_problem(value: str) -> str | None:
    """What is wrong with a text for storage (NUL, lone surrogate), or None."""
    m = _BAD_TEXT.search(value)
    if m is None:
        return None
    if m.group() == "\x00":
        return "karakter NUL (\\u0000) tidak diterima / the NUL character is not accepted"
    return ("surrogate UTF-16 tunggal tidak diterima / a lone UTF-16 surrogate is not "
            "accepted")


def check_text(value: str, field: str) -> None:
    """Raise BadInput when `value` holds a NUL or a lone surrogate."""
    problem = text_problem(value)
    if problem is not None:
        raise BadInput(f"{field}: {problem}", field)


def read_json(raw: bytes) -> Any:
    """Parse a JSON body within the limits; BadInput (400) with a message otherwise."""
    try:
        data = json.loads(raw, parse_int=_parse_int, parse_float=_parse_float)
    except _BadNumber:
        raise BadInput(
            f"angka terlalu panjang (bilangan bulat paling banyak {MAX_INT_DIGITS} digit) / "
            f"number too long (integers at most {MAX_INT_DIGITS} digits)", "body",
        ) from None
    except RecursionError:
        raise _too_deep() from None
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise MalformedJson(f"JSON rusak / malformed JSON: {err}", "body") from None
    _check_tree(data)
    return data


def _too_deep() -> BadInput:
    return BadInput(f"JSON bersarang terlalu dalam (paling dalam {MAX_JSON_DEPTH}) / "
                    f"JSON nested too deep (at most {MAX_JSON_DEPTH} levels)", "body")


def _check_tree(data: Any) -> None:
    # Iterative, so checking a deep tree cannot itself overflow the stack.
    stack: list[tuple[Any, int, str]] = [(data, 1, "body")]
    while stack:
        value, depth, where = stack.pop()
        if isinstance(value, str):
            check_text(value, where)
        elif isinstance(value, dict | list):
            if depth > MAX_JSON_DEPTH:
                raise _too_deep()
            if isinstance(value, dict):
                for key, item in value.items():
                    check_text(key, where)
                    stack.append((item, depth + 1, key if where == "body" else where))
            else:
                stack.extend((item, depth + 1, where) for item in value)


def check_request() -> None:
    """Every query parameter and path value: text without NUL or lone surrogates."""
    for name, value in (request.view_args or {}).items():
        if isinstance(value, str):
            check_text(value, name)
    _check_fields(request.args)


def _check_fields(fields: MultiDict[str, str]) -> None:
    for name, value in fields.items(multi=True):
        check_text(name, name[:40])
        check_text(value, name[:40])


class CheckedRequest(Request):
    """A request whose form fields are checked as they are parsed.

    Checked here, not in a before_request hook, because the body is read only when a view
    asks for it, after its blueprint has set its own body size limit.
    """

    def _load_form_data(self) -> None:
        super()._load_form_data()
        _check_fields(self.form)


class DbIdConverter(IntegerConverter):
    """``<int:…>`` bounded to 0..2^31-1: a larger id is a 404 on every method."""

    def to_python(self, value: str) -> Any:
        """The id, or NotFound for one no database row can have."""
        # NotFound, not the converter's ValidationError: that one makes the router try the
        # route's other methods and answer 405 "use GET" for a PATCH on a too-large id.
        if len(value) > 10 or int(value) > DB_ID_MAX:
            raise NotFound("tidak ditemukan / not found")
        return super().to_python(value)
