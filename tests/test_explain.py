"""lstm_core.explain on tiny trained runs: the words accounted for, P(positive) per token against Keras
itself (the model run on every prefix of the text), the equation terms against the trace, and the CLI.

The runs (max_len 20, 8-d embeddings, 4 units, 2 epochs on the tiny IMDB fixture) are trained once
per model setting and shared by every test of the session through ``trained_run``.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest

from helpers import TINY_RUN_LEN as MAX_LEN  # tokens the tiny runs read
from helpers import trained_run  # tiny runs trained once and shared by the session
from lstm_core.cli import main
from lstm_core.errors import LstmLabError
from lstm_core.explain import CUT, DROPPED, KEPT, UNKNOWN, NothingToExplain, explain
from lstm_core.gate_analysis import (compare_saturation, correlation_with_prediction, saturation, top_units,
                                     unit_order, unit_terms)
from lstm_core.gates import ACTIVATIONS, LSTMTrace
from lstm_core.limits import LIMITS
from lstm_core.model import predict_proba, untrained_copy
from lstm_core.preprocessing import Cleaner, clean_stages
from lstm_core.runs import load_run
from lstm_core.vocabulary import pad_sequences

ATOL = 1e-5  # float32 Keras against the float64 replay


@pytest.fixture(scope="module")
def out_root(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("gate-runs")


@pytest.fixture
def run(tiny_imdb_dir, out_root):
    return load_run(trained_run(tiny_imdb_dir, out_root))


def prefix_predictions(run, ids: np.ndarray) -> np.ndarray:
    """Keras' own P(positive) for every prefix ids[:t+1], padded and masked as in training."""
    rows, _ = pad_sequences([ids[:t + 1].tolist() for t in range(len(ids))], len(ids))
    return predict_proba(run.model, rows)


TEXTS = [
    "The acting was wonderful but the plot was a mess.",
    "Not good at all.<br /><br />I didn't like it, boring!",
    "A great film with a wonderful cast. I loved every minute.",
]


@pytest.mark.parametrize("cell,pooling", [("lstm", "last"), ("lstm", "mean"), ("gru", "last"), ("rnn", "mean")])
def test_p_positive_after_each_token_is_the_model_on_that_prefix(tiny_imdb_dir, out_root, cell, pooling):
    run = load_run(trained_run(tiny_imdb_dir, out_root, cell, pooling))
    for text in TEXTS:
        ex = explain(run, text)
        assert (ex.cell, ex.pooling) == (cell, pooling)
        np.testing.assert_allclose(ex.p_positive, prefix_predictions(run, ex.ids), rtol=0, atol=ATOL)
        np.testing.assert_allclose(ex.prediction, run.predict([text])[0], rtol=0, atol=ATOL)
        # the model or the run: the same answer
        again = explain(run.model, text, vocab=run.vocab, config=run.config)
        np.testing.assert_array_equal(again.p_positive, ex.p_positive)


def test_every_input_word_is_accounted_for(run):
    cleaner = Cleaner(run.config.preprocess)
    for text in TEXTS + ["Ce film était magnifique 😀 !!! <i>great</i> & so-so... 10/10"]:
        ex = explain(run, text)
        assert [w.token for w in ex.words if w.status in (KEPT, UNKNOWN)] == cleaner.clean(text)
        assert list(ex.tokens) == cleaner.clean(text)
        assert [w.step for w in ex.words if w.step is not None] == list(range(len(ex.tokens)))
        removed = [r for stage in clean_stages(text, run.config.preprocess) for r in stage.removed]
        dropped = [w for w in ex.words if w.status == DROPPED]
        assert len(dropped) == len(removed)
        for stage in {w.stage for w in dropped}:
            by_stage = [w for w in dropped if w.stage == stage]
            expected = [r for s in clean_stages(text, run.config.preprocess) if s.name == stage for r in s.removed]
            assert len(by_stage) == len(expected), stage
        assert all(w.reason for w in ex.words if w.status != KEPT)
        known = [w.token in run.vocab for w in ex.words if w.step is not None]
        assert ex.known.tolist() == known
        assert [w.status == UNKNOWN for w in ex.words if w.step is not None] == [not k for k in known]


def test_negation_and_stopwords_are_explained(run):
    ex = explain(run, "This film is not good at all.")
    by_text = {w.text: w for w in ex.words}
    assert by_text["not"].status in (KEPT, UNKNOWN) and by_text["not"].token == "not"
    assert by_text["at"].status == DROPPED and "shorter than 3" in by_text["at"].reason
    assert by_text["This"].status == DROPPED and by_text["This"].reason.startswith("stopword")
    assert by_text["is"].stage == "short words dropped"
    ex = explain(run, "The acting was wonderful")
    was = [w for w in ex.words if w.text == "was"][0]
    assert was.reason == "stopword (as 'be')"  # lemmatized first, then found in the list


