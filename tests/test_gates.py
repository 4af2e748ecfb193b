"""lstm_core.gates against Keras itself: the NumPy trace must give Keras' own h and c.

Reference: ``keras.layers.LSTM/GRU/SimpleRNN(units, return_sequences=True, return_state=True)``
called on the same batch and mask. Keras runs in float32 and the trace in float64, so the tolerance
is an absolute 1e-5. Layers are built once per (cell, size, weights) and reused: TF is slow to build.
"""

from __future__ import annotations

import functools
import math
import re

import keras
import numpy as np
import pytest

from lstm_core.gates import (ACTIVATIONS, GRUTrace, LSTMTrace, RNNTrace, trace_gru, trace_layer, trace_lstm,
                             trace_simple_rnn)

ATOL = 1e-5  # float32 Keras vs float64 NumPy

CELLS = {
    "lstm": (keras.layers.LSTM, {}),
    "gru": (keras.layers.GRU, {}),  # reset_after=True, bias (2, 3*units)
    "gru_reset_before": (keras.layers.GRU, {"reset_after": False}),  # bias (3*units,)
    "rnn": (keras.layers.SimpleRNN, {}),
}
# (input_dim, units, T): one unit, one step, both, and a classroom-sized layer
SIZES = [(1, 1, 1), (3, 1, 9), (5, 4, 1), (8, 16, 25), (32, 64, 60)]


def _masks(n_steps: int) -> np.ndarray:
    """(B, T) masks: none masked, leading, trailing, interior, only one step kept, all masked."""
    rows = [np.ones(n_steps, bool)]
    if n_steps > 1:
        k = max(1, n_steps // 3)
        for masked in (slice(0, k), slice(n_steps - k, n_steps), slice(k, 2 * k)):
            row = np.ones(n_steps, bool)
            row[masked] = False
            rows.append(row)
        only = np.zeros(n_steps, bool)
        only[n_steps // 2] = True
        rows.append(only)
    rows.append(np.zeros(n_steps, bool))
    return np.stack(rows)


def _randomise(layer: keras.layers.Layer, seed: int) -> None:
    """Non-default weights: biases away from zero/one, a contractive random recurrent kernel."""
    rng = np.random.default_rng(seed)
    for w in layer.weights:
        fan_in = w.shape[0] if len(w.shape) == 2 and "bias" not in w.path else 4
        w.assign(rng.normal(0.0, 1.0 / math.sqrt(fan_in), size=w.shape))


def _train_one_epoch(layer: keras.layers.Layer, input_dim: int, n_steps: int) -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=(64, n_steps, input_dim)).astype("float32")
    y = (x.mean(axis=(1, 2)) > 0).astype("float32")
    inputs = keras.Input((n_steps, input_dim))
    seq = layer(inputs)[0]  # (B, T, units)
    outputs = keras.layers.Dense(1, activation="sigmoid")(keras.layers.GlobalAveragePooling1D()(seq))
    model = keras.Model(inputs, outputs)
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss="binary_crossentropy")
    model.fit(x, y, epochs=1, batch_size=16, verbose=0)


@functools.lru_cache(maxsize=None)
def _layer(cell: str, input_dim: int, units: int, weights: str, **options) -> keras.layers.Layer:
    keras.utils.set_random_seed(0)
    cls, kwargs = CELLS[cell]
    layer = cls(units, return_sequences=True, return_state=True, **kwargs, **options)
    layer.build((None, None, input_dim))
    before = [w.numpy().copy() for w in layer.weights]
    if weights == "random":
        _randomise(layer, seed=units * 100 + input_dim)
    elif weights == "trained":
        _train_one_epoch(layer, input_dim, n_steps=12)
    if weights != "fresh":
        assert any(not np.allclose(b, w.numpy()) for b, w in zip(before, layer.weights))
    return layer


def _x(batch: int, n_steps: int, input_dim: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(batch, n_steps, input_dim)).astype("float32")


