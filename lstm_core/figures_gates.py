"""Plotly figures of one text's gates, as pure functions of tokens and (T, units) arrays.

Builders take the token labels, arrays and numbers an :class:`lstm_core.explain.Explanation` holds and
return a ``plotly.graph_objects.Figure`` (``equations_latex`` returns LaTeX lines); nothing here runs
a model or imports Streamlit. Time runs along x (one column per token, in reading order).

Colour: every heatmap shares one diverging scale from -1 to 1 (ColorBrewer PuOr, safe for the common
colour-vision deficiencies): 0 is white, so a closed gate (0) is blank and an open one (1) is full
orange, while candidates and states show their sign (purple below 0). Cell states beyond ±1 take the
end colour; hover shows every exact value. P(positive) uses ColorBrewer RdBu (red negative, blue
positive), also colour-blind safe; lines use the Okabe-Ito palette.

Tokens are user text: they are HTML-escaped before plotly sees them (plotly renders a few tags in
labels and hovers), so ``<b>`` or ``<script>`` is shown as written.

Every builder draws its titles, names and hovers in ``lang`` (``assets/i18n/<lang>/gates_figures.toml``);
the page passes its titles already in the reader's language.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go

from .figures import FONT, safe, trace, unvalidated
from .i18n import text

GATE_SCALE = [[0.0, "#2D004B"], [0.1, "#542788"], [0.25, "#8073AC"], [0.4, "#D8DAEB"], [0.5, "#F7F7F7"],
              [0.6, "#FEE0B6"], [0.75, "#FDB863"], [0.9, "#E08214"], [1.0, "#7F3B08"]]  # PuOr, -1 .. 1
P_SCALE = [[0.0, "#B2182B"], [0.25, "#EF8A62"], [0.5, "#F7F7F7"], [0.75, "#67A9CF"], [1.0, "#2166AC"]]  # RdBu
NEG_P, POS_P = "#B2182B", "#2166AC"
# Okabe-Ito: distinguishable with every common colour-vision deficiency
LINE_COLORS = {"i": "#0072B2", "f": "#E69F00", "g": "#CC79A7", "o": "#009E73", "c": "#56B4E9", "h": "#D55E00",
               "z": "#E69F00", "r": "#0072B2", "hh": "#CC79A7"}
ARRAY_NAMES = ("i", "f", "g", "o", "c", "h", "z", "r", "hh")


def _t(lang: str, key: str, /, **fields: Any) -> str:
    return text(lang, f"gates_figures.{key}", **fields)


def array_name(array: str, lang: str = "en") -> str:
    """A traced array's name as a reader sees it: "forget gate f" (the array's own name if unknown)."""
    return _t(lang, f"name.{array}") if array in ARRAY_NAMES else array


NAMES = {k: array_name(k) for k in ARRAY_NAMES}  # in English, by array
# Browser cost of redrawing a chart at every keystroke (Plotly.react in Chromium, 200 tokens): each
# token label is measured (50 labels: 47 ms for a line chart, 25: ~20 ms), and heatmap cells with
# gaps are drawn one by one (6 x 64 x 200 cells: 168 ms with gaps, 34 ms without).
MAX_TICKS = 25  # token labels shown on an axis; more are thinned (hover always names the token)
MAX_GAPS = 40  # tokens up to which heatmap cells are drawn with a white gap between words
GRID = "#EEF0F2"
MAX_MARKERS = 60  # tokens up to which line charts mark every token (SVG markers cost the browser ~1 ms each)
SIDE_LEGEND = dict(orientation="v", yanchor="top", y=1.0, xanchor="left", x=1.01)  # clear of title and ticks


def _token_axis(labels: Sequence[str], categories: Sequence[str] | None = None) -> dict[str, Any]:
    """Token names as tick labels (at most MAX_TICKS of them) on a numeric axis 0 .. T-1, or on a
    category axis whose categories are ``categories``."""
    n = len(labels)
    every = max(1, math.ceil(n / MAX_TICKS))
    ticks = list(range(0, n, every))
    return dict(tickmode="array", tickvals=ticks if categories is None else [categories[t] for t in ticks],
                ticktext=[safe(labels[t]) for t in ticks],
                tickangle=-45 if n > 8 else 0, range=[-0.5, n - 0.5], showgrid=False)


def _as_2d(name: str, values: Any, n_tokens: int) -> np.ndarray:
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim != 2 or arr.shape[0] != n_tokens:
        raise ValueError(f"{name} must have shape (T, units) with T = {n_tokens} tokens, got {arr.shape}")
    return arr


def _check_order(order: Sequence[int] | None, units: int) -> np.ndarray:
    """The units to draw, top to bottom: all of them by default, or some of them in any order."""
    if order is None:
        return np.arange(units)
    order = np.asarray(order, dtype=np.int64)
    ok = order.ndim == 1 and len(order) > 0 and len(set(order.tolist())) == len(order)
    if not ok or order.min() < 0 or order.max() >= units:
        raise ValueError(f"order must list distinct units among the {units} units, got {order.tolist()}")
    return order


def _figure(traces: list[Any], title: str | None, height: int, *, hovermode: str = "x unified",
            margin: dict[str, int] | None = None, **layout: Any) -> go.Figure:
    """The figure in one construction, unvalidated (``figures.unvalidated``), in :mod:`lstm_core.figures`'
    style. (Plotly re-walks a figure at every ``update_*``/``add_*`` call and validates every property;
    the Gates page redraws its figures at each keystroke, for every student.)"""
    base: dict[str, Any] = dict(
        height=height, font=FONT, plot_bgcolor="white", hovermode=hovermode, uirevision="keep",
        margin=margin or dict(l=50, r=20, t=60 if title else 30, b=40),
        legend=dict(orientation="h", yanchor="bottom", y=1.04, xanchor="left", x=0))
    if title:
        base["title"] = dict(text=title)
    return unvalidated(traces, {**base, **layout})


def _grid(**kwargs: Any) -> dict[str, Any]:
    return dict(showgrid=True, gridcolor=GRID, zeroline=False, **kwargs)


def _line_mode(n_tokens: int) -> str:
    return "lines+markers" if n_tokens <= MAX_MARKERS else "lines"


def _ref(axis: str, row: int) -> str:
    return f"{axis}{row if row > 1 else ''}"


SCALES = ("gates", "states", "difference")


def _scale_ticks(scale: str, lang: str) -> list[str]:
    """The colour bar's five tick labels, -1 .. 1: what 0 and 1 mean for gates, their sign for a difference."""
    if scale == "gates":
        return ["≤ -1", "-0.5", _t(lang, "heatmap.closed"), "0.5", _t(lang, "heatmap.open")]
    if scale == "difference":
        return [_t(lang, "heatmap.lower"), "-0.5", _t(lang, "heatmap.same"), "0.5", _t(lang, "heatmap.higher")]
    return ["≤ -1", "-0.5", "0", "0.5", "≥ 1"]
