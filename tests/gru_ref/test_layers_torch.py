"""gru_ref.RNN / GRU / LSTM against torch.nn.RNN (tanh, relu) / GRU / LSTM: outputs, final states, every gradient.

gru_ref.GRU(reset="before") is checked against oracles.torch_reset_before_gru, the same equations written in
torch ops (torch has no such layer), so that its float64 gradients also meet the 1e-10 tolerance.

Each case draws its shapes and options from its seed (oracles.draw_case); torch's gradients come from
autograd on the loss sum(d_out * out) + sum(d_h_n * h_n) (+ sum(d_c_n * c_n)), which is exactly the
quantity gru_ref's backward(d_out, d_h_n) differentiates.
"""
import numpy as np
import oracles
import pytest
from oracles import CELLS, assert_close, base_cell, draw_case

SEEDS_PER_CELL = 36
CASES = [draw_case(cell, seed) for cell in CELLS for seed in range(SEEDS_PER_CELL)]


def compare(case, dtype):
    lstm = base_cell(case.cell) == "lstm"
    state_dict = oracles.case_state_dict(case)
    data = oracles.case_data(case).astype(dtype)

    expected = oracles.run_torch(oracles.load_torch(oracles.torch_layer(case, dtype), state_dict), data, lstm,
                                 oracles.zeros_state_shape(case))
    layer = oracles.gru_ref_layer(case)
    layer.load_state_dict(state_dict)
    got = oracles.run_gru_ref(layer, data, lstm)

    check = lambda name, a, b: assert_close(a, b, f"{case} {name}", oracle="torch", cell=case.cell,  # noqa: E731
                                            dtype=dtype)
    names = ["out", "h_n", "d_x", "d_h0"] + (["c_n", "d_c0"] if lstm else [])
    for name in names:
        check(name, got[name], expected[name])
    assert sorted(got["params"]) == sorted(expected["params"]), "gradient names differ from torch's parameters"
    for name, gradient in expected["params"].items():
        check(f"d {name}", got["params"][name], gradient)


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("case", CASES, ids=str)
def test_layer_matches_torch(case, dtype):
    compare(case, dtype)


def test_cases_cover_every_option():
    """The seeded draw must actually reach every option, or the oracle tests prove less than they claim."""
    for cell in CELLS:
        cases = [c for c in CASES if c.cell == cell]
        for option in ("bidirectional", "batch_first", "unbatched", "bias", "give_h0", "give_d_h_n"):
            assert {getattr(c, option) for c in cases} == {False, True}, f"{cell}: {option} never varies"
        assert {c.num_layers for c in cases} == {1, 2, 3}, f"{cell}: num_layers not all of 1-3"
        assert {c.T for c in cases} >= {1, 5}, f"{cell}: T does not reach 1 and 5"


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("num_layers,bidirectional,bias", [(1, False, True), (2, True, True), (3, False, False)])
def test_state_dict_names_and_shapes_are_torch_s(cell, num_layers, bidirectional, bias):
    case = oracles.Case(cell, 0, T=2, B=1, D=3, H=4, num_layers=num_layers, bidirectional=bidirectional, bias=bias)
    expected = {name: tuple(t.shape) for name, t in oracles.torch_layer(case, np.float64).state_dict().items()}
    layer = oracles.gru_ref_layer(case)
    got = {name: value.shape for name, value in layer.state_dict().items()}
    assert got == expected
    # Default initialisation: PyTorch's uniform(-1/sqrt(H), 1/sqrt(H)) for every parameter.
    bound = 1 / np.sqrt(case.H)
    for name, value in layer.state_dict().items():
        assert np.all(np.abs(value) <= bound), name
        assert np.unique(value).size > value.size // 2, f"{name} does not look random"


@pytest.mark.parametrize("cell", CELLS)
def test_loads_torch_state_dict_tensors_directly(cell):
    """load_state_dict takes what torch's state_dict() returns (tensors), not only numpy arrays."""
    case = oracles.Case(cell, 3, T=3, B=2, D=2, H=3, num_layers=2, bidirectional=True)
    module = oracles.load_torch(oracles.torch_layer(case, np.float64), oracles.case_state_dict(case))
    layer = oracles.gru_ref_layer(case)
    layer.load_state_dict(module.state_dict())
    for name, tensor in module.state_dict().items():
        np.testing.assert_array_equal(layer.state_dict()[name], tensor.numpy())
    lstm = base_cell(cell) == "lstm"
    data = oracles.case_data(case)
    got = oracles.run_gru_ref(layer, data, lstm)
    expected = oracles.run_torch(module, data, lstm, oracles.zeros_state_shape(case))
    assert_close(got["out"], expected["out"], f"{case} out", oracle="torch", cell=cell, dtype=np.float64)
