"""Bad input gives a ValueError that names the argument and says what was expected and what was given;
extreme but finite pre-activations give neither warnings nor NaN."""
import warnings

import numpy as np
import oracles
import pytest

import gru_ref
from gru_ref import convert, counts

LAYERS = {"rnn": gru_ref.RNN, "gru": gru_ref.GRU, "lstm": gru_ref.LSTM}
WEIGHTS = {"rnn": gru_ref.RNNWeights, "gru": gru_ref.GRUWeights, "lstm": gru_ref.LSTMWeights}
STEPS = {"rnn": gru_ref.rnn_step, "gru": gru_ref.gru_step, "lstm": gru_ref.lstm_step}
CELLS = pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
D, H, T, B = 3, 4, 5, 2


def value_error(function, *fragments):
    """Call `function`; it must raise a ValueError whose message contains every fragment."""
    with pytest.raises(ValueError) as info:
        function()
    message = str(info.value)
    missing = [f for f in fragments if f not in message]
    assert not missing, f"message {message!r} lacks {missing}"
    return message


def forward(layer, x, h0=None, c0=None):
    if isinstance(layer, gru_ref.LSTM):
        return layer(x, None if h0 is None else (h0, c0))
    return layer(x, h0)


def good_states(layers=1, batch=(B,)):
    return np.zeros((layers,) + batch + (H,)), np.zeros((layers,) + batch + (H,))


# ---------------------------------------------------------------- shapes

@CELLS
@pytest.mark.parametrize("batch_first", [False, True])
def test_x_with_the_wrong_feature_size(cell, batch_first):
    layer = LAYERS[cell](D, H, batch_first=batch_first)
    x = np.zeros((B, T, D + 1) if batch_first else (T, B, D + 1))
    value_error(lambda: forward(layer, x), "x", f"{D})", str(x.shape))


@CELLS
def test_unbatched_x_with_the_wrong_feature_size(cell):
    x = np.zeros((T, D + 1))
    value_error(lambda: forward(LAYERS[cell](D, H), x), "x", f"{D})", str(x.shape))


@CELLS
@pytest.mark.parametrize("shape", [(D,), (1, T, B, D)])
def test_x_with_the_wrong_number_of_dimensions(cell, shape):
    value_error(lambda: forward(LAYERS[cell](D, H), np.zeros(shape)), "x", str(shape))


@CELLS
@pytest.mark.parametrize("bad_shape", [(1, B + 1, H), (2, B, H), (1, B, H + 1), (B, H)])
def test_initial_states_with_the_wrong_shape(cell, bad_shape):
    layer = LAYERS[cell](D, H)
    x = np.zeros((T, B, D))
    h0, c0 = good_states()
    value_error(lambda: forward(layer, x, np.zeros(bad_shape), c0), "h0", str((1, B, H)), str(bad_shape))
    if cell == "lstm":
        value_error(lambda: forward(layer, x, h0, np.zeros(bad_shape)), "c0", str((1, B, H)), str(bad_shape))


@CELLS
def test_unbatched_initial_state_with_the_wrong_shape(cell):
    h0, c0 = good_states(batch=())
    value_error(lambda: forward(LAYERS[cell](D, H), np.zeros((T, D)), np.zeros((1, H + 1)), c0),
                "h0", str((1, H)), str((1, H + 1)))


@CELLS
@pytest.mark.parametrize("bidirectional", [False, True])
def test_state_dict_values_with_the_wrong_shape(cell, bidirectional):
    layer = LAYERS[cell](D, H, num_layers=2, bidirectional=bidirectional)
    for name, value in layer.state_dict().items():
        bad = np.zeros(value.shape[:-1] + (value.shape[-1] + 1,))
        value_error(lambda name=name, bad=bad: layer.load_state_dict({**layer.state_dict(), name: bad}), name,
                    str(value.shape), str(bad.shape))


