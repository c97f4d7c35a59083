"""`siaga112 bench relay` runs end to end and reports both figures (no timing asserted)."""

from __future__ import annotations

import shutil

import pytest


def test_the_relay_bench_delivers_every_fix_and_reports_both_round_trips() -> None:
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server not installed")
    from bench.relay import main

    out = main(["--units", "20", "--rate", "200", "--seconds", "0.5"])
    assert out["relay"]["sent"] == 100 and out["relay"]["lost"] == 0
    assert out["bare_pubsub"]["lost"] == 0
    assert {"p50_ms", "p99_ms"} <= out["relay"].keys() & out["bare_pubsub"].keys()
