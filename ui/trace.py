"""A server-side trace of what each session saw, for the classroom bench (off unless asked for).

When the environment variable ``LSTM_LAB_TRACE`` names a file, every full script run appends one
JSON line to it: the time, the Streamlit session, whether the run came with the browser's cookie,
the browser key it is bound to, where its things live (the browser's workspace or the session
itself) and its job (done, collected); binding, adoption and collection add lines of their own.
``bench/bench_classroom.py --trace`` sets it, so that a student whose page never shows a result can
be followed through the server. Tokens appear only as 8-character digests; nothing a user typed is
written. Without the variable nothing is computed or written (``ui.state._trace`` returns first).
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from typing import Any

TRACE_ENV = "LSTM_LAB_TRACE"
_PATH = os.environ.get(TRACE_ENV) or None  # read once: the server's environment does not change
_LOCK = threading.Lock()  # sessions run their scripts in threads of one process


def enabled() -> bool:
    return _PATH is not None


def digest(value: Any) -> str | None:
    """8 hex characters standing for a token (never the token itself), None for None."""
    return None if value is None else hashlib.sha256(str(value).encode()).hexdigest()[:8]


def log(event: str, **fields: Any) -> None:
    """One line ``{"t": ..., "event": event, **fields}`` in the trace file, if there is one."""
    if _PATH is None:
        return
    line = json.dumps({"t": round(time.time(), 3), "event": event, **fields}, default=str)
    with _LOCK, open(_PATH, "a", encoding="utf-8") as f:
        f.write(line + "\n")
