"""The catalogues (lstm_core.i18n): both languages have the same keys and the same fields in each text,
no Japanese text is English left untranslated, prose exists in both, and the machinery fills, falls back
and refuses as documented."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from helpers import english_left

from lstm_core import i18n
from lstm_core.errors import DataError
from lstm_core.i18n import LANGUAGES, Catalogue, catalogue, fields_of, read_catalogue, sentences, text
from lstm_core.storage import ASSETS

FIELD = re.compile(r"\{[^{}]*\}")  # a {field} is filled in, not read
OTHERS = [lang for lang in LANGUAGES if lang != i18n.DEFAULT]


@pytest.mark.parametrize("lang", OTHERS)
def test_every_key_exists_in_every_language(lang):
    english, other = catalogue("en").texts, catalogue(lang).texts
    assert sorted(set(english) - set(other)) == [], f"keys missing in {lang}"
    assert sorted(set(other) - set(english)) == [], f"keys only in {lang}"


@pytest.mark.parametrize("lang", OTHERS)
def test_every_text_asks_for_the_same_fields(lang):
    english, other = catalogue("en").texts, catalogue(lang).texts
    differ = {k: (fields_of(english[k]), fields_of(other[k])) for k in english.keys() & other.keys()
              if fields_of(english[k]) != fields_of(other[k])}
    assert differ == {}


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_every_text_formats_and_is_not_empty(lang):
    for key, template in catalogue(lang).texts.items():
        assert template.strip(), key
        filled = template.format(**{name: 1 for name in fields_of(template)})  # a brace left single fails here
        assert filled.strip(), key


def test_japanese_texts_are_translated():
    """A Japanese text with English words in it (beyond names kept in every language) was not translated;
    a text the same in both languages must be a name, a number or a formula."""
    ja = catalogue("ja").texts
    left = {key: words for key, value in ja.items() if (words := english_left([FIELD.sub(" ", value)]))}
    assert left == {}


def test_prose_exists_in_every_language():
    names = {lang: sorted(p.name for p in (ASSETS / "prose" / lang).glob("*.md")) for lang in LANGUAGES}
    assert names["en"] and all(found == names["en"] for found in names.values()), names
    prose = [(ASSETS / "prose" / "ja" / n).read_text(encoding="utf-8") for n in names["ja"]]
    assert english_left(prose, allowed={"not", "good"}) == []  # "not good": the words the model reads


def test_the_japanese_cell_picture_is_made_from_the_english_one():
    labels = {lang: re.findall(r"<(?:text|title|desc)[^>]*>([^<]*)", (ASSETS / name).read_text(encoding="utf-8"))
              for lang, name in (("en", "lstm_cell.svg"), ("ja", "lstm_cell.ja.svg"))}
    assert len(labels["ja"]) == len(labels["en"]) and "忘却 f" in labels["ja"]
    assert english_left(labels["ja"], allowed={"tanh"}) == []


def test_text_fills_fields_and_falls_back_to_english(tmp_path, monkeypatch):
    for lang, body in (("en", 'a = "{n:,} reviews"\nonly_en = "x"\n'), ("ja", 'a = "{n:,} 件のレビュー"\n')):
        (tmp_path / lang).mkdir()
        (tmp_path / lang / "p.toml").write_text(body, encoding="utf-8")
    monkeypatch.setattr(i18n, "CATALOGUES", tmp_path)
    i18n.catalogue.cache_clear()
    try:
        assert text("ja", "p.a", n=1234) == "1,234 件のレビュー"
        assert text("en", "p.a", n=1234) == "1,234 reviews"
        assert text("ja", "p.only_en") == "x"  # the English text rather than nothing
        assert text("xx", "p.a", n=1) == "1 reviews"  # an unknown language reads English
        with pytest.raises(KeyError, match="p.nothing"):
            text("ja", "p.nothing")
    finally:
        i18n.catalogue.cache_clear()


def test_catalogue_refuses_a_language_it_does_not_have():
    with pytest.raises(ValueError, match="lang must be one of en, ja, got 'fr'"):
        catalogue("fr")


def test_a_non_text_value_is_refused(tmp_path):
    (tmp_path / "p.toml").write_text("n = 3\n", encoding="utf-8")
    with pytest.raises(ValueError, match="p.n must be a text, got int"):
        read_catalogue(tmp_path, "en")


def test_literal_braces_are_doubled():
    assert Catalogue("en", {"k": "$h_{{t-1}}$ at {word}"})("k", word="x") == "$h_{t-1}$ at x"


def test_sentences_are_spaced_as_each_language_writes_them():
    assert sentences("en", ["One.", "", "Two."]) == "One. Two."
    assert sentences("ja", ["一つ。", "", "二つ。"]) == "一つ。二つ。"


def test_a_keyed_error_says_its_english_text_and_keeps_its_key():
    error = DataError.keyed("app.settings_invalid", error="bad")
    assert str(error) == "The server's settings file is not valid: bad"
    assert (error.key, error.fields) == ("app.settings_invalid", {"error": "bad"})
    assert text("ja", error.key, **error.fields).startswith("サーバーの設定ファイル")
    assert DataError("plain").key is None


def test_catalogue_files_are_the_same_in_both_languages():
    names = {lang: sorted(p.name for p in Path(i18n.CATALOGUES, lang).glob("*.toml")) for lang in LANGUAGES}
    assert names["en"] == names["ja"]
