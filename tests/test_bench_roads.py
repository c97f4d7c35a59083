"""The road benchmarks run end to end on small inputs (figures are checked, not timings)."""

from __future__ import annotations

import json

import pytest

from bench import coverage, recommend


def test_bench_recommend_on_roads_matches_exhaustive(capsys: pytest.CaptureFixture[str]) -> None:
    result = recommend.main(["--units", "400", "--roads", "generate:40", "--queries", "30",
                             "--brute-queries", "30"])
    last = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert last == json.loads(json.dumps(result))
    assert result["graph"]["nodes"] >= 1500
    assert result["exhaustive_queries"] == 30 and result["mismatches_vs_exhaustive"] == 0
    assert result["p99_ms"] > 0 and result["straight_p99_ms"] > 0


def test_bench_coverage_on_the_kediri_pack(capsys: pytest.CaptureFixture[str]) -> None:
    result = coverage.main(["--roads", "kediri", "--units", "40", "--changes", "20",
                            "--full-baseline", "5", "--naive-baseline", "1",
                            "--service-changes", "5"])
    last = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert last["demand_points"] == result["demand_points"] > 40
    assert result["changes"] == 20 and result["p99_ms"] > 0
    # The product's own path (fleet change, then coverage_now) is timed in the same run.
    assert result["service"]["changes"] == 5 and result["service"]["p99_ms"] > 0
    assert result["service"]["units"] == 40 and isinstance(result["meets_target"], bool)
