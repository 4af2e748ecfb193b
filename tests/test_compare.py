"""lstm_core.compare on tiny data: variants trained with one config and seed, their embeddings before
and after, epochs to a target, the learning curve, neighbours, word maps, stopping, bad vector files;
and that the bundled IMDB word2vec makes sense."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import POSITIVE, compare_config, tiny_config, write_vectors
from lstm_core.compare import (VARIANTS, CompareSpec, ComparisonTask, check_vectors, compare,
                               epochs_to_target, initial_random_embedding, subsample)
from lstm_core.embeddings import BUNDLED_WORD2VEC, load_vectors, nearest
from lstm_core.errors import DataError
from lstm_core.jobs import FINISHED, JobManager
from lstm_core.pipeline import prepare
from lstm_core.theory_jobs import CurveRecorder
from lstm_core.wordspace import DEFAULT_MAP_WORDS, polarity_class, project, word_polarity

_DONE: dict[str, tuple] = {}


def recorder_for(spec, should_stop=lambda: False):
    return CurveRecorder(spec.variants, spec.config.train.max_epochs, should_stop=should_stop)


@pytest.fixture
def done(data_dir, vectors):
    """One comparison of all three variants with a learning curve, trained on first use and shared by
    the tests below (every test's tiny data is the same)."""
    if "done" not in _DONE:
        spec = CompareSpec(compare_config(data_dir, vectors, max_epochs=3), target=0.5, sizes=(4, 100))
        recorder = recorder_for(spec)
        _DONE["done"] = compare(spec, recorder=recorder), recorder
    return _DONE["done"]


def test_spec_checks_its_fields(data_dir):
    cfg = tiny_config(data_dir)
    for bad in [dict(variants=()), dict(variants=("random", "random")), dict(variants=("glove",)),
                dict(target=0.0), dict(target=1.5), dict(target=True), dict(sizes=(1,)), dict(sizes=(4, 4)),
                dict(sizes=(2.5,))]:
        with pytest.raises(ValueError, match="compare\\."):
            CompareSpec(cfg, **bad)
    spec = CompareSpec(cfg, variants=["word2vec_frozen", "random"], sizes=[1000, 500])
    assert spec.variants == ("word2vec_frozen", "random") and spec.sizes == (500, 1000)
    frozen = spec.config_for("word2vec_frozen").model
    assert frozen.embedding_init == "word2vec" and not frozen.embedding_trainable
    assert spec.config_for("random").model.embedding_trainable  # a frozen random start learns nothing
    assert spec.config_for("random").diff(spec.config_for("word2vec")).keys() == {"model.embedding_init"}


def test_epochs_to_target_and_subsample():
    assert epochs_to_target([0.7, 0.84, 0.86, 0.9], 0.85) == 3
    assert epochs_to_target([0.85], 0.85) == 1
    assert epochs_to_target([float("nan"), 0.8], 0.85) is None and epochs_to_target([], 0.5) is None
    y = np.array([0] * 30 + [1] * 70)
    rows = subsample(y, 20, seed=3)
    assert len(rows) == 20 and y[rows].sum() == 14 and len(set(rows)) == 20
    assert np.array_equal(rows, subsample(y, 20, seed=3)) and not np.array_equal(rows, subsample(y, 20, seed=4))
    assert np.array_equal(subsample(y, 500, seed=3), np.arange(100))


def test_every_variant_trains_with_the_same_config_and_seed(done, data_dir, vectors):
    result, _ = done
    assert list(result.results) == ["random", "word2vec", "word2vec_frozen"] and not result.stopped
    configs = {k: r.run.config for k, r in result.results.items()}
    assert configs["random"].diff(configs["word2vec"]) == {"model.embedding_init": ("random", "word2vec")}
    assert configs["word2vec"].diff(configs["word2vec_frozen"]) == {"model.embedding_trainable": (True, False)}
    assert all(r.run.config.train.seed == 42 for r in result.results.values())
    assert result.baseline_accuracy is not None and 0 <= result.baseline_accuracy <= 1
    assert result.coverage["vocab_words"] == len(result.vocab.words_) and 0 < result.coverage["word_share"] < 1


def test_initial_embeddings_are_kept_before_training(done):
    result, _ = done
    vocab, r = result.vocab, result.results
    vecs = load_vectors(r["word2vec"].run.config.model.embedding_path)
    for word, vec in vecs.as_dict().items():
        if word in vocab:
            np.testing.assert_allclose(r["word2vec"].initial[vocab.index_[word]], vec, atol=1e-6)
    np.testing.assert_array_equal(r["word2vec"].initial, r["word2vec_frozen"].initial)
    np.testing.assert_array_equal(r["word2vec_frozen"].final, r["word2vec_frozen"].initial)  # frozen: unchanged
    assert not np.allclose(r["word2vec"].final, r["word2vec"].initial)  # fine-tuned: moved
    assert not np.allclose(r["random"].final, r["random"].initial)
    again = initial_random_embedding(r["random"].run.config, vocab.size)  # what Keras starts from, seeded
    np.testing.assert_array_equal(r["random"].initial, again)
    assert np.abs(again).max() <= 0.05  # Keras' uniform(-0.05, 0.05), not word2vec


def test_table_reports_metrics_best_val_and_epochs_to_target(done):
    result, _ = done
    rows = result.table()
    assert [row["variant"] for row in rows] == [VARIANTS[k].label for k in result.results]
    for row, r in zip(rows, result.results.values()):
        val = r.run.history["val_accuracy"]
        assert row["test accuracy"] == r.run.metrics.test.accuracy
        assert row["best val accuracy"] == max(val)
        assert row["epochs to 50% val"] == epochs_to_target(val, 0.5) == r.epochs_to_target
        assert 1 <= row["epochs run"] <= 3
    assert result.summary().startswith("Epochs to 50% validation accuracy — random, trained:")


def test_learning_curve_has_every_variant_at_every_size(done):
    result, _ = done
    full = result.results["random"].run.info.train_size
    assert full < 100 and sorted((p.variant, p.size) for p in result.curve) == sorted(
        (k, s) for k in VARIANTS for s in (4, full))  # 100 > all training reviews: the main runs count
    main = {p.variant: p for p in result.curve if p.size == full}
    assert main["random"].test_accuracy == result.results["random"].run.metrics.test.accuracy
    assert set(result.curve_baseline) == {full}  # 4 reviews are too few for TF-IDF's min_df=2


def test_recorder_holds_every_variant_s_curves(done):
    _, recorder = done
    snap = recorder.snapshot()
    assert snap.current is None and len(snap.records) == 6 and snap.fraction == 1.0
    assert list(snap.curves) == list(VARIANTS)
    for c in snap.curves.values():
        assert c.status == "done" and c.fraction == 1.0
        assert len(c.history["val_accuracy"]) >= 1 and c.batches_per_epoch == 2  # 8 reviews, batch 4
        assert len(c.batches["loss"]) == c.batches_per_epoch * len(c.history["loss"])


def test_neighbours_before_and_after_training(done):
    result, _ = done
    token, out = result.neighbours("Wonderful", k=3)
    assert token == "wonderful" and set(out) == set(result.results)
    before = [w for w, _ in out["word2vec"]["before"]]
    assert len(before) == 3 and set(before) <= set(POSITIVE)  # the vectors put praise together
    assert out["word2vec_frozen"]["before"] == out["word2vec_frozen"]["after"]
    assert all(len(v["after"]) == 3 for v in out.values())
    assert result.neighbours("boring")[0] == "bore"  # cleaned as in training


@pytest.mark.parametrize("word, message", [
    ("zebra", "'zebra' is not in the vocabulary"),
    ("Zebras", "'Zebras' \\(cleaned: 'zebras'\\) is not in the vocabulary"),
    ("the", "cleaning drops it \\(it is a stopword\\)"),
    ("ok", "shorter than 3 letters"),
    ("123", "no letters"),
    ("", "type a word"),
    ("great film", "one word at a time"),
])
def test_words_without_a_row_get_a_clear_message(done, word, message):
    result, _ = done
    with pytest.raises(DataError, match=message):
        result.neighbours(word)


def test_word_maps_share_one_projection_and_colour_by_polarity(done):
    result, _ = done
    maps = result.word_maps(["great", "awful", "film", "boring", "story", "zebra"])
    assert set(maps) == set(result.results)
    m = maps["word2vec"]
    assert m.words == ("great", "awful", "film", "bore", "story") and m.missing == ("zebra",)
    assert m.before.shape == m.after.shape == (5, 2) and m.method == "pca"
    assert np.allclose(maps["word2vec_frozen"].moved, 0, atol=1e-6) and maps["random"].moved.max() > 0
    pol = dict(zip(m.words, m.polarity))
    assert polarity_class(pol["great"]) == "positive" and polarity_class(pol["awful"]) == "negative"
    tsne = result.word_maps(["great", "awful", "film", "boring", "story"], method="tsne")
    again = result.word_maps(["great", "awful", "film", "boring", "story"], method="tsne")
    np.testing.assert_allclose(tsne["random"].after, again["random"].after)  # seeded
    with pytest.raises(DataError, match="at least 3 words"):
        result.word_maps(["great", "zebra"])


def test_project_keeps_pca_distances_of_the_stacked_points():
    rng = np.random.default_rng(1)
    before = rng.normal(size=(6, 2 + 0))
    after = before + 1.0
    b2, a2 = project(np.pad(before, ((0, 0), (0, 3))), np.pad(after, ((0, 0), (0, 3))), "pca")
    # 2-D data padded with zeros: PCA keeps every distance, so each arrow is as long as before
    np.testing.assert_allclose(np.linalg.norm(a2 - b2, axis=1), np.sqrt(2), atol=1e-9)
    with pytest.raises(ValueError, match="method must be one of pca, tsne"):
        project(before, after, "umap")


def test_word_polarity_counts_training_occurrences():
    from lstm_core.vocabulary import Vocabulary

    tokens = [["good", "film"], ["good"], ["bad", "film"]]
    vocab = Vocabulary().fit(tokens)
    share = word_polarity(tokens, [1, 1, 0], vocab)
    assert share[vocab.index_["good"]] == pytest.approx(3 / 4) and share[vocab.index_["bad"]] == pytest.approx(1 / 3)
    assert share[vocab.index_["film"]] == pytest.approx(0.5)


def test_a_stop_keeps_finished_variants_and_skips_the_rest(data_dir, vectors):
    spec = CompareSpec(compare_config(data_dir, vectors, max_epochs=2), variants=("random", "word2vec"),
                       sizes=(4,))
    calls = []

    def after_one_batch():
        calls.append(1)
        return len(calls) > 2  # asked before the first variant and after its first batch
    result = compare(spec, recorder=recorder_for(spec, after_one_batch))
    assert list(result.results) == ["random"] and result.stopped and not result.curve
    assert result.results["random"].run.info.stopped_by_user
    assert compare(spec, recorder=recorder_for(spec, lambda: True)) is None


def test_bad_vector_files_fail_before_training_with_clear_messages(data_dir, vectors, tmp_path):
    cfg = compare_config(data_dir, vectors)
    prepared = prepare(cfg)
    cov = check_vectors(cfg, str(vectors), prepared)
    assert cov["found_words"] > 0 and cov["unknown_rows"] == "random"
    wrong_dim = write_vectors(tmp_path / "wide.txt", dim=5)
    with pytest.raises(DataError, match="have dimension 5, but the model's embedding has 8"):
        check_vectors(cfg, str(wrong_dim), prepared)
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"\x00\x01 this is not a vector file")
    with pytest.raises(DataError, match="not a word2vec file"):
        check_vectors(cfg, str(junk), prepared)
    cut = tmp_path / "cut.txt"
    cut.write_text(vectors.read_text()[:-60])
    with pytest.raises(DataError, match="truncated"):
        check_vectors(cfg, str(cut), prepared)
    with pytest.raises(DataError, match="does not exist"):
        compare(CompareSpec(cfg.replace(model={"embedding_path": str(tmp_path / "missing.bin")})))


