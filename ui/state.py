"""What a browser session owns, and what all sessions share, on the Streamlit side.

Per browser (its :class:`Workspace`, below): the experiment config the widgets
edit, the runs trained or uploaded (saved under the workspace's temporary
directory), which one is current, and the one job slot. Shared by everyone
(``st.cache_resource``): the one trainer (:class:`lstm_core.jobs.JobManager`),
the default run in ``assets/default_run/``, the temporary root directory and
the teacher's settings (``lstm_core.settings``).

A session is bound to the browser that opened it (:func:`bind_browser`), known
by a digest of the browser's XSRF cookie (Streamlit sets it in every browser; no
other site and no other browser can read it): Streamlit lets a browser that
presents a session id take that session over, so a session presented by another
browser shows it nothing. The same key finds the browser's :class:`Workspace`:
what the session owns (config, runs, uploads, the job slot) lives there, not in
the session, so a reload or a second tab of the same browser finds it all again,
a running training included (reattached, never trained twice). The choice of
the cookie over a token in the URL: a copied link never carries a student's
work to someone else. A workspace and its folder are removed once no session
of that browser has been seen for the teacher's ``idle_minutes``. Without the
cookie (AppTest, XSRF protection off) the session itself is the workspace.

A workspace is known by a random token of its own (:func:`owner_id`), never by
Streamlit's session id: the token names its folder (under a root only the
server's user can open, mode 0700) and its jobs, and appears in no message.

TensorFlow is imported only by :func:`current_run` and :func:`add_run` callers'
paths that need a model; everything the sidebar shows is read from JSON.
"""

from __future__ import annotations

import atexit
import dataclasses
import functools
import hashlib
import math
import os
import secrets
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import streamlit as st

from lstm_core.config import ExperimentConfig
from lstm_core.errors import LstmLabError
from lstm_core.jobs import TRAINING, Job, JobManager
from lstm_core.limits import Limits, check_limit, check_training, training_reviews
from lstm_core.paths import PathPolicy
from lstm_core.runs import RunInfo, RunMetrics, read_run_docs
from lstm_core.settings import SETTINGS_ENV, Settings, load_settings
from lstm_core.storage import ASSETS
from lstm_core.training import best_val_accuracy
from ui import trace
from ui.i18n import error_text, t

DEFAULT_RUN = ASSETS / "default_run"

_CONFIG, _CONFIG_ERROR = "lab_config", "lab_config_error"
_RUNS, _CURRENT, _CURRENT_RUN = "lab_runs", "lab_current", "lab_current_run"
_JOB, _COLLECTED, _OWNER, _UPLOADS = "lab_job", "lab_collected", "lab_owner", "lab_uploads"
_BROWSER = "lab_browser"
_STORE_KEYS = (_CONFIG, _CONFIG_ERROR, _RUNS, _CURRENT, _CURRENT_RUN, _JOB, _COLLECTED, _OWNER, _UPLOADS)
_COLLECTING = threading.Lock()  # guards _COLLECT_LOCKS
_COLLECT_LOCKS: dict[str, threading.Lock] = {}  # owner token -> its collect's lock (a few bytes per browser)
XSRF_COOKIE = "_streamlit_xsrf"  # set by Streamlit for every browser (server.enableXsrfProtection)
# A job kind's key in the catalogue limits' "time" table (its estimated time over the cap).
JOB_TIME = {TRAINING: "training", "comparison": "comparison", "memory sweep": "sweep", "cell race": "race"}


@dataclass(frozen=True)
class RunEntry:
    """A run as the history table and the sidebar need it: everything but the model."""

    name: str
    path: Path
    source: str  # "trained", "uploaded" or "default"
    config: ExperimentConfig
    info: RunInfo = field(default_factory=RunInfo)
    metrics: RunMetrics = field(default_factory=RunMetrics)
    history: dict[str, list[float]] = field(default_factory=dict)  # per epoch
    batches: dict[str, list[float]] = field(default_factory=dict)  # per batch

    @classmethod
    def of(cls, run: Any, path: Path, source: str) -> "RunEntry":
        return cls(run.name, Path(path), source, run.config, dataclasses.replace(run.info), run.metrics,
                   dict(run.history), dict(run.batches))

    @property
    def test_accuracy(self) -> float | None:
        return self.metrics.test.accuracy if self.metrics.test else None

    @property
    def baseline_accuracy(self) -> float | None:
        return self.metrics.baseline.metrics.accuracy if self.metrics.baseline else None

    @property
    def batches_per_epoch(self) -> int | None:
        size = self.info.train_size
        return math.ceil(size / self.config.train.batch_size) if size else None

    @property
    def best_val_accuracy(self) -> float | None:
        best = best_val_accuracy(self.history)
        return None if math.isnan(best) else best


