"""The earlier classifier (lexicon rules plus a Naive Bayes): the baseline `bench classify` compares against."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..domain.constants import CATEGORIES, EMERGENCY_CATEGORIES
from .bayes import NaiveBayes
from .lexicon import (
    ANIMAL_THREAT,
    CUES,
    MAX_PHRASE,
    MILD,
    NEGATORS,
    PERSON,
    SEVERE,
    STRUCTURE,
)
from .normalize import canonical, surface_tokens

DATA_PATH = Path(__file__).with_name("data") / "labelled.jsonl"

EMPTY_CUE = "teks kosong / empty text"
NO_CUE = "tidak ada tanda darurat / no emergency cue"

# how strongly one lexicon weight point moves the log-odds, relative to NB
_LEX_SCALE = 1.6
_NB_SCALE = 1.0
# a matched emergency cue at least this strong is never overruled by the NB
_STRONG = 2.5


@dataclass(frozen=True)
class Classification:
    """Result of classifying one incident description."""

    category: str
    emergency: bool
    priority: int
    confidence: float
    cues: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready dict with category, emergency, priority, confidence and cues."""
        return {
            "category": self.category,
            "emergency": self.emergency,
            "priority": self.priority,
            "confidence": self.confidence,
            "cues": list(self.cues),
        }


@dataclass
class _Match:
    start: int
    end: int
    phrase: tuple[str, ...]
    category: str
    weight: float


def load_labelled(path: Path | None = None) -> list[dict[str, str]]:
    """The shipped labelled examples: dicts with text, category and split."""
    path = path or DATA_PATH
    if not path.exists():
        return []
    rows = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            line = line.strip()
            if line:
                rows.append(json.loads(line))
    return rows


@lru_cache(maxsize=1)
def _model() -> NaiveBayes | None:
    # trained on the TRAIN split only, so the test split stays an honest measurement
    rows = [r for r in load_labelled() if r.get("split") == "train"]
    if not rows:
        return None
    nb = NaiveBayes()
    nb.fit(((_canon(r["text"])[1], r["category"]) for r in rows), CATEGORIES)
    return nb


def _canon(text: str) -> tuple[list[str], list[str]]:
    surf = surface_tokens(text)
    return surf, [canonical(t) for t in surf]


def _find_phrases(
    canon: list[str], table: dict[tuple[str, ...], Any] | set[tuple[str, ...]]
) -> list[tuple[int, int, tuple[str, ...]]]:
    # greedy longest match left to right; phrases are short so this is cheap
    found = []
    i = 0
    n = len(canon)
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


def _negated(canon: list[str], start: int, phrase: tuple[str, ...]) -> bool:
    if phrase[0] in NEGATORS:
        return False
    window = canon[max(0, start - 2):start]
    return any(w in NEGATORS for w in window)


def _lexicon_matches(canon: list[str]) -> list[_Match]:
    out = []
    for start, end, phrase in _find_phrases(canon, CUES):
        if _negated(canon, start, phrase):
            continue
        category, weight = CUES[phrase]
        if phrase in {("ambruk",), ("jatuh",)}:
            before = set(canon[max(0, start - 2):start])
            near = set(canon[max(0, start - 3):end + 3])
            if before & PERSON or (near & PERSON and not near & STRUCTURE):
                # a person who collapses needs an ambulance, not BPBD
                category, weight = "medical", 2.5
        out.append(_Match(start, end, phrase, category, weight))
    return out


def _softmax(scores: dict[str, float]) -> dict[str, float]:
    top = max(scores.values())
    exps = {c: math.exp(s - top) for c, s in scores.items()}
    total = sum(exps.values())
    return {c: e / total for c, e in exps.items()}


