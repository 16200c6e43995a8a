"""Layer behaviour that the oracles do not see: what crosses the API boundary is the caller's own.

No returned array shares memory with another one, with the layer's internals or with what the caller
passed; editing anything the layer returned, or anything it was given, never changes it afterwards.
Every expected value here is the layer's own earlier result or is computed with numpy directly.
"""
import itertools

import numpy as np
import oracles
import pytest

import gru_ref

T, B, D, H = 3, 2, 3, 4
FORMS = ("batched", "batch_first", "unbatched")


def _cases():
    for cell, bias, bidirectional, num_layers, dtype in itertools.product(
            oracles.CELLS, (True, False), (False, True), (1, 2), (np.float32, np.float64)):
        name = "-".join([cell, "bias" if bias else "nobias", "bi" if bidirectional else "uni",
                         f"{num_layers}layer", np.dtype(dtype).name])
        yield pytest.param(cell, bias, bidirectional, num_layers, dtype, id=name)


CASES = list(_cases())
case_parameters = pytest.mark.parametrize("cell,bias,bidirectional,num_layers,dtype", CASES)


def make_layer(cell, hidden_size=H, input_size=D, **options):
    base = oracles.base_cell(cell)
    if base == "rnn":
        return gru_ref.RNN(input_size, hidden_size, nonlinearity=cell.split("_")[1], **options)
    if base == "gru":
        return gru_ref.GRU(input_size, hidden_size, reset="before" if cell == "gru_before" else "after", **options)
    return gru_ref.LSTM(input_size, hidden_size, **options)


def is_lstm(cell):
    return oracles.base_cell(cell) == "lstm"


def inputs(cell, form, bidirectional, num_layers, dtype, seed=0):
    """x, the initial state (h0 or (h0, c0)), d_out and d_state (d_h_n or (d_h_n, d_c_n)) for one input form."""
    rng = np.random.default_rng(seed)
    directions = 2 if bidirectional else 1
    layers = num_layers * directions
    x_shape = {"batched": (T, B, D), "batch_first": (B, T, D), "unbatched": (T, D)}[form]
    out_shape = x_shape[:-1] + (directions * H,)
    state_shape = (layers, H) if form == "unbatched" else (layers, B, H)

    def draw(shape):
        return rng.uniform(-1, 1, shape).astype(dtype)

    parts = 2 if is_lstm(cell) else 1
    state = tuple(draw(state_shape) for _ in range(parts))
    d_state = tuple(draw(state_shape) for _ in range(parts))
    if parts == 1:
        state, d_state = state[0], d_state[0]
    return draw(x_shape), state, draw(out_shape), d_state


def parts(value):
    return list(value) if isinstance(value, tuple) else [value]


def forward(layer, x, state):
    """Everything the call returns, by name."""
    out, final = layer(x, state)
    return {"out": out, **{f"final[{i}]": a for i, a in enumerate(parts(final))}}


def backward(layer, d_out, d_state):
    """Everything backward returns, by name."""
    g = layer.backward(d_out, d_state)
    return {"grads.x": g.x, **{f"grads.state[{i}]": a for i, a in enumerate(parts(g.state))},
            **{f"grads.params[{k!r}]": v for k, v in g.params.items()}}


def copied(arrays):
    return {name: np.array(a, copy=True) for name, a in arrays.items()}


def assert_bitwise_equal(got, expected, what):
    assert got.keys() == expected.keys(), what
    for name in expected:
        assert got[name].dtype == expected[name].dtype, f"{what}: {name} dtype"
        assert np.array_equal(got[name], expected[name]), f"{what}: {name} changed"


def edit_in_place(arrays):
    """Change every entry of every array (x + 1 != x for every float of magnitude below 2**24)."""
    for a in arrays:
        a += 1.0


def layer_arrays(layer):
    """Every numpy array the layer holds: parameters, per-dtype copies, the cache backward reads."""
    found, seen = [], set()

    def walk(value):
        if isinstance(value, np.ndarray):
            found.append(value)
        elif id(value) in seen:
            return
        elif isinstance(value, dict):
            seen.add(id(value))
            for v in value.values():
                walk(v)
        elif isinstance(value, (list, tuple)):
            seen.add(id(value))
            for v in value:
                walk(v)

    walk(vars(layer))
    return found


def shares(a, b):
    return np.may_share_memory(a, b) and np.shares_memory(a, b)


# ---------------------------------------------------------------- returned arrays own their memory

