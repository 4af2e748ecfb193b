"""The words as points: which row a typed word has, where words sit before and after training, and
whether a word leans positive — what the Compare page's neighbours and word maps are made of.

No training here: :mod:`lstm_core.compare` trains the models and hands their embeddings over.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .errors import DataError
from .preprocessing import Cleaner
from .vocabulary import OOV_TOKEN, PAD_TOKEN, Vocabulary

# Sentiment words (as cleaning stores them: verbs are lemmatized, "boring" is "bore") and a few
# neutral film words for the map.
POSITIVE_WORDS = ("great", "excellent", "wonderful", "best", "love", "perfect", "brilliant", "enjoy",
                  "superb", "fantastic", "amaze", "beautiful")
NEGATIVE_WORDS = ("bad", "awful", "terrible", "worst", "bore", "waste", "poor", "horrible", "stupid",
                  "dull", "disappoint", "mess")
NEUTRAL_WORDS = ("movie", "film", "actor", "plot", "story", "scene", "character", "director", "music",
                 "time")
DEFAULT_MAP_WORDS = POSITIVE_WORDS + NEGATIVE_WORDS + NEUTRAL_WORDS
# A word is drawn as positive (negative) when at least this share of its training occurrences are
# in positive (negative) reviews.
POLARITY_SHARE = 0.6
MAP_METHODS = ("pca", "tsne")


def row_words(vocab: Vocabulary) -> list[str]:
    """The word of every embedding row (0 padding, 1 out-of-vocabulary)."""
    return [PAD_TOKEN, OOV_TOKEN, *vocab.words_]


def vocabulary_word(word: str, vocab: Vocabulary, preprocess: Any) -> str:
    """The vocabulary's form of a typed word (cleaned as in training: "Boring" → "bore"), or a
    :class:`DataError` saying why it has no row."""
    typed = str(word).strip()
    if not typed:
        raise DataError.keyed("embeddings.errors.no_word")
    if len(typed.split()) > 1:
        raise DataError.keyed("embeddings.errors.several_words", typed=typed)
    if typed in vocab:
        return typed
    cleaner = Cleaner(preprocess)
    tokens = cleaner.clean(typed)
    if not tokens:
        if not cleaner.long_enough(typed):
            raise DataError.keyed("embeddings.errors.too_short", typed=typed, letters=preprocess.min_word_len)
        if cleaner.is_stopword(cleaner.normalise(typed)):
            raise DataError.keyed("embeddings.errors.stopword", typed=typed)
        raise DataError.keyed("embeddings.errors.no_letters", typed=typed)
    token = tokens[0]
    if token in vocab:
        return token
    known = len(vocab.words_)
    if token != typed:
        raise DataError.keyed("embeddings.errors.unknown_cleaned", typed=typed, token=token, known=known)
    raise DataError.keyed("embeddings.errors.unknown", typed=typed, known=known)


@dataclass(frozen=True)
class WordMap:
    """2-D positions of some words before and after training, in one shared projection."""

    words: tuple[str, ...]
    before: np.ndarray  # (n, 2)
    after: np.ndarray  # (n, 2)
    polarity: tuple[float, ...]  # share of each word's training occurrences in positive reviews
    method: str  # "pca" or "tsne"
    missing: tuple[str, ...] = ()  # asked for but not in the vocabulary

    @property
    def moved(self) -> np.ndarray:
        """How far each word moved in the map (0 for a frozen embedding)."""
        return np.linalg.norm(self.after - self.before, axis=1)  # (n,)


def project(before: np.ndarray, after: np.ndarray, method: str = "pca",
            seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Project the rows of ``before`` and ``after`` (n, E) into one 2-D space: PCA, or seeded t-SNE,
    fitted on both together so that arrows from before to after mean something."""
    if method not in MAP_METHODS:
        raise ValueError(f"method must be one of {', '.join(MAP_METHODS)}, got {method!r}")
    before, after = np.asarray(before, np.float64), np.asarray(after, np.float64)
    n = len(before)
    if n < 3 or before.shape != after.shape:
        raise DataError.keyed("embeddings.errors.map_too_few", n=n)
    both = np.concatenate([before, after])  # (2n, E)
    if method == "pca":
        from sklearn.decomposition import PCA

        xy = PCA(n_components=2, random_state=seed).fit_transform(both)
    else:
        from sklearn.manifold import TSNE

        perplexity = float(min(30.0, max(2.0, (len(both) - 1) / 3)))
        # "exact" is quicker than Barnes-Hut below a few hundred points, and single-threaded
        method_ = "exact" if len(both) <= 600 else "barnes_hut"
        xy = TSNE(n_components=2, perplexity=perplexity, init="pca", random_state=seed, max_iter=1000,
                  method=method_).fit_transform(both)
    return xy[:n], xy[n:]


def word_polarity(token_lists: Sequence[Sequence[str]], labels: Sequence[int], vocab: Vocabulary) -> np.ndarray:
    """(V,) for every embedding row: the share of the word's training occurrences that are in
    positive reviews, smoothed towards 0.5 ((pos + 1) / (all + 2))."""
    pos = np.zeros(vocab.size, dtype=np.float64)
    total = np.zeros(vocab.size, dtype=np.float64)
    for tokens, label in zip(token_lists, labels):
        ids = np.asarray(vocab.encode(tokens), dtype=np.int64)
        np.add.at(total, ids, 1.0)
        if label:
            np.add.at(pos, ids, 1.0)
    return (pos + 1.0) / (total + 2.0)


def polarity_class(share: float, threshold: float = POLARITY_SHARE) -> str:
    """"positive", "negative" or "neutral" for a word's share of positive occurrences."""
    return "positive" if share >= threshold else "negative" if share <= 1 - threshold else "neutral"
