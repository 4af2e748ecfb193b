"""Home: what LSTM Lab is, a picture of the LSTM cell, where to start. No TensorFlow, works offline."""

import streamlit as st

from lstm_core.storage import ASSETS
from ui.boot import ensure_app_navigation


def prose(name: str) -> str:
    return (ASSETS / "prose" / f"{name}.md").read_text(encoding="utf-8")


ensure_app_navigation()
st.title("LSTM Lab")
st.subheader("Train a small LSTM to read movie reviews, and watch it learn")

left, right = st.columns([5, 6], gap="large")
with left:
    st.markdown(prose("home"))
    st.markdown("#### Where to start")
    st.markdown(prose("start"))
    for path, label, icon in (("pages/why_lstm.py", "Why an LSTM, measured", ":material/psychology:"),
                              ("pages/data.py", "Look at the data", ":material/article:"),
                              ("pages/train.py", "Train a model", ":material/model_training:"),
                              ("pages/gates.py", "Read the gates", ":material/tune:"),
                              ("pages/compare.py", "Random against word2vec", ":material/compare_arrows:")):
        st.page_link(path, label=label, icon=icon)
with right:
    st.image(str(ASSETS / "lstm_cell.svg"), caption="One LSTM cell reading word x at step t",
             width="stretch")
    with st.expander("The four gates, in formulas", expanded=False):
        st.markdown(prose("lstm_cell"))
