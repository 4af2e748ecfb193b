"""Background jobs for every session: a bounded queue, a pool of worker processes, live snapshots.

A Streamlit page cannot run ``fit`` itself: every widget click reruns the page script and would
abort it, and a closed tab would leave it running. So the app keeps one :class:`JobManager` for
all sessions; a page ``submit``\\ s a config and polls the job's :meth:`Job.snapshot` (about once a
second) to draw live charts. The trainings themselves run in worker processes
(:mod:`lstm_core.workers`), so pages stay fast while models train; their listener calls come
back through a pipe and land on the :class:`Job`.

Rules the manager enforces:

- one owner (a browser session), one job at a time: a second submit while the first is queued
  or running raises :class:`JobRefused`, never trains twice;
- at most ``max_queued`` jobs wait for a worker; beyond that :class:`JobRefused` too; a queued
  job knows its position and when it should start (``Snapshot.starts_in``);
- the same training is computed once: a training already in the run store
  (:mod:`lstm_core.run_store`) is served at once, its curves replayed; one submitted while the
  same is queued or running joins it (``Snapshot.shared``);
- :meth:`Job.stop` is honoured within one batch and keeps the model trained so far (the run is
  still tested and returned); a queued job is simply dropped; a job others share goes on for
  them; :meth:`JobManager.cancel` does the same for a teacher, by job id;
- a failed job says why in ``snapshot().error`` and keeps the exception in ``Job.exception``;
  a worker that dies fails its job with a clear message and is replaced; others go on;
- a job whose owner has gone (``owner_alive`` false for ``grace`` seconds: the tab was closed)
  stops as if the owner had pressed Stop; a job over ``wall_seconds`` is stopped too, and its
  worker killed if it does not stop within :data:`KILL_AFTER` seconds;
- a worker is replaced after ``jobs_per_worker`` jobs, which bounds what TensorFlow keeps.

What a job says (its phase, its error, a refusal) is kept as a catalogue key and fields
(:class:`Said`, catalogue ``jobs``) and written out in the reader's language by
``snapshot(lang=...)``; English unless a page asks for another.

No Streamlit here; tests drive the manager with fake runners (``in_process=True``: a worker
thread, for runners that cannot be pickled) or the real pipeline on tiny data.
"""

from __future__ import annotations

import atexit
import collections
import itertools
import logging
import math
import shutil
import signal
import tempfile
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .config import ExperimentConfig
from .errors import LstmLabError
from .i18n import catalogue, text
from .limits import LIMITS, Limits, estimate_training, training_reviews
from .pipeline import PipelineRunner
from .run_store import RunStore, run_key
from .runs import read_run_docs
from .training import BatchUpdate, Curves, EpochUpdate, NullListener, TrainInfo
from .workers import Failure, JobSpec, RunRef, Worker, apply_recorder_message, land, machine_pool, rss_bytes

log = logging.getLogger(__name__)

QUEUED, RUNNING, FINISHED, STOPPED, FAILED = "queued", "running", "finished", "stopped", "failed"
TRAINING = "training"  # a Job's kind when it trains one model (the runners' tasks name their own)
STOP_SIGNALS = (-signal.SIGTERM, -signal.SIGINT)  # a worker's exit code when it was told to stop
WARM_UP_WAIT = 120.0  # seconds close() waits for a warm-up in progress (TensorFlow's import, loaded)
KILL_AFTER = 60.0  # seconds a job over its wall time has to stop before its worker is killed
MONITOR_EVERY = 0.25  # seconds between two checks of owners and wall times
DONE = frozenset({FINISHED, STOPPED, FAILED})

# A job's runner: trains job.config reporting to the job (its listener and its
# progress(what, fraction)), returns a lstm_core.runs.Run, or None when it was
# asked to stop before any training happened. Runs in a worker: a task must pickle.
Runner = Callable[["Job"], Any]
OwnerAlive = Callable[[str], bool]


class JobRefused(LstmLabError):
    """A job was not accepted: its owner already has one, or the queue is full."""


@dataclass(frozen=True)
class Duration:
    """A number of seconds in a text's fields, written "42 s" or "3 min" in the reader's language."""

    seconds: float