PANEL_TITLE_PX = 24  # the panel's name above it


def _tick_px(n_tokens: int) -> int:
    """Room under a panel for its token labels (slanted beyond 8 tokens)."""
    return 70 if n_tokens > 8 else 28


def gate_heatmaps(labels: Sequence[str], arrays: Mapping[str, Any], *, order: Sequence[int] | None = None,
                  unit_scores: Sequence[float] | None = None, score_name: str = "",
                  selected: tuple[int, int] | None = None, title: str | None = None,
                  panel_height: int | None = None, scale: str = "gates", lang: str = "en") -> go.Figure:
    """One token × unit heatmap per array (``{"i": (T, units), ...}``), stacked, each with the tokens
    under it, one shared colour axis. ``order`` lists the units to draw top to bottom (all by
    default, or a subset); ``unit_scores`` (by unit index) are shown in the hover after
    ``score_name``; ``selected`` = (unit, step) is outlined when that unit is drawn. ``scale`` names the colour
    bar's ends: "gates" (0 closed, 1 open), "states" (a Simple RNN's h: no gates) or "difference"
    (the arrays are differences between two texts: lower, the same, higher).
    The axes are categories "t: token" and "unit u" (hover shows them; ticks show token and unit)."""
    if not arrays:
        raise ValueError("arrays is empty: give at least one (T, units) array")
    if scale not in SCALES:
        raise ValueError(f"scale must be one of {', '.join(SCALES)}, got {scale!r}")
    n = len(labels)
    mats = {name: _as_2d(name, a, n) for name, a in arrays.items()}
    units = next(iter(mats.values())).shape[1]
    order = _check_order(order, units)
    # Category labels unique per token and unit carry the hover text (a 2D text array per panel
    # would be 6 x T x units strings to validate and send: 0.5 s for 300 tokens x 64 units).
    tokens = [safe(t) for t in labels]
    x = [f"{t}: {token}" for t, token in enumerate(tokens)]
    scores = None if unit_scores is None else np.asarray(unit_scores, dtype=np.float64)
    y = [_t(lang, "heatmap.unit", unit=u) if scores is None else
         _t(lang, "heatmap.unit_scored", unit=u, score_name=safe(score_name), score=scores[u]) for u in order]
    rows = len(mats)
    panel = panel_height or int(np.clip(len(order) * 12, 110, 260))  # 12 px: a unit's name stays legible
    ticks = _tick_px(n)
    plot = rows * (PANEL_TITLE_PX + panel) + (rows - 1) * ticks  # px between the top and bottom margins
    traces, axes, titles, shapes = [], {}, [], []
    hit = [] if selected is None else np.flatnonzero(order == selected[0])
    at = int(hit[0]) if len(hit) else None
    difference = scale == "difference"
    for row, (name, mat) in enumerate(mats.items(), start=1):
        top_px = (row - 1) * (PANEL_TITLE_PX + panel + ticks) + PANEL_TITLE_PX
        top, bottom = 1.0 - top_px / plot, 1.0 - (top_px + panel) / plot
        shown = safe(_t(lang, "heatmap.delta", name=array_name(name, lang)) if difference else array_name(name, lang))
        traces.append(trace("heatmap",
            z=np.round(mat[:, order].T, 6), x=x, y=y, coloraxis="coloraxis", name=name, xgap=int(n <= MAX_GAPS), ygap=0,
            hoverongaps=False, xaxis=_ref("x", row), yaxis=_ref("y", row),
            hovertemplate=_t(lang, "heatmap.hover", name=shown)))
        axes[_ref("yaxis", row)] = dict(
            domain=[max(0.0, bottom), min(1.0, top)], anchor=_ref("x", row), type="category", autorange="reversed",
            showgrid=False, showticklabels=len(order) <= 40, ticks="", tickfont=dict(size=10), tickmode="array",
            tickvals=y, ticktext=[_t(lang, "heatmap.unit", unit=u) for u in order])
        axes[_ref("xaxis", row)] = dict(anchor=_ref("y", row), type="category", zeroline=False,
                                        **({"matches": "x"} if row > 1 else {}), **_token_axis(labels, x))
        titles.append(dict(text=shown, x=0.5, xref="paper", y=top, yref="paper",
                           yanchor="bottom", xanchor="center", showarrow=False, font=dict(size=14)))
        if at is not None:  # the unit's row thinly, its cell at the word boldly, in every panel
            refs = dict(type="rect", xref=_ref("x", row), yref=_ref("y", row), y0=at - 0.5, y1=at + 0.5)
            shapes += [dict(refs, x0=-0.5, x1=n - 0.5, line=dict(color="#1F2A30", width=1)),
                       dict(refs, x0=selected[1] - 0.5, x1=selected[1] + 0.5, line=dict(color="black", width=3))]
    top_margin = 50 if title else 30
    return _figure(
        traces, title, plot + top_margin + ticks + 10, hovermode="closest", showlegend=False, annotations=titles,
        shapes=shapes, margin=dict(l=60, r=20, t=top_margin, b=ticks + 10), **axes,
        coloraxis=dict(colorscale=GATE_SCALE, cmin=-1.0, cmax=1.0,
                       colorbar=dict(title=dict(text=_t(lang, "heatmap.difference" if difference else "heatmap.value"),
                                                side="right"),
                                     len=0.6, thickness=14, tickvals=[-1, -0.5, 0, 0.5, 1],
                                     ticktext=_scale_ticks(scale, lang))))


