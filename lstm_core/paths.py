"""Which typed paths the app may open: the one check between a text box and the server's disk.

On a server (``lstm_core.settings``) a student's path is used only if, once
resolved, it lies under one of the teacher's ``data_roots``: no ``~`` or
``$VAR`` expansion (the text is the path), ``..`` and symlinks resolved before
the check, so neither leads out of a root. Whatever the reason a path is
refused — not allowed, missing, unreadable — the message is the same one, so
that the answer tells nothing about the server's files. On one's own laptop
("local" mode) any readable path is allowed and a missing one is named.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from .errors import DataError
from .settings import Settings

REFUSED = ("this path cannot be used here: it is outside the folders this server allows, does not "
           "exist, or cannot be read")
PATHS_OFF = ("reading files by path is turned off on this server; use the bundled data, or ask the "
             "teacher to allow a folder (data_roots in lab_settings.toml)")


class PathRefused(DataError):
    """A typed path the app will not open (the message never says which check failed)."""


@dataclass(frozen=True)
class PathPolicy:
    local: bool
    roots: tuple[Path, ...] = ()  # resolved folders; only used when not local

    @classmethod
    def from_settings(cls, settings: Settings, server_address: str | None) -> "PathPolicy":
        roots = []
        for root in settings.data_roots:
            try:
                roots.append(Path(root).resolve(strict=True))
            except (OSError, RuntimeError):
                continue  # a root that does not exist allows nothing
        return cls(settings.is_local(server_address), tuple(roots))

    @property
    def enabled(self) -> bool:
        """Whether typed paths can be used at all (the pages hide the path boxes otherwise)."""
        return self.local or bool(self.roots)

    def resolve(self, text: str) -> Path:
        """The resolved path ``text`` names, if this policy allows it; :class:`PathRefused` if not."""
        text = text.strip()
        if not text:
            raise PathRefused("the path is empty")
        if not self.enabled:
            raise PathRefused(PATHS_OFF)
        if self.local:
            path = Path(text)
            if not path.exists():
                raise PathRefused(f"{text} does not exist")
            return path.resolve()
        if "\x00" in text or not os.path.isabs(text):
            raise PathRefused(REFUSED)
        try:
            path = Path(text).resolve(strict=True)
        except (OSError, RuntimeError):  # missing, a symlink loop, a component we may not search
            raise PathRefused(REFUSED) from None
        if not any(path == root or root in path.parents for root in self.roots):
            raise PathRefused(REFUSED)
        if not os.access(path, os.R_OK):
            raise PathRefused(REFUSED)
        return path
