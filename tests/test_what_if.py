"""lstm_core.what_if on a tiny trained run: the edited text, the alignment of both versions, the
differences (zero before the edit, NaN where a word exists in one version only) and the units named."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import trained_run

from lstm_core.errors import LstmLabError
from lstm_core.explain import NothingToExplain, explain
from lstm_core.runs import load_run
from lstm_core.what_if import BOTH, EDITED, ORIGINAL, WordEdit, align, compare_edit, edited_text

TEXT = "The acting was wonderful, but the plot was not good at all!"  # act wonderful but plot not good


@pytest.fixture
def run(tiny_imdb_dir, tmp_path):
    return load_run(trained_run(tiny_imdb_dir, tmp_path))


def test_edits_change_one_word_and_keep_every_other_token(run):
    ex = explain(run, TEXT)
    assert ex.tokens == ("act", "wonderful", "but", "plot", "not", "good")
    cases = {WordEdit("remove", 4): ("act", "wonderful", "but", "plot", "good"),
             WordEdit("swap", 2, "yet"): ("act", "wonderful", "yet", "plot", "not", "good"),
             WordEdit("insert", 5, "truly"): ("act", "wonderful", "but", "plot", "not", "truly", "good"),
             WordEdit("insert", 6, "boring"): ("act", "wonderful", "but", "plot", "not", "good", "bore")}
    for edit, tokens in cases.items():
        assert explain(run, edited_text(ex, edit)).tokens == tokens, edit


def test_both_versions_are_aligned_with_the_edit_in_between(run):
    cmp = compare_edit(run, TEXT, WordEdit("swap", 2, "yet"))
    assert tuple(t.rstrip("*") for t in cmp.labels) == ("act", "wonderful", "−but", "+yet", "plot", "not", "good")
    assert cmp.source == (BOTH, BOTH, ORIGINAL, EDITED, BOTH, BOTH, BOTH)
    assert cmp.at_original.tolist() == [0, 1, 2, -1, 3, 4, 5] and cmp.at_edited.tolist() == [0, 1, -1, 2, 3, 4, 5]
    np.testing.assert_array_equal(cmp.p_original[[0, 1, 2, 4, 5, 6]], cmp.original.p_positive)
    assert np.isnan(cmp.p_original[3]) and np.isnan(cmp.p_edited[2])
    assert cmp.shift == pytest.approx(run.predict([cmp.text])[0] - run.predict([TEXT])[0], abs=1e-5)
    diffs = cmp.differences()
    assert set(diffs) == {"i", "f", "g", "o", "c", "h"} and diffs["c"].shape == (7, cmp.original.units)
    assert np.all(diffs["c"][:2] == 0)  # before the edit both read the same from the same state
    assert np.isnan(diffs["f"][2:4]).all()  # one version only
    np.testing.assert_allclose(diffs["h"][6], cmp.edited.trace.h[5] - cmp.original.trace.h[5], atol=0)
    units, score = cmp.changed_units()
    np.testing.assert_allclose(score, np.abs(cmp.edited.trace.h[-1] - cmp.original.trace.h[-1]))  # pooling last
    assert np.all(np.diff(score[units]) <= 0)


def test_an_edit_cleaning_drops_changes_nothing_and_one_that_leaves_no_word_is_refused(run):
    cmp = compare_edit(run, TEXT, WordEdit("insert", 0, "the"))  # a stopword
    assert all(s == BOTH for s in cmp.source) and np.all(np.nan_to_num(cmp.differences()["h"]) == 0)
    with pytest.raises(NothingToExplain):
        compare_edit(run, "great", WordEdit("remove", 0))


@pytest.mark.parametrize("edit,error,message", [
    (dict(kind="delete", step=0), ValueError, "kind must be one of remove, swap, insert"),
    (dict(kind="remove", step=-1), ValueError, "step must be an integer >= 0"),
    (dict(kind="swap", step=0, word=" "), LstmLabError, "type the word to swap"),
    (dict(kind="insert", step=0, word="two words"), LstmLabError, "one word of at most 50"),
    (dict(kind="insert", step=0, word="x" * 51), LstmLabError, "one word of at most 50"),
])
def test_bad_edits_say_what_is_wrong(edit, error, message):
    with pytest.raises(error, match=message):
        WordEdit(**edit)


def test_a_step_past_the_text_is_refused(run):
    ex = explain(run, TEXT)
    with pytest.raises(ValueError, match=r"step must be an integer in \[0, 5\] for remove"):
        edited_text(ex, WordEdit("remove", 6))
    with pytest.raises(ValueError, match=r"in \[0, 6\] for insert"):
        edited_text(ex, WordEdit("insert", 7, "good"))


def test_align_finds_the_common_start_and_end_without_overlap():
    assert align(("a", "b", "c"), ("a", "c")) == (1, 1)
    assert align(("a", "a"), ("a", "a", "a")) == (2, 0)
    assert align(("x",), ("y",)) == (0, 0)


def test_in_japanese_an_edit_says_what_is_wrong_in_japanese(run):
    from lstm_core.i18n import text

    with pytest.raises(LstmLabError) as info:
        WordEdit("swap", 0, "two words")
    assert text("ja", info.value.key, **info.value.fields) == "入れ替える単語は、50 文字以内の1語で入力してください"
    with pytest.raises(NothingToExplain, match="モデルが読む単語が残っていません"):  # only a stopword is left
        compare_edit(run, "great and", WordEdit("remove", 0), lang="ja")