# ------------------------------------------------------------------------------------- shared


def settings() -> Settings:
    """The teacher's settings, read once per settings file (SettingsError if it is invalid)."""
    return _settings(os.environ.get(SETTINGS_ENV, ""))


@functools.lru_cache(maxsize=4)
def _settings(named: str) -> Settings:
    return load_settings()


def limits() -> Limits:
    return settings().limits


def path_policy() -> PathPolicy:
    """Which typed paths this server opens: any on one's own laptop, none or the teacher's folders
    on a server (``lstm_core.settings``)."""
    return PathPolicy.from_settings(settings(), st.get_option("server.address"))


@dataclass
class Workspace:
    """What one browser owns across its sessions (reloads, tabs): the keys ``ui.state`` keeps."""

    data: dict[str, Any] = field(default_factory=dict)
    seen: float = field(default_factory=time.time)  # the last script run of any of its sessions


@st.cache_resource(show_spinner=False)
def _workspaces() -> dict[str, Workspace]:
    """Browser key -> its workspace."""
    return {}


@st.cache_resource(show_spinner=False)
def _sessions() -> dict[str, set[str]]:
    """Owner token -> the Streamlit session ids that have had a script run with it."""
    return {}


def _session_alive(owner: str) -> bool:
    """Whether a session of this owner is open now, or was within the teacher's idle time (a closed
    tab's training goes on and waits for the student to come back)."""
    from streamlit.runtime import Runtime

    try:
        runtime = Runtime.instance()
    except RuntimeError:  # no Streamlit runtime (a script, or between two AppTests): nobody to lose
        return True
    if any(runtime.is_active_session(sid) for sid in list(_sessions().get(owner, set()))):
        return True
    idle = settings().idle_minutes * 60
    return any(ws.data.get(_OWNER) == owner and time.time() - ws.seen < idle for ws in list(_workspaces().values()))


def _store() -> dict[str, Any] | Any:
    """Where this session's things live: its browser's workspace, or the session state when the
    browser is unknown."""
    key = st.session_state.get(_BROWSER)
    if key is None:
        return st.session_state
    workspace = _workspaces().setdefault(key, Workspace())
    workspace.seen = time.time()
    return workspace.data


@st.cache_resource(show_spinner=False)
def job_manager() -> JobManager:
    """The one job manager of the app, sized by the teacher's settings (its worker processes, queue,
    caps); as it starts its workers warm TensorFlow up and prepare the default data."""
    # Keras imports pandas in the warm-up thread, pages import it through plotly: two threads
    # importing one module at once can hand one of them a half-initialised module. Import it first.
    import pandas  # noqa: F401

    return JobManager.from_settings(settings(), owner_alive=_session_alive, warm_up=ExperimentConfig())


@st.cache_resource(show_spinner=False)
def _temp_root() -> Path:
    root = Path(tempfile.mkdtemp(prefix="lstm-lab-"))
    atexit.register(shutil.rmtree, root, True)
    return root


def _read_entry(path: Path, source: str) -> RunEntry:
    """A saved run's JSON, checked like ``load_run`` checks it, without building the model."""
    d = read_run_docs(path)
    return RunEntry(d.info.name, path, source, d.config, d.info, d.metrics, d.history, d.batches)


@st.cache_data(show_spinner=False)
def _default_entry(path: str) -> tuple[RunEntry | None, str | None]:
    if not Path(path).is_dir():
        return None, None
    try:
        return _read_entry(Path(path), "default"), None
    except LstmLabError as e:
        return None, str(e)


def default_entry() -> RunEntry | None:
    """The bundled default run's summary, or None when there is none (or it cannot be read)."""
    return _default_entry(str(DEFAULT_RUN))[0]


def default_run_problem() -> str | None:
    """Why ``assets/default_run`` exists but cannot be used, if it cannot."""
    return _default_entry(str(DEFAULT_RUN))[1]


@st.cache_resource(show_spinner=False)
def _cached_default_run(path: str) -> Any:
    from lstm_core.runs import load_run

    return load_run(path)


