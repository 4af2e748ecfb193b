"""Figures shared by every session that asks for the same one.

A class follows the teacher: thirty students open the Gates page on the same model and the same
example at once, or press the same example button. Each figure is built once for the same builder
and arguments (its content, hashed by ``st.cache_resource``) and handed to every session asking,
read-only (``st.plotly_chart`` copies a figure before sending it). A session sees only figures of
what it asked for itself: the arguments are its own model's and text's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import plotly.graph_objects as go
import streamlit as st


@st.cache_resource(show_spinner=False, max_entries=256, ttl=600)  # a lesson's worth; typed texts age out
def _figure(name: str, args: tuple, kwargs: dict, _build: Callable[..., go.Figure]) -> go.Figure:
    return _build(*args, **kwargs)


def chart(build: Callable[..., go.Figure], *args: Any, key: str, **kwargs: Any) -> None:
    """``st.plotly_chart(build(*args, **kwargs), key=key)``, built once for the same arguments."""
    st.plotly_chart(_figure(f"{build.__module__}.{build.__qualname__}", args, kwargs, build), key=key)
