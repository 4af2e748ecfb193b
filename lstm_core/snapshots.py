"""The training's time-lapse: the trainable weights before training and after every epoch.

:class:`SnapshotRecorder` makes a Keras callback for ``lstm_core.training.train(..., callbacks=)``
that copies the model's *trainable* weights at step 0 (before the first batch) and after each epoch.
A frozen embedding (word2vec, not trained) is the same at every epoch: it is never copied, the run's
own weights hold it once. The result is a :class:`WeightSnapshots`, kept in a run as
``snapshots.npz`` (``lstm_core.runs``) and replayed per epoch with the NumPy gate code
(``lstm_core.explain.replay``) — no Keras per slider move.

Sizes, bounded by ``LIMITS.snapshot_bytes``:
    recurrent + head weights, float32 per snapshot (64 units on 128-d words: 0.2 MB);
    a *trainable* embedding, float16 per snapshot (20,000 x 128 words: 5.1 MB) — float16 keeps a
    bundle of a long training small, and a time-lapse needs the trend, not the last digit (the
    final model itself is always the run's float32 weights).
When one more snapshot would pass the limit, the epochs kept are thinned to every 2nd, then 4th, ...
(step 0 and the latest always stay), so any number of epochs fits, evenly spaced; ``epochs`` says
which are kept.

Early stopping with ``restore_best`` leaves the best epoch's weights in the model, not the last
epoch's: :meth:`SnapshotRecorder.finish` finds which snapshot the final model is by comparing
weights (and adds the final weights as one more snapshot when none matches, e.g. a stop mid-way),
so ``final`` is measured, never assumed.

The file is read with ``allow_pickle=False`` after its headers (names, dtypes, shapes) were checked
against the run's config (``limits.weight_shapes`` x epochs) and the size limit.
"""

from __future__ import annotations

import math
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .config import ExperimentConfig
from .errors import RunError
from .i18n import text
from .limits import LIMITS, Limits, weight_shapes
from .storage import atomic_path

SNAPSHOTS = "snapshots.npz"
EMBEDDING = 0  # index of the embedding in limits.weight_shapes (and model.get_weights())
EMBEDDING_DTYPE, WEIGHT_DTYPE = np.float16, np.float32
_HEADER_SLACK = 64 * 1024  # the npz's zip and .npy headers on top of the arrays' bytes


@dataclass(frozen=True, eq=False)
class WeightSnapshots:
    """Per kept snapshot s: ``epochs[s]`` (0 = before training, e = after epoch e, 1-based) and
    ``weights[k][s]``, the model's weight k (``limits.weight_shapes`` order) then; ``weights[0]``
    is None when the embedding was frozen (the run's own embedding is it at every epoch).
    ``final`` is the snapshot the run's final model equals."""

    epochs: np.ndarray  # (S,) int64, increasing
    weights: tuple[np.ndarray | None, ...]  # each (S, *shape) float32; the embedding float16 or None
    final: int

    def __len__(self) -> int:
        return len(self.epochs)

    @property
    def final_epoch(self) -> int:
        return int(self.epochs[self.final])

    @property
    def embedding_trained(self) -> bool:
        return self.weights[EMBEDDING] is not None

    def at(self, s: int) -> list[np.ndarray | None]:
        """The weights of snapshot ``s`` (float64 for replay; the embedding None when frozen)."""
        if not (isinstance(s, (int, np.integer)) and 0 <= s < len(self)):
            raise ValueError(f"snapshot must be an integer in [0, {len(self) - 1}], got {s!r}")
        return [None if w is None else w[s] for w in self.weights]

    def nbytes(self) -> int:
        return int(self.epochs.nbytes + sum(w.nbytes for w in self.weights if w is not None))

    def label(self, s: int, final_mark: bool = True, lang: str = "en") -> str:
        """'before training', 'epoch 3', with ' (the final model)' on the final one, in ``lang``."""
        e = int(self.epochs[s])
        key = ("before" if e == 0 else "after") + ("_final" if final_mark and s == self.final else "")
        return text(lang, f"gates_figures.epoch.{key}", epoch=e)


