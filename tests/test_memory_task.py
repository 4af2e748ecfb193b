"""lstm_core.memory_task: the generator's labels are what it promises (the value right after the only
marker, at distance k), distractors are there, seeds reproduce, chrono init sets the gate biases, the
sweep trains every (cell, distance) through the trainer and its recorder, a stop keeps what is done,
and bad settings are named."""

from __future__ import annotations

import numpy as np
import pytest

from lstm_core.config import ExperimentConfig
from lstm_core.jobs import FINISHED, JobManager
from lstm_core.memory_task import (MemoryModelConfig, MemoryRecorder, MemoryTask, MemoryTaskConfig, SweepSpec,
                                   build_memory_model, chrono_bias, make_memory_data, memory_sweep, parse_list)

TINY = dict(cells=("rnn", "lstm"), distances=(3,), length=8, units=4, embedding_dim=3, n_train=64, n_val=32,
            n_test=32, epochs=1, batch_size=32)


def value_after_marker(x: np.ndarray, task: MemoryTaskConfig) -> np.ndarray:
    """The rule the labels promise, read off the tokens alone."""
    rows, cols = np.nonzero(x == task.marker)
    assert np.array_equal(rows, np.arange(len(x)))  # exactly one marker per sequence
    return x[rows, cols + 1]


@pytest.mark.parametrize("distance", [1, 5, 29])
def test_the_label_is_the_value_right_after_the_only_marker_at_distance_k(distance):
    task = MemoryTaskConfig(length=30, distance=distance, n_values=3, n_fillers=5, distractors=0.2)
    x, y = make_memory_data(task, 500, seed=4)
    assert x.shape == (500, 30) and y.shape == (500,) and x.dtype == np.int32
    np.testing.assert_array_equal(value_after_marker(x, task), y)
    np.testing.assert_array_equal(x[:, 30 - distance], y)  # distance 1 is the last token
    assert np.all(x[:, 30 - distance - 1] == task.marker)
    assert set(np.unique(y)) == {0, 1, 2} and x.max() < task.vocab_size == 9
    counts = np.bincount(y, minlength=3) / len(y)
    assert np.all(np.abs(counts - 1 / 3) < 0.07)


def test_distractors_are_value_tokens_elsewhere_and_make_the_last_value_seen_wrong():
    task = MemoryTaskConfig(length=60, distance=30, distractors=0.1)
    x, y = make_memory_data(task, 400, seed=1)
    others = np.ones_like(x, dtype=bool)
    others[:, [29, 30]] = False  # the marker and the value
    share = np.mean(x[others] < task.n_values)
    assert 0.08 < share < 0.12  # about 10% of the other positions hold a value token
    last_value = np.array([row[row < task.n_values][-1] for row in x])
    assert 0.3 < np.mean(last_value == y) < 0.7  # "remember the latest value" is near chance
    clean = MemoryTaskConfig(length=60, distance=30, distractors=0.0)
    xc, yc = make_memory_data(clean, 100, seed=1)
    assert np.all(np.sum(xc < clean.n_values, axis=1) == 1)  # no distractors: the value is the only one


def test_seeds_reproduce_and_differ():
    task = MemoryTaskConfig(length=20, distance=7)
    a, b, c = (make_memory_data(task, 50, seed=s) for s in (3, 3, 4))
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1]) and not np.array_equal(a[0], c[0])


def test_bad_task_settings_are_named():
    with pytest.raises(ValueError, match=r"memory.distance must be an integer in \[1, 9\], got 10"):
        MemoryTaskConfig(length=10, distance=10)
    with pytest.raises(ValueError, match="memory.distractors"):
        MemoryTaskConfig(distractors=1.5)
    with pytest.raises(ValueError, match=r"n must be an integer in \[1, 100000\], got 0"):
        make_memory_data(MemoryTaskConfig(), 0, seed=0)
    with pytest.raises(ValueError, match="memory.cells must be distinct names among lstm, gru, rnn"):
        SweepSpec(cells=("lstm", "transformer"))
    with pytest.raises(ValueError, match="smaller than memory.length = 50"):
        SweepSpec(distances=(10, 60), length=50)
    with pytest.raises(ValueError, match="memory.init must be one of default, chrono"):
        SweepSpec(init="orthogonal")
    with pytest.raises(ValueError, match="memory.distances must be a comma-separated list of ints, got '10,x'"):
        parse_list("10,x", "memory.distances", int)
    assert parse_list(" rnn, lstm ,", "cells") == ("rnn", "lstm")


