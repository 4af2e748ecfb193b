"""Training outside the server: worker processes, what they are sent, and what comes back.

The Streamlit server must stay free to draw pages while models train, so every background job
runs in a worker process (:class:`Worker`), started with "spawn" (a fork of a process that has
TensorFlow loaded can deadlock) and with TensorFlow's CPU threads capped *before* TensorFlow
loads there (:func:`cap_threads`). :func:`machine_pool` sizes the pool so that the server keeps
a core: on 2 cores, 1 worker with 1 thread.

What crosses the process boundary, both ways through one pipe (our own processes: the only
pickles are ours, nothing a user sent):

- server → worker: a :class:`JobSpec` (config, name, the task: None for the worker's own
  ``PipelineRunner``, or a task spec such as ``compare.ComparisonTask``, which pickles as its
  spec), then perhaps ``("stop", id)``;
- worker → server: the listener calls (``on_batch_end`` …, ``progress``) as they happen, a task's
  recorder calls (so the server's copy of the task draws the same live curves), then the result.
  Every ``lstm_core.runs.Run`` in a result travels as its folder (``save_run`` in the worker,
  ``load_run`` in the server, both bounded and atomic), so whatever a run holds travels with it;
  a task may pack other things itself (``pack(result, folder)`` / ``unpack(packed)``).

A worker whose process dies (killed, ``os._exit``, out of memory) ends its pipe: the server sees
it, fails that job with a clear message and starts a new worker. A worker whose server dies sees
its pipe end and exits too, so no training outlives its server.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import itertools
import logging
import multiprocessing
import os
import pickle
import queue
import signal
import sys
import threading
import time
import traceback
import types
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .config import ExperimentConfig
from .training import NullListener

log = logging.getLogger(__name__)

THREAD_VARS = ("TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS", "OMP_NUM_THREADS")
PROGRESS_EVERY = 0.1  # seconds between two preparation progress messages (cleaning reports per review)


def machine_pool(cores: int | None = None) -> tuple[int, int]:
    """(processes, threads each) for a machine of ``cores`` cores: one core stays with the server;
    the rest go to processes of 2 threads (one LSTM training gains little beyond 2), at least one
    process of one thread."""
    cores = cores or os.cpu_count() or 1
    spare = max(1, cores - 1)
    processes = max(1, spare // 2)
    return processes, max(1, spare // processes)


def cap_threads(threads: int) -> None:
    """Cap TensorFlow's and OpenMP's thread pools at ``threads``; effective only before TensorFlow
    loads in this process (it reads these at start-up), which is why a worker calls it first."""
    for name in THREAD_VARS:
        os.environ[name] = str(threads)


# ------------------------------------------------------------------------------------------ messages


@dataclass(frozen=True)
class JobSpec:
    """One job as a worker receives it."""

    id: str
    config: ExperimentConfig
    name: str
    kind: str
    task: Any = None  # None: the worker's runner (one training); else a picklable task spec
    key: str | None = None  # the run store's key: a complete training is saved there
    store: str | None = None  # the run store's folder
    stored_runs: int = 200
    folder: str = ""  # where this job's other runs are saved for the server to load


@dataclass(frozen=True)
class RunRef:
    """A run that crossed the process boundary as its folder; :func:`land` loads it."""

    path: str


@dataclass(frozen=True)
class Failure:
    """Why a job failed, as the server reports it: ``message`` is safe to show a student. The
    exception crosses as its class, args and attributes (an exception whose ``__init__`` takes
    other arguments than its args, such as ``embeddings.WrongDimension``, does not unpickle)."""

    message: str
    type_name: str
    traceback: str
    error_class: type | None = None
    error_args: tuple = ()
    error_state: dict | None = None

    @property
    def exception(self) -> BaseException:
        """The exception as raised in the worker (a RuntimeError naming its type if it could not cross)."""
        if self.error_class is None:
            return RuntimeError(self.type_name)
        e = self.error_class.__new__(self.error_class)
        e.args = self.error_args
        e.__dict__.update(self.error_state or {})
        return e

    def bare(self) -> "Failure":
        """The same without the exception (its class or attributes cannot be pickled)."""
        return dataclasses.replace(self, error_class=None, error_args=(), error_state=None)


def failure(e: Exception) -> Failure:
    # A user's mistake says what it was; anything else may hold server paths: the log has it.
    message = (str(e) if isinstance(e, ValueError)
               else f"an internal error ({type(e).__name__}); the server's log has the details")
    return Failure(message, type(e).__name__, traceback.format_exc(), type(e), e.args, dict(vars(e)))


def map_objects(obj: Any, kind: type, fn: Callable[[Any], Any]) -> Any:
    """``obj`` with every instance of ``kind`` inside it (in dataclasses, dicts, lists, tuples)
    replaced by ``fn(instance)``; parts without one are the same objects."""
    if isinstance(obj, kind):
        return fn(obj)
    if isinstance(obj, dict):
        new = {k: map_objects(v, kind, fn) for k, v in obj.items()}
        return obj if all(new[k] is obj[k] for k in obj) else type(obj)(new)
    if isinstance(obj, (list, tuple)) and not hasattr(obj, "_fields"):
        items = [map_objects(v, kind, fn) for v in obj]
        return obj if all(a is b for a, b in zip(items, obj)) else type(obj)(items)
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        changes = {}
        for f in dataclasses.fields(obj):
            if f.init:
                value = getattr(obj, f.name)
                new_value = map_objects(value, kind, fn)
                if new_value is not value:
                    changes[f.name] = new_value
        return dataclasses.replace(obj, **changes) if changes else obj
    return obj


class Packer:
    """Saves each Run of a job's results once (worker side) and refers to it by folder."""

    def __init__(self, folder: str, saved: dict[int, str] | None = None):
        self.folder = Path(folder)
        self._saved = saved or {}

    def run_at(self, run: Any, path: str) -> None:
        """``run`` is already saved at ``path`` (the run store): refer to it there."""
        self._saved[id(run)] = path

    def __call__(self, obj: Any) -> Any:
        from .runs import Run, save_run

        def save(run: Any) -> RunRef:
            if id(run) not in self._saved:
                self._saved[id(run)] = str(save_run(run, self.folder / f"run-{len(self._saved) + 1}"))
            return RunRef(self._saved[id(run)])

        return map_objects(obj, Run, save)


