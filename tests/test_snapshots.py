"""The training's time-lapse: snapshots recorded, saved, bounded, replayed without Keras."""

import io
import zipfile

import numpy as np
import pytest

from helpers import english_left, tiny_config
from lstm_core.config import ExperimentConfig
from lstm_core.explain import explain, replay
from lstm_core.limits import LIMITS, Limits, weight_shapes
from lstm_core.model import build_model
from lstm_core.notices import in_lang
from lstm_core.pipeline import train_run
from lstm_core.runs import export_bundle, import_bundle, load_run, save_run
from lstm_core.snapshots import SNAPSHOTS, SnapshotRecorder, WeightSnapshots, read_snapshots, save_snapshots

TEXT = "a wonderful film but the plot was dull and boring"


@pytest.fixture(scope="module")
def runs(tmp_path_factory, tiny_imdb_shared):
    """Tiny runs with a trained and a frozen embedding, 4 epochs at most, saved."""
    root = tmp_path_factory.mktemp("snap")
    data = tiny_imdb_shared
    out = {}
    for trainable in (True, False):
        cfg = tiny_config(data).replace(model={"embedding_trainable": trainable},
                                        train={"max_epochs": 4, "patience": 1})
        run = train_run(cfg, name=f"tiny {trainable}", with_baseline=False)
        out[trainable] = (run, save_run(run, root / f"run-{trainable}"))
    return out


def test_every_training_keeps_step_0_and_each_epoch(runs):
    for trainable, (run, _) in runs.items():
        s = run.snapshots
        assert s is not None and s.epochs.tolist() == list(range(run.info.epochs_run + 1))
        assert s.embedding_trained is trainable
        shapes = weight_shapes(run.config.model, run.vocab.size)
        for k, w in enumerate(s.weights):
            if w is not None:
                assert w.shape == (len(s), *shapes[k])
        # the recurrent weights move from step 0 on
        assert not np.array_equal(s.weights[2][0], s.weights[2][-1])


def test_final_is_the_epoch_early_stopping_restored(runs):
    for run, _ in runs.values():
        s = run.snapshots
        assert s.final_epoch == run.info.best_epoch + 1  # restore_best: the best epoch's weights
        model_weights = run.model.get_weights()
        for k in range(1, 8):
            np.testing.assert_array_equal(s.weights[k][s.final], model_weights[k])
        assert s.label(s.final).endswith("(the final model)") and s.label(0) == "before training"


def test_replaying_the_final_snapshot_is_the_model(runs):
    for trainable, (run, _) in runs.items():
        ex = explain(run, TEXT)
        again = replay(ex, run.snapshots.at(run.snapshots.final))
        tol = 2e-3 if trainable else 1e-9  # a trained embedding is kept in float16
        np.testing.assert_allclose(again.p_positive, ex.p_positive, atol=tol)
        np.testing.assert_allclose(again.trace.f, ex.trace.f, atol=tol)


def test_replay_before_training_differs(runs):
    run, _ = runs[False]
    ex = explain(run, TEXT)
    before = replay(ex, run.snapshots.at(0))
    assert before.tokens == ex.tokens
    assert np.abs(before.trace.c - ex.trace.c).max() > 1e-3


def test_snapshots_survive_save_and_load(runs):
    for run, path in runs.values():
        again = load_run(path)
        assert again.snapshot_problem == ""
        assert again.snapshots.epochs.tolist() == run.snapshots.epochs.tolist()
        assert again.snapshots.final == run.snapshots.final
        for a, b in zip(again.snapshots.weights, run.snapshots.weights):
            assert (a is None and b is None) or np.array_equal(a, b)


def test_a_run_without_snapshots_still_loads(runs, tmp_path):
    run, path = runs[False]
    import shutil

    shutil.copytree(path, tmp_path / "old")
    (tmp_path / "old" / SNAPSHOTS).unlink()
    old = load_run(tmp_path / "old")
    assert old.snapshots is None and old.snapshot_problem == ""


def _damaged(path, tmp_path, name, write):
    import shutil

    shutil.copytree(path, tmp_path / name)
    write(tmp_path / name / SNAPSHOTS)
    return load_run(tmp_path / name)


@pytest.mark.parametrize("write, message", [
    (lambda f: f.write_bytes(b"not a zip"), "not a readable time-lapse"),
    (lambda f: np.savez(f, epochs=np.arange(3), final=np.int64(0)), "missing"),
    (lambda f: np.savez(f, epochs=np.array([0, 1], dtype=object), final=np.int64(0),
                        **{f"w{k}": np.zeros(1) for k in range(1, 8)}), "epochs"),
])
def test_a_bad_snapshot_file_costs_only_the_time_lapse(runs, tmp_path, write, message):
    run, path = runs[False]
    damaged = _damaged(path, tmp_path, "bad", write)
    assert damaged.snapshots is None
    assert SNAPSHOTS in damaged.snapshot_problem and message in damaged.snapshot_problem
    assert "no time-lapse" in damaged.snapshot_problem and str(tmp_path) not in damaged.snapshot_problem
    np.testing.assert_array_equal(damaged.model.get_weights()[2], run.model.get_weights()[2])


