"""The same-split reference: TF-IDF features and logistic regression.

It is what a bag of words reaches on exactly the reviews the LSTM sees, so the
Train page can draw it as a line the LSTM has to beat.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from .evaluation import Metrics, classification_metrics


@dataclass(frozen=True)
class BaselineResult:
    metrics: Metrics
    seconds: float
    features: int


def tfidf_baseline(train_tokens: Sequence[Sequence[str]], y_train, test_tokens: Sequence[Sequence[str]],
                   y_test, *, ngram_max: int = 2, C: float = 4.0, seed: int = 0) -> BaselineResult:
    """Fit on the cleaned training tokens, score the cleaned test tokens.

    Unigrams + bigrams with sublinear TF (C=4 chosen on the bundled split's
    validation part; the figure is stable within ±0.5 points for C in 2..8).
    """
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    t0 = time.perf_counter()
    vec = TfidfVectorizer(analyzer=lambda tokens: _ngrams(tokens, ngram_max), sublinear_tf=True,
                          min_df=2)
    x_train = vec.fit_transform(train_tokens)
    clf = LogisticRegression(C=C, max_iter=2000, random_state=seed)
    clf.fit(x_train, np.asarray(y_train))
    p = clf.predict_proba(vec.transform(test_tokens))[:, 1]
    return BaselineResult(classification_metrics(y_test, p), time.perf_counter() - t0,
                          len(vec.vocabulary_))


def _ngrams(tokens: Sequence[str], n_max: int) -> list[str]:
    out = list(tokens)
    for n in range(2, n_max + 1):
        out.extend(" ".join(tokens[i:i + n]) for i in range(len(tokens) - n + 1))
    return out
