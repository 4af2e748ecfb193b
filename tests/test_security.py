"""Every attack in SECURITY.md, as a test: what a student could type or upload, and what it gets.

The first cases of each group were found by probing the app (issue 13); each failed on the code
before the fix (code ran, memory ran out, a secret or a directory listing was shown).
"""

from __future__ import annotations

import io
import json
import os
import pickle
import zipfile
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

import ui.state
from helpers import APP as APP_FILE
from helpers import TINY, app, texts, train_button, until_done, upload
from lstm_core import figures, runs
from lstm_core.config import ExperimentConfig
from lstm_core.embeddings import load_vectors
from lstm_core.errors import DataError, RunError
from lstm_core.limits import LIMITS, Limits, LimitExceeded, check_training, estimate_training, training_reviews
from lstm_core.paths import REFUSED, PathPolicy, PathRefused
from lstm_core.runs import FILES, WEIGHTS, RunInfo, import_bundle, load_run, save_run
from lstm_core.settings import Settings, SettingsError, is_loopback, parse_settings
from lstm_core.vocabulary import FORMAT as VOCAB_FORMAT
from lstm_core.vocabulary import Vocabulary

pytestmark = pytest.mark.usefixtures("app_navigation")


# ------------------------------------------------------------------------------- code execution


class _Payload:
    """Unpickling this runs ``open(marker, "w")``: what a crafted gensim .kv file can do."""

    def __init__(self, marker: str):
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


@pytest.mark.parametrize("suffix", [".kv", ".model", ".wordvectors", ".pkl", ".npy", ".kv.gz"])
def test_a_crafted_pickle_vector_file_is_refused_unopened(tmp_path, suffix):
    marker = tmp_path / "pwned"
    crafted = tmp_path / f"vectors{suffix}"
    crafted.write_bytes(pickle.dumps(_Payload(str(marker))))
    with pytest.raises(DataError, match="pickle-based.*never read.*Accepted: word2vec binary"):
        load_vectors(crafted)
    assert not marker.exists()