def gate_means(labels: Sequence[str], arrays: Mapping[str, Any], *, title: str | None = None,
               height: int = 280, lang: str = "en") -> go.Figure:
    """The mean over units of every array at each token, one line per array (a gate's summary)."""
    n = len(labels)
    tokens = [safe(t) for t in labels]
    traces = []
    for name, values in arrays.items():
        mat = _as_2d(name, values, n)
        counts = (~np.isnan(mat)).sum(axis=1)
        mean = np.where(counts > 0, np.nansum(mat, axis=1) / np.maximum(counts, 1), np.nan)  # NaN: no gate ran
        traces.append(trace("scatter", x=list(range(n)), y=mean,
                                       name=_t(lang, "means.name", name=array_name(name, lang)),
                                       mode=_line_mode(n), marker=dict(size=5), customdata=tokens,
                                       line=dict(color=LINE_COLORS.get(name), width=2),
                                       hovertemplate="%{customdata}: %{y:.4f}"))
    return _figure(traces, title, height, legend=SIDE_LEGEND, xaxis=_token_axis(labels),
                   yaxis=_grid(range=[-1.05, 1.05], title=dict(text=_t(lang, "means.axis"))))


def p_ribbon(labels: Sequence[str], p_positive: Sequence[float], *, flips: Sequence[int] = (),
             title: str | None = None, height: int = 260, lang: str = "en") -> go.Figure:
    """P(positive) after each token: a line over a ribbon of tokens coloured by it, with a marker
    at every token where the prediction crosses 0.5; the last one, which decides the label, is bold
    and named, the others are dotted with ▲/▼ (named on hover)."""
    n = len(labels)
    p = np.asarray(p_positive, dtype=np.float64)
    if p.shape != (n,):
        raise ValueError(f"p_positive must have one value per token ({n}), got shape {p.shape}")
    tokens = [safe(t) for t in labels]
    traces = [
        trace("scatter", x=[-0.5, n - 0.5], y=[0.5, 0.5], mode="lines", name=_t(lang, "ribbon.undecided"),
                         line=dict(color="#6B7280", dash="dash", width=1), hoverinfo="skip"),
        trace("scatter", x=list(range(n)), y=p, name="P(positive)", mode=_line_mode(n),
                         line=dict(color="#333333", width=2),
                         marker=dict(size=7, color=p, colorscale=P_SCALE, cmin=0, cmax=1, line=dict(color="#333333", width=0.5)),
                         customdata=tokens, hovertemplate=_t(lang, "ribbon.hover")),
        trace("heatmap", z=[p], x=list(range(n)), y=["P"], zmin=0, zmax=1, colorscale=P_SCALE, showscale=False,
                         text=[tokens], texttemplate="%{text}" if n <= 40 else None, textfont=dict(size=11),
                         xgap=int(n <= MAX_GAPS),
                         name=_t(lang, "ribbon.name"), xaxis="x2", yaxis="y2", hovertemplate="%{text}: P(positive) = %{z:.6f}<extra></extra>"),
    ]
    shapes, notes = [], []
    for k, t in enumerate(flips):
        last = k == len(flips) - 1
        to = "positive" if p[t] >= 0.5 else "negative"
        color = POS_P if to == "positive" else NEG_P
        style = dict(width=3 if last else 1.5, dash="solid" if last else "dot")
        shapes += [dict(type="line", x0=t, x1=t, xref="x", y0=0, y1=1, yref="y domain", line=dict(color=color, **style)),
                   dict(type="rect", x0=t - 0.5, x1=t + 0.5, xref="x2", y0=-0.5, y1=0.5, yref="y2",
                        line=dict(color="black", **style))]
        # only the decisive flip in words: no overlaps
        said = _t(lang, f"ribbon.{'flip' if last else 'turn'}_{to}", token=tokens[t])
        notes.append(dict(x=t, y=1.0, xref="x", yref="y domain", yanchor="bottom", showarrow=False,
                          text=said if last else ("▲" if to == "positive" else "▼"), hovertext=said,
                          font=dict(color=color, size=12)))
    return _figure(
        traces, title, height, hovermode="closest", showlegend=False, shapes=shapes, annotations=notes,
        margin=dict(l=60, r=20, t=50 if title else 30, b=70),
        xaxis=dict(anchor="y", matches="x2", showticklabels=False, showgrid=False, zeroline=False),
        xaxis2=dict(anchor="y2", zeroline=False, showticklabels=n > 40, **_token_axis(labels)),  # else in the cells
        yaxis=_grid(domain=[0.36, 1.0], anchor="x", range=[-0.02, 1.02], tickformat=".0%",
                    title=dict(text="P(positive)")),
        yaxis2=dict(domain=[0.0, 0.32], anchor="x2", showticklabels=False, ticks="", showgrid=False, zeroline=False))