@case_parameters
def test_no_returned_array_shares_memory_with_another_the_layer_or_the_arguments(
        cell, bias, bidirectional, num_layers, dtype):
    for form in FORMS:
        layer = make_layer(cell, num_layers=num_layers, bias=bias, bidirectional=bidirectional,
                           batch_first=form == "batch_first", dtype=dtype)
        x, state, d_out, d_state = inputs(cell, form, bidirectional, num_layers, dtype)
        returned_forward = forward(layer, x, state)
        returned_backward = backward(layer, d_out, d_state)
        given = {"x": x, **{f"state[{i}]": a for i, a in enumerate(parts(state))}, "d_out": d_out,
                 **{f"d_state[{i}]": a for i, a in enumerate(parts(d_state))}}
        internal = layer_arrays(layer)
        assert len(internal) > len(layer.state_dict())  # the parameters and the cache were found

        for (name_a, a), (name_b, b) in itertools.combinations(returned_backward.items(), 2):
            assert not shares(a, b), f"{form}: {name_a} and {name_b} share memory"
        for (name_a, a), (name_b, b) in itertools.combinations(returned_forward.items(), 2):
            assert not shares(a, b), f"{form}: {name_a} and {name_b} share memory"
        returned = {**returned_forward, **returned_backward}
        for name, a in returned.items():
            for name_b, b in given.items():
                assert not shares(a, b), f"{form}: {name} shares memory with the {name_b} given"
            assert not any(shares(a, b) for b in internal), f"{form}: {name} shares memory with the layer"
        for name, a in returned_forward.items():
            for name_b, b in returned_backward.items():
                assert not shares(a, b), f"{form}: {name} shares memory with {name_b}"


# ---------------------------------------------------------------- state_dict and load_state_dict copy

@case_parameters
def test_editing_what_state_dict_returned_does_not_change_the_layer(cell, bias, bidirectional, num_layers, dtype):
    layer = make_layer(cell, num_layers=num_layers, bias=bias, bidirectional=bidirectional, dtype=dtype)
    x, state, d_out, d_state = inputs(cell, "batched", bidirectional, num_layers, dtype)
    parameters = copied(layer.state_dict())
    expected = {**copied(forward(layer, x, state)), **copied(backward(layer, d_out, d_state))}

    forward(layer, x, state)
    edit_in_place(layer.state_dict().values())  # between the call and backward: the cache must not see it
    assert_bitwise_equal(backward(layer, d_out, d_state), {k: v for k, v in expected.items() if k.startswith("grads")},
                         "backward after editing state_dict()")
    returned = layer.state_dict()
    edit_in_place(returned.values())
    assert_bitwise_equal(layer.state_dict(), parameters, "a fresh state_dict()")
    assert_bitwise_equal({**forward(layer, x, state), **backward(layer, d_out, d_state)}, expected,
                         "forward and backward after editing state_dict()")


@case_parameters
def test_editing_the_dict_given_to_load_state_dict_does_not_change_the_layer(
        cell, bias, bidirectional, num_layers, dtype):
    shapes = oracles.state_dict_shapes(cell, D, H, num_layers, bidirectional, bias)
    rng = np.random.default_rng(1)
    given = {name: rng.uniform(-0.5, 0.5, shape).astype(dtype) for name, shape in shapes.items()}
    loaded = copied(given)
    arrays = list(given.values())
    layer = make_layer(cell, num_layers=num_layers, bias=bias, bidirectional=bidirectional, dtype=dtype)
    reference = make_layer(cell, num_layers=num_layers, bias=bias, bidirectional=bidirectional, dtype=dtype)
    layer.load_state_dict(given)
    reference.load_state_dict(copied(given))
    x, state, d_out, d_state = inputs(cell, "batched", bidirectional, num_layers, dtype)

    edit_in_place(arrays)  # before the layer ever ran
    assert_bitwise_equal(layer.state_dict(), loaded, "state_dict() after editing the given arrays")
    expected = {**forward(reference, x, state), **backward(reference, d_out, d_state)}
    assert_bitwise_equal({**forward(layer, x, state), **backward(layer, d_out, d_state)}, expected,
                         "forward and backward after editing the given arrays")

    forward(layer, x, state)
    edit_in_place(arrays)  # between the call and backward
    for name in given:  # replace every entry
        given[name] = np.full(shapes[name], 0.25, dtype)
    given["unexpected"] = np.zeros(1, dtype)
    del given[next(iter(shapes))]
    assert_bitwise_equal(backward(layer, d_out, d_state), {k: v for k, v in expected.items() if k.startswith("grads")},
                         "backward after editing the given dict")
    assert_bitwise_equal(layer.state_dict(), loaded, "state_dict() after editing the given dict")
    assert_bitwise_equal({**forward(layer, x, state), **backward(layer, d_out, d_state)}, expected,
                         "forward and backward after editing the given dict")


# ---------------------------------------------------------------- returned and given arrays are not read later

def test_changing_the_returned_output_does_not_change_the_gradients():
    x = np.random.default_rng(0).standard_normal((4, 2, 3))
    m = gru_ref.GRU(3, 5, dtype=np.float64)
    out, _ = m(x)
    expected = m.backward(np.ones_like(out)).params["weight_hh_l0"]
    out[:] = 7.0
    assert np.array_equal(m.backward(np.ones_like(out)).params["weight_hh_l0"], expected)


