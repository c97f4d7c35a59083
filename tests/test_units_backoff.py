"""The gateway's reconnect back-off: short, capped, jittered (pure logic)."""

from __future__ import annotations

import random

from units.gateway import Backoff


def test_doubles_from_one_second_up_to_the_cap_with_jitter() -> None:
    b = Backoff(first=1.0, cap=5.0, jitter=0.5, rng=random.Random(3))
    delays = [b.next() for _ in range(8)]
    bases = [1, 2, 4, 5, 5, 5, 5, 5]
    assert all(base * 0.5 <= d <= base for d, base in zip(delays, bases, strict=True))
    assert max(delays) <= 5.0
    # Jittered: two processes losing the broker together do not retry in lock-step.
    other = Backoff(first=1.0, cap=5.0, jitter=0.5, rng=random.Random(4))
    assert [other.next() for _ in range(8)] != delays


def test_reset_after_a_connection_starts_again_from_the_first_delay() -> None:
    b = Backoff(first=1.0, cap=5.0, jitter=0.0)
    assert [b.next() for _ in range(5)] == [1.0, 2.0, 4.0, 5.0, 5.0]
    b.reset()
    assert b.next() == 1.0


def test_a_long_outage_never_overflows() -> None:
    b = Backoff(first=1.0, cap=5.0, jitter=0.0)
    for _ in range(10_000):
        delay = b.next()
    assert delay == 5.0
