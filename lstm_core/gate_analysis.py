"""What a text's gates say, computed from an :class:`lstm_core.explain.Explanation`'s traces.

- :func:`unit_order`: the units by index, by the variance of h_t over the text, or by how closely h_t
  follows the prediction (:func:`correlation_with_prediction`); :func:`top_units`, the k closest;
- :func:`saturation`: the share of each sigmoid gate's values nearly closed or nearly open (Karpathy,
  Johnson and Fei-Fei 2015), and :func:`compare_saturation`, the same text through the trained network
  and through the same network before training (:func:`lstm_core.model.untrained_copy`);
- :func:`unit_terms`: one unit's update at one word, every term of its equations as a number;
- :func:`timelapse`: the same text through every snapshot of training (``lstm_core.snapshots``),
  replayed in NumPy, and :func:`saturation_by_epoch`, how the gates' saturation moved over training.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .explain import Explanation, explain, replay
from .preprocessing import CleaningRecipe

# Gate values below/above these count as saturated (closed/open), as in Karpathy et al. 2015.
SATURATION = (0.1, 0.9)
# Gates that are squashed into [0, 1] per cell (the others are candidates and states).
SIGMOID_GATES = {"lstm": ("i", "f", "o"), "gru": ("z", "r"), "rnn": ()}
UNIT_ORDERS = ("index", "variance", "correlation")


def unit_order(explanation: Explanation, by: str = "index") -> tuple[np.ndarray, np.ndarray]:
    """(units in display order, the score they were sorted by).

    ``index``: 0, 1, ...; ``variance``: variance of h_t over the tokens, largest first;
    ``correlation``: Pearson correlation of h_t with P(positive) over the tokens, largest |r| first
    (0 for a constant unit or a one-token text). Ties keep index order."""
    if by not in UNIT_ORDERS:
        raise ValueError(f"by must be one of {', '.join(UNIT_ORDERS)}, got {by!r}")
    h = explanation.trace.h  # (T, units)
    units = h.shape[1]
    if by == "index":
        score = np.arange(units, dtype=np.float64)
        return np.arange(units), score
    if by == "variance":
        score = h.var(axis=0)
    else:
        score = correlation_with_prediction(explanation)
    return np.argsort(-np.abs(score), kind="stable"), score


def top_units(explanation: Explanation, k: int = 16) -> np.ndarray:
    """The ``k`` units whose h_t follows P(positive) most closely over the text (largest |r| first;
    all of them when the model has at most ``k``)."""
    if not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"k must be an integer >= 1, got {k!r}")
    r = correlation_with_prediction(explanation)
    return np.argsort(-np.abs(r), kind="stable")[:k]


def correlation_with_prediction(explanation: Explanation) -> np.ndarray:
    """(units,) Pearson r of each unit's h_t with P(positive) over the tokens; 0 where undefined."""
    h, p = explanation.trace.h, explanation.p_positive
    hc, pc = h - h.mean(axis=0), p - p.mean()
    denom = np.sqrt((hc ** 2).sum(axis=0) * (pc ** 2).sum())
    with np.errstate(invalid="ignore", divide="ignore"):
        r = (hc * pc[:, None]).sum(axis=0) / denom
    return np.where(denom > 1e-12, r, 0.0)


def saturation(trace: Any, low: float = SATURATION[0], high: float = SATURATION[1]) -> dict[str, tuple[float, float]]:
    """Per sigmoid gate, (share of values < low, share > high) over every step and unit it ran at:
    the left- and right-saturation Karpathy et al. (2015) plotted. Empty for a SimpleRNN."""
    out = {}
    for name in SIGMOID_GATES[trace.cell]:
        values = getattr(trace, name)[trace.mask]  # (T_unmasked, units)
        n = values.size
        out[name] = (float((values < low).sum() / n) if n else 0.0, float((values > high).sum() / n) if n else 0.0)
    return out


@dataclass(frozen=True)
class SaturationComparison:
    """Per sigmoid gate, (share < low, share > high) in the trained network and before training."""

    trained: dict[str, tuple[float, float]]
    before: dict[str, tuple[float, float]]
    low: float = SATURATION[0]
    high: float = SATURATION[1]


def compare_saturation(run: Any, text: str, fresh: Any, explanation: Explanation | None = None) -> SaturationComparison:
    """``text`` through ``run`` and through ``fresh`` (its network before training, from
    :func:`lstm_core.model.untrained_copy`), read exactly as the trained model reads it: the run's
    vocabulary, config and cleaning recipe. ``explanation`` is ``explain(run, text)`` if already made."""
    ex = explanation if explanation is not None else explain(run, text)
    recipe = CleaningRecipe.of_run(run.config.preprocess, run.info)
    before = explain(fresh, text, vocab=run.vocab, config=run.config, recipe=recipe)
    return SaturationComparison(saturation(ex.trace), saturation(before.trace))


def saturation_against(explanation: Explanation, before: Explanation) -> SaturationComparison:
    """The saturation of ``explanation`` beside ``before``'s, the same text through the network's
    weights before training (a time-lapse's step 0)."""
    return SaturationComparison(saturation(explanation.trace), saturation(before.trace))


