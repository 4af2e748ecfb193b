"""The whole path on tiny data: folder → cleaned → trained run → saved → CLI evaluate/predict."""

import json
import subprocess
import sys

import numpy as np
import pytest
from helpers import tiny_config

from lstm_core.cli import main
from lstm_core.config import ExperimentConfig
from lstm_core.encoding import TextEncoder
from lstm_core.pipeline import prepare, train_run, validation_indices
from lstm_core.runs import load_run, save_run
from lstm_core.vocabulary import pad_sequences


def test_validation_split_is_stratified_seeded_and_disjoint():
    y = np.array([0] * 40 + [1] * 60)
    tr, va = validation_indices(y, 0.2, seed=1)
    assert len(va) == 20 and y[va].sum() == 12 and not set(tr) & set(va)
    assert sorted(np.concatenate([tr, va])) == list(range(100))
    assert np.array_equal(validation_indices(y, 0.2, seed=1)[1], va)
    assert not np.array_equal(validation_indices(y, 0.2, seed=2)[1], va)


def test_prepare_fits_the_vocabulary_on_training_reviews_only(tiny_imdb_dir):
    prep = prepare(tiny_config(tiny_imdb_dir))
    test_only = {t for toks in prep.test_tokens for t in toks} - {t for toks in prep.train_tokens for t in toks}
    assert test_only and not any(w in prep.vocab for w in test_only)
    assert len(prep.x_train) + len(prep.x_val) == len(prep.dataset.train)
    # train_rows names the review behind every row of x_train
    again, _ = pad_sequences(prep.vocab.encode_many([prep.train_tokens[i] for i in prep.train_rows]), 16, "end")
    np.testing.assert_array_equal(again, prep.x_train)
    np.testing.assert_array_equal(prep.dataset.train.labels[prep.train_rows], prep.y_train)
    assert prep.x_test.shape == (len(prep.dataset.test), 16)


def test_train_save_load_predict_round_trip(tiny_imdb_dir, tmp_path):
    cfg = tiny_config(tiny_imdb_dir)
    run = train_run(cfg, name="tiny")
    assert run.info.epochs_run == 2 and run.metrics.test is not None and run.metrics.baseline is not None
    assert 0.0 <= run.metrics.test.accuracy <= 1.0
    save_run(run, tmp_path / "run")
    again = load_run(tmp_path / "run")
    texts = ["A wonderful film", "An awful boring mess"]
    np.testing.assert_allclose(again.predict(texts), run.predict(texts), atol=1e-6)
    encoded = TextEncoder.of_run(run).encode(texts)
    assert encoded.ids.shape == (2, 16) and encoded.stats.sequences == 2


def test_cli_train_evaluate_predict(tiny_imdb_dir, tiny_posneg_dir, tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["train", "--out", str(out), "--data", str(tiny_imdb_dir), "--epochs", "1",
                 "--max-len", "16", "--units", "4", "--embedding-dim", "8", "--dense-units", "4",
                 "--batch-size", "4", "--val-split", "0.25", "--no-baseline", "--embedding", "random"]) == 0
    trained = json.loads(capsys.readouterr().out)
    assert trained["info"]["epochs_run"] == 1 and (out / "model.weights.h5").exists()

    assert main(["evaluate", str(out), "--data", str(tiny_posneg_dir)]) == 0
    metrics = json.loads(capsys.readouterr().out)
    assert metrics["n"] == 24 and set(metrics) >= {"accuracy", "precision", "recall", "f1", "confusion"}
    assert sum(map(sum, metrics["confusion"])) == 24

    assert main(["predict", str(out), "a wonderful film"]) == 0
    p = float(capsys.readouterr().out)
    assert 0.0 <= p <= 1.0


@pytest.mark.parametrize("argv, message", [
    (["train", "--out", "RUN", "--data", "/no/such/path"], "/no/such/path"),
    (["train", "--out", "RUN", "--units", "0"], "model.units must be"),
    (["train", "--out", "RUN", "--val-split", "0.9"], "train.validation_split"),
    (["train", "--out", "RUN", "--embedding", "glove"], "--embedding must be"),
    (["train", "--out", "RUN", "--embedding", "word2vec:/no/vectors.bin", "--epochs", "1"], "/no/vectors.bin"),
    (["train", "--out", "RUN", "--embedding", "word2vec", "--embedding-dim", "16", "--epochs", "1"],
     "dimension 128"),
    (["evaluate", "/no/such/run"], "does not exist"),
    (["predict", "/no/such/run", "  "], "text is empty"),
])
def test_cli_user_mistakes_exit_2_with_one_line(argv, message, tmp_path, capsys):
    argv = [a.replace("RUN", str(tmp_path / "run")) for a in argv]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert err.strip().splitlines()[-1].startswith("error:")
    assert not (tmp_path / "run").exists()


