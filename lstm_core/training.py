"""Training through Keras ``fit``, reporting to a listener that knows the UI.

The trainer never prints or draws. It calls a ``TrainingListener`` after every
batch and every epoch and asks it, after every batch, whether to stop; the CLI's
progress bar, the app's background job and the tests are all listeners.

Length-bucketed batches (``TrainConfig.bucketing``, issue 16). Reviews arrive right-padded to
``max_len`` (pad id 0), and a masked recurrent layer still steps through every padded column: on the
bundled split 46% of the recurrent work was padding. :func:`plan_batches` groups reviews of similar
length and cuts each batch to the smallest of a few fixed bucket lengths that holds its longest
review. The model reads exactly the same tokens (the cut columns are all padding, which the mask
ignores), every review is seen once per epoch, and the plan of epoch e is drawn from
``(train.seed, e)`` alone, so the same seed gives the same run in any process. The batches reach
Keras as one ``tf.data`` pipeline whose time axis is declared ``None``: one trace for every length.
"""

from __future__ import annotations

import functools
import itertools
import math
import time
from dataclasses import dataclass, field
from collections.abc import Callable, Mapping, Sequence
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


def _keras_callback(listener: TrainingListener, info: TrainInfo, result: TrainResult, curves: Curves,
                    batch_sizes: Callable[[int], Sequence[int]]):
    """``batch_sizes(epoch)``: the rows of each of that epoch's batches, in the order trained."""
    import keras

    class _Bridge(keras.callbacks.Callback):
        """Turns Keras' running epoch means (weighted by rows) into per-batch values for the listener."""

        def on_train_begin(self, logs=None):
            self.t0 = time.perf_counter()
            self.epoch = 0
            self.step = 0
            listener.on_train_begin(info)

        def on_epoch_begin(self, epoch, logs=None):
            self.epoch = epoch
            self.sizes = batch_sizes(epoch)
            self.prev = (0.0, 0.0, 0)  # running mean loss, mean accuracy, rows seen

        def on_train_batch_end(self, batch, logs=None):
            logs = logs or {}
            mean_loss, mean_acc = float(logs.get("loss", math.nan)), float(logs.get("accuracy", math.nan))
            n = self.sizes[batch] if batch < len(self.sizes) else self.sizes[-1]
            seen = self.prev[2] + n
            loss = (seen * mean_loss - self.prev[2] * self.prev[0]) / n
            acc = (seen * mean_acc - self.prev[2] * self.prev[1]) / n
            self.prev = (mean_loss, mean_acc, seen)
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


# ------------------------------------------------------------------- length-bucketed batches

# Bucket lengths: max_len cut into this many equal steps (200 tokens: 13, 26, ..., 195, 200), each at
# most BUCKET_STEP tokens (the tutorial's 891: 56 steps of 16, where 16 steps of 56 left 24% padding
# on reviews of ~120 tokens). A batch of similar-length reviews is padded less than one step past
# its longest; the time axis reaches Keras as None, so the number of buckets costs no tracing.
BUCKETS = 16
BUCKET_STEP = 16
# Validation and prediction run forward only, so a larger batch costs no accuracy and spreads each
# step's fixed overhead over 4x the rows; metrics are weighted by rows, so the figures are unchanged.
EVAL_BATCH = 256


def sequence_lengths(x: np.ndarray) -> np.ndarray:
    """(N,) how many columns of right-padded ids x (N, T) hold anything but padding (id 0): the
    index of the last nonzero id + 1, 0 for an empty row."""
    nonzero = x != 0  # (N, T)
    last = x.shape[1] - np.argmax(nonzero[:, ::-1], axis=1)  # (N,)
    return np.where(nonzero.any(axis=1), last, 0)


def bucket_lengths(max_len: int, buckets: int = BUCKETS) -> np.ndarray:
    """The lengths a batch is cut to: ``buckets`` equal steps up to ``max_len``, or more of
    ``BUCKET_STEP`` tokens for a long max_len (increasing)."""
    if not isinstance(max_len, (int, np.integer)) or max_len < 1:
        raise ValueError(f"max_len must be a positive integer, got {max_len!r}")
    step = min(math.ceil(max_len / buckets), BUCKET_STEP)
    return np.unique(np.minimum(np.arange(step, max_len + step, step), max_len))


@dataclass(frozen=True)
class BatchPlan:
    """One pass over the rows: batch b reads ``rows[b]`` cut to ``lengths[b]`` columns."""

    rows: tuple[np.ndarray, ...]  # each (B_b,) row indices; together every row exactly once
    lengths: tuple[int, ...]  # columns kept per batch, each one of the bucket lengths
    real_tokens: int

    @property
    def sizes(self) -> list[int]:
        return [len(r) for r in self.rows]

    @property
    def padded_steps(self) -> int:
        """Recurrent steps computed: rows x columns, summed over the batches."""
        return sum(len(r) * t for r, t in zip(self.rows, self.lengths))

    @property
    def padded_share(self) -> float:
        return 1 - self.real_tokens / self.padded_steps if self.padded_steps else 0.0