def test_a_pickle_inside_an_npz_is_never_unpickled(tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "v.npz"
    np.savez(path, words=np.array([_Payload(str(marker))], dtype=object), vectors=np.zeros((1, 2)))
    with pytest.raises(DataError, match="'vectors' must be"):
        load_vectors(path)
    assert not marker.exists()


def test_the_compare_page_refuses_a_crafted_pickle(tmp_path):
    marker = tmp_path / "pwned"
    crafted = tmp_path / "vectors.kv"
    crafted.write_bytes(pickle.dumps(_Payload(str(marker))))
    at = app("pages/compare.py", TINY)
    at.toggle(key="cmp_own").set_value(True).run()
    at.text_input(key="cmp_path").input(str(crafted)).run()
    at.button(key="cmp_check").click().run()
    assert not at.exception
    assert "pickle-based" in texts(at.error) and not marker.exists()


# ----------------------------------------------------------------------------- memory, uploads


@pytest.fixture(scope="module")
def tiny_run_dir(tmp_path_factory):
    """A real saved run of a tiny model (built, not trained: loading needs only its shapes)."""
    from lstm_core.model import build_model
    from lstm_core.runs import Run

    cfg = TINY
    vocab = Vocabulary(max_size=50).fit([["good", "bad", "film", "plot"]])
    run = Run(cfg, vocab, build_model(cfg.model, vocab.size, train_cfg=cfg.train), info=RunInfo(name="tiny"))
    return save_run(run, tmp_path_factory.mktemp("runs") / "tiny")


def bundle(run_dir: Path, **replace: bytes) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name in FILES:
            zf.writestr(name, replace.get(name, (run_dir / name).read_bytes()))
    return buf.getvalue()


def vocabulary_json(n: int) -> bytes:
    words = [f"w{i}" for i in range(n)]
    return json.dumps({"format": VOCAB_FORMAT, "max_size": n, "min_count": 1, "words": words,
                       "counts": [1] * n}).encode()


@pytest.fixture
def no_model_built(monkeypatch):
    """Fail the test if a Keras model is built (the checks must refuse before that)."""
    import lstm_core.model

    def refuse(*args, **kwargs):
        raise AssertionError("a model was built for a bundle that should have been refused")

    monkeypatch.setattr(lstm_core.model, "build_model", refuse)


def test_a_million_word_bundle_is_refused_before_parsing_or_building(tiny_run_dir, tmp_path, no_model_built):
    big = bundle(tiny_run_dir, **{"vocabulary.json": vocabulary_json(1_000_000)})
    assert len(big) < 10 * 2**20  # it compresses to a few MB; unpacked it would be ~20 MB of JSON
    with pytest.raises(RunError, match="vocabulary.json in the bundle .*(larger than|values)"):
        import_bundle(big, tmp_path / "up")
    assert not (tmp_path / "up").exists()


def test_a_large_vocabulary_times_a_large_embedding_is_refused_before_building(tiny_run_dir, tmp_path,
                                                                                 no_model_built):
    cfg = json.loads((tiny_run_dir / "config.json").read_text())
    cfg["model"]["embedding_dim"] = 1024
    data = bundle(tiny_run_dir, **{"config.json": json.dumps(cfg).encode(),
                                   "vocabulary.json": vocabulary_json(100_000)})
    with pytest.raises(RunError, match=r"the model is 102,.* weights; the limit is 30,000,000"):
        import_bundle(data, tmp_path / "up")


def test_weights_of_other_shapes_are_refused_from_the_file_metadata(tiny_run_dir, tmp_path, no_model_built):
    cfg = json.loads((tiny_run_dir / "config.json").read_text())
    cfg["model"]["units"] = 8  # the weights are for 4 units
    data = bundle(tiny_run_dir, **{"config.json": json.dumps(cfg).encode()})
    with pytest.raises(RunError, match="does not fit its config: the config's LSTM .* needs arrays of shapes"):
        import_bundle(data, tmp_path / "up")


def test_a_weights_file_with_a_link_outside_is_refused(tiny_run_dir, tmp_path, no_model_built):
    import h5py

    weights = tmp_path / WEIGHTS
    weights.write_bytes((tiny_run_dir / WEIGHTS).read_bytes())
    with h5py.File(weights, "a") as f:
        f["layers/extra"] = h5py.ExternalLink("/etc/passwd", "/")
    with pytest.raises(RunError, match="a link to another file"):
        import_bundle(bundle(tiny_run_dir, **{WEIGHTS: weights.read_bytes()}), tmp_path / "up")


def _lying_zip(run_dir: Path, name: str, declared: int) -> bytes:
    """A bundle whose ``name`` member's headers declare ``declared`` bytes, whatever it holds."""
    raw = bytearray(bundle(run_dir))
    zf = zipfile.ZipFile(io.BytesIO(bytes(raw)))
    info = zf.getinfo(name)
    true = info.file_size.to_bytes(4, "little")
    fake = declared.to_bytes(4, "little")
    # the local header (at header_offset + 22) and the central directory both carry the size
    local = info.header_offset + 22
    assert raw[local:local + 4] == true
    raw[local:local + 4] = fake
    central = raw.rfind(true, 0, len(raw))
    raw[central:central + 4] = fake
    return bytes(raw)


def test_zip_headers_that_claim_huge_members_are_refused_before_reading(tiny_run_dir, tmp_path):
    data = _lying_zip(tiny_run_dir, "history.json", 2**31)
    with pytest.raises(RunError, match="history.json in the bundle would unpack to 2,048 MB; the limit is 16 MB"):
        import_bundle(data, tmp_path / "up")


def test_zip_headers_that_understate_a_member_fail_its_checksum(tiny_run_dir, tmp_path):
    data = _lying_zip(tiny_run_dir, "history.json", 10)
    with pytest.raises(RunError, match="history.json in the bundle is damaged"):
        import_bundle(data, tmp_path / "up")


def test_a_member_that_unpacks_past_its_limit_is_stopped_while_streaming(tiny_run_dir, tmp_path):
    """Defence in depth behind the declared-size check: the copy itself stops at the limit."""
    zf = zipfile.ZipFile(io.BytesIO(bundle(tiny_run_dir, **{"history.json": b" " * 5000})))
    out = tmp_path / "history.json"
    with pytest.raises(RunError, match="unpacks to more than"):
        runs._unpack_member(zf, zf.getinfo("history.json"), out, limit=4096)


def test_a_run_folder_with_a_huge_vocabulary_is_refused_too(tiny_run_dir, tmp_path, no_model_built):
    """The same checks guard load_run of any folder (the default run, the session's runs, the CLI)."""
    d = tmp_path / "run"
    d.mkdir()
    for name in FILES:
        (d / name).write_bytes((tiny_run_dir / name).read_bytes())
    (d / "vocabulary.json").write_bytes(vocabulary_json(300_000))
    with pytest.raises(RunError, match="vocabulary.json in run run is too large: over 600,002 values"):
        load_run(d)


def test_messages_about_a_bad_upload_never_show_server_paths(tiny_run_dir, tmp_path):
    cfg = json.loads((tiny_run_dir / "config.json").read_text())
    cfg["model"]["units"] = 0
    dest = tmp_path / "secret-session-token" / "001-uploaded"
    for data in (bundle(tiny_run_dir, **{"config.json": json.dumps(cfg).encode()}),
                 bundle(tiny_run_dir, **{WEIGHTS: b"garbage"}),
                 bundle(tiny_run_dir, **{"meta.json": b"{not json"})):
        with pytest.raises(RunError) as info:
            import_bundle(data, dest)
        assert "the bundle" in str(info.value)
        assert str(tmp_path) not in str(info.value) and "secret-session-token" not in str(info.value)


# ---------------------------------------------------------------------------------------- jobs


def test_every_slider_at_its_maximum_is_refused_before_it_queues():
    # Every slider at its maximum on the padded path (train.bucketing false, the CLI's --no-bucketing):
    # about 9 hours estimated (bucketed, about 70 min).
    top = ExperimentConfig().replace(sequence={"max_len": 1000, "max_vocab": 50_000},
                                     model={"embedding_dim": 300, "units": 256, "dense_units": 256},
                                     train={"max_epochs": 100, "batch_size": 8, "bucketing": False})
    with pytest.raises(LimitExceeded, match="estimated time is .* min; the limit is 60 min"):
        check_training(top, training_reviews(top))
    at = app("pages/train.py", top)
    train_button(at).click().run()
    assert "estimated time" in texts(at.warning) and not queued(at)


def queued(at) -> bool:
    return "lab_job" in at.session_state and at.session_state["lab_job"] is not None


def test_the_presets_fit_the_default_caps():
    for cfg in (ExperimentConfig(), ExperimentConfig.best(), ExperimentConfig.tutorial()):
        est = check_training(cfg, training_reviews(cfg))
        assert est.seconds < LIMITS.job_seconds and est.memory_bytes < LIMITS.job_memory_bytes


def test_the_estimate_grows_with_the_work():
    base = ExperimentConfig()
    longer = base.replace(sequence={"max_len": 400})
    padded = {"bucketing": False}  # every batch padded to max_len: twice the length, twice the steps
    assert (estimate_training(longer.replace(train=padded), 5000).seconds
            > 1.9 * estimate_training(base.replace(train=padded), 5000).seconds)
    # length-bucketed batches step through the tokens kept: 400 keeps about 12% more than 200
    assert 1.05 < estimate_training(longer, 5000).seconds / estimate_training(base, 5000).seconds < 1.3
    assert estimate_training(base, 10_000).seconds == pytest.approx(2 * estimate_training(base, 5000).seconds)


def test_a_teacher_can_lower_the_caps(server_settings):
    server_settings("[caps]\njob_minutes = 0.2\n")
    at = app("pages/train.py", ExperimentConfig())
    train_button(at).click().run()
    assert "the limit is 12 s" in texts(at.warning) and not queued(at)


def test_a_refusal_over_the_caps_reads_in_the_readers_language(server_settings):
    from lstm_core.i18n import text

    with pytest.raises(LimitExceeded) as refused:
        check_training(ExperimentConfig(), training_reviews(ExperimentConfig()), Limits(job_seconds=12))
    e = refused.value
    assert e.key == "limits.time.training_s" and str(e).endswith("; the limit is 12 s")
    assert text("ja", e.key, **e.fields).endswith("上限の12秒を超えています")
    server_settings("[caps]\njob_minutes = 0.2\n")
    at = AppTest.from_file(APP_FILE, default_timeout=90)
    at.session_state["lab_config"] = ExperimentConfig()
    at.query_params["lang"] = "ja"
    at.run()
    at.switch_page("pages/train.py").run()
    train_button(at).click().run()
    assert "上限の12秒を超えています" in texts(at.warning) and not queued(at)


# --------------------------------------------------------------------------------------- paths


@pytest.fixture
def root(tmp_path):
    """A data root with a review folder in it, and things outside it to try to reach."""
    allowed = tmp_path / "allowed"
    (allowed / "reviews").mkdir(parents=True)
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "secret.txt").write_text("the server's secret")
    (allowed / "escape").symlink_to(tmp_path / "outside")
    return allowed