def land(obj: Any) -> Any:
    """``obj`` with every RunRef loaded (server side: imports TensorFlow if there is one)."""
    from .runs import load_run

    loaded: dict[str, Any] = {}

    def load(ref: RunRef) -> Any:
        if ref.path not in loaded:
            loaded[ref.path] = load_run(ref.path, where="the trained run")
        return loaded[ref.path]

    return map_objects(obj, RunRef, load)


# ------------------------------------------------------------------------------------ worker side


_MAIN_LOCK = threading.Lock()


@contextlib.contextmanager
def _no_script_main():
    """Start a spawned process without making it run the app's script again. Streamlit runs a page
    script as the module ``__main__`` (``streamlit run`` and AppTest alike), and "spawn" re-runs
    ``__main__``'s file in the child before the target (which would start the app, and a pool, in
    every worker). While the process starts, ``__main__`` is a bare module with no file."""
    with _MAIN_LOCK:
        main = sys.modules.get("__main__")
        sys.modules["__main__"] = types.ModuleType("__main__")
        try:
            yield
        finally:
            if main is not None:
                sys.modules["__main__"] = main


class WorkerJob(NullListener):
    """A job as its runner sees it in the worker: the listener protocol, ``progress`` and
    ``should_stop``, each call sent to the server."""

    def __init__(self, spec: JobSpec, send: Callable[[tuple], None], stops: set[str]):
        self.id, self.config, self.name, self.kind = spec.id, spec.config, spec.name, spec.kind
        self._send, self._stops = send, stops
        self._said: tuple[str, float] = ("", 0.0)

    def on_train_begin(self, info):
        self._send(("event", self.id, "on_train_begin", (info,)))

    def on_batch_end(self, update):
        self._send(("event", self.id, "on_batch_end", (update,)))

    def on_epoch_end(self, update):
        self._send(("event", self.id, "on_epoch_end", (update,)))

    def progress(self, what: str, fraction: float) -> None:
        now = time.monotonic()
        if what != self._said[0] or fraction in (0.0, 1.0) or now - self._said[1] >= PROGRESS_EVERY:
            self._said = (what, now)
            self._send(("event", self.id, "progress", (what, fraction)))

    def should_stop(self) -> bool:
        return self.id in self._stops

    def stop(self) -> None:
        self._stops.add(self.id)


class _ForwardingListener(NullListener):
    def __init__(self, inner: Any, key: Any, send: Callable[[tuple], None]):
        self._inner, self._key, self._send = inner, key, send

    def _both(self, name: str, update: Any) -> None:
        getattr(self._inner, name)(update)
        self._send(("listener", self._key, name, (update,)))

    def on_train_begin(self, info):
        self._both("on_train_begin", info)

    def on_batch_end(self, update):
        self._both("on_batch_end", update)

    def on_epoch_end(self, update):
        self._both("on_epoch_end", update)

    def should_stop(self) -> bool:
        return self._inner.should_stop()