@st.cache_resource(show_spinner=False)
def warm_server() -> threading.Thread:
    """Load the default run in a thread of its own, once per server, and have it read one review: its
    model imports Keras (about 7 CPU-s) and traces its predict step, which otherwise the first visit
    to the Gates page paid while the class waited for it (bench/bench_classroom.py --client
    protocol). Called once the first page is drawn, like the trainer. (Started only once the trainer's
    worker was warm, it made the very first click's first chart point 9.5 s instead of 15.5 s, and
    a class's first Gates visits wait for it: navigation p95 7.7 s instead of 1.1 s; bench/results.md.)"""
    import pandas  # noqa: F401  (one thread imports it first: see job_manager)

    thread = threading.Thread(target=_warm_default_run, name="lstm-lab-warm-up", daemon=True)
    thread.start()
    return thread


def _warm_default_run() -> None:
    from ui import readings  # lazy: its lstm_core modules import Keras and scikit-learn

    entry = default_entry()
    if entry is not None:
        try:
            run = _cached_default_run(str(entry.path))
            # Two batch sizes: TensorFlow then traces predict for any, so the Gates page's own batches (its
            # examples, the probes) need no trace of their own (a first visit took 1.3 s, later ones 0.16 s).
            run.predict(["a warm-up review"])
            run.predict(["a warm-up review", "and a second one"])
            readings.warm(entry, run)  # what the Gates page's first visit reads (a review too), in its caches
        except LstmLabError:  # a damaged default run: the page that needs it says so when asked
            pass


def _default_run(path: str) -> Any:
    # (show_spinner= is read at import, before the reader's language is known: the spinner is ours)
    with st.spinner(t("runs.loading_default")):
        return _cached_default_run(path)


# ------------------------------------------------------------------------------------ session


def owner_id() -> str:
    """This session's secret token: it names the session's folder and jobs (the trainer stops a
    job when its session goes away). Unguessable, and shown nowhere."""
    store = _store()
    if _OWNER not in store:  # (a token drawn only once, not at every script run)
        store[_OWNER] = secrets.token_urlsafe(18)
    owner = store[_OWNER]
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    if ctx is not None:
        _sessions().setdefault(owner, set()).add(ctx.session_id)
    return owner


def browser_key(cookie: str | None) -> str | None:
    """A digest of the browser's XSRF token (Streamlit's and Tornado's cookie "2|mask|masked
    token|time": the token XORed with the 4-byte mask repeated), or of the raw cookie if it has
    another form. The mask changes whenever the cookie is re-issued; the token does not."""
    if not isinstance(cookie, str) or not cookie:  # (AppTest's context is a mock)
        return None
    parts = cookie.split("|")
    try:
        mask, masked = bytes.fromhex(parts[1]), bytes.fromhex(parts[2])
        token = bytes(b ^ mask[i % len(mask)] for i, b in enumerate(masked)) if mask else masked
    except (IndexError, ValueError):
        token = cookie.encode()
    return hashlib.sha256(token).hexdigest()


def same_browser(session: Any, cookie: str | None) -> bool:
    """Whether ``session`` (a session state) belongs to the browser whose XSRF cookie is ``cookie``;
    the first browser to ask binds it. Without the cookie (AppTest, XSRF protection off) nothing is
    bound."""
    key = browser_key(cookie)
    if key is None:
        return True
    return session.setdefault(_BROWSER, key) == key


def bind_browser() -> bool:
    """Bind this session to the browser that opened it; False (show nothing) when another browser
    presents the session's id to take it over. What the session kept before it was bound moves
    into the browser's workspace (:func:`adopt`)."""
    session = st.session_state
    unbound = _BROWSER not in session
    if not same_browser(session, st.context.cookies.get(XSRF_COOKIE)):
        _trace("refused")
        return False
    if unbound and _BROWSER in session:
        moved = adopt(session, _store())  # the browser's workspace, now that the session names it
        _trace("bound", moved=moved)
    return True


def trace_run(url_path: str) -> None:
    """This full script run in the server's trace (``ui.trace``), when one is kept."""
    _trace("run", page=url_path)


def _trace(event: str, **extra: Any) -> None:
    """One line in the server's trace (``ui.trace``): ``extra`` and who this session is and what it
    sees, in digests and flags; nothing is computed when no trace is kept."""
    if not trace.enabled():
        return
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    store = _store()
    current = store.get(_JOB)
    trace.log(event, **extra, session=trace.digest(ctx.session_id if ctx else None),
              cookie=XSRF_COOKIE in st.context.cookies, browser=(st.session_state.get(_BROWSER) or "")[:8] or None,
              owner=trace.digest(store.get(_OWNER)), runs=len(store.get(_RUNS, ())),
              current=store.get(_CURRENT) is not None,
              job=trace.digest(current.id if current is not None else None),
              job_done=current is not None and current.wait(0),
              collected=current is not None and current.id in store.get(_COLLECTED, set()))