def test_server_mode_allows_only_paths_under_its_roots(root, tmp_path, monkeypatch):
    monkeypatch.setenv("CLASS_SECRET", "hunter2")
    policy = PathPolicy.from_settings(Settings(mode="server", data_roots=(str(root),)), "0.0.0.0")
    assert policy.resolve(str(root / "reviews")) == (root / "reviews").resolve()
    for text in ["/x$CLASS_SECRET", "$HOME", "~root", "~/x", "/etc/shadow", "/root", str(tmp_path / "outside"),
                 str(root / "reviews" / ".." / ".." / "outside"), str(root / "escape" / "secret.txt"),
                 str(root / "missing"), "reviews", "/etc/passwd\x00"]:
        with pytest.raises(PathRefused) as info:
            policy.resolve(text)
        assert str(info.value) == REFUSED  # one message, whatever the reason
        assert "hunter2" not in str(info.value)


def test_server_mode_without_roots_turns_paths_off():
    policy = PathPolicy.from_settings(Settings(mode="server"), "0.0.0.0")
    assert not policy.enabled
    with pytest.raises(PathRefused, match="turned off"):
        policy.resolve("/etc")


def test_local_mode_allows_any_path_and_expands_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("TINY", str(tmp_path))
    policy = PathPolicy.from_settings(Settings(mode="local"), None)
    assert policy.resolve(str(tmp_path)) == tmp_path.resolve()
    with pytest.raises(PathRefused, match=r"^\$TINY does not exist$"):
        policy.resolve("$TINY")


