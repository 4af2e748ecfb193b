"""A memory task: remember one value token seen k steps before the end, ignore the same tokens elsewhere.

Every sequence has ``length`` tokens. One *marker* sits at distance k + 1 from the end and the *value*
right after it, at distance k (distance 1 is the last token); the label is which value it was. Every
other position is *filler*, except that each one, with probability ``distractors``, holds a value token
instead — before and after the marked one. So the network must store the value that follows the
marker and ignore the very same tokens everywhere else: the tutorial's input weight conflict. And it
must keep that value for k steps while filler drives its state: the vanishing gradient.

    ids   0 .. n_values-1   value tokens (the classes)
          n_values          the marker
          n_values+1 ...    filler

    task = MemoryTaskConfig(length=100, distance=40)
    x, y = make_memory_data(task, 2000, seed=1)        # (2000, 100) int32, (2000,) int32
    spec = SweepSpec(cells=("rnn", "lstm", "gru"), distances=(10, 40, 80))
    result = memory_sweep(spec)                          # SweepResult.records: accuracy per (cell, k)

Models: Embedding(vocab, E) → SimpleRNN | LSTM | GRU(units), reading h_T → Dense(n_values, softmax),
built and trained with the same seed, size and budget for every cell. ``init="chrono"`` sets the
LSTM's forget-gate bias to log(U(1, length − 1)) and its input-gate bias to minus that (Tallec &
Ollivier 2018, "Can recurrent neural networks warp time?"), the GRU's update gate the same way (its
z is the share of h_tm1 kept); a SimpleRNN has no gate to set. ``MemoryRecorder`` keeps every
training's curves for a page to draw live (``MemoryTask`` is the app's background job runner; both
from :mod:`lstm_core.theory_jobs`).
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .config import CELLS, TrainConfig, _check, _check_choice, _check_float, _check_int
from .i18n import DEFAULT, text
from .theory_jobs import CurveRecorder, RecordedTask
from .training import best_val_accuracy, train

SWEEP = "memory sweep"  # the kind of its background job (lstm_core.jobs.Job.kind)
INITS = ("default", "chrono")
CELL_NAMES = {"rnn": "SimpleRNN", "lstm": "LSTM", "gru": "GRU"}
MAX_LENGTH = 1000  # tokens per sequence; one training step costs time linear in it
MAX_SEQUENCES = 100_000  # per split: 100,000 x 1000 int32 is 400 MB, the most a sweep may allocate


# ----------------------------------------------------------------------------------- the data


@dataclass(frozen=True)
class MemoryTaskConfig:
    # Every sequence as long as the longest distance swept needs, so every k sees the same amount
    # of filler: only where the value sits changes.
    length: int = 100
    distance: int = 40  # k: the value is the k-th token from the end (1 = the last token)
    n_values: int = 2  # classes; chance is 1 / n_values
    n_fillers: int = 16
    # Share of the unmarked positions that hold a value token: the distractors that make storing
    # "the last value seen" wrong.
    distractors: float = 0.1

    def __post_init__(self) -> None:
        _check_int("memory.length", self.length, 3, MAX_LENGTH)
        _check_int("memory.distance", self.distance, 1, self.length - 1)
        _check_int("memory.n_values", self.n_values, 2, 50)
        _check_int("memory.n_fillers", self.n_fillers, 1, 1000)
        _check_float("memory.distractors", self.distractors, 0.0, 0.9)

    @property
    def marker(self) -> int:
        return self.n_values

    @property
    def vocab_size(self) -> int:
        return self.n_values + 1 + self.n_fillers

    @property
    def chance(self) -> float:
        return 1.0 / self.n_values


def make_memory_data(task: MemoryTaskConfig, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(x, y): ``n`` seeded sequences (n, length) int32 and their labels (n,) int32, the value token
    at distance ``task.distance`` right after the only marker. Balanced classes up to sampling."""
    _check_int("n", n, 1, MAX_SEQUENCES)
    _check_int("seed", seed, 0, 2**31 - 1)
    rng = np.random.default_rng(seed)
    T, k = task.length, task.distance
    x = rng.integers(task.marker + 1, task.vocab_size, size=(n, T), dtype=np.int32)  # (n, T) filler
    distract = rng.random((n, T)) < task.distractors
    x[distract] = rng.integers(0, task.n_values, size=int(distract.sum()), dtype=np.int32)
    y = rng.integers(0, task.n_values, size=n, dtype=np.int32)  # (n,)
    x[:, T - k - 1] = task.marker
    x[:, T - k] = y
    return x, y


