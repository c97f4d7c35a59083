"""Features for the statistical classifier: negation scopes, word and character n-grams.

Pure Python (the same code builds the training matrix and scores one text at a time), so
the shipped model needs numpy only at run time.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache

from .normalize import canonical, surface_tokens

# a clause ends at punctuation or at a contrast: "bukan kebakaran, cuma bakar sampah"
_CLAUSE_RE = re.compile(r"[,.;:!?\n()\[\]]+|\b(?:tapi|tetapi|namun|but|cuma|hanya|mung|only|just)\b")
_CONTRAST = {"tapi", "tetapi", "namun", "but", "cuma", "hanya", "mung", "only", "just", "pas"}
# canonical negators (normalize maps gak/nggak/ora/not/dont -> tidak, dudu -> bukan, ...)
NEGATORS = {"tidak", "bukan", "tanpa", "belum", "never", "no", "tak", "ndak", "mboten", "sanes"}
NEG_SCOPE = 3
# "tiba-tiba" is "suddenly", not the Javanese "tiba" (to fall)
_SUDDENLY_RE = re.compile(r"\btiba[\s-]*(?:tiba|2)\b", re.IGNORECASE)

# words never shown to an operator as a reason, in any language the callers use
STOPWORDS = frozenset(["saya", "aku", "sy", "aq", "gw", "gue", "kami", "kita", "kamu", "anda", "dia", "mereka", "ini", "itu", "tersebut", "yang", "yg", "di", "ke", "dari", "dan", "atau", "dengan", "dgn", "untuk", "buat", "pada", "oleh", "ada", "adalah", "akan", "sudah", "udah", "udh", "sdh", "telah", "lagi", "masih", "juga", "jg", "pak", "bu", "bapak", "ibu", "mas", "mbak", "min", "kak", "om", "tante", "dong", "deh", "sih", "ya", "yah", "nih", "tuh", "kok", "tolong", "tlg", "mohon", "minta", "segera", "cepat", "cepet", "cepetan", "sekarang", "skrg", "tadi", "barusan", "baru", "saja", "aja", "banget", "bgt", "sangat", "sekali", "sini", "situ", "sana", "mana", "apa", "kenapa", "gimana", "bagaimana", "kapan", "berapa", "the", "a", "an", "my", "our", "your", "his", "her", "their", "its", "me", "we", "you", "he", "she", "they", "it", "this", "that", "these", "those", "at", "in", "on", "of", "to", "for", "from", "with", "and", "or", "is", "are", "was", "were", "be", "been", "am", "do", "does", "did", "have", "has", "had", "not", "no", "please", "hi", "hello", "just", "now", "here", "there", "near", "behind", "front", "some", "any", "very", "so", "iki", "kuwi", "iku", "neng", "ning", "karo", "lan", "sing", "ana", "ono", "wis", "wes", "arep", "mau", "kula", "panjenengan", "niki", "wonten", "ingkang", "kaliyan", "sampun", "badhe", "nuwun", "sewu", "ngapunten", "engkok", "bada", "e", "se", "ben", "bik", "pakai", "pake", "pakek", "using", "ngagem", "nganggo"])


@dataclass
class Analysed:
    """One text broken down for the classifier."""

    surface: list[str]
    canon: list[str]
    negated: list[bool]
    clause_start: list[bool]
    contrast: bool = False
    words: Counter[str] = field(default_factory=Counter)
    chars: Counter[str] = field(default_factory=Counter)


def analyse(text: str) -> Analysed:
    """Tokens, canonical forms, negation scopes and the n-gram counts of one text."""
    text = _SUDDENLY_RE.sub("mendadak", text)
    surface: list[str] = []
    canon: list[str] = []
    negated: list[bool] = []
    starts: list[bool] = []
    contrast = False
    pos = 0
    pieces: list[str] = []
    for m in _CLAUSE_RE.finditer(text):
        pieces.append(text[pos:m.start()])
        if m.group(0).strip().isalpha():
            pieces.append(m.group(0))  # keep the contrast word itself, as its own clause
        pos = m.end()
    pieces.append(text[pos:])
    for piece in pieces:
        toks = surface_tokens(piece)
        scope = 0
        for i, tok in enumerate(toks):
            c = canonical(tok)
            surface.append(tok)
            canon.append(c)
            starts.append(i == 0)
            if c in _CONTRAST:
                contrast = True
            if c in NEGATORS:
                negated.append(False)
                scope = NEG_SCOPE
            else:
                negated.append(scope > 0)
                scope = max(scope - 1, 0)
    a = Analysed(surface, canon, negated, starts, contrast)
    a.words, a.chars = _ngrams(a)
    return a


def _ngrams(a: Analysed) -> tuple[Counter[str], Counter[str]]:
    words: Counter[str] = Counter()
    chars: Counter[str] = Counter()
    prev: str | None = None
    for c, neg, start in zip(a.canon, a.negated, a.clause_start, strict=True):
        if start:
            prev = None
        if neg:
            # "bukan kebakaran" is evidence against fire, not for it
            words["n:" + c] += 1
            prev = "n:" + c
            continue
        words["w:" + c] += 1
        if prev is not None:
            words[f"b:{prev}_{c}"] += 1
        prev = c
        chars.update(_char_grams(c))
    if a.contrast:
        words["f:contrast"] += 1
    if any(a.negated):
        words["f:negation"] += 1
    return words, chars


@lru_cache(maxsize=50000)
def _char_grams(token: str) -> tuple[str, ...]:
    padded = f" {token} "
    out = []
    for n in (2, 3, 4, 5):
        for i in range(len(padded) - n + 1):
            out.append(padded[i:i + n])
    return tuple(out)


def sublinear(count: float) -> float:
    """TF damping: the tenth "tolong" adds little."""
    return 1.0 + math.log(count) if count > 0 else 0.0