def unit_story(labels: Sequence[str], arrays: Mapping[str, Any], unit: int, *, step: int | None = None,
               p_positive: Sequence[float] | None = None, title: str | None = None,
               height: int = 320, lang: str = "en") -> go.Figure:
    """One unit across the text: each array's column ``unit`` as a line (gates, candidate, c, h),
    P(positive) dotted for comparison, and the selected ``step`` marked."""
    n = len(labels)
    tokens = [safe(t) for t in labels]
    traces = []
    for name, values in arrays.items():
        mat = _as_2d(name, values, n)
        if not 0 <= unit < mat.shape[1]:
            raise ValueError(f"unit must be in [0, {mat.shape[1] - 1}], got {unit!r}")
        traces.append(trace("scatter", x=list(range(n)), y=mat[:, unit], name=array_name(name, lang),
                                       mode=_line_mode(n),
                                       line=dict(color=LINE_COLORS.get(name), width=2.5 if name in ("c", "h") else 1.8,
                                                 dash="dot" if name == "g" else "solid"),
                                       marker=dict(size=5), customdata=tokens,
                                       hovertemplate=f"{safe(name)} = %{{y:.6f}}<extra></extra>"))
    if p_positive is not None:
        traces.append(trace("scatter", x=list(range(n)), y=list(np.asarray(p_positive, dtype=np.float64)),
                                       name="P(positive)", mode="lines",
                                       line=dict(color="#6B7280", dash="dot", width=1.5),
                                       hovertemplate="P(positive) = %{y:.6f}<extra></extra>"))
    shapes = [] if step is None else [dict(type="line", x0=step, x1=step, xref="x", y0=0, y1=1, yref="y domain",
                                           line=dict(color="black", width=1.5, dash="dash"))]
    return _figure(traces, title, height, shapes=shapes, legend=SIDE_LEGEND, xaxis=_token_axis(labels),
                   yaxis=_grid(title=dict(text=_t(lang, "story.axis", unit=unit))))