# ----------------------------------------------------------------------------------- the model


@dataclass(frozen=True)
class MemoryModelConfig:
    cell: str = "lstm"
    units: int = 32
    embedding_dim: int = 16
    init: str = "default"  # "chrono": gate biases spread over the task's time scales (module doc)
    # Standard deviation of the embedding's normal initialiser; None keeps Keras' uniform(±0.05).
    # Large input vectors drive a tanh state into saturation at every step: the noise a plain RNN
    # must outlast.
    embedding_scale: float | None = None

    def __post_init__(self) -> None:
        _check_choice("memory.cell", self.cell, CELLS)
        if self.embedding_scale is not None:
            _check_float("memory.embedding_scale", self.embedding_scale, 0.0, 100.0, lo_open=True)
        _check_int("memory.units", self.units, 1, 512)
        _check_int("memory.embedding_dim", self.embedding_dim, 1, 256)
        _check_choice("memory.init", self.init, INITS)


def chrono_bias(units: int, max_steps: int, rng: np.random.Generator) -> np.ndarray:
    """(units,) log(U(1, max_steps − 1)): a gate with this bias keeps about 1 − 1/u of its memory per
    step, so unit u remembers for about u steps (Tallec & Ollivier 2018)."""
    return np.log(rng.uniform(1.0, max(2.0, max_steps - 1.0), size=units))


def build_memory_model(cfg: MemoryModelConfig, task: MemoryTaskConfig, *, learning_rate: float = 5e-3,
                       seed: int = 0):
    """A compiled Keras model (B, length) int32 → (B, n_values) probabilities; layers named
    "embedding", "rnn", "output" as in :mod:`lstm_core.model`."""
    from .model import (
        _keras,  # loads TensorFlow (lazily: importing this module stays light)
    )

    keras = _keras()
    layers = keras.layers
    keras.utils.set_random_seed(seed)
    rnn_cls = {"lstm": layers.LSTM, "gru": layers.GRU, "rnn": layers.SimpleRNN}[cfg.cell]
    tokens = keras.Input(shape=(task.length,), dtype="int32", name="tokens")  # (B, T)
    init = ("uniform" if cfg.embedding_scale is None
            else keras.initializers.RandomNormal(stddev=cfg.embedding_scale, seed=seed))
    x = layers.Embedding(task.vocab_size, cfg.embedding_dim, embeddings_initializer=init,
                         name="embedding")(tokens)  # (B, T, E)
    rnn = rnn_cls(cfg.units, name="rnn")
    x = rnn(x)  # (B, units): h_T
    probs = layers.Dense(task.n_values, activation="softmax", name="output")(x)  # (B, n_values)
    model = keras.Model(tokens, probs, name=f"{cfg.cell}_memory")
    if cfg.init == "chrono" and cfg.cell != "rnn":
        _set_chrono(rnn, task.length, np.random.default_rng(seed))
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def _set_chrono(layer: Any, max_steps: int, rng: np.random.Generator) -> None:
    cell = layer.cell
    u = cell.units
    bias = np.array(cell.bias.numpy())
    b = chrono_bias(u, max_steps, rng)
    if bias.ndim == 1 and bias.shape[0] == 4 * u:  # LSTM blocks i, f, c, o
        bias[:u], bias[u:2 * u] = -b, b
    else:  # GRU blocks z, r, h; (2, 3*units) with reset_after: the input row carries it
        row = bias[0] if bias.ndim == 2 else bias
        row[:u] = b
    cell.bias.assign(bias)


