"""Figures shared by every session that asks for the same one.

A class follows the teacher: thirty students open the Gates page on the same model and the same
example at once, or press the same example button. Each figure is built once for the same builder
and arguments and handed to every session asking, read-only. A session sees only figures of what it
asked for itself: the key is a digest of the arguments, its own model's and text's.

Two costs of a page run are paid once per figure here instead of once per run (a Gates page run was
52 ms of server CPU, 18 ms of it these; bench/bench_classroom.py): Streamlit's hash of the arguments
(0.3-0.9 ms a figure; ``digest`` does it in a tenth) and ``st.plotly_chart``'s ``figure.to_dict()``,
a deep copy with every array base64-encoded (1.2-2.4 ms a figure; ``share`` makes it once).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import plotly.graph_objects as go
import streamlit as st


class SharedFigure(go.Figure):
    """A finished figure whose ``to_dict()`` is made once and then returned as is, to be read only.

    ``st.plotly_chart`` serialises ``to_dict()`` and only reads it (it pops trace ``uid``s, which our
    builders never set). ``share`` turns a builder's new figure into one; nothing may change it after."""

    _shared: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return self._shared


def share(figure: go.Figure) -> SharedFigure:
    """``figure`` itself, now a ``SharedFigure`` (its class swapped: a copy would cost as much as the
    build). Only for a figure nobody else holds: a builder's return value."""
    if type(figure) is not go.Figure:
        raise TypeError(f"share: figure must be a plotly go.Figure, got {type(figure).__name__}")
    shared = figure.to_dict()
    figure.__class__ = SharedFigure
    figure._shared = shared
    return figure


def digest(value: Any) -> str:
    """A content digest of plotting arguments: str, bytes, numbers, bool, None, lists, tuples, dicts
    and NumPy arrays (dtype, shape and bytes), nested. Anything else is a ``TypeError``, never a guess."""
    h = hashlib.blake2b(digest_size=20)
    _feed(h, value)
    return h.hexdigest()


def _feed(h: Any, value: Any) -> None:
    if isinstance(value, str):
        data = value.encode("utf-8", "surrogatepass")
        h.update(b"s%d:" % len(data)), h.update(data)
    elif isinstance(value, (bool, np.bool_)) or value is None:
        h.update(b"c" + repr(value if value is None else bool(value)).encode())
    elif isinstance(value, (int, np.integer)):
        h.update(b"i%d;" % int(value))
    elif isinstance(value, (float, np.floating)):
        h.update(b"f" + (repr(float(value)) if not math.isnan(value) else "nan").encode() + b";")
    elif isinstance(value, bytes):
        h.update(b"b%d:" % len(value)), h.update(value)
    elif isinstance(value, np.ndarray):
        if value.dtype == object:
            raise TypeError("digest: an object array has no content digest; pass a list")
        h.update(f"a{value.dtype.str}{value.shape}:".encode()), h.update(np.ascontiguousarray(value).data)
    elif isinstance(value, (list, tuple)) and value and all(type(item) is float for item in value):
        h.update(b"F" if isinstance(value, list) else b"T")  # a curve: its floats at once (a live chart's 2,400)
        h.update(b"%d[" % len(value)), h.update(np.array(value, dtype=np.float64).data)
    elif isinstance(value, (list, tuple)):
        h.update(b"l" if isinstance(value, list) else b"t")
        h.update(b"%d[" % len(value))
        for item in value:
            _feed(h, item)
    elif isinstance(value, dict):
        h.update(b"d%d{" % len(value))
        for k, item in value.items():  # in order: a builder draws its panels in the dict's order
            _feed(h, k), _feed(h, item)
    else:
        raise TypeError(f"digest: cannot take a content digest of {type(value).__name__!r}")


@st.cache_resource(show_spinner=False, max_entries=256, ttl=600)  # a lesson's worth; typed texts age out
def _figure(*, name: str, key: str, _build: Callable[..., go.Figure], _args: tuple,
            _kwargs: dict) -> SharedFigure:
    return share(_build(*_args, **_kwargs))


def chart(build: Callable[..., go.Figure], *args: Any, key: str, **kwargs: Any) -> None:
    """``st.plotly_chart(build(*args, **kwargs), key=key)``, built once for the same arguments."""
    name = f"{build.__module__}.{build.__qualname__}"
    figure = _figure(name=name, key=digest((args, kwargs)), _build=build, _args=args, _kwargs=kwargs)
    st.plotly_chart(figure, key=key)  # keywords: no signature lookup per argument (ui.readings)