@dataclass(frozen=True)
class Said:
    """Something a job says, kept as its catalogue key and fields so that each reader sees it in their
    own language; ``words`` instead of a key when a runner said it in words of its own."""

    key: str | None
    fields: dict[str, Any] = field(default_factory=dict)
    words: str = ""

    def render(self, lang: str = "en") -> str:
        if self.key is None:
            return self.words
        return text(lang, self.key, **{name: _field(value, lang) for name, value in self.fields.items()})


def _field(value: Any, lang: str) -> Any:
    if isinstance(value, Said):
        return value.render(lang)
    if isinstance(value, Duration):
        return duration(value.seconds, lang)
    return value


def step_said(what: str | tuple[str, dict[str, Any]]) -> Said:
    """What a runner's ``progress(what, fraction)`` said, as a :class:`Said`: a keyed ``Notice`` (the
    pipeline's steps), a catalogue key or (key, fields), or words of its own."""
    if isinstance(what, tuple):
        key, fields = what
        return Said(key, dict(fields))
    if getattr(what, "key", None):
        return Said(what.key, dict(what.fields))
    if what in catalogue("en").texts:
        return Said(what)
    return Said(None, words=str(what))


def failure_said(failure: Failure) -> Said:
    """Why a job failed, to show its owner: a user's mistake in its own words (in the reader's language
    when it was raised with a key), anything else only by its type (the server's log has the rest)."""
    error = failure.exception
    if isinstance(error, LstmLabError) and error.key:
        return Said(error.key, dict(error.fields))
    if failure.message == text("en", "jobs.error.internal", type=failure.type_name):
        return Said("jobs.error.internal", {"type": failure.type_name})
    return Said(None, words=failure.message)


@dataclass(frozen=True)
class Snapshot:
    """A consistent copy of a job's progress, safe to read while it trains."""

    job_id: str
    owner: str
    name: str
    status: str  # queued, running, finished, stopped, failed
    phase: str  # what is happening, in words a student can read (in the language snapshot() was asked)
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
    error: str | None  # why it failed (in the language snapshot() was asked)
    kind: str = TRAINING
    starts_in: float | None = None  # queued: seconds until a worker should take it (an estimate)
    shared: int = 1  # how many jobs this training serves (the same training asked for by others)
    replayed: bool = False  # served from the run store: trained before, not again
    phase_key: str = ""  # the phase's catalogue key ("jobs.phase.kept"), for a page's own sentence about it
    phase_fields: dict[str, Any] = field(default_factory=dict)  # its fields, written out in that language
    warming: bool = False  # queued while the trainer is still starting (loading TensorFlow)

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
        if self.status == FINISHED:  # early stopping ends a training before its max epochs: still all of it
            return 1.0
        total = self.epochs * self.batches_per_epoch
        return min(1.0, self.steps_done / total) if total else 0.0


@dataclass(frozen=True)
class WorkerInfo:
    """One worker as a teacher's view or a benchmark sees it."""

    pid: int
    ready: bool
    jobs_done: int
    running: str | None  # the job id it runs
    rss_bytes: int


