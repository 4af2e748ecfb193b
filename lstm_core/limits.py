"""Every size a user can make the app allocate, bounded in one place.

Anyone with the app's URL can type a path, upload a bundle or move every slider
to its maximum. Each number read from such input (a vocabulary's length, an
embedding's size, a zip member's declared size, a training's cost) is checked
against :data:`LIMITS` *before* anything of that size is allocated; a value over
its limit raises :class:`LimitExceeded` naming the value and the limit (a keyed error: the app
shows it in the reader's language, catalogue ``limits``).

The training caps (``job_*``) are the defaults of the classroom settings
(``lstm_core.settings``), where a teacher can change them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .config import ExperimentConfig, ModelConfig
from .errors import LstmLabError

MiB, GiB = 2**20, 2**30


class LimitExceeded(LstmLabError):
    """An uploaded, typed or configured size is over its limit."""


@dataclass(frozen=True)
class Limits:
    # Streamlit refuses larger uploads itself (.streamlit/config.toml maxUploadSize is the same
    # number); a bundle of the tutorial's model is ~40 MB.
    upload_bytes: int = 100 * MiB
    # Each JSON file of a bundle: a 200,000-word vocabulary is ~4 MB, the per-batch curves of the
    # longest training the caps allow ~10 MB.
    bundle_json_bytes: int = 16 * MiB
    # The weights file: model_parameters float32 values plus Adam's two moments, plus HDF5's headers.
    bundle_weights_bytes: int = 3 * 4 * 30_000_000 + 4 * MiB
    # A run's time-lapse of weights (lstm_core.snapshots): 12 snapshots of a trainable 20,000 x 128
    # embedding in float16 (5.1 MB each) with its 64-unit LSTM; with the run's own ~11 MB of weights a
    # bundle stays under upload_bytes. More epochs are thinned evenly to fit.
    snapshot_bytes: int = 64 * MiB
    # Words in a vocabulary (the Data page offers 100,000 at most).
    vocab_words: int = 200_000
    # All weights of one model: 30M float32 values are 120 MB (the tutorial's model has ~12M).
    model_parameters: int = 30_000_000
    # One line of a word-vector text file (300 numbers are ~3 kB).
    vector_line_bytes: int = 1 * MiB
    # Rows a word-vector file may declare, and its dimension.
    vector_rows: int = 10_000_000
    vector_dim: int = 1024
    # One review file of a pos/neg folder (IMDB's longest review is 14 kB).
    review_bytes: int = 1 * MiB
    # The cleaned-review cache on disk (the full dataset cleaned is ~30 MB per setting).
    cache_bytes: int = 1 * GiB
    # Characters of a text typed or pasted to be explained (the Gates page's box, ``gates --text``):
    # a 100,000-character paste fits; the model reads only its max_len tokens anyway.
    text_chars: int = 200_000
    # One training job, estimated before it is queued (:func:`estimate_training`): the tutorial's
    # settings with all 100 epochs estimate ~45 minutes; every slider at its maximum, many hours.
    job_seconds: float = 3600.0
    job_memory_bytes: int = 4 * GiB
    job_epochs: int = 100
    job_reviews: int = 50_000


LIMITS = Limits()


def check_limit(what: str, value: int | float, limit: int | float, unit: str = "") -> None:
    """Raise :class:`LimitExceeded` if ``value`` > ``limit``, naming both: ``what`` is the quantity's
    key in the catalogue ``limits`` ("vocabulary", "time.training", …), whose text writes the unit
    ("words", "weights" or a count); times are in minutes, or in seconds (``<what>_s``) under a minute's
    limit; bytes in MB or GB, written the same in every language."""
    if value <= limit:
        return
    if unit == "seconds":
        minutes = limit >= 60
        raise LimitExceeded.keyed(f"limits.{what}" if minutes else f"limits.{what}_s",
                                  value=value / 60 if minutes else value, limit=limit / 60 if minutes else limit)
    if unit == "bytes":
        raise LimitExceeded.keyed(f"limits.{what}", value=_bytes(value), limit=_bytes(limit))
    raise LimitExceeded.keyed(f"limits.{what}", value=value, limit=limit)


def _bytes(value: int | float) -> str:
    return f"{value / MiB:,.1f} MB" if value < GiB else f"{value / GiB:,.1f} GB"


# ------------------------------------------------------------------------------------ model size

_GATES = {"lstm": 4, "gru": 3, "rnn": 1}


def weight_shapes(cfg: ModelConfig, vocab_size: int) -> list[tuple[int, ...]]:
    """The shapes of ``lstm_core.model.build_model``'s weights, in Keras' order, computed without
    building it (a test checks them against a built model of every cell)."""
    e, u, d, g = cfg.embedding_dim, cfg.units, cfg.dense_units, _GATES[cfg.cell]
    bias = (2, g * u) if cfg.cell == "gru" else (g * u,)  # Keras GRU: reset_after=True, two biases
    return [(vocab_size, e),  # embedding
            (e, g * u), (u, g * u), bias,  # kernel, recurrent_kernel, bias (gates i, f, c, o)
            (u, d), (d,),  # dense
            (d, 2), (2,)]  # output


def model_parameters(cfg: ModelConfig, vocab_size: int) -> int:
    return sum(math.prod(s) for s in weight_shapes(cfg, vocab_size))


def check_model_size(cfg: ModelConfig, vocab_size: int, limits: Limits = LIMITS) -> int:
    """The model's parameter count, after checking the vocabulary and the count against ``limits``."""
    check_limit("vocabulary", vocab_size, limits.vocab_words + 2, "words")
    n = model_parameters(cfg, vocab_size)
    check_limit("model", n, limits.model_parameters, "weights")
    return n


