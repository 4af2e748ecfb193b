"""Shared fixtures: tiny IMDB-like data made in tmp_path, so no test needs ../shared.

- ``tiny_imdb_dir``: an extracted ``aclImdb/`` folder (train/test × pos/neg, 6 reviews each, plus
  train/unsup with 4), with ``<br />`` tags, one Latin-1 file (train/pos/5_8) and one empty file
  (test/neg/6_1, on top of the 6).
- ``tiny_imdb_tarball``: the same tree as ``aclImdb_v1.tar.gz`` (the source folder is removed).
- ``tiny_posneg_dir``: one ``reviews/`` folder with ``pos/`` and ``neg/`` holding every labelled review
  of both splits (named ``train_0_9.txt`` …), including the Latin-1 and the empty file.
- ``tiny_reviews``: {(split, "pos"|"neg"): [texts]} of the usable reviews, for assertions;
  ``tiny_unsup_reviews``: the 4 unlabelled ones.
The reviews use plain sentiment words (great, wonderful, awful, boring, not good …) so that a model
can learn them in a few steps.
"""

from __future__ import annotations

import os
import shutil
import tarfile
from pathlib import Path

import pytest
from streamlit.runtime.pages_manager import PagesManager

REPO = Path(__file__).resolve().parent.parent
# No NLTK_DATA here: nothing needs NLTK data (the lemmatizer's table and the stopwords ship in assets/);
# the tests that compare with NLTK find ../shared/nltk_data themselves (tests/test_preprocessing.py).
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

TINY_REVIEWS: dict[tuple[str, str], list[str]] = {
    ("train", "pos"): [
        "A great film with a wonderful cast. I loved every minute.",
        "Wonderful story and brilliant acting.<br /><br />Simply excellent, a must see.",
        "One of the best movies of the year: great music, great direction, superb.",
        "I enjoyed it a lot. The ending was beautiful and the actors were fantastic.",
        "Excellent! Funny, moving and clever. I would happily watch it again.",
        "Café scenes were wonderful and the naïve hero was a delight. Great fun.",  # stored as Latin-1
    ],
    ("train", "neg"): [
        "An awful film. Boring plot, terrible acting, a waste of time.",
        "Not good at all.<br /><br />The story was dull and the ending was awful.",
        "Boring, boring, boring. I fell asleep and regret paying for it.",
        "The worst movie I have seen: bad script, bad jokes, horrible music.",
        "It was not good and not funny. A dull and stupid mess.",
        "Terrible. The actors looked bored and so was I. Avoid it.",
    ],
    ("test", "pos"): [
        "A wonderful, great movie. The cast is brilliant.",
        "Great fun from start to finish.<br />I loved the excellent score.",
        "Beautiful and moving, a superb film with fantastic actors.",
        "Excellent writing and a great story; I enjoyed every scene.",
        "Brilliant! One of the best films I have seen, simply wonderful.",
        "A delightful, funny and clever film. Great work by everyone.",
    ],
    ("test", "neg"): [
        "Awful and boring. A terrible waste of two hours.",
        "Not good. The plot was dull<br /><br />and the acting was bad.",
        "The worst film of the year, horrible and stupid.",
        "Boring story, awful dialogue, terrible ending. Avoid.",
        "It was not good, not funny and not worth watching. Dull.",
        "A bad, boring mess with terrible actors. I regret it.",
    ],
}
UNSUP_REVIEWS = [
    "I watched this film last night with my family.",
    "The movie was two hours long and had many actors.",
    "Some scenes were shot in Paris.<br />The music was composed by a newcomer.",
    "It was released in cinemas in the summer.",
]
LATIN1_FILE = ("train", "pos", 5)  # the review stored as Latin-1 bytes
EMPTY_FILE = "test/neg/6_1.txt"  # an empty file on top of the six test/neg reviews


def _rating(cls: str, i: int) -> int:
    return (7, 8, 9, 10)[i % 4] if cls == "pos" else (1, 2, 3, 4)[i % 4]


def _labelled_files() -> list[tuple[str, bytes]]:
    """(relative path below aclImdb/, bytes) of every labelled file, the empty one included."""
    files = []
    for (split, cls), texts in TINY_REVIEWS.items():
        for i, text in enumerate(texts):
            encoding = "latin-1" if (split, cls, i) == LATIN1_FILE else "utf-8"
            files.append((f"{split}/{cls}/{i}_{_rating(cls, i)}.txt", text.encode(encoding)))
    files.append((EMPTY_FILE, b""))
    return files


def _write_tiny_imdb(root: Path) -> Path:
    """An aclImdb/ folder below ``root``, laid out like the real one."""
    acl = root / "aclImdb"
    files = _labelled_files() + [(f"train/unsup/{i}_0.txt", t.encode()) for i, t in enumerate(UNSUP_REVIEWS)]
    files += [("README", b"Tiny IMDB-like data for tests.\n"), ("train/urls_pos.txt", b"http://x\n")]
    for rel, data in files:
        path = acl / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return acl


