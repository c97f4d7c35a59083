"""Text normalisation for the classifier: surface tokens and canonical tokens."""

from __future__ import annotations

import html
import re
import unicodedata
from functools import lru_cache

from .lexicon import COMMON_WORDS, CUE_VOCAB, SYNONYMS

_TAG_RE = re.compile(r"<[^>]{0,200}>")
_TOKEN_RE = re.compile(r"[a-z0-9]+")
_REPEAT_RE = re.compile(r"(.)\1+")
# "anak2" is chat shorthand for the reduplicated "anak-anak"
_REDUP_RE = re.compile(r"^([a-z]{2,})2$")

_PREFIXES = ("meng", "meny", "mem", "men", "me", "peng", "pem", "pen", "per", "pe",
             "ber", "ter", "di", "ke", "se", "ng", "ny", "k")
_SUFFIXES = ("nya", "lah", "kah", "kan", "an", "i", "ne", "e", "ipun", "ku", "mu")


def squeeze(token: str) -> str:
    """Collapse repeated letters ("tolooong" -> "tolong"); lexicon keys are squeezed too."""
    return _REPEAT_RE.sub(r"\1", token)


def surface_tokens(text: str) -> list[str]:
    """Lowercased word tokens of the raw text, HTML and punctuation removed."""
    text = html.unescape(text)
    text = _TAG_RE.sub(" ", text)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    out = []
    for tok in _TOKEN_RE.findall(text):
        m = _REDUP_RE.match(tok)
        out.append(m.group(1) if m else tok)
    return out


def _known(token: str) -> str | None:
    if token in SYNONYMS:
        return SYNONYMS[token]
    if token in CUE_VOCAB or token in COMMON_WORDS:
        return token
    return None


def _affix_candidates(token: str) -> list[str]:
    # Indonesian/Javanese morphology is mostly prefix + stem + suffix; try cheap strips.
    cands: list[str] = []
    stems = [token]
    for suf in _SUFFIXES:
        if token.endswith(suf) and len(token) - len(suf) >= 3:
            stems.append(token[: -len(suf)])
    for stem in stems:
        cands.append(stem)
        for pre in _PREFIXES:
            if stem.startswith(pre) and len(stem) - len(pre) >= 3:
                cands.append(stem[len(pre):])
    return cands[1:]


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1:] for i in range(len(word))}


@lru_cache(maxsize=1)
def _fuzzy_index() -> dict[str, set[str]]:
    # SymSpell-style: every key and its one-letter deletions point back at the key,
    # so typos at edit distance 1 (and most transpositions) are found in O(len).
    index: dict[str, set[str]] = {}
    for key in set(SYNONYMS) | CUE_VOCAB:
        if len(key) < 5:
            continue
        for variant in _deletes(key) | {key}:
            index.setdefault(variant, set()).add(key)
    return index


def _fuzzy(token: str) -> str | None:
    if len(token) < 6 or token.isdigit():
        return None
    index = _fuzzy_index()
    hits: set[str] = set()
    for variant in _deletes(token) | {token}:
        hits |= index.get(variant, set())
    if not hits:
        return None
    # deterministic choice: the closest in length, then alphabetical
    best = min(hits, key=lambda k: (abs(len(k) - len(token)), k))
    return _known(best)


@lru_cache(maxsize=20000)
def canonical(token: str) -> str:
    """Map one surface token to its canonical form (slang, Javanese, English, typos)."""
    for form in (token, squeeze(token)):
        hit = _known(form)
        if hit is not None:
            return hit
    sq = squeeze(token)
    for cand in _affix_candidates(sq):
        hit = _known(cand)
        if hit is not None and (cand in SYNONYMS or cand in CUE_VOCAB):
            return hit
    hit = _fuzzy(sq)
    if hit is not None:
        return hit
    return sq
