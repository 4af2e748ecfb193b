"""The tutorial's classifier as a builder over ``ModelConfig``.

    tokens (B, T) int32
      → embedding  Embedding(vocab, E, mask_zero=True)      (B, T, E)
      → rnn        LSTM | GRU | SimpleRNN(units)             (B, units)
      → dense      Dense(dense_units, relu, L1/L2 on kernel)  (B, dense_units)
      → dropout    Dropout(p)
      → output     Dense(2, softmax)                          (B, 2)

Layers carry these names so later code (gate tracing, embedding maps) can find
them with ``model.get_layer("rnn")``.
"""

from __future__ import annotations

import json
from dataclasses import asdict

import numpy as np

from .config import ModelConfig, TrainConfig

LAYER_NAMES = ("embedding", "rnn", "dense", "dropout", "output")


def _keras():
    import os

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras

    return keras


def build_model(cfg: ModelConfig, vocab_size: int, *,
                embedding_matrix: np.ndarray | None = None,
                train_cfg: TrainConfig | None = None):
    """A compiled Keras model. ``embedding_matrix`` (vocab_size, E) sets the
    initial embedding (word2vec); it is loaded as weights, never kept in config."""
    keras = _keras()
    layers = keras.layers
    if not isinstance(vocab_size, int) or vocab_size < 3:
        raise ValueError(f"vocab_size must be an integer >= 3, got {vocab_size!r}")
    if embedding_matrix is not None and embedding_matrix.shape != (vocab_size, cfg.embedding_dim):
        raise ValueError(f"embedding_matrix must have shape {(vocab_size, cfg.embedding_dim)}, "
                         f"got {embedding_matrix.shape}")
    rnn_cls = {"lstm": layers.LSTM, "gru": layers.GRU, "rnn": layers.SimpleRNN}[cfg.cell]
    regularizer = keras.regularizers.L1L2(l1=cfg.l1, l2=cfg.l2) if (cfg.l1 or cfg.l2) else None

    tokens = keras.Input(shape=(None,), dtype="int32", name="tokens")  # (B, T)
    x = layers.Embedding(vocab_size, cfg.embedding_dim, mask_zero=True,
                         trainable=cfg.embedding_trainable, name="embedding")(tokens)  # (B, T, E)
    if cfg.pooling == "last":
        x = rnn_cls(cfg.units, dropout=cfg.rnn_dropout, name="rnn")(x)  # (B, units)
    else:
        x = rnn_cls(cfg.units, dropout=cfg.rnn_dropout, return_sequences=True, name="rnn")(x)  # (B, T, units)
        x = layers.GlobalAveragePooling1D(name="pool")(x)  # (B, units), padded steps excluded
    x = layers.Dense(cfg.dense_units, activation="relu", kernel_regularizer=regularizer,
                     name="dense")(x)  # (B, dense_units)
    x = layers.Dropout(cfg.dropout, name="dropout")(x)
    probs = layers.Dense(2, activation="softmax", name="output")(x)  # (B, 2)
    model = keras.Model(tokens, probs, name=f"{cfg.cell}_classifier")
    if embedding_matrix is not None:
        model.get_layer("embedding").set_weights([embedding_matrix.astype("float32")])
    compile_model(model, train_cfg or TrainConfig())
    return model


def untrained_copy(model, config, vocab_size: int):
    """The same network before training, to compare gates with: fresh recurrent and classifier
    weights from Keras' initialisers, the trained embedding kept (the words stay the same inputs).
    ``config`` is the run's ``ExperimentConfig``."""
    fresh = build_model(config.model, vocab_size, train_cfg=config.train)
    fresh.get_layer("embedding").set_weights(model.get_layer("embedding").get_weights())
    return fresh


class ModelCache:
    """The last network a worker trained, kept for the next training of the same shape.

    Keras traces a model's training, validation and prediction steps into graphs the first time
    each runs, a few seconds on 2 cores that all come before the first chart point. ``build`` gives
    a training whose network has the same configuration, vocabulary size and learning rate as the
    last one that network back, already traced: its variables (weights, dropout seed states) set to
    those a fresh ``build_model`` gives after the same seeding, its optimiser restarted (step 0,
    moments zero). That is the same training as in a fresh process (tests/test_workers.py checks the
    curves). Only a worker process keeps one: a run handed back as the object itself would change
    under the next training.
    """

    def __init__(self) -> None:
        self._key: str | None = None
        self._model = None

    def build(self, cfg: ModelConfig, vocab_size: int, *, embedding_matrix: np.ndarray | None = None,
              train_cfg: TrainConfig | None = None):
        """What ``build_model`` gives, reusing the last network when it has the same shape."""
        train_cfg = train_cfg or TrainConfig()
        fresh = build_model(cfg, vocab_size, embedding_matrix=embedding_matrix, train_cfg=train_cfg)
        key = json.dumps([asdict(cfg), vocab_size, train_cfg.learning_rate], sort_keys=True)
        if key != self._key or not _restart(self._model, fresh):
            self._key, self._model = key, fresh
        return self._model


def _restart(model, fresh) -> bool:
    """Give ``model`` the variables of ``fresh`` (same architecture) and a new optimiser state; False
    (nothing changed) when their variables do not line up."""
    mine, new = model.variables, fresh.variables
    if len(mine) != len(new) or any(a.name != b.name or a.shape != b.shape for a, b in zip(mine, new)):
        return False
    for a, b in zip(mine, new):
        a.assign(b)
    for v in model.optimizer.variables:  # Adam: the step count and both moments, not the rate
        if v.name != "learning_rate":
            v.assign(np.zeros(v.shape, dtype=v.dtype))
    return True


def compile_model(model, train_cfg: TrainConfig) -> None:
    keras = _keras()
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=train_cfg.learning_rate),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )


def predict_proba(model, x: np.ndarray, batch_size: int = 256) -> np.ndarray:
    """P(positive) for padded id sequences x (N, T) → (N,). More than one batch of them is read
    in length-bucketed batches (``lstm_core.training.plan_batches``) when the model masks padding:
    the same probabilities without stepping through the padding."""
    from .training import batch_dataset, bucket_lengths, masks_padding, plan_batches, sequence_lengths

    if len(x) == 0:
        return np.zeros((0,), dtype=np.float32)
    if len(x) <= batch_size or not masks_padding(model):
        return model.predict(x, batch_size=batch_size, verbose=0)[:, 1]  # (N, 2) → (N,)
    plan = plan_batches(sequence_lengths(x), batch_size, bucket_lengths(x.shape[1]))
    probs = model.predict(batch_dataset(x, None, lambda epoch: plan), verbose=0)  # (N, 2), plan's order
    return probs[np.argsort(np.concatenate(plan.rows)), 1]
