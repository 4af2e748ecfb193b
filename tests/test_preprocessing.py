"""Cleaning: each switch, negations, the tutorial's exact output, HTML fast path, lemmas, recipes, cache, stages.

Nothing here needs NLTK data. The tests that compare with NLTK itself (the tutorial's own code, the
bundled verb table and stopword list against NLTK's) look for it on NLTK's search path and in
``../shared/nltk_data``, and are skipped with that reason when neither has it.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from lstm_core import lemmatizer as wn
from lstm_core import nltk_data as nd
from lstm_core import preprocessing as pp
from lstm_core.config import DataConfig, ExperimentConfig, PreprocessConfig
from lstm_core.data import load_dataset
from lstm_core.errors import DataError, RunError
from lstm_core.preprocessing import (LEGACY_LEMMAS, LEGACY_STOPWORDS, NEGATIONS, NO_STOPWORDS, NO_WORDNET,
                                     Cleaner, CleaningRecipe, DataUsed, Stage, clean_stages, data_digest,
                                     lemmatization_available, stopword_set)
from lstm_core.corpus_cache import cache_path, clean_corpus, prune
from lstm_core.runs import RunInfo
from lstm_core.vocabulary import Vocabulary

REPO = Path(__file__).resolve().parent.parent
TARBALL = REPO.parent / "shared" / "data" / "aclImdb_v1.tar.gz"
TUTORIAL = PreprocessConfig(html_as_space=False, keep_negations=False)
SHARED_NLTK_DATA = REPO.parent / "shared" / "nltk_data"
_NLTK_FOLDERS = nd.nltk_search_path() + ([str(SHARED_NLTK_DATA)] if SHARED_NLTK_DATA.is_dir() else [])
NLTK_WORDNET = nd.find_corpus("wordnet", wn.VerbLemmatizer.FILES + ("LICENSE",), _NLTK_FOLDERS)
NLTK_STOPWORDS = nd.find_corpus("stopwords", ("english",), _NLTK_FOLDERS)
needs_nltk_data = pytest.mark.skipif(
    not (NLTK_WORDNET and NLTK_STOPWORDS),
    reason="no NLTK data to compare with: neither NLTK_DATA nor ../shared/nltk_data has corpora/wordnet "
           "and corpora/stopwords (LSTM Lab itself needs neither)")

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
    from bench import (
        tutorial_reference,  # the tutorial's own cleaning, kept beside the benchmarks
    )

    return tutorial_reference


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
    monkeypatch.setattr(nd, "nltk_search_path", lambda: [str(tmp_path)])


@pytest.fixture
def no_bundled_data(tmp_path, monkeypatch):
    """The bundled verb table and stopword list are gone (NLTK's data, if any, stays)."""
    monkeypatch.setattr(wn, "WORDNET_ASSET", tmp_path / "gone" / "wordnet_verbs.txt")
    monkeypatch.setattr(pp, "STOPWORDS_ASSET", tmp_path / "gone" / "stopwords_english.txt")


@pytest.fixture
def nltk_data(monkeypatch):
    """NLTK imported, its search path extended by ../shared/nltk_data: NLTK itself, to compare with."""
    nltk = pytest.importorskip("nltk")
    monkeypatch.setattr(nltk.data, "path", [*nltk.data.path, *_NLTK_FOLDERS])
    return nltk


# ----------------------------------------------------------------------------- tutorial equality

@needs_nltk_data
def test_tutorial_mode_equals_tutorial_code_on_handwritten_html(nltk_data):
    ref = _tutorial_module()
    extra = ["I don't like it. It isn't good, and I can't say it won't bore you.",
             "The actors were running, had watched, and studies went nowhere.<br />No! Never."]
    for text in HTML_CASES + extra:
        assert Cleaner(TUTORIAL).clean(text) == ref.clean_text(text).split(), text


@needs_nltk_data
def test_tutorial_mode_equals_tutorial_code_on_real_reviews(nltk_data):
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
def test_shipped_stopwords_equal_nltk(nltk_data):
    from nltk.corpus import stopwords

    shipped = (REPO / "assets" / "stopwords_english.txt").read_text(encoding="utf-8").split()
    assert shipped == stopwords.words("english")


# ----------------------------------------------------------------------------- lemmatizer

EDGE_WORDS = ["s", "es", "ed", "ing", "ies", "was", "saw", "axes", "ties", "dying", "lied", "not", "no", "nor",
              "never", "but", "ringing", "bored", "boring", "acting", "loved", "thinking", "Watched", "RUNNING"]


@functools.lru_cache(maxsize=1)
def _bundled_review_words() -> frozenset[str]:
    """Every distinct letters-only word of the 10,000 bundled reviews, as written and lowercased."""
    dataset = load_dataset(DataConfig())
    words: set[str] = set()
    for text in dataset.train.texts + dataset.test.texts:
        found = re.findall(r"[a-zA-Z]+", text)
        words.update(found)  # case is kept when lowercase is off
        words.update(w.lower() for w in found)
    return frozenset(words)


@needs_nltk_data
def test_bundled_verb_table_equals_nltk_on_every_word_of_the_bundled_reviews(nltk_data):
    from nltk.stem import WordNetLemmatizer

    words = _bundled_review_words() | set(EDGE_WORDS)
    assert len(words) > 60_000
    bundled, from_nltk, theirs = wn.VerbLemmatizer.bundled(), wn.VerbLemmatizer.load(NLTK_WORDNET), WordNetLemmatizer()
    assert (bundled.source, from_nltk.source) == ("bundled", "nltk")
    assert bundled.digest == from_nltk.digest and bundled.version == from_nltk.version == "3.0"
    wrong = {w: (bundled.lemmatize(w), from_nltk.lemmatize(w), theirs.lemmatize(w, pos="v")) for w in words
             if not bundled.lemmatize(w) == from_nltk.lemmatize(w) == theirs.lemmatize(w, pos="v")}
    assert not wrong
    assert sum(bundled.lemmatize(w) != w for w in words) > 5_000  # the comparison has lemmas in it


@needs_nltk_data
def test_wordnet_asset_is_reproduced_byte_for_byte_from_nltk_wordnet():
    texts = nd.read_corpus_files(NLTK_WORDNET, "wordnet", wn.VerbLemmatizer.FILES + ("LICENSE",))
    lem = wn.VerbLemmatizer.from_wordnet(texts["index.verb"], texts["verb.exc"])
    assert lem.to_asset(texts["LICENSE"]).encode("utf-8") == wn.WORDNET_ASSET.read_bytes()
    script = [sys.executable, "scripts/make_wordnet_verbs.py", "--check", str(Path(NLTK_WORDNET).parents[1])]
    done = subprocess.run(script, cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "reproduced byte for byte" in done.stdout, done.stdout + done.stderr


def test_bundled_table_carries_the_licence_and_the_digests_runs_record():
    text = wn.WORDNET_ASSET.read_text(encoding="utf-8")
    header = text[: text.index(f"\n{wn.VERBS}\n")]
    assert "WordNet 3.0 Copyright 2006 by Princeton University.  All rights reserved." in header
    assert "Permission to use, copy, modify and distribute this software" in header
    lem = wn.VerbLemmatizer.bundled()
    assert (lem.name, lem.digest) == (LEGACY_LEMMAS.name, LEGACY_LEMMAS.digest) and f"# digest: {lem.digest}" in header
    assert len(lem.verbs) == 11_529 and len(lem.exceptions) == 2_401
    assert data_digest(pp.find_stopwords()) == LEGACY_STOPWORDS.digest
    assert Cleaner().recipe == CleaningRecipe(pp.CLEANING_VERSION, LEGACY_LEMMAS, LEGACY_STOPWORDS)


def test_a_damaged_table_is_refused(tmp_path, monkeypatch):
    good = wn.WORDNET_ASSET.read_text(encoding="utf-8")
    with pytest.raises(ValueError, match="damaged"):
        wn.VerbLemmatizer.from_table(good.replace("\nwatch\n", "\n"))
    with pytest.raises(ValueError, match="format"):
        wn.VerbLemmatizer.from_table("aah\nabandon\n")
    damaged = tmp_path / "wordnet_verbs.txt"
    damaged.write_text(good.replace("\nwatch\n", "\nwatcher\n"), encoding="utf-8")
    monkeypatch.setattr(wn, "WORDNET_ASSET", damaged)
    assert wn.VerbLemmatizer.bundled() is None


def test_verb_lemmatizer_rules_on_tiny_wordnet():
    index = "  licence line WordNet 9.9 Copyright\nwatch v 1 0 1 0 01\nbe v 1 0 1 0 02\nsee v 1 0 1 0 03\nsaw v 1 0 1 0 04\n"
    lem = wn.VerbLemmatizer.from_wordnet(index, "was be\nsaw see\n")
    assert lem.lemmatize("watches") == "watch" and lem.lemmatize("watched") == "watch"
    assert lem.lemmatize("was") == "be"
    assert lem.candidates("saw") == ["saw", "see"] and lem.lemmatize("saw") == "saw"  # first of the shortest
    assert lem.lemmatize("unknown") == "unknown"
    again = wn.VerbLemmatizer.from_table(lem.to_asset("Some licence"))
    assert (again.verbs, again.exceptions, again.version, again.digest) == (lem.verbs, lem.exceptions, "9.9", lem.digest)


def test_search_path_mirrors_nltk_without_importing_it(tmp_path):
    pytest.importorskip("nltk")
    code = ("import sys; from lstm_core.nltk_data import nltk_search_path; ours = nltk_search_path(); "
            "assert 'nltk' not in sys.modules; import nltk; assert ours == nltk.data.path, (ours, nltk.data.path)")
    env = {"NLTK_DATA": f"{tmp_path}/a:{tmp_path}/b", "HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}
    subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, check=True, timeout=60)


def test_lemmas_and_stopwords_need_no_nltk_data(no_nltk_data):
    c = Cleaner()
    assert c.warnings == [] and c.lemmatizer.source == "bundled" and lemmatization_available()
    assert c.clean("The actors were acting, but not the cats") == ["actors", "act", "but", "not", "cat"]
    assert [s.name for s in c.stages("dogs")][-2] == "lowercased + lemmatized"
    assert c.recipe == CleaningRecipe(pp.CLEANING_VERSION, LEGACY_LEMMAS, LEGACY_STOPWORDS)


@needs_nltk_data
def test_nltk_data_is_the_second_source(nltk_data, tmp_path, monkeypatch):
    texts = _real_reviews(300)
    expected = Cleaner().clean_many(texts)  # from the bundled data
    monkeypatch.setattr(wn, "WORDNET_ASSET", tmp_path / "gone" / "wordnet_verbs.txt")
    monkeypatch.setattr(pp, "STOPWORDS_ASSET", tmp_path / "gone" / "stopwords_english.txt")
    c = Cleaner()
    assert c.warnings == [] and c.lemmatizer.source == "nltk"
    assert c.recipe == CleaningRecipe(pp.CLEANING_VERSION, LEGACY_LEMMAS, LEGACY_STOPWORDS)  # the same data
    assert c.clean_many(texts) == expected


def test_without_any_data_cleaning_says_so_without_a_path(no_nltk_data, no_bundled_data, tmp_path):
    c = Cleaner()
    assert c.warnings == [NO_WORDNET, NO_STOPWORDS] and not lemmatization_available()
    assert c.lemmatizer is None and c.stopwords == frozenset()
    assert c.clean("The dogs watched it, but not the cats") == ["the", "dogs", "watched", "but", "not", "the", "cats"]
    assert [s.name for s in c.stages("dogs")][-2] == "lowercased"
    assert c.recipe == CleaningRecipe(pp.CLEANING_VERSION, None, None)
    for warning in c.warnings:
        assert "/" not in warning and str(tmp_path) not in warning and "NLTK_DATA" not in warning
    assert Cleaner(PreprocessConfig(lemmatize=False, remove_stopwords=False)).warnings == []


# ----------------------------------------------------------------------------- recipes

OTHER_WORDNET = DataUsed("WordNet 3.1 verbs", "0123456789abcdef")
OTHER_STOPWORDS = DataUsed("NLTK English stopwords", "fedcba9876543210")


def test_recipe_round_trips_and_is_what_training_records(tiny_imdb_dir):
    from lstm_core.encoding import run_cleaner
    from lstm_core.pipeline import prepare

    recipe = Cleaner().recipe
    assert CleaningRecipe.from_dict(json.loads(json.dumps(recipe.to_dict()))) == recipe
    cfg = ExperimentConfig().replace(data={"source": str(tiny_imdb_dir)})
    assert prepare(cfg).recipe == recipe
    served = run_cleaner(SimpleNamespace(config=cfg, info=RunInfo(cleaning=recipe.to_dict())))
    assert served.exact and served.problems == [] and served.recipe == recipe


def test_a_run_trained_without_lemmas_is_served_without_lemmas():
    c = Cleaner(PreprocessConfig(), CleaningRecipe(1, None, LEGACY_STOPWORDS))
    assert c.exact and c.warnings == [] and c.lemmatizer is None
    assert c.clean("The actors were acting") == ["actors", "acting"]
    assert c.fingerprint() != Cleaner().fingerprint()  # and is cached apart


@pytest.mark.parametrize("warnings, cfg, lemmas", [
    ([], PreprocessConfig(), LEGACY_LEMMAS),
    (["WordNet not found in NLTK_DATA (searched: /a, /b): lemmatization skipped."], PreprocessConfig(), None),
    ([], PreprocessConfig(lemmatize=False), None),
])
def test_runs_saved_before_recipes_get_the_one_their_code_used(warnings, cfg, lemmas):
    recipe = CleaningRecipe.of_run(cfg, RunInfo(warnings=warnings))
    assert recipe == CleaningRecipe(1, lemmas, LEGACY_STOPWORDS)
    assert CleaningRecipe.of_run(PreprocessConfig(remove_stopwords=False), RunInfo()).stopwords is None


@pytest.mark.parametrize("bad, field", [
    ([], "cleaning must be"),
    ({"version": 1, "lemmas": None}, "cleaning must be"),
    ({"version": "1", "lemmas": None, "stopwords": None}, "cleaning.version"),
    ({"version": 1, "lemmas": "WordNet", "stopwords": None}, "cleaning.lemmas must be"),
    ({"version": 1, "lemmas": {"name": "x", "digest": "../../etc"}, "stopwords": None}, "cleaning.lemmas.digest"),
    ({"version": 1, "lemmas": None, "stopwords": {"name": "<b>" * 50, "digest": "0" * 16}}, "cleaning.stopwords.name"),
])
def test_a_recorded_recipe_is_checked(bad, field):
    with pytest.raises(ValueError, match=re.escape(field)):
        CleaningRecipe.from_dict(bad)
    with pytest.raises(RunError, match="how its text was cleaned is not valid"):
        CleaningRecipe.of_run(PreprocessConfig(), RunInfo(cleaning=bad))


def test_another_wordnet_is_a_problem_and_the_closest_is_used():
    c = Cleaner(PreprocessConfig(), CleaningRecipe(1, OTHER_WORDNET, LEGACY_STOPWORDS))
    assert not c.exact and c.unreproduced == {"lemmas"} and len(c.problems) == 1 and c.warnings == c.problems
    assert "WordNet 3.1 verbs (data 0123456789abcdef)" in c.problems[0]
    assert "WordNet 3.0 verbs (data 2ee81586b938a67f)" in c.problems[0]
    assert c.clean("acting") == ["act"]  # lemmatized with the closest table there is


def test_problems_and_warnings_are_said_in_the_readers_language(no_nltk_data, no_bundled_data):
    from lstm_core.notices import in_lang

    assert in_lang(NO_WORDNET, "ja").startswith("見出し語化はオフです")
    c = Cleaner(PreprocessConfig(), CleaningRecipe(2, OTHER_WORDNET, OTHER_STOPWORDS))
    said = [in_lang(p, "ja") for p in c.problems]
    assert len(said) == 3 and said[0].startswith("このモデルの学習用テキストは前処理のバージョン 2 で")
    assert "WordNet 3.1 verbs（データ 0123456789abcdef）で見出し語化されましたが" in said[1]
    assert "ストップワードを残す" in said[2]
    with pytest.raises(RunError) as info:
        CleaningRecipe.of_run(PreprocessConfig(), RunInfo(cleaning=[]))
    assert in_lang(info.value, "ja").startswith("学習結果に記録された前処理の方法が正しくありません")


def test_no_wordnet_for_a_run_that_had_it_is_a_problem(no_nltk_data, no_bundled_data):
    c = Cleaner(PreprocessConfig(), CleaningRecipe(1, LEGACY_LEMMAS, None))
    assert c.unreproduced == {"lemmas"} and "not lemmatized here" in c.problems[0]
    assert c.clean("acting") == ["acting"]
    assert "/" not in c.problems[0]


def test_another_stopword_list_and_another_version_are_problems():
    c = Cleaner(PreprocessConfig(), CleaningRecipe(pp.CLEANING_VERSION + 1, LEGACY_LEMMAS, OTHER_STOPWORDS))
    assert c.unreproduced == {"stopwords", "version"} and len(c.problems) == 2
    assert "cleaning version 2" in c.problems[0] and "another list" in c.problems[1]
    assert c.clean("the film") == ["film"]  # this machine's list, the closest


def test_the_default_run_records_a_recipe_that_gives_its_vocabulary():
    """No skew for the shipped model on any machine: its training reviews, cleaned here with its
    recorded recipe (bundled data only), give exactly the vocabulary it was trained with."""
    run_dir = REPO / "assets" / "default_run"
    info = json.loads((run_dir / "history.json").read_text(encoding="utf-8"))["info"]
    cfg = ExperimentConfig.from_dict(json.loads((run_dir / "config.json").read_text(encoding="utf-8")))
    if cfg.data.source != "bundled" and not Path(cfg.data.source).exists():
        pytest.skip(f"the default run was trained on {Path(cfg.data.source).name}, which is not on this machine")
    assert info["cleaning"] == Cleaner().recipe.to_dict()
    cleaner = Cleaner(cfg.preprocess, CleaningRecipe.of_run(cfg.preprocess, RunInfo.from_dict(info)))
    assert cleaner.exact
    fitted = Vocabulary(max_size=cfg.sequence.max_vocab).fit(cleaner.clean_many(list(load_dataset(cfg.data).train.texts)))
    saved = json.loads((run_dir / "vocabulary.json").read_text(encoding="utf-8"))
    assert fitted.words_ == saved["words"] and [fitted.counts_[w] for w in fitted.words_] == saved["counts"]


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
                                        "short words dropped", "lowercased + lemmatized", "stopwords dropped"]
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


def test_the_cleaning_cache_stays_under_its_limit_dropping_the_least_recently_used(tmp_path):
    import os

    old, used, new = (tmp_path / f"cleaned-{n}.txt" for n in ("old", "used", "new"))
    for i, f in enumerate((old, used, new)):
        f.write_bytes(b"x" * 100)
        os.utime(f, (1_000 + i, 1_000 + i))
    os.utime(old, (5_000, 5_000))  # read back recently: the least recently used is now "used"
    assert prune(tmp_path, 250, keep=new) == [used]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cleaned-new.txt", "cleaned-old.txt"]
    assert prune(tmp_path, 50, keep=new) == [old] and new.exists()  # never the file just written