# ----------------------------------------------------------------------------------- the sweep


@dataclass(frozen=True)
class SweepSpec:
    """Every cell at every distance, with one size, budget and seed. Defaults: the design and
    budget in bench/results.md ("Why LSTM")."""

    cells: tuple[str, ...] = ("rnn", "lstm", "gru")
    distances: tuple[int, ...] = (10, 40, 80)
    length: int | None = None  # None: the longest distance + 10
    n_values: int = 2
    n_fillers: int = 16
    distractors: float = 0.1
    units: int = 32
    embedding_dim: int = 16
    # The design in which the textbook difference shows (bench/results.md, "Why LSTM"): with Keras'
    # defaults the LSTM's forget gates start at sigmoid(1) = 0.73 and lose a distance-40 value
    # (0.73^40 ≈ 1e-6) while a SimpleRNN with its orthogonal recurrence and ±0.05 inputs stays nearly
    # linear and keeps it; chrono init opens the gates, and N(0, 1) input vectors saturate the
    # SimpleRNN's tanh as real, varied inputs do.
    init: str = "chrono"
    embedding_scale: float | None = 1.0
    n_train: int = 2000
    n_val: int = 500
    n_test: int = 1000
    # LSTM and GRU reach 100% validation accuracy at k = 80 by their third epoch in the default design;
    # 4 keeps a margin and the default sweep (9 trainings) near a minute on 2 quiet cores.
    epochs: int = 4
    batch_size: int = 64
    learning_rate: float = 5e-3
    seed: int = 0

    def __post_init__(self) -> None:
        cells, distances = tuple(self.cells), tuple(self.distances)
        _check(bool(cells) and len(set(cells)) == len(cells) and set(cells) <= set(CELLS), "memory.cells",
               self.cells, "distinct_names", choices=", ".join(CELLS))
        _check(bool(distances) and len(set(distances)) == len(distances)
               and all(isinstance(d, int) and not isinstance(d, bool) and d >= 1 for d in distances),
               "memory.distances", self.distances, "distinct_integers")
        object.__setattr__(self, "cells", cells)
        object.__setattr__(self, "distances", tuple(sorted(distances)))
        if self.length is not None:
            _check_int("memory.length", self.length, 3, MAX_LENGTH)
        _check(self.seq_length > max(distances), "memory.distances", self.distances, "below_length",
               length=self.seq_length)
        for name, hi in (("n_train", MAX_SEQUENCES), ("n_val", MAX_SEQUENCES), ("n_test", MAX_SEQUENCES),
                         ("epochs", 200), ("batch_size", 4096)):
            _check_int(f"memory.{name}", getattr(self, name), 1, hi)
        _check_float("memory.learning_rate", self.learning_rate, 0.0, 1.0, lo_open=True)
        _check_int("memory.seed", self.seed, 0, 2**31 - 1)
        for k in distances:
            self.task(k)  # validates n_values, n_fillers, distractors
        self.model(cells[0])  # validates units, embedding_dim, init

    @property
    def seq_length(self) -> int:
        return self.length if self.length is not None else max(self.distances) + 10

    def task(self, distance: int) -> MemoryTaskConfig:
        return MemoryTaskConfig(length=self.seq_length, distance=distance, n_values=self.n_values,
                                n_fillers=self.n_fillers, distractors=self.distractors)

    def model(self, cell: str) -> MemoryModelConfig:
        return MemoryModelConfig(cell=cell, units=self.units, embedding_dim=self.embedding_dim, init=self.init,
                                 embedding_scale=self.embedding_scale)

    @property
    def runs(self) -> list[tuple[str, int]]:
        """(cell, distance) in training order: every cell at the shortest distance first."""
        return [(cell, k) for k in self.distances for cell in self.cells]

    def describe(self, lang: str = DEFAULT) -> str:
        """The design and budget in one line, for captions and reports."""
        return text(lang, f"theory.design.{self.init}", length=self.seq_length, values=self.n_values,
                    fillers=self.n_fillers, distractors=self.distractors, units=self.units, dim=self.embedding_dim,
                    n_train=self.n_train, epochs=self.epochs, batch=self.batch_size, lr=self.learning_rate,
                    seed=self.seed)

    def to_dict(self) -> dict[str, Any]:
        from dataclasses import asdict

        return {**asdict(self), "length": self.seq_length}


