"""lstm_core.gradients: the tape's gradient norms against central finite differences on tiny float64
layers (tolerance 1e-6 relative), by-distance ordering, the cell-state path against a direct product of
forget gates, and clear errors."""

from __future__ import annotations

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from lstm_core.gates import LSTMTrace, RNNTrace, trace_layer  # noqa: E402
from lstm_core.gradients import (GradientProfile, cell_path, embed, input_gradient_norms,  # noqa: E402
                                 model_parts, profile)
from lstm_core.memory_task import (MemoryModelConfig, MemoryTaskConfig, build_memory_model,  # noqa: E402
                                   make_memory_data)

LAYERS = {"rnn": keras.layers.SimpleRNN, "lstm": keras.layers.LSTM, "gru": keras.layers.GRU}
EPS, RTOL = 1e-6, 1e-6
N, T, E, UNITS = 2, 6, 2, 3


def tiny_layer(cell: str, seed: int = 0):
    keras.utils.set_random_seed(seed)
    layer = LAYERS[cell](UNITS, dtype="float64")
    x = np.random.default_rng(seed).normal(size=(N, T, E))
    layer(x)
    return layer, x


def finite_difference(fn, x: np.ndarray) -> np.ndarray:
    """d fn(x) / d x by central differences, (out..., N, T, E) for fn(x) (N, ...) of a batch x (N, T, E):
    every perturbed copy of the batch is stacked into one call of ``fn``."""
    n = x.shape[0]
    shifts = np.eye(x.size).reshape(x.size, *x.shape) * EPS  # (N*T*E, N, T, E)
    batch = np.concatenate([x + shifts, x - shifts]).reshape(-1, *x.shape[1:])  # (2*N*T*E*N, T, E)
    out = np.asarray(fn(batch)).reshape(2, x.size, n, *np.shape(fn(x))[1:])
    diff = (out[0] - out[1]) / (2 * EPS)  # (N*T*E, N, ...)
    return np.moveaxis(diff.reshape(*x.shape, *diff.shape[1:]), [0, 1, 2], [-3, -2, -1])


@pytest.mark.parametrize("cell", list(LAYERS))
def test_h_T_jacobian_norms_match_finite_differences(cell):
    layer, x = tiny_layer(cell)
    got = input_gradient_norms(layer, x, target="h_T")
    jac = finite_difference(lambda v: np.asarray(layer(v)), x)  # (N, units, N, T, E)
    own = np.stack([jac[n, :, n] for n in range(N)])  # (N, units, T, E): sequence n's own inputs
    assert np.allclose(jac[0, :, 1], 0.0) and np.allclose(jac[1, :, 0], 0.0)  # sequences are independent
    want = np.sqrt((own ** 2).sum(axis=(1, 3))).mean(axis=0)[::-1]  # by distance
    np.testing.assert_allclose(got, want, rtol=RTOL, atol=1e-10)


@pytest.mark.parametrize("cell", list(LAYERS))
def test_loss_gradient_norms_match_finite_differences(cell):
    layer, x = tiny_layer(cell, seed=3)
    head = keras.layers.Dense(2, activation="softmax", dtype="float64")
    head(layer(x))
    y = np.array([0, 1])
    got = input_gradient_norms(layer, x, target="loss", head=[head], labels=y)

    def loss_of(v: np.ndarray) -> np.ndarray:
        p = np.asarray(head(layer(v)))  # (B, 2) for B stacked copies of the batch
        return -np.log(p[np.arange(len(v)), np.resize(y, len(v))])  # (B,) one loss per sequence

    grad = finite_difference(loss_of, x)  # (N, N, T, E)
    own = np.stack([grad[n, n] for n in range(N)])  # (N, T, E)
    want = np.sqrt((own ** 2).sum(axis=2)).mean(axis=0)[::-1]
    np.testing.assert_allclose(got, want, rtol=RTOL, atol=1e-10)


def test_a_single_sequence_and_a_model_give_profiles_by_distance():
    task = MemoryTaskConfig(length=12, distance=3)
    model = build_memory_model(MemoryModelConfig(cell="rnn", units=4, embedding_dim=3), task, seed=1)
    x, y = make_memory_data(task, 3, seed=0)
    emb, layer, head = model_parts(model)
    assert [h.name for h in head] == ["output"] and embed(model, x).shape == (3, 12, 3)
    one = input_gradient_norms(layer, embed(model, x)[0])
    assert one.shape == (12,) and np.all(one > 0)
    p = profile(model, x, cell="rnn", trained=False, target="loss", labels=y)
    assert p.label == "SimpleRNN, untrained" and p.distances[0] == 1 and len(p.norms) == 12
    assert p.ratio(1) == 1.0 and p.at(12) == p.norms[-1]
    d = p.to_dict()
    assert d["target"] == "loss" and d["ratio_to_distance_1"] == {}  # 50 and 100 are beyond 12 steps
    with pytest.raises(ValueError, match=r"distance must be in \[1, 12\], got 13"):
        p.at(13)


