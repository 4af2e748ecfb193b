"""Figure builders inspected as plotly objects: traces, values, lines, axes."""

import math

import numpy as np
import plotly.graph_objects as go
import pytest

from lstm_core import figures

BATCHES = {"step": list(range(8)), "epoch": [0] * 4 + [1] * 4,
           "loss": [0.7, 0.6, 0.65, 0.5, 0.4, 0.45, 0.3, 0.35],
           "accuracy": [0.5, 0.55, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9]}
HISTORY = {"loss": [0.62, 0.38], "accuracy": [0.59, 0.82], "val_loss": [0.55, 0.5], "val_accuracy": [0.7, 0.78]}


def traces(fig, name):
    return [t for t in fig.data if t.name == name]


def test_ema_is_debiased_skips_nan_and_validates():
    assert figures.ema([1.0, 1.0, 1.0], 0.9).tolist() == pytest.approx([1.0, 1.0, 1.0])
    assert figures.ema([0.0, 1.0], 0.0).tolist() == [0.0, 1.0]
    out = figures.ema([2.0, math.nan, 4.0], 0.5)
    assert out[0] == 2.0 and out[1] == 2.0 and out[2] == pytest.approx((0.25 * 2 + 0.5 * 4) / 0.75)
    assert math.isnan(figures.ema([math.nan], 0.5)[0])
    with pytest.raises(ValueError, match="smoothing"):
        figures.ema([1.0], 1.0)


def test_training_curves_batches_epochs_and_baseline():
    fig = figures.training_curves(BATCHES, HISTORY, epochs=5, baseline_accuracy=0.87, smoothing=0.5)
    assert isinstance(fig, go.Figure)
    raw = traces(fig, "train, per batch")
    assert len(raw) == 2 and list(raw[0].y) == BATCHES["loss"] and list(raw[1].y) == BATCHES["accuracy"]
    assert list(raw[0].x) == pytest.approx([0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0])  # epochs elapsed
    smooth = traces(fig, "train, per batch (smoothed)")
    assert list(smooth[0].y) == pytest.approx(figures.ema(BATCHES["loss"], 0.5))
    val = traces(fig, "validation, per epoch")
    assert [list(t.y) for t in val] == [HISTORY["val_loss"], HISTORY["val_accuracy"]]
    assert list(val[0].x) == [1, 2]
    (base,) = traces(fig, figures.BASELINE_NAME)
    assert list(base.y) == [0.87, 0.87] and base.xaxis == "x2" and base.line.dash == "dash"
    assert tuple(fig.layout.xaxis.range) == pytest.approx((0, 5 * 1.02))
    assert fig.layout.yaxis2.range[1] == 1.0 and fig.layout.uirevision == "keep"


def test_training_curves_live_and_empty():
    first_point = {"step": [0], "epoch": [0], "loss": [0.69], "accuracy": [0.5]}
    fig = figures.training_curves(first_point, {}, per_epoch_batches=63, epochs=8)
    assert list(traces(fig, "train, per batch")[0].x) == pytest.approx([1 / 63])
    assert not traces(fig, figures.BASELINE_NAME)
    assert all(len(t.y) == 0 for t in traces(fig, "validation, per epoch"))
    empty = figures.training_curves({}, {})
    assert all(len(t.x) == 0 for t in empty.data)


def test_a_live_chart_draws_whole_groups_of_batches_and_every_one_before_the_first():
    seven = {"step": list(range(7)), "loss": [0.7 - 0.01 * i for i in range(7)]}
    assert figures.whole_groups(seven, 3) == {"step": [0, 1, 2, 3, 4, 5], "loss": seven["loss"][:6]}
    assert figures.whole_groups(seven, 8) == seven and figures.whole_groups(seven, 1) == seven
    assert figures.whole_groups({}, 4) == {}
    with pytest.raises(ValueError, match="group must be at least 1 batch, got 0"):
        figures.whole_groups(seven, 0)


def test_training_curves_accept_arrays_and_infer_batches_per_epoch():
    arrays = {k: np.asarray(v) for k, v in BATCHES.items()}
    assert figures.batches_per_epoch(arrays) == 4 and figures.batches_per_epoch({}) == 1
    fig = figures.training_curves(arrays, {k: np.asarray(v) for k, v in HISTORY.items()})
    assert traces(fig, "train, per batch")[0].x[-1] == pytest.approx(2.0)


def test_confusion_matrix_counts_and_shares():
    fig = figures.confusion_matrix([[40, 10], [5, 45]])
    (heat,) = fig.data
    assert np.allclose(np.asarray(heat.z), [[0.8, 0.2], [0.1, 0.9]])
    assert heat.text[0][1] == "10<br>20%" and list(heat.y) == ["true negative", "true positive"]
    assert list(heat.x) == ["predicted<br>negative", "predicted<br>positive"]
    assert np.asarray(figures.confusion_matrix([[0, 0], [0, 3]]).data[0].z)[0].tolist() == [0, 0]
    with pytest.raises(ValueError, match="2x2"):
        figures.confusion_matrix([[1, 2, 3]])


