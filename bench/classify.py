"""Benchmark the incident classifier on the shipped labelled data (train and test splits)."""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter

from dispatch.classify import CATEGORIES, classify, load_labelled


def _evaluate(rows: list[dict[str, str]]) -> tuple[float, dict[str, float], Counter[tuple[str, str]]]:
    confusion: Counter[tuple[str, str]] = Counter()
    for row in rows:
        confusion[(row["category"], classify(row["text"]).category)] += 1
    total = sum(confusion.values())
    correct = sum(n for (gold, pred), n in confusion.items() if gold == pred)
    per_cat: dict[str, float] = {}
    for cat in CATEGORIES:
        n_cat = sum(n for (gold, _), n in confusion.items() if gold == cat)
        if n_cat:
            per_cat[cat] = round(confusion[(cat, cat)] / n_cat, 4)
    return (correct / total if total else 0.0), per_cat, confusion


def main(argv: list[str] | None = None) -> dict:
    """Evaluate on both splits, print a test confusion summary and a final JSON line."""
    parser = argparse.ArgumentParser(prog="bench.classify", description=__doc__)
    parser.add_argument("--errors", action="store_true", help="list misclassified test texts")
    parser.add_argument("--repeat", type=int, default=20, help="timing passes over all texts")
    args = parser.parse_args(argv)

    rows = load_labelled()
    train = [r for r in rows if r["split"] == "train"]
    test = [r for r in rows if r["split"] == "test"]
    classify("pemanasan")  # warm-up: builds the model so timing excludes training
    acc_train, _, _ = _evaluate(train)
    acc_test, per_cat, confusion = _evaluate(test)

    texts = [r["text"] for r in rows]
    start = time.perf_counter()
    for _ in range(args.repeat):
        for text in texts:
            classify(text)
    us_per_text = (time.perf_counter() - start) / max(len(texts) * args.repeat, 1) * 1e6

    short = {c: c[:6] for c in CATEGORIES}
    print("test confusion (rows = gold, columns = predicted)")
    print("gold\\pred".ljust(20) + "".join(short[c].rjust(8) for c in CATEGORIES))
    for gold in CATEGORIES:
        cells = "".join(str(confusion[(gold, pred)]).rjust(8) for pred in CATEGORIES)
        print(gold.ljust(20) + cells + f"   acc={per_cat.get(gold, 0.0):.3f}")
    if args.errors:
        for row in test:
            got = classify(row["text"])
            if got.category != row["category"]:
                print(f"MISS gold={row['category']} got={got.category} cues={got.cues}: {row['text']}")
    result = {
        "accuracy_test": round(acc_test, 4),
        "accuracy_train": round(acc_train, 4),
        "n_test": len(test),
        "n_train": len(train),
        "per_category_test": per_cat,
        "us_per_text": round(us_per_text, 1),
    }
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
