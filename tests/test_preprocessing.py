"""Cleaning: each switch, negations, the tutorial's exact output, HTML fast path, lemmas, cache, stages."""

from __future__ import annotations

import dataclasses
import functools
import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

from lstm_core import lemmatizer as wn
from lstm_core import preprocessing as pp
from lstm_core.config import DataConfig, PreprocessConfig
from lstm_core.data import load_dataset
from lstm_core.errors import DataError
from lstm_core.preprocessing import (NEGATIONS, Cleaner, Stage, cache_path, clean_corpus, clean_stages,
                                     stopword_set)

REPO = Path(__file__).resolve().parent.parent
TARBALL = REPO.parent / "shared" / "data" / "aclImdb_v1.tar.gz"
TUTORIAL = PreprocessConfig(html_as_space=False, keep_negations=False)
HAS_WORDNET = wn.find_corpus("wordnet", wn.VerbLemmatizer.FILES) is not None
HAS_STOPWORDS = wn.find_corpus("stopwords", ("english",)) is not None
needs_nltk_data = pytest.mark.skipif(not (HAS_WORDNET and HAS_STOPWORDS),
                                     reason="NLTK_DATA has no wordnet/stopwords (../shared/nltk_data)")

HTML_CASES = [
    "Great film.<br /><br />The end.",
    "great<br />film and <BR>more<br/>words",
    "<i>Italic</i> and <b>bold</b> text<p>para</p><hr>",
    "Fish &amp; chips &lt;3 &quot;quoted&quot; caf&eacute; &#233;t&#xE9;",
    "Q&A with AT&T; &unknownentity; and a lone & sign",
    "a < b and c > d, <3 love it <grin> <shakes his head> ok",
    "<!-- a comment --> visible <script>var hidden = 1;</script> after",
    "unclosed <tag at the end",
    "no markup at all, just words",
    "",
]


# ----------------------------------------------------------------------------- helpers

