"""Column descriptions of the reads and the coded text columns they give back."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

_US = "\x1f"  # ASCII unit separator between text values
_RS = "\x1e"  # ASCII record separator between the rows of a "texts" column


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



def _encode(values: Sequence[Any], known: Sequence[Any] = ()) -> tuple[np.ndarray, list[Any]]:
    """Codes for values: the known keys first (in their order), then unseen ones sorted."""
    index: dict[Any, int] = {k: i for i, k in enumerate(known)}
    for v in sorted(set(values) - index.keys(), key=lambda v: (v is None, str(v))):
        index[v] = len(index)
    codes = np.fromiter(map(index.__getitem__, values), dtype=np.int64, count=len(values))
    return codes, list(index)