def _priority(category: str, canon: list[str]) -> tuple[int, list[tuple[int, int]]]:
    if category == "non_emergency":
        return 4, []
    severe = [(s, e) for s, e, p in _find_phrases(canon, SEVERE) if not _negated(canon, s, p)]
    if severe:
        return 1, severe
    mild = _find_phrases(canon, MILD)
    if mild:
        return 3, [(s, e) for s, e, _ in mild]
    if category == "animal_disturbance":
        threat = [(i, i + 1) for i, w in enumerate(canon) if w in ANIMAL_THREAT]
        return (2, threat) if threat else (3, [])
    return 2, []


def classify(text: str | None) -> Classification:
    """Classify one free-text incident description."""
    surf, canon = _canon(text or "")
    if not surf:
        return Classification("non_emergency", False, 4, 0.0, [EMPTY_CUE])

    matches = _lexicon_matches(canon)
    lex = dict.fromkeys(CATEGORIES, 0.0)
    seen: set[tuple[tuple[str, ...], str]] = set()
    for m in matches:
        # saying "motor" twice is not twice the evidence
        if (m.phrase, m.category) not in seen:
            seen.add((m.phrase, m.category))
            lex[m.category] += m.weight

    top_other = max(
        (m.weight for m in matches if m.category not in {"medical", "non_emergency"}), default=0.0
    )
    if top_other >= _STRONG:
        # a crash/fire/brawl with an injured or unconscious person is still that incident;
        # the medical words then only raise the priority
        lex["medical"] *= 0.3

    nb = _model()
    nb_scores = nb.log_scores(canon) if nb else dict.fromkeys(CATEGORIES, 0.0)
    logits = {c: _LEX_SCALE * lex[c] + _NB_SCALE * nb_scores[c] for c in CATEGORIES}
    probs = _softmax(logits)
    category = max(CATEGORIES, key=lambda c: (probs[c], -CATEGORIES.index(c)))

    best_emergency = max(EMERGENCY_CATEGORIES, key=lambda c: (lex[c], probs[c]))
    strongest = max((m.weight for m in matches if m.category == best_emergency), default=0.0)
    if (
        category == "non_emergency"
        and strongest >= _STRONG
        and lex[best_emergency] >= lex["non_emergency"]
    ):
        # callers in an emergency are terse: a clear emergency cue beats small talk
        category = best_emergency
    elif lex[category] == 0 and any(lex.values()):
        # never answer with a category the text has no word for when another has one
        category = max(CATEGORIES, key=lambda c: (lex[c], probs[c]))

    if not matches and nb is not None and not any(("w:" + c) in nb.vocab for c in canon):
        # nothing recognisable at all (garbage, markup, another language)
        return Classification("non_emergency", False, 4, 0.05, [NO_CUE])

    confidence = probs[category]
    if not matches:
        # the NB alone is a guess from a few hundred examples; say so
        confidence *= 0.6
    confidence = round(min(max(confidence, 0.01), 0.99), 3)

    priority, sev_spans = _priority(category, canon)
    cue_spans = sorted(
        (m for m in matches if m.category == category), key=lambda m: (-m.weight, m.start)
    )
    cues: list[str] = []
    for span in [(m.start, m.end) for m in cue_spans] + sev_spans:
        words = " ".join(surf[span[0]:span[1]])
        if words not in cues:
            cues.append(words)
    if not cues:
        cues = _nb_cues(surf, canon, category, nb) or [NO_CUE]
    return Classification(
        category, category != "non_emergency", priority, confidence, cues[:6]
    )


def _nb_cues(
    surf: list[str], canon: list[str], category: str, nb: NaiveBayes | None
) -> list[str]:
    # the words whose NB evidence most favours the chosen class
    if nb is None:
        return []
    ranked = []
    for s, c in zip(surf, canon, strict=True):
        key = "w:" + c
        probs = nb.log_prob[category]
        if key not in probs:
            continue
        others = max(nb.log_prob[o].get(key, nb.log_unseen[o]) for o in CATEGORIES if o != category)
        ranked.append((probs[key] - others, s))
    ranked.sort(key=lambda t: -t[0])
    return [s for margin, s in ranked[:3] if margin > 0]
