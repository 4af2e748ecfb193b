"""lstm_core.model.ModelCache: a worker's last network lent to the next training of the same shape is
the same training as a fresh network's (same curves, same weights), and any other shape gets a fresh one."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import TINY

from lstm_core.model import ModelCache, build_model
from lstm_core.pipeline import prepare, train_run


@pytest.fixture(scope="module")
def prepared(tiny_imdb_shared):
    cfg = TINY.replace(data={"source": str(tiny_imdb_shared)}, model={"dropout": 0.3, "rnn_dropout": 0.2})
    return cfg, prepare(cfg)


def test_a_reused_network_trains_exactly_as_a_fresh_one(prepared):
    cfg, prep = prepared
    fresh = train_run(cfg, prepared=prep, with_baseline=False)
    cache = ModelCache()
    other = train_run(cfg.replace(train={"seed": 7}), prepared=prep, with_baseline=False, models=cache)  # dirties it
    again = train_run(cfg, prepared=prep, with_baseline=False, models=cache)
    assert again.model is other.model  # lent, not rebuilt
    assert again.history == fresh.history and again.batches == fresh.batches
    for a, b in zip(again.model.get_weights(), fresh.model.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert again.metrics.test.accuracy == fresh.metrics.test.accuracy


def test_another_shape_or_learning_rate_gets_a_fresh_network(prepared):
    cfg, prep = prepared
    cache = ModelCache()
    first = cache.build(cfg.model, prep.vocab.size, train_cfg=cfg.train)
    assert cache.build(cfg.model, prep.vocab.size, train_cfg=cfg.train) is first
    wider = cfg.model.__class__(**{**cfg.model.__dict__, "units": cfg.model.units + 1})
    assert cache.build(wider, prep.vocab.size, train_cfg=cfg.train) is not first
    faster = cfg.replace(train={"learning_rate": cfg.train.learning_rate * 2}).train
    second = cache.build(wider, prep.vocab.size, train_cfg=cfg.train)
    assert cache.build(wider, prep.vocab.size, train_cfg=faster) is not second
    assert float(cache.build(wider, prep.vocab.size, train_cfg=faster).optimizer.learning_rate) == \
        pytest.approx(faster.learning_rate)


def test_build_model_still_gives_a_new_network_each_time(prepared):
    cfg, prep = prepared
    assert build_model(cfg.model, prep.vocab.size) is not build_model(cfg.model, prep.vocab.size)
