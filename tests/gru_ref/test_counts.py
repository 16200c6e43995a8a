"""gru_ref.counts against measurements: torch's numel(), keras's count_params(), the teaching weights'
array sizes, and the operations a teaching step actually performs (counted while it runs)."""
import itertools

import numpy as np
import oracles
import pytest

import gru_ref
from gru_ref import counts, registry

CELLS = ("rnn", "gru", "lstm")
SIZES = [(1, 1), (3, 5), (7, 2)]


@pytest.mark.parametrize("cell", CELLS)
def test_torch_convention_is_torch_s_numel(cell):
    torch = oracles.import_torch()
    module_class = {"rnn": torch.nn.RNN, "gru": torch.nn.GRU, "lstm": torch.nn.LSTM}[cell]
    for (D, H), layers, bidirectional, bias in itertools.product(SIZES, (1, 2, 3), (False, True), (True, False)):
        module = module_class(D, H, num_layers=layers, bidirectional=bidirectional, bias=bias)
        expected = sum(p.numel() for p in module.parameters())
        got = counts.parameter_count(cell, D, H, num_layers=layers, bidirectional=bidirectional, bias=bias,
                                     convention="torch")
        assert got == expected, (D, H, layers, bidirectional, bias)
        # The default convention is torch's, and gru_ref's own layers hold exactly that many numbers.
        assert counts.parameter_count(cell, D, H, layers, bidirectional, bias) == expected
        layer = {"rnn": gru_ref.RNN, "gru": gru_ref.GRU, "lstm": gru_ref.LSTM}[cell](
            D, H, num_layers=layers, bidirectional=bidirectional, bias=bias)
        assert sum(v.size for v in layer.state_dict().values()) == expected


@pytest.mark.parametrize("cell,reset_after", [("rnn", True), ("gru", True), ("gru", False), ("lstm", True)])
def test_keras_convention_is_keras_count_params(cell, reset_after):
    keras = oracles.import_keras()
    for (D, H), layers, bidirectional, bias in itertools.product(SIZES[1:], (1, 2), (False, True), (True, False)):
        total, width = 0, D
        for _ in range(layers):
            options = {"reset_after": reset_after} if cell == "gru" else {}
            layer = getattr(keras.layers, oracles.KERAS_LAYERS[cell])(H, use_bias=bias, return_sequences=True,
                                                                    **options)
            if bidirectional:
                layer = keras.layers.Bidirectional(layer)
            layer.build((None, None, width))
            total += layer.count_params()
            width = H * (2 if bidirectional else 1)
        got = counts.parameter_count(cell, D, H, num_layers=layers, bidirectional=bidirectional, bias=bias,
                                     convention="keras", reset_after=reset_after)
        assert got == total, (D, H, layers, bidirectional, bias)


@pytest.mark.parametrize("cell", CELLS)
def test_notes_convention_is_the_size_of_the_teaching_weights(cell):
    for (D, H), layers, bidirectional, bias in itertools.product(SIZES, (1, 2, 3), (False, True), (True, False)):
        directions = 2 if bidirectional else 1
        expected = 0
        for layer in range(layers):
            arrays = registry.cell(cell).weights.random(D if layer == 0 else H * directions, H).arrays()
            expected += directions * sum(a.size for name, a in arrays.items() if bias or not name.startswith("b"))
        got = counts.parameter_count(cell, D, H, num_layers=layers, bidirectional=bidirectional, bias=bias,
                                     convention="notes")
        assert got == expected, (D, H, layers, bidirectional, bias)


class Counted(np.ndarray):
    """An array that counts the elementwise +, -, *, tanh and the matmul multiply-adds done on it."""
    tally = None

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        plain = [np.asarray(a) if isinstance(a, Counted) else a for a in inputs]
        result = getattr(ufunc, method)(*plain, **kwargs)
        if ufunc is np.matmul:
            Counted.tally["matmul_macs"] += result.size * plain[0].shape[-1]
        elif ufunc in (np.add, np.subtract, np.multiply):
            Counted.tally["pointwise"] += result.size
        elif ufunc is np.tanh:
            Counted.tally["tanhs"] += result.size
        else:
            raise AssertionError(f"uncounted operation {ufunc.__name__}")
        return result.view(Counted)


def counting(name, function):
    def counted(z):
        Counted.tally[name] += np.size(z)
        return function(np.asarray(z)).view(Counted)
    return counted


@pytest.mark.parametrize("cell,options", [("rnn", {}), ("gru", {"reset": "after"}), ("gru", {"reset": "before"}),
                                          ("lstm", {})])
def test_step_cost_is_what_a_step_does(cell, options, monkeypatch):
    from gru_ref import activations, cells

    # sigmoid is built from tanh and pointwise ops; it counts as one sigmoid, so it runs on plain arrays.
    monkeypatch.setattr(cells, "sigmoid", counting("sigmoids", activations.sigmoid))
    step = {"rnn": cells.rnn_step, "gru": cells.gru_step, "lstm": cells.lstm_step}[cell].__wrapped__
    for D, H in SIZES:
        Counted.tally = dict.fromkeys(("matmul_macs", "pointwise", "sigmoids", "tanhs"), 0)
        w = registry.cell(cell).weights.random(D, H, seed=1)
        w = type(w)(**{k: v.view(Counted) for k, v in w.arrays().items()})
        rng = np.random.default_rng(0)
        states = [rng.normal(size=H).view(Counted) for _ in range(2 if cell == "lstm" else 1)]
        step(rng.normal(size=D).view(Counted), *states, w, **options)
        assert counts.step_cost(cell, D, H) == Counted.tally, (D, H)


@pytest.mark.parametrize("cell", CELLS)
def test_matmul_macs_by_hand(cell):
    """Each gate block multiplies x (D) by a D x H matrix and H_prev (H) by an H x H matrix."""
    for D, H in SIZES:
        assert counts.step_cost(cell, D, H)["matmul_macs"] == oracles.GATES[cell] * (D * H + H * H)


@pytest.mark.parametrize("cell,options", [("rnn", {}), ("gru", {"reset": "after"}), ("gru", {"reset": "before"}),
                                          ("lstm", {})])
def test_matmul_macs_agree_with_the_traced_dataflow(cell, options):
    from sitegen.dataflow import traced_matmul_macs

    for D, H in SIZES:
        assert counts.step_cost(cell, D, H)["matmul_macs"] == traced_matmul_macs(cell, D, H, **options)