def _assert_agrees(layer: keras.layers.Layer, x: np.ndarray, mask: np.ndarray | None) -> None:
    """Every row of the batch traced alone matches Keras' sequence output and final states.

    Keras' sequence output at a masked step repeats the previous output (zeros before the first
    unmasked step), which is the carried state the trace stores in h at masked steps."""
    out = [o.numpy() for o in layer(x, mask=mask)]
    seq, final_states = out[0], out[1:]  # (B, T, units), then h (and c for LSTM)
    for b in range(x.shape[0]):
        trace = trace_layer(layer, x[b], None if mask is None else mask[b])
        np.testing.assert_allclose(trace.h, seq[b], rtol=0, atol=ATOL, err_msg=f"h, row {b}")
        states = [trace.h[-1]] + ([trace.c[-1]] if isinstance(trace, LSTMTrace) else [])
        assert len(states) == len(final_states)
        for name, mine, theirs in zip("hc", states, final_states):
            np.testing.assert_allclose(mine, theirs[b], rtol=0, atol=ATOL, err_msg=f"final {name}, row {b}")


# --- Agreement with Keras -----------------------------------------------------------------------


@pytest.mark.parametrize("weights", ["fresh", "random"])
@pytest.mark.parametrize("input_dim,units,n_steps", SIZES)
@pytest.mark.parametrize("cell", list(CELLS))
def test_matches_keras(cell: str, input_dim: int, units: int, n_steps: int, weights: str) -> None:
    layer = _layer(cell, input_dim, units, weights)
    mask = _masks(n_steps)
    _assert_agrees(layer, _x(len(mask), n_steps, input_dim), mask)
    _assert_agrees(layer, _x(2, n_steps, input_dim, seed=1), None)


@pytest.mark.parametrize("cell", list(CELLS))
def test_matches_keras_after_training(cell: str) -> None:
    layer = _layer(cell, 6, 8, "trained")
    for n_steps in (1, 20):
        mask = _masks(n_steps)
        _assert_agrees(layer, _x(len(mask), n_steps, 6, seed=n_steps), mask)


VARIANTS = [
    ("lstm", {"activation": "softsign", "recurrent_activation": "hard_sigmoid"}),
    ("lstm", {"activation": "relu", "recurrent_activation": "hard_sigmoid"}),
    ("lstm", {"use_bias": False}),
    ("gru", {"activation": "hard_tanh", "recurrent_activation": "hard_sigmoid"}),
    ("gru", {"use_bias": False}),
    ("gru_reset_before", {"activation": "elu", "recurrent_activation": "hard_sigmoid"}),
    ("gru_reset_before", {"use_bias": False}),
    ("rnn", {"activation": "relu"}),
    ("rnn", {"activation": None, "use_bias": False}),
]


@pytest.mark.parametrize("cell,options", VARIANTS,
                         ids=[f"{c}-{'-'.join(map(str, o.values()))}" for c, o in VARIANTS])
def test_matches_keras_activations_and_no_bias(cell: str, options: dict) -> None:
    layer = _layer(cell, 5, 6, "random", **options)
    mask = _masks(15)
    _assert_agrees(layer, _x(len(mask), 15, 5, seed=2), mask)


def test_initial_states_match_keras() -> None:
    rng = np.random.default_rng(3)
    x = _x(1, 10, 5)
    mask = _masks(10)[1:2]  # leading steps masked: the initial states must be carried through them
    h0, c0 = rng.normal(size=(2, 1, 6)).astype("float32")

    lstm = _layer("lstm", 5, 6, "random")
    _, h, c = (o.numpy() for o in lstm(x, mask=mask, initial_state=[h0, c0]))
    cell = lstm.cell
    trace = trace_lstm(x[0], cell.kernel.numpy(), cell.recurrent_kernel.numpy(), cell.bias.numpy(),
                       mask=mask[0], h0=h0[0], c0=c0[0])
    np.testing.assert_allclose(trace.h[-1], h[0], rtol=0, atol=ATOL)
    np.testing.assert_allclose(trace.c[-1], c[0], rtol=0, atol=ATOL)
    np.testing.assert_allclose(trace.h[0], h0[0], rtol=0, atol=ATOL)  # step 0 is masked: carried

    gru = _layer("gru", 5, 6, "random")
    _, h = (o.numpy() for o in gru(x, mask=mask, initial_state=[h0]))
    cell = gru.cell
    trace = trace_gru(x[0], cell.kernel.numpy(), cell.recurrent_kernel.numpy(), cell.bias.numpy(),
                      mask=mask[0], h0=h0[0])
    np.testing.assert_allclose(trace.h[-1], h[0], rtol=0, atol=ATOL)


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_activation_matches_keras(name: str) -> None:
    z = np.linspace(-8.0, 8.0, 401)
    theirs = keras.activations.get(name)(keras.ops.convert_to_tensor(z, "float32"))
    theirs = keras.ops.convert_to_numpy(theirs)
    np.testing.assert_allclose(ACTIVATIONS[name](z), theirs, rtol=1e-6, atol=1e-6)


