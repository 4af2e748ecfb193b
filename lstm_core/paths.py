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
from .i18n import text
from .settings import Settings

REFUSED = text("en", "data_errors.path.refused")  # the English of the one message; tests compare with it
PATHS_OFF = text("en", "data_errors.path.off")


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
            raise PathRefused.keyed("data_errors.path.empty")
        if not self.enabled:
            raise PathRefused.keyed("data_errors.path.off")
        if self.local:
            path = Path(text)
            if not path.exists():
                raise PathRefused.keyed("data_errors.path.missing", path=text)
            return path.resolve()
        if "\x00" in text or not os.path.isabs(text):
            raise PathRefused.keyed("data_errors.path.refused")
        try:
            path = Path(text).resolve(strict=True)
        except (OSError, RuntimeError):  # missing, a symlink loop, a component we may not search
            raise PathRefused.keyed("data_errors.path.refused") from None
        if not any(path == root or root in path.parents for root in self.roots):
            raise PathRefused.keyed("data_errors.path.refused")
        if not os.access(path, os.R_OK):
            raise PathRefused.keyed("data_errors.path.refused")
        return path
