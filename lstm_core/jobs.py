"""Training as a background job: one worker thread, a bounded queue, progress snapshots.

A Streamlit page cannot run ``fit`` itself: every widget click reruns the page
script and would abort it, and a closed tab would leave it running. So the app
keeps one :class:`JobManager` for all sessions; a page ``submit``\\ s a config
and polls the job's :meth:`Job.snapshot` (about once a second) to draw live
charts. On 2 cores one training at a time is fastest, so the manager has a
single worker; other jobs wait in a bounded queue and know their position.

Rules the manager enforces:

- one owner (a browser session), one job at a time: a second submit while the
  first is queued or running raises :class:`JobRefused`, never trains twice;
- at most ``max_queued`` jobs wait; beyond that :class:`JobRefused` too;
- :meth:`Job.stop` is honoured within one batch and keeps the model trained so
  far (the run is still tested and returned); a queued job is simply dropped;
- a failed job says why in ``snapshot().error`` and keeps the exception in
  ``Job.exception``; nothing is swallowed;
- a job whose owner has gone (``owner_alive`` false for ``grace`` seconds: the
  tab was closed) stops as if the owner had pressed Stop.

The trainer reports to the job itself: :class:`Job` implements the listener
protocol of :mod:`lstm_core.training`. No Streamlit here; tests drive the
manager with a fake runner or the real pipeline on tiny data.
"""

from __future__ import annotations

import atexit
import collections
import itertools
import logging
import threading
import time
import traceback
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .config import ExperimentConfig
from .errors import LstmLabError
from .limits import LIMITS, Limits
from .pipeline import PipelineRunner
from .training import BatchUpdate, Curves, EpochUpdate, NullListener, TrainInfo

log = logging.getLogger(__name__)

QUEUED, RUNNING, FINISHED, STOPPED, FAILED = "queued", "running", "finished", "stopped", "failed"
TRAINING = "training"  # a Job's kind when it trains one model (the runners' tasks name their own)
WARM_UP_WAIT = 120.0  # seconds close() waits for a warm-up in progress (TensorFlow's import, loaded)
DONE = frozenset({FINISHED, STOPPED, FAILED})

# A job's runner: trains job.config reporting to the job (its listener and its
# progress(what, fraction)), returns a lstm_core.runs.Run, or None when it was
# asked to stop before any training happened.
Runner = Callable[["Job"], Any]
OwnerAlive = Callable[[str], bool]


class JobRefused(LstmLabError):
    """A job was not accepted: its owner already has one, or the queue is full."""


@dataclass(frozen=True)
class Snapshot:
    """A consistent copy of a job's progress, safe to read while it trains."""

    job_id: str
    owner: str
    name: str
    status: str  # queued, running, finished, stopped, failed
    phase: str  # what is happening, in words a student can read
    position: int | None  # 1 = next to start; None unless queued
    epochs: int  # the configured maximum (early stopping may end sooner)
    epochs_done: int
    batches_per_epoch: int
    steps_done: int  # batches trained over the whole run
    elapsed: float  # seconds since the job started running (preparation included)
    eta: float | None  # seconds left if every epoch runs; None before the first batch
    batches: dict[str, tuple[float, ...]]  # per batch: step, epoch, loss, accuracy
    history: dict[str, tuple[float, ...]]  # per epoch: loss, accuracy, val_loss, val_accuracy
    stop_requested: bool
    error: str | None  # why it failed

    @property
    def done(self) -> bool:
        return self.status in DONE

    @property
    def epoch(self) -> int:
        """0-based epoch of the latest batch."""
        return int(self.batches["epoch"][-1]) if self.batches.get("epoch") else 0

    @property
    def batch(self) -> int:
        """Batches done in the current epoch (1-based count)."""
        return self.steps_done - self.epoch * self.batches_per_epoch if self.steps_done else 0

    @property
    def fraction(self) -> float:
        total = self.epochs * self.batches_per_epoch
        return min(1.0, self.steps_done / total) if total else 0.0