# --- Gate values ----------------------------------------------------------------------------------


def test_gates_in_range_and_nan_at_masked_steps() -> None:
    x = _x(1, 25, 8)[0]
    mask = _masks(25)[3]  # interior steps masked
    for cell, sigmoid_gates, candidate in [("lstm", "ifo", "g"), ("gru", ("z", "r"), "hh")]:
        trace = trace_layer(_layer(cell, 8, 16, "random"), x, mask)
        gates = trace.gates()
        for name in [*sigmoid_gates, candidate]:
            values = gates[name]
            assert np.isnan(values[~mask]).all(), name
            assert np.isfinite(values[mask]).all(), name
            lo = 0.0 if name in sigmoid_gates else -1.0
            assert lo <= values[mask].min() and values[mask].max() <= 1.0, name
        assert np.isfinite(trace.h).all()
        assert np.array_equal(trace.mask, mask)


def test_trace_shapes_keys_and_read_only() -> None:
    x = _x(1, 7, 3)[0]
    expected = {"lstm": ["i", "f", "g", "o", "c", "h"], "gru": ["z", "r", "hh", "h"], "rnn": ["h"]}
    for cell, trace_type in [("lstm", LSTMTrace), ("gru", GRUTrace), ("rnn", RNNTrace)]:
        trace = trace_layer(_layer(cell, 3, 1, "fresh"), x)
        assert isinstance(trace, trace_type) and trace.cell == cell
        gates = trace.gates()
        assert list(gates) == expected[cell]
        for values in gates.values():
            assert values.shape == (7, 1) and values.dtype == np.float64
            assert not values.flags.writeable
        assert trace.mask.all() and not trace.mask.flags.writeable


def test_lstm_one_unit_by_hand() -> None:
    kernel = [[0.5, -0.3, 0.8, 0.1]]  # (1, 4): i, f, c, o
    recurrent_kernel = [[0.2, 0.4, -0.6, 0.3]]
    bias = [0.1, 1.0, 0.0, -0.2]
    x = [[1.0], [7.0], [-2.0]]  # the middle step is masked
    trace = trace_lstm(x, kernel, recurrent_kernel, bias, mask=[True, False, True])

    def sigmoid(v: float) -> float:
        return 1.0 / (1.0 + math.exp(-v))

    # t = 0 from h_tm1 = c_tm1 = 0, worked out on paper
    expected_0 = {"i": 0.645656306, "f": 0.668187772, "g": 0.664036770, "o": 0.475020813,
                  "c": 0.428739528, "h": 0.192035417}
    for name, value in expected_0.items():
        assert getattr(trace, name)[0, 0] == pytest.approx(value, abs=1e-9), name
    # t = 1 masked: no gates, states carried
    for name in "ifgo":
        assert math.isnan(getattr(trace, name)[1, 0])
    assert trace.c[1, 0] == trace.c[0, 0] and trace.h[1, 0] == trace.h[0, 0]
    # t = 2 from the carried states
    h_tm1, c_tm1 = expected_0["h"], expected_0["c"]
    i = sigmoid(0.5 * -2.0 + 0.2 * h_tm1 + 0.1)
    f = sigmoid(-0.3 * -2.0 + 0.4 * h_tm1 + 1.0)
    g = math.tanh(0.8 * -2.0 - 0.6 * h_tm1 + 0.0)
    o = sigmoid(0.1 * -2.0 + 0.3 * h_tm1 - 0.2)
    c = f * c_tm1 + i * g
    h = o * math.tanh(c)
    for name, value in {"i": i, "f": f, "g": g, "o": o, "c": c, "h": h}.items():
        assert getattr(trace, name)[2, 0] == pytest.approx(value, abs=1e-8), name


