"""Finite-difference checks of every gradient of the layers, in float64, without any framework.

For the loss L = sum(d_out * out) + sum(d_h_n * h_n) (+ sum(d_c_n * c_n)), the directional derivative of L
along a random direction v, by central differences (L(p + eps v) - L(p - eps v)) / 2 eps, must equal
<backward's gradient, v> to a relative error below 1e-6, for every parameter, the input and the states.
"""
import numpy as np
import oracles
import pytest

EPS = 1e-5
DIRECTIONS = 3
RELATIVE_TOLERANCE = 1e-6

CONFIGS = [dict(num_layers=1, bidirectional=False, batch_first=False, unbatched=False),
           dict(num_layers=2, bidirectional=True, batch_first=True, unbatched=False),
           dict(num_layers=2, bidirectional=True, batch_first=False, unbatched=True)]
CASES = [oracles.Case(cell, seed, T=3, B=2, D=3, H=3, **config)
         for seed, (cell, config) in enumerate((c, k) for c in oracles.CELLS for k in CONFIGS)]


def loss(layer, data, lstm, x=None, state=None):
    x = data.x if x is None else x
    if lstm:
        out, (h_n, c_n) = layer(x, (data.h0, data.c0) if state is None else state)
        return np.sum(data.d_out * out) + np.sum(data.d_h_n * h_n) + np.sum(data.d_c_n * c_n)
    out, h_n = layer(x, data.h0 if state is None else state)
    return np.sum(data.d_out * out) + np.sum(data.d_h_n * h_n)


def check_direction(what, analytic, perturbed_loss, rng):
    v = rng.normal(size=analytic.shape)
    numeric = (perturbed_loss(EPS * v) - perturbed_loss(-EPS * v)) / (2 * EPS)
    exact = float(np.sum(analytic * v))
    error = abs(numeric - exact) / max(abs(numeric), abs(exact), 1e-6)
    oracles.record_error("fd", what.split(" ")[0], np.float64, abs(numeric - exact), what)
    assert error < RELATIVE_TOLERANCE, f"{what}: finite differences {numeric!r}, backward {exact!r}"


@pytest.mark.parametrize("case", CASES, ids=str)
def test_gradients_match_finite_differences(case):
    lstm = oracles.base_cell(case.cell) == "lstm"
    state_dict = oracles.case_state_dict(case, scale=2.0)
    data = oracles.case_data(case)
    layer = oracles.gru_ref_layer(case)
    layer.load_state_dict(state_dict)
    loss(layer, data, lstm)
    grads = layer.backward(data.d_out, (data.d_h_n, data.d_c_n) if lstm else data.d_h_n)
    rng = np.random.default_rng(case.seed)

    def with_parameter(name):
        def perturbed(delta):
            layer.load_state_dict({**state_dict, name: state_dict[name] + delta})
            return loss(layer, data, lstm)
        return perturbed

    for name in sorted(state_dict):
        for _ in range(DIRECTIONS):
            check_direction(f"{case.cell} {case} d {name}", grads.params[name], with_parameter(name), rng)
    layer.load_state_dict(state_dict)
    for _ in range(DIRECTIONS):
        check_direction(f"{case.cell} {case} d x", grads.x, lambda d: loss(layer, data, lstm, x=data.x + d), rng)
        if lstm:
            d_h0, d_c0 = grads.state
            check_direction(f"{case.cell} {case} d h0", d_h0,
                            lambda d: loss(layer, data, lstm, state=(data.h0 + d, data.c0)), rng)
            check_direction(f"{case.cell} {case} d c0", d_c0,
                            lambda d: loss(layer, data, lstm, state=(data.h0, data.c0 + d)), rng)
        else:
            check_direction(f"{case.cell} {case} d h0", grads.state,
                            lambda d: loss(layer, data, lstm, state=data.h0 + d), rng)
