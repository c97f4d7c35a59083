"""Complaint routing to an OPD by a model trained on data/complaints.jsonl.

The same n-gram TF-IDF recipe as the incident model, plus one feature per OPD: how many of
the city pack's keywords for that OPD the text contains. Trained by
`python -m dispatch.classify.train` into data/router.npz. A city pack whose OPD codes the
model does not know falls back to the keyword rule (dispatch.domain.complaints.route).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from ..domain.complaints import OpdLike, normalize
from .features import STOPWORDS, Analysed, analyse
from .model import DATA_DIR, Vectoriser
from .normalize import canonical, surface_tokens

COMPLAINTS_PATH = DATA_DIR / "complaints.jsonl"
ROUTER_PATH = DATA_DIR / "router.npz"
PACK_OPDS = Path(__file__).parents[1] / "citypacks" / "kediri" / "opds.json"
# below this calibrated confidence a complaint is "truly unclear": the coordinator decides
ROUTE_MIN_CONFIDENCE = 0.3


@dataclass(frozen=True)
class OpdGuess:
    """The router's answer for one complaint text."""

    opd_code: str
    confidence: float
    cues: tuple[str, ...]


def load_complaints(path: Path | None = None) -> list[dict[str, str]]:
    """The labelled complaint texts: dicts with text, opd, lang, group and split."""
    path = path or COMPLAINTS_PATH
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


@lru_cache(maxsize=4096)
def _keyword_forms(keyword: str) -> tuple[str, str]:
    # as written, and in canonical words: "lampu jalan" also meets "street light"
    canon = " ".join(canonical(t) for t in surface_tokens(keyword))
    return normalize(keyword), f" {canon} "


def keyword_vector(text: str, keywords: Sequence[Sequence[str]],
                   canon: Sequence[str] | None = None) -> np.ndarray:
    """Per OPD: how many of its keywords the text contains, raw or canonical (capped at 2)."""
    norm = normalize(text)
    if canon is None:
        canon = [canonical(t) for t in surface_tokens(text)]
    canon_text = f" {' '.join(canon)} "
    out = np.zeros(len(keywords))
    for i, words in enumerate(keywords):
        hits = 0
        for k in words:
            if not k.strip():
                continue
            raw, can = _keyword_forms(k)
            hits += raw in norm or (can.strip() != "" and can in canon_text)
        out[i] = min(hits, 2)
    return out


@dataclass
class _Router:
    vec: Vectoriser
    coef: np.ndarray
    kw_coef: np.ndarray
    intercept: np.ndarray
    temperature: float
    classes: list[str]
    corpus_sha: str


@lru_cache(maxsize=1)
def _router() -> _Router | None:
    if not ROUTER_PATH.exists():
        return None
    z = np.load(ROUTER_PATH, allow_pickle=False)
    meta = json.loads(str(z["meta"]))
    vec = Vectoriser(str(z["names"]).split("\n"), z["idf"].astype(np.float64),
                     meta["char_weight"], meta["word_weight"])
    return _Router(vec, z["coef"].astype(np.float64), z["lex_coef"].astype(np.float64),
                   z["intercept"].astype(np.float64), float(meta["temperature"]),
                   list(meta["classes"]), meta["corpus_sha"])


def router_info() -> dict[str, Any]:
    """What the shipped router was trained on."""
    r = _router()
    return {} if r is None else {"corpus_sha": r.corpus_sha, "classes": r.classes}


def _keywords_in_model_order(opds: Sequence[OpdLike], classes: Sequence[str]
                             ) -> list[tuple[str, ...]] | None:
    by_code = {o.code: tuple(o.keywords) for o in opds}
    if not set(classes) <= set(by_code):
        return None
    return [by_code[c] for c in classes]


def _probs(a: Analysed, kw: np.ndarray, r: _Router) -> np.ndarray:
    cols, vals = r.vec.sparse(a)
    z = r.intercept + kw @ r.kw_coef
    if cols:
        z = z + np.asarray(vals) @ r.coef[cols]
    z = z / r.temperature
    e = np.exp(z - z.max())
    return e / e.sum()


def guess_opd(text: str, opds: Sequence[OpdLike]) -> OpdGuess | None:
    """The most likely OPD with its calibrated confidence, or None (no model for this pack)."""
    r = _router()
    if r is None:
        return None
    keywords = _keywords_in_model_order(opds, r.classes)
    if keywords is None:
        return None
    a = analyse(text or "")
    if not a.surface:
        return None
    probs = _probs(a, keyword_vector(text, keywords, a.canon), r)
    k = int(np.argmax(probs))
    code = r.classes[k]
    cues: list[str] = [kw for kw in keywords[k] if kw.strip() and normalize(kw) in normalize(text)]
    if not cues:
        ranked = []
        for surf, canon in zip(a.surface, a.canon, strict=True):
            col = r.vec.index.get("w:" + canon)
            if col is None or surf in STOPWORDS or len(surf) < 3 or surf.isdigit():
                continue
            row = r.coef[col]
            ranked.append((row[k] - max(row[j] for j in range(len(row)) if j != k), surf))
        cues = [s for m, s in sorted(ranked, reverse=True)[:3] if m > 0.3]
    return OpdGuess(code, round(float(probs[k]), 3), tuple(dict.fromkeys(cues))[:4])


def pack_opds() -> list[Any]:
    """The Kota Kediri pack's OPDs (what the router is trained against)."""
    from types import SimpleNamespace
    items = json.loads(PACK_OPDS.read_text(encoding="utf-8"))
    return [SimpleNamespace(code=o["code"], name=o["name"], categories=tuple(o["categories"]),
                            keywords=tuple(o.get("keywords", [])),
                            coordinator=bool(o.get("coordinator"))) for o in items]


def train_router(dev: bool = False) -> dict:
    """Train and save the router on the train split of complaints.jsonl."""
    from .train import file_sha, save, train
    rows = [r for r in load_complaints() if r["split"] == "train"]
    opds = pack_opds()
    classes = [o.code for o in opds]
    keywords = [tuple(o.keywords) for o in opds]
    labels = [classes.index(r["opd"]) for r in rows]
    vec, lr, temperature, oof = train(
        [r["text"] for r in rows], labels, [r["group"] for r in rows], len(classes),
        lambda a, text: keyword_vector(text, keywords, a.canon), 8.0)
    if dev:
        from .train import _dev_report
        _dev_report(rows, [classes[i] for i in oof.argmax(axis=1)], "opd")
    save(ROUTER_PATH, vec, lr, len(classes), len(classes),
         {"temperature": temperature, "corpus_sha": file_sha(COMPLAINTS_PATH),
          "classes": classes})
    return {"router_rows": len(rows), "router_features": len(vec.names),
            "router_temperature": round(temperature, 3)}