def saturation_bars(shares: Mapping[str, tuple[float, float]], *, before: Mapping[str, tuple[float, float]] | None = None,
                    low: float = 0.1, high: float = 0.9, title: str | None = None,
                    height: int | None = None, lang: str = "en") -> go.Figure:
    """Per gate, the share of values below ``low`` (closed), in between and above ``high`` (open), as
    100% stacked bars, with the same shares ``before`` training under each gate when given: Karpathy
    et al. (2015) found forget gates of trained LSTMs often saturated open (integrators that
    remember) and rarely in between."""
    rows = [(array_name(g, lang), shares[g]) for g in shares]
    if before is not None:
        rows = [row for g in shares for row in ((_t(lang, "saturation.trained", name=array_name(g, lang)), shares[g]),
                                                (_t(lang, "saturation.before", name=array_name(g, lang)), before[g]))]
    names = [name for name, _ in rows]
    closed = [float(share[0]) for _, share in rows]
    opened = [float(share[1]) for _, share in rows]
    middle = [max(0.0, 1.0 - a - b) for a, b in zip(closed, opened)]
    traces = [trace("bar", y=names, x=values, name=label, orientation="h", marker_color=color,
                           text=[f"{v:.0%}" if v >= 0.05 else "" for v in values], textposition="inside",
                           insidetextanchor="middle", textangle=0,
                           hovertemplate="%{y}: %{x:.1%} " + safe(label) + "<extra></extra>")
              for values, label, color in ((closed, _t(lang, "saturation.closed", low=low), "#542788"),
                                           (middle, _t(lang, "saturation.between"), "#D9D9D9"),
                                           (opened, _t(lang, "saturation.open", high=high), "#E08214"))]
    return _figure(traces, title, height or 120 + 32 * len(rows), hovermode="closest", barmode="stack",
                   legend=dict(orientation="h", yanchor="bottom", y=1.02, xanchor="right", x=1, traceorder="normal"),
                   margin=dict(l=200, r=20, t=60 if title else 30, b=40),
                   xaxis=_grid(range=[0, 1], tickformat=".0%", title=dict(text=_t(lang, "saturation.axis"))),
                   yaxis=dict(autorange="reversed", showgrid=False))


