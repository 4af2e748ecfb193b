"""Helpers shared by the tests: the tiny model every test trains (:func:`tiny_config`), tiny trained runs
shared by the session (:func:`trained_run`), a word-vector file (:func:`write_vectors`), and AppTest helpers
for the pages."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import numpy as np
from streamlit.testing.v1 import AppTest

from lstm_core.config import ExperimentConfig
from lstm_core.pipeline import train_run
from lstm_core.runs import export_bundle, save_run

APP = str(Path(__file__).resolve().parent.parent / "app.py")
TINY = ExperimentConfig().replace(
    data={"per_class": 20},
    sequence={"max_len": 20, "max_vocab": 1_000},
    model={"embedding_dim": 8, "units": 4, "dense_units": 4, "dropout": 0.0, "embedding_init": "random",
           "embedding_trainable": True},
    train={"max_epochs": 2, "batch_size": 8, "learning_rate": 0.01, "patience": 5},
)
LONG = TINY.replace(train={"max_epochs": 100, "batch_size": 2})  # runs until stopped


def app(page: str | None = None, config: ExperimentConfig | None = None, owner: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    if config is not None:
        at.session_state["lab_config"] = config
    if owner is not None:  # AppTests share one session id; the trainer tells sessions apart by it
        at.session_state["lab_owner"] = owner
    at.run()
    if page:
        at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def texts(elements) -> str:
    """The elements' text as a reader sees it (user text in markdown is backslash-escaped)."""
    return re.sub(r"\\(.)", r"\1", "\n".join(str(e.value) for e in elements))


def until_done(at: AppTest, timeout: float = 180) -> None:
    job = at.session_state["lab_job"]
    assert job.wait(timeout), job.snapshot()
    at.run()  # the page sees the job done, collects the run and redraws


def button(at: AppTest, label: str):
    (found,) = [b for b in at.button if b.label == label]
    return found


def train_button(at: AppTest):
    return at.button(key="train")


def bundle_of(at: AppTest) -> bytes:
    return export_bundle(at.session_state["lab_runs"][-1].path)


def upload(at: AppTest, name: str, data: bytes) -> AppTest:
    at.file_uploader(key="bundle").upload(name, data, "application/zip").run()
    assert not at.exception, at.exception
    return at


# ------------------------------------------------------------------------------------ tiny models


def tiny_config(source, **train) -> ExperimentConfig:
    """The tiny model the core tests train on the tiny data (seconds on 2 cores)."""
    return ExperimentConfig().replace(
        data={"source": str(source)},
        sequence={"max_len": 16, "max_vocab": 200},
        model={"embedding_dim": 8, "units": 4, "dense_units": 4, "dropout": 0.0,
               "embedding_init": "random", "embedding_trainable": True},
        train={"max_epochs": 2, "batch_size": 4, "learning_rate": 0.01, "validation_split": 0.25,
               **train},
    )


TINY_RUN_LEN = 20  # tokens the tiny runs read
_RUNS: dict[tuple, Path] = {}


def trained_run(data_dir: Path, out_root: Path, cell: str = "lstm", pooling: str = "last") -> Path:
    """The directory of a tiny run of ``cell`` and ``pooling``, trained on first use and shared by
    every test of the session."""
    key = (cell, pooling)
    if key not in _RUNS:
        cfg = tiny_config(data_dir).replace(sequence={"max_len": TINY_RUN_LEN},
                                            model={"cell": cell, "pooling": pooling})
        run = train_run(cfg, name=f"tiny {cell} {pooling}", with_baseline=False)
        _RUNS[key] = save_run(run, out_root / f"run-{cell}-{pooling}")
    return _RUNS[key]


VECTOR_DIM = 8
POSITIVE = ("great", "wonderful", "excellent", "brilliant", "fantastic", "superb", "enjoy", "love")
NEGATIVE = ("awful", "terrible", "bore", "dull", "bad", "worst", "waste", "horrible")
NEUTRAL = ("film", "movie", "story", "actor", "music", "end")


def write_vectors(path: Path, dim: int = VECTOR_DIM, words=POSITIVE + NEGATIVE + NEUTRAL) -> Path:
    """A word2vec text file: praise words near +e0, complaints near -e0, film words near e1."""
    rng = np.random.default_rng(0)
    lines = [f"{len(words)} {dim}"]
    for w in words:
        v = rng.normal(0, 0.1, dim)
        v[0] += 1.0 if w in POSITIVE else -1.0 if w in NEGATIVE else 0.0
        v[1] += 1.0 if w in NEUTRAL else 0.0
        lines.append(w + " " + " ".join(f"{x:.5f}" for x in v))
    path.write_text("\n".join(lines) + "\n")
    return path