@CELLS
def test_missing_and_extra_state_dict_keys(cell):
    layer = LAYERS[cell](D, H)
    sd = layer.state_dict()
    missing = {k: v for k, v in sd.items() if k != "weight_hh_l0"}
    value_error(lambda: layer.load_state_dict(missing), "state_dict", "weight_hh_l0")
    value_error(lambda: layer.load_state_dict({**sd, "weight_ih_l1": sd["weight_ih_l0"]}), "state_dict",
                "weight_ih_l1")
    no_bias = LAYERS[cell](D, H, bias=False)
    value_error(lambda: no_bias.load_state_dict(sd), "state_dict", "bias_ih_l0")


@CELLS
def test_upstream_gradients_with_the_wrong_shape(cell):
    layer = LAYERS[cell](D, H, batch_first=True)
    forward(layer, np.zeros((B, T, D), np.float32))
    bad_out = np.zeros((T, B, H), np.float32)  # time-first although the layer is batch_first
    value_error(lambda: layer.backward(bad_out, None), "d_out", str((B, T, H)), str(bad_out.shape))
    bad_state = np.zeros((1, B + 1, H), np.float32)
    d_state = (bad_state, None) if cell == "lstm" else bad_state
    value_error(lambda: layer.backward(np.zeros((B, T, H), np.float32), d_state), "d_h_n", str((1, B, H)),
                str(bad_state.shape))
    if cell == "lstm":
        value_error(lambda: layer.backward(None, (None, bad_state)), "d_c_n", str((1, B, H)),
                    str(bad_state.shape))


@CELLS
def test_backward_before_any_forward(cell):
    value_error(lambda: LAYERS[cell](D, H).backward(None, None), "backward")


@CELLS
def test_teaching_step_shapes(cell):
    w = WEIGHTS[cell].random(D, H)
    states = [np.zeros(H)] * (2 if cell == "lstm" else 1)
    value_error(lambda: STEPS[cell](np.zeros(D + 1), *states, w), "x", f"{D},)", str((D + 1,)))
    value_error(lambda: STEPS[cell](np.zeros(D), np.zeros(H + 1), *states[1:], w), "H_prev", f"{H},)",
                str((H + 1,)))
    if cell == "lstm":
        value_error(lambda: STEPS[cell](np.zeros(D), np.zeros(H), np.zeros((2, H)), w), "C_prev", str((2, H)))
    name = next(n for n in w.arrays() if n.startswith("W"))
    bad = dict(w.arrays(), **{name: np.zeros((H, H + 1))})
    value_error(lambda: STEPS[cell](np.zeros(D), *states, type(w)(**bad)), name, str((H, H)), str((H, H + 1)))


# ---------------------------------------------------------------- dtypes and values

BAD_DTYPES = pytest.mark.parametrize("bad", [np.zeros((T, B, D), np.int64), np.zeros((T, B, D), bool),
                                             np.zeros((T, B, D), np.complex128), np.zeros((T, B, D), np.float16),
                                             np.array([["a"] * D] * B * T).reshape(T, B, D)],
                                     ids=["int", "bool", "complex", "float16", "str"])


@CELLS
@BAD_DTYPES
def test_inputs_of_a_non_float_dtype(cell, bad):
    layer = LAYERS[cell](D, H)
    value_error(lambda: forward(layer, bad), "x", str(bad.dtype))
    h0, c0 = good_states()
    value_error(lambda: forward(layer, np.zeros((T, B, D)), bad[:1, :, :1].repeat(H, -1), c0), "h0",
                str(bad.dtype))
    name = "weight_hh_l0"
    bad_weight = bad[:1, :1, :1].repeat(oracles.GATES[cell] * H, 0).reshape(-1, 1).repeat(H, 1)
    value_error(lambda: layer.load_state_dict({**layer.state_dict(), name: bad_weight}), name, str(bad.dtype))


@CELLS
@BAD_DTYPES
def test_teaching_steps_refuse_non_float_dtypes(cell, bad):
    w = WEIGHTS[cell].random(D, H)
    states = [np.zeros(H)] * (2 if cell == "lstm" else 1)
    value_error(lambda: STEPS[cell](bad[0, 0], *states, w), "x", str(bad.dtype))
    name = next(n for n in w.arrays() if n.startswith("b"))
    broken = type(w)(**dict(w.arrays(), **{name: bad[0, 0, :1].repeat(H)}))
    value_error(lambda: STEPS[cell](np.zeros(D), *states, broken), name, str(bad.dtype))


