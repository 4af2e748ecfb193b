"""Finished trainings kept on disk, named by what made them: the same training is computed once.

A training is a pure function of its data, its config (the seed included) and the code: the
same three give the same curves and weights (``tests/test_workers.py`` checks a worker against
a fresh process). So :func:`run_key` hashes the three, and a :class:`RunStore` keeps one run
folder (``lstm_core.runs.save_run``, written atomically) per key. The job manager looks a
training up before queueing it and replays a stored one at once; a worker saves each complete
training there. ``python -m lstm_core precompute lesson.json`` fills the store ahead of a lesson.

    store = RunStore()                  # ~/.cache/lstm_lab/runs, or $LSTM_LAB_RUNS
    key = run_key(cfg)                  # None when the data cannot be found
    path = store.get(key)               # a complete run folder, or None
    store.put(run, key)                 # after training; the least recently used beyond max_runs go

What is *not* stored: a training stopped by its student or by the wall-time cap (its curves
depend on when). The store is the server's own folder (mode 0700); nothing in it is shown.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from importlib import metadata
from pathlib import Path

from .config import ExperimentConfig
from .corpus_cache import default_cache_dir
from .data import BUNDLED, BUNDLED_PATH, _resolve
from .errors import DataError
from .runs import FILES, Run, save_run

STORE_ENV = "LSTM_LAB_RUNS"
STALE_SECONDS = 3600.0  # a save's temporary folder older than this belonged to a process that died
_PACKAGE = Path(__file__).resolve().parent


def default_store_dir() -> Path:
    env = os.environ.get(STORE_ENV, "").strip()
    return Path(env).expanduser() if env else default_cache_dir() / "runs"


def _code_version() -> str:
    """Every source file of lstm_core and the numeric libraries' versions: any change to how a
    run is computed makes new keys (old runs are then never served, and age out)."""
    h = hashlib.sha256()
    for path in sorted(_PACKAGE.glob("*.py")):
        h.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    for dist in ("tensorflow", "keras", "numpy", "scikit-learn"):
        try:
            h.update(f"{dist}={metadata.version(dist)};".encode())
        except metadata.PackageNotFoundError:
            h.update(f"{dist}=none;".encode())
    return h.hexdigest()


CODE_VERSION = _code_version()


def data_identity(source: str) -> str:
    """What a data source holds, cheaply: a file's size and modification time, or every file's
    under a folder (symlinks not followed, as the reader does not follow them). DataError when
    the source does not exist."""
    if source.strip() == BUNDLED:
        st = BUNDLED_PATH.stat()
        return f"bundled:{st.st_size}:{st.st_mtime_ns}"
    path = _resolve(source).resolve()
    if path.is_file():
        st = path.stat()
        return f"file:{path}:{st.st_size}:{st.st_mtime_ns}"
    h = hashlib.sha256(str(path).encode())
    for folder, dirs, files in os.walk(path):
        dirs.sort()
        for name in sorted(files):
            st = os.lstat(os.path.join(folder, name))
            h.update(f"{os.path.relpath(os.path.join(folder, name), path)}:{st.st_size}:{st.st_mtime_ns};".encode())
    return f"folder:{h.hexdigest()}"


def run_key(cfg: ExperimentConfig) -> str | None:
    """The key of training ``cfg``: its config, its data's identity and the code; None when the data
    cannot be found (the training itself then says why)."""
    try:
        data = data_identity(cfg.data.source)
    except (DataError, OSError):
        return None
    doc = json.dumps({"config": cfg.to_dict(), "data": data, "code": CODE_VERSION}, sort_keys=True)
    return hashlib.sha256(doc.encode()).hexdigest()[:40]


class RunStore:
    """One complete run folder per key under ``root`` (private to the server's user), at most
    ``max_runs`` of them: the least recently served go first."""

    def __init__(self, root: str | Path | None = None, max_runs: int = 200):
        if not isinstance(max_runs, int) or max_runs < 1:
            raise ValueError(f"max_runs must be an integer >= 1, got {max_runs!r}")
        self.root = Path(root) if root is not None else default_store_dir()
        self.max_runs = max_runs

    def path(self, key: str) -> Path:
        if not (isinstance(key, str) and key.isalnum()):
            raise ValueError(f"a run key is a hex digest, got {key!r}")
        return self.root / key

    def get(self, key: str | None) -> Path | None:
        """The complete run stored under ``key`` (marked as just used), or None."""
        if key is None:
            return None
        path = self.path(key)
        if not _complete(path):
            return None
        try:
            os.utime(path)
        except OSError:  # removed meanwhile by another process's pruning
            return None
        return path

    def put(self, run: Run, key: str) -> Path:
        """Save ``run`` under ``key`` (atomically: a reader sees the whole run or none) and prune."""
        self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
        path = save_run(run, self.path(key))
        self.prune()
        return path

    def keys(self) -> list[str]:
        """Keys of the complete runs, most recently used first."""
        if not self.root.is_dir():
            return []
        done = [p for p in self.root.iterdir() if not p.name.startswith(".") and _complete(p)]
        return [p.name for p in sorted(done, key=_mtime, reverse=True)]

    def prune(self) -> list[Path]:
        """Remove the least recently used runs beyond ``max_runs``, and the temporary folders of
        saves whose process died (older than an hour)."""
        removed = []
        if not self.root.is_dir():
            return removed
        now = time.time()
        for p in self.root.iterdir():
            if p.name.startswith(".") and now - _mtime(p) > STALE_SECONDS:
                shutil.rmtree(p, ignore_errors=True)
                removed.append(p)
        for name in self.keys()[self.max_runs:]:
            shutil.rmtree(self.root / name, ignore_errors=True)
            removed.append(self.root / name)
        return removed


def _complete(path: Path) -> bool:
    """Whether ``path`` holds a whole run (save_run renames a finished folder into place)."""
    return all((path / name).is_file() for name in FILES)


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


LESSON_BYTES = 1 * 2**20  # a lesson file: hundreds of configs fit in a few kB each


def read_lesson(path: str | Path) -> list[ExperimentConfig]:
    """A teacher's lesson file: a JSON list of configs, each written like a run's ``config.json``
    (sections and fields left out take the defaults; ``[{}]`` is the default training)."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"the lesson file {path} does not exist")
    if path.stat().st_size > LESSON_BYTES:
        raise DataError(f"the lesson file {path} is over {LESSON_BYTES // 2**20} MB; it holds configs only")
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise DataError(f"the lesson file {path} is not JSON: {e}") from None
    if not isinstance(doc, list) or not doc:
        raise DataError(f"the lesson file {path} must hold a non-empty JSON list of configs")
    configs = []
    for i, item in enumerate(doc, 1):
        try:
            configs.append(ExperimentConfig.from_dict(item))
        except ValueError as e:
            raise DataError(f"config {i} of the lesson file: {e}") from None
    return configs


def precompute(configs: list[ExperimentConfig], store: RunStore, *, listener=None,
               say=lambda text: None) -> list[tuple[Path, bool]]:
    """Train and store every config not stored yet, one after the other in this process, so that a
    class replays them: [(run folder, trained now?)] in order."""
    from .pipeline import train_run  # TensorFlow: only when something is trained

    done = []
    for i, cfg in enumerate(configs, 1):
        key = run_key(cfg)
        if key is None:
            raise DataError(f"config {i}: its data {cfg.data.source!r} cannot be found")
        stored = store.get(key)
        if stored is not None:
            say(f"{i}/{len(configs)}: stored already")
            done.append((stored, False))
            continue
        say(f"{i}/{len(configs)}: training")
        run = train_run(cfg, listener, name=f"lesson run {i}")
        done.append((store.put(run, key), True))
        say(f"{i}/{len(configs)}: trained in {run.info.seconds:.0f} s")
    return done