class ForwardingRecorder:
    """Wraps a task's recorder in the worker: every public call (``started``, ``add``, a listener's
    updates …) runs here and is sent to the server, which makes the same call on its own copy."""

    _LOCAL = frozenset({"should_stop", "snapshot"})

    def __init__(self, inner: Any, send: Callable[[tuple], None], pack: Callable[[Any], Any]):
        self._inner, self._send, self._pack = inner, send, pack

    def listener(self, key: Any) -> _ForwardingListener:
        return _ForwardingListener(self._inner.listener(key), key, self._send)

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._inner, name)
        if name.startswith("_") or name in self._LOCAL or not callable(value):
            return value

        def call(*args: Any) -> Any:
            out = value(*args)
            self._send(("recorder", name, self._pack(args)))
            return out

        return call


def apply_recorder_message(recorder: Any, message: tuple) -> None:
    """Server side: make on ``recorder`` the call a worker's :class:`ForwardingRecorder` sent."""
    if message[0] == "listener":
        _, key, name, args = message
        getattr(recorder.listener(key), name)(*args)
    else:
        _, name, args = message
        getattr(recorder, name)(*args)


def run_job(spec: JobSpec, runner: Any, send: Callable[[tuple], None], stops: set[str], in_process: bool) -> None:
    """Run one job in the worker and send its outcome: ("done", id, packed result) or ("failed", id,
    Failure)."""
    from .runs import Run

    job = WorkerJob(spec, send, stops)
    task = spec.task
    packer = Packer(spec.folder)
    try:
        if task is not None and not in_process and hasattr(task, "recorder"):
            task.recorder = ForwardingRecorder(task.recorder, lambda m: send(("task", spec.id, m)), packer)
        result = (task or runner)(job)
        if (spec.key and spec.store and isinstance(result, Run) and not result.info.stopped_by_user
                and not job.should_stop()):
            from .run_store import RunStore

            packer.run_at(result, str(RunStore(spec.store, spec.stored_runs).put(result, spec.key)))
        if not in_process:
            result = task.pack(result, spec.folder) if hasattr(task, "pack") else packer(result)
    except Exception as e:  # the worker survives any failure of a job and reports it
        f = failure(e)
        log.warning("job %s (%s) failed in worker %s:\n%s", spec.id, spec.name, os.getpid(), f.traceback)
        try:
            send(("failed", spec.id, f))
        except Exception:  # the exception itself cannot be pickled: its message still can
            send(("failed", spec.id, f.bare()))
        return
    try:
        send(("done", spec.id, result, job.should_stop()))
    except (TypeError, AttributeError, pickle.PicklingError) as e:  # a result that cannot cross
        send(("failed", spec.id, failure(e).bare()))


def _forget_models() -> None:
    """Between two jobs: drop what Keras keeps of the models trained (their graphs and traced
    functions; the worker holds none of them any more), which otherwise grows a worker by tens of
    MB per training."""
    if "keras" in sys.modules:
        sys.modules["keras"].backend.clear_session()
    gc.collect()


def worker_main(conn: Any, runner: Any, threads: int, warm_up: ExperimentConfig | None, in_process: bool) -> None:
    """A worker's life: cap threads, warm up (TensorFlow, the default data), say ready, run jobs
    one after the other until told to exit or the server's end of the pipe closes."""
    if not in_process:
        signal.signal(signal.SIGINT, signal.SIG_DFL)  # Ctrl-C ends it by the signal, no traceback
        cap_threads(threads)
        if hasattr(runner, "in_own_process"):
            runner.in_own_process()  # its runs cross back as folders: it may keep its last network
    stops: set[str] = set()
    jobs: queue.Queue = queue.Queue()
    send_lock = threading.Lock()

    def send(message: tuple) -> None:
        with send_lock:
            conn.send(message)

    def read() -> None:
        while True:
            try:
                message = conn.recv()
            except (EOFError, OSError):
                if not in_process:
                    os._exit(0)  # the server is gone: its training would help nobody
                message = ("exit",)
            if message[0] == "stop":
                stops.add(message[1])
            elif message[0] == "exit":
                jobs.put(None)
                return
            else:
                jobs.put(message[1])

    threading.Thread(target=read, name="lstm-lab-worker-pipe", daemon=True).start()
    warm_error = None
    if warm_up is not None and hasattr(runner, "warm_up"):
        try:
            runner.warm_up(warm_up)
        except Exception as e:  # a failed warm-up only costs speed; the first job will say why
            warm_error = f"{type(e).__name__}: {e}"
            log.warning("worker warm-up failed: %s", warm_error)
    send(("ready", warm_error))
    while (spec := jobs.get()) is not None:
        run_job(spec, runner, send, stops, in_process)
        stops.discard(spec.id)
        if not in_process:
            _forget_models()
    conn.close()  # the server's reader sees the end
    if not in_process:
        logging.shutdown()
        os._exit(0)  # skip the interpreter's teardown under TensorFlow's threads (seconds, or a crash)


