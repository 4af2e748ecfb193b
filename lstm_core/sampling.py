"""Seeded, stratified selection of rows: the one way the package splits and subsamples reviews.

Every split keeps the classes' proportions and depends only on the labels and the seed, so the
same data and seed give the same rows on every machine.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np


def stratified_cut(labels: np.ndarray, first: Callable[[int], int], rng: np.random.Generator,
                   classes: Sequence[int] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Per class (in ``classes`` order, default ascending), a permutation of its rows drawn from
    ``rng`` and cut after ``first(n_rows_of_the_class)`` rows: (the first parts, the rest), each
    concatenated over the classes in that order."""
    labels = np.asarray(labels)
    heads, tails = [], []
    for cls in (np.unique(labels) if classes is None else classes):
        idx = rng.permutation(np.flatnonzero(labels == cls))
        n = first(len(idx))
        heads.append(idx[:n])
        tails.append(idx[n:])
    empty = np.zeros(0, dtype=np.int64)
    return (np.concatenate(heads) if heads else empty), (np.concatenate(tails) if tails else empty)
