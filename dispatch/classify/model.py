"""The classifier: lexicon cues and character/word n-gram TF-IDF into one linear model.

The weights are trained by `python -m dispatch.classify.train` on the train split of
data/corpus.jsonl and shipped as data/model.npz (numpy arrays only, no pickle). The
probabilities are temperature-calibrated on out-of-fold predictions, so `confidence`
means what it says; below the city's `classify.unsure_below` the result is `unsure`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from ..domain.calls import DEFAULT_UNSURE_BELOW
from ..domain.constants import CATEGORIES
from .features import STOPWORDS, Analysed, analyse, sublinear
from .lexicon import ANIMAL_THREAT, CUES, MAX_PHRASE, MILD, PERSON, SEVERE, STRUCTURE

DATA_DIR = Path(__file__).with_name("data")
CORPUS_PATH = DATA_DIR / "corpus.jsonl"
DATA_PATH = CORPUS_PATH
MODEL_PATH = DATA_DIR / "model.npz"

EMPTY_CUE = "teks kosong / empty text"
NO_CUE = "tidak ada tanda darurat / no emergency cue"

_NEGATORS = {"tidak", "bukan", "tanpa", "belum"}
_LEX_DIM = 2 * len(CATEGORIES) + 1
# a non-emergency answer is never "sure" next to an emergency cue this strong, or when the
# emergencies together hold this much probability
_STRONG_CUE = 2.5
_EMERGENCY_DOUBT = 0.2


@dataclass(frozen=True)
class Classification:
    """Result of classifying one incident description."""

    category: str
    emergency: bool
    priority: int
    confidence: float
    cues: list[str] = field(default_factory=list)
    unsure: bool = False
    alternatives: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready dict: category, emergency, priority, confidence, cues, unsure, alternatives."""
        return {
            "category": self.category,
            "emergency": self.emergency,
            "priority": self.priority,
            "confidence": self.confidence,
            "cues": list(self.cues),
            "unsure": self.unsure,
            "alternatives": [dict(a) for a in self.alternatives],
        }


@dataclass
class _Match:
    start: int
    end: int
    phrase: tuple[str, ...]
    category: str
    weight: float
    negated: bool


def load_labelled(path: Path | None = None) -> list[dict[str, str]]:
    """The labelled corpus: dicts with text, category, lang, group, source and split."""
    path = path or CORPUS_PATH
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _find_phrases(canon: Sequence[str], table: Any) -> list[tuple[int, int, tuple[str, ...]]]:
    # greedy longest match left to right; phrases are short so this is cheap
    found = []
    i, n = 0, len(canon)
    while i < n:
        for length in range(min(MAX_PHRASE, n - i), 0, -1):
            key = tuple(canon[i:i + length])
            if key in table:
                found.append((i, i + length, key))
                i += length
                break
        else:
            i += 1
    return found


def lexicon_matches(a: Analysed) -> list[_Match]:
    """Lexicon cue phrases in the text, each marked negated or not."""
    out = []
    canon = a.canon
    for start, end, phrase in _find_phrases(canon, CUES):
        category, weight = CUES[phrase]
        negated = phrase[0] not in _NEGATORS and a.negated[start]
        if phrase in {("ambruk",), ("jatuh",)}:
            before = set(canon[max(0, start - 2):start])
            near = set(canon[max(0, start - 3):end + 3])
            clause = set(canon[_clause_start(a, start):end + 3])
            if (before & PERSON or (near & PERSON and not near & STRUCTURE)
                    or (clause & PERSON and not clause & STRUCTURE)):
                # a person who collapses needs an ambulance, not BPBD
                category, weight = "medical", 2.5
        out.append(_Match(start, end, phrase, category, weight, negated))
    return out


def _clause_start(a: Analysed, i: int) -> int:
    while i > 0 and not a.clause_start[i]:
        i -= 1
    return i


def lexicon_vector(matches: Sequence[_Match]) -> np.ndarray:
    """Per category: the weight of its cues, of its negated cues, and a no-cue flag."""
    vec = np.zeros(_LEX_DIM)
    seen: set[tuple[tuple[str, ...], bool]] = set()
    for m in matches:
        # saying "motor" twice is not twice the evidence
        if (m.phrase, m.negated) in seen:
            continue
        seen.add((m.phrase, m.negated))
        k = CATEGORIES.index(m.category) + (len(CATEGORIES) if m.negated else 0)
        vec[k] += m.weight / 1.0
    vec[:-1] = np.minimum(vec[:-1], 6.0)
    vec[-1] = 0.0 if any(not m.negated for m in matches) else 1.0
    return vec


class Vectoriser:
    """Feature name -> column, IDF, and the per-block weighting shared by training and use."""

    def __init__(self, names: Sequence[str], idf: np.ndarray, char_weight: float,
                 word_weight: float) -> None:
        """Columns for `names` (word features start "w:", "b:", "n:", "f:"; the rest are chars)."""
        self.index = {n: i for i, n in enumerate(names)}
        self.names = list(names)
        self.idf = idf
        self.char_weight = char_weight
        self.word_weight = word_weight

    def sparse(self, a: Analysed) -> tuple[list[int], list[float]]:
        """Column indices and TF-IDF values (each block L2-normalised) for one text."""
        cols: list[int] = []
        vals: list[float] = []
        for counts, weight in ((a.chars, self.char_weight), (a.words, self.word_weight)):
            block_cols = []
            block_vals = []
            for name, count in counts.items():
                i = self.index.get(name)
                if i is not None:
                    block_cols.append(i)
                    block_vals.append(sublinear(count) * self.idf[i])
            norm = math.sqrt(sum(v * v for v in block_vals))
            if norm:
                cols.extend(block_cols)
                vals.extend(v * weight / norm for v in block_vals)
        return cols, vals


