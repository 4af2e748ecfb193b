"""Plotly figures of the Why LSTM page, as pure functions of measured numbers.

- :func:`gradient_profiles`: ‖gradient‖ against the distance from the end, log scale, one line per
  network (solid trained, dotted untrained; one colour per cell);
- :func:`cell_paths`: what survives along the cell path (product of forget gates), log scale;
- :func:`memory_accuracy`: memory-task accuracy against the distance k, one line per cell, chance dashed;
- :func:`memory_curves`: the sweep's trainings live, one panel per distance.

Nothing here trains or imports Streamlit; inputs are lists, arrays and records (anything with the
attributes named). Trace names are part of the interface: ``"<label>"`` per network or cell, ``"chance"``.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .figures import BASELINE_COLOR, _layout, _values, batches_per_epoch, ema
from .i18n import DEFAULT, text

# Okabe-Ito, one per cell, distinguishable with the common colour-vision deficiencies
CELL_COLORS = {"rnn": "#D55E00", "lstm": "#0072B2", "gru": "#009E73"}
CELL_NAMES = {"rnn": "SimpleRNN", "lstm": "LSTM", "gru": "GRU"}
_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def times(x: float) -> str:
    """A ratio for captions and hovers: "16.2×", "4,560×", "4.5×10⁸×"."""
    if x == float("inf"):
        return "∞×"
    if x >= 1e5:
        exp = int(f"{x:e}".split("e")[1])
        return f"{x / 10 ** exp:.1f}×10{str(exp).translate(_SUPERSCRIPT)}×"
    return f"{x:,.0f}×" if x >= 100 else f"{x:.3g}×"


def _log_floor(values: np.ndarray) -> np.ndarray:
    """Values for a log axis: zeros and underflow shown as gaps, not as -inf."""
    v = np.asarray(values, dtype=np.float64)
    return np.where(v > 0, v, np.nan)


def _label(p: Any, lang: str) -> str:
    """A profile's legend name in ``lang`` (``label_in`` when it has one, as GradientProfile does)."""
    label_in = getattr(p, "label_in", None)
    return str(label_in(lang)) if callable(label_in) else str(p.label)


def gradient_profiles(profiles: Sequence[Any], *, title: str | None = None, height: int = 380,
                      marks: Sequence[int] = (50, 100), lang: str = DEFAULT) -> go.Figure:
    """``profiles``: objects with ``label``, ``cell``, ``trained`` and ``norms`` (by distance, d = 1 first).
    Dotted vertical lines at the ``marks`` distances the captions quote."""
    fig = go.Figure()
    longest = 1
    for p in profiles:
        norms = np.asarray(p.norms, dtype=np.float64)
        longest = max(longest, len(norms))
        label = _label(p, lang)
        fig.add_trace(go.Scatter(x=np.arange(1, len(norms) + 1), y=_log_floor(norms), name=label,
                                 mode="lines", line=dict(color=CELL_COLORS.get(p.cell, BASELINE_COLOR), width=2.5,
                                                         dash="solid" if p.trained else "dot"),
                                 hovertemplate=text(lang, "theory.hover.distance") + "<extra>" + label + "</extra>"))
    for d in marks:
        if d <= longest:
            fig.add_vline(x=d, line=dict(color="#9CA3AF", width=1, dash="dot"))
    fig.update_xaxes(title_text=text(lang, "theory.gradients.x"))
    fig.update_yaxes(type="log", title_text=text(lang, "theory.gradients.y"), exponentformat="power")
    return _inside_legend(_layout(fig, title, height))


def _inside_legend(fig: go.Figure) -> go.Figure:
    """Legend in the plot's lower left, which falling lines on a log axis leave empty."""
    fig.update_layout(hovermode="closest", legend=dict(orientation="v", x=0.01, xanchor="left", y=0.02,
                                                       yanchor="bottom", bgcolor="rgba(255,255,255,0.8)"))
    return fig


def cell_paths(paths: Sequence[tuple[str, Sequence[float], Sequence[float] | None]], *,
               tokens: Sequence[str] | None = None, title: str | None = None, height: int = 340,
               lang: str = DEFAULT) -> go.Figure:
    """``paths``: (label, mean over units, optional 90th percentile over units) of the cell path by
    distance. ``tokens`` (reading order) label the hover with the word at each distance."""
    fig = go.Figure()
    colors = ("#0072B2", "#9CA3AF", "#E69F00", "#CC79A7")
    for i, (label, mean, upper) in enumerate(paths):
        mean = np.asarray(mean, dtype=np.float64)
        x = np.arange(1, len(mean) + 1)
        words = list(tokens)[::-1] if tokens is not None and len(tokens) == len(mean) else None
        custom = np.array([html.escape(w) for w in words]) if words else None
        hover = text(lang, "theory.hover.distance_word" if words else "theory.hover.distance")
        fig.add_trace(go.Scatter(x=x, y=_log_floor(mean), name=text(lang, "theory.cell_path.mean", label=label),
                                 mode="lines", customdata=custom, line=dict(color=colors[i % len(colors)], width=2.5),
                                 hovertemplate=hover + f"<extra>{label}</extra>"))
        if upper is not None:
            fig.add_trace(go.Scatter(x=x, y=_log_floor(np.asarray(upper)),
                                     name=text(lang, "theory.cell_path.best", label=label),
                                     mode="lines", customdata=custom,
                                     line=dict(color=colors[i % len(colors)], width=1.5, dash="dash"),
                                     hovertemplate=hover + "<extra>" + text(lang, "theory.cell_path.best_hover",
                                                                            label=label) + "</extra>"))
    fig.update_xaxes(title_text=text(lang, "theory.cell_path.x"))
    fig.update_yaxes(type="log", title_text=text(lang, "theory.cell_path.y"), exponentformat="power")
    return _inside_legend(_layout(fig, title, height))


