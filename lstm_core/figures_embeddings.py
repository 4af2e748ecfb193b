"""Plotly figures for the embedding comparison, as pure functions of plain numbers.

- :func:`compare_curves`: several trainings' loss and accuracy overlaid on shared axes (live);
- :func:`learning_curve`: test accuracy against the number of labelled training reviews;
- :func:`word_maps`: 2-D maps of words side by side, sentiment words coloured, arrows from each
  word's place before training to its place after.

Nothing here trains, reads files or imports Streamlit. Trace names are part of the interface.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .wordspace import polarity_class
from .figures import BASELINE_COLOR, NEG_COLOR, POS_COLOR, RUN_COLORS, _layout, _values, batches_per_epoch, ema
from .i18n import DEFAULT, text

TARGET_COLOR = "#374151"
CLASS_COLORS = {"positive": POS_COLOR, "negative": NEG_COLOR, "neutral": "#8A94A6"}
CLASS_NAMES = {"positive": "mostly in positive reviews", "negative": "mostly in negative reviews",
               "neutral": "in both"}  # the English legend names (embeddings.map.<class> in the catalogue)
AUTO = "\0auto"  # a title argument meaning "the builder's own title, in the reader's language"


def _series_x(batches: Mapping[str, Sequence[float]], per_epoch: int | None) -> np.ndarray:
    """Batch k of epoch e at e + k/n, as ``figures.training_curves`` places them."""
    steps = np.asarray(_values(batches, "step"), dtype=np.float64)
    return (steps + 1) / (per_epoch or batches_per_epoch(batches))


def compare_curves(series: Sequence[Mapping[str, Any]], *, target: float | None = None,
                   baseline_accuracy: float | None = None, epochs: int | None = None,
                   smoothing: float = 0.8, title: str | None = None, height: int = 400,
                   lang: str = DEFAULT) -> go.Figure:
    """Loss and accuracy of several trainings on shared axes, one colour each.

    ``series``: mappings with ``label``, ``batches`` (step, epoch, loss, accuracy per batch),
    ``history`` (per epoch) and optionally ``batches_per_epoch``. Per training: its smoothed
    per-batch training values (thin, dotted) and its validation values per epoch (bold, markers).
    ``target`` is drawn as a dotted line on the accuracy panel, ``baseline_accuracy`` dashed;
    ``epochs`` fixes the x range so a live chart does not rescale."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=(text(lang, "embeddings.curves.loss"),
                                                        text(lang, "embeddings.curves.accuracy")),
                        horizontal_spacing=0.08)
    x_max, lows = float(epochs or 1), []
    for i, s in enumerate(series):
        color, label = RUN_COLORS[i % len(RUN_COLORS)], str(s["label"])
        batches, history = s.get("batches") or {}, s.get("history") or {}
        x_batch = _series_x(batches, s.get("batches_per_epoch"))
        if len(x_batch):
            x_max = max(x_max, float(x_batch[-1]))
        for col, metric in ((1, "loss"), (2, "accuracy")):
            raw = _values(batches, metric)
            fig.add_trace(go.Scatter(x=x_batch, y=ema(raw, smoothing) if raw else [], mode="lines",
                                     name=text(lang, "embeddings.curves.training", label=label), legendgroup=label,
                                     line=dict(color=color, width=1.5, dash="dot"), opacity=0.7,
                                     showlegend=col == 1, hovertemplate="%{y:.3f}"), row=1, col=col)
            val = _values(history, f"val_{metric}")
            if metric == "accuracy":
                lows += [v for v in val if v == v]
            fig.add_trace(go.Scatter(x=list(range(1, len(val) + 1)), y=val, mode="lines+markers",
                                     name=text(lang, "embeddings.curves.validation", label=label), legendgroup=label,
                                     line=dict(color=color, width=3),
                                     marker=dict(size=9, color=color, line=dict(color="white", width=1)),
                                     showlegend=col == 1, hovertemplate="%{y:.3f}"), row=1, col=col)
            x_max = max(x_max, float(len(val)))
    baseline_name = text(lang, "embeddings.baseline")
    lines = ((target, text(lang, "embeddings.curves.target", value=target or 0.0),
              text(lang, "embeddings.curves.target_name"), "dot", TARGET_COLOR),
             (baseline_accuracy, baseline_name, baseline_name, "dash", BASELINE_COLOR))
    for value, name, short, dash, color in lines:  # (value, legend name, hover name, …)
        if value is not None:
            fig.add_trace(go.Scatter(x=[0, x_max], y=[value] * 2, mode="lines",
                                     line=dict(color=color, dash=dash, width=2), name=name,
                                     hovertemplate=f"{short}: {value:.1%}<extra></extra>"), row=1, col=2)
            lows.append(value)
    _layout(fig, title, height)
    fig.update_xaxes(title_text=text(lang, "embeddings.curves.x"), range=[0, x_max * 1.02])
    fig.update_yaxes(range=[max(0.0, min([0.5, *lows]) - 0.03), 1.0], tickformat=".0%", row=1, col=2)
    return fig


