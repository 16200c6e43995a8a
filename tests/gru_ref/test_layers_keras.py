"""gru_ref layers and teaching steps against Keras 3 (KERAS_BACKEND=torch).

A gru_ref layer (batch_first=True, like Keras) loaded with load_keras_weights(layer.get_weights()) must give
Keras's outputs and final states; the gradients come from torch autograd running through the Keras layer,
mapped to torch names by hand in oracles.py. Keras GRU(reset_after=False) is the oracle for gru_ref's
reset="before", which torch does not have.

Keras 3.15 on the torch backend computes every keras.ops.matmul in float32, even in a float64 layer
(keras.src.backend.common.dtypes.result_type maps float64 to float32 for every backend but TensorFlow).
Its LSTM and GRU(reset_after=True) run a torch-ops loop of their own (keras/src/backend/torch/rnn.py) in the
layer's dtype, but SimpleRNN and GRU(reset_after=False) go through keras.ops.matmul: for those two, Keras is a
float32-accurate oracle even in float64 (tolerance KERAS_FLOAT32_MATMUL_TOLERANCE); the float64 accuracy of
reset="before" is checked against a torch-ops reference in test_layers_torch.py and by finite differences.
"""
import numpy as np
import oracles
import pytest
from oracles import assert_close

import gru_ref
from gru_ref import convert

# (name used in the error summary, cell, options of the gru_ref layer, options of the keras layer)
KINDS = {
    "SimpleRNN(tanh)": ("rnn", {"nonlinearity": "tanh"}, {"activation": "tanh"}),
    "SimpleRNN(relu)": ("rnn", {"nonlinearity": "relu"}, {"activation": "relu"}),
    "GRU(reset_after=True)": ("gru", {"reset": "after"}, {"reset_after": True}),
    "GRU(reset_after=False)": ("gru", {"reset": "before"}, {"reset_after": False}),
    "LSTM": ("lstm", {}, {}),
}
LAYER_CLASSES = {"rnn": gru_ref.RNN, "gru": gru_ref.GRU, "lstm": gru_ref.LSTM}
KERAS_FLOAT32_MATMUL_TOLERANCE = 1e-6
THROUGH_KERAS_OPS_MATMUL = {"SimpleRNN(tanh)", "SimpleRNN(relu)", "GRU(reset_after=False)"}
DTYPES = pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])


def keras_tolerance(kind, dtype):
    float32_matmul = np.dtype(dtype) == np.float64 and kind in THROUGH_KERAS_OPS_MATMUL
    return KERAS_FLOAT32_MATMUL_TOLERANCE if float32_matmul else None


def draw(kind, seed):
    rng = np.random.default_rng([seed, list(KINDS).index(kind), 17])
    T, B, D, H = (int(n) for n in rng.integers(1, [6, 4, 5, 5], endpoint=True))
    return T, B, D, H, bool(rng.random() < 0.7)


def keras_oracle_layer(kind, D, H, dtype, seed):
    cell, _, keras_options = KINDS[kind]
    return oracles.keras_layer(cell, H, D, dtype, seed=seed, scale=1.5, **keras_options)


@DTYPES
@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("kind", KINDS)
def test_layer_loaded_from_keras_matches_keras(kind, seed, dtype):
    cell, options, keras_options = KINDS[kind]
    T, B, D, H, give_state = draw(kind, seed)
    rng = np.random.default_rng([seed, 19])
    x = rng.normal(size=(B, T, D)).astype(dtype)
    h0 = rng.uniform(-1, 1, (B, H)).astype(dtype) if give_state else None
    c0 = rng.normal(size=(B, H)).astype(dtype) if give_state and cell == "lstm" else None
    d_out, d_h, d_c = (rng.normal(size=s).astype(dtype) for s in ((B, T, H), (B, H), (B, H)))
    d_c = d_c if cell == "lstm" else None

    keras_layer = keras_oracle_layer(kind, D, H, dtype, seed)
    expected = oracles.run_keras(keras_layer, x, h0, c0, d_out, d_h, d_c)

    layer = LAYER_CLASSES[cell](D, H, batch_first=True, **options)
    layer.load_keras_weights(keras_layer.get_weights())
    check = lambda what, a, b: assert_close(a, b, f"{kind} s{seed} {what}", oracle="keras",  # noqa: E731
                                            cell=kind, dtype=dtype, tol=keras_tolerance(kind, dtype))
    if cell == "lstm":
        out, (h_n, c_n) = layer(x, None if h0 is None else (h0[None], c0[None]))
        check("c_n", c_n[0], expected["c"])
        grads = layer.backward(d_out, (d_h[None], d_c[None]))
        d_h0, d_c0 = grads.state
    else:
        out, h_n = layer(x, None if h0 is None else h0[None])
        grads = layer.backward(d_out, d_h[None])
        d_h0 = grads.state
    check("out", out, expected["out"])
    check("h_n", h_n[0], expected["h"])
    check("d_x", grads.x, expected["d_x"])
    if give_state:
        check("d_h0", d_h0[0], expected["d_h0"])
        if cell == "lstm":
            check("d_c0", d_c0[0], expected["d_c0"])
    keras_gradients = oracles.keras_gradients_in_torch_names(cell, expected["d_weights"],
                                                             keras_options.get("reset_after", True))
    assert sorted(grads.params) == sorted(keras_gradients)
    for name, gradient in keras_gradients.items():
        check(f"d {name}", grads.params[name], gradient)