def test_the_task_runs_as_a_background_job(data_dir, vectors):
    spec = CompareSpec(compare_config(data_dir, vectors, max_epochs=1), variants=("random", "word2vec_frozen"))
    task = ComparisonTask(spec)
    manager = JobManager()
    try:
        job = manager.submit(spec.config, "alice", "compare", runner=task)
        assert job.wait(120)
        assert job.snapshot().status == FINISHED, job.snapshot().error
        assert list(job.run.results) == ["random", "word2vec_frozen"]
        assert task.snapshot().curves["word2vec_frozen"].status == "done"
        failing = ComparisonTask(CompareSpec(spec.config.replace(model={"embedding_path": "/nowhere.bin"})))
        bad = manager.submit(spec.config, "alice", "compare", runner=failing)
        assert bad.wait(60) and "does not exist" in bad.snapshot().error
    finally:
        manager.close()


def test_best_preset_is_the_default_with_more_units_and_dropout_on_the_cell_inputs():
    from lstm_core.config import ExperimentConfig

    best = ExperimentConfig.best()
    # and the batch and learning rate it was measured with (64 and 2e-3; the default's are 256 and 6e-3)
    assert ExperimentConfig().diff(best) == {"model.units": (64, 128), "model.rnn_dropout": (0.0, 0.3),
                                             "train.batch_size": (256, 64), "train.learning_rate": (0.006, 0.002)}
    assert best.model.embedding_init == "word2vec" and not best.model.embedding_trainable