def _tutorial_module():
    pytest.importorskip("nltk")
    spec = importlib.util.spec_from_file_location("tutorial_reference", REPO / "bench" / "tutorial_reference.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@functools.lru_cache(maxsize=1)
def _all_real_reviews() -> tuple[str, ...]:
    """The bundled sample (drawn from the full data), else the full tarball; () if neither."""
    for source in ("bundled", str(TARBALL)):
        try:
            dataset = load_dataset(DataConfig(source=source))
        except DataError:
            continue
        return dataset.train.texts + dataset.test.texts
    return ()


def _real_reviews(n: int) -> list[str]:
    texts = _all_real_reviews()
    if len(texts) < n:
        pytest.skip("no real reviews: neither assets/imdb_sample.jsonl.gz nor ../shared/data/aclImdb_v1.tar.gz")
    return list(texts[:n])


def _soup(text: str, sep: str = "") -> str:
    bs4 = pytest.importorskip("bs4")
    return bs4.BeautifulSoup(text, "html.parser").get_text(sep)


@pytest.fixture
def no_nltk_data(tmp_path, monkeypatch):
    """NLTK's search path is an empty folder: no WordNet, no stopwords."""
    monkeypatch.setattr(wn, "nltk_search_path", lambda: [str(tmp_path)])


# ----------------------------------------------------------------------------- tutorial equality

@needs_nltk_data
def test_tutorial_mode_equals_tutorial_code_on_handwritten_html():
    ref = _tutorial_module()
    extra = ["I don't like it. It isn't good, and I can't say it won't bore you.",
             "The actors were running, had watched, and studies went nowhere.<br />No! Never."]
    for text in HTML_CASES + extra:
        assert Cleaner(TUTORIAL).clean(text) == ref.clean_text(text).split(), text


@needs_nltk_data
def test_tutorial_mode_equals_tutorial_code_on_real_reviews():
    ref = _tutorial_module()
    texts = _real_reviews(300)
    cleaner = Cleaner(TUTORIAL)
    for text in texts[:3]:  # the notebook's code itself (70 ms a review)
        assert cleaner.clean(text) == ref.clean_text(text).split()
    for text in texts:  # same output, stopword list read once
        assert cleaner.clean(text) == ref.clean_text_hoisted(text).split()


# ----------------------------------------------------------------------------- HTML

@pytest.mark.parametrize("text", HTML_CASES)
def test_strip_html_equals_beautifulsoup(text):
    assert Cleaner(TUTORIAL).strip_html(text) == _soup(text)
    # html_as_space puts a space where each tag was (whitespace may differ)
    assert Cleaner().strip_html(text).split() == _soup(text, " ").split()


def test_plain_markup_takes_the_regex_path(monkeypatch):
    def no_soup(text, sep):
        raise AssertionError("BeautifulSoup called for plain markup")

    monkeypatch.setattr(pp, "_soup_text", no_soup)
    assert Cleaner(TUTORIAL).strip_html("end.<br /><br />Next <i>one</i> Q & A") == "end.Next one Q & A"
    assert Cleaner().strip_html("end.<br />Next") == "end. Next"


def test_html_as_space_keeps_words_apart():
    text = "A great<br />film"
    assert Cleaner(TUTORIAL).clean(text) == ["greatfilm"]
    assert Cleaner(dataclasses.replace(TUTORIAL, html_as_space=True)).clean(text) == ["great", "film"]


# ----------------------------------------------------------------------------- switches

def _cfg(**changes) -> PreprocessConfig:
    return dataclasses.replace(TUTORIAL, **changes)


def test_strip_html_switch():
    assert "br" not in Cleaner(_cfg(min_word_len=2)).clean("good<br />film")
    assert Cleaner(_cfg(strip_html=False, min_word_len=2)).clean("good<br />film") == ["good", "br", "film"]


def test_letters_only_switch():
    assert Cleaner(_cfg()).clean("Good, film 10/10!") == ["good", "film"]
    assert Cleaner(_cfg(letters_only=False)).clean("Good, film 10/10!") == ["good,", "film", "10/10!"]


def test_min_word_len_switch():
    text = "an ox ate hay"
    assert Cleaner(_cfg(remove_stopwords=False, lemmatize=False)).clean(text) == ["ate", "hay"]
    assert Cleaner(_cfg(remove_stopwords=False, lemmatize=False, min_word_len=2)).clean(text) == \
        ["an", "ox", "ate", "hay"]
    assert Cleaner(_cfg(remove_stopwords=False, lemmatize=False, min_word_len=4)).clean(text) == []


def test_lowercase_switch():
    assert Cleaner(_cfg(lemmatize=False)).clean("Great FILM") == ["great", "film"]
    assert Cleaner(_cfg(lemmatize=False, lowercase=False)).clean("Great FILM") == ["Great", "FILM"]


@needs_nltk_data
def test_lemmatize_switch():
    text = "dogs watched studies running"
    assert Cleaner(_cfg()).clean(text) == ["dog", "watch", "study", "run"]
    assert Cleaner(_cfg(lemmatize=False)).clean(text) == ["dogs", "watched", "studies", "running"]


def test_remove_stopwords_switch():
    text = "the movie was about them"
    assert Cleaner(_cfg(lemmatize=False)).clean(text) == ["movie"]
    assert Cleaner(_cfg(lemmatize=False, remove_stopwords=False)).clean(text) == ["the", "movie", "was",
                                                                                    "about", "them"]


def test_stopwords_are_case_insensitive_when_case_is_kept():
    assert Cleaner(_cfg(lowercase=False, lemmatize=False)).clean("The Movie") == ["Movie"]


def test_invalid_config_is_rejected():
    with pytest.raises(ValueError, match="PreprocessConfig"):
        Cleaner({"lowercase": True})


# ----------------------------------------------------------------------------- negations

def test_keep_negations_keeps_not_and_spells_out_nt():
    c = Cleaner()
    assert c.clean("This is not good") == ["not", "good"]
    assert "not" in c.clean("I don't like it")
    assert c.clean("No. Never. But nor") == ["no", "never", "but", "nor"]
    assert c.spell_out_negations("can't, won't, Shan't, WASN'T, didn’t") == \
        "can not, will not, Shall not, WAS NOT, did not"


def test_tutorial_mode_drops_negations():
    c = Cleaner(TUTORIAL)
    assert c.clean("This is not good") == ["good"]
    assert "not" not in c.clean("I don't like it") and "don" not in c.clean("I don't like it")
    assert c.clean("No. Never. But nor") == ["never"]


def test_stopword_set_and_negations():
    assert NEGATIONS == {"not", "no", "nor", "never", "but"}
    assert not stopword_set(True) & NEGATIONS
    assert {"not", "no", "nor", "but"} <= stopword_set(False)
    assert stopword_set(False) - stopword_set(True) == {"not", "no", "nor", "but"}
    shipped = (REPO / "assets" / "stopwords_english.txt").read_text(encoding="utf-8").split()
    assert stopword_set(False) == frozenset(shipped) and len(shipped) == 179


@needs_nltk_data
def test_shipped_stopwords_equal_nltk():
    from nltk.corpus import stopwords

    shipped = (REPO / "assets" / "stopwords_english.txt").read_text(encoding="utf-8").split()
    assert shipped == stopwords.words("english")


# ----------------------------------------------------------------------------- lemmatizer

@needs_nltk_data
def test_verb_lemmatizer_equals_nltk_on_real_words():
    from nltk.stem import WordNetLemmatizer

    words = set()
    for text in _real_reviews(3000):
        found = re.findall(r"[a-zA-Z]+", text)
        words.update(w.lower() for w in found)
        words.update(found)  # case is kept when lowercase is off
    words.update(["s", "es", "ed", "ing", "ies", "was", "saw", "axes", "ties", "dying", "lied", "not", "no",
                  "nor", "never", "but", "ringing", "bored", "boring"])
    assert len(words) > 20_000
    ours, theirs = wn.VerbLemmatizer.load(), WordNetLemmatizer()
    wrong = {w: (ours.lemmatize(w), theirs.lemmatize(w, pos="v")) for w in words
             if ours.lemmatize(w) != theirs.lemmatize(w, pos="v")}
    assert not wrong


def test_verb_lemmatizer_rules_on_tiny_wordnet():
    index = "  licence line\nwatch v 1 0 1 0 01\nbe v 1 0 1 0 02\nsee v 1 0 1 0 03\nsaw v 1 0 1 0 04\n"
    lem = wn.VerbLemmatizer.from_text(index, "was be\nsaw see\n")
    assert lem.lemmatize("watches") == "watch" and lem.lemmatize("watched") == "watch"
    assert lem.lemmatize("was") == "be"
    assert lem.candidates("saw") == ["saw", "see"] and lem.lemmatize("saw") == "saw"  # first of the shortest
    assert lem.lemmatize("unknown") == "unknown"


def test_search_path_mirrors_nltk_without_importing_it(tmp_path):
    pytest.importorskip("nltk")
    code = ("import sys; from lstm_core.lemmatizer import nltk_search_path; ours = nltk_search_path(); "
            "assert 'nltk' not in sys.modules; import nltk; assert ours == nltk.data.path, (ours, nltk.data.path)")
    env = {"NLTK_DATA": f"{tmp_path}/a:{tmp_path}/b", "HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}
    subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, check=True, timeout=60)


def test_missing_wordnet_warns_and_skips_lemmas(no_nltk_data):
    c = Cleaner()
    assert any("WordNet not found" in w and "lemmatization skipped" in w for w in c.warnings)
    assert any("bundled" in w for w in c.warnings)  # stopwords from assets/
    assert c.lemmatizer is None
    assert c.clean("The dogs watched it, but not the cats") == ["dogs", "watched", "but", "not", "cats"]
    assert [s.name for s in c.stages("dogs")][-2] == "lowercased"
    assert Cleaner(PreprocessConfig(lemmatize=False, remove_stopwords=False)).warnings == []


# ----------------------------------------------------------------------------- cache

def test_clean_corpus_round_trip_without_recleaning(tmp_path, monkeypatch):
    texts = ["A great film.<br />Loved it", "", "Not good at all", "Boring, boring, boring!"]
    calls = []
    first = clean_corpus(texts, cache_dir=tmp_path, progress=lambda i, n: calls.append((i, n)))
    assert first == Cleaner().clean_many(texts) and first[1] == [] and calls[-1] == (4, 4)
    assert cache_path(texts, cache_dir=tmp_path).is_file()

    def fail(*args, **kwargs):
        raise AssertionError("cleaned again instead of reading the cache")

    monkeypatch.setattr(Cleaner, "clean_many", fail)
    calls.clear()
    assert clean_corpus(texts, cache_dir=tmp_path, progress=lambda i, n: calls.append((i, n))) == first
    assert calls == [(4, 4)]


def test_cache_key_changes_with_config_and_texts(tmp_path):
    texts = ["This is not good"]
    a = cache_path(texts, PreprocessConfig(), tmp_path)
    assert a != cache_path(texts, TUTORIAL, tmp_path)
    assert a != cache_path(["This is not bad"], PreprocessConfig(), tmp_path)
    assert a != cache_path(texts + [""], PreprocessConfig(), tmp_path)
    assert a == cache_path(list(texts), PreprocessConfig(), tmp_path)
    assert clean_corpus(texts, PreprocessConfig(), tmp_path) == [["not", "good"]]
    assert clean_corpus(texts, TUTORIAL, tmp_path) == [["good"]]


@pytest.mark.parametrize("damage", ["garbage", "truncate", "edit", "binary"])
def test_corrupt_cache_is_ignored_and_rewritten(tmp_path, damage):
    texts = ["A great film", "Not a good film at all"]
    expected = clean_corpus(texts, cache_dir=tmp_path)
    path = cache_path(texts, cache_dir=tmp_path)
    good = path.read_bytes()
    path.write_bytes({"garbage": b"hello\n", "truncate": good[: len(good) // 2],
                      "edit": good.replace(b"great", b"grand"), "binary": b"\xff\xfe\x00" + good}[damage])
    assert clean_corpus(texts, cache_dir=tmp_path) == expected
    assert path.read_bytes() == good
    assert not list(tmp_path.glob("*.tmp"))


def test_default_cache_dir_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("LSTM_LAB_CACHE", str(tmp_path / "cache"))
    assert clean_corpus(["Good film"]) == [["good", "film"]]
    assert len(list((tmp_path / "cache").glob("cleaned-*.txt"))) == 1


def test_unwritable_cache_still_returns_tokens(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    assert clean_corpus(["Good film"], cache_dir=blocker / "sub") == [["good", "film"]]


# ----------------------------------------------------------------------------- stages

def test_stages_in_order_with_removed_words():
    text = "I don't like it.<br />The film is 10/10 dull"
    stages = clean_stages(text)
    assert [s.name for s in stages] == ["raw", "HTML stripped", "negations spelled out", "letters only",
                                        "short words dropped", "lowercased + lemmatized" if HAS_WORDNET
                                        else "lowercased", "stopwords dropped"]
    by = {s.name: s for s in stages}
    assert stages[0] == Stage("raw", text, None, ())
    assert by["HTML stripped"].text == "I don't like it. The film is 10/10 dull"
    assert by["negations spelled out"].text == "I do not like it. The film is 10/10 dull"
    assert by["letters only"].removed == ("10/10",)
    assert by["letters only"].tokens == ("I", "do", "not", "like", "it", "The", "film", "is", "dull")
    assert by["short words dropped"].removed == ("I", "do", "it", "is")
    assert by["stopwords dropped"].removed == ("the",)
    assert stages[-1].tokens == tuple(Cleaner().clean(text)) == ("not", "like", "film", "dull")
    assert stages[-1].text == "not like film dull"


def test_skipped_steps_are_omitted():
    names = [s.name for s in clean_stages("<b>Hi</b>", _cfg(strip_html=False, lemmatize=False))]
    assert names == ["raw", "letters only", "short words dropped", "lowercased", "stopwords dropped"]
    off = PreprocessConfig(strip_html=False, letters_only=False, min_word_len=1, lowercase=False,
                           lemmatize=False, remove_stopwords=False, keep_negations=False)
    stages = clean_stages("Keep <b>all</b> of it", off)
    assert [s.name for s in stages] == ["raw", "words"]
    assert stages[-1].tokens == ("Keep", "<b>all</b>", "of", "it")


def test_stages_end_where_clean_ends_on_real_reviews():
    configs = [PreprocessConfig(), TUTORIAL, _cfg(letters_only=False, lowercase=False),
               PreprocessConfig(min_word_len=1, remove_stopwords=False)]
    for text in _real_reviews(60):
        for cfg in configs:
            assert clean_stages(text, cfg)[-1].tokens == tuple(Cleaner(cfg).clean(text))


def test_clean_many_reports_progress():
    calls = []
    out = Cleaner().clean_many(["good film"] * 1200, progress=lambda i, n: calls.append((i, n)))
    assert len(out) == 1200 and calls == [(500, 1200), (1000, 1200), (1200, 1200)]
    calls.clear()
    assert Cleaner().clean_many([], progress=lambda i, n: calls.append((i, n))) == [] and calls == [(0, 0)]