@pytest.fixture
def tiny_reviews() -> dict[tuple[str, str], list[str]]:
    return {key: list(texts) for key, texts in TINY_REVIEWS.items()}


@pytest.fixture
def tiny_unsup_reviews() -> list[str]:
    return list(UNSUP_REVIEWS)


@pytest.fixture
def tiny_imdb_dir(tmp_path: Path) -> Path:
    return _write_tiny_imdb(tmp_path / "extracted")


@pytest.fixture(scope="session")
def tiny_imdb_shared(tmp_path_factory) -> Path:
    """The tiny aclImdb/ folder once per test run, for module-scoped fixtures that train on it."""
    return _write_tiny_imdb(tmp_path_factory.mktemp("imdb-shared") / "extracted")


@pytest.fixture
def tiny_imdb_tarball(tmp_path: Path) -> Path:
    src = _write_tiny_imdb(tmp_path / "tar_src")
    tarball = tmp_path / "aclImdb_v1.tar.gz"
    with tarfile.open(tarball, "w:gz") as tar:
        tar.add(src, arcname="aclImdb")
    shutil.rmtree(src.parent)
    return tarball


@pytest.fixture
def tiny_posneg_dir(tmp_path: Path) -> Path:
    root = tmp_path / "reviews"
    for rel, data in _labelled_files():
        split, cls, name = rel.split("/")
        path = root / cls / f"{split}_{name}"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return root


@pytest.fixture(autouse=True)
def laptop_settings(tmp_path_factory, monkeypatch):
    """Every test runs as on one's own laptop ("local" mode: typed paths allowed) unless it asks for
    a server with :func:`server_settings`. AppTest has no server address, so "auto" would be "server"."""
    path = tmp_path_factory.mktemp("settings") / "lab_settings.toml"
    path.write_text('mode = "local"\n')
    monkeypatch.setenv("LSTM_LAB_SETTINGS", str(path))
    return path


@pytest.fixture(autouse=True)
def no_server_warm_up(monkeypatch):
    """AppTests run app.py, whose ``warm_server()`` would start, once per test process, a thread that loads
    the default run and reads a review some seconds later, in the middle of whatever test runs then and
    under its monkeypatches (a lemmatizer table patched away was cached by ``explain`` for every later
    test: 9 failures in one fresh-clone run). The warm-up's own tests call ``_warm_default_run``."""
    import ui.state

    monkeypatch.setattr(ui.state, "warm_server", lambda: None)


@pytest.fixture
def server_settings(tmp_path_factory, monkeypatch):
    """A writer of server settings (``mode = "server"`` plus the TOML lines given), made current.
    Each call writes a new file: the app reads a settings file once (ui.state.settings)."""
    def write(extra: str = "") -> Path:
        path = tmp_path_factory.mktemp("settings") / "lab_settings.toml"
        path.write_text('mode = "server"\n' + extra)
        monkeypatch.setenv("LSTM_LAB_SETTINGS", str(path))
        return path
    return write


@pytest.fixture
def app_navigation(monkeypatch):
    """AppTest starts every run in Streamlit's legacy ``pages/`` mode, which a real server leaves after
    its first run (``ui.boot``); leaving it by a rerun would drop button clicks, so start without it."""
    init = PagesManager.__init__

    def navigation_only(self, *args, **kwargs):
        init(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    monkeypatch.setattr(PagesManager, "__init__", navigation_only)


def pytest_configure(config):
    """A run store of this test run's own (``lstm_core.run_store``): a training stored by an earlier
    run, or by the developer's app, must not be replayed where a test expects it trained."""
    import tempfile

    os.environ["LSTM_LAB_RUNS"] = tempfile.mkdtemp(prefix="lstm-lab-test-runs-")


def pytest_sessionfinish(session, exitstatus):
    """Let every trainer end (a warm-up in progress imports TensorFlow) while the interpreter is
    whole: a thread still importing it when Python shuts down crashes the process."""
    from lstm_core.jobs import JobManager

    JobManager.close_all()


@pytest.fixture
def job_managers():
    """``make(**kwargs)``: a ``JobManager``, closed (its workers ended) after the test."""
    from lstm_core.jobs import JobManager

    made = []

    def make(**kwargs):
        made.append(JobManager(**kwargs))
        return made[-1]

    yield make
    for m in made:
        m.close()


@pytest.fixture
def data_dir(tiny_imdb_dir) -> Path:
    return tiny_imdb_dir


@pytest.fixture(scope="module")
def vectors(tmp_path_factory) -> Path:
    """helpers.write_vectors' file, once per module."""
    from helpers import write_vectors

    return write_vectors(tmp_path_factory.mktemp("compare-vectors") / "tiny.txt")
