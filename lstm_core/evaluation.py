"""Classification metrics with scikit-learn: the same numbers for every model."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np


@dataclass(frozen=True)
class Metrics:
    accuracy: float
    precision: float  # of the positive class
    recall: float
    f1: float
    confusion: tuple[tuple[int, int], tuple[int, int]]  # rows true neg/pos, columns predicted neg/pos
    n: int

    def to_dict(self) -> dict:
        d = asdict(self)
        d["confusion"] = [list(r) for r in self.confusion]
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "Metrics":
        c = d["confusion"]
        return cls(float(d["accuracy"]), float(d["precision"]), float(d["recall"]), float(d["f1"]),
                   ((int(c[0][0]), int(c[0][1])), (int(c[1][0]), int(c[1][1]))), int(d["n"]))


def classification_metrics(y_true, p_positive, threshold: float = 0.5) -> Metrics:
    """Metrics of predicting positive where P(positive) >= threshold."""
    from sklearn.metrics import accuracy_score, confusion_matrix, precision_recall_fscore_support

    y_true = np.asarray(y_true, dtype=np.int64)
    p = np.asarray(p_positive, dtype=np.float64)
    if y_true.shape != p.shape or y_true.ndim != 1:
        raise ValueError(f"y_true and p_positive must be 1-D of one length, got {y_true.shape} and {p.shape}")
    if len(y_true) == 0:
        raise ValueError("cannot compute metrics on 0 examples")
    y_pred = (p >= threshold).astype(np.int64)
    prec, rec, f1, _ = precision_recall_fscore_support(y_true, y_pred, average="binary", pos_label=1,
                                                       zero_division=0)
    cm = confusion_matrix(y_true, y_pred, labels=[0, 1])
    return Metrics(float(accuracy_score(y_true, y_pred)), float(prec), float(rec), float(f1),
                   ((int(cm[0, 0]), int(cm[0, 1])), (int(cm[1, 0]), int(cm[1, 1]))), int(len(y_true)))