def plan_batches(lengths: np.ndarray, batch_size: int, buckets: np.ndarray,
                 rng: np.random.Generator | None = None) -> BatchPlan:
    """Batches of ``batch_size`` rows (the last may be smaller) of similar length.

    With ``rng``: the rows are shuffled, ordered by bucket (shuffled within it), cut into batches,
    and the batches shuffled. Without: rows in order of length (validation, prediction).
    ``lengths`` (N,) from :func:`sequence_lengths`; ``buckets`` from :func:`bucket_lengths`.
    """
    lengths = np.asarray(lengths)
    if len(lengths) and lengths.max() > buckets[-1]:
        raise ValueError(f"lengths must be at most the longest bucket {buckets[-1]}, got {lengths.max()}")
    order = rng.permutation(len(lengths)) if rng is not None else np.arange(len(lengths))
    bucket = np.searchsorted(buckets, lengths[order])  # smallest bucket holding each row
    order = order[np.argsort(bucket if rng is not None else lengths[order], kind="stable")]
    rows = [order[s:s + batch_size] for s in range(0, len(order), batch_size)]
    if rng is not None:
        rows = [rows[i] for i in rng.permutation(len(rows))]
    cut = [int(buckets[np.searchsorted(buckets, max(int(lengths[r].max()), 1))]) for r in rows]
    return BatchPlan(tuple(rows), tuple(cut), int(lengths.sum()))


def epoch_plan(lengths: np.ndarray, batch_size: int, buckets: np.ndarray, seed: int, epoch: int) -> BatchPlan:
    """Epoch ``epoch``'s training batches, drawn from (seed, epoch) alone: a worker process and a
    fresh one train the same batches in the same order."""
    return plan_batches(lengths, batch_size, buckets, np.random.default_rng([seed, epoch]))


def masks_padding(model) -> bool:
    """Whether cutting padded columns leaves ``model``'s output unchanged: its input has no fixed
    length and its "embedding" layer masks id 0 (the classifier of ``lstm_core.model``; not, say,
    the memory task's fixed-length model, where 0 is a word)."""
    try:
        embedding = model.get_layer("embedding")
    except ValueError:
        return False
    return model.inputs[0].shape[1] is None and bool(getattr(embedding, "mask_zero", False))


def batch_dataset(x: np.ndarray, y: np.ndarray | None, plans: Callable[[int], BatchPlan],
                  epochs: int | None = 1):
    """A ``tf.data`` pipeline of plans(0)'s batches, then plans(1)'s, ... (``epochs`` passes, or
    without end for ``None``), each batch x[rows, :length] (and y[rows]), prefetched while the
    previous one trains. x and y are read, never copied whole."""
    import tensorflow as tf

    def batches():
        for e in itertools.count() if epochs is None else range(epochs):
            plan = plans(e)
            for rows, t in zip(plan.rows, plan.lengths):
                yield (x[rows, :t],) if y is None else (x[rows, :t], y[rows])

    spec = (tf.TensorSpec((None, None), tf.as_dtype(x.dtype)),)  # (B, T): one trace for all lengths
    if y is not None:
        spec += (tf.TensorSpec((None,), tf.as_dtype(y.dtype)),)
    data = tf.data.Dataset.from_generator(batches, output_signature=spec)
    if epochs is not None:  # a known length: Keras then expects the end rather than warning of it
        data = data.apply(tf.data.experimental.assert_cardinality(sum(len(plans(e).rows) for e in range(epochs))))
    # No autotuning: nothing here is AUTOTUNE, and deleting an autotuned iterator waits for its
    # model thread: the end of each fit took 2-8 s more (4.2 s -> 0.01 s after a 3-epoch default).
    options = tf.data.Options()
    options.autotune.enabled = False
    return data.prefetch(2).with_options(options)


def train(model, x_train: np.ndarray, y_train: np.ndarray, x_val: np.ndarray, y_val: np.ndarray,
          cfg: TrainConfig, listener: TrainingListener | None = None,
          callbacks: Sequence[Any] = ()) -> TrainResult:
    """Fit ``model`` with early stopping; stops between batches when the listener asks.
    ``callbacks`` are more Keras callbacks, run after the listener's bridge and before early
    stopping (which may restore the best weights at the end). Batches are length-bucketed when
    ``cfg.bucketing`` and the model masks padding (:func:`masks_padding`); otherwise every batch
    has all ``max_len`` columns and Keras shuffles."""
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
    if cfg.bucketing and masks_padding(model):
        buckets = bucket_lengths(max(x_train.shape[1], x_val.shape[1]))
        lengths = sequence_lengths(x_train)

        @functools.lru_cache(maxsize=4)  # asked by the data pipeline and by the bridge
        def plan(epoch: int) -> BatchPlan:
            return epoch_plan(lengths, cfg.batch_size, buckets, cfg.seed, epoch)

        val_plan = plan_batches(sequence_lengths(x_val), EVAL_BATCH, buckets)
        data = dict(x=batch_dataset(x_train, y_train, plan, epochs=None), steps_per_epoch=batches, shuffle=False,
                    validation_data=batch_dataset(x_val, y_val, lambda epoch: val_plan))

        def sizes(epoch: int) -> list[int]:
            return plan(epoch).sizes
    else:
        data = dict(x=x_train, y=y_train, validation_data=(x_val, y_val), batch_size=cfg.batch_size,
                    shuffle=True)
        last = len(x_train) - cfg.batch_size * (batches - 1)

        def sizes(epoch: int) -> list[int]:
            return [cfg.batch_size] * (batches - 1) + [last]
    bridge = _keras_callback(listener, info, result, curves, sizes)
    t0 = time.perf_counter()
    model.fit(**data, epochs=cfg.max_epochs, verbose=0, callbacks=[bridge, *callbacks, early])
    result.seconds = time.perf_counter() - t0
    result.stopped_early = early.stopped_epoch > 0 and not result.stopped_by_user
    monitored = result.history.get(cfg.monitor, [])
    if monitored:
        pick = np.nanargmin if cfg.monitor == "val_loss" else np.nanargmax
        result.best_epoch = int(pick(monitored))
    return result
