"""Home: what LSTM Lab is, a picture of the LSTM cell, where to start. No TensorFlow, works offline."""

import streamlit as st

from lstm_core.storage import ASSETS
from ui.boot import ensure_app_navigation
from ui.i18n import lang, t

CELL_PICTURE = {"en": "lstm_cell.svg", "ja": "lstm_cell.ja.svg"}  # the Japanese one: scripts/make_cell_svg_ja.py


def prose(name: str) -> str:
    return (ASSETS / "prose" / lang() / f"{name}.md").read_text(encoding="utf-8")


ensure_app_navigation()
st.title("LSTM Lab")
st.subheader(t("home.subtitle"))

left, right = st.columns([5, 6], gap="large")
with left:
    st.markdown(prose("home"))
    st.markdown(t("home.where_to_start"))
    st.markdown(prose("start"))
    for page, icon in (("why_lstm", ":material/psychology:"), ("data", ":material/article:"),
                       ("train", ":material/model_training:"), ("gates", ":material/tune:"),
                       ("compare", ":material/compare_arrows:")):
        st.page_link(f"pages/{page}.py", label=t(f"home.link.{page}"), icon=icon)
with right:
    st.image(str(ASSETS / CELL_PICTURE[lang()]), caption=t("home.cell_caption"), width="stretch")
    with st.expander(t("home.formulas"), expanded=False):
        st.markdown(prose("lstm_cell"))
