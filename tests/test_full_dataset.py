"""The full dataset as a real option (issue 16, item 3): offered without typing where the teacher put
it, and every training's time estimated before it starts, from a model of what it will step through."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from helpers import TINY, app, texts
from lstm_core.cli import main
from lstm_core.config import DataConfig, ExperimentConfig
from lstm_core.data import ENV_VAR, load_dataset
from lstm_core.limits import FULL_PER_CLASS, estimate_training, expected_kept_tokens, steps_per_review
from lstm_core.pipeline import prepare

pytestmark = pytest.mark.usefixtures("app_navigation")
SHARED_TARBALL = Path(__file__).resolve().parents[2] / "shared" / "data" / "aclImdb_v1.tar.gz"


def test_expected_kept_tokens_match_the_bundled_reviews():
    lengths = np.array([len(t) for t in prepare(ExperimentConfig()).train_tokens])
    for max_len in (50, 100, 200, 400):
        assert expected_kept_tokens(max_len) == pytest.approx(np.minimum(lengths, max_len).mean(), rel=0.03)


def test_bucketed_batches_are_estimated_by_the_tokens_they_keep():
    cfg = ExperimentConfig()
    padded = cfg.replace(train={"bucketing": False})
    assert steps_per_review(padded) == 200 and 100 < steps_per_review(cfg) < 125
    assert estimate_training(cfg, 5000).seconds < 0.6 * estimate_training(padded, 5000).seconds
    full = cfg.replace(data={"source": "/anywhere"})
    assert estimate_training(full, 2 * FULL_PER_CLASS).seconds == pytest.approx(
        5 * estimate_training(cfg, 5000).seconds)


def test_data_page_offers_the_teachers_full_dataset_without_a_path(tiny_imdb_tarball, monkeypatch,
                                                                   server_settings):
    server_settings()  # a class server that allows no typed paths
    assert not app("pages/data.py", TINY).radio  # nothing to choose: the bundled sample only
    monkeypatch.setenv(ENV_VAR, str(tiny_imdb_tarball))
    at = app("pages/data.py", TINY)
    assert at.radio[0].options == ["Bundled sample", "Full IMDB dataset"]
    at.radio[0].set_value("imdb").run()
    assert not at.exception and at.session_state["lab_config"].data.source == "full"
    captions = texts(at.caption)
    assert "The full IMDB dataset on this server" in captions and str(tiny_imdb_tarball) not in captions
    assert "reviews. Training on " in captions and "per epoch" in captions  # the data's own count
    train = texts(app("pages/train.py", at.session_state["lab_config"]).caption)
    assert "the full IMDB dataset" in train and "Training on 25,000 reviews" in train  # all of it, before reading


def test_without_a_full_dataset_the_data_page_does_not_offer_it(monkeypatch):
    monkeypatch.delenv(ENV_VAR, raising=False)
    at = app("pages/data.py", TINY)
    assert "Full IMDB dataset" not in at.radio[0].options


def test_cli_says_the_estimate_before_training(tiny_imdb_tarball, tmp_path, capsys):
    flags = ["--per-class", "10", "--max-len", "20", "--vocab", "500", "--embedding", "random",
             "--embedding-dim", "8", "--units", "4", "--dense-units", "4", "--epochs", "1", "--no-baseline"]
    assert main(["train", "--out", str(tmp_path / "run"), "--data", str(tiny_imdb_tarball), *flags]) == 0
    err = capsys.readouterr().err
    assert "estimated" in err and "on 20 reviews" in err and "if all 1 epochs run" in err


@pytest.mark.skipif(not SHARED_TARBALL.is_file(), reason=f"the full IMDB tarball is not at {SHARED_TARBALL}")
def test_the_full_tarball_holds_what_the_estimate_assumes():
    dataset = load_dataset(DataConfig(source=str(SHARED_TARBALL)))
    assert dataset.train.counts() == {"pos": FULL_PER_CLASS, "neg": FULL_PER_CLASS}
    assert len(dataset.test) == 2 * FULL_PER_CLASS