# ------------------------------------------------------------------------------- training cost

# Per (review, time step) on 2 CPU cores: a fixed ~130 us per recurrent step of a batch
# (TensorFlow's loop), spread over the batch, plus the step's arithmetic at ~57 GFLOP/s (the
# recurrence's small matmuls run on one core). Fitted to steady epochs of the default at batch
# 32/64/128/256, padded and bucketed, 128 units, and the tutorial at 128/256 (2026-12-03): within
# 0.7-1.2x of each, 17% rms.
STEP_OVERHEAD_SECONDS = 130e-6
SECONDS_PER_FLOP = 1.75e-11
# Cleaned IMDB review lengths are log-normal: ln(tokens) has mean 4.59 and deviation 0.665 on the
# bundled training split with the default cleaning (the tutorial's: 4.55, 0.667). It gives the
# tokens a review keeps at max_len 50 / 100 / 200 / 400 as 48.0 / 81.2 / 109.4 / 121.0 (measured
# 48.2 / 81.0 / 108.1 / 121.7): what a length-bucketed batch steps through, known before any data
# is read.
LOG_LENGTH_MEAN, LOG_LENGTH_SD = 4.59, 0.665


@dataclass(frozen=True)
class Estimate:
    """What one training will cost, at most (every epoch run)."""

    seconds: float
    memory_bytes: int
    parameters: int
    epochs: int


def step_flops(cfg: ModelConfig) -> float:
    """Forward + backward arithmetic of one recurrent step of one review (3 x the forward)."""
    g = _GATES[cfg.cell]
    return 3 * 2 * g * cfg.units * (cfg.embedding_dim + cfg.units)


def expected_kept_tokens(max_len: int) -> float:
    """E[min(L, max_len)] for the log-normal review length L above."""
    mu, sd = LOG_LENGTH_MEAN, LOG_LENGTH_SD
    z = (math.log(max_len) - mu) / sd
    below = math.exp(mu + sd * sd / 2) * _normal_cdf(z - sd)  # E[L; L < max_len]
    return below + max_len * (1 - _normal_cdf(z))