def timelapse_lines(epochs: Sequence[str], p_last: Sequence[float], open_shares: Mapping[str, Sequence[float]], *,
                    selected: int | None = None, final: int | None = None, high: float = 0.9,
                    title: str | None = None, height: int = 260, lang: str = "en") -> go.Figure:
    """One text over training, one point per snapshot (``epochs`` their labels): P(positive) after
    its last word, and per sigmoid gate the share of its values above ``high`` (open); the
    ``selected`` snapshot marked by a line, the ``final`` model's by a star."""
    n = len(epochs)
    x = [safe(e) for e in epochs]
    p = np.asarray(p_last, dtype=np.float64)
    if p.shape != (n,):
        raise ValueError(f"p_last must have one value per snapshot ({n}), got shape {p.shape}")
    traces = [trace("scatter", x=x, y=p, name=_t(lang, "timelapse.p_last"), mode="lines+markers",
                               line=dict(color="#333333", width=2.5), marker=dict(size=8, color=p, colorscale=P_SCALE,
                                                                                  cmin=0, cmax=1),
                               hovertemplate="%{x}: P(positive) = %{y:.4f}<extra></extra>")]
    for gate, values in open_shares.items():
        v = np.asarray(values, dtype=np.float64)
        if v.shape != (n,):
            raise ValueError(f"open_shares[{gate!r}] must have one value per snapshot ({n}), got shape {v.shape}")
        # not the array's name: pages find the heatmaps by "forget gate f"
        name = _t(lang, "timelapse.gate_open", gate=gate, high=high)
        traces.append(trace("scatter", x=x, y=v, name=safe(name), mode="lines+markers",
                                       line=dict(color=LINE_COLORS.get(gate), width=1.8, dash="dot"),
                                       hovertemplate=f"%{{x}}: {safe(name)} %{{y:.1%}}<extra></extra>"))
    if final is not None:
        traces.append(trace("scatter", x=[x[final]], y=[p[final]], name=_t(lang, "timelapse.final"), mode="markers",
                                       marker=dict(symbol="star", size=16, color="#FFD23F", line=dict(color="black", width=1)),
                                       hovertemplate=_t(lang, "timelapse.final_hover")))
    shapes = [] if selected is None else [dict(type="line", x0=x[selected], x1=x[selected], xref="x", y0=0, y1=1,
                                               yref="y domain", line=dict(color="black", width=1.5, dash="dash"))]
    return _figure(traces, title, height, hovermode="closest", shapes=shapes, legend=SIDE_LEGEND,
                   xaxis=dict(type="category", showgrid=False), margin=dict(l=60, r=20, t=50 if title else 30, b=40),
                   yaxis=_grid(range=[-0.02, 1.02], tickformat=".0%"))