def adopt(session: Any, workspace: dict[str, Any]) -> list[str]:
    """Move what a session kept before it knew its browser into that browser's workspace.

    The first script runs of a session can come without the XSRF cookie (with a class opening the
    app at once, 2 of 3 sessions clicked Train before it came): their things live in the session
    state until then. The workspace keeps what it already has (another tab's config, owner token and
    current run); the session's runs are added, and its job slot is taken when the workspace's is
    empty or done, so a training queued before the cookie came stays this browser's. Returns the
    keys it moved."""
    moved = [key for key in _STORE_KEYS if key in session]
    for key in moved:
        value = session[key]
        del session[key]
        if key == _RUNS:
            workspace.setdefault(_RUNS, []).extend(value)
        elif key == _JOB:
            held = workspace.get(_JOB)
            if held is None or held.wait(0):
                workspace[_JOB] = value
        else:
            workspace.setdefault(key, value)
    return moved


def session_dir() -> Path:
    """Where this workspace's runs are saved: removed when the server stops, or once its browser
    has been gone for the teacher's idle time (checked whenever a workspace saves its first run)."""
    path = _temp_root() / owner_id()
    if not path.is_dir():
        prune_session_dirs(_temp_root(), settings().idle_minutes * 60)
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def prune_session_dirs(root: Path, older_than: float = 3600.0) -> list[Path]:
    """Remove the run directories and workspaces of browsers that left (their folder unchanged for
    ``older_than`` seconds and no session of theirs seen within the idle time)."""
    removed = []
    cutoff = time.time() - older_than
    for path in root.iterdir():
        if path.is_dir() and not _session_alive(path.name) and path.stat().st_mtime < cutoff:
            shutil.rmtree(path, ignore_errors=True)
            _sessions().pop(path.name, None)
            removed.append(path)
    gone = {p.name for p in removed}
    for key, workspace in list(_workspaces().items()):
        if workspace.data.get(_OWNER) in gone:
            _workspaces().pop(key, None)
    return removed


def config() -> ExperimentConfig:
    return _store().setdefault(_CONFIG, ExperimentConfig())


def set_config(cfg: ExperimentConfig) -> None:
    _store()[_CONFIG] = cfg
    _store().pop(_CONFIG_ERROR, None)


def _said(message: Any) -> str:
    """A kept message in this session's language: an error (raised with a key or not), or a
    (catalogue key, fields) pair."""
    if isinstance(message, tuple):
        key, fields = message
        return t(key, **fields)
    return error_text(message)


def update_config(**sections: Any) -> str | None:
    """``config().replace(**sections)`` made current; the ValueError's message if invalid."""
    try:
        set_config(config().replace(**sections))
    except ValueError as e:
        _store()[_CONFIG_ERROR] = e.with_traceback(None)  # (kept for its message, not its frames)
        return _said(e)
    return None


def config_error() -> str | None:
    """The last invalid setting a widget tried (shown by the page; the config kept its old value),
    in this session's language."""
    error = _store().get(_CONFIG_ERROR)
    return None if error is None else _said(error)


def runs() -> list[RunEntry]:
    """This session's runs, oldest first."""
    return _store().setdefault(_RUNS, [])


def current_entry() -> RunEntry | None:
    """The session's current run, else the default run, else None."""
    return _store().get(_CURRENT) or default_entry()


def current_run() -> Any:
    """The current ``lstm_core.runs.Run`` with its model (imports TensorFlow), or None."""
    entry = current_entry()
    if entry is None:
        return None
    if entry.source == "default":
        return _default_run(str(entry.path))
    cached = _store().get(_CURRENT_RUN)
    if cached is None or cached[0] != entry.path:
        from lstm_core.runs import load_run

        cached = (entry.path, load_run(entry.path))
        _store()[_CURRENT_RUN] = cached
    return cached[1]


def make_current(entry: RunEntry, run: Any = None) -> None:
    _store()[_CURRENT] = entry
    _store()[_CURRENT_RUN] = (entry.path, run) if run is not None else None


def _unique_name(name: str) -> str:
    taken = {e.name for e in runs()}
    out, n = name, 2
    while out in taken:
        out, n = f"{name} ({n})", n + 1
    return out


def next_run_name(cfg: ExperimentConfig) -> str:
    return _unique_name(f"run {len(runs()) + 1}: {cfg.model.cell.upper()} {cfg.model.units} units")


def _remember(run: Any, path: Path, source: str) -> RunEntry:
    """Add a saved run to the history under a name of its own, and make it current."""
    run.info.name = _unique_name(run.name)
    entry = RunEntry.of(run, path, source)
    runs().append(entry)
    make_current(entry, run)
    return entry


