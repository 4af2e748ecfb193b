"""What the recurrent gates do at every word: a NumPy replay of Keras 3's LSTM, GRU and SimpleRNN steps.

Keras returns only h_t (and the final states); the gates stay inside the cell. The ``trace_*``
functions redo the cell's arithmetic in float64 from the layer's own weights and activations and
keep every intermediate, one row per time step:

    LSTM (``keras.layers.LSTMCell``, blocks of kernel / recurrent_kernel / bias in the order i, f, c, o)
        i_t = recurrent_activation(x_t W_i + h_tm1 U_i + b_i)        input gate
        f_t = recurrent_activation(x_t W_f + h_tm1 U_f + b_f)        forget gate
        g_t = activation(x_t W_c + h_tm1 U_c + b_c)                  candidate
        o_t = recurrent_activation(x_t W_o + h_tm1 U_o + b_o)        output gate
        c_t = f_t * c_tm1 + i_t * g_t
        h_t = o_t * activation(c_t)
    GRU (``keras.layers.GRUCell``, blocks z, r, h)
        z_t = recurrent_activation(x_t W_z + b_z + h_tm1 U_z + rb_z)    update gate
        r_t = recurrent_activation(x_t W_r + b_r + h_tm1 U_r + rb_r)    reset gate
        hh_t = activation(x_t W_h + b_h + r_t * (h_tm1 U_h + rb_h))     reset_after=True
        hh_t = activation(x_t W_h + b_h + (r_t * h_tm1) U_h)            reset_after=False
        h_t = z_t * h_tm1 + (1 - z_t) * hh_t
      (rb is the second row of the (2, 3*units) bias that only reset_after=True has.)
    SimpleRNN
        h_t = activation(x_t W + h_tm1 U + b)

Masked steps (mask False) work as in Keras: the cell is not run and the states h (and c) are carried
over unchanged, so a trace's ``h[t]``/``c[t]`` are always the states *after* step t. Gates and
candidates at masked steps are NaN: nothing was computed there, and a heatmap shows NaN as a gap
instead of inventing a value. Every trace also keeps its ``mask``.

Traces are inference-mode (no dropout), start from zero states unless ``h0``/``c0`` are given, and
agree with Keras' float32 output to about 1e-6 (``tests/test_gates.py`` checks 1e-5).

Sections: trace dataclasses · activations · argument checks · ``trace_lstm`` / ``trace_gru`` /
``trace_simple_rnn`` · ``trace_layer`` (a built Keras layer) and ``trace_cell`` (weights alone, e.g. a
snapshot of an earlier epoch). The text entry point is
``lstm_core.explain.explain(run, text)``: tokens as the model saw them, dropped words, traces, P(positive)
per token.
TensorFlow is imported only inside ``trace_layer``; the NumPy tracing needs none of it.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, fields
from typing import Any, Callable, ClassVar, TypeVar

import numpy as np

# ---------------------------------------------------------------------------------------------------
# Traces


class _Trace:
    cell: ClassVar[str]

    def gates(self) -> dict[str, np.ndarray]:
        """Every (T, units) array by its field name, in the order of the equations (mask left out)."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "mask"}  # type: ignore[arg-type]


@dataclass(frozen=True, eq=False)
class LSTMTrace(_Trace):
    """An LSTM's gates and states per time step; each (T, units) float64, read-only."""

    cell: ClassVar[str] = "lstm"
    i: np.ndarray  # input gate; NaN at masked steps
    f: np.ndarray  # forget gate; NaN at masked steps
    g: np.ndarray  # candidate activation(z_c); NaN at masked steps
    o: np.ndarray  # output gate; NaN at masked steps
    c: np.ndarray  # cell state after the step (carried at masked steps)
    h: np.ndarray  # hidden state = the layer's output (carried at masked steps)
    mask: np.ndarray  # (T,) bool, False where the step was skipped


@dataclass(frozen=True, eq=False)
class GRUTrace(_Trace):
    """A GRU's gates and state per time step; each (T, units) float64, read-only."""

    cell: ClassVar[str] = "gru"
    z: np.ndarray  # update gate (share of h_tm1 kept); NaN at masked steps
    r: np.ndarray  # reset gate; NaN at masked steps
    hh: np.ndarray  # candidate state; NaN at masked steps
    h: np.ndarray  # hidden state = the layer's output (carried at masked steps)
    mask: np.ndarray  # (T,) bool


