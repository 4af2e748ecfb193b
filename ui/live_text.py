"""Update as one types: a text area commits its text 0.5 s after the last keystroke, not only on Ctrl+Enter.

Streamlit's text area sends its value on Ctrl+Enter or when it loses focus. This small component (our
own JavaScript, no data of the user in it, nothing fetched) listens for typing in the text area with
the given label and, once the typing pauses for ``delay_ms``, presses Ctrl+Enter for it: the widget
commits what is in the box, exactly as if the user had pressed the keys, and keeps its focus.
"""

from __future__ import annotations

import streamlit as st

DELAY_MS = 500  # after the last keystroke; with the page's ~0.5 s redraw the page follows within ~1 s

_JS = """
export default function (component) {
  const { data } = component;
  const state = window.__labLiveText || (window.__labLiveText = { labels: {}, timers: {} });
  state.labels[data.label] = data.delay;
  if (state.installed) return;
  state.installed = true;
  document.addEventListener("input", (event) => {
    const box = event.target;
    if (!(box instanceof HTMLTextAreaElement)) return;
    const label = box.getAttribute("aria-label");
    if (!(label in state.labels)) return;
    clearTimeout(state.timers[label]);
    state.timers[label] = setTimeout(() => {
      box.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", code: "Enter", keyCode: 13, which: 13,
                                                      ctrlKey: true, bubbles: true, cancelable: true }));
    }, state.labels[label]);
  }, true);
}
"""

_component = st.components.v2.component("lstm_lab_live_text", js=_JS)


def commit_while_typing(label: str, delay_ms: int = DELAY_MS) -> None:
    """Make the text area labelled ``label`` on this page commit ``delay_ms`` after typing pauses."""
    _component(data={"label": label, "delay": int(delay_ms)}, key=f"live_text_{label}")
