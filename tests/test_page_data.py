"""The Data page in Japanese (``?lang=ja``) and in English: every text it shows is in the reader's
language except the reviews, their ids and tokens (what the model reads stays English); a bad path
is refused in Japanese; the stage cards are titled and counted in the page's language."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from helpers import TINY, english_left, shown_texts, texts
from streamlit.testing.v1 import AppTest

from lstm_core.config import PreprocessConfig
from lstm_core.preprocessing import clean_stages
from ui.stages import stages_html

pytestmark = pytest.mark.usefixtures("app_navigation")  # conftest: pages run inside app.py's navigation

APP = str(Path(__file__).resolve().parent.parent / "app.py")
REVIEW_IDS = {"train", "test", "pos", "neg"}  # the parts of a review's id ("train/pos/123_9"), shown as they are
FILE_NAME = {"aclImdb", "tar"}  # the path box's placeholder, a file name: …/aclImdb_v1.tar.gz
_CARD_TEXT = re.compile(r"<h4>(.*?)</h4><div class=\"lab-count\">(.*?)</div>|class=\"lab-legend\">(.*?)</div>")


def data_page(lang: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    at.session_state["lab_config"] = TINY
    if lang:
        at.query_params["lang"] = lang
    at.run()
    at.switch_page("pages/data.py").run()
    assert not at.exception, at.exception
    return at


def card_texts(at: AppTest) -> list[str]:
    """The stage cards' titles, count lines and legend (not the review inside them)."""
    (stages,) = at.get("html")
    found = [part for match in _CARD_TEXT.findall(stages.proto.body) for part in match if part]
    return [html.unescape(re.sub(r"<[^>]+>", " ", part)) for part in found]


def test_the_data_page_in_japanese_shows_no_english():
    at = data_page("ja")
    assert "データ" in [title.value for title in at.title]
    assert english_left(shown_texts(at.main), allowed=REVIEW_IDS) == []
    cards = card_texts(at)
    assert "元のテキスト" in cards and "トークンID" in cards and "20 にパディング" in cards
    assert english_left(cards) == []
    charts = " ".join(shown_texts(at.main))
    assert "ネガティブ" in charts and "レビュー数" in charts  # the figures are drawn in Japanese too


def test_a_bad_path_is_refused_in_japanese_and_the_data_kept(tmp_path):
    at = data_page("ja")
    at.radio[0].set_value("full").run()
    missing = tmp_path / "does-not-exist"
    at.text_input[0].input(str(missing)).run()
    at.button(key="use_data").click().run()
    assert not at.exception
    error = texts(at.error)
    assert error.startswith("このデータは使えません") and f"{missing} は存在しません" in error
    assert "does not exist" not in error and "cannot be used" not in error
    assert at.session_state["lab_config"].data.source == "bundled"
    assert len(at.get("plotly_chart")) == 2  # the previous data still shows


def test_a_source_that_went_away_is_described_in_japanese(tmp_path):
    at = AppTest.from_file(APP, default_timeout=90)
    at.session_state["lab_config"] = TINY.replace(data={"source": str(tmp_path / "gone")})
    at.query_params["lang"] = "ja"
    at.run()
    at.switch_page("pages/data.py").run()
    assert not at.exception
    assert "レビューを読み込めません" in texts(at.error) and "は存在しません" in texts(at.error)
    assert "使えません" in texts(at.caption)  # describe_source: "Not usable: …" in Japanese


def test_the_data_page_still_renders_in_english():
    at = data_page()
    assert "Data" in [title.value for title in at.title] and not at.exception
    assert "40 training and 40 test reviews" in texts(at.caption)
    cards = card_texts(at)
    assert "raw" in cards and "token ids" in cards and "padded to 20" in cards
    assert [r.label for r in at.radio] == ["Data source"]


def test_stage_cards_follow_the_language_and_keep_the_review():
    stages = clean_stages("I don't <br />like it. Great film!", PreprocessConfig())
    words = list(stages[-1].tokens)
    ids = [2] * len(words)
    ja = stages_html(stages, ids, ids + [0, 0], words=words, max_len=len(words) + 2, keep="end", lang="ja")
    en = stages_html(stages, ids, ids + [0, 0], words=words, max_len=len(words) + 2, keep="end")
    assert "タグを除去" in ja and "否定の短縮形を展開" in ja and "パディングの 0 が 2 個" in ja
    assert ">HTML stripped<" in en and "2 padding zeros" in en and "removed by this step" in en
    assert "Great film" in ja and "great" in ja  # the review and its tokens as the model reads them


def test_on_a_server_the_page_says_in_japanese_which_paths_it_allows(server_settings, tmp_path):
    server_settings()  # no data_roots: no path box at all
    assert "先生が `lab_settings.toml` でフォルダを許可できます" in texts(data_page("ja").caption)
    server_settings(f'data_roots = ["{tmp_path}"]\n')
    at = data_page("ja")
    at.radio[0].set_value("folder").run()
    assert "次のフォルダの下にあるパスを使えます" in texts(at.caption)
    at.text_input[0].input("/etc/shadow").run()
    at.button(key="use_data").click().run()
    assert "このパスはここでは使えません" in texts(at.error) and "cannot be used" not in texts(at.error)
    path_words = set(re.findall(r"[A-Za-z0-9]+", str(tmp_path))) | FILE_NAME  # the teacher's folder, the placeholder
    assert english_left(shown_texts(at.main), allowed=REVIEW_IDS | path_words) == []


def test_without_wordnet_the_switch_and_the_warning_say_why_in_japanese(tmp_path, monkeypatch):
    from lstm_core import lemmatizer, nltk_data

    monkeypatch.setattr(lemmatizer, "WORDNET_ASSET", tmp_path / "gone" / "wordnet_verbs.txt")
    monkeypatch.setattr(nltk_data, "nltk_search_path", lambda: [str(tmp_path)])
    at = AppTest.from_file(APP, default_timeout=90)
    at.session_state["lab_config"] = TINY.replace(data={"per_class": 18})  # not a cached summary
    at.query_params["lang"] = "ja"
    at.run()
    at.switch_page("pages/data.py").run()
    assert not at.exception
    toggle = at.toggle(key="cfg:preprocess.lemmatize")
    assert toggle.proto.disabled and toggle.proto.help.startswith("オフ: このマシンには WordNet の動詞リストがありません")
    assert texts(at.warning).startswith("見出し語化はオフです")
    assert "小文字化" in card_texts(at) and "見出し語化" not in " ".join(card_texts(at))
