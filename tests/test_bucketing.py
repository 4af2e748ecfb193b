"""Length-bucketed batches (issue 16): every review once per epoch, seeded, cut only where padding is."""

import numpy as np
import pytest
from test_training import SMALL, Recorder, toy_data

from lstm_core.config import ModelConfig, TrainConfig
from lstm_core.model import build_model, predict_proba
from lstm_core.training import (
    bucket_lengths,
    epoch_plan,
    masks_padding,
    plan_batches,
    seed_everything,
    sequence_lengths,
    train,
)


def right_padded(lengths, t):
    x = np.zeros((len(lengths), t), np.int32)
    for i, n in enumerate(lengths):
        x[i, :n] = np.arange(2, n + 2)
    return x


def test_sequence_lengths_count_to_the_last_word():
    x = right_padded([3, 0, 5, 1], 6)
    x[2, 1] = 0  # a 0 inside a row is not where the row ends
    assert sequence_lengths(x).tolist() == [3, 0, 5, 1]


def test_bucket_lengths_are_a_few_fixed_steps_up_to_max_len():
    b = bucket_lengths(200)
    assert len(b) == 16 and b[-1] == 200 and np.all(np.diff(b) > 0)
    assert bucket_lengths(5).tolist() == [1, 2, 3, 4, 5]
    long = bucket_lengths(891)  # the tutorial's: steps of 16 tokens, not 16 steps of 56
    assert long[0] == 16 and long[-1] == 891 and np.diff(long).max() == 16
    with pytest.raises(ValueError, match="max_len must be a positive integer, got 0"):
        bucket_lengths(0)


def test_a_plan_holds_every_row_once_cut_to_a_bucket_that_holds_it():
    rng = np.random.default_rng(0)
    lengths = np.minimum(rng.geometric(1 / 110, 1000), 200)  # IMDB-like: many short, a tail cut at 200
    buckets = bucket_lengths(200)
    plan = plan_batches(lengths, 64, buckets, np.random.default_rng(1))
    rows = np.concatenate(plan.rows)
    assert sorted(rows.tolist()) == list(range(1000))
    assert sorted(plan.sizes) == [40] + [64] * 15
    for r, t in zip(plan.rows, plan.lengths):
        assert t in buckets and t >= lengths[r].max()
    assert plan.real_tokens == lengths.sum()
    padded = 1 - lengths.sum() / (1000 * 200)
    assert padded > 0.4 and plan.padded_share < 0.15  # what all-200 batches would waste, and what is left
    with pytest.raises(ValueError, match="at most the longest bucket 200, got 201"):
        plan_batches(np.array([201]), 64, buckets)


def test_without_a_generator_rows_go_in_order_of_length():
    lengths = np.array([5, 1, 3, 2, 4])
    plan = plan_batches(lengths, 2, bucket_lengths(5))
    assert [r.tolist() for r in plan.rows] == [[1, 3], [2, 4], [0]]
    assert plan.lengths == (2, 4, 5)


def test_an_epochs_batches_depend_on_the_seed_and_epoch_alone():
    lengths = np.random.default_rng(0).integers(1, 50, 300)
    buckets = bucket_lengths(50)

    def rows(seed, epoch):
        return [r.tolist() for r in epoch_plan(lengths, 16, buckets, seed, epoch).rows]

    assert rows(42, 0) == rows(42, 0)
    assert rows(42, 0) != rows(42, 1) and rows(42, 0) != rows(7, 0)


def test_bucketed_prediction_equals_the_padded_one():
    seed_everything(0)
    model = build_model(ModelConfig(**{**SMALL.__dict__, "pooling": "mean"}), 30)
    x, _ = toy_data(300, t=40)
    padded = model.predict(x, batch_size=64, verbose=0)[:, 1]
    np.testing.assert_allclose(predict_proba(model, x, batch_size=64), padded, atol=1e-6)


def test_per_batch_values_weigh_an_uneven_batch_by_its_rows():
    rec = Recorder()
    x, y = toy_data()
    seed_everything(3)
    model = build_model(SMALL, 30)
    result = train(model, x[:64], y[:64], x[64:], y[64:], TrainConfig(max_epochs=1, batch_size=24), rec)
    assert len(rec.batches) == 3
    plan = epoch_plan(sequence_lengths(x[:64]), 24, bucket_lengths(12), TrainConfig().seed, 0)
    weighted = np.dot(result.batches["loss"], plan.sizes) / 64
    assert weighted == pytest.approx(result.history["loss"][0], rel=1e-4)


def test_bucketed_training_repeats_with_the_same_seed():
    cfg = TrainConfig(max_epochs=2, batch_size=16, patience=12, learning_rate=0.02)
    x, y = toy_data()

    def fit(bucketing):
        seed_everything(3)
        model = build_model(SMALL, 30)
        c = TrainConfig(**{**cfg.__dict__, "bucketing": bucketing})
        return train(model, x[:64], y[:64], x[64:], y[64:], c)

    a, b, old = fit(True), fit(True), fit(False)
    assert a.history == b.history and a.batches == b.batches
    assert a.history != old.history  # the old path is still a different, selectable path


def test_a_fixed_length_model_is_never_cut():
    import keras

    tokens = keras.Input(shape=(12,), dtype="int32")
    h = keras.layers.LSTM(4, name="rnn")(keras.layers.Embedding(30, 8, name="embedding")(tokens))
    model = keras.Model(tokens, keras.layers.Dense(2, activation="softmax")(h))
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    assert not masks_padding(model) and masks_padding(build_model(SMALL, 30))
    x, y = toy_data()
    result = train(model, x[:64], y[:64], x[64:], y[64:], TrainConfig(max_epochs=1, batch_size=16))
    assert result.epochs_run == 1


def test_bucketing_must_be_true_or_false():
    with pytest.raises(ValueError, match="train.bucketing must be true or false, got 'yes'"):
        TrainConfig(bucketing="yes")