def test_cli_evaluate_on_a_folder_without_pos_neg(tmp_path, capsys, tiny_imdb_dir):
    out = tmp_path / "run"
    save_run(train_run(tiny_config(tiny_imdb_dir, max_epochs=1), with_baseline=False), out)
    (tmp_path / "other").mkdir()
    assert main(["evaluate", str(out), "--data", str(tmp_path / "other")]) == 2
    assert "pos" in capsys.readouterr().err


def test_cli_presets():
    from lstm_core.cli import build_parser, config_from_args

    def cfg(*flags):
        return config_from_args(build_parser().parse_args(["train", "--out", "x", *flags]))

    assert cfg() == ExperimentConfig()
    assert cfg("--preset", "best") == ExperimentConfig.best()
    assert cfg("--preset", "tutorial", "--epochs", "2") == ExperimentConfig.tutorial().replace(train={"max_epochs": 2})


def test_cli_embedding_flags_map_onto_the_config():
    from lstm_core.cli import build_parser, config_from_args

    def cfg(*flags):
        return config_from_args(build_parser().parse_args(["train", "--out", "x", *flags])).model

    assert (cfg().embedding_init, cfg().embedding_path, cfg().embedding_trainable) == ("word2vec", None, False)
    assert (cfg("--embedding", "random").embedding_init, cfg("--embedding", "random").embedding_trainable) == ("random", True)
    m = cfg("--embedding", "word2vec:/v.bin", "--train-embedding")
    assert (m.embedding_init, m.embedding_path, m.embedding_trainable) == ("word2vec", "/v.bin", True)
    assert cfg("--embedding", "random", "--freeze-embedding").embedding_trainable is False


def test_cli_word2vec_trains_and_train_uses_it(tiny_imdb_tarball, tmp_path, capsys):
    vec = tmp_path / "w2v.npz"
    assert main(["word2vec", "--out", str(vec), "--data", str(tiny_imdb_tarball), "--dim", "8",
                 "--min-count", "1", "--workers", "1", "--epochs", "2"]) == 0
    made = json.loads(capsys.readouterr().out)
    assert made["reviews"] == 12 + 4 and made["dim"] == 8 and vec.exists()  # 12 usable train + 4 unsup
    out = tmp_path / "run"
    assert main(["train", "--out", str(out), "--data", str(tiny_imdb_tarball), "--epochs", "1",
                 "--max-len", "16", "--units", "4", "--embedding-dim", "8", "--dense-units", "4",
                 "--batch-size", "4", "--val-split", "0.25", "--no-baseline",
                 "--embedding", f"word2vec:{vec}"]) == 0
    info = json.loads(capsys.readouterr().out)["info"]
    assert info["embedding_coverage"]["found_words"] > 0


def test_module_entry_point_documents_every_command():
    r = subprocess.run([sys.executable, "-m", "lstm_core", "--help"], capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 0
    for command in ("train", "evaluate", "predict", "baseline", "gates", "word2vec"):
        assert command in r.stdout
    r = subprocess.run([sys.executable, "-m", "lstm_core", "train", "--help"], capture_output=True,
                       text=True, timeout=60)
    assert "--max-len" in r.stdout and "--cell" in r.stdout and "--seed" in r.stdout


def test_baseline_is_computed_once_per_prepared_split_and_seed(tiny_imdb_dir, monkeypatch):
    import lstm_core.pipeline as pipeline

    prep = prepare(tiny_config(tiny_imdb_dir))
    calls = []
    real = pipeline.tfidf_baseline
    monkeypatch.setattr(pipeline, "tfidf_baseline", lambda *a, **k: calls.append(k["seed"]) or real(*a, **k))
    first = prep.baseline(0)
    assert prep.baseline(0) is first and calls == [0]
    assert prep.baseline(1) is not first and calls == [0, 1]
    run = train_run(tiny_config(tiny_imdb_dir, max_epochs=1, seed=0), prepared=prep)
    assert calls == [0, 1] and run.metrics.baseline.metrics.accuracy == first.metrics.accuracy