def memory_accuracy(records: Sequence[Any], *, distances: Sequence[int] | None = None, chance: float = 0.5,
                    title: str | None = None, height: int = 360, lang: str = DEFAULT) -> go.Figure:
    """``records``: objects with ``cell``, ``distance`` and ``accuracy``; one line per cell in first-seen
    order. ``distances`` fixes the x ticks (so a live chart does not jump)."""
    by_cell: dict[str, list[Any]] = {}
    for r in records:
        by_cell.setdefault(r.cell, []).append(r)
    fig = go.Figure()
    for cell, recs in by_cell.items():
        recs = sorted(recs, key=lambda r: r.distance)
        fig.add_trace(go.Scatter(x=[r.distance for r in recs], y=[r.accuracy for r in recs],
                                 name=CELL_NAMES.get(cell, cell), mode="lines+markers",
                                 line=dict(color=CELL_COLORS.get(cell, BASELINE_COLOR), width=2.5),
                                 marker=dict(size=9), hovertemplate="k = %{x}: %{y:.1%}<extra>"
                                 + CELL_NAMES.get(cell, cell) + "</extra>"))
    ks = list(distances) if distances else sorted({r.distance for r in records})
    if ks:
        fig.add_trace(go.Scatter(x=[min(ks), max(ks)], y=[chance, chance], name=text(lang, "theory.chance"),
                                 mode="lines",
                                 line=dict(color=BASELINE_COLOR, width=1.5, dash="dash"), hoverinfo="skip"))
    fig.update_xaxes(title_text=text(lang, "theory.memory.x"), tickvals=ks or None)
    fig.update_yaxes(title_text=text(lang, "theory.memory.y"), range=[0, 1.03], tickformat=".0%")
    return _layout(fig, title, height)


def memory_curves(curves: Mapping[tuple[str, int], Mapping[str, Any]], distances: Sequence[int], *,
                  epochs: int | None = None, smoothing: float = 0.6, title: str | None = None,
                  height: int = 340, lang: str = DEFAULT) -> go.Figure:
    """``curves``: {(cell, k): {"batches": {step, epoch, loss, accuracy}, "history": {val_accuracy, …}}}.
    One panel per distance; per cell its smoothed per-batch training accuracy (thin) and validation
    accuracy per epoch (markers). Cells not started yet are left out."""
    distances = list(distances)
    fig = make_subplots(rows=1, cols=len(distances), shared_yaxes=True, horizontal_spacing=0.04,
                        subplot_titles=[f"k = {k}" for k in distances])
    shown: set[str] = set()
    for (cell, k), c in curves.items():
        batches, history = c.get("batches") or {}, c.get("history") or {}
        acc = _values(batches, "accuracy")
        if not acc or k not in distances:
            continue
        col = distances.index(k) + 1
        color, name = CELL_COLORS.get(cell, BASELINE_COLOR), CELL_NAMES.get(cell, cell)
        steps = np.asarray(_values(batches, "step"))
        x = (steps + 1) / batches_per_epoch(batches)
        fig.add_trace(go.Scatter(x=x, y=ema(acc, smoothing), name=text(lang, "theory.curves.training", name=name),
                                 mode="lines",
                                 line=dict(color=color, width=1.2), legendgroup=cell, showlegend=cell not in shown,
                                 opacity=0.7), row=1, col=col)
        val = _values(history, "val_accuracy")
        if val:
            fig.add_trace(go.Scatter(x=np.arange(1, len(val) + 1), y=val,
                                     name=text(lang, "theory.curves.validation", name=name),
                                     mode="lines+markers", line=dict(color=color, width=2.5), marker=dict(size=7),
                                     legendgroup=cell, showlegend=cell not in shown), row=1, col=col)
        shown.add(cell)
    fig.update_yaxes(range=[0, 1.03], tickformat=".0%")
    fig.update_yaxes(title_text=text(lang, "theory.curves.y"), row=1, col=1)
    if epochs:
        fig.update_xaxes(range=[0, epochs + 0.1])
    fig.update_xaxes(title_text=text(lang, "theory.curves.x"))
    return _layout(fig, title, height)


def memory_sequence_html(tokens: Sequence[int], *, n_values: int, marker: int, value_at: int,
                         letters: str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ", lang: str = DEFAULT) -> str:
    """One task sequence as HTML spans for a page: values as letters (the marked one boxed, the others
    as distractors), the marker as ▶, filler as a dot. Built from integers and our own tooltips."""
    tip = {name: html.escape(text(lang, f"theory.sequence.{name}")) for name in ("marker", "value", "distractor",
                                                                                "filler")}
    out = []
    for t, tok in enumerate(tokens):
        tok = int(tok)
        if tok == marker:
            out.append(f'<span class="why-marker" title="{tip["marker"]}">▶</span>')
        elif tok < n_values:
            cls, name = ("why-value", "value") if t == value_at else ("why-distractor", "distractor")
            out.append(f'<span class="{cls}" title="{tip[name]}">{letters[tok % len(letters)]}</span>')
        else:
            out.append(f'<span class="why-filler" title="{tip["filler"]}">·</span>')
    return "".join(out)