def test_length_histogram_overlays_and_marks_max_len():
    fig = figures.length_histogram([100, 200, 300], [40, 80, 120], max_len=200)
    assert [t.name for t in fig.data] == ["raw words", "tokens after cleaning"]
    assert list(fig.data[1].x) == [40, 80, 120] and fig.layout.barmode == "overlay"
    (line,) = fig.layout.shapes
    assert line.x0 == line.x1 == 200
    assert fig.layout.xaxis.range[1] >= 200
    assert not figures.length_histogram([], []).layout.shapes


def test_class_balance_bars():
    fig = figures.class_balance({"train": {"pos": 3, "neg": 2}, "test": {"pos": 4, "neg": 4}})
    neg, pos = fig.data
    assert (neg.name, pos.name) == ("negative", "positive")
    assert list(pos.x) == ["train", "test"] and list(pos.y) == [3, 4] and list(neg.y) == [2, 4]


def test_run_overlay_one_colour_per_run():
    other = {"loss": [0.6, 0.5, 0.45], "accuracy": [0.6, 0.7, 0.8], "val_loss": [0.6, 0.55, 0.5],
             "val_accuracy": [0.65, 0.7, 0.75]}
    fig = figures.run_overlay([("a", HISTORY), ("b", other)], baseline_accuracy=0.87)
    names = [t.name for t in fig.data]
    assert names.count("a (validation)") == 2 and names.count("b (train)") == 2
    a_val, b_val = traces(fig, "a (validation)")[1], traces(fig, "b (validation)")[1]
    assert list(b_val.y) == other["val_accuracy"] and a_val.line.color != b_val.line.color
    assert list(traces(fig, figures.BASELINE_NAME)[0].x) == [0, 3]
    assert tuple(fig.layout.xaxis.range) == pytest.approx((0, 3.3))


def test_figures_in_japanese_keep_their_shape_and_say_nothing_in_english():
    from helpers import english_left

    def words(fig):
        """Titles, axis titles, legend names, hovers, annotations and the category labels on the axes."""
        spec = fig.to_plotly_json()
        found = [fig.layout.title.text or "", *(a.text for a in fig.layout.annotations)]
        found += [axis.title.text or "" for axis in (fig.layout.xaxis, fig.layout.yaxis)]
        for trace in spec["data"]:
            found += [trace.get("name") or "", trace.get("hovertemplate") or ""]
        for trace in fig.data:
            axes = [getattr(trace, key, None) for key in ("x", "y")]
            found += [v for values in axes if values is not None for v in list(values) if isinstance(v, str)]
        return found

    made = [figures.training_curves(BATCHES, HISTORY, baseline_accuracy=0.8, title="学習中", lang="ja"),
            figures.confusion_matrix([[40, 10], [5, 45]], lang="ja"),
            figures.length_histogram([100, 200], [40, 80], max_len=200, lang="ja"),
            figures.class_balance({"train": {"pos": 3, "neg": 2}, "test": {"pos": 4, "neg": 4}}, lang="ja"),
            figures.run_overlay([("a", HISTORY)], baseline_accuracy=0.8, lang="ja"),
            figures.queue_chart([("n", "w", "running", 0.5, 3.0), ("m", "w", "queued", 0.0, None)], lang="ja")]
    left = {i: english_left(words(fig), {"a", "n", "w", "m"}) for i, fig in enumerate(made)}
    assert left == {i: [] for i in range(len(made))}
    assert figures.confusion_matrix([[1, 2], [3, 4]], lang="ja").layout.title.text == "混同行列（テスト用レビュー）"
    assert figures.confusion_matrix([[1, 2], [3, 4]], title=None).layout.title.text is None
    en, ja = figures.training_curves(BATCHES, HISTORY, lang="en"), figures.training_curves(BATCHES, HISTORY, lang="ja")
    assert [len(t.y) for t in en.data] == [len(t.y) for t in ja.data]  # the same traces, named in Japanese


@pytest.mark.parametrize("build", [
    lambda: figures.training_curves(BATCHES, HISTORY, epochs=5, baseline_accuracy=0.87, title="run <b>1</b>"),
    lambda: figures.training_curves({"step": [0], "epoch": [0], "loss": [0.69], "accuracy": [0.5]}, {},
                                    per_epoch_batches=63, epochs=8, lang="ja"),
    lambda: figures.training_curves({}, {}),
    lambda: figures.run_overlay([("a", HISTORY), ("b", HISTORY)], baseline_accuracy=0.87),
], ids=["curves", "curves-live-ja", "curves-empty", "overlay"])
def test_figures_built_unvalidated_are_valid_plotly(build):
    from helpers import assert_valid_plotly

    fig = build()
    assert_valid_plotly(fig)
    assert len(fig.layout.annotations) == 2  # the two panels' titles
    assert fig.layout.xaxis2.anchor == "y2" and tuple(fig.layout.xaxis.domain) == figures.PANEL_DOMAINS[0]