def learning_curve(points: Sequence[Any], labels: Mapping[str, str], *,
                   baseline: Mapping[int, float] | None = None,
                   title: str | None = AUTO, height: int = 380, lang: str = DEFAULT) -> go.Figure:
    """``points``: objects with ``variant``, ``size`` and ``test_accuracy`` (``CurvePoint``);
    ``labels``: variant → legend name, in drawing order; ``baseline``: size → TF-IDF accuracy.
    ``title``: AUTO (the default) is the builder's own title, None none."""
    if title == AUTO:
        title = text(lang, "embeddings.learning_curve.title")
    hover = text(lang, "embeddings.learning_curve.hover")
    baseline_name = text(lang, "embeddings.baseline")
    fig = go.Figure()
    for i, (key, label) in enumerate(labels.items()):
        mine = sorted((p for p in points if p.variant == key), key=lambda p: p.size)
        fig.add_trace(go.Scatter(x=[p.size for p in mine], y=[p.test_accuracy for p in mine], name=label,
                                 mode="lines+markers", line=dict(color=RUN_COLORS[i % len(RUN_COLORS)], width=3),
                                 marker=dict(size=9),
                                 hovertemplate=hover + "<extra>" + label + "</extra>"))
    if baseline:
        sizes = sorted(baseline)
        fig.add_trace(go.Scatter(x=sizes, y=[baseline[s] for s in sizes], name=baseline_name, mode="lines+markers",
                                 line=dict(color=BASELINE_COLOR, dash="dash", width=2),
                                 hovertemplate=hover + "<extra>" + baseline_name + "</extra>"))
    _layout(fig, title, height)
    fig.update_layout(hovermode="closest")
    sizes = sorted({p.size for p in points} | set(baseline or {}))
    fig.update_xaxes(type="log", title_text=text(lang, "embeddings.learning_curve.x"), tickvals=sizes,
                     ticktext=[f"{s:,}" for s in sizes])
    fig.update_yaxes(title_text=text(lang, "embeddings.learning_curve.y"), tickformat=".0%")
    return fig


def word_maps(panels: Sequence[tuple[str, Any]], *, title: str | None = None, height: int = 620,
              min_move: float = 1e-6, lang: str = DEFAULT) -> go.Figure:
    """Side-by-side maps, one per ``(panel title, map)``; a map has ``words``, ``before`` and
    ``after`` (n, 2) and ``polarity`` (share of positive occurrences per word), like
    ``lstm_core.compare.WordMap``. Words sit at their place after training, coloured by polarity;
    a faint ring and an arrow mark where they started when training moved them."""
    n = max(1, len(panels))
    fig = make_subplots(rows=1, cols=n, subplot_titles=[t for t, _ in panels] or None,
                        horizontal_spacing=0.04)
    shown: set[str] = set()
    for col, (_, m) in enumerate(panels, 1):
        words = list(m.words)
        before, after = np.asarray(m.before, np.float64), np.asarray(m.after, np.float64)
        classes = [polarity_class(p) for p in m.polarity]
        moved = np.linalg.norm(after - before, axis=1) > min_move * max(1.0, float(np.abs(after).max(initial=0)))
        axis = "" if col == 1 else str(col)
        for i in np.flatnonzero(moved):
            fig.add_annotation(x=after[i, 0], y=after[i, 1], ax=before[i, 0], ay=before[i, 1],
                               xref=f"x{axis}", yref=f"y{axis}", axref=f"x{axis}", ayref=f"y{axis}",
                               showarrow=True, arrowhead=2, arrowsize=1, arrowwidth=1.2, opacity=0.6,
                               arrowcolor=CLASS_COLORS[classes[i]], text="")
        if moved.any():
            idx = np.flatnonzero(moved)
            colors = [CLASS_COLORS[classes[i]] for i in idx]
            fig.add_trace(go.Scatter(x=before[idx, 0], y=before[idx, 1], mode="markers",
                                     name=text(lang, "embeddings.map.before"),
                                     legendgroup="before", showlegend="before" not in shown,
                                     marker=dict(size=7, symbol="circle-open", color=colors),
                                     text=[words[i] for i in idx],
                                     hovertemplate=text(lang, "embeddings.map.before_hover") + "<extra></extra>"),
                          row=1, col=col)
            shown.add("before")
        for cls in ("positive", "negative", "neutral"):
            idx = [i for i, c in enumerate(classes) if c == cls]
            if not idx:
                continue
            fig.add_trace(go.Scatter(x=after[idx, 0], y=after[idx, 1], mode="markers+text",
                                     name=text(lang, f"embeddings.map.{cls}"),
                                     legendgroup=cls, showlegend=cls not in shown, text=[words[i] for i in idx],
                                     textposition="top center", textfont=dict(size=10, color=CLASS_COLORS[cls]),
                                     marker=dict(size=9, color=CLASS_COLORS[cls], line=dict(color="white", width=1)),
                                     customdata=[m.polarity[i] for i in idx],
                                     hovertemplate=text(lang, "embeddings.map.hover") + "<extra></extra>"),
                          row=1, col=col)
            shown.add(cls)
    _layout(fig, title, height)
    fig.update_layout(hovermode="closest")
    fig.update_xaxes(showticklabels=False, showgrid=False)
    fig.update_yaxes(showticklabels=False, showgrid=False)
    return fig