def test_the_gradient_reaches_the_last_step_without_the_recurrence():
    """At distance 1 the gradient is the input's direct effect: for a SimpleRNN with zero h0 and a single
    step, ∂h_1/∂x_1 = diag(1 - h_1²) W, whatever the recurrent kernel."""
    layer, x = tiny_layer("rnn")
    x1 = x[:, :1]
    h = np.asarray(layer(x1))  # (N, units)
    kernel = layer.cell.kernel.numpy()  # (E, units)
    want = np.mean([np.linalg.norm((1 - h[n] ** 2)[:, None] * kernel.T) for n in range(N)])
    assert input_gradient_norms(layer, x1)[0] == pytest.approx(want, rel=1e-9)


def test_bad_arguments_are_named():
    layer, x = tiny_layer("lstm")
    with pytest.raises(ValueError, match="target must be one of h_T, loss, got 'c_T'"):
        input_gradient_norms(layer, x, target="c_T")
    with pytest.raises(ValueError, match=r"x must have shape \(T, E\) or \(N, T, E\)"):
        input_gradient_norms(layer, np.zeros(4))
    with pytest.raises(ValueError, match="needs head"):
        input_gradient_norms(layer, x, target="loss")
    dense = keras.layers.Dense(2, activation="softmax", dtype="float64")
    with pytest.raises(ValueError, match="one class id per sequence"):
        input_gradient_norms(layer, x, target="loss", head=[dense], labels=[0, 1, 1])


def test_cell_path_is_the_product_of_the_later_forget_gates():
    layer, x = tiny_layer("lstm")
    trace = trace_layer(layer, x[0])
    path = cell_path(trace)
    f = trace.f  # (T, units)
    assert path.gate == "f" and path.survival.shape == (T, UNITS)
    np.testing.assert_allclose(path.survival[0], 1.0)  # the last token: no forget gate after it
    for d in range(1, T + 1):
        np.testing.assert_allclose(path.survival[d - 1], np.prod(f[T - d + 1:], axis=0), rtol=1e-12)
    assert np.all(np.diff(path.mean()) <= 0) and path.quantile(1.0)[2] == path.survival[2].max()


def test_cell_path_counts_masked_steps_as_carried_and_refuses_a_simple_rnn():
    f = np.array([[0.5], [np.nan], [0.25]])
    trace = LSTMTrace(i=f, f=f, g=f, o=f, c=f, h=f, mask=np.array([True, False, True]))
    np.testing.assert_allclose(cell_path(trace).survival[:, 0], [1.0, 0.25, 0.25])
    with pytest.raises(ValueError, match="SimpleRNN has no gate"):
        cell_path(RNNTrace(h=f, mask=np.ones(3, bool)))


def test_gru_cell_path_uses_the_update_gate():
    layer, x = tiny_layer("gru")
    trace = trace_layer(layer, x[1])
    path = cell_path(trace)
    assert path.gate == "z"
    np.testing.assert_allclose(path.survival[3], np.prod(trace.z[T - 3:], axis=0), rtol=1e-12)


def test_profile_ratio_of_a_geometric_decay():
    p = GradientProfile("x", "rnn", False, "h_T", 0.5 ** np.arange(120.0))
    assert p.ratio(50) == pytest.approx(2.0 ** 49)
    assert p.to_dict()["ratio_to_distance_1"]["100"] == pytest.approx(2.0 ** 99)


def test_the_gradients_command_measures_every_cell_untrained(capsys):
    import json

    from lstm_core.cli import main

    assert main(["gradients", "--cells", "rnn,lstm", "--seq-length", "12", "--sequences", "2", "--units", "4",
                 "--trained-distance", "5", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [p["label"] for p in out["profiles"]] == ["SimpleRNN, untrained", "LSTM, untrained"]
    assert all(len(p["norms"]) == 12 and p["norms"][0] > 0 for p in out["profiles"])
    assert main(["gradients", "--run", "somewhere", "--text", " "]) == 2
    assert "--text is empty" in capsys.readouterr().err


def test_review_gradients_of_a_run_trained_and_untrained(tiny_imdb_dir, tmp_path):
    from lstm_core.gradients import review_gradients
    from lstm_core.runs import load_run
    from helpers import trained_run

    run = load_run(trained_run(tiny_imdb_dir, tmp_path))
    found = review_gradients(run, "A wonderful film, not boring at all, and a great cast.")
    assert [p.label for p in found.profiles] == ["LSTM, trained", "LSTM, untrained"]
    assert all(len(p.norms) == len(found.tokens) for p in found.profiles) and len(found.paths) == 2
    assert found.paths[0].survival.shape == (len(found.tokens), run.model.get_layer("rnn").cell.units)
