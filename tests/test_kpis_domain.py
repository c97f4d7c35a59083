"""Pure KPI arithmetic: percentile method, compliance, targets, grouped figures vs the reference."""

from __future__ import annotations

import math

import numpy as np
import pytest

from dispatch.domain import kpis as dk


def test_percentile_is_linear_interpolation_between_ranks() -> None:
    # Hand-computed: n=4, p90 -> h = 3 * 0.9 = 2.7 -> 30 + 0.7 * (40 - 30) = 37.
    assert dk.percentile([10, 20, 30, 40], 90) == pytest.approx(37.0)
    assert dk.percentile([10, 20, 30, 40], 50) == pytest.approx(25.0)
    assert dk.percentile([10, 20, 30, 40], 0) == 10
    assert dk.percentile([10, 20, 30, 40], 100) == 40
    assert dk.percentile([7.5], 95) == 7.5
    assert dk.percentile([], 50) is None
    with pytest.raises(ValueError):
        dk.percentile([1, 2], 101)


def test_percentile_matches_numpy_default() -> None:
    rng = np.random.default_rng(7)
    for n in (1, 2, 3, 10, 101, 1000):
        xs = sorted(rng.lognormal(4, 1, n).tolist())
        for p in (0, 5, 50, 90, 95, 99.9, 100):
            assert dk.percentile(xs, p) == pytest.approx(float(np.percentile(xs, p)))


def test_phase_figures_hand_computed() -> None:
    target = dk.PhaseTarget(64, 90)
    figs = dk.phase_figures([40, 70, 20, None, float("nan"), -5], target)
    # Samples 20, 40, 70 (None, nan and a negative clock error are dropped).
    assert figs["count"] == 3
    assert figs["mean_s"] == pytest.approx(43.3)
    assert figs["p50_s"] == 40.0
    assert figs["p90_s"] == pytest.approx(64.0)  # h = 1.8 -> 40 + 0.8 * 30
    assert figs["p95_s"] == pytest.approx(67.0)
    assert figs["compliance"] == pytest.approx(0.6667)
    assert figs["met"] is False
    assert figs["status"] == "missed"
    assert figs["target_s"] == 64 and figs["target_percentile"] == 90


def test_empty_and_single_sample() -> None:
    target = dk.PhaseTarget(240, 90)
    empty = dk.phase_figures([], target)
    assert empty["count"] == 0
    assert empty["mean_s"] is None and empty["p50_s"] is None and empty["p95_s"] is None
    assert empty["compliance"] is None and empty["met"] is None and empty["status"] == "no_data"
    one = dk.phase_figures([300.0], target)
    assert one["count"] == 1
    assert one["p50_s"] == one["p90_s"] == one["p95_s"] == one["mean_s"] == 300.0
    assert one["compliance"] == 0.0 and one["status"] == "missed"


def test_compliance_status_thresholds() -> None:
    assert dk.compliance_status(0.9, 90) == "met"  # exactly the goal meets it
    assert dk.compliance_status(9 / 10, 90) == "met"
    assert dk.compliance_status(0.8999, 90) == "near"
    assert dk.compliance_status(0.80, 90) == "near"
    assert dk.compliance_status(0.7999, 90) == "missed"
    assert dk.compliance_status(None, 90) == "no_data"
    assert dk.compliance_status(0.5, 50, amber_margin=0.0) == "met"
    assert dk.compliance_status(0.49, 50, amber_margin=0.0) == "missed"


def test_sample_targets_by_unit_type() -> None:
    turnout = dk.targets_from_settings({})["turnout"]
    assert turnout.for_sample("ambulance") == 60
    assert turnout.for_sample("fire_engine") == 80
    assert turnout.for_sample("rescue") == 60  # the default
    figs = dk.phase_figures(
        [70, 70], turnout, [turnout.for_sample("fire_engine"), turnout.for_sample("ambulance")]
    )
    assert figs["compliance"] == 0.5
    assert figs["targets_by_unit_type"] == {"ambulance": 60, "fire_engine": 80}


def test_targets_from_settings_defaults_and_overrides() -> None:
    t = dk.targets_from_settings(None)
    assert set(t) == set(dk.PHASES)
    assert (t["processing"].target_s, t["processing"].percentile) == (64, 90)
    assert t["travel"].target_s == 240 and t["response"].target_s == 900
    t = dk.targets_from_settings({"response": {"target_s": 600, "percentile": 80,
                                               "by_category": {"fire": 900}}})
    assert t["response"].target_s == 600 and t["response"].percentile == 80
    assert t["response"].for_sample(category="fire") == 900
    assert t["response"].for_sample(category="medical") == 600
    for bad in ({"travel": {"target_s": -1}}, {"travel": {"percentile": 120}},
                {"travel": "fast"}, {"turnout": {"by_unit_type": {"ambulance": "x"}}},
                {"travel": {"target_s": True}}):
        with pytest.raises(ValueError):
            dk.targets_from_settings(bad)


def test_grouped_figures_agree_with_reference() -> None:
    rng = np.random.default_rng(3)
    n = 5000
    values = rng.lognormal(4, 1, n)
    values[rng.random(n) < 0.1] = np.nan
    values[rng.random(n) < 0.01] = -3.0  # clock errors, dropped
    groups = rng.integers(0, 13, n)
    targets = np.where(groups % 2 == 0, 60.0, 80.0)
    grouped = dk.grouped_figures(values, groups, 14, targets)  # group 13 stays empty
    target = dk.PhaseTarget(60, 90)
    for g in range(14):
        sel = groups == g
        ref = dk.phase_figures(values[sel].tolist(), target, targets[sel].tolist())
        got = grouped.figures(g, target)
        assert got == ref, g
    assert grouped.figures(13, target)["status"] == "no_data"


def test_negative_group_codes_are_left_out_and_samples_reused() -> None:
    samples = dk.PhaseSamples([5.0, 6.0, 7.0, math.nan], 6.0)
    assert len(samples) == 3
    g = samples.by(np.array([0, -1, 0, 0]), 1)
    assert int(g.counts[0]) == 2 and float(g.within[0]) == 1.0
    assert float(g.pcts[50][0]) == pytest.approx(6.0)
    assert samples.overall().counts.tolist() == [3]


def test_encode_keeps_known_order() -> None:
    codes, keys = dk.encode(["b", "a", "b", "c"])
    assert keys == ["b", "a", "c"] and codes.tolist() == [0, 1, 0, 2]