class Job(NullListener):
    """One training: its config, its progress, its result (``run``) or error.

    Created by :meth:`JobManager.submit`. Thread-safe: the worker writes through
    the listener methods, pages read through :meth:`snapshot`.
    """

    _ids = itertools.count(1)

    def __init__(self, config: ExperimentConfig, owner: str, name: str, manager: "JobManager",
                 runner: Runner | None = None, kind: str = TRAINING):
        self.id = f"job-{next(self._ids)}"
        self.config = config
        self.owner = owner
        self.name = name
        self.kind = kind  # what the job does (TRAINING, or the kind of the runner's work): which page shows it
        self.runner = runner  # None: the manager's runner
        self.run: Any = None  # lstm_core.runs.Run once finished or stopped after training began
        self.exception: BaseException | None = None
        self.traceback: str | None = None
        self._manager = manager
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._done = threading.Event()
        self._status = QUEUED
        self._phase = "waiting for the trainer"
        self._error: str | None = None
        self._t0: float | None = None
        self._t_end: float | None = None
        self._info: TrainInfo | None = None
        self._train_t0 = 0.0  # job clock at on_train_begin
        self._epoch_elapsed: list[float] = []  # trainer clock at each epoch end
        self._curves = Curves()
        self._last_batch_elapsed = 0.0
        self._gone_since: float | None = None

    # ---- what pages call
    @property
    def status(self) -> str:
        with self._lock:
            return self._status

    def stop(self) -> None:
        """Ask the job to stop: within one batch when training, at once when queued."""
        self._stop.set()
        if self._manager._drop_queued(self):
            self._finish(STOPPED, "stopped before it started")

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the job is done (or ``timeout`` seconds pass); True if done."""
        return self._done.wait(timeout)

    def snapshot(self) -> Snapshot:
        position = self._manager.position(self)
        with self._lock:
            now = self._t_end if self._t_end is not None else time.perf_counter()
            elapsed = now - self._t0 if self._t0 is not None else 0.0
            info = self._info
            steps = self._curves.steps
            batches, history = self._curves.frozen()
            phase = self._phase
            if self._status == QUEUED:
                phase = (f"waiting in the queue: number {position}" if position else phase) + (
                    "" if self._manager.warmed else " (the trainer is still starting: loading TensorFlow)")
            elif self._status == RUNNING and self._stop.is_set():
                phase = "stopping after this batch, then testing the model trained so far"
            return Snapshot(
                job_id=self.id, owner=self.owner, name=self.name, status=self._status, phase=phase,
                position=position if self._status == QUEUED else None,
                epochs=info.epochs if info else self.config.train.max_epochs,
                epochs_done=len(self._epoch_elapsed),
                batches_per_epoch=info.batches_per_epoch if info else 0,
                steps_done=steps, elapsed=elapsed, eta=self._eta(steps) if self._status == RUNNING else None,
                batches=batches, history=history,
                stop_requested=self._stop.is_set(), error=self._error)

    def _eta(self, steps: int) -> float | None:
        info = self._info
        if info is None or steps == 0:
            return None
        total = info.epochs * info.batches_per_epoch
        if self._epoch_elapsed:  # measured epochs include their validation pass
            per_step = self._epoch_elapsed[-1] / (len(self._epoch_elapsed) * info.batches_per_epoch)
        else:
            per_step = self._last_batch_elapsed / steps
        return max(0.0, (total - steps) * per_step)

    # ---- the trainer's listener protocol (called on the worker thread)
    def on_train_begin(self, info: TrainInfo) -> None:
        with self._lock:
            self._info = info
            self._phase = f"training on {info.train_size:,} reviews, validating on {info.val_size:,}"

    def on_batch_end(self, update: BatchUpdate) -> None:
        with self._lock:
            self._curves.add_batch(update)
            self._last_batch_elapsed = update.elapsed

    def on_epoch_end(self, update: EpochUpdate) -> None:
        with self._lock:
            self._curves.add_epoch(update.logs)
            self._epoch_elapsed.append(update.elapsed)

    def should_stop(self) -> bool:
        return self._stop.is_set() or self._owner_gone()

    def progress(self, what: str, fraction: float) -> None:
        """Preparation progress (``lstm_core.pipeline.Progress``)."""
        with self._lock:
            self._phase = f"{what} ({fraction:.0%})" if 0.0 < fraction < 1.0 else what

    # ---- the manager's side
    def _owner_gone(self) -> bool:
        alive, grace = self._manager.owner_alive, self._manager.grace
        if alive is None or alive(self.owner):
            self._gone_since = None
            return False
        now = time.monotonic()
        if self._gone_since is None:
            self._gone_since = now
        if now - self._gone_since > grace:
            self._stop.set()
            return True
        return False

    def _start(self) -> None:
        with self._lock:
            self._status = RUNNING
            self._phase = "starting"
            self._t0 = time.perf_counter()

    def _execute(self, runner: Runner) -> None:
        self._start()
        try:
            run = runner(self)
        except Exception as e:  # the worker must survive any failure and report it
            self.exception = e
            self.traceback = traceback.format_exc()
            log.warning("training job %s (%s) failed:\n%s", self.id, self.name, self.traceback)
            # A user's mistake says what it was; anything else may hold server paths: the log has it.
            message = (str(e) if isinstance(e, ValueError)
                       else f"an internal error ({type(e).__name__}); the server's log has the details")
            self._finish(FAILED, "failed", message)
            return
        self.run = run
        if run is None:
            self._finish(STOPPED, "stopped before training began")
        elif self._stop.is_set():
            self._finish(STOPPED, "stopped; the model trained so far is kept")
        else:
            self._finish(FINISHED, "finished")

    def _finish(self, status: str, phase: str, error: str | None = None) -> None:
        with self._lock:
            if self._status in DONE:
                return
            self._status, self._phase, self._error = status, phase, error
            self._t_end = time.perf_counter()
        self._done.set()


class JobManager:
    """One worker thread training queued jobs one after the other.

    ``runner`` trains a job (default :class:`lstm_core.pipeline.PipelineRunner`); ``owner_alive``
    tells whether an owner is still there (None: always); ``warm_up``, a config, has the worker
    call ``runner.warm_up(warm_up)`` before the first job (TensorFlow's start-up, that config's data).
    """

    _live: "weakref.WeakSet[JobManager]" = weakref.WeakSet()

    @classmethod
    def close_all(cls) -> None:
        """Close every manager of this process (a test run's end: before the interpreter's)."""
        for manager in list(cls._live):
            manager.close()

    def __init__(self, *, max_queued: int = 4, runner: Runner | None = None,
                 owner_alive: OwnerAlive | None = None, grace: float = 30.0,
                 warm_up: ExperimentConfig | None = None, limits: Limits = LIMITS):
        if not isinstance(max_queued, int) or max_queued < 0:
            raise ValueError(f"max_queued must be an integer >= 0, got {max_queued!r}")
        self.max_queued = max_queued
        self.owner_alive = owner_alive
        self.grace = grace
        self._runner = runner or PipelineRunner(limits)
        self._cond = threading.Condition()
        self._queue: collections.deque[Job] = collections.deque()
        self._running: Job | None = None
        self._closed = False
        self.warm_up_error: str | None = None
        self._warmed = threading.Event()
        JobManager._live.add(self)
        self._thread = threading.Thread(target=self._work, args=(warm_up,), name="lstm-lab-trainer",
                                        daemon=True)
        self._thread.start()
        atexit.register(self.close, 5.0)  # never leave TensorFlow running while Python shuts down

    def submit(self, config: ExperimentConfig, owner: str, name: str | None = None,
               runner: Runner | None = None, kind: str = TRAINING) -> Job:
        """Queue a training of ``config`` for ``owner``; :class:`JobRefused` says why not.
        ``runner`` trains this job instead of the manager's runner (a comparison, a memory sweep, a
        race train several models in one job); its result becomes ``job.run``; ``kind`` names
        what it does. Every background task of an owner goes through here: one at a time."""
        if not isinstance(config, ExperimentConfig):
            raise ValueError(f"config must be an ExperimentConfig, got {type(config).__name__}")
        with self._cond:
            if self._closed:
                raise JobRefused("the trainer has shut down; restart the app")
            mine = self.active_job(owner)
            if mine is not None:
                raise JobRefused(f"'{mine.name}' is still {mine.status}: stop it or wait for it "
                                 f"to finish before starting another")
            if self._running is not None and len(self._queue) >= self.max_queued:
                raise JobRefused(f"the trainer is busy and {len(self._queue)} trainings are already "
                                 f"waiting; try again in a minute")
            job = Job(config, owner, name or f"run {config.model.cell}", self, runner, kind)
            self._queue.append(job)
            self._cond.notify_all()
        return job

    def active_job(self, owner: str) -> Job | None:
        """The owner's queued or running job, if any."""
        with self._cond:
            if self._running is not None and self._running.owner == owner:
                return self._running
            return next((j for j in self._queue if j.owner == owner), None)

    def position(self, job: Job) -> int | None:
        """1-based place of a queued job (1 = starts next); None when not queued."""
        with self._cond:
            for i, queued in enumerate(self._queue, 1):
                if queued is job:
                    return i
        return None

    @property
    def warmed(self) -> bool:
        """Whether the worker has finished its warm-up (TensorFlow loaded) and takes jobs."""
        return self._warmed.is_set()

    @property
    def busy(self) -> bool:
        with self._cond:
            return self._running is not None or bool(self._queue)

    def close(self, timeout: float | None = 10.0) -> None:
        """Stop the running job, drop the queue, end the worker."""
        with self._cond:
            self._closed = True
            queued, self._queue = list(self._queue), collections.deque()
            running = self._running
            self._cond.notify_all()
        for job in queued:
            job._stop.set()
            job._finish(STOPPED, "stopped before it started: the trainer shut down")
        if running is not None:
            running.stop()
        # A warm-up cannot be interrupted (it imports TensorFlow and fits a tiny model): let it end,
        # or the interpreter exits under TensorFlow's threads and crashes.
        self._warmed.wait(WARM_UP_WAIT)
        self._thread.join(timeout)

    def _drop_queued(self, job: Job) -> bool:
        with self._cond:
            if job in self._queue:
                self._queue.remove(job)
                return True
        return False

    def _work(self, warm_up: ExperimentConfig | None) -> None:
        if warm_up is not None and hasattr(self._runner, "warm_up"):
            try:
                self._runner.warm_up(warm_up)
            except Exception as e:  # a failed warm-up only costs speed; the first job will say why
                self.warm_up_error = f"{type(e).__name__}: {e}"
                log.warning("trainer warm-up failed: %s", self.warm_up_error)
        self._warmed.set()
        while True:
            with self._cond:
                while not self._queue and not self._closed:
                    self._cond.wait()
                if self._closed:
                    return
                job = self._running = self._queue.popleft()
            try:
                job._execute(job.runner or self._runner)
            finally:
                with self._cond:
                    self._running = None
