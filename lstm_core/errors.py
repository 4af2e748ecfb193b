"""Errors a user can cause. The CLI and the app show their message and no traceback.

An error raised with ``keyed`` carries its catalogue key and fields (``lstm_core.i18n``): its message
is the English text, and the app shows it in the reader's language (``ui.i18n.error_text``).
"""

from __future__ import annotations

from typing import Any

from lstm_core.i18n import text


class LstmLabError(ValueError):
    """Base class for mistakes in user input: bad paths, bad files, bad values."""

    key: str | None = None
    fields: dict[str, Any] = {}

    @classmethod
    def keyed(cls, key: str, /, **fields: Any) -> "LstmLabError":
        """This error with the English text of catalogue ``key`` as its message."""
        error = cls(text("en", key, **fields))
        error.key, error.fields = key, fields
        return error


class DataError(LstmLabError):
    """A data source is missing, empty, unreadable or not laid out like IMDB."""


class RunError(LstmLabError):
    """A saved run (or uploaded bundle) is missing files, corrupted or from a newer version."""