def test_bundled_word2vec_puts_praise_next_to_praise():
    vecs = load_vectors(BUNDLED_WORD2VEC)
    assert vecs.dim == 128 and len(vecs.words) == 30_000
    great = {w for w, _ in nearest(vecs.words, vecs.vectors, "great", 10)}
    assert {"excellent", "wonderful", "fantastic"} <= great
    boring = {w for w, _ in nearest(vecs.words, vecs.vectors, "bore", 10)}  # "boring" after lemmatizing
    assert {"dull", "tedious"} <= boring
    awful = {w for w, _ in nearest(vecs.words, vecs.vectors, "awful", 10)}
    assert {"terrible", "horrible"} <= awful and not awful & great
    missing = [w for w in DEFAULT_MAP_WORDS if w not in set(vecs.words)]
    assert not missing  # the map's default words all have vectors


def test_why_a_word_has_no_row_is_said_in_either_language():
    from lstm_core.config import ExperimentConfig
    from lstm_core.i18n import text
    from lstm_core.vocabulary import Vocabulary
    from lstm_core.wordspace import vocabulary_word

    vocab = Vocabulary().fit([["good", "film"]])
    for word, key in (("the", "stopword"), ("zebra", "unknown"), ("  ", "no_word"), ("two words", "several_words")):
        with pytest.raises(DataError) as caught:
            vocabulary_word(word, vocab, ExperimentConfig().preprocess)
        error = caught.value
        assert error.key == f"embeddings.errors.{key}" and str(error) == text("en", error.key, **error.fields)
        assert text("ja", error.key, **error.fields).endswith("。")


def test_the_summary_reads_in_japanese(done):
    result, _ = done
    assert result.summary("ja").startswith("検証正解率 50% に達するまでのエポック数 — ランダム（学習する）: ")