@dataclass(frozen=True, eq=False)
class RNNTrace(_Trace):
    """A SimpleRNN's hidden state per time step; (T, units) float64, read-only."""

    cell: ClassVar[str] = "rnn"
    h: np.ndarray  # hidden state = the layer's output (carried at masked steps)
    mask: np.ndarray  # (T,) bool


# ---------------------------------------------------------------------------------------------------
# Activations: NumPy twins of keras.activations (Keras 3 definitions, default arguments)


def _linear(x: np.ndarray) -> np.ndarray:
    return x


def _sigmoid(x: np.ndarray) -> np.ndarray:
    # = 1 / (1 + exp(-x)) without overflow warnings for large |x|
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def _hard_sigmoid(x: np.ndarray) -> np.ndarray:
    # Keras 3: relu6(x + 3) / 6 (Keras 2 used 0.2 * x + 0.5)
    return np.clip(x / 6.0 + 0.5, 0.0, 1.0)


def _relu(x: np.ndarray) -> np.ndarray:
    return np.maximum(x, 0.0)


def _relu6(x: np.ndarray) -> np.ndarray:
    return np.clip(x, 0.0, 6.0)


def _leaky_relu(x: np.ndarray) -> np.ndarray:
    return np.where(x >= 0.0, x, 0.2 * x)  # keras.activations.leaky_relu's default slope


def _elu(x: np.ndarray) -> np.ndarray:
    return np.where(x > 0.0, x, np.expm1(np.minimum(x, 0.0)))


def _selu(x: np.ndarray) -> np.ndarray:
    alpha, scale = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946
    return scale * np.where(x > 0.0, x, alpha * np.expm1(np.minimum(x, 0.0)))


def _softplus(x: np.ndarray) -> np.ndarray:
    return np.logaddexp(x, 0.0)


def _softsign(x: np.ndarray) -> np.ndarray:
    return x / (1.0 + np.abs(x))


def _silu(x: np.ndarray) -> np.ndarray:
    return x * _sigmoid(x)


def _hard_silu(x: np.ndarray) -> np.ndarray:
    return x * _hard_sigmoid(x)


def _hard_tanh(x: np.ndarray) -> np.ndarray:
    return np.clip(x, -1.0, 1.0)


def _mish(x: np.ndarray) -> np.ndarray:
    return x * np.tanh(_softplus(x))


def _tanh_shrink(x: np.ndarray) -> np.ndarray:
    return x - np.tanh(x)


def _log_sigmoid(x: np.ndarray) -> np.ndarray:
    return -np.logaddexp(0.0, -x)


# Keys are keras.activations names (aliases included); None means linear, as in Keras.
ACTIVATIONS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "tanh": np.tanh,
    "sigmoid": _sigmoid,
    "hard_sigmoid": _hard_sigmoid,
    "relu": _relu,
    "linear": _linear,
    "relu6": _relu6,
    "leaky_relu": _leaky_relu,
    "elu": _elu,
    "selu": _selu,
    "softplus": _softplus,
    "softsign": _softsign,
    "exponential": np.exp,
    "silu": _silu,
    "swish": _silu,
    "hard_silu": _hard_silu,
    "hard_swish": _hard_silu,
    "hard_tanh": _hard_tanh,
    "mish": _mish,
    "tanh_shrink": _tanh_shrink,
    "log_sigmoid": _log_sigmoid,
}


def _activation(name: str | None, arg: str) -> Callable[[np.ndarray], np.ndarray]:
    key = "linear" if name is None else name
    if not isinstance(key, str) or key not in ACTIVATIONS:
        raise ValueError(f"{arg} must be one of {', '.join(ACTIVATIONS)} (or None for linear), "
                         f"got {name!r}")
    return ACTIVATIONS[key]


# ---------------------------------------------------------------------------------------------------
# Argument checks


def _float_array(name: str, value: Any) -> np.ndarray:
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as e:
        raise ValueError(f"{name} must be an array of numbers, got {type(value).__name__}: {e}") from e
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} contains NaN or infinite values")
    return arr


def _check_shape(name: str, arr: np.ndarray, expected: tuple[int, ...], described: str) -> None:
    if arr.shape != expected:
        raise ValueError(f"{name} must have shape {described} = {expected}, got shape {arr.shape}")


