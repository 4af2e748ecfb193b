"""lstm_core.figures_theory: the builders' traces, log axes, gaps for zero norms, escaping, and the
memory-task sequence's markup — on plain numbers, no model."""

from __future__ import annotations

import math

import numpy as np

from lstm_core import figures_theory as ft
from lstm_core.gradients import GradientProfile
from lstm_core.memory_task import MemoryRecord


def test_gradient_profiles_draw_one_line_per_network_on_a_log_axis():
    profiles = [GradientProfile("SimpleRNN, untrained", "rnn", False, "h_T", 0.5 ** np.arange(120.0)),
                GradientProfile("LSTM, trained", "lstm", True, "h_T", np.r_[np.ones(119), 0.0])]
    fig = ft.gradient_profiles(profiles, title="t")
    names = [t.name for t in fig.data]
    assert names == ["SimpleRNN, untrained", "LSTM, trained"] and fig.layout.yaxis.type == "log"
    rnn, lstm = fig.data
    assert rnn.line.dash == "dot" and lstm.line.dash == "solid" and rnn.line.color != lstm.line.color
    assert list(rnn.x[:2]) == [1, 2] and math.isnan(lstm.y[-1])  # a zero norm is a gap, not -inf
    assert len(fig.layout.shapes) == 2  # the distances 50 and 100 the captions quote


def test_cell_paths_label_distances_with_the_escaped_words():
    mean = np.array([1.0, 0.5, 0.25])
    fig = ft.cell_paths([("trained", mean, mean * 1.5), ("untrained", mean / 2, None)], tokens=["<b>a", "b", "c"])
    assert [t.name for t in fig.data] == ["trained: mean over units", "trained: best-keeping 10% of units",
                                          "untrained: mean over units"]
    assert list(fig.data[0].customdata) == ["c", "b", "&lt;b&gt;a"]  # distance 1 is the last word
    assert fig.layout.yaxis.type == "log"


def test_memory_accuracy_has_a_line_per_cell_and_chance():
    recs = [MemoryRecord(c, k, a, 0.5, a, 1, 1.0) for c, k, a in
            [("rnn", 40, 0.5), ("rnn", 10, 0.99), ("lstm", 10, 1.0), ("lstm", 40, 1.0)]]
    fig = ft.memory_accuracy(recs, distances=[10, 40, 80])
    assert [t.name for t in fig.data] == ["SimpleRNN", "LSTM", "chance"]
    assert list(fig.data[0].x) == [10, 40] and list(fig.data[0].y) == [0.99, 0.5]
    assert list(fig.data[2].x) == [10, 80] and list(fig.layout.xaxis.tickvals) == [10, 40, 80]


def test_memory_curves_put_each_distance_in_its_panel_and_skip_cells_not_started():
    batches = {"step": [0, 1, 2, 3], "epoch": [0, 0, 1, 1], "loss": [1, 1, 1, 1], "accuracy": [0.5, 0.6, 0.8, 0.9]}
    curves = {("rnn", 10): {"batches": batches, "history": {"val_accuracy": (0.6, 0.9)}},
              ("lstm", 10): {"batches": {}, "history": {}},
              ("lstm", 40): {"batches": batches, "history": {}}}
    fig = ft.memory_curves(curves, [10, 40], epochs=2)
    assert [(t.name, t.xaxis) for t in fig.data] == [("SimpleRNN: training", "x"), ("SimpleRNN: validation", "x"),
                                                    ("LSTM: training", "x2")]
    assert list(fig.data[0].x) == [0.5, 1.0, 1.5, 2.0]


def test_memory_sequence_html_marks_the_value_the_marker_and_the_distractors():
    out = ft.memory_sequence_html([5, 0, 2, 1, 4, 0], n_values=2, marker=2, value_at=3)
    assert out.count("why-filler") == 2 and out.count("why-marker") == 1
    assert '<span class="why-value" title="the value to remember">B</span>' in out
    assert out.count("why-distractor") == 2




def test_ratios_read_as_people_write_them():
    assert [ft.times(x) for x in (16.23, 4560.4, 4.52e8, 1.5e17, float("inf"))] == \
        ["16.2×", "4,560×", "4.5×10⁸×", "1.5×10¹⁷×", "∞×"]


def test_in_japanese_the_figures_name_networks_axes_and_chance_in_japanese():
    profiles = [GradientProfile("SimpleRNN, untrained", "rnn", False, "h_T", 0.5 ** np.arange(10.0)),
                GradientProfile("LSTM, trained at k=40", "lstm", True, "h_T", np.ones(10), trained_at=40)]
    fig = ft.gradient_profiles(profiles, lang="ja")
    assert [t.name for t in fig.data] == ["SimpleRNN（学習前）", "LSTM（k=40 で学習後）"]
    assert fig.layout.xaxis.title.text == "末尾からの距離（1 = 最後のトークン）"
    assert [t.name for t in ft.gradient_profiles(profiles).data] == ["SimpleRNN, untrained", "LSTM, trained at k=40"]
    recs = [MemoryRecord("lstm", 10, 1.0, 0.5, 1.0, 1, 1.0)]
    assert [t.name for t in ft.memory_accuracy(recs, lang="ja").data] == ["LSTM", "チャンスレベル"]
    out = ft.memory_sequence_html([2, 0], n_values=2, marker=2, value_at=1, lang="ja")
    assert 'title="覚えるべき値"' in out and 'title="目印"' in out
