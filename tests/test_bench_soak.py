"""`siaga112 bench soak` runs a short shift end to end and reports its figures (no timing)."""

from __future__ import annotations

import json

import pytest

from siaga112.cli import main

pytestmark = pytest.mark.mqtt


def test_a_short_soak_reports_zero_errors_and_every_field(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "soak", "--seconds", "8", "--units", "20", "--consoles", "2",
                 "--incident-every", "1"]) == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert out["benchmark"] == "soak"
    assert out["errors"] == 0, out["error_samples"]
    for key in ("rss_start_kib", "rss_warm_kib", "rss_end_kib", "growth_after_warmup_pct",
                "events_pushed", "incidents_created", "positions_published"):
        assert key in out
    assert out["rss_start_kib"] > 0 and out["rss_end_kib"] > 0
    # The shift really ran: incidents were taken over HTTP and pushed to the consoles.
    assert out["incidents_created"] >= 1
    assert out["events_pushed"] >= out["incidents_created"]
    assert out["positions_published"] > 0