class SnapshotRecorder:
    """Collects the snapshots of one training; :meth:`callback` is what ``train`` gets and
    :meth:`finish` (after ``train``) returns the :class:`WeightSnapshots`."""

    def __init__(self, embedding_trainable: bool, limits: Limits = LIMITS) -> None:
        self.embedding_trainable = embedding_trainable
        self.limits = limits
        self.epochs_: list[int] = []
        self.weights_: list[list[np.ndarray | None]] = []  # per snapshot, per weight
        self.stride_ = 1  # epochs between kept snapshots (the latest is always kept too)

    def _copy(self, model: Any) -> list[np.ndarray | None]:
        out: list[np.ndarray | None] = []
        for k, w in enumerate(model.get_weights()):
            if k == EMBEDDING:
                out.append(np.asarray(w, dtype=EMBEDDING_DTYPE) if self.embedding_trainable else None)
            else:
                out.append(np.array(w, dtype=WEIGHT_DTYPE))
        return out

    def _make_room(self, one: int) -> None:
        """Make room for one more snapshot of ``one`` bytes within ``limits.snapshot_bytes``: the
        latest snapshot is dropped unless its epoch is on the stride, and while they do not fit the
        stride doubles (epochs 0, 2, 4, ... then 0, 4, 8, ...), so those kept stay evenly spaced."""
        if len(self.epochs_) > 1 and self.epochs_[-1] % self.stride_:
            self.epochs_.pop()
            self.weights_.pop()
        while (len(self.epochs_) + 1) * one > self.limits.snapshot_bytes and len(self.epochs_) > 1:
            self.stride_ *= 2
            keep = [i for i, e in enumerate(self.epochs_) if e % self.stride_ == 0]
            self.epochs_ = [self.epochs_[i] for i in keep]
            self.weights_ = [self.weights_[i] for i in keep]

    def add(self, model: Any, epoch: int) -> None:
        """Copy ``model``'s weights as the snapshot after ``epoch`` (0 = before training), thinning
        the earlier snapshots first when one more would pass ``limits.snapshot_bytes``."""
        snap = self._copy(model)
        one = sum(w.nbytes for w in snap if w is not None)
        if one > self.limits.snapshot_bytes // 3:
            return  # a model this large keeps no time-lapse (three snapshots would not fit)
        self._make_room(one)
        self.epochs_.append(int(epoch))
        self.weights_.append(snap)

    def callback(self) -> Any:
        import keras  # TensorFlow: only when a model trains

        recorder = self

        class _Snapshots(keras.callbacks.Callback):
            def on_train_begin(self, logs=None):
                recorder.add(self.model, 0)

            def on_epoch_end(self, epoch, logs=None):
                recorder.add(self.model, epoch + 1)

        return _Snapshots()

    def finish(self, model: Any, final_epoch: int) -> WeightSnapshots | None:
        """The snapshots, ``final`` pointing at the one equal to ``model``'s weights now (after
        early stopping restored the best); if none is, the final weights are added as the
        snapshot of ``final_epoch``. None if nothing was recorded (a model too large)."""
        if not self.weights_:
            return None
        now = self._copy(model)
        final = next((s for s in range(len(self.epochs_) - 1, -1, -1)
                      if all(a is None or np.array_equal(a, b) for a, b in zip(now, self.weights_[s]))), None)
        epochs, snaps = list(self.epochs_), list(self.weights_)
        if final is None:
            self._make_room(sum(w.nbytes for w in now if w is not None))
            epochs, snaps = list(self.epochs_), list(self.weights_)
            at = int(np.searchsorted(epochs, final_epoch, side="right"))
            if at and epochs[at - 1] == final_epoch:  # same epoch, other weights (stopped mid-epoch)
                snaps[at - 1] = now
                final = at - 1
            else:
                epochs.insert(at, final_epoch)
                snaps.insert(at, now)
                final = at
        weights = tuple(None if snaps[0][k] is None else np.stack([s[k] for s in snaps])
                        for k in range(len(snaps[0])))
        return WeightSnapshots(np.asarray(epochs, dtype=np.int64), weights, int(final))


# ------------------------------------------------------------------------------------ on disk


def save_snapshots(snapshots: WeightSnapshots, path: str | Path) -> Path:
    """Write ``snapshots`` as an uncompressed .npz (atomically): arrays ``epochs``, ``final`` and
    ``w{k}`` for every weight kept (``w0``, the embedding, only when it was trained)."""
    arrays: dict[str, np.ndarray] = {"epochs": snapshots.epochs, "final": np.int64(snapshots.final)}
    arrays.update({f"w{k}": w for k, w in enumerate(snapshots.weights) if w is not None})
    with atomic_path(path, suffix=".npz") as tmp:
        np.savez(tmp, **arrays)
        tmp.chmod(0o644)  # an ordinary file of the run's folder, as its others (mkstemp made it private)
    return Path(path)


