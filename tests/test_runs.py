import io
import json
import zipfile

import numpy as np
import pytest

from lstm_core.config import ExperimentConfig
from lstm_core.errors import RunError
from lstm_core.evaluation import Metrics
from lstm_core.limits import Limits
from lstm_core.model import build_model, predict_proba
from lstm_core.runs import (FILES, Run, RunInfo, RunMetrics, export_bundle, import_bundle, load_run,
                            read_meta, read_run_docs, save_run)
from lstm_core.vocabulary import Vocabulary

CFG = ExperimentConfig().replace(model={"embedding_dim": 4, "units": 3, "dense_units": 3},
                                 sequence={"max_len": 6})
X = np.array([[2, 3, 4, 0, 0, 0], [5, 6, 0, 0, 0, 0]], np.int32)


@pytest.fixture(scope="module")
def run():
    vocab = Vocabulary(max_size=10).fit([["good", "film", "plot", "bad", "acting"]])
    model = build_model(CFG.model, vocab.size, train_cfg=CFG.train)
    return Run(CFG, vocab, model, history={"loss": [0.7, 0.5]}, batches={"loss": [0.8, 0.6]},
               metrics=RunMetrics(Metrics(0.5, 0.5, 0.5, 0.5, ((1, 1), (1, 1)), 4)),
               info=RunInfo(name="tiny", epochs_run=2))


def test_round_trip_gives_the_same_predictions(run, tmp_path):
    save_run(run, tmp_path / "r")
    again = load_run(tmp_path / "r")
    assert again.config == run.config and again.vocab.words_ == run.vocab.words_
    assert again.history == run.history and again.batches == run.batches
    assert again.metrics == run.metrics and again.name == "tiny"
    np.testing.assert_allclose(predict_proba(again.model, X), predict_proba(run.model, X), atol=1e-6)


def test_a_failed_save_leaves_the_previous_run_intact(run, tmp_path, monkeypatch):
    target = save_run(run, tmp_path / "r")
    before = {f: (target / f).read_bytes() for f in FILES}

    def boom(*a, **k):
        raise OSError("disk full")

    monkeypatch.setattr(run.model, "save_weights", boom)
    with pytest.raises(OSError, match="disk full"):
        save_run(run, target)
    assert {f: (target / f).read_bytes() for f in FILES} == before
    assert [p.name for p in tmp_path.iterdir()] == ["r"]  # no temporary directory left behind


@pytest.mark.parametrize("damage, message", [
    (lambda d: (d / "vocabulary.json").unlink(), "missing vocabulary.json"),
    (lambda d: (d / "config.json").write_text("{"), "config.json"),
    (lambda d: (d / "config.json").write_text('{"model": {"units": 0}}'), "model.units"),
    (lambda d: (d / "model.weights.h5").write_bytes(b"not hdf5"), "model.weights.h5"),
    (lambda d: (d / "meta.json").write_text(json.dumps(
        {"format": "lstm-lab-run", "format_version": 99, "lstm_core_version": "9.0"})), "newer"),
    (lambda d: (d / "meta.json").write_text('{"format": "something-else"}'), "not an LSTM Lab run"),
])
def test_damaged_runs_give_clear_errors(run, tmp_path, damage, message):
    d = save_run(run, tmp_path / "r")
    damage(d)
    with pytest.raises(RunError, match=message):
        load_run(d)


def test_weights_that_do_not_fit_the_config_are_refused(run, tmp_path):
    d = save_run(run, tmp_path / "r")
    cfg = json.loads((d / "config.json").read_text())
    cfg["model"]["units"] = 5
    (d / "config.json").write_text(json.dumps(cfg))
    with pytest.raises(RunError, match="does not fit"):
        load_run(d)


def test_missing_directory(tmp_path):
    with pytest.raises(RunError, match="does not exist"):
        read_meta(tmp_path / "nope")


