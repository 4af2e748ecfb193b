"""Errors a user can cause. The CLI and the app show their message and no traceback."""


class LstmLabError(ValueError):
    """Base class for mistakes in user input: bad paths, bad files, bad values."""


class DataError(LstmLabError):
    """A data source is missing, empty, unreadable or not laid out like IMDB."""


class RunError(LstmLabError):
    """A saved run (or uploaded bundle) is missing files, corrupted or from a newer version."""