def p_overlaid(labels: Sequence[str], p_original: Sequence[float], p_edited: Sequence[float], *,
               names: tuple[str, str] = ("as typed", "edited"), title: str | None = None,
               height: int = 280, lang: str = "en") -> go.Figure:
    """Two texts' P(positive) after each word on one axis of aligned words (``lstm_core.what_if``):
    NaN where a text has no such word (the line goes on across it). ``names`` are the versions' names
    as the reader reads them."""
    n = len(labels)
    tokens = [safe(t) for t in labels]
    traces = [trace("scatter", x=[-0.5, n - 0.5], y=[0.5, 0.5], mode="lines", name=_t(lang, "ribbon.undecided"),
                               line=dict(color="#6B7280", dash="dash", width=1), hoverinfo="skip")]
    for values, name, color, dash in ((p_original, names[0], "#0072B2", "solid"), (p_edited, names[1], "#D55E00", "dot")):
        p = np.asarray(values, dtype=np.float64)
        if p.shape != (n,):
            raise ValueError(f"each P(positive) must have one value per word ({n}), got shape {p.shape}")
        traces.append(trace("scatter", x=list(range(n)), y=p, name=safe(name), mode="lines+markers", connectgaps=True,
                                       line=dict(color=color, width=2.5, dash=dash), marker=dict(size=7),
                                       customdata=tokens,
                                       hovertemplate=_t(lang, "overlaid.hover", name=safe(name))))
    return _figure(traces, title, height, hovermode="closest", xaxis=_token_axis(labels),
                   yaxis=_grid(range=[-0.02, 1.02], tickformat=".0%", title=dict(text="P(positive)")))


def probe_bars(categories: Sequence[str], scores: Mapping[str, Sequence[tuple[int, int]]], *,
               title: str | None = None, height: int | None = None, lang: str = "en") -> go.Figure:
    """Share of probes right per category, one bar per model side by side (``{"this model": [(correct,
    total), ...] in the order of categories, "bag of words": [...]}``), each bar labelled k/n; ``categories`` and
    the models' names as the reader reads them."""
    colors = ["#0072B2", "#E69F00", "#009E73"]
    traces = []
    for k, (name, pairs) in enumerate(scores.items()):
        pairs = list(pairs)
        if len(pairs) != len(categories):
            raise ValueError(f"scores[{name!r}] must have one (correct, total) per category ({len(categories)}), "
                             f"got {len(pairs)}")
        share = [c / t if t else 0.0 for c, t in pairs]
        traces.append(trace("bar", y=[safe(c) for c in categories], x=share, name=safe(name), orientation="h",
                                   marker_color=colors[k % len(colors)], text=[f"{c}/{t}" for c, t in pairs],
                                   textposition="outside", hovertemplate=f"{safe(name)}: %{{x:.0%}} (%{{text}})<extra></extra>"))
    return _figure(traces, title, height or 130 + 44 * len(categories), hovermode="closest", barmode="group",
                   margin=dict(l=120, r=30, t=90 if title else 50, b=40),
                   xaxis=_grid(range=[0, 1.12], tickvals=[0, 0.25, 0.5, 0.75, 1], tickformat=".0%",
                               title=dict(text=_t(lang, "probes.axis"))),
                   yaxis=dict(autorange="reversed", showgrid=False))