def test_bundle_round_trip(run, tmp_path):
    data = export_bundle(save_run(run, tmp_path / "r"))
    assert sorted(zipfile.ZipFile(io.BytesIO(data)).namelist()) == sorted(FILES)
    again = import_bundle(data, tmp_path / "uploaded")
    np.testing.assert_allclose(predict_proba(again.model, X), predict_proba(run.model, X), atol=1e-6)
    assert (tmp_path / "uploaded" / "meta.json").exists()


def _zip(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, content in files.items():
            zf.writestr(name, content)
    return buf.getvalue()


@pytest.mark.parametrize("make, message", [
    (lambda good: b"hello, not a zip", "not a run bundle"),
    (lambda good: _zip({"meta.json": good["meta.json"]}), "missing"),
    (lambda good: _zip({**good, "model.weights.h5": b"garbage"}), "not a readable weights file"),
    (lambda good: good["__raw__"][: len(good["__raw__"]) // 2], "not a run bundle"),
])
def test_bad_uploads_are_refused_and_leave_the_destination_alone(run, tmp_path, make, message):
    raw = export_bundle(save_run(run, tmp_path / "r"))
    good = {n: zipfile.ZipFile(io.BytesIO(raw)).read(n) for n in FILES}
    good_with_raw = {**good, "__raw__": raw}
    dest = save_run(run, tmp_path / "current")
    before = (dest / "model.weights.h5").read_bytes()
    with pytest.raises(RunError, match=message):
        import_bundle(make(good_with_raw), dest)
    assert (dest / "model.weights.h5").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["current", "r"]


def test_members_outside_the_known_files_are_never_written(run, tmp_path):
    raw = export_bundle(save_run(run, tmp_path / "r"))
    good = {n: zipfile.ZipFile(io.BytesIO(raw)).read(n) for n in FILES}
    evil = _zip({**good, "../evil.txt": b"x", "code.py": b"import os"})
    import_bundle(evil, tmp_path / "up")
    assert not (tmp_path / "evil.txt").exists()
    assert sorted(p.name for p in (tmp_path / "up").iterdir()) == sorted(FILES)


def test_oversized_upload_is_refused_before_reading(tmp_path):
    with pytest.raises(RunError, match="limit"):
        import_bundle(b"x" * 11, tmp_path / "up", Limits(upload_bytes=10))


def test_run_docs_read_without_a_model(run, tmp_path):
    d = save_run(run, tmp_path / "r")
    docs = read_run_docs(d)
    assert docs.config == run.config and docs.info.name == "tiny"
    assert docs.history == run.history and docs.batches == run.batches and docs.metrics == run.metrics
    (d / "config.json").write_text('{"model": {"units": 0}}')
    with pytest.raises(RunError, match="model.units"):
        read_run_docs(d)


@pytest.mark.parametrize("make, key, japanese", [
    (lambda good: b"hello, not a zip", "runs.bundle.not_zip", "学習結果ファイルではありません"),
    (lambda good: _zip({"meta.json": good["meta.json"]}), "runs.bundle.incomplete", "学習結果ファイルに config.json"),
    (lambda good: _zip({**good, "model.weights.h5": b"garbage"}), "runs.bundle.weights_unreadable",
     "読める重みのファイルではありません"),
])
def test_a_bad_upload_s_message_is_keyed_and_reads_in_japanese(run, tmp_path, make, key, japanese):
    from lstm_core.i18n import text

    raw = export_bundle(save_run(run, tmp_path / "r"))
    good = {n: zipfile.ZipFile(io.BytesIO(raw)).read(n) for n in FILES}
    with pytest.raises(RunError) as refused:
        import_bundle(make(good), tmp_path / "up")
    assert refused.value.key == key and str(refused.value) == text("en", key, **refused.value.fields)
    assert japanese in text("ja", key, **refused.value.fields)


def test_a_run_folder_s_message_names_the_run(tmp_path):
    with pytest.raises(RunError) as missing:
        read_meta(tmp_path / "nope")
    assert missing.value.key == "runs.run.no_folder" and str(missing.value) == "run nope does not exist"