@CELLS
@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
def test_non_finite_values(cell, value):
    layer = LAYERS[cell](D, H)
    x = np.zeros((T, B, D))
    x[2, 1, 0] = value
    value_error(lambda: forward(layer, x), "x", "(2, 1, 0)")
    h0, c0 = good_states()
    h0[0, 1, 2] = value
    value_error(lambda: forward(layer, np.zeros((T, B, D)), h0, c0), "h0", "finite")
    sd = layer.state_dict()
    sd["bias_hh_l0"] = sd["bias_hh_l0"].copy()
    sd["bias_hh_l0"][1] = value
    value_error(lambda: layer.load_state_dict(sd), "bias_hh_l0", "finite")
    w = WEIGHTS[cell].random(D, H)
    name = next(n for n in w.arrays() if n.startswith("U"))
    broken = w.arrays()[name].copy()
    broken[0, 0] = value
    states = [np.zeros(H)] * (2 if cell == "lstm" else 1)
    value_error(lambda: STEPS[cell](np.zeros(D), *states, type(w)(**dict(w.arrays(), **{name: broken}))), name,
                "finite")


@CELLS
def test_mixed_float_dtypes_in_a_step(cell):
    w = WEIGHTS[cell].random(D, H, dtype=np.float64)
    states = [np.zeros(H, np.float64)] * (2 if cell == "lstm" else 1)
    value_error(lambda: STEPS[cell](np.zeros(D, np.float32), *states, w), "float32", "float64")


# ---------------------------------------------------------------- options, converters, counts

BAD_OPTIONS = {
    "rnn nonlinearity": (lambda: gru_ref.RNN(D, H, nonlinearity="sigmoid"), "nonlinearity"),
    "gru reset": (lambda: gru_ref.GRU(D, H, reset="middle"), "reset"),
    "input_size 0": (lambda: gru_ref.GRU(0, H), "input_size"),
    "hidden_size -1": (lambda: gru_ref.LSTM(D, -1), "hidden_size"),
    "num_layers 0": (lambda: gru_ref.LSTM(D, H, num_layers=0), "num_layers"),
    "input_size 3.0": (lambda: gru_ref.GRU(3.0, H), "input_size"),
    "input_size True": (lambda: gru_ref.GRU(True, H), "input_size"),
    "rnn_step nonlinearity": (lambda: gru_ref.rnn_step(np.zeros(D), np.zeros(H), gru_ref.RNNWeights.random(D, H),
                                                       nonlinearity="gelu"), "nonlinearity"),
    "gru_step reset": (lambda: gru_ref.gru_step(np.zeros(D), np.zeros(H), gru_ref.GRUWeights.random(D, H),
                                                reset="never"), "reset"),
}


@pytest.mark.parametrize("make,argument", BAD_OPTIONS.values(), ids=BAD_OPTIONS)
def test_bad_options(make, argument):
    value_error(make, argument)


@CELLS
def test_load_keras_weights_checks_its_arrays(cell):
    layer = LAYERS[cell](D, H, batch_first=True)
    arrays = convert.to_keras(WEIGHTS[cell].random(D, H))
    value_error(lambda: layer.load_keras_weights(arrays[:1]), "arrays")
    bad_kernel = np.zeros((D + 2, arrays[0].shape[1]))  # not square for any cell
    value_error(lambda: layer.load_keras_weights([bad_kernel] + arrays[1:]), str(bad_kernel.shape))
    value_error(lambda: LAYERS[cell](D, H, num_layers=2).load_keras_weights(arrays), "load_keras_weights")
    value_error(lambda: LAYERS[cell](D, H, bias=False).load_keras_weights(arrays), "bias")


