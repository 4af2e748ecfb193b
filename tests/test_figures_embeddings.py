"""figures_embeddings builders as plain plotly objects: traces by name, shared axes, arrows, colours."""

from __future__ import annotations

import numpy as np
import pytest

from lstm_core import figures_embeddings as fe
from lstm_core.compare import CurvePoint
from lstm_core.wordspace import WordMap
from lstm_core.figures import BASELINE_NAME


def series(label, epochs=2, per_epoch=3, val=(0.7, 0.8)):
    steps = list(range(epochs * per_epoch))
    return {"label": label, "batches_per_epoch": per_epoch,
            "batches": {"step": steps, "epoch": [s // per_epoch for s in steps],
                        "loss": [1 / (s + 1) for s in steps], "accuracy": [0.5 + s / 20 for s in steps]},
            "history": {"loss": [0.5] * len(val), "val_loss": [0.6] * len(val), "accuracy": [0.75] * len(val),
                        "val_accuracy": list(val)}}


def by_name(fig):
    return {t.name: t for t in fig.data}


def test_compare_curves_overlay_every_training_on_shared_axes():
    fig = fe.compare_curves([series("random"), series("word2vec", val=(0.85, 0.86))], target=0.85,
                            baseline_accuracy=0.87, epochs=8)
    names = by_name(fig)
    for label in ("random", "word2vec"):
        assert f"{label}: validation" in names and f"{label}: training (per batch, smoothed)" in names
    val = [t for t in fig.data if t.name == "word2vec: validation"]
    assert len(val) == 2 and list(val[1].y) == [0.85, 0.86] and list(val[1].x) == [1, 2]  # loss, accuracy
    assert val[0].line.color != [t for t in fig.data if t.name == "random: validation"][0].line.color
    train = [t for t in fig.data if t.name == "random: training (per batch, smoothed)"][0]
    np.testing.assert_allclose(train.x, np.arange(1, 7) / 3)  # batch k of epoch e at e + k/n
    assert list(names["target (85%)"].y) == [0.85, 0.85] and list(names[BASELINE_NAME].y) == [0.87, 0.87]
    assert fig.layout.xaxis.range[1] == pytest.approx(8 * 1.02)  # fixed while live
    assert [a.text for a in fig.layout.annotations] == ["Loss", "Accuracy"]


def test_compare_curves_draw_an_empty_or_partial_live_chart():
    empty = fe.compare_curves([{"label": "random", "batches": {}, "history": {}}], epochs=3)
    assert len(empty.data) == 4 and all(len(t.x) == 0 for t in empty.data)
    waiting = series("word2vec", epochs=1, val=())
    fig = fe.compare_curves([waiting], target=0.9)
    assert len(by_name(fig)["word2vec: training (per batch, smoothed)"].x) == 3


def test_learning_curve_one_line_per_variant_on_a_log_axis():
    points = [CurvePoint(k, s, acc, acc, 3, None, 1.0) for k, base in (("random", 0.6), ("word2vec", 0.75))
              for s, acc in ((500, base), (2000, base + 0.1), (1000, base + 0.05))]
    fig = fe.learning_curve(points, {"random": "random, trained", "word2vec": "word2vec, fine-tuned"},
                            baseline={500: 0.7, 2000: 0.8})
    names = by_name(fig)
    assert list(names["random, trained"].x) == [500, 1000, 2000]  # sorted by size
    assert list(names["word2vec, fine-tuned"].y) == pytest.approx([0.75, 0.8, 0.85])
    assert list(names[BASELINE_NAME].x) == [500, 2000]
    assert fig.layout.xaxis.type == "log" and list(fig.layout.xaxis.ticktext) == ["500", "1,000", "2,000"]


def test_word_maps_colour_by_polarity_and_draw_arrows_only_for_moved_words():
    words = ("great", "awful", "film")
    before = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    moved = WordMap(words, before, before + [[1, 1], [-1, 0], [0, 0]], (0.9, 0.1, 0.5), "pca")
    frozen = WordMap(words, before, before.copy(), (0.9, 0.1, 0.5), "pca")
    fig = fe.word_maps([("random, trained", moved), ("word2vec, frozen", frozen)])
    arrows = fig.layout.annotations[2:]  # after the two subplot titles
    assert [a.text for a in fig.layout.annotations[:2]] == ["random, trained", "word2vec, frozen"]
    assert len(arrows) == 2 and {a.xref for a in arrows} == {"x"}  # film did not move; frozen none
    assert (arrows[0].ax, arrows[0].ay, arrows[0].x, arrows[0].y) == (0.0, 0.0, 1.0, 1.0)
    pos = [t for t in fig.data if t.name == fe.CLASS_NAMES["positive"]]
    assert len(pos) == 2 and list(pos[0].text) == ["great"] and pos[0].marker.color == fe.CLASS_COLORS["positive"]
    assert [t.showlegend for t in pos] == [True, False]  # one legend entry per class
    before_traces = [t for t in fig.data if t.name == "before training"]
    assert len(before_traces) == 1 and list(before_traces[0].text) == ["great", "awful"]
    neutral = [t for t in fig.data if t.name == fe.CLASS_NAMES["neutral"]][1]
    assert neutral.xaxis == "x2" and list(neutral.x) == [0.0]


def test_in_japanese_the_comparison_figures_speak_japanese():
    fig = fe.compare_curves([series("random")], target=0.85, baseline_accuracy=0.87, lang="ja")
    assert [a.text for a in fig.layout.annotations] == ["損失", "正解率"]
    names = by_name(fig)
    assert "random: 検証" in names and "目標（85%）" in names and "TF-IDF + ロジスティック回帰（基準）" in names
    points = [CurvePoint("random", 500, 0.6, 0.6, 3, None, 1.0)]
    curve = fe.learning_curve(points, {"random": "ランダム（学習する）"}, lang="ja")
    assert curve.layout.title.text == "ラベル付き学習レビューの数とテスト正解率"
    words = WordMap(("great", "awful", "film"), np.zeros((3, 2)), np.ones((3, 2)), (0.9, 0.1, 0.5), "pca")
    assert {t.name for t in fe.word_maps([("x", words)], lang="ja").data} == {
        "学習前", "主にポジティブなレビューに出る語", "主にネガティブなレビューに出る語", "どちらにも出る語"}