@dataclass
class _Model:
    vec: Vectoriser
    coef: np.ndarray        # features x classes
    lex_coef: np.ndarray    # lexicon dims x classes
    intercept: np.ndarray
    temperature: float
    corpus_sha: str


@lru_cache(maxsize=1)
def _model() -> _Model | None:
    if not MODEL_PATH.exists():
        return None
    z = np.load(MODEL_PATH, allow_pickle=False)
    names = str(z["names"]).split("\n")
    meta = json.loads(str(z["meta"]))
    vec = Vectoriser(names, z["idf"].astype(np.float64), meta["char_weight"],
                     meta["word_weight"])
    return _Model(vec, z["coef"].astype(np.float64), z["lex_coef"].astype(np.float64),
                  z["intercept"].astype(np.float64), float(meta["temperature"]),
                  meta["corpus_sha"])


def model_info() -> dict[str, Any]:
    """What the shipped model was trained on (corpus hash, size), for tests and the bench."""
    m = _model()
    if m is None:
        return {}
    return {"corpus_sha": m.corpus_sha, "features": len(m.vec.names),
            "temperature": m.temperature}


def scores(a: Analysed, lex: np.ndarray, m: _Model) -> np.ndarray:
    """Raw (uncalibrated) class scores of one analysed text."""
    cols, vals = m.vec.sparse(a)
    out = m.intercept + lex @ m.lex_coef
    if cols:
        out = out + np.asarray(vals) @ m.coef[cols]
    return out


def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max())
    return e / e.sum()


def _priority(category: str, canon: list[str], negated: list[bool]
              ) -> tuple[int, list[tuple[int, int]]]:
    if category == "non_emergency":
        return 4, []
    severe = [(s, e) for s, e, p in _find_phrases(canon, SEVERE)
              if p[0] in _NEGATORS or not negated[s]]
    if severe:
        return 1, severe
    mild = _find_phrases(canon, MILD)
    if mild:
        return 3, [(s, e) for s, e, _ in mild]
    if category == "animal_disturbance":
        threat = [(i, i + 1) for i, w in enumerate(canon) if w in ANIMAL_THREAT]
        return (2, threat) if threat else (3, [])
    return 2, []


def _cues(a: Analysed, matches: Sequence[_Match], category: str, sev: list[tuple[int, int]],
          m: _Model) -> list[str]:
    spans: list[tuple[int, int]] = []
    for match in sorted(matches, key=lambda x: (-x.weight, x.start)):
        if match.category == category and not match.negated:
            spans.append((match.start, match.end))
        elif category == "non_emergency" and match.negated:
            # "bukan kebakaran": the negation is the reason
            start = match.start
            while start > 0 and a.canon[start - 1] in _NEGATORS | {"ada"}:
                start -= 1
            spans.append((start, match.end))
    spans += sev
    cues: list[str] = []
    for s, e in spans:
        words = " ".join(a.surface[s:e])
        if words not in cues and words not in STOPWORDS:
            cues.append(words)
    if len(cues) < 2:
        # the model's own strongest words for the class, never a stop-word
        k = CATEGORIES.index(category)
        ranked = []
        for i, (surf, canon, neg) in enumerate(zip(a.surface, a.canon, a.negated, strict=True)):
            if neg or len(surf) < 3 or surf.isdigit() or surf in STOPWORDS or canon in STOPWORDS:
                continue
            col = m.vec.index.get("w:" + canon)
            if col is None:
                continue
            row = m.coef[col]
            margin = row[k] - max(row[j] for j in range(len(CATEGORIES)) if j != k)
            if margin > 0.3:
                ranked.append((-margin, i, surf))
        for _, _, surf in sorted(ranked)[:3]:
            if surf not in cues:
                cues.append(surf)
    return cues[:6]


def classify(text: str | None, unsure_below: float | None = None) -> Classification:
    """Classify one free-text incident description (unsure below the threshold)."""
    threshold = DEFAULT_UNSURE_BELOW if unsure_below is None else unsure_below
    a = analyse(text or "")
    if not a.surface:
        return Classification("non_emergency", False, 4, 0.0, [EMPTY_CUE], True)
    m = _model()
    if m is None:
        raise RuntimeError("classifier model missing: run python -m dispatch.classify.train")
    matches = lexicon_matches(a)
    known = bool(matches) or any(("w:" + c) in m.vec.index for c in a.canon)
    if not known:
        # nothing recognisable at all (garbage, markup, another language)
        return Classification("non_emergency", False, 4, 0.05, [NO_CUE], True)
    probs = _softmax(scores(a, lexicon_vector(matches), m) / m.temperature)
    order = np.argsort(-probs, kind="stable")
    category = CATEGORIES[int(order[0])]
    confidence = round(float(min(max(probs[order[0]], 0.01), 0.99)), 3)
    unsure = confidence < threshold
    if category == "non_emergency":
        strong = max((x.weight for x in matches
                      if not x.negated and x.category != "non_emergency"), default=0.0)
        if strong >= _STRONG_CUE or 1.0 - probs[order[0]] >= _EMERGENCY_DOUBT:
            # calling an emergency "not one" costs ten times a wrong category: when the text
            # names one (not negated) or the model gives it real weight, the operator decides
            unsure = True
            confidence = min(confidence, round(max(threshold - 0.01, 0.01), 3))
    priority, sev = _priority(category, a.canon, a.negated)
    cues = _cues(a, matches, category, sev, m) or [NO_CUE]
    alternatives = [{"category": CATEGORIES[int(i)], "confidence": round(float(probs[i]), 3)}
                    for i in order[1:3]]
    return Classification(category, category != "non_emergency", priority, confidence, cues,
                          unsure, alternatives)
