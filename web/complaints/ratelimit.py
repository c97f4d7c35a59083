"""The complaint portal's rate settings (counted by the app's Flask-Limiter, see
`web.complaints.rate_limited`)."""

from __future__ import annotations


def parse_rate(text: str) -> tuple[int, float]:
    """'5/600' → (5, 600.0): five hits per 600 seconds."""
    count, _, seconds = str(text).partition("/")
    return int(count), float(seconds or 60)
