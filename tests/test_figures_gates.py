"""Gate figure builders inspected as plotly objects: values, order, shared colour axis, escaping, marks.
No model: the arrays are made up."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import pytest

from lstm_core import figures_gates as fg
from lstm_core.gate_analysis import GateTerms, UnitTerms

LABELS = ["act", "wonderful", "but", "<b>plot</b>", "mess*"]
RNG = np.random.default_rng(0)
ARRAYS = {"i": RNG.uniform(size=(5, 3)), "f": RNG.uniform(size=(5, 3)), "g": RNG.uniform(-1, 1, size=(5, 3)),
          "o": RNG.uniform(size=(5, 3)), "c": RNG.normal(0, 2, size=(5, 3)), "h": RNG.uniform(-1, 1, size=(5, 3))}


def test_heatmaps_share_one_colour_axis_and_show_exact_values_in_unit_order():
    order = [2, 0, 1]
    fig = fg.gate_heatmaps(LABELS, ARRAYS, order=order, unit_scores=[0.1, -0.9, 0.5], score_name="r =",
                           selected=(0, 3))
    heatmaps = [t for t in fig.data if isinstance(t, go.Heatmap)]
    assert [t.name for t in heatmaps] == list(ARRAYS)
    for t in heatmaps:
        np.testing.assert_allclose(t.z, ARRAYS[t.name][:, order].T, rtol=0, atol=5e-7)  # units × tokens, 6 decimals
        assert t.coloraxis == "coloraxis"
        assert list(t.y) == ["unit 2 (r = +0.500)", "unit 0 (r = +0.100)", "unit 1 (r = -0.900)"]
        assert list(t.x) == ["0: act", "1: wonderful", "2: but", "3: &lt;b&gt;plot&lt;/b&gt;", "4: mess*"]
        assert "%{z:.6f}" in t.hovertemplate and "%{x}" in t.hovertemplate and "%{y}" in t.hovertemplate
    assert list(fig.layout.yaxis.ticktext) == ["unit 2", "unit 0", "unit 1"]
    axis = fig.layout.coloraxis
    assert (axis.cmin, axis.cmax) == (-1.0, 1.0) and [list(c) for c in axis.colorscale] == fg.GATE_SCALE
    assert len(fig.layout.shapes) == 2 * len(ARRAYS)  # the selected row and cell outlined in every panel
    row, cell = fig.layout.shapes[:2]
    assert (row.x0, row.x1, row.y0) == (-0.5, 4.5, 0.5) and (cell.x0, cell.y0) == (2.5, 0.5)  # unit 0: 2nd row
    bottom = fig.layout[f"xaxis{len(ARRAYS)}"]
    assert list(bottom.ticktext) == ["act", "wonderful", "but", "&lt;b&gt;plot&lt;/b&gt;", "mess*"]
    assert list(bottom.tickvals) == list(heatmaps[0].x)


def test_every_panel_has_its_tokens_and_some_units_can_be_drawn_alone():
    fig = fg.gate_heatmaps(LABELS, ARRAYS, order=[1], selected=(0, 2))
    for row in range(1, len(ARRAYS) + 1):
        axis = fig.layout[f"xaxis{row if row > 1 else ''}"]
        assert list(axis.ticktext) == ["act", "wonderful", "but", "&lt;b&gt;plot&lt;/b&gt;", "mess*"]
        assert axis.showticklabels is not False
    assert all(np.asarray(t.z).shape == (1, 5) for t in fig.data) and not fig.layout.shapes  # unit 0 not drawn
    domains = [fig.layout[f"yaxis{r if r > 1 else ''}"].domain for r in range(1, len(ARRAYS) + 1)]
    assert all(low < high for low, high in domains)
    assert all(below[1] < above[0] for above, below in zip(domains, domains[1:]))  # room for the labels between
    diff = fg.gate_heatmaps(LABELS, {"f": ARRAYS["f"] - 0.5}, scale="difference")
    assert "Δ forget gate f" in diff.data[0].hovertemplate and "(the same)" in diff.layout.coloraxis.colorbar.ticktext[2]
    rnn = fg.gate_heatmaps(LABELS, {"h": ARRAYS["h"]}, scale="states")
    assert not any("open" in t or "closed" in t for t in rnn.layout.coloraxis.colorbar.ticktext)
    with pytest.raises(ValueError, match="scale must be one of gates, states, difference"):
        fg.gate_heatmaps(LABELS, ARRAYS, scale="other")


def test_heatmaps_check_their_inputs_and_thin_long_token_axes():
    for order in ([0, 0, 1], [3], []):
        with pytest.raises(ValueError, match="distinct units among the 3 units"):
            fg.gate_heatmaps(LABELS, ARRAYS, order=order)
    with pytest.raises(ValueError, match=r"shape \(T, units\) with T = 4"):
        fg.gate_heatmaps(LABELS[:4], ARRAYS)
    with pytest.raises(ValueError, match="arrays is empty"):
        fg.gate_heatmaps(LABELS, {})
    labels = [f"w{i}" for i in range(200)]
    fig = fg.gate_heatmaps(labels, {"h": np.zeros((200, 64))})
    assert len(fig.layout.xaxis.tickvals) == fg.MAX_TICKS and fig.layout.xaxis.tickvals[1] == "8: w8"
    assert fig.data[0].xgap == 0  # gaps between words only for short texts (they cost the browser 5x)
    assert fg.gate_heatmaps(LABELS, ARRAYS).data[0].xgap == 1
    assert fig.layout.yaxis.showticklabels is False  # 64 unit names would overlap


def test_gate_means_average_over_units_and_leave_gaps_where_no_gate_ran():
    arrays = {"f": np.array([[0.2, 0.4], [np.nan, np.nan], [1.0, 0.0]])}
    fig = fg.gate_means(["a", "b", "c"], arrays)
    (line,) = fig.data
    assert line.name == "mean forget gate f"
    assert line.y[0] == pytest.approx(0.3) and np.isnan(line.y[1]) and line.y[2] == pytest.approx(0.5)


def test_p_ribbon_marks_every_flip_and_the_decisive_one():
    p = [0.7, 0.8, 0.4, 0.6, 0.3]
    fig = fg.p_ribbon(LABELS, p, flips=(2, 3, 4))
    ribbon = [t for t in fig.data if t.name == "ribbon"][0]
    assert list(ribbon.z[0]) == p and ribbon.zmin == 0 and ribbon.zmax == 1
    assert list(ribbon.text[0])[3] == "&lt;b&gt;plot&lt;/b&gt;"
    line = [t for t in fig.data if t.name == "P(positive)"][0]
    assert list(line.y) == p
    texts = [(a.text, a.hovertext) for a in fig.layout.annotations]
    assert texts == [("▼", "turns negative at 'but'"), ("▲", "turns positive at '&lt;b&gt;plot&lt;/b&gt;'"),
                     ("flips negative at 'mess*'", "flips negative at 'mess*'")]
    widths = [s.line.width for s in fig.layout.shapes if s.type == "line" and s.x0 == s.x1]
    assert widths == [1.5, 1.5, 3]  # across the line plot
    boxes = [(s.x0, s.line.width) for s in fig.layout.shapes if s.type == "rect"]
    assert boxes == [(1.5, 1.5), (2.5, 1.5), (3.5, 3)]  # around the ribbon's token
    with pytest.raises(ValueError, match="one value per token"):
        fg.p_ribbon(LABELS, p[:3])


def test_unit_story_follows_one_unit_and_marks_the_word():
    fig = fg.unit_story(LABELS, ARRAYS, 1, step=2, p_positive=[0.5] * 5)
    by_name = {t.name: t for t in fig.data}
    np.testing.assert_array_equal(by_name["forget gate f"].y, ARRAYS["f"][:, 1])
    np.testing.assert_array_equal(by_name["cell state c"].y, ARRAYS["c"][:, 1])
    assert "P(positive)" in by_name and fig.layout.shapes[0].x0 == 2
    with pytest.raises(ValueError, match=r"unit must be in \[0, 2\]"):
        fg.unit_story(LABELS, ARRAYS, 3)


def test_saturation_bars_stack_to_one_with_the_untrained_network_under_each_gate():
    fig = fg.saturation_bars({"i": (0.1, 0.2), "f": (0.0, 0.7)})
    closed, middle, opened = fig.data
    assert list(closed.x) == [0.1, 0.0] and list(opened.x) == [0.2, 0.7]
    assert list(middle.x) == pytest.approx([0.7, 0.3])
    assert list(closed.y) == ["input gate i", "forget gate f"] and fig.layout.barmode == "stack"
    fig = fg.saturation_bars({"i": (0.1, 0.2), "f": (0.0, 0.7)}, before={"i": (0.0, 0.0), "f": (0.05, 0.05)})
    closed, middle, opened = fig.data
    assert list(closed.y) == ["input gate i, trained", "input gate i, before training",
                              "forget gate f, trained", "forget gate f, before training"]
    assert list(opened.x) == [0.2, 0.0, 0.7, 0.05] and list(middle.x) == pytest.approx([0.7, 1.0, 0.3, 0.9])


def _gate(value: float, pre=(0.5, -0.25, 0.1)) -> GateTerms:
    return GateTerms(*pre, value)


def test_equations_fill_in_the_units_numbers():
    terms = UnitTerms("lstm", 3, 2, "good", {k: _gate(v) for k, v in zip("ifgo", (0.6, 0.9, -0.2, 0.7))},
                      h_tm1=0.1, h=0.3, c_tm1=-0.4, c=0.5)
    lines = fg.equations_latex(terms)
    assert len(lines) == 6
    assert lines[0] == (r"i_t = \sigma\big(W_{i} x_t + U_{i} h_{t-1} + b_{i}\big) = "
                        r"\sigma(0.500 - 0.250 + 0.100) = \sigma(0.350) = 0.600")
    assert lines[2].startswith(r"g_t = \tanh")
    assert lines[4] == r"c_t = f_t\,c_{t-1} + i_t\,g_t = 0.900 \cdot (-0.400) + 0.600 \cdot (-0.200) = 0.500"
    assert lines[5] == r"h_t = o_t\,\tanh(c_t) = 0.700 \cdot \tanh(0.500) = 0.300"
    gru = UnitTerms("gru", 0, 0, "x", {"z": _gate(0.2), "r": _gate(0.3), "hh": _gate(-0.5)}, h_tm1=0.0, h=-0.4)
    lines = fg.equations_latex(gru)
    assert len(lines) == 4 and r"r_t \odot (U_h h_{t-1} + b'_h)" in lines[2] and lines[2].startswith(r"\tilde h_t")
    assert lines[3].endswith("= 0.200 \\cdot 0.000 + 0.800 \\cdot (-0.500) = -0.400")
    rnn = UnitTerms("rnn", 0, 0, "x", {"h": _gate(0.3)}, h_tm1=0.0, h=0.3, recurrent_activation=None,
                    activation="relu")
    assert fg.equations_latex(rnn) == [r"h_t = \operatorname{relu}\big(W x_t + U h_{t-1} + b\big) = "
                                       r"\operatorname{relu}(0.500 - 0.250 + 0.100) = \operatorname{relu}(0.350) = 0.300"]


def _shown(fig: go.Figure) -> list[str]:
    """Every text a reader sees in a figure: titles, names, hovers, annotations and the tick labels we set."""
    from helpers import _figure_texts

    layout = fig.to_plotly_json()["layout"]
    ticks = [str(t) for k, axis in layout.items() if isinstance(axis, dict) for t in axis.get("ticktext", [])]
    colorbar = layout.get("coloraxis", {}).get("colorbar", {})
    return [_figure_texts(fig.to_json()), *ticks, *(str(t) for t in colorbar.get("ticktext", []))]


def every_figure(lang: str) -> list[go.Figure]:
    """One figure of every builder, on the made-up arrays."""
    p = [0.7, 0.8, 0.4, 0.6, 0.3]
    return [
        fg.gate_heatmaps(LABELS, ARRAYS, unit_scores=[0.1, -0.9, 0.5], score_name="r =", selected=(0, 3), lang=lang),
        fg.gate_heatmaps(LABELS, {"f": ARRAYS["f"] - 0.5}, scale="difference", lang=lang),
        fg.gate_means(LABELS, {k: ARRAYS[k] for k in "ifo"}, lang=lang),
        fg.p_ribbon(LABELS, p, flips=(2, 3, 4), lang=lang),
        fg.unit_story(LABELS, ARRAYS, 1, step=2, p_positive=p, lang=lang),
        fg.saturation_bars({"i": (0.1, 0.2), "f": (0.0, 0.7)}, before={"i": (0, 0), "f": (0, 0)}, lang=lang),
        fg.timelapse_lines(["学習前", "エポック 1"], [0.5, 0.6], {"f": [0.1, 0.2]}, selected=1, final=1, lang=lang),
        fg.p_overlaid(LABELS, p, p, names=("入力したまま", "編集後"), lang=lang),
        fg.probe_bars(["否定"], {"このモデル": [(1, 2)]}, lang=lang),
    ]


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_every_figure_built_unvalidated_is_valid_plotly(lang):
    from helpers import assert_valid_plotly

    for fig in every_figure(lang):
        assert_valid_plotly(fig)


def test_every_figure_draws_its_own_texts_in_japanese():
    from helpers import english_left

    tokens = {"act", "wonderful", "but", "plot", "mess", "lt", "gt"}
    figures = every_figure("ja")
    for fig in figures:
        assert english_left(_shown(fig), tokens) == [], fig.layout.title
    heatmaps = figures[0]
    assert "忘却ゲート f" in heatmaps.data[1].hovertemplate and list(heatmaps.layout.yaxis.ticktext)[0] == "ユニット 0"
    assert "Δ 忘却ゲート f" in figures[1].data[0].hovertemplate
    assert [a.text for a in figures[3].layout.annotations][-1] == "「mess*」でネガティブに確定"
    assert fg.array_name("f") == fg.NAMES["f"] == "forget gate f" and fg.array_name("f", "ja") == "忘却ゲート f"