@pytest.mark.parametrize("keep", ["end", "start"])
def test_long_text_is_cut_to_max_len_as_in_training_with_a_notice(run, keep):
    run = dataclasses.replace(run, config=run.config.replace(sequence={"keep": keep}))
    text = " ".join(f"great{i % 7 * 'x'} boring" for i in range(30))  # 60 tokens
    ex = explain(run, text)
    tokens = Cleaner(run.config.preprocess).clean(text)
    assert ex.n_tokens == 60 and len(ex.tokens) == MAX_LEN
    assert list(ex.tokens) == (tokens[-MAX_LEN:] if keep == "end" else tokens[:MAX_LEN])
    cut = [w for w in ex.words if w.status == CUT]
    assert len(cut) == 40 and all("beyond the 20 tokens" in w.reason for w in cut)
    assert any("60 tokens" in n and "reads at most 20" in n and "40 were cut" in n for n in ex.notices)
    x, _ = pad_sequences([run.vocab.encode(tokens)], MAX_LEN, keep)
    np.testing.assert_array_equal(ex.ids, x[0])
    np.testing.assert_allclose(ex.prediction, run.predict([text])[0], rtol=0, atol=ATOL)


def test_a_100000_character_paste_is_cut_with_a_notice(run):
    text = ("The acting was wonderful but the plot was a mess. " * 2000)[:100_000]
    ex = explain(run, text)
    assert len(ex.tokens) == MAX_LEN and ex.n_tokens > 5000 and ex.text_chars == 100_000
    assert any("were cut" in n for n in ex.notices)
    with pytest.raises(LstmLabError, match=f"paste at most {LIMITS.text_chars:,}"):
        explain(run, "a" * (LIMITS.text_chars + 1))


@pytest.mark.parametrize("text,message", [
    ("", "empty"),
    ("   \n\t ", "empty"),
    ("The and of it is", "cleaning dropped every word"),
    ("😀 🎬 !!! 123", "no letters a-z"),
    ("日本語のレビュー", "no letters a-z"),
    ("<p><br /></p>", "empty"),
])
def test_texts_that_leave_no_token_raise_a_clear_error(run, text, message):
    with pytest.raises(NothingToExplain, match=message) as info:
        explain(run, text)
    assert all(w.status == DROPPED for w in info.value.words)


def test_nothing_left_names_the_dropped_words(run):
    with pytest.raises(NothingToExplain) as info:
        explain(run, "The and of it is")
    assert "stopword: 'The', 'and'" in str(info.value) and "'of', 'it', 'is'" in str(info.value)
    assert [w.text for w in info.value.words] == ["The", "and", "of", "it", "is"]


def test_unknown_words_foreign_text_and_html_get_notices(run):
    ex = explain(run, "zzzq blorptastic wibbling")
    assert not ex.known.any() and ex.flips == tuple(ex.flips)
    assert any("None of these words" in n and "<oov>" in n for n in ex.notices)
    assert len(ex.p_positive) == 3 and np.isfinite(ex.p_positive).all()
    ex = explain(run, "Ce film était magnifique, great")
    assert any("only the letters a-z" in n and "'était'" in n for n in ex.notices)
    ex = explain(run, '<script>alert("hacked")</script><b>great</b> film')
    assert "alert" not in ex.tokens and any("script, b" in n and "nothing in them was run" in n for n in ex.notices)


def test_model_without_vocabulary_or_not_ours_is_refused(run):
    with pytest.raises(ValueError, match="vocabulary"):
        explain(run.model, "great")
    import keras

    other = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, name="dense")])
    with pytest.raises(ValueError, match="no layer named embedding, output, rnn"):
        explain(other, "great", vocab=run.vocab)
    with pytest.raises(LstmLabError, match="must be a string"):
        explain(run, b"great")


