"""Properties that hold for every input, checked with hypothesis (derandomized: the same examples every run).

Exact properties (saturated gates) use == on purpose: with sigma(±1e4) exactly 1 or 0 in floating point,
the teaching u ⊙ H + (1 - u) ⊙ H̃ is exactly H or H̃, and f ⊙ C + i ⊙ C̃ exactly C.
"""
import numpy as np
import oracles
from hypothesis import given, settings
from hypothesis import strategies as st

import gru_ref

SETTINGS = settings(derandomize=True, max_examples=25, deadline=None, database=None)
SATURATE = 1e4
LAYERS = {"rnn": gru_ref.RNN, "gru": gru_ref.GRU, "lstm": gru_ref.LSTM}

sizes = st.integers(1, 4)
seeds = st.integers(0, 2**16)
dtypes = st.sampled_from([np.float32, np.float64])
resets = st.sampled_from(["after", "before"])
any_cell = st.sampled_from(["rnn_tanh", "rnn_relu", "gru", "gru_before", "lstm"])


def random_inputs(seed, T, B, D, H, dtype, states=1, scale=1.0):
    rng = np.random.default_rng(seed)
    x = (scale * rng.normal(size=(T, B, D))).astype(dtype)
    return x, [rng.uniform(-1, 1, (1, B, H)).astype(dtype) for _ in range(states)]


def layer_for(cell, D, H, state_dict=None, **options):
    base = oracles.base_cell(cell)
    extra = {"rnn": lambda: {"nonlinearity": cell.split("_")[1]},
             "gru": lambda: {"reset": "before" if cell == "gru_before" else "after"},
             "lstm": lambda: {}}[base]()
    layer = LAYERS[base](D, H, **extra, **options)
    if state_dict is not None:
        layer.load_state_dict(state_dict)
    return layer


def call(layer, x, states):
    if isinstance(layer, gru_ref.LSTM):
        out, (h_n, c_n) = layer(x, tuple(states))
        return out, [h_n, c_n]
    out, h_n = layer(x, states[0])
    return out, [h_n]


def with_gate_bias(cell, D, H, seed, block, value):
    """A random torch-layout state_dict whose gate `block` (torch order) has bias_ih = value."""
    sd = oracles.random_state_dict(cell, D, H, seed=seed)
    sd["bias_ih_l0"][block * H:(block + 1) * H] = value
    return sd


# ---------------------------------------------------------------- saturated gates

@SETTINGS
@given(T=sizes, B=sizes, D=sizes, H=sizes, seed=seeds, dtype=dtypes, reset=resets)
def test_gru_update_gate_at_one_copies_the_state_exactly(T, B, D, H, seed, dtype, reset):
    x, (h0,) = random_inputs(seed, T, B, D, H, dtype)
    layer = gru_ref.GRU(D, H, reset=reset)
    layer.load_state_dict(with_gate_bias("gru", D, H, seed, block=1, value=SATURATE))  # torch block z = u
    out, h_n = layer(x, h0)
    # The layer, like torch's CPU kernel, computes n + u (H - n): with u = 1 that is H up to the rounding of
    # two operations (torch too gives 0.09999999999999998 for H = 0.1), at most 1.5 eps per step for |H|, |n| <= 1.
    # The teaching step's u H + (1 - u) H̃ is exact.
    steps = np.arange(1, T + 1)[:, None, None]
    assert np.all(np.abs(out - h0) <= 1.5 * steps * np.finfo(dtype).eps), np.abs(out - h0).max()
    assert np.all(np.abs(h_n - h0) <= 1.5 * T * np.finfo(dtype).eps)

    w = gru_ref.GRUWeights.random(D, H, seed=seed, dtype=dtype)
    w = type(w)(**{**w.arrays(), "b_u": np.full(H, SATURATE, dtype)})
    trace = gru_ref.gru_step(x[0], h0[0], w, reset=reset)
    assert np.array_equal(trace.u, np.ones_like(trace.u))
    assert np.array_equal(trace.H, h0[0])