def timelapse(explanation: Explanation, snapshots: Any) -> list[Explanation]:
    """``explanation`` (from the run's final model) replayed at every snapshot of
    ``snapshots`` (a :class:`lstm_core.snapshots.WeightSnapshots`); the final one is
    ``explanation`` itself (the run's float32 weights)."""
    return [explanation if s == snapshots.final else replay(explanation, snapshots.at(s))
            for s in range(len(snapshots))]


def saturation_by_epoch(explanations: list[Explanation]) -> dict[str, tuple[list[float], list[float]]]:
    """Per sigmoid gate, (share < low, share > high) at each snapshot of :func:`timelapse`."""
    per = [saturation(e.trace) for e in explanations]
    return {g: ([p[g][0] for p in per], [p[g][1] for p in per]) for g in (per[0] if per else {})}


@dataclass(frozen=True)
class GateTerms:
    """One gate of one unit at one step: value = activation(input + recurrent + bias)."""

    input: float  # x_t · W[:, unit]
    recurrent: float  # h_tm1 · U[:, unit] (times r_t for a GRU candidate with reset_after)
    bias: float
    value: float  # after the activation

    @property
    def pre(self) -> float:
        return self.input + self.recurrent + self.bias


@dataclass(frozen=True)
class UnitTerms:
    """Every number of one unit's update at one step, for writing its equations out."""

    cell: str
    unit: int
    step: int
    token: str
    gates: dict[str, GateTerms]  # "i", "f", "g", "o" | "z", "r", "hh" | "h" (SimpleRNN)
    h_tm1: float
    h: float
    c_tm1: float | None = None
    c: float | None = None
    activation: str = "tanh"
    recurrent_activation: str | None = "sigmoid"
    reset_after: bool = True
    extra: dict[str, float] = field(default_factory=dict)  # GRU: the reset-gated recurrent term


def unit_terms(explanation: Explanation, unit: int, step: int) -> UnitTerms:
    """The input, recurrent and bias parts of every gate of ``unit`` at ``step``, and its states."""
    e, w = explanation, explanation.weights
    units, n_steps = e.units, len(e.tokens)
    if not (isinstance(unit, (int, np.integer)) and 0 <= unit < units):
        raise ValueError(f"unit must be an integer in [0, {units - 1}], got {unit!r}")
    if not (isinstance(step, (int, np.integer)) and 0 <= step < n_steps):
        raise ValueError(f"step must be an integer in [0, {n_steps - 1}], got {step!r}")
    unit, step = int(unit), int(step)
    tr = e.trace
    x_t = e.x[step]  # (E,)
    h_tm1 = tr.h[step - 1] if step else np.zeros(units)  # (units,)
    bias = w.bias

    def part(block: int, value: float, recurrent: float | None = None, bias_row: Any = None) -> GateTerms:
        col = block * units + unit
        b = 0.0 if bias is None else float((bias if bias_row is None else bias_row)[col])
        rec = float(h_tm1 @ w.recurrent_kernel[:, col]) if recurrent is None else recurrent
        return GateTerms(float(x_t @ w.kernel[:, col]), rec, b, float(value))

    common = dict(cell=e.cell, unit=unit, step=step, token=e.tokens[step], h_tm1=float(h_tm1[unit]),
                  h=float(tr.h[step, unit]), activation=w.activation,
                  recurrent_activation=w.recurrent_activation, reset_after=w.reset_after)
    if e.cell == "lstm":
        c_tm1 = tr.c[step - 1, unit] if step else 0.0
        gates = {name: part(k, getattr(tr, name)[step, unit]) for k, name in enumerate("ifgo")}
        return UnitTerms(gates=gates, c_tm1=float(c_tm1), c=float(tr.c[step, unit]), **common)
    if e.cell == "rnn":
        return UnitTerms(gates={"h": part(0, tr.h[step, unit])}, **common)
    # GRU: z and r as usual; the candidate's recurrent part depends on reset_after
    if w.reset_after:
        input_bias = None if bias is None else bias[0]
        rec_bias = np.zeros(3 * units) if bias is None else bias[1]
        z, r = (GateTerms(float(x_t @ w.kernel[:, k * units + unit]),
                          float(h_tm1 @ w.recurrent_kernel[:, k * units + unit] + rec_bias[k * units + unit]),
                          0.0 if input_bias is None else float(input_bias[k * units + unit]),
                          float(getattr(tr, name)[step, unit])) for k, name in enumerate("zr"))
        col = 2 * units + unit
        inner = float(h_tm1 @ w.recurrent_kernel[:, col] + rec_bias[col])
        hh = GateTerms(float(x_t @ w.kernel[:, col]), r.value * inner,
                       0.0 if input_bias is None else float(input_bias[col]), float(tr.hh[step, unit]))
        extra = {"recurrent_before_reset": inner}
    else:
        z, r = (part(k, getattr(tr, name)[step, unit]) for k, name in enumerate("zr"))
        r_all = tr.r[step]  # (units,) the reset gate of every unit scales h_tm1 before U_h
        col = 2 * units + unit
        hh = GateTerms(float(x_t @ w.kernel[:, col]), float((r_all * h_tm1) @ w.recurrent_kernel[:, col]),
                       0.0 if bias is None else float(bias[col]), float(tr.hh[step, unit]))
        extra = {}
    return UnitTerms(gates={"z": z, "r": r, "hh": hh}, extra=extra, **common)