@pytest.mark.parametrize("cell,pooling", [("lstm", "last"), ("gru", "last"), ("rnn", "mean")])
def test_unit_terms_rebuild_the_traced_values(tiny_imdb_dir, out_root, cell, pooling):
    run = load_run(trained_run(tiny_imdb_dir, out_root, cell, pooling))
    ex = explain(run, TEXTS[0])
    act = ACTIVATIONS[ex.weights.activation]
    rec = ACTIVATIONS[ex.weights.recurrent_activation or "linear"]
    for step in (0, len(ex.tokens) - 1):
        for unit in range(ex.units):
            t = unit_terms(ex, unit, step)
            assert t.h == pytest.approx(ex.trace.h[step, unit], abs=1e-12)
            for name, g in t.gates.items():
                fn = act if name in ("g", "hh", "h") else rec
                assert fn(np.float64(g.pre)) == pytest.approx(g.value, abs=1e-9), (name, step, unit)
            if cell == "lstm":
                g = t.gates
                assert t.c == pytest.approx(g["f"].value * t.c_tm1 + g["i"].value * g["g"].value, abs=1e-9)
                assert t.h == pytest.approx(g["o"].value * np.tanh(t.c), abs=1e-9)
            if cell == "gru":
                g = t.gates
                assert t.h == pytest.approx(g["z"].value * t.h_tm1 + (1 - g["z"].value) * g["hh"].value, abs=1e-9)
    with pytest.raises(ValueError, match="unit must be an integer in"):
        unit_terms(ex, ex.units, 0)
    with pytest.raises(ValueError, match="step must be an integer in"):
        unit_terms(ex, 0, len(ex.tokens))


def test_unit_order_and_saturation(run):
    ex = explain(run, TEXTS[0])
    order, _ = unit_order(ex, "index")
    assert order.tolist() == list(range(ex.units))
    order, var = unit_order(ex, "variance")
    assert np.all(np.diff(var[order]) <= 0) and np.allclose(var, ex.trace.h.var(axis=0))
    order, r = unit_order(ex, "correlation")
    expected = [np.corrcoef(ex.trace.h[:, u], ex.p_positive)[0, 1] for u in range(ex.units)]
    np.testing.assert_allclose(r, expected, atol=1e-9)
    assert np.all(np.diff(np.abs(r[order])) <= 0)
    one = explain(run, "great")
    assert unit_order(one, "correlation")[1].tolist() == [0.0] * one.units  # undefined on one token
    with pytest.raises(ValueError, match="by must be one of index, variance, correlation"):
        unit_order(ex, "size")
    top = top_units(ex, 2)
    r = np.abs(correlation_with_prediction(ex))
    assert len(top) == 2 and r[top].min() >= np.delete(r, top).max() and top_units(ex, 99).tolist() == order.tolist()
    with pytest.raises(ValueError, match="k must be an integer >= 1"):
        top_units(ex, 0)

    f = np.array([[0.05, 0.5], [0.95, 0.99], [np.nan, np.nan]])
    trace = LSTMTrace(i=f, f=f, g=f, o=1 - f, c=f, h=f, mask=np.array([True, True, False]))
    shares = saturation(trace)
    assert shares["f"] == (0.25, 0.5) and shares["o"] == (0.5, 0.25) and set(shares) == {"i", "f", "o"}


def test_untrained_copy_keeps_the_embedding_and_starts_the_rest_afresh(run):
    fresh = untrained_copy(run.model, run.config, run.vocab.size)
    np.testing.assert_array_equal(fresh.get_layer("embedding").get_weights()[0],
                                  run.model.get_layer("embedding").get_weights()[0])
    assert not np.allclose(fresh.get_layer("rnn").get_weights()[1], run.model.get_layer("rnn").get_weights()[1])
    before, after = (explain(m, TEXTS[0], vocab=run.vocab, config=run.config) for m in (fresh, run.model))
    np.testing.assert_array_equal(before.x, after.x)  # the same inputs, other gates
    assert set(saturation(before.trace)) == {"i", "f", "o"}
    sat = compare_saturation(run, TEXTS[0], fresh)
    assert sat.trained == saturation(after.trace) and sat.before == saturation(before.trace)
    assert (sat.low, sat.high) == (0.1, 0.9)


def test_json_and_csv(run):
    ex = explain(run, "Not good at all, zzzq!")
    doc = json.loads(json.dumps(ex.to_dict(), allow_nan=False))
    assert doc["tokens"] == list(ex.tokens) and len(doc["trace"]["f"]) == len(ex.tokens)
    assert doc["label"] in ("positive", "negative") and doc["words"][2]["status"] == DROPPED
    lines = ex.to_csv().splitlines()
    assert lines[0] == "step,token,known,p_positive,unit,i,f,g,o,c,h"
    assert len(lines) == 1 + len(ex.tokens) * ex.units
    assert lines[1].startswith("0,not,")


