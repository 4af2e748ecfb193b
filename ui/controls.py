"""Widgets bound to one field of the session's ExperimentConfig.

Streamlit forgets a widget's value when its page is left; these widgets take
their value from the config at every run and write it back through
``ExperimentConfig.replace`` when changed, so a setting survives page changes,
presets are one ``set_config`` away, and an invalid value is refused with the
config's own message (the config keeps its previous value).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import streamlit as st

from ui import lesson, state
from ui.format import plain
from ui.i18n import t


def _key(field: str) -> str:
    return f"cfg:{field}"


def value(field: str) -> Any:
    section, name = field.split(".")
    return getattr(getattr(state.config(), section), name)


def _apply(field: str, from_widget: Callable[[Any], Any]) -> None:
    section, name = field.split(".")
    state.update_config(**{section: {name: from_widget(st.session_state[_key(field)])}})


def bound(widget: Callable[..., Any], label: str, field: str, *,
          to_widget: Callable[[Any], Any] = lambda v: v, from_widget: Callable[[Any], Any] = lambda v: v,
          **kwargs: Any) -> Any:
    """``widget(label, **kwargs)`` showing and editing config field ``field`` ("model.units"); not drawn
    when a lesson link hides the field, drawn disabled when it locks it (``ui.lesson``)."""
    if lesson.hidden(field):
        return value(field)
    st.session_state[_key(field)] = to_widget(value(field))
    if lesson.locked(field):
        kwargs = {**kwargs, "disabled": True, "help": t("config.locked")}
    return widget(label, key=_key(field), on_change=_apply, args=(field, from_widget), **kwargs)


def choices(field: str, options: Sequence[Any]) -> list[Any]:
    """``options`` plus the field's current value (a preset or an uploaded run may use another)."""
    current = value(field)
    return sorted(set(options) | {current}) if current is not None else list(options)


def slider(label: str, field: str, lo: int | float, hi: int | float, step: int | float, *,
           to_widget: Callable[[Any], Any] = lambda v: v, **kwargs: Any) -> Any:
    """A slider whose range also holds the field's current value."""
    v = to_widget(value(field))
    return bound(st.slider, label, field, min_value=min(lo, v), max_value=max(hi, v), step=step,
                 to_widget=to_widget, **kwargs)


def steps(label: str, field: str, options: Sequence[Any], fmt: Callable[[Any], str] = str, **kwargs: Any) -> Any:
    """A select_slider over ``options`` (log-spaced values such as learning rates)."""
    return bound(st.select_slider, label, field, options=choices(field, options), format_func=fmt, **kwargs)


def select(label: str, field: str, options: Sequence[Any], fmt: Callable[[Any], str] = str, *,
           radio: bool = False, **kwargs: Any) -> Any:
    widget = st.radio if radio else st.selectbox
    return bound(widget, label, field, options=list(options), format_func=fmt, **kwargs)


def toggle(label: str, field: str, **kwargs: Any) -> Any:
    return bound(st.toggle, label, field, **kwargs)


def number(label: str, field: str, lo: int, hi: int, **kwargs: Any) -> Any:
    return bound(st.number_input, label, field, min_value=lo, max_value=hi, step=1, **kwargs)


def show_config_error() -> None:
    """The message of the last refused setting, if any (in the reader's language)."""
    message = state.config_error()
    if message:
        st.error(t("config.not_applied", message=plain(message)))
