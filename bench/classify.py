"""Benchmark the incident classifier and the complaint router on their held-out splits.

Prints accuracy per category and per language, the confusion matrix, a reliability table
(calibration), the cost-weighted error (an emergency called non_emergency costs 10, any
other wrong category 1), emergencies called non_emergency above the unsure threshold,
routing accuracy per OPD, and the per-text latency (p50/p99) of the classifier against the
earlier lexicon + Naive Bayes classifier (the baseline) in the same run. Last line: JSON.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from typing import Any

from dispatch.classify import CATEGORIES, classify, legacy, load_labelled
from dispatch.classify.router import ROUTE_MIN_CONFIDENCE, guess_opd, load_complaints, pack_opds
from dispatch.domain import complaints as rules
from dispatch.domain.calls import DEFAULT_UNSURE_BELOW
from dispatch.domain.kpis import percentile

MISS_COST = 10.0  # an emergency classified non_emergency
WRONG_COST = 1.0  # any other wrong category
BINS = (0.0, 0.3, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1.0001)


def _cost(gold: str, pred: str) -> float:
    if gold == pred:
        return 0.0
    if gold != "non_emergency" and pred == "non_emergency":
        return MISS_COST
    return WRONG_COST


def _rate(ok: Sequence[bool]) -> float:
    return round(sum(ok) / len(ok), 4) if ok else 0.0


def evaluate(rows: Sequence[dict[str, str]], fn: Callable[[str], Any],
             threshold: float) -> dict[str, Any]:
    """Accuracy, per-category/per-language accuracy, confusion, calibration and cost of `fn`."""
    confusion: Counter[tuple[str, str]] = Counter()
    per_cat: dict[str, list[bool]] = defaultdict(list)
    per_lang: dict[str, list[bool]] = defaultdict(list)
    bins: dict[int, list[tuple[float, bool]]] = defaultdict(list)
    cost = 0.0
    missed_sure = []
    unsure = 0
    for row in rows:
        got = fn(row["text"])
        ok = got.category == row["category"]
        confusion[(row["category"], got.category)] += 1
        per_cat[row["category"]].append(ok)
        per_lang[row.get("lang", "?")].append(ok)
        cost += _cost(row["category"], got.category)
        b = next(i for i in range(len(BINS) - 1) if BINS[i] <= got.confidence < BINS[i + 1])
        bins[b].append((got.confidence, ok))
        is_unsure = bool(getattr(got, "unsure", got.confidence < threshold))
        unsure += is_unsure
        if row["category"] != "non_emergency" and got.category == "non_emergency" and not is_unsure:
            missed_sure.append(row["text"])
    reliability = []
    ece = 0.0
    for i in range(len(BINS) - 1):
        items = bins.get(i, [])
        if not items:
            continue
        conf = sum(c for c, _ in items) / len(items)
        acc = sum(ok for _, ok in items) / len(items)
        ece += len(items) / len(rows) * abs(conf - acc)
        reliability.append({"bin": f"{BINS[i]:.2f}-{min(BINS[i + 1], 1.0):.2f}", "n": len(items),
                            "mean_confidence": round(conf, 3), "accuracy": round(acc, 3)})
    return {
        "n": len(rows),
        "accuracy": _rate([g == p for (g, p), n in confusion.items() for _ in range(n)]),
        "per_category": {c: _rate(per_cat[c]) for c in CATEGORIES if per_cat[c]},
        "per_language": {k: _rate(v) for k, v in sorted(per_lang.items())},
        "confusion": {g: {p: confusion[(g, p)] for p in CATEGORIES} for g in CATEGORIES},
        "reliability": reliability,
        "ece": round(ece, 4),
        "cost_weighted_error": round(cost / max(len(rows), 1), 4),
        "emergency_as_non_emergency_above_threshold": len(missed_sure),
        "missed_texts": missed_sure[:10],
        "unsure_share": round(unsure / max(len(rows), 1), 4),
    }


def latency(texts: Sequence[str], fn: Callable[[str], Any], repeat: int) -> dict[str, float]:
    """p50 and p99 microseconds per text (each call timed on its own)."""
    samples = []
    for _ in range(repeat):
        for text in texts:
            start = time.perf_counter_ns()
            fn(text)
            samples.append((time.perf_counter_ns() - start) / 1000.0)
    samples.sort()
    return {"p50_us": round(percentile(samples, 50), 1), "p99_us": round(percentile(samples, 99), 1)}


def routing(rows: Sequence[dict[str, str]], use_model: bool) -> dict[str, Any]:
    """Routing accuracy per OPD on complaint texts (model + keywords, or keywords alone)."""
    opds = pack_opds()
    per_opd: dict[str, list[bool]] = defaultdict(list)
    to_coordinator = 0
    for row in rows:
        r = rules.route(row["text"], opds, model=guess_opd if use_model else None,
                        min_confidence=ROUTE_MIN_CONFIDENCE)
        per_opd[row["opd"]].append(r.opd_code == row["opd"])
        to_coordinator += r.manual
    all_ok = [ok for v in per_opd.values() for ok in v]
    return {"n": len(rows), "accuracy": _rate(all_ok),
            "per_opd": {k: _rate(v) for k, v in sorted(per_opd.items())},
            "to_coordinator": to_coordinator}


def _print_table(name: str, ev: dict[str, Any]) -> None:
    short = {c: c[:6] for c in CATEGORIES}
    print(f"== {name}: accuracy {ev['accuracy']:.3f} (n={ev['n']}), cost-weighted error "
          f"{ev['cost_weighted_error']:.3f}, ECE {ev['ece']:.3f}, emergency->non_emergency "
          f"above threshold {ev['emergency_as_non_emergency_above_threshold']}")
    print("confusion (rows = gold, columns = predicted)")
    print("gold\\pred".ljust(20) + "".join(short[c].rjust(8) for c in CATEGORIES) + "     acc")
    for gold in CATEGORIES:
        cells = "".join(str(ev["confusion"][gold][p]).rjust(8) for p in CATEGORIES)
        print(gold.ljust(20) + cells + f"   {ev['per_category'].get(gold, 0.0):.3f}")
    print("per language: " + ", ".join(f"{k} {v:.3f}" for k, v in ev["per_language"].items()))
    print("reliability (confidence bin: n, mean confidence, accuracy)")
    for b in ev["reliability"]:
        print(f"  {b['bin']}: n={b['n']:4d}  conf={b['mean_confidence']:.3f}  acc={b['accuracy']:.3f}")


def main(argv: list[str] | None = None) -> dict:
    """Evaluate on the held-out splits, print the tables, end with one JSON line."""
    parser = argparse.ArgumentParser(prog="bench.classify", description=__doc__)
    parser.add_argument("--errors", action="store_true", help="list misclassified held-out texts")
    parser.add_argument("--repeat", type=int, default=5, help="timing passes over the texts")
    parser.add_argument("--split", default="test", help="which split to score (test or train)")
    args = parser.parse_args(argv)
    threshold = DEFAULT_UNSURE_BELOW

    rows = [r for r in load_labelled() if r["split"] == args.split]
    classify("pemanasan")  # warm-up: loads the model so timing excludes it
    legacy.classify("pemanasan")
    new = evaluate(rows, classify, threshold)
    old = evaluate(rows, legacy.classify, threshold)
    _print_table("model (n-gram TF-IDF + lexicon, calibrated)", new)
    _print_table("baseline (lexicon + Naive Bayes)", old)
    if args.errors:
        for row in rows:
            got = classify(row["text"])
            if got.category != row["category"]:
                print(f"MISS gold={row['category']} got={got.category} conf={got.confidence} "
                      f"cues={got.cues}: {row['text']}")

    complaints = [r for r in load_complaints() if r["split"] == args.split]
    route_new = routing(complaints, True)
    route_old = routing(complaints, False)
    print(f"== routing: model {route_new['accuracy']:.3f}, keywords only {route_old['accuracy']:.3f}"
          f" (n={route_new['n']}; to the coordinator: {route_new['to_coordinator']} vs "
          f"{route_old['to_coordinator']})")
    for code, acc in route_new["per_opd"].items():
        print(f"  {code:16s} model {acc:.3f}   keywords {route_old['per_opd'].get(code, 0.0):.3f}")

    texts = [r["text"] for r in rows]
    lat_new = latency(texts, classify, args.repeat)
    lat_old = latency(texts, legacy.classify, args.repeat)
    print(f"== latency per text: model p50 {lat_new['p50_us']} us, p99 {lat_new['p99_us']} us; "
          f"baseline p50 {lat_old['p50_us']} us, p99 {lat_old['p99_us']} us")
    result = {
        "split": args.split,
        "n": new["n"],
        "accuracy": new["accuracy"],
        "per_category": new["per_category"],
        "per_language": new["per_language"],
        "cost_weighted_error": new["cost_weighted_error"],
        "ece": new["ece"],
        "emergency_as_non_emergency_above_threshold":
            new["emergency_as_non_emergency_above_threshold"],
        "unsure_share": new["unsure_share"],
        "reliability": new["reliability"],
        "baseline": {"accuracy": old["accuracy"], "cost_weighted_error": old["cost_weighted_error"],
                     "ece": old["ece"], "p99_us": lat_old["p99_us"], "p50_us": lat_old["p50_us"]},
        "routing": route_new,
        "routing_keywords_only": {"accuracy": route_old["accuracy"],
                                  "to_coordinator": route_old["to_coordinator"]},
        "p50_us": lat_new["p50_us"],
        "p99_us": lat_new["p99_us"],
        "p99_target_us": 1000.0,
    }
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
