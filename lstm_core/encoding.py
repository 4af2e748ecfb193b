"""Raw text → the ids a model reads: the one encoder training, prediction, the gates and the Data
page share.

clean (a run's recorded recipe, or this machine's cleaner for a config) → encode (the vocabulary;
unknown words become the OOV id) → keep at most ``max_len`` tokens (the start or the end) → pad
with 0 on the right. Training text and a sentence typed later go through the same steps, so a
model never reads text made another way than its training text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .config import ExperimentConfig, SequenceConfig
from .preprocessing import Cleaner, CleaningRecipe
from .vocabulary import PadStats, Vocabulary, pad_sequences


@dataclass(frozen=True)
class Encoded:
    tokens: list[list[str]]  # cleaned, before the cut to max_len
    ids: np.ndarray  # (N, max_len) int32, right-padded with 0
    stats: PadStats


class TextEncoder:
    """``TextEncoder(sequence, vocab, cleaner).encode(texts)``; :meth:`of_run` builds one that
    encodes as a saved run's training text was."""

    def __init__(self, sequence: SequenceConfig, vocab: Vocabulary, cleaner: Cleaner | None = None):
        self.sequence = sequence
        self.vocab = vocab
        self.cleaner = cleaner  # None: encodes tokens cleaned elsewhere (encode_tokens) only

    @classmethod
    def of_run(cls, run: Any) -> "TextEncoder":
        """For a ``lstm_core.runs.Run``: its sequence settings, its vocabulary and its recorded
        recipe (``cleaner.problems`` says what this machine cannot reproduce)."""
        return cls(run.config.sequence, run.vocab, run_cleaner(run))

    @classmethod
    def for_config(cls, cfg: ExperimentConfig, vocab: Vocabulary) -> "TextEncoder":
        """With this machine's cleaner for ``cfg`` (what a new training records)."""
        return cls(cfg.sequence, vocab, Cleaner(cfg.preprocess))

    def encode(self, texts: Sequence[str]) -> Encoded:
        if self.cleaner is None:
            raise ValueError("this TextEncoder has no cleaner: give one to encode raw text")
        tokens = self.cleaner.clean_many(list(texts))
        ids, stats = self.encode_tokens(tokens)
        return Encoded(tokens, ids, stats)

    def encode_tokens(self, token_lists: Sequence[Sequence[str]]) -> tuple[np.ndarray, PadStats]:
        """Already cleaned tokens (a cached corpus) → (ids (N, max_len), stats)."""
        return pad_sequences(self.vocab.encode_many(token_lists), self.sequence.max_len, self.sequence.keep)


def run_cleaner(run: Any) -> Cleaner:
    """A cleaner that cleans text for ``run`` as its training text was cleaned: its config and its
    recorded recipe. Its ``problems`` say what this machine cannot reproduce."""
    return Cleaner(run.config.preprocess, CleaningRecipe.of_run(run.config.preprocess, run.info))
