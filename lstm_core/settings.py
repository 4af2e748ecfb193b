"""The teacher's settings for a server: one TOML file, trusted, read at start-up.

Who is trusted: the person who starts the server and writes this file. Who is
not: anyone who opens the app's URL. So everything a student could use to reach
the server's files is off unless this file turns it on.

The file is ``lab_settings.toml`` beside ``app.py``, or the path in the
environment variable ``LSTM_LAB_SETTINGS``; without one every default below
holds. ``lab_settings.toml`` in the repository documents every key.

Mode. ``"local"``: one person's own laptop; typed paths (the Data page's full
dataset, the Compare page's vector file) may name any file the user can read.
``"server"``: typed paths are refused unless they lie under one of
``data_roots``. ``"auto"`` (the default) is "local" exactly when the Streamlit
server listens on a loopback address only (``server.address`` ``localhost`` or
``127.x``, as ``.streamlit/config.toml`` sets it), where nobody else can reach
it, and "server" otherwise (``--server.address 0.0.0.0`` for a class). A server
behind a reverse proxy on the same machine listens on loopback too: set
``mode = "server"`` there.

A class. ``[workers]`` sizes the training processes (:mod:`lstm_core.workers`) and the queue
(:mod:`lstm_core.jobs`); ``idle_minutes`` is how long a student's work is kept after their
last visit; ``teacher_password`` opens the teacher's view (the queue, a Cancel for any job). The
password is stored as written, so keep this file readable by the teacher only (``chmod 600``); it
is compared in constant time (:meth:`Settings.is_teacher`) and an empty one keeps the view closed.

A mistake in the file is a :class:`SettingsError` naming the file and the key; it carries its catalogue key
(``settings.*``, every text with the file's name as ``{source}``) so the app shows it in the reader's language.
"""

from __future__ import annotations

import dataclasses
import hmac
import ipaddress
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from .errors import LstmLabError
from .limits import LIMITS, Limits

SETTINGS_ENV = "LSTM_LAB_SETTINGS"
DEFAULT_FILE = Path(__file__).resolve().parent.parent / "lab_settings.toml"
MODES = ("auto", "local", "server")
SOURCE = "settings"  # the file's name in a message when the settings were not read from a file


class SettingsError(LstmLabError):
    """The settings file is not valid (a teacher's mistake: shown at start-up, with the key)."""


def _error(key: str, /, **fields: object) -> SettingsError:
    return SettingsError.keyed(f"settings.{key}", **{"source": SOURCE, **fields})


@dataclass(frozen=True)
class WorkerSettings:
    """The training processes and the queue (``[workers]`` in the file)."""

    # Training processes; 0 sizes the pool to the machine (lstm_core.workers.machine_pool: on 2
    # cores 1 process, so the Streamlit server keeps a core for the pages).
    processes: int = 0
    # TensorFlow's CPU threads in each process; 0: the machine's cores minus one, shared.
    threads: int = 0
    # Jobs waiting for a process: a whole class (30) each with one, and room to spare.
    queue_size: int = 40
    # One job's wall time: it is stopped (keeping what it trained) after this, and its process
    # replaced if it does not stop within a minute. The estimate refused before queueing is
    # [caps] job_minutes; this bounds what the estimate missed.
    wall_minutes: float = 60.0
    # A process is replaced after this many jobs, so that whatever TensorFlow keeps between
    # trainings (graphs, allocator pools) cannot grow the server's memory without bound.
    jobs_per_process: int = 25
    # Finished trainings kept for replay (lstm_core.run_store); the least recently used beyond.
    stored_runs: int = 200

    def __post_init__(self) -> None:
        for name, low in (("processes", 0), ("threads", 0), ("queue_size", 1), ("jobs_per_process", 1),
                          ("stored_runs", 1)):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= 1024 * 1024:
                raise _error("worker_int", key=f"workers.{name}", low=low, value=value)
        w = self.wall_minutes
        if not isinstance(w, (int, float)) or isinstance(w, bool) or not w > 0:
            raise _error("positive", key="workers.wall_minutes", value=w)


