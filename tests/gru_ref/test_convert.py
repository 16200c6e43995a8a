"""gru_ref.convert: teaching weights <-> torch state_dict <-> keras get_weights().

Round trips are checked both ways: teaching -> framework -> teaching is the identity (for Keras
reset_after=False only up to folding b_Wh into b_h, which is all that layout can hold), and
framework -> teaching -> framework keeps the function (torch's two biases per gate may be re-split).
The registry's gate orders are checked against what torch and keras do when one gate block is saturated.
"""
import dataclasses
import math

import numpy as np
import oracles
import pytest

import gru_ref
from gru_ref import convert, registry

CELLS = ("rnn", "gru", "lstm")
WEIGHTS = {"rnn": gru_ref.RNNWeights, "gru": gru_ref.GRUWeights, "lstm": gru_ref.LSTMWeights}
DTYPES = pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])


def sigmoid(z):
    return 1 / (1 + math.exp(-z))


def assert_weights_equal(a, b):
    assert type(a) is type(b)
    for name, value in a.arrays().items():
        other = b.arrays()[name]
        assert other.dtype == value.dtype, name
        np.testing.assert_array_equal(other, value, err_msg=name)


# ---------------------------------------------------------------- teaching -> torch -> teaching

@DTYPES
@pytest.mark.parametrize("layer,direction", [(0, ""), (2, "_reverse")])
@pytest.mark.parametrize("cell", CELLS)
def test_teaching_to_torch_to_teaching_is_identity(cell, layer, direction, dtype):
    w = WEIGHTS[cell].random(3, 4, seed=5, dtype=dtype)
    state_dict = convert.to_torch(w, layer=layer, direction=direction)
    suffix = f"_l{layer}{direction}"
    assert sorted(state_dict) == sorted(f"{k}{suffix}" for k in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"))
    assert_weights_equal(convert.from_torch(cell, state_dict, layer=layer, direction=direction), w)


@pytest.mark.parametrize("cell", CELLS)
def test_to_torch_layout_follows_torch_documentation(cell):
    """weight_ih rows of gate g = U_g^T in torch's block order (GRU r, z=u, n=h; LSTM i, f, g=c, o);
    per gate, bias_ih + bias_hh = b_g, and the GRU candidate keeps b_h and b_Wh apart."""
    D, H = 2, 3
    w = WEIGHTS[cell].random(D, H, seed=9)
    a = w.arrays()
    sd = convert.to_torch(w)
    field = lambda kind, gate: kind if cell == "rnn" else f"{kind}_{gate}"  # noqa: E731
    for k, gate in enumerate(oracles.TORCH_BLOCKS[cell]):
        rows = slice(k * H, (k + 1) * H)
        np.testing.assert_array_equal(sd["weight_ih_l0"][rows], a[field("U", gate)].T)
        np.testing.assert_array_equal(sd["weight_hh_l0"][rows], a[field("W", gate)].T)
        if cell == "gru" and gate == "h":
            np.testing.assert_array_equal(sd["bias_ih_l0"][rows], a["b_h"])
            np.testing.assert_array_equal(sd["bias_hh_l0"][rows], a["b_Wh"])
        else:
            np.testing.assert_allclose(sd["bias_ih_l0"][rows] + sd["bias_hh_l0"][rows], a[field("b", gate)],
                                       rtol=0, atol=0)
    shapes = oracles.state_dict_shapes(cell, D, H)
    assert {k: v.shape for k, v in sd.items()} == shapes


# ---------------------------------------------------------------- torch -> teaching -> torch

@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("cell", oracles.CELLS)
def test_torch_to_teaching_to_torch_keeps_the_function(cell, bias):
    case = oracles.Case(cell, 3, T=4, B=2, D=3, H=4, num_layers=2, bidirectional=True, bias=bias)
    base = oracles.base_cell(cell)
    state_dict = oracles.case_state_dict(case, scale=2.0)
    rebuilt = {}
    for layer in range(case.num_layers):
        for direction in ("", "_reverse"):
            weights = convert.from_torch(base, state_dict, layer=layer, direction=direction)
            rebuilt.update(convert.to_torch(weights, layer=layer, direction=direction))
    if not bias:  # to_torch always writes biases (zeros here); a bias-free torch layer has none
        assert all(not np.any(v) for k, v in rebuilt.items() if k.startswith("bias"))
        rebuilt = {k: v for k, v in rebuilt.items() if not k.startswith("bias")}
    assert sorted(rebuilt) == sorted(state_dict)
    data = oracles.case_data(case)
    lstm = base == "lstm"
    runs = [oracles.run_torch(oracles.load_torch(oracles.torch_layer(case, np.float64), sd), data, lstm,
                              oracles.zeros_state_shape(case)) for sd in (state_dict, rebuilt)]
    for name in ("out", "h_n") + (("c_n",) if lstm else ()):
        np.testing.assert_allclose(runs[1][name], runs[0][name], rtol=0, atol=1e-12, err_msg=name)


# ---------------------------------------------------------------- keras

@DTYPES
@pytest.mark.parametrize("cell,reset_after", [("rnn", True), ("gru", True), ("gru", False), ("lstm", True)])
def test_teaching_to_keras_to_teaching(cell, reset_after, dtype):
    w = WEIGHTS[cell].random(3, 4, seed=6, dtype=dtype)
    arrays = convert.to_keras(w, reset_after=reset_after)
    H, G = 4, oracles.GATES[cell]
    expected_bias = (2, G * H) if cell == "gru" and reset_after else (G * H,)
    assert [a.shape for a in arrays] == [(3, G * H), (H, G * H), expected_bias]
    back = convert.from_keras(cell, arrays, reset_after=reset_after)
    if cell == "gru" and not reset_after:
        # This layout has one candidate bias: b_Wh is added to b_h, which is the same reset="before" function.
        folded = dataclasses.replace(w, b_h=w.b_h + w.b_Wh, b_Wh=np.zeros_like(w.b_Wh))
        assert_weights_equal(back, folded)
        x, h = np.ones(3, dtype), np.linspace(-1, 1, 4).astype(dtype)
        np.testing.assert_allclose(gru_ref.gru_step(x, h, back, reset="before").H,
                                   gru_ref.gru_step(x, h, w, reset="before").H, rtol=1e-6 if dtype == np.float32
                                   else 1e-14)
    else:
        assert_weights_equal(back, w)


@pytest.mark.parametrize("cell,reset_after", [("rnn", True), ("gru", True), ("gru", False), ("lstm", True)])
def test_keras_to_teaching_to_keras_keeps_the_function(cell, reset_after):
    D, H = 3, 4
    original = oracles.keras_layer(cell, H, D, np.float64, reset_after=reset_after, seed=2, scale=2.0)
    rebuilt = oracles.keras_layer(cell, H, D, np.float64, reset_after=reset_after, seed=99)
    arrays = convert.to_keras(convert.from_keras(cell, original.get_weights(), reset_after=reset_after),
                              reset_after=reset_after)
    rebuilt.set_weights(arrays)
    rng = np.random.default_rng(4)
    x, h0, c0 = rng.normal(size=(2, 5, D)), rng.uniform(-1, 1, (2, H)), rng.normal(size=(2, H))
    runs = [oracles.run_keras(layer, x, h0, c0 if cell == "lstm" else None) for layer in (original, rebuilt)]
    for name in ("out", "h") + (("c",) if cell == "lstm" else ()):
        np.testing.assert_allclose(runs[1][name], runs[0][name], rtol=0, atol=1e-6, err_msg=name)


@pytest.mark.parametrize("cell", CELLS)
def test_torch_to_teaching_to_keras_gives_torch_s_function(cell):
    """Across frameworks: a torch layer's weights, converted for Keras, make Keras compute what torch computes."""
    D, H = 3, 4
    torch_cell = {"rnn": "rnn_tanh"}.get(cell, cell)
    case = oracles.Case(torch_cell, 8, T=5, B=2, D=D, H=H, batch_first=True)
    state_dict = oracles.case_state_dict(case, scale=2.0)
    data = oracles.case_data(case)
    expected = oracles.run_torch(oracles.load_torch(oracles.torch_layer(case, np.float64), state_dict), data,
                                 cell == "lstm", oracles.zeros_state_shape(case))
    layer = oracles.keras_layer(cell, H, D, np.float64, reset_after=True, seed=0)
    layer.set_weights(convert.to_keras(convert.from_torch(cell, state_dict), reset_after=True))
    got = oracles.run_keras(layer, data.x, data.h0[0], None if data.c0 is None else data.c0[0])
    tolerance = 1e-6 if cell == "rnn" else 1e-12  # SimpleRNN's matmuls are float32 (see test_layers_keras.py)
    np.testing.assert_allclose(got["out"], expected["out"], rtol=0, atol=tolerance)
    np.testing.assert_allclose(got["h"], expected["h_n"][0], rtol=0, atol=tolerance)


def test_to_keras_reset_before_equals_keras_reset_after_false():
    """Teaching weights with a nonzero b_Wh, folded for GRU(reset_after=False), give gru_step(reset="before")."""
    D, H = 3, 4
    w = gru_ref.GRUWeights.random(D, H, seed=12)
    assert np.any(w.b_Wh)
    layer = oracles.keras_layer("gru", H, D, np.float64, reset_after=False)
    layer.set_weights(convert.to_keras(w, reset_after=False))
    rng = np.random.default_rng(12)
    x, h0 = rng.normal(size=(2, 1, D)), rng.uniform(-1, 1, (2, H))
    expected = oracles.run_keras(layer, x, h0)["h"]
    np.testing.assert_allclose(gru_ref.gru_step(x[:, 0], h0, w, reset="before").H, expected, rtol=0, atol=1e-6)
    assert np.abs(gru_ref.gru_step(x[:, 0], h0, w, reset="after").H - expected).max() > 1e-4


# ---------------------------------------------------------------- gate order constants vs behaviour

def test_teaching_gate_order_is_the_weights_field_order():
    for cell, cls in WEIGHTS.items():
        gates = tuple(f.name[2:] for f in dataclasses.fields(cls) if f.name.startswith("U"))
        assert tuple(b.key for b in registry.cell(cell).blocks) == gates
        assert sorted(registry.cell(cell).torch_order) == sorted(gates)
        assert sorted(registry.cell(cell).keras_order) == sorted(gates)


def gru_role_outputs(h0):
    """GRU output after one step with zero weights, every recurrent bias 0.5 and one input-bias block at +30,
    by hand, for each role that block may play (u = update gate, r = reset gate, h = candidate)."""
    s, base_r = sigmoid(0.5), sigmoid(0.5)
    return {"u": h0,  # u = 1 copies the previous state
            "r": (1 - s) * math.tanh(1.0 * 0.5) + s * h0,  # r = 1 lets the whole b_Wh = 0.5 in
            "h": (1 - s) * 1.0 + s * h0,  # H̃ = tanh(30.5) = 1
            None: (1 - s) * math.tanh(base_r * 0.5) + s * h0}


def lstm_role_outputs(c0):
    s, t = sigmoid(0.5), math.tanh(0.5)
    cells = {"i": s * c0 + 1.0 * t, "f": 1.0 * c0 + s * t, "c": s * c0 + s * 1.0, "o": s * c0 + s * t}
    return {role: (1.0 if role == "o" else s) * math.tanh(c) for role, c in cells.items()}, cells


def identify(value, candidates):
    matches = [role for role, expected in candidates.items() if abs(value - expected) < 1e-9]
    assert len(matches) == 1, f"output {value} matches roles {matches} of {candidates}"
    return matches[0]


def test_torch_gate_order_is_what_torch_does():
    torch = oracles.import_torch()
    H, h0, c0 = 1, 0.3, 0.7
    for cell, G in (("gru", 3), ("lstm", 4)):
        roles = []
        for block in range(G):
            module = getattr(torch.nn, cell.upper())(1, H, dtype=torch.float64)
            bias_ih = np.zeros(G * H)
            bias_ih[block] = 30.0
            oracles.load_torch(module, {"weight_ih_l0": np.zeros((G * H, 1)), "weight_hh_l0": np.zeros((G * H, H)),
                                        "bias_ih_l0": bias_ih, "bias_hh_l0": np.full(G * H, 0.5)})
            x = torch.zeros(1, 1, 1, dtype=torch.float64)
            with torch.no_grad():
                if cell == "gru":
                    out, _ = module(x, torch.full((1, 1, H), h0, dtype=torch.float64))
                    roles.append(identify(out.item(), gru_role_outputs(h0)))
                else:
                    out, (_, c) = module(x, (torch.zeros(1, 1, H, dtype=torch.float64),
                                             torch.full((1, 1, H), c0, dtype=torch.float64)))
                    h_roles, c_roles = lstm_role_outputs(c0)
                    role = identify(c.item(), c_roles)
                    assert abs(out.item() - h_roles[role]) < 1e-9
                    roles.append(role)
        assert tuple(roles) == registry.cell(cell).torch_order


def test_keras_gate_order_is_what_keras_does():
    H, h0, c0 = 1, 0.3, 0.7
    for cell, G in (("gru", 3), ("lstm", 4)):
        roles = []
        for block in range(G):
            layer = oracles.keras_layer(cell, H, 1, np.float64, reset_after=True)
            input_bias = np.full(G * H, 0.5 if cell == "lstm" else 0.0)
            input_bias[block] += 30.0
            bias = input_bias if cell == "lstm" else np.stack([input_bias, np.full(G * H, 0.5)])
            layer.set_weights([np.zeros((1, G * H)), np.zeros((H, G * H)), bias])
            x = np.zeros((1, 1, 1))
            if cell == "gru":
                result = oracles.run_keras(layer, x, np.full((1, H), h0))
                roles.append(identify(float(result["out"].item()), gru_role_outputs(h0)))
            else:
                result = oracles.run_keras(layer, x, np.zeros((1, H)), np.full((1, H), c0))
                h_roles, c_roles = lstm_role_outputs(c0)
                role = identify(float(result["c"].item()), c_roles)
                assert abs(float(result["out"].item()) - h_roles[role]) < 1e-9
                roles.append(role)
        assert tuple(roles) == registry.cell(cell).keras_order


def test_single_block_cells_have_one_gate():
    assert len(registry.cell("rnn").torch_order) == len(registry.cell("rnn").keras_order) == 1


@pytest.mark.parametrize("cell", CELLS)
def test_from_torch_without_biases_gives_zero_biases(cell):
    w = WEIGHTS[cell].random(2, 3, seed=1)
    sd = {k: v for k, v in convert.to_torch(w).items() if k.startswith("weight")}
    back = convert.from_torch(cell, sd)
    for name, value in back.arrays().items():
        if name.startswith("b"):
            assert value.shape == (3,) and not np.any(value), name
        else:
            np.testing.assert_array_equal(value, w.arrays()[name])


# ---------------------------------------------------------------- a bias on the gate that keeps the state

# The keeping gate's block in torch's packing, from torch's documentation: GRU (r, z, n), z the update gate;
# LSTM (i, f, g, o), f the forget gate. The notes' name of its bias. Written here, not read from the registry.
KEEPING_BLOCK = {"gru": (1, 3, "b_u"), "lstm": (1, 4, "b_f")}


@pytest.mark.parametrize("cell", ["gru", "lstm"])
@pytest.mark.parametrize("keep_bias", [1.0, -0.5])
def test_with_keep_bias_shifts_the_keeping_gate_rows_of_a_torch_module(cell, keep_bias):
    """A torch GRU/LSTM with PyTorch's own initialisation; its keeping gate's bias_ih rows shifted by hand."""
    torch = oracles.import_torch()
    H = 4
    torch.manual_seed(0)
    module = getattr(torch.nn, cell.upper())(3, H, dtype=torch.float64)
    state_dict = {k: v.detach().numpy().copy() for k, v in module.state_dict().items()}
    before = {k: v.copy() for k, v in state_dict.items()}
    block, _, field = KEEPING_BLOCK[cell]
    expected = {k: v.copy() for k, v in state_dict.items()}
    expected["bias_ih_l0"][block * H:(block + 1) * H] += keep_bias
    shifted = convert.with_keep_bias(cell, state_dict, keep_bias)
    assert sorted(shifted) == sorted(expected)
    for name in expected:
        np.testing.assert_array_equal(shifted[name], expected[name], err_msg=name)
    for name in before:  # the argument is left alone
        np.testing.assert_array_equal(state_dict[name], before[name], err_msg=name)
    # the notes' bias of the keeping gate moves by keep_bias, every other weight stays
    plain, moved = convert.from_torch(cell, state_dict).arrays(), convert.from_torch(cell, shifted).arrays()
    for name, value in plain.items():
        np.testing.assert_allclose(moved[name], value + (keep_bias if name == field else 0), rtol=0, atol=1e-15,
                                   err_msg=name)
    # and torch itself runs the shifted weights: the gate's pre-activation, bias_ih + bias_hh, moved by keep_bias
    module.load_state_dict({k: torch.tensor(v) for k, v in shifted.items()})
    total = (module.bias_ih_l0 + module.bias_hh_l0).detach().numpy()
    original = before["bias_ih_l0"] + before["bias_hh_l0"]
    np.testing.assert_allclose(np.split(total - original, KEEPING_BLOCK[cell][1])[block], keep_bias, rtol=0,
                               atol=1e-15)


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
def test_with_keep_bias_for_another_layer_and_direction_keeps_the_dtype(dtype):
    H = 3
    state_dict = {k: v.astype(dtype) for k, v in oracles.random_state_dict("lstm", 2, H, num_layers=2,
                                                                             bidirectional=True, seed=4).items()}
    shifted = convert.with_keep_bias("lstm", state_dict, 1.0, layer=1, direction="_reverse")
    for name, value in state_dict.items():
        assert shifted[name].dtype == dtype, name
        expected = value.copy()
        if name == "bias_ih_l1_reverse":
            expected[H:2 * H] += dtype(1.0)
        np.testing.assert_array_equal(shifted[name], expected, err_msg=name)


def test_with_keep_bias_refuses_the_rnn_and_bad_biases():
    state_dict = convert.to_torch(gru_ref.RNNWeights.random(2, 3, seed=0))
    with pytest.raises(ValueError, match="keep_bias: the RNN has no gate that keeps its state; expected 0, got 1"):
        convert.with_keep_bias("rnn", state_dict, 1.0)
    unchanged = convert.with_keep_bias("rnn", state_dict, 0.0)  # nothing to shift: a copy
    assert all(np.array_equal(unchanged[k], v) and unchanged[k] is not v for k, v in state_dict.items())
    lstm = convert.to_torch(gru_ref.LSTMWeights.random(2, 3, seed=0))
    for bad in (float("nan"), "1", True, None):
        with pytest.raises(ValueError, match="keep_bias: expected a finite number"):
            convert.with_keep_bias("lstm", lstm, bad)
    with pytest.raises(ValueError, match=r"state_dict: missing \['bias_ih_l0'\]"):
        convert.with_keep_bias("lstm", {k: v for k, v in lstm.items() if not k.startswith("bias")}, 1.0)
    with pytest.raises(ValueError, match="cell: expected one of"):
        convert.with_keep_bias("transformer", lstm, 1.0)
