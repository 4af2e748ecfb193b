"""Where the bundled files are, and how every file is written: atomically.

A crash (or a full disk) while writing never leaves half a file under the real
name: each writer fills a temporary sibling, which is renamed over the target
only once complete (``os.replace`` is atomic on one file system).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ASSETS = Path(__file__).resolve().parent.parent / "assets"  # made by the scripts in scripts/


@contextmanager
def atomic_path(path: str | Path, suffix: str = "") -> Iterator[Path]:
    """A temporary sibling of ``path`` to write to; renamed over ``path`` if the block ends without
    an exception, removed otherwise. ``suffix`` ends the temporary name (``np.savez`` wants ".npz")."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=f".tmp{suffix}", dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def atomic_write_bytes(path: str | Path, data: bytes) -> Path:
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)