@dataclass(frozen=True)
class Settings:
    mode: str = "auto"
    # Folders under which typed paths are allowed in server mode; none by default.
    data_roots: tuple[str, ...] = ()
    limits: Limits = field(default_factory=lambda: LIMITS)
    workers: WorkerSettings = field(default_factory=WorkerSettings)
    # A student's runs and uploads are removed this long after their last visit.
    idle_minutes: float = 60.0
    # Opens the teacher's view; empty keeps it closed. Never shown (repr=False), never logged.
    teacher_password: str = field(default="", repr=False)

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise _error("mode", modes=", ".join(MODES), value=self.mode)
        if not all(isinstance(r, str) and os.path.isabs(r) for r in self.data_roots):
            raise _error("data_roots", value=list(self.data_roots))
        i = self.idle_minutes
        if not isinstance(i, (int, float)) or isinstance(i, bool) or not i > 0:
            raise _error("positive", key="idle_minutes", value=i)
        if not isinstance(self.teacher_password, str):
            raise _error("password")

    def is_teacher(self, given: object) -> bool:
        """Whether ``given`` is the teacher's password: compared in constant time, never true while
        the file sets none."""
        if not self.teacher_password or not isinstance(given, str):
            return False
        return hmac.compare_digest(given.encode("utf-8"), self.teacher_password.encode("utf-8"))

    def is_local(self, server_address: str | None) -> bool:
        """Whether typed paths are unrestricted: the mode, or for "auto" the listening address."""
        if self.mode != "auto":
            return self.mode == "local"
        return is_loopback(server_address)


def is_loopback(address: str | None) -> bool:
    if not address:
        return False  # Streamlit's default: every interface
    if address.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(address.strip("[]")).is_loopback
    except ValueError:
        return False


# [caps] key in the file -> (Limits field, factor to the field's unit)
_CAPS = {"upload_mb": ("upload_bytes", 2**20), "job_minutes": ("job_seconds", 60),
         "job_memory_gb": ("job_memory_bytes", 2**30), "job_epochs": ("job_epochs", 1),
         "job_reviews": ("job_reviews", 1), "vocab_words": ("vocab_words", 1),
         "model_parameters": ("model_parameters", 1)}


def parse_settings(text: str, source: str = SOURCE) -> Settings:
    """Settings from the TOML text of a settings file; SettingsError names the bad key."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise _error("not_toml", source=source, problem=str(e)) from None
    unknown = set(doc) - {"mode", "data_roots", "caps", "workers", "idle_minutes", "teacher_password"}
    if unknown:
        raise _error("unknown_keys", source=source, unknown=sorted(unknown),
                     known="mode, data_roots, idle_minutes, teacher_password, [caps], [workers]")
    caps = doc.get("caps", {})
    bad = set(caps) - set(_CAPS) if isinstance(caps, dict) else {"caps"}
    if bad:
        raise _error("unknown_table_keys", source=source, table="caps", unknown=sorted(bad), known=", ".join(_CAPS))
    changes = {}
    for key, value in caps.items():
        name, factor = _CAPS[key]
        if not isinstance(value, (int, float)) or isinstance(value, bool) or value <= 0:
            raise _error("positive", source=source, key=f"caps.{key}", value=value)
        changes[name] = type(getattr(LIMITS, name))(value * factor)
    roots = doc.get("data_roots", [])
    if not isinstance(roots, list):
        raise _error("roots_list", source=source, value=roots)
    workers = doc.get("workers", {})
    known = {f.name for f in dataclasses.fields(WorkerSettings)}
    bad = set(workers) - known if isinstance(workers, dict) else {"workers"}
    if bad:
        raise _error("unknown_table_keys", source=source, table="workers", unknown=sorted(bad),
                     known=", ".join(sorted(known)))
    try:
        return Settings(mode=doc.get("mode", "auto"), data_roots=tuple(roots),
                        limits=dataclasses.replace(LIMITS, **changes), workers=WorkerSettings(**workers),
                        idle_minutes=doc.get("idle_minutes", 60.0),
                        teacher_password=doc.get("teacher_password", ""))
    except SettingsError as e:  # the same mistake, now naming the file
        raise _error(e.key.removeprefix("settings."), **{**e.fields, "source": source}) from None


def load_settings() -> Settings:
    """The settings file named by $LSTM_LAB_SETTINGS, else ``lab_settings.toml``, else defaults."""
    named = os.environ.get(SETTINGS_ENV, "").strip()
    path = Path(named) if named else DEFAULT_FILE
    if not path.is_file():
        if named:
            raise _error("not_a_file", variable=SETTINGS_ENV, path=str(path))
        return Settings()
    return parse_settings(path.read_text(encoding="utf-8"), path.name)