@dataclass(frozen=True)
class MemoryRecord:
    """One trained cell at one distance."""

    cell: str
    distance: int
    accuracy: float  # on n_test fresh sequences
    chance: float
    best_val_accuracy: float
    epochs_run: int
    seconds: float
    stopped: bool = False  # stopped by the user before its budget was spent

    def to_dict(self) -> dict[str, Any]:
        return {"cell": self.cell, "distance": self.distance, "accuracy": round(self.accuracy, 4),
                "chance": self.chance, "best_val_accuracy": round(self.best_val_accuracy, 4),
                "epochs_run": self.epochs_run, "seconds": round(self.seconds, 2), "stopped": self.stopped}


@dataclass
class SweepResult:
    spec: SweepSpec
    records: list[MemoryRecord] = field(default_factory=list)
    models: dict[tuple[str, int], Any] = field(default_factory=dict)  # the trained Keras models
    stopped: bool = False

    def accuracy(self, cell: str, distance: int) -> float | None:
        return next((r.accuracy for r in self.records if (r.cell, r.distance) == (cell, distance)), None)

    def by_cell(self) -> dict[str, list[MemoryRecord]]:
        out: dict[str, list[MemoryRecord]] = {}
        for r in sorted(self.records, key=lambda r: r.distance):
            out.setdefault(r.cell, []).append(r)
        return out

    def breaks_at(self, cell: str, threshold: float = 0.9) -> int | None:
        """The shortest distance swept at which ``cell`` scores below ``threshold``; None if never."""
        return next((r.distance for r in self.by_cell().get(cell, []) if r.accuracy < threshold), None)

    def summary(self) -> str:
        parts = []
        for cell, recs in self.by_cell().items():
            accs = ", ".join(f"k={r.distance} {r.accuracy:.0%}" for r in recs)
            parts.append(f"{CELL_NAMES[cell]}: {accs}")
        return "; ".join(parts)


def sweep_data(spec: SweepSpec, distance: int) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """{"train"|"val"|"test": (x, y)} for one distance; seeds differ per split, not per cell, so
    every cell sees the same sequences."""
    task = spec.task(distance)
    base = spec.seed * 1000 + distance
    return {name: make_memory_data(task, n, seed=(base * 3 + i) % 2**31)
            for i, (name, n) in enumerate((("train", spec.n_train), ("val", spec.n_val), ("test", spec.n_test)))}


class MemoryRecorder(CurveRecorder):
    """The sweep's curves per (cell, distance) and its records, readable from another thread."""

    def __init__(self, spec: SweepSpec, should_stop: Callable[[], bool] = lambda: False):
        super().__init__(spec.runs, spec.epochs, math.ceil(spec.n_train / spec.batch_size), should_stop)
        self.spec = spec


def train_one(spec: SweepSpec, cell: str, distance: int, data: dict[str, tuple[np.ndarray, np.ndarray]],
              listener: Any = None) -> tuple[MemoryRecord, Any]:
    """Train ``cell`` on one distance's data for the spec's budget; (record, trained model)."""

    task = spec.task(distance)
    model = build_memory_model(spec.model(cell), task, learning_rate=spec.learning_rate, seed=spec.seed)
    # The whole budget is spent (patience = epochs); the best validation epoch's weights are kept.
    cfg = TrainConfig(learning_rate=spec.learning_rate, batch_size=spec.batch_size, max_epochs=spec.epochs,
                      patience=spec.epochs, monitor="val_accuracy", restore_best=True, seed=spec.seed)
    (x, y), (xv, yv), (xt, yt) = data["train"], data["val"], data["test"]
    result = train(model, x, y, xv, yv, cfg, listener)
    probs = model.predict(xt, batch_size=512, verbose=0)  # (n_test, n_values)
    accuracy = float(np.mean(np.argmax(probs, axis=1) == yt))
    record = MemoryRecord(cell, distance, accuracy, task.chance, best_val_accuracy(result.history),
                          result.epochs_run, result.seconds, result.stopped_by_user)
    return record, model