@pytest.mark.parametrize("address, local", [("localhost", True), ("127.0.0.1", True), ("::1", True),
                                            ("[::1]", True), ("0.0.0.0", False), ("", False), (None, False),
                                            ("192.168.1.5", False), ("lab.example.org", False)])
def test_auto_mode_is_local_only_when_listening_on_loopback(address, local):
    assert is_loopback(address) is local
    assert Settings().is_local(address) is local
    assert Settings(mode="server").is_local(address) is False


def test_settings_file_errors_name_the_key():
    with pytest.raises(SettingsError, match="mode must be one of"):
        parse_settings('mode = "open"')
    with pytest.raises(SettingsError, match=r"unknown \[caps\] keys \['job_hours'\]"):
        parse_settings("[caps]\njob_hours = 2")
    with pytest.raises(SettingsError, match="caps.upload_mb must be a positive number"):
        parse_settings("[caps]\nupload_mb = -1")
    with pytest.raises(SettingsError, match="data_roots must be absolute"):
        parse_settings('data_roots = ["data"]')
    assert parse_settings("[caps]\nupload_mb = 2").limits.upload_bytes == 2 * 2**20


def test_the_data_page_on_a_server_offers_no_path_box(server_settings):
    server_settings()
    at = app("pages/data.py")
    assert not at.exception
    assert not at.text_input and "turned off on this server" in texts(at.caption)


def test_the_data_page_on_a_server_refuses_paths_outside_its_roots(server_settings, root, monkeypatch):
    monkeypatch.setenv("CLASS_SECRET", "hunter2")
    monkeypatch.setenv("LSTM_LAB_IMDB", "/srv/teacher/aclImdb_v1.tar.gz")
    server_settings(f'data_roots = ["{root}"]\n')
    at = app("pages/data.py")
    at.radio[0].set_value("folder").run()
    assert at.text_input[0].value == ""  # the teacher's $LSTM_LAB_IMDB is not shown on a server
    for typed in ["/x$CLASS_SECRET", "/root", "/etc/shadow", "/no/such/dir"]:
        at.text_input[0].input(typed).run()
        at.button(key="use_data").click().run()
        shown = texts(at.error)
        assert REFUSED in shown and "hunter2" not in shown and ".cache" not in shown
    assert at.session_state["lab_config"].data.source == "bundled"


def test_a_vector_file_error_never_quotes_the_file(tmp_path):
    path = tmp_path / "v.txt"
    path.write_text("root x:0:0:root:/root:/bin/bash\n")
    with pytest.raises(DataError) as info:
        load_vectors(path)
    assert "/bin/bash" not in str(info.value) and "root:" not in str(info.value)


def test_a_vector_file_with_an_endless_line_is_refused_at_the_limit(tmp_path):
    path = tmp_path / "v.txt"
    path.write_bytes(b"a" * (LIMITS.vector_line_bytes + 10))
    with pytest.raises(DataError, match="a line longer than 1 MB"):
        load_vectors(path)


def test_an_npz_declaring_a_huge_array_is_refused_from_its_header(tmp_path):
    path = tmp_path / "v.npz"
    header = np.lib.format.header_data_from_array_1_0(np.zeros((1, 1), np.float32))
    header["shape"] = (50_000_000, 1000)
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, header)
    words = np.lib.format.header_data_from_array_1_0(np.array(["a"]))
    words["shape"] = (50_000_000,)
    wbuf = io.BytesIO()
    np.lib.format.write_array_header_1_0(wbuf, words)
    with zipfile.ZipFile(path, "w") as zf:  # headers only: reading the data would need 200 GB
        zf.writestr("words.npy", wbuf.getvalue())
        zf.writestr("vectors.npy", buf.getvalue())
    with pytest.raises(DataError, match="holds 50,000,000 vectors of dimension 1,000"):
        load_vectors(path)