class Job(NullListener):
    """One owner's job: its config, its progress, its result (``run``) or error.

    Created by :meth:`JobManager.submit`. Thread-safe: the worker's messages write through the
    listener methods, pages read through :meth:`snapshot`.
    """

    _ids = itertools.count(1)

    def __init__(self, config: ExperimentConfig, owner: str, name: str, manager: "JobManager",
                 runner: Runner | None = None, kind: str = TRAINING):
        self.id = f"job-{next(self._ids)}"
        self.config = config
        self.owner = owner
        self.name = name
        self.kind = kind  # what the job does (TRAINING, or the kind of the runner's work): which page shows it
        self.runner = runner  # None: the worker's runner; a task: the server's copy, fed the worker's curves
        self.exception: BaseException | None = None
        self.traceback: str | None = None
        self.replayed = False
        self._result: Any = None  # what the worker sent: RunRefs until ``run`` loads them
        self._run: Any = None
        self._landed = False
        self._run_lock = threading.Lock()
        self._manager = manager
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._done = threading.Event()
        self._status = QUEUED
        self._phase = Said("jobs.phase.waiting")
        self._error: Said | None = None
        self._t0: float | None = None
        self._t_end: float | None = None
        self._info: TrainInfo | None = None
        self._epoch_elapsed: list[float] = []  # trainer clock at each epoch end
        self._curves = Curves()
        self._last_batch_elapsed = 0.0
        self._first_batch_elapsed = 0.0  # the trainer's clock after the first batch (graph tracing included)
        self._gone_since: float | None = None

    # ---- what pages call
    @property
    def status(self) -> str:
        with self._lock:
            return self._status

    @property
    def run(self) -> Any:
        """The result: a ``lstm_core.runs.Run`` for a training (loaded from its folder on first use),
        a task's own result, or None (stopped before training, failed, still running)."""
        with self._run_lock:
            if not self._landed and self._result is not None:
                unpack = getattr(self.runner, "unpack", None)
                self._run = unpack(self._result) if callable(unpack) else land(self._result)
                if self.kind == TRAINING and hasattr(self._run, "info"):
                    self._run.info.name = self.name
                self._landed = True
            return self._run

    @run.setter
    def run(self, value: Any) -> None:
        with self._run_lock:
            self._run, self._result, self._landed = value, None, True

    @property
    def run_path(self) -> Path | None:
        """The finished training's folder (a complete ``save_run`` folder), to copy without loading
        the model; None for other results."""
        result = self._result
        return Path(result.path) if isinstance(result, RunRef) else None

    def stop(self) -> None:
        """Ask the job to stop: within one batch when training, at once when queued."""
        self._stop.set()
        self._manager._stop_job(self)

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the job is done (or ``timeout`` seconds pass); True if done."""
        return self._done.wait(timeout)

    def snapshot(self, lang: str = "en") -> Snapshot:
        """A copy of the job's progress, its texts written in ``lang``."""
        position, starts_in, shared = self._manager._place(self)
        warming = not self._manager.warmed
        with self._lock:
            now = self._t_end if self._t_end is not None else time.perf_counter()
            elapsed = now - self._t0 if self._t0 is not None else 0.0
            info = self._info
            steps = self._curves.steps
            batches, history = self._curves.frozen()
            phase = self._phase
            if self._status == QUEUED:
                phase = _queued(phase, position, starts_in, warming)
            elif self._status == RUNNING and self._stop.is_set():
                phase = Said("jobs.phase.stopping")
            error = self._error.render(lang) if self._error is not None else None
            return Snapshot(
                job_id=self.id, owner=self.owner, name=self.name, status=self._status, phase=phase.render(lang),
                position=position if self._status == QUEUED else None,
                epochs=info.epochs if info else self.config.train.max_epochs,
                epochs_done=len(self._epoch_elapsed),
                batches_per_epoch=info.batches_per_epoch if info else 0,
                steps_done=steps, elapsed=elapsed, eta=self._eta(steps) if self._status == RUNNING else None,
                batches=batches, history=history,
                stop_requested=self._stop.is_set(), error=error, kind=self.kind,
                starts_in=starts_in if self._status == QUEUED else None, shared=shared, replayed=self.replayed,
                phase_key=phase.key or "", phase_fields={k: _field(v, lang) for k, v in phase.fields.items()},
                warming=warming and self._status == QUEUED)

    def _eta_now(self) -> float | None:
        with self._lock:
            return self._eta(self._curves.steps)

    def _eta(self, steps: int) -> float | None:
        info = self._info
        if info is None or steps == 0:
            return None
        total = info.epochs * info.batches_per_epoch
        # The first batch and the first epoch also pay for tracing the graph (seconds on a busy machine,
        # which made the first estimate hours): measure the pace after them once there is an after.
        done = self._epoch_elapsed
        if len(done) >= 2:  # measured epochs include their validation pass
            per_step = (done[-1] - done[0]) / ((len(done) - 1) * info.batches_per_epoch)
        elif done:
            per_step = done[0] / info.batches_per_epoch
        elif steps >= 2:
            per_step = (self._last_batch_elapsed - self._first_batch_elapsed) / (steps - 1)
        else:
            return None
        return max(0.0, (total - steps) * per_step)

    # ---- the trainer's listener protocol (the worker's calls, from the pipe's reader thread)
    def on_train_begin(self, info: TrainInfo) -> None:
        with self._lock:
            self._info = info
            self._phase = Said("jobs.phase.training", {"train": info.train_size, "val": info.val_size})

    def on_batch_end(self, update: BatchUpdate) -> None:
        with self._lock:
            self._curves.add_batch(update)
            if self._curves.steps == 1:
                self._first_batch_elapsed = update.elapsed
            self._last_batch_elapsed = update.elapsed

    def on_epoch_end(self, update: EpochUpdate) -> None:
        with self._lock:
            self._curves.add_epoch(update.logs)
            self._epoch_elapsed.append(update.elapsed)

    def should_stop(self) -> bool:
        return self._stop.is_set()

    def progress(self, what: str | tuple[str, dict[str, Any]], fraction: float) -> None:
        """Preparation progress (``lstm_core.pipeline.Progress``): ``what`` a keyed Notice (the pipeline's
        steps), a catalogue key, (key, fields), or a runner's own English words."""
        step = step_said(what)
        with self._lock:
            self._phase = Said("jobs.phase.progress", {"what": step, "fraction": fraction}) \
                if 0.0 < fraction < 1.0 else step

    # ---- the manager's side
    def _owner_gone(self, now: float) -> bool:
        alive, grace = self._manager.owner_alive, self._manager.grace
        if alive is None or alive(self.owner):
            self._gone_since = None
            return False
        if self._gone_since is None:
            self._gone_since = now
        return now - self._gone_since > grace

    def _start(self) -> None:
        with self._lock:
            self._status = RUNNING
            self._phase = Said("jobs.phase.starting")
            self._t0 = time.perf_counter()

    def _join(self, other: "Job") -> None:
        """Take ``other``'s progress so far: this job now follows the same training."""
        with other._lock:
            status, phase, t0, info = other._status, other._phase, other._t0, other._info
            epochs, curves, last = list(other._epoch_elapsed), other._curves.frozen(), other._last_batch_elapsed
            first = other._first_batch_elapsed
        with self._lock:
            self._status, self._phase, self._t0, self._info = status, phase, t0, info
            self._epoch_elapsed, self._last_batch_elapsed, self._first_batch_elapsed = epochs, last, first
            self._curves = _curves_of(*curves)

    def _replay(self, path: Path) -> None:
        """Finish at once with the stored run at ``path``: its curves, then the run itself."""
        docs = read_run_docs(path, where="a stored run")
        batches_per_epoch = math.ceil(docs.info.train_size / docs.config.train.batch_size) if docs.info.train_size else 0
        with self._lock:
            self._info = TrainInfo(docs.config.train.max_epochs, batches_per_epoch, docs.info.train_size,
                                   docs.info.val_size)
            self._curves = _curves_of(docs.batches, docs.history)
            self._epoch_elapsed = [0.0] * len(docs.history.get("loss", ()))
            self._t0 = self._t_end = time.perf_counter()
        self.replayed = True
        self._result = RunRef(str(path))
        self._finish(FINISHED, Said("jobs.phase.replayed"))

    def _finish(self, status: str, phase: Said, error: Said | None = None) -> None:
        with self._lock:
            if self._status in DONE:
                return
            self._status, self._phase, self._error = status, phase, error
            self._t_end = time.perf_counter()
            self._done.set()  # under the lock: a snapshot that says done and wait() never disagree