@DTYPES
@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("kind", KINDS)
def test_teaching_step_from_keras_matches_one_keras_step(kind, seed, dtype):
    cell, options, keras_options = KINDS[kind]
    _, B, D, H, _ = draw(kind, seed)
    rng = np.random.default_rng([seed, 23])
    x = rng.normal(size=(B, 1, D)).astype(dtype)
    h0 = rng.uniform(-1, 1, (B, H)).astype(dtype)
    c0 = rng.normal(size=(B, H)).astype(dtype)
    keras_layer = keras_oracle_layer(kind, D, H, dtype, seed)
    weights = convert.from_keras(cell, keras_layer.get_weights(), reset_after=keras_options.get("reset_after", True))
    check = lambda what, a, b: assert_close(a, b, f"{kind} step s{seed} {what}", oracle="keras",  # noqa: E731
                                            cell=f"{kind} step", dtype=dtype,
                                            tol=keras_tolerance(kind, dtype))
    if cell == "lstm":
        expected = oracles.run_keras(keras_layer, x, h0, c0)
        trace = gru_ref.lstm_step(x[:, 0], h0, c0, weights)
        check("C", trace.C, expected["c"])
    elif cell == "gru":
        expected = oracles.run_keras(keras_layer, x, h0)
        trace = gru_ref.gru_step(x[:, 0], h0, weights, **options)
    else:
        expected = oracles.run_keras(keras_layer, x, h0)
        trace = gru_ref.rnn_step(x[:, 0], h0, weights, **options)
    check("H", trace.H, expected["h"])
    check("out", trace.H, expected["out"][:, 0])


@pytest.mark.parametrize("reset_after", [True, False])
def test_keras_reset_placements_really_differ(reset_after):
    """Guards the reset="before" oracle: with the same numbers the two Keras GRUs compute different things,
    and gru_ref follows each one, not the other."""
    D, H = 3, 4
    rng = np.random.default_rng(5)
    x = rng.normal(size=(2, 4, D))
    layers = {flag: oracles.keras_layer("gru", H, D, np.float64, reset_after=flag, seed=1, scale=2.0)
              for flag in (True, False)}
    # Same kernels; the reset_after=True bias holds the other's bias as its input row and zeros as recurrent.
    kernel, recurrent, bias = layers[False].get_weights()
    layers[True].set_weights([kernel, recurrent, np.stack([bias, np.zeros_like(bias)])])
    outputs = {flag: oracles.run_keras(layer, x)["out"] for flag, layer in layers.items()}
    assert np.abs(outputs[True] - outputs[False]).max() > 1e-3
    layer = gru_ref.GRU(D, H, batch_first=True, reset="after" if reset_after else "before")
    layer.load_keras_weights(layers[reset_after].get_weights())
    out, _ = layer(x)
    np.testing.assert_allclose(out, outputs[reset_after], rtol=0, atol=KERAS_FLOAT32_MATMUL_TOLERANCE)
    assert np.abs(out - outputs[not reset_after]).max() > 1e-3


def test_keras_float64_matmul_is_float32_accurate():
    """Documents why KERAS_FLOAT32_MATMUL_TOLERANCE is not 1e-10; if Keras starts computing in float64, tighten it."""
    keras = oracles.import_keras()
    torch = oracles.import_torch()
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(3, 5)), rng.normal(size=(5, 4))
    product = keras.ops.matmul(torch.tensor(a), torch.tensor(b))
    assert product.dtype == torch.float32
    assert np.abs(product.numpy() - a @ b).max() > 1e-10


@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
def test_keras_layer_without_bias(cell):
    keras = oracles.import_keras()
    D, H = 2, 3
    options = {"reset_after": True} if cell == "gru" else {}
    keras_layer = getattr(keras.layers, oracles.KERAS_LAYERS[cell])(H, use_bias=False, return_sequences=True,
                                                                   return_state=True, dtype="float64", **options)
    keras_layer.build((None, None, D))
    rng = np.random.default_rng(2)
    keras_layer.set_weights([rng.uniform(-1, 1, w.shape) for w in keras_layer.get_weights()])
    assert len(keras_layer.get_weights()) == 2
    x = rng.normal(size=(2, 3, D))
    expected = oracles.run_keras(keras_layer, x)
    layer = LAYER_CLASSES[cell](D, H, batch_first=True, bias=False)
    layer.load_keras_weights(keras_layer.get_weights())
    out, _ = layer(x)
    assert_close(out, expected["out"], f"{cell} no bias out", oracle="keras", cell=f"{cell} no bias",
                 dtype=np.float64, tol=KERAS_FLOAT32_MATMUL_TOLERANCE if cell == "rnn" else None)
