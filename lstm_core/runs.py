"""A run = config + vocabulary + weights + history + metrics, in one directory.

Layout of a run directory (all JSON is ours; nothing in it is ever executed):

    meta.json          format name and version, lstm_core version, name, creation time
    config.json        ExperimentConfig.to_dict()
    vocabulary.json    Vocabulary.to_dict()
    model.weights.h5   Keras weights only (no architecture, no code)
    history.json       per-epoch and per-batch curves, training facts
    metrics.json       test metrics and the TF-IDF baseline
    snapshots.npz      optional: the trainable weights before training and after each epoch
                       (lstm_core.snapshots); a run without it (older ones) loads, and a bad one
                       only loses the time-lapse (``Run.snapshot_problem`` says why)

Saving writes a sibling temporary directory and renames it into place, so a
crash never leaves a half run under the run's name. Loading rebuilds the model
from our own validated config and then loads the weights: no unpickling.

A run may come from anyone (an uploaded bundle), so loading is bounded by
construction: each file's size, the vocabulary's length and the model's
parameter count are checked against ``lstm_core.limits.LIMITS``, and the
weights file's array shapes against the config, all before the model is built.
Messages name the file inside the run and never a server path: the caller says
what to call the run (``where``). They are keyed errors (catalogue ``runs``): an uploaded bundle's
in words of their own (``runs.bundle``), a run folder's naming it (``runs.run``), so the app shows
them in the reader's language.
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
import zlib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np

from . import __version__
from .config import ExperimentConfig
from .encoding import TextEncoder
from .errors import RunError
from .evaluation import Metrics
from .notices import Notice
from .limits import LIMITS, Limits, LimitExceeded, check_model_size, weight_shapes
from .snapshots import SNAPSHOTS, WeightSnapshots, read_snapshots, save_snapshots
from .vocabulary import Vocabulary

FORMAT = "lstm-lab-run"
FORMAT_VERSION = 1
WEIGHTS = "model.weights.h5"
JSON_FILES = ("meta.json", "config.json", "vocabulary.json", "history.json", "metrics.json")
FILES = JSON_FILES + (WEIGHTS,)
OPTIONAL = (SNAPSHOTS,)  # read when present; never required


@dataclass
class RunInfo:
    """What happened when a run was trained (history.json's "info"). Every field has a default, so
    runs saved by older versions read; keys this version does not know are kept in ``extra``."""

    name: str = "run"
    created: str = ""
    data: str = ""  # the data set's name
    seconds: float | None = None  # of fit
    epochs_run: int = 0
    best_epoch: int = 0  # 0-based
    stopped_early: bool = False
    stopped_by_user: bool = False
    train_size: int = 0
    val_size: int = 0
    test_size: int = 0
    truncated_share: float = 0.0  # of the training reviews longer than max_len
    tokens_cut_share: float = 0.0
    warnings: list[str] = field(default_factory=list)
    cleaning: dict[str, Any] | None = None  # preprocessing.CleaningRecipe.to_dict(): how its text was cleaned
    embedding_coverage: dict[str, Any] | None = None  # embeddings.Coverage.to_dict(), for word2vec starts
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        d = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "extra"}
        return {**self.extra, **{k: v for k, v in d.items() if v is not None or k == "seconds"}}

    @classmethod
    def from_dict(cls, d: Any) -> "RunInfo":
        """Strict on the types of the fields it knows (RunError naming the field), lenient on others."""
        if not isinstance(d, dict):
            raise RunError(f"a run's info must be a JSON object, got {type(d).__name__}")
        known = {f.name: f for f in fields(cls) if f.name != "extra"}
        values: dict[str, Any] = {}
        for key, value in d.items():
            if key not in known or value is None:
                continue
            kind = _INFO_TYPES[key]
            if kind is float and isinstance(value, int) and not isinstance(value, bool):
                value = float(value)
            if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
                raise RunError(f"info.{key} must be {kind.__name__}, got {value!r}"[:200])
            values[key] = value
        if "warnings" in values:
            values["warnings"] = [str(w) for w in values["warnings"]]
        return cls(**values, extra={k: v for k, v in d.items() if k not in known})


_INFO_TYPES = {"name": str, "created": str, "data": str, "seconds": float, "epochs_run": int, "best_epoch": int,
               "stopped_early": bool, "stopped_by_user": bool, "train_size": int, "val_size": int,
               "test_size": int, "truncated_share": float, "tokens_cut_share": float, "warnings": list,
               "cleaning": dict, "embedding_coverage": dict}


@dataclass(frozen=True)
class BaselineMetrics:
    """The same-split TF-IDF + logistic regression reference (metrics.json's "baseline")."""

    metrics: Metrics
    seconds: float
    features: int

    def to_dict(self) -> dict[str, Any]:
        return {**self.metrics.to_dict(), "seconds": self.seconds, "features": self.features}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "BaselineMetrics":
        return cls(Metrics.from_dict(d), float(d.get("seconds", 0.0)), int(d.get("features", 0)))


@dataclass(frozen=True)
class RunMetrics:
    """How good a run is (metrics.json): on its test reviews, and the baseline's on the same ones.
    ``baseline_probes`` (probe text → the baseline's P(positive)) records the bag of words on the
    teaching probes when the run was made, for where its training reviews are not at hand (the
    shipped default run, trained on the full IMDB tarball)."""

    test: Metrics | None = None
    baseline: BaselineMetrics | None = None
    baseline_probes: dict[str, float] | None = None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {}
        if self.test is not None:
            d["test"] = self.test.to_dict()
        if self.baseline is not None:
            d["baseline"] = self.baseline.to_dict()
        if self.baseline_probes is not None:
            d["baseline_probes"] = dict(self.baseline_probes)
        return d

    @classmethod
    def from_dict(cls, d: Any) -> "RunMetrics":
        if not isinstance(d, dict):
            raise RunError(f"metrics.json must hold a JSON object, got {type(d).__name__}")
        probes = d.get("baseline_probes")
        if probes is not None and not (isinstance(probes, dict) and len(probes) <= 10_000 and all(
                isinstance(k, str) and isinstance(v, (int, float)) and not isinstance(v, bool) and 0 <= v <= 1
                for k, v in probes.items())):
            raise RunError("metrics.json: baseline_probes must map probe texts to probabilities in [0, 1]")
        try:
            return cls(Metrics.from_dict(d["test"]) if d.get("test") else None,
                       BaselineMetrics.from_dict(d["baseline"]) if d.get("baseline") else None,
                       {k: float(v) for k, v in probes.items()} if probes is not None else None)
        except (KeyError, TypeError, ValueError, IndexError) as e:
            raise RunError(f"metrics.json does not hold valid metrics ({type(e).__name__}: {e})"[:200]) from None


@dataclass
class Run:
    config: ExperimentConfig
    vocab: Vocabulary
    model: Any  # keras.Model
    history: dict[str, list[float]] = field(default_factory=dict)  # per epoch
    batches: dict[str, list[float]] = field(default_factory=dict)  # per batch: step, epoch, loss, accuracy
    metrics: RunMetrics = field(default_factory=RunMetrics)
    info: RunInfo = field(default_factory=RunInfo)
    snapshots: WeightSnapshots | None = None  # the time-lapse; None for runs trained without one
    snapshot_problem: str = ""  # why a run's snapshots.npz could not be read (the run itself loads): a Notice

    @property
    def name(self) -> str:
        return self.info.name

    @property
    def test_accuracy(self) -> float | None:
        return self.metrics.test.accuracy if self.metrics.test else None

    def predict(self, texts: list[str]) -> np.ndarray:
        """P(positive) for raw review texts, cleaned and encoded as in training (its recorded recipe)."""
        from .model import predict_proba  # TensorFlow: only once a model is used

        return predict_proba(self.model, TextEncoder.of_run(self).encode(texts).ids)


def save_run(run: Run, path: str | Path) -> Path:
    """Write ``run`` to directory ``path`` atomically (replacing an older run there)."""
    path = Path(path).expanduser()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.tmp-", dir=path.parent))
    try:
        tmp.chmod(0o755)  # mkdtemp makes it private; a run is an ordinary folder
        meta = {"format": FORMAT, "format_version": FORMAT_VERSION, "lstm_core_version": __version__,
                "name": run.name, "created": run.info.created or time.strftime("%Y-%m-%dT%H:%M:%S")}
        docs = {"meta.json": meta, "config.json": run.config.to_dict(),
                "vocabulary.json": run.vocab.to_dict(),
                "history.json": {"epochs": run.history, "batches": run.batches, "info": run.info.to_dict()},
                "metrics.json": run.metrics.to_dict()}
        for name, doc in docs.items():
            (tmp / name).write_text(json.dumps(doc, indent=1, default=_json_default), encoding="utf-8")
        run.model.save_weights(str(tmp / WEIGHTS))
        if run.snapshots is not None:
            save_snapshots(run.snapshots, tmp / SNAPSHOTS)
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


BUNDLE = "the bundle"


def _no_time_lapse(error: RunError) -> Notice:
    return Notice.keyed("runs.no_time_lapse", problem=Notice.of(error))


def _error(what: str, where: str, **fields: Any) -> RunError:
    """The RunError ``what`` about the run called ``where``: the bundle's own sentence for an upload."""
    if where == BUNDLE:
        return RunError.keyed(f"runs.bundle.{what}", **fields)
    return RunError.keyed(f"runs.run.{what}", where=where, **fields)


def _where(path: Path, where: str | None) -> str:
    """How messages name a run: as the caller says, else by its folder's own name only (a session's
    runs live under a folder whose name is the session's secret)."""
    return where or f"run {path.name or path}"


def _read_json(path: Path, where: str | None = None, limits: Limits = LIMITS) -> Any:
    """A JSON file of a run, its size and its number of items bounded before it is parsed."""
    where = _where(path.parent, where)
    try:
        if path.stat().st_size > limits.bundle_json_bytes:
            raise _error("json_too_large", where, file=path.name, mb=limits.bundle_json_bytes // 2**20)
        raw = path.read_bytes()
    except OSError as e:
        raise _error("unreadable", where, file=path.name, reason=e.strerror or type(e).__name__) from None
    # Every JSON array or object item but the first of each is preceded by a comma: a cheap bound
    # on how many Python objects parsing would make (a 1M-word vocabulary is refused here).
    items = raw.count(b",")
    if items > limits.vocab_words * 3:
        raise _error("too_many_items", where, file=path.name, items=items, most=limits.vocab_words * 3)
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as e:
        raise _error("not_json", where, file=path.name, type=type(e).__name__) from None


def read_meta(path: str | Path, where: str | None = None) -> dict:
    """Check that ``path`` holds a complete run we can read; returns meta.json."""
    path = Path(path).expanduser()
    where = _where(path, where)
    if not path.is_dir():
        raise _error("no_folder", where)
    missing = [f for f in FILES if not (path / f).is_file()]
    if missing:
        raise _error("missing", where, files=", ".join(missing))
    meta = _read_json(path / "meta.json", where)
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise _error("not_a_run", where, file="meta.json", format=repr(FORMAT))
    version = meta.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise _error("no_version", where, file="meta.json", name="format_version")
    if version > FORMAT_VERSION:
        raise _error("newer", where, version=version, supported=FORMAT_VERSION)
    return meta


@dataclass(frozen=True)
class RunDocs:
    """A saved run's JSON, validated: everything but the vocabulary and the weights."""

    meta: dict[str, Any]
    config: ExperimentConfig
    history: dict[str, list[float]]  # per epoch
    batches: dict[str, list[float]]
    metrics: RunMetrics
    info: RunInfo  # its name always set


def _read_config(path: Path, where: str) -> ExperimentConfig:
    doc = _read_json(path / "config.json", where)
    try:
        return ExperimentConfig.from_dict(doc)
    except (ValueError, TypeError) as e:
        raise _error("config_invalid", where, file="config.json", problem=str(e)) from None


def read_run_docs(path: str | Path, where: str | None = None) -> RunDocs:
    """Check a run directory and read its JSON without building a model (cheap: no TensorFlow)."""
    path = Path(path).expanduser()
    where = _where(path, where)
    meta = read_meta(path, where)
    config = _read_config(path, where)
    history = _read_json(path / "history.json", where)
    if not isinstance(history, dict):
        raise _error("history_not_object", where, file="history.json")
    try:
        metrics = RunMetrics.from_dict(_read_json(path / "metrics.json", where))
        info = RunInfo.from_dict(history.get("info") or {})
    except RunError as e:
        raise _error("invalid", where, problem=str(e)) from None
    if not (history.get("info") or {}).get("name"):
        info.name = str(meta.get("name") or path.name)
    return RunDocs(meta, config, history.get("epochs") or {}, history.get("batches") or {}, metrics, info)


def _read_vocabulary(path: Path, where: str, limits: Limits = LIMITS) -> Vocabulary:
    doc = _read_json(path / "vocabulary.json", where, limits)
    words = doc.get("words") if isinstance(doc, dict) else None
    if isinstance(words, list) and len(words) > limits.vocab_words:
        raise _error("vocabulary_too_large", where, words=len(words), limit=limits.vocab_words)
    try:
        return Vocabulary.from_dict(doc)
    except (ValueError, TypeError) as e:
        raise _error("vocabulary_invalid", where, file="vocabulary.json", problem=str(e)) from None


def check_weights_file(path: Path, config: ExperimentConfig, vocab_size: int, where: str) -> None:
    """The HDF5 weights file holds exactly the arrays ``config``'s model has (plus Adam's state),
    read from its metadata only: shapes, dtypes and links, before any array or model is made."""
    import h5py

    expected = weight_shapes(config.model, vocab_size)
    layers: list[tuple[int, ...]] = []
    optimizer: list[tuple[int, ...]] = []
    problems: list[str] = []

    def visit(name: str) -> None:
        link = f.get(name, getlink=True)
        if not isinstance(link, h5py.HardLink):
            problems.append("weights_link")
            return
        obj = f[name]
        if isinstance(obj, h5py.Dataset):
            if obj.external or obj.is_virtual or obj.dtype.kind not in "fiu":
                problems.append("weights_not_numbers")
            (optimizer if name.startswith("optimizer/") else layers).append(tuple(obj.shape))

    try:
        with h5py.File(path, "r") as f:
            f.visit_links(visit)
    except (OSError, ValueError, KeyError, RuntimeError) as e:
        raise _error("weights_unreadable", where, file=WEIGHTS, type=type(e).__name__) from None
    if problems:
        raise _error(problems[0], where, file=WEIGHTS)
    if sorted(layers) != sorted(expected):
        raise _error("weights_shapes", where, file=WEIGHTS, cell=config.model.cell.upper(), words=vocab_size,
                     expected=_shapes(expected), found=_shapes(layers))
    allowed = set(expected) | {()}
    if len(optimizer) > 2 * len(expected) + 4 or any(s not in allowed for s in optimizer):
        raise _error("weights_optimizer", where, file=WEIGHTS)


def _shapes(shapes: list[tuple[int, ...]]) -> str:
    """Array shapes as "2×4, 4": the same in every language (a scalar is "()", more than 12 "…")."""
    shown = ", ".join("×".join(map(str, s)) or "()" for s in shapes[:12])
    return shown + (f", … (+{len(shapes) - 12})" if len(shapes) > 12 else "")


def _model_size(config: ExperimentConfig, vocab: Vocabulary, where: str, limits: Limits) -> int:
    try:
        return check_model_size(config.model, vocab.size, limits)
    except LimitExceeded as e:  # limits.vocabulary or limits.model, with the run's name
        raise _error(f"too_big_{e.key.rsplit('.', 1)[-1]}", where, **e.fields) from None


def load_run(path: str | Path, where: str | None = None, limits: Limits = LIMITS) -> Run:
    """Rebuild the model from the run's config and load its weights, every size checked first."""
    from .model import build_model  # TensorFlow: only once a model is needed

    path = Path(path).expanduser()
    where = _where(path, where)
    docs = read_run_docs(path, where)
    config = docs.config
    vocab = _read_vocabulary(path, where, limits)
    _model_size(config, vocab, where, limits)
    weights = path / WEIGHTS
    try:
        size = weights.stat().st_size
    except OSError:
        raise _error("weights_cannot_read", where, file=WEIGHTS) from None
    if size > limits.bundle_weights_bytes:
        raise _error("weights_too_large", where, file=WEIGHTS)
    check_weights_file(weights, config, vocab.size, where)
    model = build_model(config.model, vocab.size, train_cfg=config.train)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            model.load_weights(str(weights))
    except Exception as e:  # h5py and Keras raise many types for a corrupt or mismatched file
        raise _error("weights_mismatch_type", where, file=WEIGHTS, type=type(e).__name__) from None
    # Keras only warns when part of a file does not match and keeps fresh weights there.
    # (The optimizer's saved state is not needed to predict or to show gates.)
    skipped = [str(w.message) for w in caught if "optimizer" not in str(w.message).lower()
               and ("weight" in str(w.message).lower() or "skipping" in str(w.message).lower())]
    if skipped:
        raise _error("weights_mismatch", where, file=WEIGHTS)
    snapshots, problem = _read_optional_snapshots(path, config, vocab.size, where, limits)
    return Run(config, vocab, model, docs.history, docs.batches, docs.metrics, docs.info, snapshots, problem)


def _read_optional_snapshots(path: Path, config: ExperimentConfig, vocab_size: int, where: str,
                             limits: Limits) -> tuple[WeightSnapshots | None, str]:
    """(the run's snapshots or None, why they could not be read or ""): a missing or bad
    snapshots.npz costs the time-lapse only, never the run."""
    if not (path / SNAPSHOTS).is_file():
        return None, ""
    try:
        return read_snapshots(path / SNAPSHOTS, config, vocab_size, where, limits), ""
    except RunError as e:
        return None, _no_time_lapse(e)


def export_bundle(path: str | Path) -> bytes:
    """The run directory as a zip (for download); exactly the run's files."""
    path = Path(path)
    read_meta(path)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name in FILES + tuple(n for n in OPTIONAL if (path / n).is_file()):
            zf.write(path / name, arcname=name)
    return buf.getvalue()


def _member_limit(name: str, limits: Limits) -> int:
    if name == SNAPSHOTS:
        return limits.snapshot_bytes + 2**16  # the arrays plus their npz headers
    return limits.bundle_weights_bytes if name == WEIGHTS else limits.bundle_json_bytes


def _unpack_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, out: Path, limit: int) -> None:
    """Copy one member to ``out`` in chunks, refusing it as soon as it passes ``limit`` bytes
    (whatever its header declared) and when its checksum fails."""
    written = 0
    try:
        with zf.open(info) as src, open(out, "wb") as dst:
            while chunk := src.read(2**20):
                written += len(chunk)
                if written > limit:
                    raise RunError.keyed("runs.bundle.unpacks_too_large", file=info.filename, mb=limit / 2**20)
                dst.write(chunk)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError, zlib.error) as e:
        if isinstance(e, RunError):
            raise
        raise RunError.keyed("runs.bundle.damaged", file=info.filename, type=type(e).__name__) from None


def _unpack_snapshots(zf: zipfile.ZipFile, info: zipfile.ZipInfo | None, out: Path, limits: Limits) -> str:
    """Unpack the optional time-lapse; one that is too large or damaged is left out (the run
    still imports) and the message says why."""
    if info is None:
        return ""
    limit = _member_limit(SNAPSHOTS, limits)
    try:
        if info.file_size > limit:
            raise RunError.keyed("runs.bundle.member_too_large", file=SNAPSHOTS, mb=info.file_size / 2**20,
                                 limit=limit / 2**20)
        _unpack_member(zf, info, out / SNAPSHOTS, limit)
    except RunError as e:
        (out / SNAPSHOTS).unlink(missing_ok=True)
        return _no_time_lapse(e)
    return ""


def import_bundle(data: bytes, dest: str | Path, limits: Limits = LIMITS) -> Run:
    """Validate an uploaded zip bundle, load it, and only then store it at ``dest``.

    Only our known file names are read (no paths, no other members); every size is bounded
    before it is allocated (the upload, each member as declared and as unpacked, the vocabulary,
    the model); a bundle that does not load leaves ``dest`` untouched.
    """
    if len(data) > limits.upload_bytes:
        raise RunError.keyed("runs.bundle.too_large", mb=len(data) / 2**20, limit=limits.upload_bytes / 2**20)
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = {i.filename: i for i in zf.infolist()}
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise RunError.keyed("runs.bundle.not_zip") from None
    missing = [f for f in FILES if f not in infos]
    if missing:
        raise RunError.keyed("runs.bundle.incomplete", missing=", ".join(missing), files=", ".join(FILES))
    for name in FILES:
        if infos[name].file_size > _member_limit(name, limits):
            raise RunError.keyed("runs.bundle.member_too_large", file=name, mb=infos[name].file_size / 2**20,
                                 limit=_member_limit(name, limits) / 2**20)
    dest = Path(dest).expanduser()
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.upload-", dir=dest.parent))
    try:
        # The small JSON files first: a bundle whose model would be too large never has its
        # weights unpacked.
        for name in JSON_FILES:
            _unpack_member(zf, infos[name], tmp / name, limits.bundle_json_bytes)
        _model_size(_read_config(tmp, BUNDLE), _read_vocabulary(tmp, BUNDLE, limits), BUNDLE, limits)
        _unpack_member(zf, infos[WEIGHTS], tmp / WEIGHTS, limits.bundle_weights_bytes)
        problem = _unpack_snapshots(zf, infos.get(SNAPSHOTS), tmp, limits)
        run = load_run(tmp, BUNDLE, limits)
        run.snapshot_problem = run.snapshot_problem or problem
        if run.snapshot_problem:  # a time-lapse that did not read is not kept with the run
            (tmp / SNAPSHOTS).unlink(missing_ok=True)
        _replace_dir(tmp, dest)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return run