def _curves_of(batches: dict, history: dict) -> Curves:
    c = Curves()
    for key, values in batches.items():
        c.batches[key] = list(values)
    for key, values in history.items():
        c.history[key] = list(values)
    return c


def _first_id(e: "_Execution | None") -> str | None:
    live = e.live() if e is not None else []
    return live[0].id if live else None


def duration(seconds: float, lang: str = "en") -> str:
    """"42 s" or "3 min" (a queue's wait, a wall-time limit) in ``lang``."""
    if seconds < 90:
        return text(lang, "jobs.duration.seconds", n=seconds)
    return text(lang, "jobs.duration.minutes", n=seconds / 60)


def _queued(phase: Said, position: int | None, starts_in: float | None, warming: bool) -> Said:
    """A queued job's phase: its place in the queue and when it should start, if known."""
    if position:
        key = "jobs.phase.queued_eta" if starts_in is not None else "jobs.phase.queued"
        fields = {"position": position, "starts_in": Duration(starts_in or 0.0)}
        return Said(key + ("_warming" if warming else ""), fields)
    if warming and phase.key == "jobs.phase.waiting":
        return Said("jobs.phase.waiting_warming")
    return phase


class _Execution:
    """One computation in a worker and the jobs waiting for it (several when they asked the same)."""

    _ids = itertools.count(1)

    def __init__(self, job: Job, key: str | None):
        self.id = f"exe-{next(self._ids)}"
        self.config, self.runner, self.kind, self.name = job.config, job.runner, job.kind, job.name
        self.key = key
        self.jobs: list[Job] = [job]
        self.worker: Worker | None = None
        self.started: float | None = None  # monotonic
        self.stop_sent = False
        self.over_time = False
        self.estimate = _estimate(job)

    def live(self) -> list[Job]:
        return [j for j in self.jobs if not j._done.is_set()]