def test_gru_and_rnn_one_unit_by_hand() -> None:
    x, h_tm1 = 0.5, 0.0
    z = 1.0 / (1.0 + math.exp(-(0.3 * x + 0.1)))
    r = 1.0 / (1.0 + math.exp(-(-0.4 * x)))
    hh = math.tanh(0.9 * x + r * 0.2)  # reset_after: r scales the recurrent bias term too
    trace = trace_gru([[x]], [[0.3, -0.4, 0.9]], [[0.7, 0.6, -0.5]], [[0.1, 0.0, 0.0], [0.0, 0.0, 0.2]])
    assert (trace.z[0, 0], trace.r[0, 0], trace.hh[0, 0]) == pytest.approx((z, r, hh), abs=1e-12)
    assert trace.h[0, 0] == pytest.approx(z * h_tm1 + (1 - z) * hh, abs=1e-12)

    trace = trace_simple_rnn([[x], [-1.0]], [[2.0]], [[0.5]], [0.25], activation="relu")
    h0 = max(0.0, 2.0 * x + 0.25)
    assert trace.h[:, 0] == pytest.approx([h0, max(0.0, -2.0 + 0.5 * h0 + 0.25)])


# --- Errors ---------------------------------------------------------------------------------------

K, R, B = np.zeros((8, 4 * 3)), np.zeros((3, 4 * 3)), np.zeros(4 * 3)  # input_dim 8, units 3


@pytest.mark.parametrize("kwargs,message", [
    ({"x": np.zeros(8)},
     "x must have shape (T, input_dim) = (T, 8) with T >= 1 to match kernel (8, 12), got shape (8,)"),
    ({"x": np.zeros((1, 5, 8))}, "got shape (1, 5, 8) (one sequence at a time: pass x[0]"),
    ({"x": np.zeros((5, 3))}, "x must have shape (T, input_dim) = (T, 8)"),
    ({"x": np.zeros((0, 8))}, "got shape (0, 8)"),
    ({"x": np.full((2, 8), np.nan)}, "x contains NaN or infinite values"),
    ({"mask": [True, False]}, "mask must have shape (T,) = (5,), got shape (2,)"),
    ({"recurrent_kernel": np.zeros((3, 9))},
     "recurrent_kernel must have shape (units, 4*units) = (3, 12), got shape (3, 9)"),
    ({"kernel": np.zeros((8, 10))}, "kernel must have shape (input_dim, 4*units), got shape (8, 10)"),
    ({"bias": np.zeros(3)}, "bias must have shape (4*units,) = (12,), got shape (3,)"),
    ({"h0": np.zeros(4)}, "h0 must have shape (units,) = (3,), got shape (4,)"),
    ({"activation": "gelu"}, "activation must be one of tanh, sigmoid"),
    ({"recurrent_activation": "softmax"}, "recurrent_activation must be one of"),
])
def test_bad_arguments_raise_clear_errors(kwargs: dict, message: str) -> None:
    args = {"x": np.zeros((5, 8)), "kernel": K, "recurrent_kernel": R, "bias": B, **kwargs}
    x, kernel, recurrent_kernel, bias = (args.pop(k) for k in ("x", "kernel", "recurrent_kernel", "bias"))
    with pytest.raises(ValueError, match=re.escape(message)):
        trace_lstm(x, kernel, recurrent_kernel, bias, **args)


def test_gru_bias_must_match_reset_after() -> None:
    kernel, recurrent_kernel = np.zeros((2, 9)), np.zeros((3, 9))
    expected = "bias must have shape (2, 3*units) for reset_after=True = (2, 9), got shape (9,)"
    with pytest.raises(ValueError, match=re.escape(expected)):
        trace_gru(np.zeros((4, 2)), kernel, recurrent_kernel, np.zeros(9))
    expected = "bias must have shape (3*units,) for reset_after=False = (9,), got shape (2, 9)"
    with pytest.raises(ValueError, match=re.escape(expected)):
        trace_gru(np.zeros((4, 2)), kernel, recurrent_kernel, np.zeros((2, 9)), reset_after=False)


def test_trace_layer_refuses_what_it_cannot_replay() -> None:
    x = np.zeros((4, 3))
    with pytest.raises(ValueError, match="layer must be a Keras LSTM, GRU or SimpleRNN layer, got Dense"):
        trace_layer(keras.layers.Dense(2), x)
    with pytest.raises(ValueError, match="is not built yet"):
        trace_layer(keras.layers.LSTM(2), x)
    backwards = keras.layers.LSTM(2, go_backwards=True)
    backwards.build((None, None, 3))
    with pytest.raises(ValueError, match="go_backwards=True"):
        trace_layer(backwards, x)
    for options in ({"activation": "gelu"}, {"recurrent_activation": lambda v: v}):
        layer = keras.layers.GRU(2, **options)
        layer.build((None, None, 3))
        with pytest.raises(ValueError, match="which gate tracing cannot replay"):
            trace_layer(layer, x)
