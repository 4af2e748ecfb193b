"""The vanishing gradient, measured: how strongly the end of a sequence depends on each earlier step.

For a recurrent layer and a sequence x_1 .. x_T (embedded tokens), :func:`input_gradient_norms`
computes with ``tf.GradientTape``, for every step t, the norm of

    target "h_T":   ∂h_T / ∂x_t      (units, E) Jacobian, Frobenius norm
    target "loss":  ∂L / ∂x_t        (E,) gradient of the cross-entropy of the model's output at T

and reports it against the distance from the end d = T − t + 1 (d = 1 is the last token). A plain
RNN's norms fall roughly geometrically with d — each step multiplies the error by U·tanh' —
while an LSTM's cell state can carry it. Nothing is simulated: the layer's own forward pass is
differentiated by TensorFlow; ``tests/test_gradients.py`` checks it against finite differences.

The cell-state path (:func:`cell_path`): along the LSTM's constant error carousel the direct
derivative ∂c_T/∂c_t is the product of the forget gates after step t, f_{t+1} ⋯ f_T (elementwise,
per unit); it is read from the NumPy replay in :mod:`lstm_core.gates`. The GRU's analogue is the
product of its update gates z (the share of h_tm1 kept). A SimpleRNN has no such path.

TensorFlow is imported inside the functions that differentiate, so importing this module is light.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .i18n import DEFAULT, text
from .memory_task import CELL_NAMES, MemoryTaskConfig, build_memory_model, make_memory_data

TARGETS = ("h_T", "loss")
RATIO_DISTANCES = (50, 100)  # the distances whose ratio to distance 1 the bench and the page quote


@dataclass(frozen=True, eq=False)
class GradientProfile:
    """‖gradient‖ per distance from the end for one network on one batch of sequences."""

    label: str  # e.g. "LSTM, trained"
    cell: str  # "rnn", "lstm" or "gru"
    trained: bool
    target: str  # "h_T" or "loss"
    norms: np.ndarray  # (T,) mean over the sequences; norms[d - 1] belongs to distance d
    trained_at: int | None = None  # the memory-task distance it was trained at, when known

    def label_in(self, lang: str) -> str:
        """The label in ``lang``: ``label`` itself in English, else made again from the cell and training."""
        return self.label if lang == DEFAULT else profile_label(self.cell, self.trained, self.trained_at, lang=lang)

    @property
    def distances(self) -> np.ndarray:
        return np.arange(1, len(self.norms) + 1)

    def at(self, distance: int) -> float:
        if not 1 <= distance <= len(self.norms):
            raise ValueError(f"distance must be in [1, {len(self.norms)}], got {distance!r}")
        return float(self.norms[distance - 1])

    def ratio(self, distance: int) -> float:
        """norm at distance 1 / norm at ``distance``: how many times weaker the gradient arrives."""
        far = self.at(distance)
        return float(self.at(1) / far) if far > 0 else float("inf")

    def to_dict(self) -> dict[str, Any]:
        ratios = {str(d): self.ratio(d) for d in RATIO_DISTANCES if d <= len(self.norms)}
        return {"label": self.label, "cell": self.cell, "trained": self.trained, "target": self.target,
                "norms": [float(f"{v:.6g}") for v in self.norms], "ratio_to_distance_1": ratios}


def _as_batch(x: Any, dtype: str) -> np.ndarray:
    arr = np.asarray(x, dtype=dtype)
    if arr.ndim == 2:
        arr = arr[None]
    if arr.ndim != 3 or arr.shape[1] == 0:
        raise ValueError(f"x must have shape (T, E) or (N, T, E) with T >= 1, got shape {np.shape(x)}")
    return arr


def _last_state(layer: Any, x: Any) -> Any:
    """h_T (B, units) of ``layer`` on x (B, T, E), inference mode, whether or not it returns sequences."""
    out = layer(x, training=False)
    if isinstance(out, (list, tuple)):  # return_state=True
        out = out[0]
    return out[:, -1, :] if len(out.shape) == 3 else out  # (B, units)


def input_gradient_norms(layer: Any, x: Any, *, target: str = "h_T", head: Sequence[Any] = (),
                         labels: Any = None) -> np.ndarray:
    """(T,) mean over the sequences of ‖∂target/∂x_t‖, indexed by distance: ``out[d - 1]`` for d = 1 .. T.

    ``layer``: a built Keras SimpleRNN, LSTM or GRU; ``x``: (T, E) or (N, T, E) inputs as the layer
    reads them. ``target="loss"`` needs ``head``, the layers after the recurrent one (the model's
    pooling, dense and output layers, in order, ending in softmax probabilities), and ``labels`` (N,)
    class ids: the loss is their cross-entropy, summed over the batch so that each sequence gets its own
    gradient. The recurrent layer must read h_T only (return_sequences=False) for "loss" unless the head
    pools over the steps.
    """
    import tensorflow as tf

    if target not in TARGETS:
        raise ValueError(f"target must be one of {', '.join(TARGETS)}, got {target!r}")
    dtype = layer.compute_dtype or "float32"
    xb = _as_batch(x, dtype)  # (N, T, E)
    n, steps, _ = xb.shape
    if target == "h_T":
        units = int(layer.cell.units)
        # One backward pass for the whole Jacobian: sequence i is repeated once per unit j, and the sum
        # of h_T[i, j] over the copies makes copy j's input gradient the j-th row ∂h_T[j] / ∂x.
        xr = tf.constant(np.repeat(xb, units, axis=0))  # (N*units, T, E)
        pick = tf.constant(np.tile(np.eye(units, dtype=dtype), (n, 1)))  # (N*units, units)
        with tf.GradientTape() as tape:
            tape.watch(xr)
            scalar = tf.reduce_sum(_last_state(layer, xr) * pick)
        grad = tape.gradient(scalar, xr).numpy().reshape(n, units, steps, -1)  # (N, units, T, E)
        norms = np.sqrt(np.sum(grad.astype(np.float64) ** 2, axis=(1, 3)))  # (N, T)
    else:
        if not head:
            raise ValueError("target 'loss' needs head: the layers after the recurrent layer")
        y = np.asarray(labels).reshape(-1)
        if y.shape != (n,):
            raise ValueError(f"labels must hold one class id per sequence ({n}), got shape {np.shape(labels)}")
        xt = tf.constant(xb)
        with tf.GradientTape() as tape:
            tape.watch(xt)
            out = layer(xt, training=False)
            for h in head:
                out = h(out, training=False)
            probs = tf.gather(out, tf.constant(y.astype(np.int64)), axis=1, batch_dims=1)  # (N,)
            loss = -tf.reduce_sum(tf.math.log(tf.maximum(probs, 1e-12)))
        grad = tape.gradient(loss, xt).numpy().astype(np.float64)  # (N, T, E)
        norms = np.sqrt(np.sum(grad ** 2, axis=2))  # (N, T)
    return norms.mean(axis=0)[::-1].copy()  # by distance: the last step first


def model_parts(model: Any) -> tuple[Any, Any, list[Any]]:
    """(embedding, recurrent layer, head layers) of a model built by :mod:`lstm_core.model` or
    :mod:`lstm_core.memory_task` (layers named "embedding", "rnn", then the head in order)."""
    names = [layer.name for layer in model.layers]
    if "embedding" not in names or "rnn" not in names:
        raise ValueError(f"the model needs layers named 'embedding' and 'rnn', got {', '.join(names)}")
    after = names.index("rnn") + 1
    return model.get_layer("embedding"), model.get_layer("rnn"), list(model.layers[after:])


def embed(model: Any, ids: Any) -> np.ndarray:
    """(N, T, E) the embedding rows of token ids (N, T), as the recurrent layer reads them."""
    import keras

    embedding, _, _ = model_parts(model)
    ids = np.asarray(ids, dtype=np.int64)
    return np.asarray(keras.ops.convert_to_numpy(keras.ops.take(embedding.embeddings, ids, axis=0)))


def profile(model: Any, ids: Any, *, cell: str, trained: bool, target: str = "h_T", labels: Any = None,
            label: str | None = None, trained_at: int | None = None) -> GradientProfile:
    """The gradient profile of ``model`` on token ids (N, T); ``labels`` (N,) for target "loss"."""
    _, layer, head = model_parts(model)
    norms = input_gradient_norms(layer, embed(model, ids), target=target, head=head, labels=labels)
    return GradientProfile(label or profile_label(cell, trained, trained_at), cell, trained, target, norms, trained_at)


# ------------------------------------------------------------------------------- the cell-state path


@dataclass(frozen=True, eq=False)
class CellPath:
    """What survives along the cell path: ``survival[d - 1, u]`` is the product of unit u's forget
    gates (GRU: update gates) after the token at distance d — d − 1 of them, so distance 1 is 1."""

    cell: str
    gate: str  # "f" or "z"
    survival: np.ndarray  # (T, units) by distance

    @property
    def distances(self) -> np.ndarray:
        return np.arange(1, self.survival.shape[0] + 1)

    def mean(self) -> np.ndarray:
        """(T,) the mean over the units."""
        return self.survival.mean(axis=1)

    def quantile(self, q: float) -> np.ndarray:
        """(T,) the q-quantile over the units (0.9: what the best-keeping tenth of units keep)."""
        return np.quantile(self.survival, q, axis=1)

    def at(self, distance: int) -> float:
        return float(self.mean()[distance - 1])


def cell_path(trace: Any) -> CellPath:
    """The cell path of an :class:`lstm_core.gates.LSTMTrace` (forget gates) or ``GRUTrace`` (update
    gates); masked steps (gate NaN) carry the state unchanged and count as 1."""
    gate = {"lstm": "f", "gru": "z"}.get(getattr(trace, "cell", ""))
    if gate is None:
        raise ValueError(f"the cell path needs an LSTM or GRU trace, got {type(trace).__name__}: a SimpleRNN "
                         "has no gate that carries its state")
    g = np.nan_to_num(np.asarray(getattr(trace, gate), dtype=np.float64), nan=1.0)  # (T, units)
    logs = np.log(np.clip(g, 1e-300, 1.0))[::-1]  # by distance: the last step first
    # distance d keeps the gates of the d - 1 steps after it: an exclusive cumulative sum
    cum = np.vstack([np.zeros((1, g.shape[1])), np.cumsum(logs, axis=0)[:-1]])  # (T, units)
    return CellPath(trace.cell, gate, np.exp(cum))


# ------------------------------------------------------------------------------- ready-made profiles

# Long enough for the distance-100 ratio the bench and the page quote.
PROFILE_LENGTH = 120


def memory_profiles(spec: Any, models: dict[tuple[str, int], Any] | None = None, *, distance: int | None = None,
                    length: int = PROFILE_LENGTH, n_sequences: int = 8, target: str = "h_T",
                    seed: int = 1) -> list[GradientProfile]:
    """Each cell of a :class:`lstm_core.memory_task.SweepSpec`, untrained (built with the spec's seed)
    and, for every cell in ``models`` (a sweep's trained models, keyed (cell, distance)), trained at
    ``distance`` (default: the longest swept), on ``n_sequences`` fresh memory-task sequences of
    ``length`` tokens whose value sits at that distance."""

    distance = max(spec.distances) if distance is None else distance
    task = MemoryTaskConfig(length=length, distance=min(distance, length - 1), n_values=spec.n_values,
                            n_fillers=spec.n_fillers, distractors=spec.distractors)
    x, y = make_memory_data(task, n_sequences, seed=seed)
    out = []
    for cell in spec.cells:
        fresh = build_memory_model(spec.model(cell), spec.task(min(spec.distances)), seed=spec.seed)
        out.append(profile(fresh, x, cell=cell, trained=False, target=target, labels=y))
        trained = (models or {}).get((cell, distance))
        if trained is not None:
            out.append(profile(trained, x, cell=cell, trained=True, target=target, labels=y, trained_at=distance))
    return out


def profile_name(cell: str) -> str:
    return CELL_NAMES.get(cell, cell)


def profile_label(cell: str, trained: bool, trained_at: int | None = None, *, lang: str = DEFAULT) -> str:
    """"LSTM, untrained", "LSTM, trained", "LSTM, trained at k=40" in ``lang``: a legend's name."""
    key = "untrained" if not trained else "trained" if trained_at is None else "trained_at"
    return text(lang, f"theory.profile.{key}", cell=profile_name(cell), k=trained_at)


@dataclass(frozen=True, eq=False)
class ReviewGradients:
    """A review through a run's network and the same network untrained: gradient profiles of h_T and,
    for an LSTM or GRU, the cell path of each."""

    tokens: tuple[str, ...]
    profiles: tuple[GradientProfile, ...]  # trained, untrained
    paths: tuple[CellPath, ...]  # trained, untrained; empty for a SimpleRNN


def review_gradients(run: Any, text: str) -> ReviewGradients:
    """``text`` cleaned as the run's training data and embedded by its own embedding; the gradient of
    h_T w.r.t. every token's embedding, in the trained network and in a fresh copy (same embedding).
    Raises :class:`lstm_core.explain.NothingToExplain` when no token is left."""
    from .explain import explain
    from .model import untrained_copy

    ex = explain(run, text)
    fresh = untrained_copy(run.model, run.config, run.vocab.size)
    ex0 = explain(fresh, text, vocab=run.vocab, config=run.config)
    profiles, paths = [], []
    for model, e, trained in ((run.model, ex, True), (fresh, ex0, False)):
        norms = input_gradient_norms(model.get_layer("rnn"), e.x)
        profiles.append(GradientProfile(profile_label(e.cell, trained), e.cell, trained, "h_T", norms))
        if e.cell != "rnn":
            paths.append(cell_path(e.trace))
    return ReviewGradients(ex.tokens, tuple(profiles), tuple(paths))
