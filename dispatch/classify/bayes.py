"""A small multinomial Naive Bayes over canonical words, word bigrams and character n-grams."""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np

# character n-grams catch typos and affixes the lexicon misses; they are many, so
# each counts less than a whole word
_CHAR_WEIGHT = 0.25
_BIGRAM_WEIGHT = 0.7


def features(tokens: Sequence[str]) -> Counter[str]:
    """Weighted feature counts for one text's canonical tokens."""
    feats: Counter[str] = Counter()
    for tok in tokens:
        feats["w:" + tok] += 1.0
        padded = f"<{tok}>"
        for n in (3, 4):
            for i in range(len(padded) - n + 1):
                feats["c:" + padded[i:i + n]] += _CHAR_WEIGHT
    for a, b in itertools.pairwise(tokens):
        feats[f"b:{a}_{b}"] += _BIGRAM_WEIGHT
    return feats


class NaiveBayes:
    """Multinomial NB with Laplace smoothing; trained once, then read-only."""

    def __init__(self, alpha: float = 0.3) -> None:
        """Create an untrained model with smoothing `alpha`."""
        self.alpha = alpha
        self.classes: tuple[str, ...] = ()
        self.log_prior: dict[str, float] = {}
        self.log_prob: dict[str, dict[str, float]] = {}
        self.log_unseen: dict[str, float] = {}
        self.vocab: set[str] = set()
        # Feature -> row of a (features x classes) matrix of log probabilities: scoring is
        # one gather and one dot product instead of a dict lookup per feature and class.
        self._row: dict[str, int] = {}
        self._table = np.zeros((0, 0))
        self._prior = np.zeros(0)

    def fit(self, samples: Iterable[tuple[Sequence[str], str]], classes: Sequence[str]) -> None:
        """Train on (canonical tokens, label) pairs."""
        self.classes = tuple(classes)
        counts: dict[str, Counter[str]] = {c: Counter() for c in self.classes}
        docs: Counter[str] = Counter()
        for tokens, label in samples:
            counts[label].update(features(tokens))
            docs[label] += 1
        vocab = set().union(*counts.values()) if counts else set()
        v = max(len(vocab), 1)
        n_docs = sum(docs.values()) or 1
        for c in self.classes:
            total = sum(counts[c].values())
            denom = total + self.alpha * v
            # uniform-ish prior: the shipped data is not the real call mix
            self.log_prior[c] = math.log((docs[c] + 1) / (n_docs + len(self.classes))) * 0.2
            self.log_unseen[c] = math.log(self.alpha / denom)
            self.log_prob[c] = {f: math.log((k + self.alpha) / denom) for f, k in counts[c].items()}
        self.vocab = vocab
        ordered = sorted(vocab)
        self._row = {f: i for i, f in enumerate(ordered)}
        self._table = np.array(
            [[self.log_prob[c].get(f, self.log_unseen[c]) for c in self.classes] for f in ordered],
            dtype=np.float64,
        ).reshape(len(ordered), len(self.classes))
        self._prior = np.array([self.log_prior[c] for c in self.classes], dtype=np.float64)

    def log_scores(self, tokens: Sequence[str]) -> dict[str, float]:
        """Per-class log scores, length-normalised so one long text is not over-confident."""
        row = self._row
        rows: list[int] = []
        weights: list[float] = []
        for f, k in features(tokens).items():
            i = row.get(f)
            if i is not None:
                rows.append(i)
                weights.append(k)
        mass = sum(weights)
        if not mass:
            return dict(zip(self.classes, self._prior.tolist(), strict=True))
        ll = np.asarray(weights) @ self._table[rows]
        # divide by sqrt(mass): NB's independence assumption overcounts evidence
        scores = self._prior + ll / math.sqrt(mass)
        return dict(zip(self.classes, scores.tolist(), strict=True))