def _check_weights(x: Any, kernel: Any, recurrent_kernel: Any, n_blocks: int,
                   mask: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int]:
    """Validated float64 (x, kernel, recurrent_kernel), bool mask and units for a cell whose kernel
    holds ``n_blocks`` gate blocks side by side."""
    blocks = "" if n_blocks == 1 else f"{n_blocks}*"
    kernel = _float_array("kernel", kernel)
    if kernel.ndim != 2 or kernel.shape[1] == 0 or kernel.shape[1] % n_blocks:
        raise ValueError(f"kernel must have shape (input_dim, {blocks}units), got shape {kernel.shape}")
    input_dim, units = kernel.shape[0], kernel.shape[1] // n_blocks
    recurrent_kernel = _float_array("recurrent_kernel", recurrent_kernel)
    _check_shape("recurrent_kernel", recurrent_kernel, (units, n_blocks * units), f"(units, {blocks}units)")

    x = _float_array("x", x)
    if x.ndim != 2 or x.shape[0] == 0 or x.shape[1] != input_dim:
        hint = " (one sequence at a time: pass x[0] for a batch of one)" if x.ndim == 3 else ""
        raise ValueError(f"x must have shape (T, input_dim) = (T, {input_dim}) with T >= 1 to match "
                         f"kernel {kernel.shape}, got shape {x.shape}{hint}")
    if mask is None:
        mask = np.ones(x.shape[0], dtype=bool)
    else:
        mask = np.asarray(mask)
        _check_shape("mask", mask, (x.shape[0],), "(T,)")
        mask = mask.astype(bool)
    return x, kernel, recurrent_kernel, mask, units


def _bias(bias: Any, shape: tuple[int, ...], described: str) -> np.ndarray | None:
    if bias is None:
        return None
    arr = _float_array("bias", bias)
    _check_shape("bias", arr, shape, described)
    return arr


def _initial_state(name: str, value: Any, units: int) -> np.ndarray:
    if value is None:
        return np.zeros(units)
    arr = _float_array(name, value)
    _check_shape(name, arr, (units,), "(units,)")
    return arr


# ---------------------------------------------------------------------------------------------------
# The recurrences

_F = TypeVar("_F", bound=Callable[..., Any])


@functools.cache
def _blas_threads() -> Any:
    from threadpoolctl import ThreadpoolController  # installed with scikit-learn

    return ThreadpoolController()