def _new_run_dir(source: str) -> Path:
    return session_dir() / f"{len(runs()) + 1:03d}-{source}"


def add_run(run: Any, source: str) -> RunEntry:
    """Save a trained run in the session directory, add it to the history, make it current."""
    from lstm_core.runs import save_run

    run.info.name = _unique_name(run.name)  # before saving, so that the saved run has it
    return _remember(run, save_run(run, _new_run_dir(source)), source)


def import_upload(data: bytes, file_id: str) -> tuple[bool, str, bool]:
    """Import an uploaded bundle once per upload (every rerun sees the same file again) and
    return (ok, message, new): the same answer at every rerun while the file stays, ``new`` only
    the first time."""
    from lstm_core.runs import import_bundle

    done = _store().setdefault(_UPLOADS, {})
    new = file_id not in done
    if new:
        dest = _new_run_dir("uploaded")
        try:
            run = import_bundle(data, dest, limits())
        except ValueError as e:  # RunError for anything that is not a sound bundle
            done[file_id] = (False, e.with_traceback(None))
        else:
            entry = _remember(run, dest, "uploaded")
            done[file_id] = (True, ("runs.imported", {"name": entry.name}))
    ok, message = done[file_id]
    return ok, _said(message), new


def job(kind: str | None = None) -> Job | None:
    """This session's latest background job (queued, running or done) — of ``kind`` only, if given.
    A session has one slot for all of them: a training, a comparison, a sweep or a race."""
    current = _store().get(_JOB)
    return current if current is not None and (kind is None or current.kind == kind) else None


def submit(cfg: ExperimentConfig) -> Job:
    """Queue a training; JobRefused (a ValueError) when this session already has a job running,
    LimitExceeded when it would cost more than the teacher's caps."""
    return submit_task(TRAINING, next_run_name(cfg), cfg)


def submit_task(kind: str, name: str, cfg: ExperimentConfig, runner: Any = None, trainings: int = 1) -> Job:
    """Queue any background job of this session (``runner``, None for one training of ``cfg``),
    checked against the teacher's caps as ``trainings`` trainings of ``cfg``; it takes the session's
    one job slot."""
    est = check_training(cfg, training_reviews(cfg), limits())
    check_limit(f"time.{JOB_TIME.get(kind, 'job')}", est.seconds * trainings, limits().job_seconds, "seconds")
    new = job_manager().submit(cfg, owner_id(), name, runner=runner, kind=kind)
    _store()[_JOB] = new
    return new


def collect_finished_job() -> RunEntry | None:
    """Once the session's training is done, move its run into the history (once); the new entry
    or None. (Other kinds of job keep their results on their own page.)

    The job is marked collected only once its run is in the history. Streamlit can end a script run
    while the run is landed and saved (seconds under a class's load): a student who navigated then
    used to keep the default model for good, the job marked collected and its run never added
    (bench_classroom.py --trace, 1 of 30); now the next script run collects it."""
    current = job(TRAINING)
    if not uncollected(current):
        return None
    with _collect_lock(owner_id()):  # two tabs of one browser rerun at once: one of them collects
        if not uncollected(current):
            return None
        try:
            run = current.run  # (landing it loads the model: seconds under load)
            entry = add_run(run, "trained") if run is not None else None
        except Exception as e:  # a real failure (the run could not be saved): said once, not at every run
            _store().setdefault(_COLLECTED, set()).add(current.id)
            _trace("collect_failed", error=type(e).__name__)
            raise
        except BaseException as e:  # Streamlit's rerun or stop ended this script run: the next run collects
            _trace("collect_interrupted", error=type(e).__name__)
            raise
        _store().setdefault(_COLLECTED, set()).add(current.id)
    _trace("collect", has_run=entry is not None)
    return entry


def _collect_lock(owner: str) -> threading.Lock:
    """The lock of one workspace's collect: one per browser, so that a class's collects (each
    landing and saving a model) run side by side instead of one after another."""
    with _COLLECTING:
        return _COLLECT_LOCKS.setdefault(owner, threading.Lock())


def uncollected(current: Job | None = None) -> bool:
    """Whether the session's training (or ``current``) is done and its run not yet in the history.
    Pages ask it after the sidebar's collect: a training that finished during the script run
    (between that collect and the page's live view) still has to join the history, which only a
    new run does."""
    current = current or job(TRAINING)
    return current is not None and current.wait(0) and current.id not in _store().get(_COLLECTED, set())


def job_is_active(kind: str | None = None) -> bool:
    current = job(kind)
    return current is not None and not current.wait(0)