# ------------------------------------------------------------------------------------ sessions


def test_session_folders_are_private_and_named_by_an_unguessable_token():
    at = app("pages/train.py", TINY.replace(train={"max_epochs": 1}))
    train_button(at).click().run()
    until_done(at)
    owner = at.session_state["lab_owner"]
    assert len(owner) >= 24 and owner.replace("-", "").replace("_", "").isalnum()
    run_dir = at.session_state["lab_runs"][-1].path
    assert run_dir.parent.name == owner and run_dir.parent.stat().st_mode & 0o777 == 0o700
    assert ui.state._temp_root().stat().st_mode & 0o777 == 0o700
    shown = [at.markdown, at.caption, at.info, at.success, at.warning, at.error, at.sidebar.markdown]
    assert not any(owner in texts(elements) for elements in shown)


class _Slot:
    """A job slot's job: only ``wait(0)`` (done or not) matters to ``ui.state.adopt``."""

    def __init__(self, done: bool):
        self.done = done

    def wait(self, timeout=None) -> bool:
        return self.done


def test_what_a_session_kept_before_its_cookie_came_moves_into_the_browser_s_workspace():
    """A session's first runs can come without the XSRF cookie: a Train click then lands in the
    session state. Once bound, the training is the browser's (2 of 3 students of a class that
    opened the app at once saw nothing of theirs before this)."""
    queued = _Slot(done=False)
    session = {"lab_job": queued, "lab_runs": ["run 2"], "lab_owner": "the session's", "lab_config": "cfg",
               "other": 1}
    workspace = {"lab_runs": ["run 1"], "lab_owner": "the browser's", "lab_job": _Slot(done=True)}
    ui.state.adopt(session, workspace)
    assert session == {"other": 1}  # only the workspace's keys move
    assert workspace["lab_job"] is queued and workspace["lab_runs"] == ["run 1", "run 2"]
    assert workspace["lab_owner"] == "the browser's" and workspace["lab_config"] == "cfg"
    running = _Slot(done=False)
    workspace = {"lab_job": running}
    ui.state.adopt({"lab_job": _Slot(done=False)}, workspace)
    assert workspace["lab_job"] is running  # another tab's live training is not replaced


def test_a_session_answers_only_the_browser_that_opened_it():
    from streamlit.web.server.starlette.starlette_app_utils import generate_xsrf_token_string

    victim, attacker = os.urandom(16), os.urandom(16)
    session: dict = {}
    assert ui.state.same_browser(session, generate_xsrf_token_string(victim))
    assert ui.state.same_browser(session, generate_xsrf_token_string(victim))  # a new mask, same browser
    assert not ui.state.same_browser(session, generate_xsrf_token_string(attacker))
    assert ui.state.same_browser(session, generate_xsrf_token_string(victim))  # the victim keeps it
    assert ui.state.same_browser({}, None)  # no cookie (AppTest): nothing to bind


# ------------------------------------------------------------------------------------ text is text


EVIL_NAME = "![x](http://evil.example/a.png) [free marks](http://evil.example) $\\frac{1}{0}$ <b>bold</b>"


def test_markdown_in_an_uploaded_runs_name_is_shown_as_typed(tiny_run_dir, tmp_path):
    history = json.loads((tiny_run_dir / "history.json").read_text())
    history["info"]["name"] = EVIL_NAME
    at = app("pages/train.py", TINY)
    upload(at, "evil.zip", bundle(tiny_run_dir, **{"history.json": json.dumps(history).encode()}))
    at.run()
    raw = "\n".join(str(m.value) for m in at.sidebar.markdown) + "\n".join(str(m.value) for m in at.markdown)
    assert "](http" not in raw and "![" not in raw and "$\\frac" not in raw and "<b>" not in raw
    assert EVIL_NAME in texts(at.sidebar.markdown).replace("&lt;", "<").replace("&gt;", ">")


def test_chart_titles_and_legends_escape_user_text():
    fig = figures.run_overlay([("<a href='http://evil.example'>x</a>", {"loss": [1.0], "val_loss": [1.0]})],
                              title="<b>run</b>")
    assert "<a href" not in fig.layout.title.text and "&lt;b&gt;" in fig.layout.title.text
    assert all("<a href" not in (t.name or "") for t in fig.data)