def _one_blas_thread(trace: _F) -> _F:
    """Runs a trace with one BLAS thread. Its products are small and one per step; on a busy machine
    (a model training next to the app) OpenBLAS' second thread waits for a core at every step and a
    2 ms trace took 20-130 ms."""

    @functools.wraps(trace)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with _blas_threads().limit(limits=1, user_api="blas"):
            return trace(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


Step = Callable[[np.ndarray, tuple[np.ndarray, ...]], tuple[np.ndarray, tuple[np.ndarray, ...]]]


def _unroll(step: Step, xz: np.ndarray, mask: np.ndarray, state: tuple[np.ndarray, ...],
            n_gates: int) -> list[np.ndarray]:
    """Runs ``step(xz_t, state) -> (gates_t, new_state)`` over the unmasked steps, where gates_t is
    the (n_gates*units,) row of all gate values side by side.

    Returns the n_gates gate arrays, then one array per state, each (T, units), float64, read-only:
    gates NaN and states carried where the mask is False.
    """
    n_steps, units = xz.shape[0], state[0].shape[0]
    gates = np.full((n_steps, n_gates * units), np.nan)  # (T, n_gates*units)
    states = np.empty((len(state), n_steps, units))  # (n_states, T, units)
    for t in range(n_steps):
        if mask[t]:
            gates[t], state = step(xz[t], state)
        for k, value in enumerate(state):
            states[k, t] = value
    out = [np.ascontiguousarray(gates[:, k * units:(k + 1) * units]) for k in range(n_gates)]
    out += list(states)
    for arr in out:
        arr.setflags(write=False)
    return out


def _read_only(mask: np.ndarray) -> np.ndarray:
    mask = mask.copy()
    mask.setflags(write=False)
    return mask


@_one_blas_thread
def trace_lstm(x: Any, kernel: Any, recurrent_kernel: Any, bias: Any, *, mask: Any = None,
               activation: str | None = "tanh", recurrent_activation: str | None = "sigmoid",
               h0: Any = None, c0: Any = None) -> LSTMTrace:
    """The LSTM gates at every step of one sequence ``x`` (T, input_dim).

    ``kernel`` (input_dim, 4*units), ``recurrent_kernel`` (units, 4*units) and ``bias`` (4*units,)
    or None hold the blocks i, f, c, o as Keras stores them; ``mask`` (T,) is False at skipped steps;
    ``h0``/``c0`` (units,) default to zeros.
    """
    x, kernel, recurrent_kernel, mask, units = _check_weights(x, kernel, recurrent_kernel, 4, mask)
    bias = _bias(bias, (4 * units,), "(4*units,)")
    act = _activation(activation, "activation")
    rec_act = _activation(recurrent_activation, "recurrent_activation")
    u = units

    xz = x @ kernel  # (T, 4*units): the input projection of every step at once
    if bias is not None:
        xz += bias

    def step(xz_t: np.ndarray, state: tuple[np.ndarray, ...]) -> Any:
        h_tm1, c_tm1 = state
        z = xz_t + h_tm1 @ recurrent_kernel  # (4*units,)
        gates = rec_act(z)  # i, f, o (one call for all three; the c block is replaced next)
        gates[2 * u:3 * u] = act(z[2 * u:3 * u])  # g
        i, f, g, o = gates[:u], gates[u:2 * u], gates[2 * u:3 * u], gates[3 * u:]
        c = f * c_tm1 + i * g
        h = o * act(c)
        return gates, (h, c)

    state = (_initial_state("h0", h0, units), _initial_state("c0", c0, units))
    i, f, g, o, h, c = _unroll(step, xz, mask, state, n_gates=4)
    return LSTMTrace(i=i, f=f, g=g, o=o, c=c, h=h, mask=_read_only(mask))


@_one_blas_thread
def trace_gru(x: Any, kernel: Any, recurrent_kernel: Any, bias: Any, *, reset_after: bool = True,
              mask: Any = None, activation: str | None = "tanh",
              recurrent_activation: str | None = "sigmoid", h0: Any = None) -> GRUTrace:
    """The GRU gates at every step of one sequence ``x`` (T, input_dim).

    ``kernel`` (input_dim, 3*units) and ``recurrent_kernel`` (units, 3*units) hold the blocks z, r, h
    as Keras stores them; ``bias`` is (2, 3*units) [input row, recurrent row] when ``reset_after``
    (Keras' default), (3*units,) otherwise, or None. ``h0`` (units,) defaults to zeros.
    """
    x, kernel, recurrent_kernel, mask, units = _check_weights(x, kernel, recurrent_kernel, 3, mask)
    if reset_after:
        bias = _bias(bias, (2, 3 * units), "(2, 3*units) for reset_after=True")
        input_bias, recurrent_bias = (None, None) if bias is None else (bias[0], bias[1])
    else:
        input_bias, recurrent_bias = _bias(bias, (3 * units,), "(3*units,) for reset_after=False"), None
    act = _activation(activation, "activation")
    rec_act = _activation(recurrent_activation, "recurrent_activation")
    u = units

    xz = x @ kernel  # (T, 3*units)
    if input_bias is not None:
        xz += input_bias
    # reset_after projects h_tm1 through all three blocks at once; otherwise only z and r, and the
    # candidate block sees the reset state r * h_tm1.
    inner_kernel = recurrent_kernel if reset_after else recurrent_kernel[:, :2 * u]  # (units, 3|2*units)
    candidate_kernel = recurrent_kernel[:, 2 * u:]  # (units, units)

    def step(xz_t: np.ndarray, state: tuple[np.ndarray, ...]) -> Any:
        (h_tm1,) = state
        inner = h_tm1 @ inner_kernel  # (3*units,) with reset_after, else (2*units,)
        if recurrent_bias is not None:
            inner += recurrent_bias
        gates = np.empty(3 * u)  # z, r, hh
        gates[:2 * u] = rec_act(xz_t[:2 * u] + inner[:2 * u])
        z, r = gates[:u], gates[u:2 * u]
        if reset_after:
            gates[2 * u:] = act(xz_t[2 * u:] + r * inner[2 * u:])
        else:
            gates[2 * u:] = act(xz_t[2 * u:] + (r * h_tm1) @ candidate_kernel)
        h = z * h_tm1 + (1.0 - z) * gates[2 * u:]
        return gates, (h,)

    z, r, hh, h = _unroll(step, xz, mask, (_initial_state("h0", h0, units),), n_gates=3)
    return GRUTrace(z=z, r=r, hh=hh, h=h, mask=_read_only(mask))


_NO_GATES = np.empty(0)  # a SimpleRNN step's gate row


@_one_blas_thread
def trace_simple_rnn(x: Any, kernel: Any, recurrent_kernel: Any, bias: Any, *, mask: Any = None,
                     activation: str | None = "tanh", h0: Any = None) -> RNNTrace:
    """The hidden state at every step of one sequence ``x`` (T, input_dim) through a SimpleRNN:
    ``kernel`` (input_dim, units), ``recurrent_kernel`` (units, units), ``bias`` (units,) or None."""
    x, kernel, recurrent_kernel, mask, units = _check_weights(x, kernel, recurrent_kernel, 1, mask)
    bias = _bias(bias, (units,), "(units,)")
    act = _activation(activation, "activation")

    xz = x @ kernel  # (T, units)
    if bias is not None:
        xz += bias

    def step(xz_t: np.ndarray, state: tuple[np.ndarray, ...]) -> Any:
        (h_tm1,) = state
        return _NO_GATES, (act(xz_t + h_tm1 @ recurrent_kernel),)

    (h,) = _unroll(step, xz, mask, (_initial_state("h0", h0, units),), n_gates=0)
    return RNNTrace(h=h, mask=_read_only(mask))


# ---------------------------------------------------------------------------------------------------
# Keras layers


def _keras_activation_name(fn: Callable[..., Any], arg: str, layer: Any) -> str:
    import keras

    for name in ACTIVATIONS:
        if keras.activations.get(name) is fn:
            return name
    shown = getattr(fn, "__name__", repr(fn))
    raise ValueError(f"layer {layer.name!r} uses {arg} {shown!r}, which gate tracing cannot replay; "
                     f"supported: {', '.join(ACTIVATIONS)}")


def trace_layer(layer: Any, x: Any, mask: Any = None) -> LSTMTrace | GRUTrace | RNNTrace:
    """Traces one sequence ``x`` (T, input_dim) through a built ``keras.layers.LSTM``, ``GRU`` or
    ``SimpleRNN`` (or ``keras.layers.RNN`` around one of their cells) with its weights and activations,
    as the layer would run it at inference from zero states."""
    import keras  # loads TensorFlow: only here, so NumPy-only tracing stays light

    cell = getattr(layer, "cell", None)
    kinds = (keras.layers.LSTMCell, keras.layers.GRUCell, keras.layers.SimpleRNNCell)
    if not isinstance(cell, kinds):
        raise ValueError(f"layer must be a Keras LSTM, GRU or SimpleRNN layer, got {type(layer).__name__}"
                         + (f" with cell {type(cell).__name__}" if cell is not None else ""))
    if not cell.built:
        raise ValueError(f"layer {layer.name!r} is not built yet: call it on data or load a trained "
                         "model before tracing")
    for flag in ("go_backwards", "stateful"):
        if getattr(layer, flag, False):
            raise ValueError(f"layer {layer.name!r} has {flag}=True, which gate tracing does not replay")

    kernel = cell.kernel.numpy()
    recurrent_kernel = cell.recurrent_kernel.numpy()
    bias = cell.bias.numpy() if cell.use_bias else None
    activation = _keras_activation_name(cell.activation, "activation", layer)
    if isinstance(cell, keras.layers.SimpleRNNCell):
        return trace_cell("rnn", x, kernel, recurrent_kernel, bias, mask=mask, activation=activation)
    recurrent_activation = _keras_activation_name(cell.recurrent_activation, "recurrent_activation", layer)
    kind = "gru" if isinstance(cell, keras.layers.GRUCell) else "lstm"
    return trace_cell(kind, x, kernel, recurrent_kernel, bias, mask=mask, activation=activation,
                      recurrent_activation=recurrent_activation, reset_after=getattr(cell, "reset_after", True))


def trace_cell(cell: str, x: Any, kernel: Any, recurrent_kernel: Any, bias: Any, *, mask: Any = None,
               activation: str | None = "tanh", recurrent_activation: str | None = "sigmoid",
               reset_after: bool = True) -> LSTMTrace | GRUTrace | RNNTrace:
    """The trace of ``cell`` ("lstm", "gru" or "rnn") from its weights alone (NumPy; what a
    time-lapse replays at every epoch without Keras)."""
    if cell == "rnn":
        return trace_simple_rnn(x, kernel, recurrent_kernel, bias, mask=mask, activation=activation)
    if cell == "gru":
        return trace_gru(x, kernel, recurrent_kernel, bias, reset_after=reset_after, mask=mask,
                         activation=activation, recurrent_activation=recurrent_activation)
    if cell == "lstm":
        return trace_lstm(x, kernel, recurrent_kernel, bias, mask=mask, activation=activation,
                          recurrent_activation=recurrent_activation)
    raise ValueError(f"cell must be one of lstm, gru, rnn, got {cell!r}")

