"""lstm_core.probes: the shipped probe set, per-category scores, the same-split bag of words and the CLI."""

from __future__ import annotations

import json
from collections import Counter

import numpy as np
import pytest

from helpers import english_left, tiny_config, trained_run
from lstm_core.baseline import TfidfBaseline, tfidf_baseline
from lstm_core.cli import main
from lstm_core.errors import DataError
from lstm_core.pipeline import prepare
from lstm_core.preprocessing import Cleaner
from lstm_core.probes import BASELINE_NAME, CATEGORIES, Probe, ProbeReport, category_name, load_probes, \
    score_baseline, score_run
from lstm_core.runs import load_run


def test_the_shipped_probes_cover_every_category_with_both_labels_and_clean_to_words():
    probes = load_probes()
    assert len(probes) >= 60 and len({p.text for p in probes}) == len(probes)
    counts = Counter((p.category, p.label) for p in probes)
    for category in CATEGORIES:
        assert counts[(category, 0)] >= 4 and counts[(category, 0)] == counts[(category, 1)], category
    cleaner = Cleaner()
    assert all(len(cleaner.clean(p.text)) >= 2 for p in probes)
    long = [p for p in probes if p.category == "long verdict"]
    assert min(len(p.text.split()) for p in long) >= 50  # long: the verdict is far from the start


@pytest.mark.parametrize("body,message", [
    ("text\tlabel\tcategory\ngreat\tpositive\n", "line 2 of bad.tsv"),
    ("text\tlabel\tcategory\ngreat\tgood\tplain\n", "line 2 of bad.tsv"),
    ("# a comment\ntext\tlabel\tcategory\ngreat\tpositive\tsarcasm\n", "line 3 of bad.tsv"),
    ("great\tpositive\tplain\n", "must start with the header"),
])
def test_a_malformed_probe_file_names_its_line(tmp_path, body, message):
    path = tmp_path / "bad.tsv"
    path.write_text(body)
    with pytest.raises(DataError, match=message):
        load_probes(path)


def test_a_report_counts_right_answers_per_category_in_order():
    probes = (Probe("a", 1, "plain"), Probe("b", 0, "plain"), Probe("c", 1, "negation"), Probe("d", 0, "contrast"))
    report = ProbeReport("m", probes, np.array([0.9, 0.6, 0.5, 0.1]))
    assert report.right.tolist() == [True, False, True, True]
    assert [(s.category, s.correct, s.total) for s in report.categories()] == [
        ("plain", 1, 2), ("negation", 1, 1), ("contrast", 1, 1)]
    doc = report.to_dict()
    assert doc["categories"]["plain"] == {"correct": 1, "total": 2, "accuracy": 0.5}
    assert doc["overall"] == {"correct": 3, "total": 4, "accuracy": 0.75} and doc["model"] == "m"


def test_a_run_is_scored_on_its_own_predictions(tiny_imdb_dir, tmp_path):
    run = load_run(trained_run(tiny_imdb_dir, tmp_path))
    probes = load_probes()
    report = score_run(run, probes)
    np.testing.assert_allclose(report.p_positive, run.predict([p.text for p in probes]), atol=1e-6)
    assert report.model == run.name and report.overall.total == len(probes)
    with pytest.raises(ValueError, match="probes is empty"):
        score_run(run, ())


def test_the_baseline_is_the_same_split_tfidf_model_on_cleaned_probes(tiny_imdb_dir):
    prep = prepare(tiny_config(tiny_imdb_dir))
    probes = load_probes()[:12]
    report = score_baseline(prep, probes, seed=3)
    fitted = TfidfBaseline(seed=3).fit(prep.train_tokens, prep.dataset.train.labels)
    tokens = Cleaner(prep.config.preprocess).clean_many([p.text for p in probes])
    np.testing.assert_allclose(report.p_positive, fitted.predict_proba(tokens), rtol=0, atol=1e-12)
    assert report.model == BASELINE_NAME
    # the fitted helper is what the Train page's baseline line scores the test split with
    result = tfidf_baseline(prep.train_tokens, prep.dataset.train.labels, prep.test_tokens, prep.y_test, seed=3)
    p_test = fitted.predict_proba(prep.test_tokens)
    assert result.metrics.accuracy == pytest.approx(float(((p_test >= 0.5) == prep.y_test).mean()))


def test_cli_probes_prints_per_category_json_with_the_baseline(tiny_imdb_dir, tmp_path, capsys):
    path = trained_run(tiny_imdb_dir, tmp_path)
    assert main(["probes", str(path), "--baseline", "--data", str(tiny_imdb_dir)]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert list(doc["categories"]) == list(CATEGORIES) and list(doc["baseline"]["categories"]) == list(CATEGORIES)
    assert doc["probes"] == len(load_probes()) == doc["overall"]["total"]
    assert doc["baseline"]["model"] == BASELINE_NAME
    for scores in (doc["categories"], doc["baseline"]["categories"]):
        assert all(0 <= s["correct"] <= s["total"] and s["accuracy"] == round(s["correct"] / s["total"], 4)
                   for s in scores.values())
    assert main(["probes", str(tmp_path / "missing")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_every_category_has_a_name_in_every_language():
    assert [category_name(c) for c in CATEGORIES] == list(CATEGORIES)  # the English name is the category
    names = [category_name(c, "ja") for c in CATEGORIES]
    assert len(set(names)) == len(CATEGORIES) and english_left(names) == [] and category_name("other", "ja") == "other"
