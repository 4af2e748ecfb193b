"""A run = config + vocabulary + weights + history + metrics, in one directory.

Layout of a run directory (all JSON is ours; nothing in it is ever executed):

    meta.json          format name and version, lstm_core version, name, creation time
    config.json        ExperimentConfig.to_dict()
    vocabulary.json    Vocabulary.to_dict()
    model.weights.h5   Keras weights only (no architecture, no code)
    history.json       per-epoch and per-batch curves, training facts
    metrics.json       test metrics and the TF-IDF baseline

Saving writes a sibling temporary directory and renames it into place, so a
crash never leaves a half run under the run's name. Loading rebuilds the model
from our own validated config and then loads the weights: no unpickling.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import tempfile
import time
import uuid
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from . import __version__
from .config import ExperimentConfig
from .errors import RunError
from .vocabulary import Vocabulary

FORMAT = "lstm-lab-run"
FORMAT_VERSION = 1
WEIGHTS = "model.weights.h5"
JSON_FILES = ("meta.json", "config.json", "vocabulary.json", "history.json", "metrics.json")
FILES = JSON_FILES + (WEIGHTS,)
# A classroom model is ~10 MB of weights; anything far beyond is not ours.
MAX_BUNDLE_BYTES = 200 * 1024 * 1024


@dataclass
class Run:
    config: ExperimentConfig
    vocab: Vocabulary
    model: Any  # keras.Model
    history: dict[str, list[float]] = field(default_factory=dict)  # per epoch
    batches: dict[str, list[float]] = field(default_factory=dict)  # per batch: step, epoch, loss, accuracy
    metrics: dict[str, Any] = field(default_factory=dict)  # "test": Metrics.to_dict(), "baseline": {...}
    info: dict[str, Any] = field(default_factory=dict)  # name, created, seconds, epochs_run, best_epoch, ...

    @property
    def name(self) -> str:
        return str(self.info.get("name", "run"))

    @property
    def test_accuracy(self) -> float | None:
        test = self.metrics.get("test")
        return float(test["accuracy"]) if test else None

    def predict(self, texts: list[str]) -> np.ndarray:
        """P(positive) for raw review texts, cleaned and encoded as in training."""
        from .model import predict_proba
        from .pipeline import encode_texts

        x, _ = encode_texts(texts, self.config, self.vocab)
        return predict_proba(self.model, x)


def save_run(run: Run, path: str | Path) -> Path:
    """Write ``run`` to directory ``path`` atomically (replacing an older run there)."""
    path = Path(path).expanduser()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.tmp-", dir=path.parent))
    try:
        tmp.chmod(0o755)  # mkdtemp makes it private; a run is an ordinary folder
        meta = {"format": FORMAT, "format_version": FORMAT_VERSION, "lstm_core_version": __version__,
                "name": run.name, "created": run.info.get("created", time.strftime("%Y-%m-%dT%H:%M:%S"))}
        docs = {"meta.json": meta, "config.json": run.config.to_dict(),
                "vocabulary.json": run.vocab.to_dict(),
                "history.json": {"epochs": run.history, "batches": run.batches, "info": run.info},
                "metrics.json": run.metrics}
        for name, doc in docs.items():
            (tmp / name).write_text(json.dumps(doc, indent=1, default=_json_default), encoding="utf-8")
        run.model.save_weights(str(tmp / WEIGHTS))
        _replace_dir(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return path


def _replace_dir(new: Path, target: Path) -> None:
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}.old-{uuid.uuid4().hex[:8]}")
        os.replace(target, old)
    os.replace(new, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _json_default(o: Any) -> Any:
    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    raise TypeError(f"cannot store {type(o).__name__} in a run")


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise RunError(f"{path.name} in run {path.parent} cannot be read: {e}") from e


def read_meta(path: str | Path) -> dict:
    """Check that ``path`` holds a complete run we can read; returns meta.json."""
    path = Path(path).expanduser()
    if not path.is_dir():
        raise RunError(f"run directory {path} does not exist")
    missing = [f for f in FILES if not (path / f).is_file()]
    if missing:
        raise RunError(f"run directory {path} is missing {', '.join(missing)}")
    meta = _read_json(path / "meta.json")
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise RunError(f"{path} is not an LSTM Lab run (meta.json format is "
                       f"{meta.get('format') if isinstance(meta, dict) else meta!r})")
    version = meta.get("format_version")
    if not isinstance(version, int):
        raise RunError(f"{path}/meta.json has no valid format_version: {version!r}")
    if version > FORMAT_VERSION:
        raise RunError(f"run {path} was written by a newer LSTM Lab (run format {version}, "
                       f"lstm_core {meta.get('lstm_core_version', '?')}); this version reads up to "
                       f"format {FORMAT_VERSION}. Update LSTM Lab to open it.")
    return meta


@dataclass(frozen=True)
class RunDocs:
    """A saved run's JSON, validated: everything but the vocabulary and the weights."""

    meta: dict[str, Any]
    config: ExperimentConfig
    history: dict[str, list[float]]  # per epoch
    batches: dict[str, list[float]]
    metrics: dict[str, Any]
    info: dict[str, Any]  # with "name" always set