def test_chrono_init_opens_the_forget_gate_and_closes_the_input_gate():
    task = MemoryTaskConfig(length=50, distance=10)
    lstm = build_memory_model(MemoryModelConfig(cell="lstm", units=8, init="chrono"), task, seed=2)
    bias = lstm.get_layer("rnn").cell.bias.numpy()  # i, f, c, o
    f, i = bias[8:16], bias[:8]
    assert np.all((f >= 0) & (f <= np.log(49))) and np.allclose(i, -f) and np.allclose(bias[16:], [0] * 8 + [0] * 8)
    gru = build_memory_model(MemoryModelConfig(cell="gru", units=8, init="chrono"), task, seed=2)
    z = gru.get_layer("rnn").cell.bias.numpy()[0, :8]
    assert np.all(z >= 0) and z.max() > 1.0
    default = build_memory_model(MemoryModelConfig(cell="lstm", units=8), task, seed=2)
    assert np.allclose(default.get_layer("rnn").cell.bias.numpy()[8:16], 1.0)  # Keras' unit_forget_bias
    b = chrono_bias(1000, 100, np.random.default_rng(0))
    assert b.min() >= 0 and b.max() <= np.log(99) and np.median(np.exp(b)) == pytest.approx(50, rel=0.1)


def test_the_embedding_scale_sets_the_input_vectors():
    task = MemoryTaskConfig(length=20, distance=3, n_fillers=200)
    big = build_memory_model(MemoryModelConfig(embedding_dim=16, embedding_scale=1.0), task, seed=0)
    small = build_memory_model(MemoryModelConfig(embedding_dim=16, embedding_scale=None), task, seed=0)
    assert np.std(big.get_layer("embedding").get_weights()[0]) == pytest.approx(1.0, rel=0.1)
    assert np.abs(small.get_layer("embedding").get_weights()[0]).max() <= 0.05


def test_a_tiny_sweep_trains_every_cell_at_every_distance_and_records_the_curves():
    spec = SweepSpec(**TINY)
    recorder = MemoryRecorder(spec)
    result = memory_sweep(spec, recorder=recorder)
    assert [(r.cell, r.distance) for r in result.records] == [("rnn", 3), ("lstm", 3)]
    assert SweepSpec(**{**TINY, "distances": (4, 2)}).runs == [("rnn", 2), ("lstm", 2), ("rnn", 4), ("lstm", 4)]
    for r in result.records:
        assert 0.0 <= r.accuracy <= 1.0 and r.chance == 0.5 and r.epochs_run == 1
    snap = recorder.snapshot()
    assert snap.fraction == 1.0 and snap.current is None and len(snap.records) == 2
    assert len(snap.curves[("lstm", 3)].batches["loss"]) == 2
    assert snap.curves[("rnn", 3)].history["val_accuracy"]
    assert set(result.models) == set(spec.runs)
    assert result.accuracy("lstm", 3) == result.records[1].accuracy and result.accuracy("gru", 3) is None
    assert "SimpleRNN: k=3" in result.summary() and result.records[0].to_dict()["cell"] == "rnn"


def test_a_stop_keeps_what_is_finished():
    spec = SweepSpec(**TINY)
    calls = {"n": 0}

    def stop_after_first_training() -> bool:
        calls["n"] += 1
        return calls["n"] > 3  # the first run's checks pass, then every check asks to stop

    result = memory_sweep(spec, recorder=MemoryRecorder(spec, stop_after_first_training))
    assert result.stopped and len(result.records) == 1


def test_the_sweep_runs_as_a_background_job():
    spec = SweepSpec(**{**TINY, "cells": ("gru",), "distances": (3,)})
    manager = JobManager(max_queued=1)
    try:
        task = MemoryTask(spec)
        job = manager.submit(ExperimentConfig().replace(train={"max_epochs": 1}), "me", "memory", runner=task)
        assert job.wait(60)
        assert job.status == FINISHED, job.snapshot().error
        assert [r.cell for r in job.run.records] == ["gru"] and task.snapshot().records
    finally:
        manager.close()


def test_the_memory_command_prints_one_json_record_per_cell_and_distance(capsys):
    import json

    from lstm_core.cli import main

    assert main(["memory", "--cells", "gru", "--distances", "3", "--length", "8", "--train", "64",
                 "--epochs", "1", "--units", "4", "--embedding-scale", "0", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [(r["cell"], r["distance"]) for r in out["records"]] == [("gru", 3)]
    assert all(0 <= r["accuracy"] <= 1 for r in out["records"]) and out["design"]["embedding_scale"] is None
    assert main(["memory", "--distances", "10,x"]) == 2
    assert "--distances must be a comma-separated list of ints, got '10,x'" in capsys.readouterr().err
    assert main(["memory", "--cells", "rnn,cnn"]) == 2
    assert "memory.cells must be distinct names among lstm, gru, rnn, got ('rnn', 'cnn')" in capsys.readouterr().err


def test_the_design_line_reads_in_either_language():
    spec = SweepSpec()
    assert spec.describe().startswith("90 tokens, 2 values, 16 fillers, 10% distractors; 32 units, 16-d embedding, "
                                      "chrono init;")
    assert spec.describe("ja").startswith("90 トークン、値 2 種類") and "`chrono` 初期化" in spec.describe("ja")
    assert "Keras 既定の初期化" in SweepSpec(init="default").describe("ja")