@SETTINGS
@given(B=sizes, D=sizes, H=sizes, seed=seeds, dtype=dtypes)
def test_gru_update_gate_at_zero_gives_the_candidate(B, D, H, seed, dtype):
    x, (h0,) = random_inputs(seed, 1, B, D, H, dtype)
    sd = with_gate_bias("gru", D, H, seed, block=1, value=-SATURATE)
    layer = gru_ref.GRU(D, H)
    layer.load_state_dict(sd)
    out, _ = layer(x, h0)
    # The candidate by hand, in torch's layout: n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)).
    Wi, Wh, bi, bh = (np.split(sd[k], 3) for k in ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"))
    x64, h64 = x[0].astype(np.float64), h0[0].astype(np.float64)
    r = 1 / (1 + np.exp(-(x64 @ Wi[0].T + bi[0] + h64 @ Wh[0].T + bh[0])))
    candidate = np.tanh(x64 @ Wi[2].T + bi[2] + r * (h64 @ Wh[2].T + bh[2]))
    np.testing.assert_allclose(out[0], candidate, rtol=0, atol=1e-12 if dtype == np.float64 else 1e-5)

    w = gru_ref.GRUWeights.random(D, H, seed=seed, dtype=dtype)
    w = type(w)(**{**w.arrays(), "b_u": np.full(H, -SATURATE, dtype)})
    trace = gru_ref.gru_step(x[0], h0[0], w)
    assert np.array_equal(trace.H, trace.H_tilde)


@SETTINGS
@given(T=sizes, B=sizes, D=sizes, H=sizes, seed=seeds, dtype=dtypes)
def test_lstm_forget_one_input_zero_keeps_the_cell_exactly(T, B, D, H, seed, dtype):
    x, (h0, c0) = random_inputs(seed, T, B, D, H, dtype, states=2)
    c0 = (3 * c0).astype(dtype)
    sd = with_gate_bias("lstm", D, H, seed, block=1, value=SATURATE)  # torch blocks i, f, g, o
    sd["bias_ih_l0"][:H] = -SATURATE
    layer = gru_ref.LSTM(D, H)
    layer.load_state_dict(sd)
    out, (h_n, c_n) = layer(x, (h0, c0))
    assert np.array_equal(c_n, c0)
    # H_t = o_t ⊙ tanh(C_0): |H_t| <= |tanh(C_0)| at every step.
    assert np.all(np.abs(out) <= np.abs(np.tanh(c0[0])) + np.finfo(dtype).eps)

    w = gru_ref.LSTMWeights.random(D, H, seed=seed, dtype=dtype)
    w = type(w)(**{**w.arrays(), "b_f": np.full(H, SATURATE, dtype), "b_i": np.full(H, -SATURATE, dtype)})
    C = c0[0]
    for trace in gru_ref.run_sequence(gru_ref.lstm_step, x, (h0[0], c0[0]), w):
        assert np.array_equal(trace.C, C)


@SETTINGS
@given(T=sizes, B=sizes, D=sizes, H=sizes, seed=seeds)
def test_reset_placement_does_not_matter_when_the_reset_gate_is_open(T, B, D, H, seed):
    """r = 1: r ⊙ (H W_h + b_Wh) = (r ⊙ H) W_h + b_Wh, so reset "after" and "before" are the same GRU."""
    x, (h0,) = random_inputs(seed, T, B, D, H, np.float64)
    sd = with_gate_bias("gru", D, H, seed, block=0, value=SATURATE)  # torch block r
    outs = []
    for reset in ("after", "before"):
        layer = gru_ref.GRU(D, H, reset=reset)
        layer.load_state_dict(sd)
        outs.append(layer(x, h0)[0])
    np.testing.assert_allclose(outs[0], outs[1], rtol=0, atol=1e-12)
    sd["bias_ih_l0"][:H] = 0.0  # a working reset gate separates them again
    layer = gru_ref.GRU(D, H, reset="before")
    layer.load_state_dict(sd)
    other = gru_ref.GRU(D, H, reset="after")
    other.load_state_dict(sd)
    assert T * B * H == 0 or not np.allclose(layer(x, h0)[0], other(x, h0)[0], rtol=0, atol=1e-12)


# ---------------------------------------------------------------- bounds and dtypes

@SETTINGS
@given(cell=st.sampled_from(["rnn_tanh", "gru", "gru_before", "lstm"]), T=sizes, B=sizes, D=sizes, H=sizes,
       seed=seeds, dtype=dtypes, scale=st.floats(0.1, 20.0))
def test_outputs_are_bounded_by_one(cell, T, B, D, H, seed, dtype, scale):
    lstm = cell == "lstm"
    x, states = random_inputs(seed, T, B, D, H, dtype, states=2 if lstm else 1, scale=scale)
    if lstm:
        states[1] = (scale * states[1]).astype(dtype)
    layer = layer_for(cell, D, H, oracles.random_state_dict(cell, D, H, seed=seed, scale=scale))
    out, finals = call(layer, x, states)
    assert np.all(np.abs(out) <= 1) and np.all(np.abs(finals[0]) <= 1)


@SETTINGS
@given(T=sizes, B=sizes, D=sizes, H=sizes, seed=seeds, dtype=dtypes)
def test_lstm_output_is_strictly_inside_the_unit_interval(T, B, D, H, seed, dtype):
    """With |x|, |H0| <= 1 and weights in ±1/sqrt(H): |a_o| <= (D + H + 2)/sqrt(H) <= 8, so o <= sigma(8) < 1."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, (T, B, D)).astype(dtype)
    h0, c0 = rng.uniform(-1, 1, (1, B, H)).astype(dtype), rng.normal(0, 5, (1, B, H)).astype(dtype)
    out, (h_n, _) = layer_for("lstm", D, H, oracles.random_state_dict("lstm", D, H, seed=seed))(x, (h0, c0))
    assert np.all(np.abs(out) < 1) and np.all(np.abs(h_n) < 1)


@SETTINGS
@given(cell=any_cell, T=sizes, B=sizes, D=sizes, H=sizes, seed=seeds, dtype=dtypes,
       init_dtype=dtypes, unbatched=st.booleans())
def test_layers_compute_in_the_input_dtype(cell, T, B, D, H, seed, dtype, init_dtype, unbatched):
    lstm = cell == "lstm"
    x, states = random_inputs(seed, T, B, D, H, dtype, states=2 if lstm else 1)
    if unbatched:
        x, states = x[:, 0], [s[:, 0] for s in states]
    layer = layer_for(cell, D, H, seed=seed, dtype=init_dtype)
    out, finals = call(layer, x, states)
    d_state = tuple(np.ones_like(f) for f in finals) if lstm else np.ones_like(finals[0])
    grads = layer.backward(np.ones_like(out), d_state)
    arrays = [out, *finals, grads.x, *(grads.state if lstm else [grads.state]), *grads.params.values()]
    assert all(a.dtype == dtype for a in arrays), [a.dtype for a in arrays]


@SETTINGS
@given(cell=st.sampled_from(["rnn", "gru", "lstm"]), B=sizes, D=sizes, H=sizes, seed=seeds, dtype=dtypes)
def test_teaching_steps_compute_in_the_input_dtype(cell, B, D, H, seed, dtype):
    w = {"rnn": gru_ref.RNNWeights, "gru": gru_ref.GRUWeights, "lstm": gru_ref.LSTMWeights}[cell].random(
        D, H, seed=seed, dtype=dtype)
    rng = np.random.default_rng(seed)
    states = [rng.normal(size=(B, H)).astype(dtype) for _ in range(2 if cell == "lstm" else 1)]
    step = {"rnn": gru_ref.rnn_step, "gru": gru_ref.gru_step, "lstm": gru_ref.lstm_step}[cell]
    trace = step(rng.normal(size=(B, D)).astype(dtype), *states, w)
    assert all(np.asarray(v).dtype == dtype for v in trace.as_dict().values())


# ---------------------------------------------------------------- structure

@SETTINGS
@given(cell=any_cell, T=sizes, B=st.integers(2, 4), D=sizes, H=sizes, layers=st.integers(1, 3),
       bidirectional=st.booleans(), seed=seeds)
def test_a_batch_is_independent_unbatched_runs(cell, T, B, D, H, layers, bidirectional, seed):
    lstm = cell == "lstm"
    case = oracles.Case(cell, seed, T, B, D, H, num_layers=layers, bidirectional=bidirectional)
    data = oracles.case_data(case)
    layer = oracles.gru_ref_layer(case)
    layer.load_state_dict(oracles.case_state_dict(case))
    batched = oracles.run_gru_ref(layer, data, lstm)
    summed = {name: 0.0 for name in batched["params"]}
    for b in range(B):
        one = oracles.Data(data.x[:, b], data.h0[:, b], None if data.c0 is None else data.c0[:, b],
                           data.d_out[:, b], data.d_h_n[:, b], None if data.d_c_n is None else data.d_c_n[:, b])
        single = oracles.run_gru_ref(layer, one, lstm)
        for name in ("out", "d_x"):
            np.testing.assert_allclose(single[name], batched[name][:, b], rtol=0, atol=1e-12, err_msg=name)
        for name in ("h_n", "d_h0") + (("c_n", "d_c0") if lstm else ()):
            np.testing.assert_allclose(single[name], batched[name][:, b], rtol=0, atol=1e-12, err_msg=name)
        for name, gradient in single["params"].items():
            summed[name] = summed[name] + gradient
    for name, gradient in batched["params"].items():  # parameter gradients add up over the batch
        np.testing.assert_allclose(summed[name], gradient, rtol=0, atol=1e-11, err_msg=name)


@SETTINGS
@given(cell=any_cell, T=sizes, B=sizes, D=sizes, H=sizes, seed=seeds)
def test_reverse_direction_is_the_forward_layer_on_the_reversed_sequence(cell, T, B, D, H, seed):
    lstm = cell == "lstm"
    x, states = random_inputs(seed, T, B, D, H, np.float64, states=2 if lstm else 1)
    both = [np.concatenate([s, -s[::-1] / 2]) for s in states]  # initial states of forward, reverse
    sd = oracles.random_state_dict(cell, D, H, bidirectional=True, seed=seed)
    out, finals = call(layer_for(cell, D, H, sd, bidirectional=True), x, both)
    forward_sd = {k: v for k, v in sd.items() if not k.endswith("_reverse")}
    reverse_sd = {k.removesuffix("_reverse"): v for k, v in sd.items() if k.endswith("_reverse")}
    out_f, finals_f = call(layer_for(cell, D, H, forward_sd), x, [s[:1] for s in both])
    out_r, finals_r = call(layer_for(cell, D, H, reverse_sd), x[::-1], [s[1:] for s in both])
    np.testing.assert_allclose(out[..., :H], out_f, rtol=0, atol=1e-13)
    np.testing.assert_allclose(out[..., H:], out_r[::-1], rtol=0, atol=1e-13)
    for final, f, r in zip(finals, finals_f, finals_r):
        np.testing.assert_allclose(final, np.concatenate([f, r]), rtol=0, atol=1e-13)


@SETTINGS
@given(cell=any_cell, T=st.integers(2, 6), B=sizes, D=sizes, H=sizes, layers=st.integers(1, 3), seed=seeds,
       data=st.data())
def test_running_in_two_pieces_equals_running_at_once(cell, T, B, D, H, layers, seed, data):
    split = data.draw(st.integers(1, T - 1))
    lstm = cell == "lstm"
    x, _ = random_inputs(seed, T, B, D, H, np.float64)
    states = [np.random.default_rng(seed).normal(size=(layers, B, H)) for _ in range(2 if lstm else 1)]
    layer = layer_for(cell, D, H, oracles.random_state_dict(cell, D, H, layers, seed=seed), num_layers=layers)
    whole, finals = call(layer, x, states)
    first, middle = call(layer, x[:split], states)
    second, finals_2 = call(layer, x[split:], middle)
    np.testing.assert_allclose(np.concatenate([first, second]), whole, rtol=0, atol=1e-13)
    for a, b in zip(finals_2, finals):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-13)


@SETTINGS
@given(cell=any_cell, T=sizes, B=sizes, D=sizes, H=sizes, seed=seeds, bidirectional=st.booleans())
def test_batch_first_is_a_transpose(cell, T, B, D, H, seed, bidirectional):
    lstm = cell == "lstm"
    x, states = random_inputs(seed, T, B, D, H, np.float64, states=2 if lstm else 1)
    states = [np.concatenate([s, s[:, ::-1]]) if bidirectional else s for s in states]
    sd = oracles.random_state_dict(cell, D, H, bidirectional=bidirectional, seed=seed)
    time_first = layer_for(cell, D, H, sd, bidirectional=bidirectional)
    batch_first = layer_for(cell, D, H, sd, bidirectional=bidirectional, batch_first=True)
    out, finals = call(time_first, x, states)
    out_bf, finals_bf = call(batch_first, x.transpose(1, 0, 2), states)
    np.testing.assert_array_equal(out_bf, out.transpose(1, 0, 2))
    for a, b in zip(finals_bf, finals):
        np.testing.assert_array_equal(a, b)


@SETTINGS
@given(cell=any_cell, T=sizes, B=sizes, D=sizes, H=sizes, layers=st.integers(1, 3), seed=seeds)
def test_zero_input_and_state_without_bias_stay_zero(cell, T, B, D, H, layers, seed):
    lstm = cell == "lstm"
    sd = oracles.random_state_dict(cell, D, H, layers, bias=False, seed=seed)
    layer = layer_for(cell, D, H, sd, num_layers=layers, bias=False)
    out, finals = call(layer, np.zeros((T, B, D)), [np.zeros((layers, B, H)) for _ in range(2 if lstm else 1)])
    assert not np.any(out) and not any(np.any(f) for f in finals)


@SETTINGS
@given(cell=any_cell, D=sizes, H=sizes, seed=seeds)
def test_layer_initialisation_is_seeded(cell, D, H, seed):
    a, b, c = (layer_for(cell, D, H, seed=s, num_layers=2).state_dict() for s in (seed, seed, seed + 1))
    for name in a:
        np.testing.assert_array_equal(a[name], b[name])
        assert a[name].size < 2 or not np.array_equal(a[name], c[name])