def _header(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> tuple[tuple[int, ...], np.dtype]:
    """(shape, dtype) of one .npy member, read from its header only."""
    with zf.open(info) as f:
        version = np.lib.format.read_magic(f)
        read = {(1, 0): np.lib.format.read_array_header_1_0, (2, 0): np.lib.format.read_array_header_2_0}
        if version not in read:
            raise ValueError(f"npy version {version}")
        shape, _fortran, dtype = read[version](f, max_header_size=10_000)
    return tuple(int(n) for n in shape), dtype


def read_snapshots(path: str | Path, config: ExperimentConfig, vocab_size: int, where: str,
                   limits: Limits = LIMITS) -> WeightSnapshots:
    """The snapshots in ``path``, every header checked against ``config``'s weight shapes x epochs
    and ``limits.snapshot_bytes`` before an array is read (``allow_pickle=False``); RunError naming
    ``snapshots.npz`` and what is wrong otherwise."""
    path = Path(path)

    def bad(why: str, **fields: Any) -> RunError:  # why: a key of assets/i18n/<lang>/snapshots.toml's [bad]
        return RunError.keyed(f"snapshots.bad.{why}", file=SNAPSHOTS, where=where[:200], **fields)

    try:
        if path.stat().st_size > limits.snapshot_bytes + _HEADER_SLACK:
            raise bad("too_large", limit=f"{limits.snapshot_bytes / 2**20:.0f}")
        with zipfile.ZipFile(path) as zf:
            infos = {i.filename: i for i in zf.infolist()}
            shapes = weight_shapes(config.model, vocab_size)
            wanted = {"epochs.npy", "final.npy"} | {f"w{k}.npy" for k in range(len(shapes))
                                                     if k != EMBEDDING or config.model.embedding_trainable}
            if set(infos) != wanted:
                extra, missing = sorted(set(infos) - wanted), sorted(wanted - set(infos))
                raise bad("extra_missing" if extra and missing else "extra" if extra else "missing",
                          extra=", ".join(extra)[:200], missing=", ".join(missing)[:200])
            headers = {name[:-4]: _header(zf, info) for name, info in infos.items()}
            (n,), dtype = headers["epochs"] if len(headers["epochs"][0]) == 1 else ((-1,), None)
            if dtype is None or dtype.kind not in "iu" or not 1 <= n <= limits.job_epochs + 2:
                raise bad("epochs", most=limits.job_epochs + 2)
            if headers["final"][0] != () or headers["final"][1].kind not in "iu":
                raise bad("final_index")
            total = 0
            for k, shape in enumerate(shapes):
                if f"w{k}" not in headers:
                    continue
                got, dtype = headers[f"w{k}"]
                allowed = EMBEDDING_DTYPE if k == EMBEDDING else WEIGHT_DTYPE
                if got != (n, *shape) or dtype != np.dtype(allowed):
                    raise bad("weight", k=k, dtype=allowed.__name__, shape=str((n, *shape)), got_dtype=str(dtype),
                              got=str(got)[:100])
                total += math.prod(got) * dtype.itemsize
            if total > limits.snapshot_bytes:
                raise bad("would_hold", total=f"{total / 2**20:.0f}", limit=f"{limits.snapshot_bytes / 2**20:.0f}")
        with np.load(path, allow_pickle=False) as npz:
            epochs = np.asarray(npz["epochs"], dtype=np.int64)
            final = int(npz["final"])
            weights = tuple(np.asarray(npz[f"w{k}"]) if f"w{k}" in headers else None for k in range(len(shapes)))
    except RunError:
        raise
    except (OSError, zipfile.BadZipFile, ValueError, EOFError, KeyError) as e:
        raise bad("unreadable", kind=type(e).__name__) from None
    if (epochs < 0).any() or (np.diff(epochs) <= 0).any() or epochs[-1] > limits.job_epochs:
        raise bad("not_increasing")
    if not 0 <= final < n:
        raise bad("final_out", final=final, n=n)
    if not all(np.isfinite(w).all() for w in weights if w is not None):
        raise bad("not_finite")
    return WeightSnapshots(epochs, weights, final)
