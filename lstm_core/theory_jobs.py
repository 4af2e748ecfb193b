"""Several trainings in one background job, their curves readable live: the Compare page's comparison
(:mod:`lstm_core.compare`), the Why LSTM page's memory sweep (:mod:`lstm_core.memory_task`) and cell
race (:mod:`lstm_core.theory_race`).

A :class:`CurveRecorder` holds one :class:`lstm_core.training.Curves` per training key and hands the
trainer a listener per key; a :class:`RecordedTask` is a :class:`lstm_core.jobs.JobManager` runner
that owns a recorder and asks the job whether to stop. Pages poll :meth:`RecordedTask.snapshot`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any

from .training import BatchUpdate, Curves, EpochUpdate, NullListener, TrainInfo


WAITING, TRAINING_NOW, DONE, STOPPED = "waiting", "training", "done", "stopped"  # a key's status


@dataclass(frozen=True)
class KeyCurves:
    """One training's curves in a :class:`RecorderSnapshot` (copies)."""

    batches: dict[str, tuple[float, ...]]  # per batch: step, epoch, loss, accuracy
    history: dict[str, tuple[float, ...]]  # per epoch: loss, accuracy, val_loss, val_accuracy
    epochs: int  # planned (early stopping may end sooner)
    batches_per_epoch: int | None  # None until the training starts, unless known in advance
    status: str  # waiting, training, done, stopped

    @property
    def fraction(self) -> float:
        """Share of this training done: a finished one counts whole even if it stopped early."""
        if self.status in (DONE, STOPPED):
            return 1.0
        planned = self.epochs * (self.batches_per_epoch or 0)
        return min(1.0, len(self.batches.get("step", ())) / planned) if planned else 0.0

    def series(self, label: str = "") -> dict[str, Any]:
        """The mapping the figure builders draw (``figures_embeddings.compare_curves``)."""
        return {"label": label, "batches": self.batches, "history": self.history,
                "batches_per_epoch": self.batches_per_epoch}


@dataclass(frozen=True)
class RecorderSnapshot:
    curves: dict[Hashable, KeyCurves]  # in training order
    records: tuple[Any, ...]  # what the task added as each training finished
    current: Hashable | None  # the key being trained, None before and after

    @property
    def fraction(self) -> float:
        return sum(c.fraction for c in self.curves.values()) / len(self.curves) if self.curves else 0.0

    def started(self) -> dict[Hashable, KeyCurves]:
        """The trainings that have drawn at least one batch."""
        return {key: c for key, c in self.curves.items() if c.batches.get("step")}


class CurveRecorder:
    """Per-key curves and finished records as they come in, readable from another thread.

    ``keys`` in training order; ``epochs`` each; ``batches_per_epoch`` if known in advance (else learnt
    from each training's start) for the share of the work done."""

    def __init__(self, keys: Sequence[Hashable], epochs: int, batches_per_epoch: int | None = None,
                 should_stop: Callable[[], bool] = lambda: False):
        self.keys = list(keys)
        self._should_stop = should_stop
        self._lock = threading.Lock()
        self._curves = {key: Curves() for key in self.keys}
        self._plan = {key: [epochs, batches_per_epoch, WAITING] for key in self.keys}
        self._records: list[Any] = []
        self._current: Hashable | None = None

    def listener(self, key: Hashable) -> "_KeyListener":
        return _KeyListener(self, key)

    def started(self, key: Hashable | None) -> None:
        """``key`` is being trained now (None: none is); the one before it, if still training, is done."""
        with self._lock:
            if self._current is not None and self._plan[self._current][2] == TRAINING_NOW:
                self._plan[self._current][2] = DONE
            if key is not None:
                self._plan[key][2] = TRAINING_NOW
            self._current = key

    def finished(self, key: Hashable, status: str = DONE) -> None:
        with self._lock:
            self._plan[key][2] = status

    def add(self, record: Any) -> None:
        with self._lock:
            self._records.append(record)

    def should_stop(self) -> bool:
        return self._should_stop()

    def snapshot(self) -> RecorderSnapshot:
        with self._lock:
            curves = {key: KeyCurves(*c.frozen(), *self._plan[key]) for key, c in self._curves.items()}
            return RecorderSnapshot(curves, tuple(self._records), self._current)

    def _begin(self, key: Hashable, info: TrainInfo) -> None:
        with self._lock:
            self._plan[key][:2] = [info.epochs, info.batches_per_epoch]

    def _record(self, key: Hashable, fn: Callable[[Curves], None]) -> None:
        with self._lock:
            fn(self._curves[key])


class _KeyListener(NullListener):
    def __init__(self, recorder: CurveRecorder, key: Hashable):
        self.recorder, self.key = recorder, key

    def on_train_begin(self, info: TrainInfo) -> None:
        self.recorder._begin(self.key, info)

    def on_batch_end(self, u: BatchUpdate) -> None:
        self.recorder._record(self.key, lambda c: c.add_batch(u))

    def on_epoch_end(self, u: EpochUpdate) -> None:
        self.recorder._record(self.key, lambda c: c.add_epoch(u.logs))

    def should_stop(self) -> bool:
        return self.recorder.should_stop()


Work = Callable[[CurveRecorder, Callable[[str, float], None]], Any]


class RecordedTask:
    """A background job's runner (``JobManager.submit(..., runner=task)``): ``work(recorder, progress)``
    does the trainings, reporting to ``self.recorder``; a stop asked of the job reaches the trainer.
    Its result becomes ``job.run``. A task runs in a worker process (``lstm_core.workers``): a
    subclass pickles as the arguments that make it (``__reduce__``), and the worker sends every
    recorder call back to this copy's recorder."""

    def __init__(self, work: Work, keys: Sequence[Hashable], epochs: int, batches_per_epoch: int | None = None):
        self._work = work
        self._job: Any = None
        self.recorder = CurveRecorder(keys, epochs, batches_per_epoch, self._stop_requested)
        self.started_at: float | None = None

    def _stop_requested(self) -> bool:
        return self._job is not None and self._job.should_stop()

    def snapshot(self) -> RecorderSnapshot:
        return self.recorder.snapshot()

    def __call__(self, job: Any) -> Any:
        self._job = job
        self.started_at = time.perf_counter()
        return self._work(self.recorder, job.progress)
