"""Errors a user can cause. The CLI and the app show their message and no traceback.

An error raised with ``keyed`` carries its catalogue key and fields (``lstm_core.i18n``): its message
is the English text, and the app shows it in the reader's language (``ui.i18n.error_text``).
"""

from __future__ import annotations

from lstm_core.i18n import Keyed


class LstmLabError(Keyed, ValueError):
    """Base class for mistakes in user input: bad paths, bad files, bad values. ``keyed(key, **fields)``
    (``lstm_core.i18n.Keyed``) makes one whose message is the catalogue's English text."""


class DataError(LstmLabError):
    """A data source is missing, empty, unreadable or not laid out like IMDB."""


class RunError(LstmLabError):
    """A saved run (or uploaded bundle) is missing files, corrupted or from a newer version."""