def compare_config(data_dir: Path, vectors: Path, **train) -> ExperimentConfig:
    """The tiny model, starting from ``vectors`` when a variant uses word2vec."""
    return tiny_config(data_dir, **train).replace(model={"embedding_path": str(vectors)})


def wait_for(predicate, timeout: float = 60.0) -> bool:
    """Poll ``predicate`` until it holds (True) or ``timeout`` seconds pass (False)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.01)
    return False


# ---------------------------------------------------------------------------------- languages
# Names that stay as they are in every language: the cells, libraries, data sets, formulas.
SAME_IN_EVERY_LANGUAGE = {"LSTM", "GRU", "RNN", "SimpleRNN", "Simple", "IMDB", "word2vec", "TF-IDF", "BoW", "CSV",
                          "Keras", "NumPy", "TensorFlow", "tanh", "sigmoid", "positive", "Adam", "JSON", "ZIP",
                          "zip", "URL", "LSTM Lab", "Lab", "Karpathy", "Johnson", "Fei-Fei", "Maas", "Hochreiter",
                          "Schmidhuber", "Ctrl", "Enter", "var", "min", "max", "GloVe", "Bengio", "gensim", "NLTK",
                          "WordNet", "Okabe", "Ito", "svg", "npz", "tsv", "toml"}
_MARKUP = re.compile(r"%\{[^}]*\}|\$[^$]*\$|`[^`]*`|<[^>]+>|https?://\S+|:material/[a-z_]+:|\*\*|__")
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9'-]{2,}")  # word2vec is one word


def shown_texts(at: AppTest) -> list[str]:
    """Every text an AppTest page shows a reader: headings, prose, alerts, widget labels, help and options,
    and the titles and labels inside its plotly figures."""
    out: list[str] = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "info", "warning", "error", "success",
                 "toast", "expander", "metric"):
        for el in getattr(at, kind):
            out += [str(v) for v in (getattr(el, "value", None), getattr(el, "label", None)) if v]
    for kind in ("button", "download_button", "text_area", "text_input", "selectbox", "multiselect", "radio",
                 "slider", "select_slider", "toggle", "checkbox", "number_input", "segmented_control", "pills",
                 "page_link", "file_uploader"):
        for el in at.get(kind):
            proto = el.proto
            out += [str(getattr(proto, a)) for a in ("label", "help", "placeholder") if getattr(proto, a, "")]
            out += [str(o) for o in getattr(el, "options", None) or []]
    for chart in at.get("plotly_chart"):
        out.append(_figure_texts(chart.proto.spec))
    return out


def _figure_texts(spec: str) -> str:
    """The titles, axis titles, legend names and annotations of a plotly figure's JSON."""
    fig = json.loads(spec)
    found: list[str] = []

    def walk(node, key=""):
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, k)
        elif isinstance(node, list):
            for v in node:
                walk(v, key)
        elif isinstance(node, str) and key in ("text", "name", "title", "hovertemplate"):
            found.append(node)

    walk(fig.get("layout", {}))
    for trace in fig.get("data", []):
        walk({k: trace.get(k) for k in ("name", "hovertemplate") if trace.get(k)})
    return " ".join(found)


def english_left(texts: list[str], allowed: set[str] | frozenset[str] = frozenset()) -> list[str]:
    """The English words in ``texts`` (markup, formulas and code spans removed) that are neither names kept in
    every language nor in ``allowed`` (the reviews and tokens the model reads, which stay English)."""
    keep = {w.lower() for w in SAME_IN_EVERY_LANGUAGE | set(allowed)}
    words = (w for t in texts for w in _WORD.findall(_MARKUP.sub(" ", t)))
    return sorted({w for w in words if w.lower().strip("'-") not in keep})


def assert_valid_plotly(fig) -> None:
    """A figure built unvalidated (``lstm_core.figures.unvalidated``), validated now: an unknown or
    badly typed property raises, and validation changes nothing that is drawn."""
    import plotly.graph_objects as go
    import plotly.io as pio

    validated = go.Figure(fig.to_dict())  # ValueError on any invalid property
    assert json.loads(pio.to_json(fig, validate=False)) == json.loads(pio.to_json(validated))
