"""Train the shipped classifier and router models (scikit-learn; deterministic).

    python -m dispatch.classify.train          # writes data/model.npz and data/router.npz

Incident model: character n-gram (2-5, over the canonical tokens) and word/bigram TF-IDF
plus the lexicon's per-category cue weights, into a multinomial logistic regression fitted
on the train split only. Calibration: one temperature fitted (by log-loss) to out-of-fold
scores of a 5-fold GroupKFold over the template groups, so a text's template twins never
calibrate it. The router model is the same recipe on complaints.jsonl, with the city pack's
OPD keyword lists as extra features.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from scipy import sparse
from scipy.optimize import minimize_scalar
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold

from ..domain.constants import CATEGORIES
from .features import Analysed, analyse
from .model import CORPUS_PATH, MODEL_PATH, Vectoriser, lexicon_matches, lexicon_vector

CHAR_WEIGHT = 1.0
WORD_WEIGHT = 1.0
C_INCIDENT = 8.0
MIN_DF = 2


def file_sha(path: Path) -> str:
    """SHA-256 of a data file, stored in the artefact to detect a stale model."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def build_vectoriser(docs: Sequence[Analysed], char_weight: float = CHAR_WEIGHT,
                     word_weight: float = WORD_WEIGHT) -> Vectoriser:
    """Vocabulary (document frequency >= MIN_DF) and smoothed IDF over the training texts."""
    df: Counter[str] = Counter()
    for a in docs:
        df.update(set(a.chars) | set(a.words))
    names = sorted(n for n, k in df.items() if k >= MIN_DF)
    n = len(docs)
    idf = np.array([math.log((1 + n) / (1 + df[name])) + 1.0 for name in names])
    return Vectoriser(names, idf, char_weight, word_weight)


def matrix(vec: Vectoriser, docs: Sequence[Analysed], dense: np.ndarray) -> sparse.csr_matrix:
    """Sparse TF-IDF block next to the dense extra features."""
    rows, cols, vals = [], [], []
    for r, a in enumerate(docs):
        c, v = vec.sparse(a)
        rows += [r] * len(c)
        cols += c
        vals += v
    tfidf = sparse.csr_matrix((vals, (rows, cols)), shape=(len(docs), len(vec.names)))
    return sparse.hstack([tfidf, sparse.csr_matrix(dense)]).tocsr()


def fit_lr(x: sparse.csr_matrix, y: np.ndarray, c: float) -> LogisticRegression:
    """A multinomial logistic regression, deterministic."""
    lr = LogisticRegression(C=c, max_iter=3000, tol=1e-6)
    lr.fit(x, y)
    return lr


def fit_temperature(logits: np.ndarray, y: np.ndarray) -> float:
    """The temperature minimising the log-loss of softmax(logits / T)."""
    def nll(t: float) -> float:
        z = logits / t
        z = z - z.max(axis=1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        return float(-logp[np.arange(len(y)), y].mean())
    return float(minimize_scalar(nll, bounds=(0.05, 20.0), method="bounded").x)


def train(texts: Sequence[str], labels: Sequence[int], groups: Sequence[str], n_classes: int,
          dense_of: Callable[[Analysed, str], np.ndarray], c: float
          ) -> tuple[Vectoriser, LogisticRegression, float, np.ndarray]:
    """Fit vectoriser and model on all rows; calibrate by out-of-fold temperature."""
    docs = [analyse(t) for t in texts]
    dense = np.array([dense_of(a, t) for a, t in zip(docs, texts, strict=True)])
    y = np.asarray(labels)
    oof = np.zeros((len(docs), n_classes))
    for tr, te in GroupKFold(n_splits=5).split(docs, y, groups):
        vec = build_vectoriser([docs[i] for i in tr])
        lr = fit_lr(matrix(vec, [docs[i] for i in tr], dense[tr]), y[tr], c)
        part = lr.decision_function(matrix(vec, [docs[i] for i in te], dense[te]))
        full = np.full((len(te), n_classes), -1e3)
        full[:, lr.classes_] = part
        oof[te] = full
    temperature = fit_temperature(oof, y)
    vec = build_vectoriser(docs)
    lr = fit_lr(matrix(vec, docs, dense), y, c)
    return vec, lr, temperature, oof


def save(path: Path, vec: Vectoriser, lr: LogisticRegression, n_dense: int, n_classes: int,
         meta: dict) -> None:
    """Write the weights as plain numpy arrays (no pickle)."""
    coef = np.zeros((n_classes, lr.coef_.shape[1]))
    coef[lr.classes_] = lr.coef_
    intercept = np.full(n_classes, -1e3)
    intercept[lr.classes_] = lr.intercept_
    n_sparse = len(vec.names)
    np.savez_compressed(
        path, names=np.array("\n".join(vec.names)), idf=vec.idf.astype(np.float32),
        coef=coef[:, :n_sparse].T.astype(np.float32),
        lex_coef=coef[:, n_sparse:n_sparse + n_dense].T.astype(np.float32),
        intercept=intercept.astype(np.float32),
        meta=np.array(json.dumps({**meta, "char_weight": vec.char_weight,
                                  "word_weight": vec.word_weight})),
    )


def _incident_dense(a: Analysed, _text: str) -> np.ndarray:
    return lexicon_vector(lexicon_matches(a))


def _dev_report(rows: list[dict], pred: list[str], key: str) -> None:
    # out-of-fold figures on the TRAIN split: what tuning looks at (never the test split)
    by: dict[str, list[int]] = {}
    for r, p in zip(rows, pred, strict=True):
        ok = int(r[key] == p)
        by.setdefault("all", []).append(ok)
        by.setdefault(r[key], []).append(ok)
        by.setdefault(r.get("lang", "?"), []).append(ok)
    for k, v in by.items():
        print(f"dev {k:20s} {sum(v) / len(v):.3f} n={len(v)}")
    for r, p in zip(rows, pred, strict=True):
        if r[key] != p:
            print(f"DEV MISS {r[key]} -> {p}: {r['text']}")


def train_incidents(dev: bool = False) -> dict:
    """Train and save the incident model; return its figures."""
    rows = [json.loads(line) for line in CORPUS_PATH.read_text(encoding="utf-8").splitlines()
            if line.strip()]
    rows = [r for r in rows if r["split"] == "train"]
    labels = [CATEGORIES.index(r["category"]) for r in rows]
    vec, lr, temperature, oof = train([r["text"] for r in rows], labels,
                                      [r["group"] for r in rows], len(CATEGORIES),
                                      _incident_dense, C_INCIDENT)
    if dev:
        _dev_report(rows, [CATEGORIES[i] for i in oof.argmax(axis=1)], "category")
    n_dense = len(_incident_dense(analyse("x"), "x"))
    save(MODEL_PATH, vec, lr, n_dense, len(CATEGORIES),
         {"temperature": temperature, "corpus_sha": file_sha(CORPUS_PATH),
          "classes": list(CATEGORIES)})
    return {"incident_rows": len(rows), "incident_features": len(vec.names),
            "incident_temperature": round(temperature, 3)}


def main() -> None:
    """Train both models and print their sizes."""
    import sys
    out = train_incidents(dev="--dev" in sys.argv)
    from .router import train_router
    out.update(train_router(dev="--dev" in sys.argv))
    print(json.dumps(out))


if __name__ == "__main__":
    main()
