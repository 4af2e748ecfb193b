"""Several trainings in one background job, their curves readable live: the Why LSTM page's memory sweep
(:mod:`lstm_core.memory_task`) and cell race (:mod:`lstm_core.theory_race`).

A :class:`CurveRecorder` holds one :class:`lstm_core.training.Curves` per training key and hands the
trainer a listener per key; a :class:`RecordedTask` is a :class:`lstm_core.jobs.JobManager` runner
that owns a recorder and asks the job whether to stop. Pages poll :meth:`RecordedTask.snapshot`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable, Sequence
from typing import Any

from .training import BatchUpdate, Curves, EpochUpdate, NullListener, TrainInfo


class CurveRecorder:
    """Per-key curves and finished records as they come in, readable from another thread.

    ``keys`` in training order; ``epochs`` each; ``batches_per_epoch`` if known in advance (else learnt
    from each training's start) for the share of the work done."""

    def __init__(self, keys: Sequence[Hashable], epochs: int, batches_per_epoch: int | None = None,
                 should_stop: Callable[[], bool] = lambda: False):
        self.keys = list(keys)
        self._epochs, self._per_epoch = epochs, batches_per_epoch
        self._should_stop = should_stop
        self._lock = threading.Lock()
        self._curves = {key: Curves() for key in self.keys}
        self._batches = {key: batches_per_epoch for key in self.keys}
        self._records: list[Any] = []
        self._current: Hashable | None = None

    def listener(self, key: Hashable) -> "_KeyListener":
        return _KeyListener(self, key)

    def started(self, key: Hashable | None) -> None:
        with self._lock:
            self._current = key

    def add(self, record: Any) -> None:
        with self._lock:
            self._records.append(record)

    def should_stop(self) -> bool:
        return self._should_stop()

    def snapshot(self) -> dict[str, Any]:
        """{"curves": {key: {"batches", "history", "batches_per_epoch"}}, "records": [...], "current": key
        or None, "fraction": share of the planned batches done} — copies."""
        with self._lock:
            curves = {key: {**dict(zip(("batches", "history"), c.frozen())), "batches_per_epoch": self._batches[key]}
                      for key, c in self._curves.items()}
            steps = sum(c.steps for c in self._curves.values())
            records, current = list(self._records), self._current
            known = [b for b in self._batches.values() if b]
        per_epoch = known[0] if known else None
        planned = len(self.keys) * self._epochs * per_epoch if per_epoch else 0
        return {"curves": curves, "records": records, "current": current,
                "fraction": min(1.0, steps / planned) if planned else 0.0}

    def _begin(self, key: Hashable, info: TrainInfo) -> None:
        with self._lock:
            self._batches[key] = info.batches_per_epoch

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
    Its result becomes ``job.run``."""

    def __init__(self, work: Work, keys: Sequence[Hashable], epochs: int, batches_per_epoch: int | None = None):
        self._work = work
        self._job: Any = None
        self.recorder = CurveRecorder(keys, epochs, batches_per_epoch, self._stop_requested)
        self.started_at: float | None = None

    def _stop_requested(self) -> bool:
        return self._job is not None and self._job.should_stop()

    def snapshot(self) -> dict[str, Any]:
        return self.recorder.snapshot()

    def __call__(self, job: Any) -> Any:
        self._job = job
        self.started_at = time.perf_counter()
        return self._work(self.recorder, job.progress)
