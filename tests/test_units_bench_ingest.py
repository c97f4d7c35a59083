"""The ingest benchmark stays runnable: a tiny run prints its figures and loses nothing."""

from __future__ import annotations

import json

import pytest

from bench import ingest

pytestmark = pytest.mark.mqtt


def test_tiny_ingest_run(capsys: pytest.CaptureFixture[str]) -> None:
    result = ingest.main(["--units", "20", "--seconds", "1", "--rate", "2", "--no-web"])
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert json.loads(last) == result
    for key in ("pipeline_msgs_per_s", "baseline_msgs_per_s", "ratio", "p99_latency_ms", "lost"):
        assert key in result
    assert result["published"] == 40
    assert result["baseline_received"] == 40 and result["pipeline_received"] == 40
    assert result["track_rows"] == 40 and result["lost"] == 0