# ------------------------------------------------------------------------------------ equations


def _num(v: float) -> str:
    return f"{v:.3f}"


def _paren(v: float) -> str:
    return f"({_num(v)})" if v < 0 else _num(v)


def _sum(*terms: float) -> str:
    out = _num(terms[0])
    for v in terms[1:]:
        out += f" - {_num(-v)}" if v < 0 else f" + {_num(v)}"
    return out


def _fn(name: str | None) -> str:
    return {"sigmoid": r"\sigma", "tanh": r"\tanh", None: ""}.get(name, r"\operatorname{" + str(name).replace("_", r"\_") + "}")


def _equations(terms: Any) -> list[tuple[str, str, str]]:
    """(left side, the equation in symbols, the same with the unit's numbers) per equation."""
    g, act, rec = terms.gates, _fn(terms.activation), _fn(terms.recurrent_activation)

    def gate(lhs: str, name: str, fn: str, sub: str, recurrent: str | None = None) -> tuple[str, str, str]:
        t = g[name]
        recurrent = recurrent or rf"U_{{{sub}}} h_{{t-1}}"
        return (lhs, rf"{fn}\big(W_{{{sub}}} x_t + {recurrent} + b_{{{sub}}}\big)",
                rf"{fn}({_sum(t.input, t.recurrent, t.bias)}) = {fn}({_num(t.pre)}) = {_num(t.value)}")

    if terms.cell == "lstm":
        return [
            gate("i_t", "i", rec, "i"), gate("f_t", "f", rec, "f"), gate("g_t", "g", act, "g"),
            gate("o_t", "o", rec, "o"),
            ("c_t", r"f_t\,c_{t-1} + i_t\,g_t", rf"{_num(g['f'].value)} \cdot {_paren(terms.c_tm1)} + "
                                                rf"{_num(g['i'].value)} \cdot {_paren(g['g'].value)} = {_num(terms.c)}"),
            ("h_t", rf"o_t\,{act}(c_t)", rf"{_num(g['o'].value)} \cdot {act}({_num(terms.c)}) = {_num(terms.h)}"),
        ]
    if terms.cell == "gru":
        rec_h = r"r_t \odot (U_h h_{t-1} + b'_h)" if terms.reset_after else r"U_h (r_t \odot h_{t-1})"
        return [
            gate("z_t", "z", rec, "z"), gate("r_t", "r", rec, "r"), gate(r"\tilde h_t", "hh", act, "h", rec_h),
            ("h_t", r"z_t\,h_{t-1} + (1 - z_t)\,\tilde h_t",
             rf"{_num(g['z'].value)} \cdot {_paren(terms.h_tm1)} + {_num(1 - g['z'].value)} \cdot "
             rf"{_paren(g['hh'].value)} = {_num(terms.h)}"),
        ]
    t = g["h"]
    return [("h_t", rf"{act}\big(W x_t + U h_{{t-1}} + b\big)",
             rf"{act}({_sum(t.input, t.recurrent, t.bias)}) = {act}({_num(t.pre)}) = {_num(t.value)}")]


def equations_latex(terms: Any) -> list[str]:
    """The cell's equations for one unit at one step with its numbers filled in, one LaTeX line
    each, from :class:`lstm_core.explain.UnitTerms`: W_i x_t is the unit's input part, U_i h_{t-1}
    its recurrent part, b_i its bias."""
    return [f"{lhs} = {symbols} = {numbers}" for lhs, symbols, numbers in _equations(terms)]


def equations_aligned(terms: Any) -> str:
    """The same equations as one ``aligned`` block, each on two lines (symbols, then numbers), so
    that they fit a page column."""
    rows = [rf"{lhs} &= {symbols} \\ &= {numbers}" for lhs, symbols, numbers in _equations(terms)]
    return r"\begin{aligned}" + r" \\[6pt] ".join(rows) + r"\end{aligned}"
