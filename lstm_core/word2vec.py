"""word2vec without a download: gensim trained on IMDB text cleaned like the classifier's.

The tutorial starts from the 1.6 GB GoogleNews vectors. Reviews themselves are
enough: the training split plus the 50,000 unlabelled reviews of ``train/unsup``
(when the full dataset is at hand) give vectors whose neighbours of "great" are
other praise words, in about half a minute on 2 cores.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from .config import DataConfig, PreprocessConfig
from .data import iter_unsup, load_dataset
from .embeddings import Vectors, load_vectors, save_npz
from .errors import DataError
from .corpus_cache import clean_corpus, default_cache_dir


@dataclass(frozen=True)
class Word2VecConfig:
    dim: int = 128  # matches ModelConfig.embedding_dim's default
    window: int = 5
    # Words seen fewer times get no vector: rare words' vectors are noise.
    min_count: int = 3
    epochs: int = 5
    sg: bool = False  # CBOW: several times faster than skip-gram for similar neighbours here
    seed: int = 1
    workers: int = 2  # the classroom laptop's cores

    def __post_init__(self) -> None:
        for name, lo, hi in (("dim", 2, 1024), ("window", 1, 50), ("min_count", 1, 1000),
                             ("epochs", 1, 100), ("seed", 0, 2**31 - 1), ("workers", 1, 64)):
            v = getattr(self, name)
            if not isinstance(v, int) or isinstance(v, bool) or not lo <= v <= hi:
                raise ValueError(f"word2vec.{name} must be an integer in [{lo}, {hi}], got {v!r}")


def train_word2vec(token_lists: Sequence[Sequence[str]], cfg: Word2VecConfig = Word2VecConfig(),
                   progress: Callable[[int, int], None] | None = None) -> Vectors:
    """Train on ``token_lists``; ``progress(epochs_done, epochs)`` after each epoch."""
    from gensim.models import Word2Vec
    from gensim.models.callbacks import CallbackAny2Vec

    sentences = [list(t) for t in token_lists if len(t) > 1]
    if not sentences:
        raise ValueError("word2vec needs at least one text of two or more words")

    class _Epochs(CallbackAny2Vec):
        def __init__(self):
            self.done = 0

        def on_epoch_end(self, model):
            self.done += 1
            if progress:
                progress(self.done, cfg.epochs)

    model = Word2Vec(sentences=sentences, vector_size=cfg.dim, window=cfg.window, min_count=cfg.min_count,
                     sg=int(cfg.sg), epochs=cfg.epochs, seed=cfg.seed, workers=cfg.workers,
                     callbacks=[_Epochs()])
    words = tuple(model.wv.index_to_key)  # most frequent first
    if not words:
        raise ValueError(f"no word occurs {cfg.min_count} times; lower word2vec.min_count")
    return Vectors(words, np.asarray(model.wv.vectors, dtype=np.float32), cfg.dim, len(words), "word2vec (trained)")


def train_word2vec_cached(token_lists: Sequence[Sequence[str]], cfg: Word2VecConfig = Word2VecConfig(),
                          cache_dir: str | Path | None = None,
                          progress: Callable[[int, int], None] | None = None) -> Vectors:
    """``train_word2vec`` cached on disk by texts + options (gensim with 1 worker is deterministic
    for a seed; with more it is not, so the cache is also what makes a session's vectors stable)."""
    h = hashlib.sha256(json.dumps(asdict(cfg), sort_keys=True).encode())
    for tokens in token_lists:
        h.update(" ".join(tokens).encode())
        h.update(b"\n")
    path = Path(cache_dir or default_cache_dir()) / f"word2vec-{h.hexdigest()[:20]}.npz"
    if path.is_file():
        try:
            return load_vectors(path)
        except ValueError:
            path.unlink(missing_ok=True)  # a damaged cache file is retrained
    vectors = train_word2vec(token_lists, cfg, progress)
    path.parent.mkdir(parents=True, exist_ok=True)
    save_npz(vectors, path, dtype="float32")
    return vectors


def corpus_tokens(source: str, preprocess=None, include_unsup: bool = True,
                  progress: Callable[[str, float], None] | None = None) -> list[list[str]]:
    """Cleaned training reviews of ``source`` (all of them, labels unused) plus, when the source
    has them (the full dataset does), the unlabelled reviews. Test reviews are never used."""

    preprocess = preprocess or PreprocessConfig()
    if progress:
        progress("reading reviews", 0.0)
    texts = list(load_dataset(DataConfig(source=source)).train.texts)
    if include_unsup:
        try:
            texts += list(iter_unsup(source))
        except DataError:
            pass  # the bundled sample has no unlabelled reviews
    step = (lambda done, total: progress("cleaning reviews", done / max(total, 1))) if progress else None
    return clean_corpus(texts, preprocess, progress=step)


def top_words(vectors: Vectors, max_words: int) -> Vectors:
    """The ``max_words`` most frequent words' rows (gensim orders words by frequency)."""
    n = min(max_words, len(vectors.words))
    return Vectors(vectors.words[:n], vectors.vectors[:n], vectors.dim, vectors.rows_in_file, vectors.source)