@case_parameters
def test_editing_returned_arrays_does_not_change_a_later_forward_or_backward(
        cell, bias, bidirectional, num_layers, dtype):
    for form in FORMS:
        layer = make_layer(cell, num_layers=num_layers, bias=bias, bidirectional=bidirectional,
                           batch_first=form == "batch_first", dtype=dtype)
        x, state, d_out, d_state = inputs(cell, form, bidirectional, num_layers, dtype)
        returned_forward = forward(layer, x, state)
        returned_backward = backward(layer, d_out, d_state)
        expected_forward, expected_backward = copied(returned_forward), copied(returned_backward)

        edit_in_place(returned_forward.values())  # the output and the final state
        edit_in_place(returned_backward.values())  # every gradient
        again = backward(layer, d_out, d_state)  # the same call's cache, read again
        assert_bitwise_equal(again, expected_backward, f"{form}: backward after editing what was returned")
        edit_in_place(again.values())
        assert_bitwise_equal({**forward(layer, x, state), **backward(layer, d_out, d_state)},
                             {**expected_forward, **expected_backward},
                             f"{form}: forward and backward after editing what was returned")


@case_parameters
def test_editing_the_arguments_after_the_call_does_not_change_backward(cell, bias, bidirectional, num_layers, dtype):
    for form in FORMS:
        layer = make_layer(cell, num_layers=num_layers, bias=bias, bidirectional=bidirectional,
                           batch_first=form == "batch_first", dtype=dtype)
        x, state, d_out, d_state = inputs(cell, form, bidirectional, num_layers, dtype)
        expected = {**copied(forward(layer, x, state)), **copied(backward(layer, d_out, d_state))}

        forward(layer, x, state)
        for a in layer_arrays(layer):
            for name, given in (("x", x), *((f"state[{i}]", s) for i, s in enumerate(parts(state)))):
                assert not shares(a, given), f"{form}: the layer keeps the {name} given"
        edit_in_place([x, *parts(state)])  # the caller reuses its buffers before calling backward
        got = backward(layer, d_out, d_state)
        edit_in_place([d_out, *parts(d_state)])
        assert_bitwise_equal(got, {k: v for k, v in expected.items() if k.startswith("grads")},
                             f"{form}: backward after editing x and the initial state")


# ---------------------------------------------------------------- default initialisation

@pytest.mark.parametrize("dtype", (np.float32, np.float64), ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("bidirectional", (False, True), ids=("uni", "bi"))
@pytest.mark.parametrize("bias", (True, False), ids=("bias", "nobias"))
@pytest.mark.parametrize("cell", oracles.CELLS)
def test_default_initialisation_fills_plus_minus_one_over_sqrt_hidden_size(cell, bias, bidirectional, dtype):
    """PyTorch's default: every parameter independently uniform on [-1/sqrt(H), 1/sqrt(H)].

    For n such draws (b = 1/sqrt(H)): P(min > -b + 2b q) = (1 - q)^n <= exp(-q n), so with q = 20/n
    the minimum lies below -b + 40b/n except with probability 2e-9 (the maximum likewise); the mean has
    standard deviation b/sqrt(3n) and a sample quartile about 0.87b/sqrt(n): 6 of them is the tolerance.
    With 128 units every array has at least 128 entries, so each one alone tells uniform(-b, b) from
    uniform(0, b) and uniform(-b/2, b/2); the weight matrices (>= 4096 entries) reach within 0.01b of both ends.
    """
    hidden, input_size = 128, 32
    b = 1.0 / np.sqrt(hidden)
    limit = float(np.asarray(b, dtype))  # rounding to the dtype is monotone: draws in [-b, b] stay in ±limit
    layer = make_layer(cell, hidden_size=hidden, input_size=input_size, num_layers=2, bias=bias,
                       bidirectional=bidirectional, dtype=dtype)
    state = layer.state_dict()
    assert state.keys() == oracles.state_dict_shapes(cell, input_size, hidden, 2, bidirectional, bias).keys()
    for name, w in state.items():
        assert w.dtype == dtype, name
        w = w.astype(np.float64).ravel()
        n = w.size
        assert -limit <= w.min() and w.max() <= limit, f"{name}: outside ±1/sqrt(H)"
        reach = 40 * b / n
        assert w.min() < -b + reach, f"{name}: min {w.min() / b:.3f}·b does not reach -1/sqrt(H)"
        assert w.max() > b - reach, f"{name}: max {w.max() / b:.3f}·b does not reach 1/sqrt(H)"
        if n >= 4096:  # the "close to both ends" of the issue, spelled out for the weight matrices
            assert w.min() < -0.95 * b and w.max() > 0.95 * b, name
        assert abs(w.mean()) < 6 * b / np.sqrt(3 * n), f"{name}: mean {w.mean() / b:.3f}·b"
        quartiles = np.quantile(w, [0.25, 0.5, 0.75])
        tolerance = 6 * 0.87 * b / np.sqrt(n)
        np.testing.assert_allclose(quartiles, [-0.5 * b, 0.0, 0.5 * b], rtol=0, atol=tolerance,
                                   err_msg=f"{name}: quartiles are not those of uniform(-b, b)")
