"""Plotly figures of data and training, as pure functions of plain numbers.

Every builder takes lists, dicts and numbers (what a ``Run``, a job snapshot or a
data summary holds) and returns a ``plotly.graph_objects.Figure``; nothing here
reads files, trains or imports Streamlit, so tests inspect the figures as objects.
Trace names are part of the interface (tests and pages find traces by name). Every text a figure
draws of its own (titles, axis titles, legend names, hovers) is in the catalogue ``figures``, in the
language ``lang`` (English unless a page passes the reader's).
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go

from .i18n import text

TRAIN_COLOR = "#0E7C86"  # teal: the training split
VAL_COLOR = "#E0761F"  # orange: the validation split
BASELINE_COLOR = "#6B7280"  # grey: references
# Colour-blind safe: positive/negative and the runs' colours come from the Okabe-Ito palette (no
# red-green pair, which 1 in 12 men cannot tell apart; the gates and theory figures use it too).
POS_COLOR, NEG_COLOR = "#0072B2", "#D55E00"  # blue, vermillion
RUN_COLORS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9", "#000000", "#F0E442")
FONT = dict(family="Source Sans Pro, sans-serif", size=13)
BASELINE_NAME = "TF-IDF + LR baseline"  # the English legend name (tests find the trace by it)
DEFAULT_TITLE = "(the builder's own title)"  # a builder's default: its title in ``lang``; None draws none


def _title(title: str | None, lang: str, key: str) -> str | None:
    return text(lang, key) if title is DEFAULT_TITLE else title


def safe(text: str) -> str:
    """User text (a run's name, a typed word) for plotly, which renders some HTML tags (<a href>,
    <b>) in titles, legends, labels and hovers: ``<``, ``>`` and ``&`` shown, never interpreted."""
    return html.escape(str(text), quote=False)


def _frame(title: str | None, height: int) -> dict:
    """The layout every figure here shares: title, size, font, margins, legend below, white plot."""
    return dict(title=dict(x=0, xanchor="left", **({"text": safe(title)} if title else {})), height=height, font=FONT,
                margin=dict(l=50, r=20, t=60 if title else 36, b=40),
                legend=dict(orientation="h", yanchor="top", y=-0.2, xanchor="left", x=0),
                plot_bgcolor="white", hovermode="x unified",
                uirevision="keep")  # keep the student's zoom while the figure updates every second


AXIS = dict(showgrid=True, gridcolor="#EEF0F2", zeroline=False)  # every axis


def _layout(fig: go.Figure, title: str | None, height: int) -> go.Figure:
    fig.update_layout(_frame(title, height))
    fig.update_xaxes(AXIS)
    fig.update_yaxes(AXIS)
    return fig


def trace(kind: str, **props: Any) -> dict:
    """A trace as plain properties (``kind``: "scatter", "heatmap", "bar"), for :func:`unvalidated`."""
    return dict(props, type=kind)


def unvalidated(data: Sequence[dict], layout: dict) -> go.Figure:
    """The figure of plain-dict traces and layout, without plotly's property-by-property validation.
    The live chart is redrawn every second for every watching session and the Gates page's figures at
    every keystroke: validated, building the live chart took 47-59 ms and was 57% of the server's time
    with 30 students (bench_classroom, profiled); unvalidated, a few ms. Tests validate what every
    builder returns instead (a wrong property raises there)."""
    layout = {k: v for k, v in layout.items() if not (isinstance(v, list) and not v)}  # no shapes: none drawn
    return go.Figure(dict(data=list(data), layout=layout), _validate=False)


# Two panels side by side, as make_subplots(rows=1, cols=2, horizontal_spacing=0.11) places them.
PANEL_DOMAINS = ((0.0, 0.445), (0.555, 1.0))


def _panels(titles: tuple[str, str], traces: Sequence[tuple[int, dict]], layout: dict, title: str | None,
            height: int) -> go.Figure:
    """Loss-and-accuracy style figures: ``traces`` are (panel 1 or 2, scatter properties)."""
    axes = {}
    for panel, (low, high) in enumerate(PANEL_DOMAINS, start=1):
        suffix = "" if panel == 1 else str(panel)
        axes[f"xaxis{suffix}"] = dict(AXIS, anchor=f"y{suffix}", domain=[low, high], **layout.get(f"xaxis{suffix}", {}))
        axes[f"yaxis{suffix}"] = dict(AXIS, anchor=f"x{suffix}", domain=[0.0, 1.0], **layout.get(f"yaxis{suffix}", {}))
    annotations = [dict(text=text, x=(low + high) / 2, y=1.0, xref="paper", yref="paper", xanchor="center",
                        yanchor="bottom", showarrow=False, font=dict(size=16))
                   for text, (low, high) in zip(titles, PANEL_DOMAINS)]
    rest = {k: v for k, v in layout.items() if not k.startswith(("xaxis", "yaxis"))}
    data = [trace("scatter", **props, xaxis="x" if panel == 1 else f"x{panel}", yaxis="y" if panel == 1 else f"y{panel}")
            for panel, props in traces]
    return unvalidated(data, dict(_frame(title, height), annotations=annotations, **axes, **rest))


def _values(mapping: Mapping[str, Sequence[float]], key: str) -> list[float]:
    """``mapping[key]`` as a list (lists, tuples or arrays), empty when absent."""
    values = mapping.get(key)
    return [] if values is None else [float(v) for v in values]


def ema(values: Sequence[float], smoothing: float = 0.8) -> np.ndarray:
    """Exponential moving average, debiased like TensorBoard's (the first points are not pulled
    towards 0); NaNs are skipped. ``smoothing`` 0 returns the values, close to 1 smooths hard."""
    if not 0.0 <= smoothing < 1.0:
        raise ValueError(f"smoothing must be in [0, 1), got {smoothing!r}")
    out = np.empty(len(values), dtype=np.float64)
    acc, weight = 0.0, 0.0
    for i, v in enumerate(values):
        if not math.isnan(v):
            acc = smoothing * acc + (1 - smoothing) * v
            weight = smoothing * weight + (1 - smoothing)
        out[i] = acc / weight if weight else math.nan
    return out


def batches_per_epoch(batches: Mapping[str, Sequence[float]]) -> int:
    """Batches in an epoch as recorded: the most seen in any one epoch (exact once one epoch ends)."""
    epochs = _values(batches, "epoch")
    if not epochs:
        return 1
    _, counts = np.unique(np.asarray(epochs, dtype=np.int64), return_counts=True)
    return int(counts.max())


def whole_groups(batches: Mapping[str, Sequence[float]], group: int) -> dict[str, Sequence[float]]:
    """The per-batch curves cut to a whole number of ``group`` batches (all of them while there are
    fewer): what a live chart draws, so that everyone watching one training asks for the same figure
    until the next group is in (``ui.shared`` builds it once), at most ``group - 1`` batches behind."""
    if group < 1:
        raise ValueError(f"group must be at least 1 batch, got {group!r}")
    steps = len(_values(batches, "step"))
    keep = steps - steps % group if steps >= group else steps
    return {key: values[:keep] for key, values in batches.items()}


def training_curves(batches: Mapping[str, Sequence[float]], history: Mapping[str, Sequence[float]], *,
                    per_epoch_batches: int | None = None, epochs: int | None = None,
                    baseline_accuracy: float | None = None, smoothing: float = 0.8,
                    title: str | None = None, height: int = 380, lang: str = "en") -> go.Figure:
    """Loss and accuracy side by side, against epochs (batch k of epoch e sits at e + k/n).

    Per batch: the raw values faint and their moving average bold; per epoch: train and
    validation as markers at the end of each epoch; ``baseline_accuracy`` as a dashed line
    across the accuracy panel. ``epochs`` fixes the x range (the planned maximum, so a live
    chart does not rescale every second)."""
    n = per_epoch_batches or batches_per_epoch(batches)
    steps = np.asarray(_values(batches, "step"), dtype=np.float64)
    x_batch = (steps + 1) / n
    n_epochs = max(len(_values(history, "loss")), len(_values(history, "val_loss")))
    x_epoch = np.arange(1, n_epochs + 1)
    traces = []
    for panel, metric in ((1, "loss"), (2, "accuracy")):
        first = panel == 1
        raw = np.asarray(_values(batches, metric), dtype=np.float64)  # (steps,): sent as base64, not text
        traces.append((panel, dict(x=x_batch, y=raw, name=text(lang, "figures.curves.train_batch"), mode="lines",
                                   line=dict(color=TRAIN_COLOR, width=1), opacity=0.25, legendgroup="batch",
                                   showlegend=first, hoverinfo="skip")))
        traces.append((panel, dict(x=x_batch, y=ema(raw.tolist(), smoothing) if raw.size else [],
                                   name=text(lang, "figures.curves.train_smoothed"), mode="lines",
                                   line=dict(color=TRAIN_COLOR, width=2.5), legendgroup="smooth",
                                   showlegend=first, hovertemplate="%{y:.3f}")))
        for key, label, color in ((metric, text(lang, "figures.curves.train_epoch"), TRAIN_COLOR),
                                  (f"val_{metric}", text(lang, "figures.curves.val_epoch"), VAL_COLOR)):
            values = _values(history, key)
            traces.append((panel, dict(x=x_epoch[:len(values)], y=values, name=label, mode="lines+markers",
                                       marker=dict(size=9, color=color, line=dict(color="white", width=1)),
                                       line=dict(color=color, width=1.5, dash="dot" if key == metric else "solid"),
                                       legendgroup=label, showlegend=first, hovertemplate="%{y:.3f}")))
    x_max = max(float(epochs or 0), float(x_batch[-1]) if len(x_batch) else 0.0, float(n_epochs), 1.0)
    if baseline_accuracy is not None:
        traces.append((2, dict(x=[0, x_max], y=[baseline_accuracy] * 2, name=text(lang, "figures.baseline"),
                               mode="lines", line=dict(color=BASELINE_COLOR, width=2, dash="dash"),
                               hovertemplate=text(lang, "figures.curves.baseline_hover",
                                                  accuracy=baseline_accuracy))))
    accuracies = [v for v in _values(batches, "accuracy") if not math.isnan(v)]
    low = min([0.4, *accuracies, *([baseline_accuracy] if baseline_accuracy is not None else [])])
    x_axis = dict(title=dict(text=text(lang, "figures.epoch")), range=[0, x_max * 1.02])
    return _panels((text(lang, "figures.loss"), text(lang, "figures.accuracy")), traces,
                   dict(xaxis=x_axis, xaxis2=x_axis, yaxis2=dict(range=[max(0.0, low - 0.02), 1.0], tickformat=".0%")),
                   title, height)


def confusion_matrix(confusion: Sequence[Sequence[int]], *, labels: Sequence[str] | None = None,
                     title: str | None = DEFAULT_TITLE, height: int = 340, lang: str = "en") -> go.Figure:
    """Counts and row shares: rows are the true class, columns the predicted one (``labels``: the
    classes' names, by default negative and positive in ``lang``)."""
    labels = labels or (text(lang, "figures.negative"), text(lang, "figures.positive"))
    title = _title(title, lang, "figures.confusion.title")
    z = np.asarray(confusion, dtype=np.int64)
    if z.shape != (len(labels), len(labels)):
        raise ValueError(f"confusion must be {len(labels)}x{len(labels)}, got shape {z.shape}")
    rows = z.sum(axis=1, keepdims=True)
    share = np.divide(z, rows, out=np.zeros(z.shape, dtype=np.float64), where=rows > 0)
    cells = [[f"{z[i, j]:,}<br>{share[i, j]:.0%}" for j in range(len(labels))]
            for i in range(len(labels))]
    fig = go.Figure(go.Heatmap(z=share, x=[text(lang, "figures.confusion.predicted", label=label) for label in labels],
                               y=[text(lang, "figures.confusion.true", label=label) for label in labels],
                               text=cells, texttemplate="%{text}",
                               colorscale=[[0, "#F4F7F7"], [1, TRAIN_COLOR]], zmin=0, zmax=1, showscale=False,
                               textfont=dict(size=14),
                               customdata=[[labels[i]] * len(labels) for i in range(len(labels))],
                               hovertemplate=text(lang, "figures.confusion.hover"),
                               name=text(lang, "figures.confusion.name")))
    _layout(fig, title, height)
    fig.update_layout(hovermode="closest")
    fig.update_yaxes(autorange="reversed", showgrid=False)
    fig.update_xaxes(showgrid=False, side="bottom", tickangle=0)
    return fig


def length_histogram(before: Sequence[int], after: Sequence[int], *, max_len: int | None = None,
                     title: str | None = DEFAULT_TITLE, height: int = 340, lang: str = "en") -> go.Figure:
    """Words per review as written and tokens per review after cleaning, overlaid; a dashed line
    at ``max_len`` (what the model sees; longer reviews are cut). The x axis stops at the 99th
    percentile so that a few very long reviews do not squash the rest."""
    fig = go.Figure()
    for values, key, color in ((before, "raw", BASELINE_COLOR), (after, "cleaned", TRAIN_COLOR)):
        name = text(lang, f"figures.lengths.{key}")
        fig.add_trace(go.Histogram(x=list(values), name=name, marker_color=color, opacity=0.6, nbinsx=60,
                                   hovertemplate=text(lang, "figures.lengths.hover", name=name)))
    fig.update_layout(barmode="overlay")
    _layout(fig, _title(title, lang, "figures.lengths.title"), height)
    fig.update_layout(hovermode="closest")
    both = np.concatenate([np.asarray(before, dtype=np.float64), np.asarray(after, dtype=np.float64)])
    if len(both):
        fig.update_xaxes(range=[0, max(float(np.percentile(both, 99)), float(max_len or 0)) * 1.05])
    if max_len is not None:
        fig.add_vline(x=max_len, line=dict(color=VAL_COLOR, dash="dash", width=2),
                      annotation_text=text(lang, "figures.lengths.max_len", max_len=max_len),
                      annotation_position="top right")
    fig.update_xaxes(title_text=text(lang, "figures.lengths.length"))
    fig.update_yaxes(title_text=text(lang, "figures.reviews"))
    return fig


def class_balance(counts: Mapping[str, Mapping[str, int]], *, title: str | None = DEFAULT_TITLE,
                  height: int = 300, lang: str = "en") -> go.Figure:
    """``{"train": {"pos": n, "neg": n}, "test": {...}}`` as grouped bars, one group per split (the
    splits "train" and "test" named in ``lang``)."""
    splits = [text(lang, f"figures.split.{s}") if s in ("train", "test") else s for s in counts]
    fig = go.Figure()
    for cls, key, color in (("neg", "negative", NEG_COLOR), ("pos", "positive", POS_COLOR)):
        name = text(lang, f"figures.{key}")
        values = [int(counts[s].get(cls, 0)) for s in counts]
        fig.add_trace(go.Bar(x=splits, y=values, name=name, marker_color=color, text=[f"{v:,}" for v in values],
                             textposition="auto", hovertemplate=text(lang, "figures.balance.hover", name=name)))
    fig.update_layout(barmode="group")
    _layout(fig, _title(title, lang, "figures.balance.title"), height)
    fig.update_layout(hovermode="closest")
    fig.update_yaxes(title_text=text(lang, "figures.reviews"))
    return fig


def run_overlay(runs: Sequence[tuple[str, Mapping[str, Sequence[float]]]], *,
                baseline_accuracy: float | None = None, title: str | None = DEFAULT_TITLE,
                height: int = 380, lang: str = "en") -> go.Figure:
    """Per-epoch loss and accuracy of several runs (``(name, history)`` pairs): one colour per run,
    validation solid, training dotted."""
    longest, traces = 1, []
    for i, (name, history) in enumerate(runs):
        color = RUN_COLORS[i % len(RUN_COLORS)]
        for panel, metric in ((1, "loss"), (2, "accuracy")):
            for key, dash, which in ((f"val_{metric}", "solid", "validation"), (metric, "dot", "train")):
                values = _values(history, key)
                longest = max(longest, len(values))
                traces.append((panel, dict(x=list(range(1, len(values) + 1)), y=values,
                                           name=text(lang, f"figures.overlay.{which}", name=safe(name)),
                                           mode="lines+markers", line=dict(color=color, dash=dash, width=2),
                                           marker=dict(size=6), legendgroup=name, showlegend=panel == 1,
                                           hovertemplate="%{y:.3f}")))
    if baseline_accuracy is not None:
        traces.append((2, dict(x=[0, longest], y=[baseline_accuracy] * 2, name=text(lang, "figures.baseline"),
                               mode="lines", line=dict(color=BASELINE_COLOR, width=2, dash="dash"))))
    x_axis = dict(title=dict(text=text(lang, "figures.epoch")), range=[0, longest + 0.3])
    return _panels((text(lang, "figures.loss"), text(lang, "figures.accuracy")), traces,
                   dict(xaxis=x_axis, xaxis2=x_axis, yaxis2=dict(tickformat=".0%")),
                   _title(title, lang, "figures.overlay.title"), height)


def queue_chart(jobs: Sequence[tuple[str, str, str, float, float | None]], *,
                title: str | None = DEFAULT_TITLE, height: int | None = None, lang: str = "en") -> go.Figure:
    """One bar per job, running first then queued in order: (name, who, status, fraction done,
    seconds left or until it starts, None if unknown). A bar's length is the share done."""
    names = [f"{safe(who)}: {safe(name)}" for name, who, *_ in jobs]
    done = [float(frac) for *_, frac, _ in jobs]
    colors = [TRAIN_COLOR if status == "running" else BASELINE_COLOR for _, _, status, *_ in jobs]
    labels = [text(lang, f"figures.queue.{'running' if status == 'running' else 'waiting'}"
                         f"{'' if left is None else '_left'}", left=left)
              for _, _, status, _, left in jobs]
    fig = go.Figure(go.Bar(x=done, y=names, orientation="h", marker_color=colors, text=labels,
                           textposition="outside", name=text(lang, "figures.queue.done"),
                           hovertemplate="%{y}: %{x:.0%}<extra></extra>"))
    _layout(fig, _title(title, lang, "figures.queue.title"), height or 120 + 28 * len(jobs))
    fig.update_xaxes(range=[0, 1.25], tickformat=".0%", title=text(lang, "figures.queue.done"))
    fig.update_yaxes(autorange="reversed")
    fig.update_layout(hovermode="closest", showlegend=False)
    return fig
