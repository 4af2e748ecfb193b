"""NLTK's data found without importing NLTK (``import nltk`` alone takes about a second).

Looked up like ``nltk.data.find`` does: each folder of the search path (``nltk.data.path`` when
NLTK is already imported, else the same list NLTK would build from ``NLTK_DATA`` and its default
folders), first as an extracted ``corpora/<name>/`` folder, then as ``corpora/<name>.zip``. LSTM
Lab needs none of it (its word lists ship in assets/); it is a second source, and the scripts
that make those assets read it.
"""

from __future__ import annotations

import os
import sys
import zipfile
from pathlib import Path


def nltk_search_path() -> list[str]:
    """The folders NLTK searches for data, in its order."""
    nltk = sys.modules.get("nltk")
    data = getattr(nltk, "data", None) if nltk is not None else None
    if data is not None and isinstance(getattr(data, "path", None), list):
        return [str(p) for p in data.path]
    # Mirrors the module-level ``path`` of nltk/data.py (3.10) on POSIX.
    paths = [os.path.expanduser(d) for d in os.environ.get("NLTK_DATA", "").split(os.pathsep) if d]
    if "APPENGINE_RUNTIME" not in os.environ and os.path.expanduser("~/") != "~/":
        paths.append(os.path.expanduser("~/nltk_data"))
    if sys.platform.startswith("win"):
        paths += [os.path.join(sys.prefix, "nltk_data"), os.path.join(sys.prefix, "share", "nltk_data"),
                  os.path.join(sys.prefix, "lib", "nltk_data"),
                  os.path.join(os.environ.get("APPDATA", "C:\\"), "nltk_data"),
                  r"C:\nltk_data", r"D:\nltk_data", r"E:\nltk_data"]
    else:
        paths += [os.path.join(sys.prefix, "nltk_data"), os.path.join(sys.prefix, "share", "nltk_data"),
                  os.path.join(sys.prefix, "lib", "nltk_data"), "/usr/share/nltk_data",
                  "/usr/local/share/nltk_data", "/usr/lib/nltk_data", "/usr/local/lib/nltk_data"]
    return paths


def find_corpus(name: str, members: tuple[str, ...], paths: list[str] | None = None) -> str | None:
    """Where ``corpora/<name>`` with all of ``members`` lives: a folder, or
    ``"<zip path>"`` for a zip holding ``<name>/<member>``; None if nowhere.
    ``paths`` defaults to NLTK's search path."""
    paths = nltk_search_path() if paths is None else paths
    for base in paths:
        folder = Path(base, "corpora", name)
        if all((folder / m).is_file() for m in members):
            return str(folder)
    for base in paths:
        archive = Path(base, "corpora", f"{name}.zip")
        if archive.is_file():
            try:
                with zipfile.ZipFile(archive) as zf:
                    present = set(zf.namelist())
            except (OSError, zipfile.BadZipFile):
                continue
            if all(f"{name}/{m}" in present for m in members):
                return str(archive)
    return None


def read_corpus_files(location: str, name: str, members: tuple[str, ...]) -> dict[str, str]:
    """The UTF-8 text of each member of a corpus found by :func:`find_corpus`."""
    if location.endswith(".zip"):
        with zipfile.ZipFile(location) as zf:
            return {m: zf.read(f"{name}/{m}").decode("utf-8") for m in members}
    return {m: Path(location, m).read_text(encoding="utf-8") for m in members}