# ------------------------------------------------------------------------------------ server side


class _LocalPipe:
    """One end of an in-process pipe (no pickling): a worker in a thread, for tests whose runners
    hold events and locks."""

    def __init__(self, inbox: queue.Queue, outbox: queue.Queue):
        self._in, self._out = inbox, outbox

    def send(self, message: Any) -> None:
        self._out.put(message)

    def recv(self) -> Any:
        message = self._in.get()
        if message is EOFError:
            raise EOFError
        return message

    def close(self) -> None:
        self._out.put(EOFError)


def _local_pipe() -> tuple[_LocalPipe, _LocalPipe]:
    a, b = queue.Queue(), queue.Queue()
    return _LocalPipe(a, b), _LocalPipe(b, a)


class Worker:
    """The server's handle on one worker: ``send`` a message; ``on_message(worker, message)`` and,
    once its pipe ends (the process exited or died), ``on_exit(worker, exitcode)`` are called from
    the handle's reader thread. ``in_process`` runs the worker in a thread of this process instead
    (tests' runners that cannot be pickled)."""

    _ids = itertools.count(1)

    def __init__(self, runner: Any, *, threads: int, warm_up: ExperimentConfig | None,
                 on_message: Callable[["Worker", tuple], None], on_exit: Callable[["Worker", int | None], None],
                 in_process: bool = False):
        self.id = next(self._ids)
        self.ready = False
        self.jobs_done = 0
        self.current: Any = None  # what it runs (the manager's record of the job)
        self.retiring = False
        self.in_process = in_process
        self._on_message, self._on_exit = on_message, on_exit
        self._send_lock = threading.Lock()
        if in_process:
            self._conn, child = _local_pipe()
            self.process = None
            self._thread = threading.Thread(target=worker_main, args=(child, runner, threads, warm_up, True),
                                            name=f"lstm-lab-worker-{self.id}", daemon=True)
            self._thread.start()
        else:
            ctx = multiprocessing.get_context("spawn")
            self._conn, child = ctx.Pipe()
            self.process = ctx.Process(target=worker_main, args=(child, runner, threads, warm_up, False),
                                       name=f"lstm-lab-worker-{self.id}", daemon=True)
            with _no_script_main():
                self.process.start()
            child.close()  # only the worker holds its end: its death ends our reads
        self._reader = threading.Thread(target=self._read, name=f"lstm-lab-worker-{self.id}-reader", daemon=True)
        self._reader.start()

    @property
    def pid(self) -> int:
        return self.process.pid if self.process is not None else os.getpid()

    def send(self, message: tuple) -> bool:
        """Send ``message``; False when the worker is gone (its exit is being handled)."""
        try:
            with self._send_lock:
                self._conn.send(message)
            return True
        except (OSError, ValueError, EOFError):
            return False

    def kill(self) -> None:
        """End the worker at once (a job that does not stop, a server shutting down)."""
        if self.process is not None and self.process.is_alive():
            self.process.kill()

    def join(self, timeout: float | None) -> None:
        if self.process is not None:
            self.process.join(timeout)
        else:
            self._thread.join(timeout)
        self._reader.join(timeout)

    def _read(self) -> None:
        while True:
            try:
                message = self._conn.recv()
            except (EOFError, OSError):
                break
            except Exception:  # a message that cannot be unpickled here: the worker is unusable
                log.exception("worker %s sent a message the server cannot read", self.id)
                self.kill()
                break
            try:
                self._on_message(self, message)
            except Exception:  # the reader must outlive a bug in one message's handling
                log.exception("handling worker %s's message %r failed", self.id, message[:2])
        exitcode = None
        if self.process is not None:
            self.process.join(10)
            exitcode = self.process.exitcode
        self._on_exit(self, exitcode)


def rss_bytes(pid: int) -> int:
    """Resident memory of process ``pid`` (Linux; 0 where /proc is not there)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0