def read_run_docs(path: str | Path) -> RunDocs:
    """Check a run directory and read its JSON without building a model (cheap: no TensorFlow)."""
    path = Path(path).expanduser()
    meta = read_meta(path)
    try:
        config = ExperimentConfig.from_dict(_read_json(path / "config.json"))
    except ValueError as e:
        raise RunError(f"config.json in run {path} is not valid: {e}") from e
    history = _read_json(path / "history.json")
    metrics = _read_json(path / "metrics.json")
    if not isinstance(history, dict) or not isinstance(metrics, dict):
        raise RunError(f"history.json and metrics.json in run {path} must hold JSON objects")
    info = dict(history.get("info") or {})
    info["name"] = str(info.get("name") or meta.get("name") or path.name)
    return RunDocs(meta, config, history.get("epochs") or {}, history.get("batches") or {}, metrics, info)


def load_run(path: str | Path) -> Run:
    """Rebuild the model from the run's config and load its weights."""
    from .model import build_model

    path = Path(path).expanduser()
    docs = read_run_docs(path)
    config = docs.config
    vocab = Vocabulary.from_dict(_read_json(path / "vocabulary.json"))
    model = build_model(config.model, vocab.size, train_cfg=config.train)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            model.load_weights(str(path / WEIGHTS))
    except Exception as e:  # h5py and Keras raise many types for a corrupt or mismatched file
        raise RunError(f"{WEIGHTS} in run {path} does not fit its config "
                       f"({type(e).__name__}: {str(e)[:200]})") from e
    # Keras only warns when part of a file does not match and keeps fresh weights there.
    # (The optimizer's saved state is not needed to predict or to show gates.)
    skipped = [str(w.message) for w in caught if "optimizer" not in str(w.message).lower()
               and ("weight" in str(w.message).lower() or "skipping" in str(w.message).lower())]
    if skipped:
        raise RunError(f"{WEIGHTS} in run {path} does not fit its config ({skipped[0][:200]})")
    return Run(config, vocab, model, docs.history, docs.batches, docs.metrics, docs.info)


def export_bundle(path: str | Path) -> bytes:
    """The run directory as a zip (for download); exactly the run's files."""
    path = Path(path)
    read_meta(path)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name in FILES:
            zf.write(path / name, arcname=name)
    return buf.getvalue()


def import_bundle(data: bytes, dest: str | Path) -> Run:
    """Validate an uploaded zip bundle, load it, and only then store it at ``dest``.

    Only our known file names are read (no paths, no other members); sizes are
    bounded; a bundle that does not load leaves ``dest`` untouched.
    """
    if len(data) > MAX_BUNDLE_BYTES:
        raise RunError(f"the bundle is {len(data) / 2**20:.0f} MB; the limit is "
                       f"{MAX_BUNDLE_BYTES / 2**20:.0f} MB")
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = {i.filename: i for i in zf.infolist()}
    except (zipfile.BadZipFile, OSError, ValueError) as e:
        raise RunError(f"the upload is not a run bundle (not a readable zip file: {e})") from e
    missing = [f for f in FILES if f not in infos]
    if missing:
        raise RunError(f"the bundle is missing {', '.join(missing)}; it holds "
                       f"{', '.join(sorted(infos)) or 'nothing'}")
    if sum(infos[f].file_size for f in FILES) > 2 * MAX_BUNDLE_BYTES:
        raise RunError("the bundle unpacks to more than the size limit")
    dest = Path(dest).expanduser()
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.upload-", dir=dest.parent))
    try:
        for name in FILES:
            try:
                (tmp / name).write_bytes(zf.read(infos[name]))
            except (zipfile.BadZipFile, OSError, EOFError, ValueError) as e:
                raise RunError(f"{name} in the bundle is corrupted: {e}") from e
        run = load_run(tmp)
        _replace_dir(tmp, dest)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return run
