"""Training through Keras ``fit``, reporting to a listener that knows the UI.

The trainer never prints or draws. It calls a ``TrainingListener`` after every
batch and every epoch and asks it, after every batch, whether to stop; the CLI's
progress bar, the app's background job and the tests are all listeners.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import numpy as np

from .config import TrainConfig


@dataclass(frozen=True)
class TrainInfo:
    epochs: int
    batches_per_epoch: int
    train_size: int
    val_size: int


@dataclass(frozen=True)
class BatchUpdate:
    epoch: int  # 0-based
    batch: int  # 0-based within the epoch
    batches_per_epoch: int
    step: int  # 0-based over the whole run
    loss: float  # this batch's own loss (Keras logs hold the epoch's running mean)
    accuracy: float  # this batch's own accuracy
    elapsed: float  # seconds since training began


@dataclass(frozen=True)
class EpochUpdate:
    epoch: int
    logs: dict[str, float]  # loss, accuracy, val_loss, val_accuracy
    elapsed: float


class TrainingListener(Protocol):
    def on_train_begin(self, info: TrainInfo) -> None: ...
    def on_batch_end(self, update: BatchUpdate) -> None: ...
    def on_epoch_end(self, update: EpochUpdate) -> None: ...
    def should_stop(self) -> bool: ...


class NullListener:
    """The base of every listener (a job, the CLI's progress bar, a recorder's per-model listener):
    it ignores everything; subclass and override what you need."""

    def on_train_begin(self, info: TrainInfo) -> None:
        pass

    def on_batch_end(self, update: BatchUpdate) -> None:
        pass

    def on_epoch_end(self, update: EpochUpdate) -> None:
        pass

    def should_stop(self) -> bool:
        return False


BATCH_KEYS = ("step", "epoch", "loss", "accuracy")
EPOCH_KEYS = ("loss", "accuracy", "val_loss", "val_accuracy")


def best_val_accuracy(history: Mapping[str, Sequence[float]]) -> float:
    """The highest validation accuracy of a per-epoch history, NaN (an epoch without validation)
    never counting; NaN if there is none."""
    values = [v for v in history.get("val_accuracy", ()) if v == v]
    return max(values) if values else math.nan


class Curves:
    """Per-batch and per-epoch curves as a listener receives them: the one accumulator the
    trainer's result, the app's job and the comparison's recorder share. Not locked: a caller
    that reads from another thread holds its own lock around ``add_*`` and ``frozen``."""

    def __init__(self):
        self.batches: dict[str, list[float]] = {k: [] for k in BATCH_KEYS}
        self.history: dict[str, list[float]] = {}  # a key appears with the first epoch's logs

    def add_batch(self, u: "BatchUpdate") -> None:
        for key, value in zip(BATCH_KEYS, (u.step, u.epoch, u.loss, u.accuracy)):
            self.batches[key].append(value)

    def add_epoch(self, logs: dict[str, float]) -> None:
        for key in EPOCH_KEYS:
            self.history.setdefault(key, []).append(float(logs.get(key, math.nan)))

    @property
    def steps(self) -> int:
        return len(self.batches["step"])

    def frozen(self) -> tuple[dict[str, tuple[float, ...]], dict[str, tuple[float, ...]]]:
        """(batches, history) as tuples: a copy safe to hand to another thread."""
        return ({k: tuple(v) for k, v in self.batches.items()},
                {k: tuple(v) for k, v in self.history.items()})


@dataclass
class TrainResult:
    history: dict[str, list[float]]  # per epoch: loss, accuracy, val_loss, val_accuracy
    batches: dict[str, list[float]] = field(default_factory=dict)  # step, epoch, loss, accuracy
    epochs_run: int = 0
    best_epoch: int = 0  # 0-based, by the monitored metric
    stopped_early: bool = False
    stopped_by_user: bool = False
    seconds: float = 0.0


def seed_everything(seed: int) -> None:
    """Python, NumPy and TensorFlow seeds in one call: the same seed gives the same run."""
    import keras

    keras.utils.set_random_seed(seed)


def _keras_callback(listener: TrainingListener, info: TrainInfo, result: TrainResult, curves: Curves):
    import keras

    class _Bridge(keras.callbacks.Callback):
        """Turns Keras' running epoch means into per-batch values for the listener."""

        def on_train_begin(self, logs=None):
            self.t0 = time.perf_counter()
            self.epoch = 0
            self.step = 0
            listener.on_train_begin(info)

        def on_epoch_begin(self, epoch, logs=None):
            self.epoch = epoch
            self.prev = (0.0, 0.0)

        def on_train_batch_end(self, batch, logs=None):
            logs = logs or {}
            mean_loss, mean_acc = float(logs.get("loss", math.nan)), float(logs.get("accuracy", math.nan))
            k = batch + 1  # batches seen this epoch (the last one may be smaller; close enough)
            loss = k * mean_loss - batch * self.prev[0]
            acc = k * mean_acc - batch * self.prev[1]
            self.prev = (mean_loss, mean_acc)
            acc = min(1.0, max(0.0, acc))
            update = BatchUpdate(self.epoch, batch, info.batches_per_epoch, self.step, loss, acc,
                                 time.perf_counter() - self.t0)
            curves.add_batch(update)
            listener.on_batch_end(update)
            self.step += 1
            if listener.should_stop():
                result.stopped_by_user = True
                self.model.stop_training = True

        def on_epoch_end(self, epoch, logs=None):
            logs = {k: float(v) for k, v in (logs or {}).items()}
            curves.add_epoch(logs)
            result.epochs_run = epoch + 1
            listener.on_epoch_end(EpochUpdate(epoch, logs, time.perf_counter() - self.t0))

    return _Bridge()


def train(model, x_train: np.ndarray, y_train: np.ndarray, x_val: np.ndarray, y_val: np.ndarray,
          cfg: TrainConfig, listener: TrainingListener | None = None,
          callbacks: Sequence[Any] = ()) -> TrainResult:
    """Fit ``model`` with early stopping; stops between batches when the listener asks.
    ``callbacks`` are more Keras callbacks, run after the listener's bridge and before early
    stopping (which may restore the best weights at the end)."""
    import keras

    listener = listener or NullListener()
    if len(x_train) == 0 or len(x_val) == 0:
        raise ValueError(f"need training and validation examples, got {len(x_train)} and {len(x_val)}")
    batches = math.ceil(len(x_train) / cfg.batch_size)
    info = TrainInfo(cfg.max_epochs, batches, len(x_train), len(x_val))
    curves = Curves()
    result = TrainResult(history=curves.history, batches=curves.batches)
    early = keras.callbacks.EarlyStopping(monitor=cfg.monitor, patience=cfg.patience,
                                          restore_best_weights=cfg.restore_best,
                                          mode="min" if cfg.monitor == "val_loss" else "max")
    t0 = time.perf_counter()
    model.fit(x_train, y_train, validation_data=(x_val, y_val), batch_size=cfg.batch_size,
              epochs=cfg.max_epochs, shuffle=True, verbose=0,
              callbacks=[_keras_callback(listener, info, result, curves), *callbacks, early])
    result.seconds = time.perf_counter() - t0
    result.stopped_early = early.stopped_epoch > 0 and not result.stopped_by_user
    monitored = result.history.get(cfg.monitor, [])
    if monitored:
        pick = np.nanargmin if cfg.monitor == "val_loss" else np.nanargmax
        result.best_epoch = int(pick(monitored))
    return result
