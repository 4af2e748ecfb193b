"""Training on a tiny synthetic problem: id 2 means positive, id 3 negative."""

import numpy as np
import pytest

from lstm_core.config import ModelConfig, TrainConfig
from lstm_core.model import LAYER_NAMES, build_model, predict_proba
from lstm_core.training import NullListener, seed_everything, train

SMALL = ModelConfig(embedding_dim=8, units=4, dense_units=4, dropout=0.0, l2=0.0, pooling="last",
                    embedding_init="random", embedding_trainable=True)


def toy_data(n=96, t=12, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    x = np.zeros((n, t), np.int32)
    for i in range(n):
        length = rng.integers(3, t + 1)
        x[i, :length] = rng.integers(4, 30, length)
        x[i, rng.integers(0, length)] = 2 if y[i] else 3
    return x, y


class Recorder(NullListener):
    def __init__(self, stop_after=None):
        self.batches, self.epochs, self.info, self.stop_after = [], [], None, stop_after

    def on_train_begin(self, info):
        self.info = info

    def on_batch_end(self, u):
        self.batches.append(u)

    def on_epoch_end(self, u):
        self.epochs.append(u)

    def should_stop(self):
        return self.stop_after is not None and len(self.batches) >= self.stop_after


def fit(cfg, listener=None, cell="lstm", seed=3):
    x, y = toy_data()
    seed_everything(seed)
    model = build_model(ModelConfig(**{**SMALL.__dict__, "cell": cell}), 30, train_cfg=cfg)
    return model, train(model, x[:64], y[:64], x[64:], y[64:], cfg, listener)


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_layers_are_named_and_output_is_a_probability(cell):
    model = build_model(ModelConfig(**{**SMALL.__dict__, "cell": cell}), 30)
    assert [layer.name for layer in model.layers[1:]] == list(LAYER_NAMES)
    p = predict_proba(model, toy_data(5)[0])
    assert p.shape == (5,) and np.all((p >= 0) & (p <= 1))


def test_listener_sees_every_batch_and_epoch():
    rec = Recorder()
    cfg = TrainConfig(max_epochs=3, batch_size=16, patience=5, learning_rate=0.01)
    _, result = fit(cfg, rec)
    assert rec.info.batches_per_epoch == 4 and rec.info.train_size == 64
    assert len(rec.batches) == 12 and [u.step for u in rec.batches] == list(range(12))
    assert [u.epoch for u in rec.epochs] == [0, 1, 2]
    assert set(rec.epochs[0].logs) >= {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert result.epochs_run == 3 and len(result.history["val_accuracy"]) == 3
    assert len(result.batches["loss"]) == 12
    # The per-batch values, averaged over an epoch, give back Keras' epoch loss.
    epoch0 = np.mean(result.batches["loss"][:4])
    assert epoch0 == pytest.approx(result.history["loss"][0], rel=1e-3)


def test_mean_pooling_adds_a_pool_layer_after_the_rnn():
    model = build_model(ModelConfig(**{**SMALL.__dict__, "pooling": "mean"}), 30)
    assert [layer.name for layer in model.layers[1:]] == ["embedding", "rnn", "pool", "dense", "dropout", "output"]
    assert model.get_layer("rnn").return_sequences


def test_frozen_embedding_does_not_train():
    model = build_model(ModelConfig(**{**SMALL.__dict__, "embedding_trainable": False}), 30)
    before = model.get_layer("embedding").get_weights()[0].copy()
    x, y = toy_data(32)
    model.fit(x, y, epochs=1, batch_size=16, verbose=0)
    np.testing.assert_array_equal(model.get_layer("embedding").get_weights()[0], before)


def test_it_learns_the_toy_problem():
    _, result = fit(TrainConfig(max_epochs=15, batch_size=16, patience=15, learning_rate=0.02))
    assert max(result.history["val_accuracy"]) >= 0.9


def test_stop_request_ends_training_within_one_batch():
    rec = Recorder(stop_after=2)
    _, result = fit(TrainConfig(max_epochs=5, batch_size=16, patience=5), rec)
    assert len(rec.batches) == 2 and result.stopped_by_user and not result.stopped_early
    assert result.epochs_run == 1


def test_same_seed_gives_same_history():
    cfg = TrainConfig(max_epochs=2, batch_size=16, patience=5, learning_rate=0.01)
    a, b = fit(cfg, seed=5)[1], fit(cfg, seed=5)[1]
    c = fit(cfg, seed=6)[1]
    assert a.history == b.history and a.batches == b.batches
    assert a.history != c.history


def test_early_stopping_respects_patience():
    # A learning rate of ~0 cannot improve val_loss, so patience 0 stops after epoch 2.
    _, result = fit(TrainConfig(max_epochs=10, batch_size=32, patience=0, learning_rate=1e-12,
                                monitor="val_loss", restore_best=False))
    assert result.epochs_run <= 3 and result.stopped_early