def _normal_cdf(z: float) -> float:
    return 0.5 * (1 + math.erf(z / math.sqrt(2)))


def steps_per_review(cfg: ExperimentConfig) -> float:
    """Recurrent steps one review costs per epoch: max_len when every batch is padded to it; with
    length buckets (``train.bucketing``) the tokens it keeps plus, on average, half a bucket of padding."""
    from .training import BUCKET_STEP, BUCKETS  # numpy only; TensorFlow stays unloaded

    T = cfg.sequence.max_len
    if not cfg.train.bucketing:
        return float(T)
    return min(float(T), expected_kept_tokens(T) + min(math.ceil(T / BUCKETS), BUCKET_STEP) / 2)


def vocabulary_bound(cfg: ExperimentConfig, reviews: int) -> int:
    """How many words the vocabulary of ``reviews`` reviews can hold: Heaps' law fitted with room
    to spare (5,000 cleaned IMDB reviews have 37,700 different words), capped by max_vocab."""
    return min(cfg.sequence.max_vocab, int(40_000 * (max(reviews, 1) / 5_000) ** 0.6)) + 2


def estimate_training(cfg: ExperimentConfig, reviews: int) -> Estimate:
    """An estimate of training ``cfg`` on ``reviews`` reviews (validation included) on a quiet 2-core
    machine if every epoch runs (early stopping usually ends sooner)."""
    from .training import EVAL_BATCH

    t, m, T = cfg.train, cfg.model, cfg.sequence.max_len
    vocab = vocabulary_bound(cfg, reviews)
    steps = steps_per_review(cfg)
    per_step = STEP_OVERHEAD_SECONDS / t.batch_size + SECONDS_PER_FLOP * step_flops(m)
    # validated once per epoch, forward only (a third of a step), in larger batches when bucketed
    val_batch = max(t.batch_size, EVAL_BATCH) if t.bucketing else t.batch_size
    val_step = (STEP_OVERHEAD_SECONDS / val_batch + SECONDS_PER_FLOP * step_flops(m)) / 3
    val = reviews * t.validation_split
    seconds = t.max_epochs * steps * (reviews * (1 - t.validation_split) * per_step + val * val_step)
    params = model_parameters(m, vocab)
    # weights, gradients and Adam's two moments; the batch's activations kept for backprop
    # (B, T, gates * units) a few times over; the encoded reviews (N, T) int32.
    activations = 4 * t.batch_size * T * (_GATES[m.cell] + 2) * m.units * 3
    memory = 16 * params + activations + 4 * reviews * T
    return Estimate(seconds, int(memory), params, t.max_epochs)


# Training reviews per class of the bundled sample and of the full IMDB train split.
BUNDLED_PER_CLASS, FULL_PER_CLASS = 2_500, 12_500


def training_reviews(cfg: ExperimentConfig) -> int:
    """How many training reviews ``cfg`` reads (validation share included), known before the data
    is read: the bundled sample's or IMDB's size, or per_class. (A pos/neg folder larger than IMDB
    is checked again once it is read.)"""
    top = BUNDLED_PER_CLASS if cfg.data.source == "bundled" else FULL_PER_CLASS
    per_class = top if cfg.data.per_class is None else min(cfg.data.per_class, top)
    return 2 * math.ceil(per_class / cfg.data.every_k)


def check_training(cfg: ExperimentConfig, reviews: int, limits: Limits = LIMITS) -> Estimate:
    """The estimate, after refusing a training over any of ``limits``' job caps."""
    check_limit("epochs", cfg.train.max_epochs, limits.job_epochs)
    check_limit("reviews", reviews, limits.job_reviews)
    est = estimate_training(cfg, reviews)
    check_limit("model", est.parameters, limits.model_parameters, "weights")
    check_limit("time.training", est.seconds, limits.job_seconds, "seconds")
    check_limit("memory", est.memory_bytes, limits.job_memory_bytes, "bytes")
    return est