def test_cli_gates_prints_json_and_refuses_bad_text(tiny_imdb_dir, out_root, capsys):
    path = trained_run(tiny_imdb_dir, out_root)
    assert main(["gates", str(path), "--text", "The acting was wonderful but the plot was a mess",
                 "--digits", "3"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["run"] == str(path) and doc["tokens"][:2] == ["act", "wonderful"]
    assert set(doc["trace"]) == {"i", "f", "g", "o", "c", "h"} and len(doc["p_positive"]) == len(doc["tokens"])
    for text, message in (("", "error: The text is empty"), ("the of and", "error: Nothing is left")):
        assert main(["gates", str(path), "--text", text]) == 2
        err = capsys.readouterr().err.strip()
        assert err.startswith(message) and "Traceback" not in err and len(err.splitlines()) == 1


# ------------------------------------------------------------------------------------ recipe


@pytest.fixture
def no_wordnet_here(run, tmp_path, monkeypatch):
    """After the run was trained (with lemmas), this machine has neither the bundled verb table nor
    NLTK's WordNet (explain's cleaners are rebuilt before and after, as a fresh server would)."""
    from lstm_core import explain as explain_module
    from lstm_core import lemmatizer, nltk_data

    monkeypatch.setattr(lemmatizer, "WORDNET_ASSET", tmp_path / "gone" / "wordnet_verbs.txt")
    monkeypatch.setattr(nltk_data, "nltk_search_path", lambda: [str(tmp_path)])
    explain_module._cleaner.cache_clear()
    yield
    explain_module._cleaner.cache_clear()


def test_a_run_records_how_its_text_was_cleaned(run):
    assert run.info.cleaning == Cleaner().recipe.to_dict()
    assert run.info.cleaning["lemmas"]["name"] == "WordNet 3.0 verbs"


def test_a_recipe_this_machine_cannot_reproduce_is_told_once_and_its_words_marked(run, no_wordnet_here):
    ex = explain(run, "The acting was wonderful and I loved it")
    acting = next(w for w in ex.words if w.text == "acting")
    assert acting.token == "acting" and acting.status == UNKNOWN and acting.unsure  # training read "act"
    assert "perhaps only because this machine cannot clean" in acting.reason
    assert "acting?" in ex.labels() and ex.unsure.tolist() == [not k for k in ex.known]
    told = [n for n in ex.notices if "WordNet 3.0 verbs" in n]
    assert len(told) == 1 and "cannot clean text exactly" in told[0] and "marked ?" in told[0]
    assert "/" not in told[0]
    assert ex.to_dict()["unsure"] == ex.unsure.tolist()


def test_the_cli_warns_once_when_a_run_cannot_be_cleaned_as_in_training(tiny_imdb_dir, out_root, capsys,
                                                                       no_wordnet_here):
    assert main(["predict", str(trained_run(tiny_imdb_dir, out_root)), "The acting was wonderful"]) == 0
    err = capsys.readouterr().err
    assert err.count("warning:") == 1 and "WordNet 3.0 verbs" in err and "not lemmatized here" in err


# ------------------------------------------------------------------------------------ languages


def test_in_japanese_every_reason_notice_and_message_is_japanese(run):
    from helpers import english_left

    text = "great story " * 20 + "This film is not good at all, zzzq! Ce film était <b>magnifique</b>."  # the end is read
    ex, en = explain(run, text, lang="ja"), explain(run, text)
    assert ex.tokens == en.tokens and np.array_equal(ex.p_positive, en.p_positive)  # the same reading
    said = [w.reason for w in ex.words if w.reason] + list(ex.notices)
    assert {w.status for w in ex.words} == {KEPT, UNKNOWN, DROPPED, CUT} and len(ex.notices) >= 4
    tokens = {w.lower() for w in text.replace("<b>", " ").split()} | {"oov", "tait", "magnifique", "zzzq"}
    assert english_left(said, tokens) == []
    assert any("「zzzq」" in n for n in ex.notices) and any("モデルが読む最後の" in w.reason for w in ex.words)
    with pytest.raises(NothingToExplain, match="前処理ですべての単語が落とされました") as info:
        explain(run, "The and of it is", lang="ja")
    assert "ストップワード: 「The」、「and」" in str(info.value)
    with pytest.raises(NothingToExplain, match="文が空です"):
        explain(run, " ", lang="ja")
    with pytest.raises(LstmLabError) as too_long:  # keyed: the page says it in the reader's language
        explain(run, "a" * (LIMITS.text_chars + 1), lang="ja")
    assert too_long.value.key == "explain.error.too_long" and "paste at most" in str(too_long.value)


def test_in_japanese_a_recipe_this_machine_cannot_reproduce_is_told_in_japanese(run, no_wordnet_here):
    ex = explain(run, "The acting was wonderful and I loved it", lang="ja")
    acting = next(w for w in ex.words if w.text == "acting")
    assert "学習時と同じ前処理ができない" in acting.reason
    (told,) = [n for n in ex.notices if "WordNet 3.0 verbs" in n]
    assert told.startswith("このマシンでは") and "? 印" in told
