"""Word ↔ id mapping fitted on training texts only, and padding to fixed length.

The tutorial fits its tokenizer on train + test together, which leaks test
words into the vocabulary; here ``fit`` only ever sees the training split.
Id 0 is padding (the embedding's ``mask_zero``), id 1 is out-of-vocabulary.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from .errors import RunError

PAD, OOV = 0, 1
PAD_TOKEN, OOV_TOKEN = "<pad>", "<oov>"
FORMAT = "lstm-lab-vocabulary/1"


class Vocabulary:
    """Frequency-ranked vocabulary in the scikit-learn style.

    ``Vocabulary(max_size=20000).fit(token_lists)`` learns ``words_`` (most
    frequent first, ties broken alphabetically so fitting is deterministic),
    ``index_`` (word -> id, starting at 2) and ``counts_``.
    """

    def __init__(self, max_size: int = 20_000, min_count: int = 1):
        self.max_size = max_size
        self.min_count = min_count

    def fit(self, token_lists: Iterable[Sequence[str]]) -> "Vocabulary":
        if not isinstance(self.max_size, int) or self.max_size < 1:
            raise ValueError(f"max_size must be a positive integer, got {self.max_size!r}")
        if not isinstance(self.min_count, int) or self.min_count < 1:
            raise ValueError(f"min_count must be a positive integer, got {self.min_count!r}")
        counts = Counter()
        for tokens in token_lists:
            counts.update(tokens)
        ranked = sorted((w for w, n in counts.items() if n >= self.min_count),
                        key=lambda w: (-counts[w], w))
        self.words_ = ranked[: self.max_size]
        self.index_ = {w: i + 2 for i, w in enumerate(self.words_)}
        self.counts_ = {w: counts[w] for w in self.words_}
        self.n_seen_words_ = len(counts)
        return self

    # -- using a fitted vocabulary --------------------------------------------------
    @property
    def size(self) -> int:
        """Rows the embedding needs: padding + OOV + words."""
        return len(self.words_) + 2

    def __len__(self) -> int:
        return self.size

    def __contains__(self, word: str) -> bool:
        return word in self.index_

    def encode(self, tokens: Sequence[str]) -> list[int]:
        get = self.index_.get
        return [get(t, OOV) for t in tokens]

    def encode_many(self, token_lists: Iterable[Sequence[str]]) -> list[list[int]]:
        return [self.encode(t) for t in token_lists]

    def decode(self, ids: Iterable[int]) -> list[str]:
        out = []
        for i in ids:
            i = int(i)
            if i == PAD:
                out.append(PAD_TOKEN)
            elif i == OOV or not 2 <= i < self.size:
                out.append(OOV_TOKEN)
            else:
                out.append(self.words_[i - 2])
        return out

    def coverage(self, token_lists: Iterable[Sequence[str]]) -> dict[str, float | int]:
        """Share of tokens (and of distinct words) that the vocabulary knows."""
        tokens = known = 0
        distinct: set[str] = set()
        for tl in token_lists:
            tokens += len(tl)
            known += sum(1 for t in tl if t in self.index_)
            distinct.update(tl)
        known_distinct = sum(1 for w in distinct if w in self.index_)
        return {
            "tokens": tokens,
            "known_tokens": known,
            "token_coverage": known / tokens if tokens else 0.0,
            "distinct_words": len(distinct),
            "known_distinct_words": known_distinct,
            "word_coverage": known_distinct / len(distinct) if distinct else 0.0,
        }

    # -- persistence ----------------------------------------------------------------
    def to_dict(self) -> dict:
        return {"format": FORMAT, "max_size": self.max_size, "min_count": self.min_count,
                "words": self.words_, "counts": [self.counts_[w] for w in self.words_]}

    @classmethod
    def from_dict(cls, d: dict) -> "Vocabulary":
        if not isinstance(d, dict) or d.get("format") != FORMAT:
            found = d.get("format") if isinstance(d, dict) else type(d).__name__
            raise RunError.keyed("data_errors.vocabulary.wrong_format", expected=repr(FORMAT), found=repr(found))
        words, counts = d.get("words"), d.get("counts")
        if (not isinstance(words, list) or not isinstance(counts, list) or len(words) != len(counts)
                or not all(isinstance(w, str) for w in words) or len(set(words)) != len(words)):
            raise RunError.keyed("data_errors.vocabulary.bad_words")
        vocab = cls(max_size=int(d.get("max_size", len(words))), min_count=int(d.get("min_count", 1)))
        vocab.words_ = list(words)
        vocab.index_ = {w: i + 2 for i, w in enumerate(words)}
        vocab.counts_ = dict(zip(words, (int(c) for c in counts)))
        vocab.n_seen_words_ = int(d.get("n_seen_words", len(words)))
        return vocab

    def save(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(self.to_dict()), encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path) -> "Vocabulary":
        try:
            return cls.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
            raise RunError.keyed("data_errors.vocabulary.unreadable", path=str(path), problem=str(e)) from e


@dataclass(frozen=True)
class PadStats:
    """How much truncation to ``max_len`` cut."""

    max_len: int
    sequences: int
    truncated_sequences: int
    tokens: int
    tokens_cut: int

    @property
    def share_truncated(self) -> float:
        return self.truncated_sequences / self.sequences if self.sequences else 0.0

    @property
    def share_tokens_cut(self) -> float:
        return self.tokens_cut / self.tokens if self.tokens else 0.0


def kept_window(n: int, max_len: int, keep: str = "end") -> slice:
    """Which of a sequence's ``n`` tokens the model reads: all of them, or ``max_len`` at its start
    or its end (``sequence.keep``)."""
    if n <= max_len:
        return slice(0, n)
    return slice(0, max_len) if keep == "start" else slice(n - max_len, n)


def pad_sequences(id_lists: Sequence[Sequence[int]], max_len: int,
                  keep: str = "end") -> tuple[np.ndarray, PadStats]:
    """Right-pad with 0 to ``max_len``; longer sequences keep their start or end.

    Returns ``(x, stats)`` with x of shape (N, max_len), int32. Padding goes on the
    right so that a masked LSTM's last state is the state after the last real word.
    """
    if keep not in ("start", "end"):
        raise ValueError(f"keep must be 'start' or 'end', got {keep!r}")
    if not isinstance(max_len, int) or max_len < 1:
        raise ValueError(f"max_len must be a positive integer, got {max_len!r}")
    x = np.zeros((len(id_lists), max_len), dtype=np.int32)  # (N, T)
    truncated = cut = total = 0
    for row, ids in enumerate(id_lists):
        n = len(ids)
        total += n
        if n > max_len:
            truncated += 1
            cut += n - max_len
            ids = ids[kept_window(n, max_len, keep)]
        x[row, : len(ids)] = ids
    return x, PadStats(max_len, len(id_lists), truncated, total, cut)