def memory_sweep(spec: SweepSpec, *, recorder: MemoryRecorder | None = None,
                 progress: Callable[[str, float], None] | None = None) -> SweepResult:
    """Train every cell of ``spec`` at every distance; a stop (asked through the recorder) keeps the
    records finished so far, the one being trained tested as it stands."""
    recorder = recorder or MemoryRecorder(spec)
    say = progress or (lambda what, fraction: None)
    result = SweepResult(spec)
    runs = spec.runs
    data_for: dict[int, Any] = {}
    for i, (cell, k) in enumerate(runs):
        if recorder.should_stop():
            result.stopped = True
            break
        say(f"training {CELL_NAMES[cell]} at distance {k} ({i + 1} of {len(runs)})", (i + 1) / len(runs))
        if k not in data_for:
            data_for = {k: sweep_data(spec, k)}  # one distance's data at a time
        recorder.started((cell, k))
        record, model = train_one(spec, cell, k, data_for[k], recorder.listener((cell, k)))
        recorder.add(record)
        result.records.append(record)
        result.models[(cell, k)] = model
        if record.stopped:
            result.stopped = True
            break
    recorder.started(None)
    return result


class MemoryTask(RecordedTask):
    """A background job's runner that runs :func:`memory_sweep`; the page polls :meth:`snapshot`."""

    def __init__(self, spec: SweepSpec):
        super().__init__(lambda recorder, progress: memory_sweep(spec, recorder=recorder, progress=progress),
                         spec.runs, spec.epochs, math.ceil(spec.n_train / spec.batch_size))
        self.spec = spec

    def __reduce__(self):  # to a worker process as its spec
        return MemoryTask, (self.spec,)

    def pack(self, result: SweepResult, folder: str) -> SweepResult:
        """In the worker: the trained models as weights files in ``folder`` (Keras models do not
        cross processes; their architecture is the spec's)."""
        Path(folder).mkdir(parents=True, exist_ok=True)
        paths = {}
        for (cell, k), model in result.models.items():
            paths[(cell, k)] = str(Path(folder) / f"{cell}-{k}.weights.h5")
            model.save_weights(paths[(cell, k)])
        return dataclasses.replace(result, models=paths)

    def unpack(self, packed: SweepResult) -> SweepResult:
        """In the server: each model rebuilt from the spec, with the weights the worker trained."""
        models = {}
        for (cell, k), path in packed.models.items():
            model = build_memory_model(self.spec.model(cell), self.spec.task(k),
                                       learning_rate=self.spec.learning_rate, seed=self.spec.seed)
            with warnings.catch_warnings():  # the optimizer's state is not needed, only the weights
                warnings.filterwarnings("ignore", message="Skipping variable loading for optimizer")
                model.load_weights(path)
            models[(cell, k)] = model
        return dataclasses.replace(packed, models=models)


def parse_list(text: str, name: str, kind: type = str) -> tuple[Any, ...]:
    """"rnn,lstm" → ("rnn", "lstm"); "10,40" → (10, 40) with ``kind=int``; a clear error otherwise."""
    parts = tuple(p.strip() for p in str(text).split(",") if p.strip())
    if not parts:
        raise ValueError(f"{name} must be a comma-separated list, got {text!r}")
    try:
        return tuple(kind(p) for p in parts)
    except ValueError:
        raise ValueError(f"{name} must be a comma-separated list of {kind.__name__}s, got {text!r}") from None


def records_json(records: Sequence[MemoryRecord]) -> list[dict[str, Any]]:
    return [r.to_dict() for r in records]
