"""The teaching probes: short reviews that need word order, scored per category for a run and for a bag of words.

``assets/probes.tsv`` holds short reviews written for LSTM Lab, each with its label and a category
(:data:`CATEGORIES`: plain, negation, double negation, contrast after but/yet/however/despite, a
long review whose verdict comes at its end, intensifiers). A model that reads words one by one but
only counts them gets the plain ones right and the others wrong; one that reads order should not.

    probes = load_probes()
    score_run(run, probes).to_dict()                          # {"categories": {"negation": {...}}, ...}
    score_baseline(prepare(run.config), probes, seed).to_dict()   # TF-IDF 1-2-grams + LR, same split

The baseline is :class:`lstm_core.baseline.TfidfBaseline` fitted on the run's own training reviews
(``Prepared.train_tokens``, as ``Prepared.baseline``) and fed the probes cleaned as those reviews were.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .baseline import TfidfBaseline
from .errors import DataError
from .i18n import text
from .limits import LIMITS
from .preprocessing import Cleaner
from .storage import ASSETS

PROBES_FILE = ASSETS / "probes.tsv"
CATEGORIES = ("plain", "negation", "double negation", "contrast", "long verdict", "intensifier")
LABELS = {"negative": 0, "positive": 1}
BASELINE_NAME = "TF-IDF 1-2-grams + logistic regression"


def category_name(category: str, lang: str = "en") -> str:
    """A category as the reader reads it: "double negation" (the category itself when unknown)."""
    return text(lang, f"gates_figures.category.{category.replace(' ', '_')}") if category in CATEGORIES else category


@dataclass(frozen=True)
class Probe:
    text: str
    label: int  # 1 positive, 0 negative
    category: str  # one of CATEGORIES


def load_probes(path: str | Path = PROBES_FILE) -> tuple[Probe, ...]:
    """The probes of a TSV file (``text<TAB>label<TAB>category`` after a header row; ``#`` lines are
    comments), in file order. A malformed line raises ``DataError`` naming its line number."""
    path = Path(path)
    try:
        if path.stat().st_size > LIMITS.review_bytes:
            raise DataError(f"the probe file {path.name} is larger than {LIMITS.review_bytes // 2**20} MB")
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as e:
        raise DataError(f"the probe file {path.name} cannot be read ({type(e).__name__})") from None
    rows = [(n, line) for n, line in enumerate(lines, start=1) if line.strip() and not line.startswith("#")]
    if not rows or rows[0][1].split("\t") != ["text", "label", "category"]:
        raise DataError(f"the probe file {path.name} must start with the header text, label, category")
    probes = []
    for n, line in rows[1:]:
        parts = line.split("\t")
        if len(parts) != 3 or not parts[0].strip() or parts[1] not in LABELS or parts[2] not in CATEGORIES:
            raise DataError(f"line {n} of {path.name} must be text<TAB>{'|'.join(LABELS)}<TAB>one of "
                            f"{', '.join(CATEGORIES)}, got {line[:80]!r}")
        probes.append(Probe(parts[0], LABELS[parts[1]], parts[2]))
    return tuple(probes)


@dataclass(frozen=True)
class CategoryScore:
    category: str
    correct: int
    total: int

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0


@dataclass(frozen=True, eq=False)
class ProbeReport:
    """One model's answers to the probes: P(positive) per probe and the share right per category."""

    model: str  # the run's name, or BASELINE_NAME
    probes: tuple[Probe, ...]
    p_positive: np.ndarray  # (N,) in the probes' order

    @property
    def right(self) -> np.ndarray:
        """(N,) bool: P(positive) >= 0.5 exactly for the positive probes."""
        return (self.p_positive >= 0.5) == np.array([p.label == 1 for p in self.probes], dtype=bool)

    def categories(self) -> tuple[CategoryScore, ...]:
        right = self.right
        out = []
        for category in CATEGORIES:
            at = [k for k, p in enumerate(self.probes) if p.category == category]
            if at:
                out.append(CategoryScore(category, int(right[at].sum()), len(at)))
        return tuple(out)

    @property
    def overall(self) -> CategoryScore:
        return CategoryScore("all", int(self.right.sum()), len(self.probes))

    def to_dict(self, digits: int = 4) -> dict[str, Any]:
        def one(s: CategoryScore) -> dict[str, Any]:
            return {"correct": s.correct, "total": s.total, "accuracy": round(s.accuracy, digits)}

        return {"model": self.model, "categories": {s.category: one(s) for s in self.categories()},
                "overall": one(self.overall)}


def _check(probes: Sequence[Probe]) -> tuple[Probe, ...]:
    probes = tuple(probes)
    if not probes:
        raise ValueError("probes is empty: give at least one Probe")
    return probes


def score_run(run: Any, probes: Sequence[Probe] | None = None) -> ProbeReport:
    """``run`` (a :class:`lstm_core.runs.Run`) on the probes, cleaned with its recorded recipe."""
    probes = _check(load_probes() if probes is None else probes)
    p = np.asarray(run.predict([q.text for q in probes]), dtype=np.float64)  # (N,)
    return ProbeReport(run.name, probes, p)


def fit_baseline(prepared: Any, seed: int) -> TfidfBaseline:
    """The bag of words on ``prepared``'s training reviews (a :class:`lstm_core.pipeline.Prepared`)."""
    return TfidfBaseline(seed=seed).fit(prepared.train_tokens, prepared.dataset.train.labels)


def score_baseline(prepared: Any, probes: Sequence[Probe] | None = None, seed: int = 0,
                   baseline: TfidfBaseline | None = None) -> ProbeReport:
    """The same-split TF-IDF + LR on the probes, cleaned as ``prepared``'s reviews were (``baseline``:
    one already fitted by :func:`fit_baseline`)."""
    probes = _check(load_probes() if probes is None else probes)
    baseline = baseline or fit_baseline(prepared, seed)
    tokens = Cleaner(prepared.config.preprocess, prepared.recipe).clean_many([q.text for q in probes])
    return ProbeReport(BASELINE_NAME, probes, np.asarray(baseline.predict_proba(tokens), dtype=np.float64))