def _estimate(job: Job) -> float:
    """Seconds a job should take before one like it has been timed (the caps' upper bound)."""
    try:
        return estimate_training(job.config, training_reviews(job.config)).seconds
    except ValueError:
        return 60.0


class JobManager:
    """A pool of worker processes running queued jobs, one job per owner.

    ``runner`` trains a job in a worker (default :class:`lstm_core.pipeline.PipelineRunner`);
    ``owner_alive`` tells whether an owner is still there (None: always); ``warm_up``, a config, has
    each worker call ``runner.warm_up(warm_up)`` before its first job (TensorFlow's start-up, that
    config's data). ``processes`` and ``threads`` default to :func:`lstm_core.workers.machine_pool`;
    ``store`` (a :class:`RunStore`) serves trainings done before; ``in_process`` runs one worker in
    a thread instead (tests with runners that cannot be pickled).
    """

    _live: "weakref.WeakSet[JobManager]" = weakref.WeakSet()

    @classmethod
    def close_all(cls) -> None:
        """Close every manager of this process (a test run's end: before the interpreter's)."""
        for manager in list(cls._live):
            manager.close()

    @classmethod
    def from_settings(cls, settings: Any, *, owner_alive: OwnerAlive | None = None,
                      warm_up: ExperimentConfig | None = None, store: RunStore | None = None) -> "JobManager":
        """The app's manager: sized, capped and stored as ``settings`` (``lstm_core.settings``) say."""
        w = settings.workers
        return cls(max_queued=w.queue_size, owner_alive=owner_alive, warm_up=warm_up, limits=settings.limits,
                   processes=w.processes or None, threads=w.threads or None, wall_seconds=w.wall_minutes * 60,
                   jobs_per_worker=w.jobs_per_process, store=store or RunStore(max_runs=w.stored_runs))

    def __init__(self, *, max_queued: int = 40, runner: Runner | None = None,
                 owner_alive: OwnerAlive | None = None, grace: float = 30.0,
                 warm_up: ExperimentConfig | None = None, limits: Limits = LIMITS,
                 processes: int | None = None, threads: int | None = None, wall_seconds: float = 3600.0,
                 jobs_per_worker: int = 25, store: RunStore | None = None, in_process: bool = False):
        if not isinstance(max_queued, int) or max_queued < 0:
            raise ValueError(f"max_queued must be an integer >= 0, got {max_queued!r}")
        sized_processes, sized_threads = machine_pool()
        self.processes = 1 if in_process else (processes or sized_processes)
        if not isinstance(self.processes, int) or self.processes < 1:
            raise ValueError(f"processes must be an integer >= 1, got {processes!r}")
        self.threads = threads or max(1, sized_threads * sized_processes // self.processes)
        self.max_queued = max_queued
        self.owner_alive = owner_alive
        self.grace = grace
        self.wall_seconds = wall_seconds
        self.jobs_per_worker = jobs_per_worker
        self.in_process = in_process
        self.warm_up_error: str | None = None
        self._runner = runner or PipelineRunner(limits)
        self._warm_up = warm_up
        self._store = store
        self._cond = threading.Condition()
        self._queue: collections.deque[_Execution] = collections.deque()
        self._running: dict[str, _Execution] = {}
        self._workers: list[Worker] = []
        self._pace: dict[str, float] = {}  # kind -> the last such job's seconds over its estimate
        self._closed = False
        self._warmed = threading.Event()
        self._folder = Path(tempfile.mkdtemp(prefix="lstm-lab-jobs-"))
        JobManager._live.add(self)
        with self._cond:
            self._fill_pool()
        self._monitor = threading.Thread(target=self._watch, name="lstm-lab-job-monitor", daemon=True)
        self._monitor.start()
        atexit.register(self.close, 5.0)  # never leave TensorFlow running while Python shuts down

    # ------------------------------------------------------------------------------ the pages' API
    def submit(self, config: ExperimentConfig, owner: str, name: str | None = None,
               runner: Runner | None = None, kind: str = TRAINING) -> Job:
        """Queue a training of ``config`` for ``owner``; :class:`JobRefused` says why not.
        ``runner`` trains this job instead of the workers' runner (a comparison, a memory sweep, a
        race train several models in one job): a picklable task, whose result becomes
        ``job.run`` and whose recorder, in this process, receives the worker's curves; ``kind``
        names what it does. Every background task of an owner goes through here: one at a time.
        A training done before is served at once (``job.snapshot().replayed``)."""
        if not isinstance(config, ExperimentConfig):
            raise ValueError(f"config must be an ExperimentConfig, got {type(config).__name__}")
        key = run_key(config) if self._store is not None and runner is None and kind == TRAINING else None
        stored = self._store.get(key) if key else None
        with self._cond:
            if self._closed:
                raise JobRefused.keyed("jobs.refused.shut_down")
            mine = self.active_job(owner)
            if mine is not None:
                key = "jobs.refused.still_queued" if mine.status == QUEUED else "jobs.refused.still_running"
                raise JobRefused.keyed(key, name=mine.name)
            job = Job(config, owner, name or f"run {config.model.cell}", self, runner, kind)
            if stored is not None:
                job._replay(stored)
                return job
            same = next((e for e in self._executions() if key and e.key == key and not e.stop_sent and e.live()),
                        None)
            if same is not None:  # the same training is queued or running: follow it
                job._join(same.live()[0])
                same.jobs.append(job)
                return job
            if len(self._queue) >= self.max_queued:
                raise JobRefused.keyed("jobs.refused.queue_full", waiting=len(self._queue))
            self._queue.append(_Execution(job, key))
            self._dispatch()
        return job

    def active_job(self, owner: str) -> Job | None:
        """The owner's queued or running job, if any."""
        with self._cond:
            return next((j for e in self._executions() for j in e.live() if j.owner == owner), None)

    def position(self, job: Job) -> int | None:
        """1-based place of a queued job (1 = starts next); None when not queued."""
        return self._place(job)[0]

    def jobs(self, lang: str = "en") -> list[Snapshot]:
        """Every queued and running job (running first, then in queue order): the teacher's view, its
        texts in ``lang``."""
        with self._cond:
            jobs = [j for e in self._executions() for j in e.live()]
        return [j.snapshot(lang) for j in jobs]

    def cancel(self, job_id: str) -> bool:
        """Stop the queued or running job ``job_id`` as its owner's Stop would (a teacher's
        Cancel); False when there is no such job (any more)."""
        with self._cond:
            job = next((j for e in self._executions() for j in e.live() if j.id == job_id), None)
        if job is None:
            return False
        job.stop()
        return True

    def workers(self) -> list[WorkerInfo]:
        with self._cond:
            return [WorkerInfo(w.pid, w.ready, w.jobs_done, _first_id(w.current), rss_bytes(w.pid) if not w.in_process else 0)
                    for w in self._workers]

    @property
    def warmed(self) -> bool:
        """Whether a worker has finished its warm-up (TensorFlow loaded) and takes jobs."""
        return self._warmed.is_set()

    @property
    def busy(self) -> bool:
        with self._cond:
            return bool(self._running) or bool(self._queue)

    def close(self, timeout: float | None = 10.0) -> None:
        """Stop the running jobs, drop the queue, end the workers."""
        with self._cond:
            if self._closed and not self._workers:
                return
            self._closed = True
            queued, self._queue = list(self._queue), collections.deque()
            running = list(self._running.values())
            workers = list(self._workers)
            self._cond.notify_all()
        for e in queued:
            for job in e.live():
                job._stop.set()
                job._finish(STOPPED, Said("jobs.phase.shut_down_queued"))
        for e in running:
            for job in e.live():
                job._stop.set()
            if e.worker is not None:
                e.worker.send(("stop", e.id))
        # A warm-up cannot be interrupted (it imports TensorFlow and fits a tiny model): let it
        # end, or an in-process worker leaves the interpreter exiting under TensorFlow's threads.
        if self.in_process:
            self._warmed.wait(WARM_UP_WAIT)
        end = time.monotonic() + (timeout or 0)
        for e in running:
            for job in e.jobs:
                job.wait(max(0.0, end - time.monotonic()))
        for w in workers:
            w.send(("exit",))
        for w in workers:
            w.join(max(0.1, end - time.monotonic()))
            w.kill()
        for e in running:
            for job in e.live():
                job._finish(STOPPED, Said("jobs.phase.shut_down"))
        shutil.rmtree(self._folder, ignore_errors=True)

    # --------------------------------------------------------------------------------- scheduling
    def _executions(self) -> list[_Execution]:
        return list(self._running.values()) + list(self._queue)

    def _spawn(self) -> None:
        self._workers.append(Worker(self._runner, threads=self.threads, warm_up=self._warm_up,
                                    on_message=self._on_message, on_exit=self._on_exit,
                                    in_process=self.in_process))

    def _fill_pool(self) -> None:
        """Start workers until there are ``processes`` of them (called with the lock held)."""
        while len(self._workers) < self.processes:
            self._spawn()

    def _dispatch(self) -> None:
        """Hand queued executions to idle, warmed workers (called with the lock held)."""
        if self._queue and not self._closed:
            self._fill_pool()  # a worker that ended on a stop signal was not replaced at once
        for w in self._workers:
            if not self._queue:
                return
            if not w.ready or w.current is not None or w.retiring:
                continue
            e = self._queue.popleft()
            e.worker, e.started = w, time.monotonic()
            w.current = e
            self._running[e.id] = e
            folder = self._folder / e.id
            for job in e.live():
                job._start()
            spec = JobSpec(e.id, e.config, e.name, e.kind, e.runner, e.key,
                           str(self._store.root) if self._store and e.key else None,
                           self._store.max_runs if self._store else 200, str(folder))
            if not w.send(("job", spec)):
                log.warning("worker %s could not take %s; it is being replaced", w.id, e.id)

    def _place(self, job: Job) -> tuple[int | None, float | None, int]:
        """(queue position, seconds until it should start, jobs sharing its training)."""
        with self._cond:
            ahead: list[float] = []
            for e in self._queue:
                if job in e.jobs:
                    free = sorted(self._remaining(r) for r in self._running.values())
                    free += [0.0] * (self.processes - len(free))
                    for seconds in ahead:  # each job ahead takes the worker that frees first
                        free[0] += seconds
                        free.sort()
                    return len(ahead) + 1, free[0], len(e.live())
                ahead.append(self._expected(e))
            e = next((e for e in self._running.values() if job in e.jobs), None)
            return None, None, len(e.live()) if e else 1

    def _expected(self, e: _Execution) -> float:
        """Seconds ``e`` should take: its estimate, scaled by how the last job of its kind compared
        with its own estimate (the caps' estimate is an upper bound: every epoch run)."""
        return e.estimate * self._pace.get(e.kind, 1.0)

    def _remaining(self, e: _Execution) -> float:
        live = e.live()
        eta = live[0]._eta_now() if live else None
        if eta is not None:
            return eta
        return max(0.0, self._expected(e) - (time.monotonic() - (e.started or time.monotonic())))

    def _stop_job(self, job: Job) -> None:
        with self._cond:
            e = next((e for e in self._executions() if job in e.jobs), None)
            if e is None:
                return
            others = [j for j in e.live() if j is not job]
            if e in self._queue:
                e.jobs.remove(job)
                if not others:
                    self._queue.remove(e)
                job._finish(STOPPED, Said("jobs.phase.before_start"))
            elif others:
                e.jobs.remove(job)
                key = "jobs.phase.left_shared_many" if len(others) > 1 else "jobs.phase.left_shared_one"
                job._finish(STOPPED, Said(key, {"others": len(others)}))
            elif not e.stop_sent and e.worker is not None:
                e.stop_sent = True
                e.worker.send(("stop", e.id))

    # ----------------------------------------------------------------------- the workers' messages
    def _on_message(self, worker: Worker, message: tuple) -> None:
        what = message[0]
        if what == "ready":
            with self._cond:
                worker.ready = True
                if message[1] is not None:
                    self.warm_up_error = message[1]
                self._warmed.set()
                self._dispatch()
            return
        with self._cond:
            e = self._running.get(message[1])
        if e is None:
            return
        if what == "event":
            _, _, method, args = message
            for job in e.live():
                getattr(job, method)(*args)
        elif what == "task":
            if e.runner is not None and hasattr(e.runner, "recorder"):
                apply_recorder_message(e.runner.recorder, message[2])
        elif what == "done":
            self._finished(worker, e, result=message[2], stopped=message[3])
        elif what == "failed":
            self._finished(worker, e, failure=message[2])

    def _finished(self, worker: Worker, e: _Execution, *, result: Any = None, stopped: bool = False,
                  failure: Failure | None = None) -> None:
        for job in e.live():
            if failure is not None:
                job.exception = failure.exception
                job.traceback = failure.traceback
                log.warning("job %s (%s) failed:\n%s", job.id, job.name, failure.traceback)
                job._finish(FAILED, Said("jobs.phase.failed"), failure_said(failure))
                continue
            if self.in_process:
                job.run = result  # never packed: the worker's own object
            else:
                job._result = result  # loaded by job.run on first use
                weakref.finalize(job, shutil.rmtree, self._folder / e.id, True)  # its folder (not the store's)
            if result is None:
                job._finish(STOPPED, Said("jobs.phase.before_training"))
            elif e.over_time:
                job._finish(STOPPED, Said("jobs.phase.wall_time", {"limit": Duration(self.wall_seconds)}))
            elif stopped or job._stop.is_set():
                job._finish(STOPPED, Said("jobs.phase.kept"))
            else:
                job._finish(FINISHED, Said("jobs.phase.finished"))
        with self._cond:
            self._running.pop(e.id, None)
            if failure is None and not stopped and e.started is not None and e.estimate > 0:
                self._pace[e.kind] = (time.monotonic() - e.started) / e.estimate
            worker.current = None
            worker.jobs_done += 1
            if worker.jobs_done >= self.jobs_per_worker and not self._closed:
                worker.retiring = True  # it exits; _on_exit starts its replacement
                worker.send(("exit",))
            self._dispatch()

    def _on_exit(self, worker: Worker, exitcode: int | None) -> None:
        with self._cond:
            if worker in self._workers:
                self._workers.remove(worker)
            e = worker.current
            worker.current = None
            if e is not None:
                self._running.pop(e.id, None)
            # A Ctrl-C or a kill of the server's process group reaches its workers first: one that
            # ended on such a signal is not replaced now (the server is most likely stopping, and a
            # new worker would import TensorFlow while it does); the next dispatch refills the pool.
            if not self._closed and exitcode not in STOP_SIGNALS:
                self._spawn()
        if e is not None:
            why = (Said("jobs.error.wall_killed", {"limit": Duration(self.wall_seconds)}) if e.over_time
                   else Said("jobs.error.worker_died", {"code": exitcode}))
            for job in e.live():
                job.exception = RuntimeError(why.render())
                job._finish(FAILED, Said("jobs.phase.failed"), why)
            log.warning("worker %s (pid %s) exited with %s while running %s", worker.id, worker.pid, exitcode, e.id)

    def _watch(self) -> None:
        """Every quarter second: stop jobs whose owners left and jobs over their wall time."""
        while True:
            with self._cond:
                self._cond.wait(MONITOR_EVERY)
                if self._closed:
                    return
                executions = self._executions()
            now = time.monotonic()
            for e in executions:
                for job in e.live():
                    try:
                        gone = job._owner_gone(now)
                    except Exception:  # the monitor must outlive a failing owner_alive (it stops no job)
                        log.exception("owner_alive failed for job %s", job.id)
                        gone = False
                    if gone:
                        job.stop()
                if e.started is None or e.worker is None:
                    continue
                elapsed = now - e.started
                if elapsed > self.wall_seconds and not e.over_time:
                    e.over_time = e.stop_sent = True
                    e.worker.send(("stop", e.id))
                elif e.over_time and elapsed > self.wall_seconds + KILL_AFTER:
                    e.worker.kill()
