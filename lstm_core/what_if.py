"""What if one word were different? A text and the same text with one word removed, swapped or inserted,
through the same run, aligned word by word.

    edit = WordEdit("remove", step=3)                     # drop the 4th token the model read ("not")
    cmp = compare_edit(run, text, edit)                   # both Explanations, aligned
    cmp.labels, cmp.p_original, cmp.p_edited              # one axis for both P(positive) ribbons
    cmp.differences()                                     # {"i": (K, units), ...}: edited - original
    cmp.changed_units()                                   # units by how much the state the head reads moved

The edit is made on the words as cleaning splits them (:attr:`lstm_core.explain.Word.text`), so the
other words clean to exactly the same tokens. The two token sequences are aligned by their common
start and common end: the words before the edit read the same and have the same states; the words
after it read the same but may hold other states (that is the point); the words in between exist in
one version only and have no difference (NaN, a gap in a heatmap).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .errors import LstmLabError
from .explain import Explanation, explain

KINDS = ("remove", "swap", "insert")
MAX_WORD_CHARS = 50  # one word typed into the edit box
ORIGINAL, EDITED, BOTH = "original", "edited", "both"


@dataclass(frozen=True)
class WordEdit:
    """``remove`` the token at ``step``, ``swap`` it for ``word``, or ``insert`` ``word`` before it
    (``step`` = the number of tokens inserts after the last)."""

    kind: str
    step: int
    word: str = ""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}, got {self.kind!r}")
        if not isinstance(self.step, (int, np.integer)) or isinstance(self.step, bool) or self.step < 0:
            raise ValueError(f"step must be an integer >= 0, got {self.step!r}")
        if self.kind != "remove":
            if not isinstance(self.word, str) or not self.word.strip():
                raise LstmLabError.keyed(f"explain.edit.need_{self.kind}")
            if len(self.word) > MAX_WORD_CHARS or len(self.word.split()) != 1:
                raise LstmLabError.keyed(f"explain.edit.one_{self.kind}", most=MAX_WORD_CHARS)


def edited_text(explanation: Explanation, edit: WordEdit) -> str:
    """The explained text with ``edit`` applied, as the words cleaning split it into, joined by spaces."""
    n = len(explanation.tokens)
    top = n if edit.kind == "insert" else n - 1
    if edit.step > top:
        raise ValueError(f"step must be an integer in [0, {top}] for {edit.kind}, got {edit.step!r}")
    words = [w.text for w in explanation.words]
    steps = [w.step for w in explanation.words]
    word = edit.word.strip()
    if edit.step == n:  # insert after the last token the model reads
        words.insert(max(k for k, s in enumerate(steps) if s is not None) + 1, word)
        return " ".join(words)
    at = steps.index(edit.step)
    if edit.kind == "remove":
        del words[at]
    elif edit.kind == "swap":
        words[at] = word
    else:
        words.insert(at, word)
    return " ".join(words)


@dataclass(frozen=True, eq=False)
class EditComparison:
    """Both versions on one axis of K columns: the common start, the original's own words, the
    edited version's own words, the common end."""

    original: Explanation
    edited: Explanation
    edit: WordEdit
    text: str  # the edited text
    labels: tuple[str, ...]  # (K,) tokens; a removed one as "−word", an added one as "+word"
    source: tuple[str, ...]  # (K,) BOTH, ORIGINAL or EDITED
    at_original: np.ndarray  # (K,) step in the original, -1 where it has none
    at_edited: np.ndarray  # (K,) step in the edited version, -1 where it has none

    def _on_axis(self, values: np.ndarray, at: np.ndarray) -> np.ndarray:
        out = np.full((len(at),) + values.shape[1:], np.nan)
        out[at >= 0] = values[at[at >= 0]]
        return out

    @property
    def p_original(self) -> np.ndarray:
        """(K,) P(positive) after each column in the original (NaN where it has no such word)."""
        return self._on_axis(self.original.p_positive, self.at_original)

    @property
    def p_edited(self) -> np.ndarray:
        return self._on_axis(self.edited.p_positive, self.at_edited)

    @property
    def shift(self) -> float:
        """How the final prediction moved: P_edited - P_original after the last word."""
        return self.edited.prediction - self.original.prediction

    def differences(self) -> dict[str, np.ndarray]:
        """Every traced array, edited minus original, (K, units); NaN in columns only one version has
        and where a gate did not run."""
        a, b = self.original.arrays(), self.edited.arrays()
        return {name: self._on_axis(b[name], self.at_edited) - self._on_axis(a[name], self.at_original)
                for name in a}

    def changed_units(self) -> tuple[np.ndarray, np.ndarray]:
        """(units, largest change first; each unit's |Δ| in the state the classifier head reads after
        the last word: h_T, or the mean of h_t for a mean-pooling model)."""
        score = np.abs(_head_input(self.edited) - _head_input(self.original))  # (units,)
        return np.argsort(-score, kind="stable"), score


def _head_input(ex: Explanation) -> np.ndarray:
    return ex.trace.h[-1] if ex.pooling == "last" else ex.trace.h.mean(axis=0)  # (units,)


def align(a: tuple[str, ...], b: tuple[str, ...]) -> tuple[int, int]:
    """(common start, common end) of two token sequences; they never overlap."""
    start = 0
    while start < min(len(a), len(b)) and a[start] == b[start]:
        start += 1
    end = 0
    while end < min(len(a), len(b)) - start and a[-1 - end] == b[-1 - end]:
        end += 1
    return start, end


def compare_edit(run: Any, text: str, edit: WordEdit, original: Explanation | None = None,
                 lang: str = "en") -> EditComparison:
    """``text`` and ``text`` with ``edit`` through ``run`` (``original``: ``explain(run, text)`` if
    already made). Raises :class:`lstm_core.explain.NothingToExplain`, its message in ``lang``, if the
    edit leaves no token."""
    ex = original if original is not None else explain(run, text, lang=lang)
    new_text = edited_text(ex, edit)
    ed = explain(run, new_text, lang=lang)
    start, end = align(ex.tokens, ed.tokens)
    n_a, n_b = len(ex.tokens), len(ed.tokens)
    a_own, b_own = range(start, n_a - end), range(start, n_b - end)
    a_labels, b_labels = ex.labels(), ed.labels()
    labels = (a_labels[:start] + [f"−{a_labels[t]}" for t in a_own] + [f"+{b_labels[t]}" for t in b_own]
              + a_labels[n_a - end:])
    source = (BOTH,) * start + (ORIGINAL,) * len(a_own) + (EDITED,) * len(b_own) + (BOTH,) * end
    at_a = list(range(start)) + list(a_own) + [-1] * len(b_own) + list(range(n_a - end, n_a))
    at_b = list(range(start)) + [-1] * len(a_own) + list(b_own) + list(range(n_b - end, n_b))
    return EditComparison(ex, ed, edit, new_text, tuple(labels), source, np.array(at_a), np.array(at_b))