def test_keras_gru_reset_placement_must_match():
    after = convert.to_keras(gru_ref.GRUWeights.random(D, H), reset_after=True)
    before = convert.to_keras(gru_ref.GRUWeights.random(D, H), reset_after=False)
    value_error(lambda: gru_ref.GRU(D, H, reset="after").load_keras_weights(before), "reset_after=False")
    value_error(lambda: gru_ref.GRU(D, H, reset="before").load_keras_weights(after), "reset_after=True")
    value_error(lambda: convert.from_keras("gru", before, reset_after=True), "bias", str(before[2].shape))


def without(key, state_dict):
    return {k: v for k, v in state_dict.items() if k != key}


GRU_STATE_DICT = convert.to_torch(gru_ref.GRUWeights.random(D, H))
BAD_CONVERSIONS = {
    "to_torch of a dict": (lambda: convert.to_torch({"U": np.zeros((D, H))}), "weights"),
    "from_torch missing key": (lambda: convert.from_torch("gru", without("weight_hh_l0", GRU_STATE_DICT)),
                               "weight_hh_l0"),
    "from_torch missing layer": (lambda: convert.from_torch("gru", GRU_STATE_DICT, layer=1), "weight_ih_l1"),
    "from_torch unknown cell": (lambda: convert.from_torch("transformer", GRU_STATE_DICT), "cell"),
    "from_keras one array": (lambda: convert.from_keras("lstm", [np.zeros((D, 4 * H))]), "arrays"),
}


@pytest.mark.parametrize("call,argument", BAD_CONVERSIONS.values(), ids=BAD_CONVERSIONS)
def test_converters_name_what_is_wrong(call, argument):
    value_error(call, argument)


BAD_COUNTS = {
    "parameter_count cell": (lambda: counts.parameter_count("transformer", D, H), "cell"),
    "parameter_count convention": (lambda: counts.parameter_count("gru", D, H, convention="tensorflow"),
                                   "convention"),
    "step_cost cell": (lambda: counts.step_cost("mlp", D, H), "cell"),
    "parameter_count input_size -1": (lambda: counts.parameter_count("gru", -1, H), "input_size"),
    "step_cost hidden_size 0": (lambda: counts.step_cost("gru", D, 0), "hidden_size"),
}


@pytest.mark.parametrize("call,argument", BAD_COUNTS.values(), ids=BAD_COUNTS)
def test_counts_refuse_bad_arguments(call, argument):
    value_error(call, argument)


# ---------------------------------------------------------------- extreme pre-activations

@pytest.mark.parametrize("cell", ["rnn_tanh", "rnn_relu", "gru", "gru_before", "lstm"])
@pytest.mark.parametrize("sign", [1.0, -1.0])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_pre_activations_of_1e4_give_no_warning_and_no_nan(cell, sign, dtype):
    relu = cell == "rnn_relu"
    case = oracles.Case(cell, 1, T=1 if relu else 4, B=2, D=3, H=3, num_layers=1 if relu else 2,
                        bidirectional=not relu)
    lstm = cell == "lstm"
    state_dict = {k: v.astype(dtype) for k, v in oracles.case_state_dict(case).items()}
    for name in state_dict:  # every gate's bias at ±1e4 plus bounded weight terms: pre-activations ≈ ±1e4
        if name.startswith("bias_ih"):
            state_dict[name] = np.full_like(state_dict[name], sign * 1e4)
    data = oracles.case_data(case).astype(dtype)
    layer = oracles.gru_ref_layer(case)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        layer.load_state_dict(state_dict)
        result = oracles.run_gru_ref(layer, data, lstm)
        w = WEIGHTS[oracles.base_cell(cell)].random(3, 3, dtype=dtype)
        big = type(w)(**{k: (sign * 1e4 * np.ones_like(v) if k.startswith("b") else v) for k, v in w.arrays().items()})
        states = [np.ones(3, dtype)] * (2 if lstm else 1)
        trace = STEPS[oracles.base_cell(cell)](np.ones(3, dtype), *states, big)
    arrays = [result["out"], result["h_n"], result["d_x"], result["d_h0"], *result["params"].values(),
              *trace.as_dict().values()]
    assert all(np.all(np.isfinite(a)) for a in arrays)
    assert np.abs(trace.as_dict()[next(iter(trace.as_dict()))]).max() >= 9e3  # the pre-activation really is big