def test_snapshot_shapes_are_checked_against_the_config(runs, tmp_path):
    run, path = runs[False]
    s = run.snapshots
    wrong = WeightSnapshots(s.epochs, (None, s.weights[1][:, :2]) + s.weights[2:], s.final)
    damaged = _damaged(path, tmp_path, "shape", lambda f: save_snapshots(wrong, f))
    assert damaged.snapshots is None and "does not fit its model" in damaged.snapshot_problem
    japanese = in_lang(damaged.snapshot_problem, "ja")  # the reason too, not only the sentence around it
    assert "モデルに合いません" in japanese and "学習の経過" in japanese
    # left English: the file name and where runs.py says it is ("run bad": a run is named as it is saved)
    assert english_left([japanese], {"float32", "snapshots", "npz", "bad", "shape", "run"}) == []


def test_snapshot_size_is_checked_before_reading(runs, tmp_path):
    run, path = runs[True]
    with pytest.raises(Exception, match="larger than|would hold"):
        read_snapshots(path / SNAPSHOTS, run.config, run.vocab.size, "run", Limits(snapshot_bytes=1000))


def test_bundles_carry_snapshots(runs, tmp_path):
    run, path = runs[True]
    data = export_bundle(path)
    assert SNAPSHOTS in zipfile.ZipFile(io.BytesIO(data)).namelist()
    again = import_bundle(data, tmp_path / "up")
    assert again.snapshots is not None and again.snapshots.epochs.tolist() == run.snapshots.epochs.tolist()


def test_a_bundle_with_an_oversized_snapshot_member_still_imports(runs, tmp_path):
    run, path = runs[True]
    data = export_bundle(path)
    limits = Limits(snapshot_bytes=1000)
    again = import_bundle(data, tmp_path / "up", limits)
    assert again.snapshots is None and SNAPSHOTS in again.snapshot_problem and "the bundle" in again.snapshot_problem
    assert not (tmp_path / "up" / SNAPSHOTS).exists()


class _FakeModel:
    """get_weights() of a model whose weights change every call (a recorder needs only that)."""

    def __init__(self, shapes):
        self.shapes, self.n = shapes, 0

    def get_weights(self):
        self.n += 1
        return [np.full(s, float(self.n), np.float32) for s in self.shapes]


def test_many_epochs_are_thinned_evenly_under_the_limit():
    shapes = weight_shapes(ExperimentConfig().model, 100)
    one = sum(int(np.prod(s)) * 4 for s in shapes[1:])
    rec = SnapshotRecorder(embedding_trainable=False, limits=Limits(snapshot_bytes=10 * one))
    model = _FakeModel(shapes)
    for epoch in range(41):
        rec.add(model, epoch)
        assert len(rec.epochs_) <= 10
    assert rec.epochs_[0] == 0 and rec.epochs_[-1] == 40
    gaps = np.diff(rec.epochs_)
    assert gaps.max() <= 2 * gaps.min() + 1  # evenly spread
    s = rec.finish(model, 40)  # the model moved on: its weights are added as the final snapshot
    assert s.nbytes() <= 10 * one + s.epochs.nbytes and s.final == len(s) - 1


def test_a_trained_20k_embedding_keeps_a_bundle_under_the_upload_limit(tmp_path):
    """The tutorial-sized case the limits are set for: 20,000 words x 128, trainable, 8 epochs."""
    cfg = ExperimentConfig().replace(model={"embedding_trainable": True, "embedding_init": "random"})
    model = build_model(cfg.model, 20_002, train_cfg=cfg.train)
    rec = SnapshotRecorder(embedding_trainable=True)
    for epoch in range(9):
        rec.add(model, epoch)
    s = rec.finish(model, 8)
    assert len(s) == 9 and s.nbytes() <= LIMITS.snapshot_bytes
    save_snapshots(s, tmp_path / SNAPSHOTS)
    model.save_weights(str(tmp_path / "model.weights.h5"))
    total = sum(f.stat().st_size for f in tmp_path.iterdir())
    assert total + 2 * LIMITS.bundle_json_bytes < LIMITS.upload_bytes


def test_a_snapshot_is_named_in_the_readers_language():
    s = WeightSnapshots(np.array([0, 1, 2]), (None,), final=1)
    assert [s.label(k) for k in range(3)] == ["before training", "epoch 1 (the final model)", "epoch 2"]
    assert [s.label(k, lang="ja") for k in range(3)] == ["学習前", "エポック 1（最終モデル）", "エポック 2"]
    assert s.label(1, final_mark=False, lang="ja") == "エポック 1"
