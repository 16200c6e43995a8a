"""The teaching steps of cells.py against torch, field by field, and against the layers over whole sequences.

Torch's cells are mapped to the notes' names by hand here (torch's blocks: GRU r, z, n; LSTM i, f, g, o),
not through gru_ref.convert, and every intermediate of a trace is recomputed with torch ops, so a trace
field that holds the wrong value under the right name fails.
"""
import dataclasses

import numpy as np
import oracles
import pytest
from oracles import assert_close

import gru_ref
from gru_ref import convert, registry


def torch_blocks(array, count):
    return [np.ascontiguousarray(block) for block in np.split(np.asarray(array), count)]


def random_cell_params(cell, D, H, seed):
    rng = np.random.default_rng([seed, 29])
    G = oracles.GATES[cell]
    return {"weight_ih": rng.uniform(-1, 1, (G * H, D)), "weight_hh": rng.uniform(-1, 1, (G * H, H)),
            "bias_ih": rng.uniform(-1, 1, G * H), "bias_hh": rng.uniform(-1, 1, G * H)}


def teaching_weights_by_hand(cell, p):
    """Torch cell parameters -> the notes' weights, block by block (U = W_i*^T, W = W_h*^T)."""
    G = oracles.GATES[cell]
    Wi, Wh, bi, bh = (torch_blocks(p[k], G) for k in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"))
    if cell == "rnn":
        return gru_ref.RNNWeights(U=Wi[0].T, W=Wh[0].T, b=bi[0] + bh[0])
    if cell == "gru":
        r, z, n = 0, 1, 2
        return gru_ref.GRUWeights(U_u=Wi[z].T, W_u=Wh[z].T, b_u=bi[z] + bh[z], U_r=Wi[r].T, W_r=Wh[r].T,
                                  b_r=bi[r] + bh[r], U_h=Wi[n].T, W_h=Wh[n].T, b_h=bi[n], b_Wh=bh[n])
    i, f, g, o = 0, 1, 2, 3
    return gru_ref.LSTMWeights(U_f=Wi[f].T, W_f=Wh[f].T, b_f=bi[f] + bh[f], U_i=Wi[i].T, W_i=Wh[i].T,
                               b_i=bi[i] + bh[i], U_c=Wi[g].T, W_c=Wh[g].T, b_c=bi[g] + bh[g],
                               U_o=Wi[o].T, W_o=Wh[o].T, b_o=bi[o] + bh[o])


def torch_intermediates(cell, p, x, h, c, nonlinearity):
    """Every trace field, computed from torch's own equations (conventions.md) with torch ops."""
    torch = oracles.import_torch()
    t = {k: torch.tensor(v) for k, v in p.items()}
    x, h = torch.tensor(x), torch.tensor(h)
    G = oracles.GATES[cell]
    gi = (x @ t["weight_ih"].T + t["bias_ih"]).chunk(G, dim=-1)
    gh = (h @ t["weight_hh"].T + t["bias_hh"]).chunk(G, dim=-1)
    if cell == "rnn":
        a = gi[0] + gh[0]
        values = dict(a=a, H=torch.tanh(a) if nonlinearity == "tanh" else torch.relu(a))
    elif cell == "gru":
        a_r, a_z = gi[0] + gh[0], gi[1] + gh[1]
        r, z = torch.sigmoid(a_r), torch.sigmoid(a_z)
        a_n = gi[2] + r * gh[2]
        n = torch.tanh(a_n)
        values = dict(a_u=a_z, u=z, a_r=a_r, r=r, reset_H=r * gh[2], a_h=a_n, H_tilde=n, keep=z * h,
                      write=(1 - z) * n, H=(1 - z) * n + z * h)
    else:
        c = torch.tensor(c)
        a_i, a_f, a_g, a_o = (gi[k] + gh[k] for k in range(4))
        i, f, g, o = torch.sigmoid(a_i), torch.sigmoid(a_f), torch.tanh(a_g), torch.sigmoid(a_o)
        c_new = f * c + i * g
        values = dict(a_f=a_f, f=f, a_i=a_i, i=i, a_c=a_g, C_tilde=g, a_o=a_o, o=o, keep=f * c, write=i * g,
                      C=c_new, tanh_C=torch.tanh(c_new), H=o * torch.tanh(c_new))
    return {name: value.numpy() for name, value in values.items()}


def torch_cell_output(cell, p, x, h, c, nonlinearity):
    """torch.nn.RNNCell / GRUCell / LSTMCell itself, as a check on torch_intermediates."""
    torch = oracles.import_torch()
    D, H = x.shape[-1], h.shape[-1]
    module = {"rnn": lambda: torch.nn.RNNCell(D, H, nonlinearity=nonlinearity, dtype=torch.float64),
              "gru": lambda: torch.nn.GRUCell(D, H, dtype=torch.float64),
              "lstm": lambda: torch.nn.LSTMCell(D, H, dtype=torch.float64)}[cell]()
    module.load_state_dict({k: torch.tensor(v) for k, v in p.items()})
    with torch.no_grad():
        if cell == "lstm":
            h_new, c_new = module(torch.tensor(x), (torch.tensor(h), torch.tensor(c)))
            return h_new.numpy(), c_new.numpy()
        return module(torch.tensor(x), torch.tensor(h)).numpy(), None


STEP_CASES = [("rnn", "tanh"), ("rnn", "relu"), ("gru", None), ("lstm", None)]


@pytest.mark.parametrize("batched", [True, False], ids=["batched", "unbatched"])
@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("cell,nonlinearity", STEP_CASES)
def test_every_trace_field_matches_torch(cell, nonlinearity, seed, batched):
    rng = np.random.default_rng([seed, 31])
    D, H, B = (int(n) for n in rng.integers(1, 5, size=3))
    batch = (B,) if batched else ()
    x, h, c = rng.normal(size=batch + (D,)), rng.uniform(-1, 1, batch + (H,)), rng.normal(size=batch + (H,))
    p = random_cell_params(cell, D, H, seed)
    w = teaching_weights_by_hand(cell, p)
    if cell == "rnn":
        trace = gru_ref.rnn_step(x, h, w, nonlinearity=nonlinearity)
    elif cell == "gru":
        trace = gru_ref.gru_step(x, h, w)
    else:
        trace = gru_ref.lstm_step(x, h, c, w)
    expected = torch_intermediates(cell, p, x, h, c, nonlinearity)
    assert list(trace.as_dict()) == list(expected)
    for name, value in expected.items():
        assert_close(trace.as_dict()[name], value, f"{cell} step s{seed} {name}", oracle="torch",
                     cell=f"{cell} step", dtype=np.float64)
    H_cell, C_cell = torch_cell_output(cell, p, x, h, c, nonlinearity)
    assert_close(trace.H, H_cell, f"{cell} step s{seed} H vs torch cell", oracle="torch", cell=f"{cell} step",
                 dtype=np.float64)
    if cell == "lstm":
        assert_close(trace.C, C_cell, f"lstm step s{seed} C vs torch cell", oracle="torch", cell="lstm step",
                     dtype=np.float64)


@pytest.mark.parametrize("seed", range(4))
def test_gru_reset_before_fields_follow_cho(seed):
    """reset="before": reset_H = r ⊙ H_prev and a_h = x U_h + b_h + reset_H W_h + b_Wh (Cho et al. 2014)."""
    torch = oracles.import_torch()
    rng = np.random.default_rng([seed, 37])
    D, H, B = 3, 4, 2
    p = random_cell_params("gru", D, H, seed)
    x, h = rng.normal(size=(B, D)), rng.uniform(-1, 1, (B, H))
    trace = gru_ref.gru_step(x, h, teaching_weights_by_hand("gru", p), reset="before")
    t = {k: torch.tensor(v) for k, v in p.items()}
    W_in, W_hn = t["weight_ih"][2 * H:], t["weight_hh"][2 * H:]
    b_in, b_hn = t["bias_ih"][2 * H:], t["bias_hh"][2 * H:]
    gi = torch.tensor(x) @ t["weight_ih"].T + t["bias_ih"]
    gh = torch.tensor(h) @ t["weight_hh"].T + t["bias_hh"]
    r, z = torch.sigmoid(gi[:, :H] + gh[:, :H]), torch.sigmoid(gi[:, H:2 * H] + gh[:, H:2 * H])
    a_n = torch.tensor(x) @ W_in.T + b_in + (r * torch.tensor(h)) @ W_hn.T + b_hn
    n = torch.tanh(a_n)
    expected = dict(r=r, u=z, reset_H=r * torch.tensor(h), a_h=a_n, H_tilde=n, H=(1 - z) * n + z * torch.tensor(h))
    for name, value in expected.items():
        assert_close(getattr(trace, name), value.numpy(), f"gru before s{seed} {name}", oracle="torch",
                     cell="gru_before step", dtype=np.float64)


SEQUENCE_CASES = [oracles.Case(cell, seed, T=4, B=2, D=3, H=3, num_layers=layers, bidirectional=bidirectional,
                               batch_first=False)
                  for seed, (cell, layers, bidirectional) in enumerate(
                      [(c, n, b) for c in oracles.CELLS for n, b in ((1, False), (2, True), (3, False))])]


def run_teaching_stack(case, state_dict, x, h0, c0):
    """The whole (stacked, bidirectional) layer as run_sequence over teaching weights from convert.from_torch."""
    cell = oracles.base_cell(case.cell)
    step = {"rnn": gru_ref.rnn_step, "gru": gru_ref.gru_step, "lstm": gru_ref.lstm_step}[cell]
    options = {"rnn": {"nonlinearity": case.cell.split("_")[-1]},
               "gru": {"reset": "before" if case.cell == "gru_before" else "after"}, "lstm": {}}[cell]
    layer_input, h_n, c_n = x, [], []
    for layer in range(case.num_layers):
        outputs = []
        for d, direction in enumerate(("", "_reverse")[:case.directions]):
            index = layer * case.directions + d
            weights = convert.from_torch(cell, state_dict, layer=layer, direction=direction)
            states = (h0[index], c0[index]) if cell == "lstm" else (h0[index],)
            sequence = layer_input if d == 0 else layer_input[::-1]
            traces = gru_ref.run_sequence(step, sequence, states, weights, **options)
            assert len(traces) == len(sequence)
            H = np.stack([trace.H for trace in traces])
            outputs.append(H if d == 0 else H[::-1])
            h_n.append(traces[-1].H)
            if cell == "lstm":
                c_n.append(traces[-1].C)
        layer_input = np.concatenate(outputs, axis=-1)
    return layer_input, np.stack(h_n), (np.stack(c_n) if cell == "lstm" else None)


@pytest.mark.parametrize("case", SEQUENCE_CASES, ids=str)
def test_run_sequence_with_converted_torch_weights_equals_the_layers(case):
    lstm = oracles.base_cell(case.cell) == "lstm"
    state_dict = oracles.case_state_dict(case, scale=2.0)
    data = oracles.case_data(case)
    c0 = data.c0 if lstm else None
    out, h_n, c_n = run_teaching_stack(case, state_dict, data.x, data.h0, c0)

    expected = oracles.run_torch(oracles.load_torch(oracles.torch_layer(case, np.float64), state_dict), data, lstm,
                                 oracles.zeros_state_shape(case))
    cell_name = f"{case.cell} run_sequence"
    assert_close(out, expected["out"], f"{case} H", oracle="torch", cell=cell_name, dtype=np.float64)
    assert_close(h_n, expected["h_n"], f"{case} h_n", oracle="torch", cell=cell_name, dtype=np.float64)
    if lstm:
        assert_close(c_n, expected["c_n"], f"{case} c_n", oracle="torch", cell=cell_name, dtype=np.float64)

    layer = oracles.gru_ref_layer(case)
    layer.load_state_dict(state_dict)
    layer_out, layer_state = layer(data.x, (data.h0, c0) if lstm else data.h0)
    np.testing.assert_allclose(out, layer_out, rtol=0, atol=1e-12)
    np.testing.assert_allclose(h_n, layer_state[0] if lstm else layer_state, rtol=0, atol=1e-12)


def test_run_sequence_chains_states_like_a_loop():
    rng = np.random.default_rng(41)
    w = gru_ref.LSTMWeights.random(3, 2, seed=4)
    xs, h, c = rng.normal(size=(5, 3)), rng.normal(size=2), rng.normal(size=2)
    traces = gru_ref.run_sequence(gru_ref.lstm_step, xs, (h, c), w)
    for x, trace in zip(xs, traces):
        by_hand = gru_ref.lstm_step(x, h, c, w)
        assert trace.allclose(by_hand, rtol=0)
        h, c = by_hand.H, by_hand.C
    assert [type(t) for t in traces] == [gru_ref.LSTMStep] * 5


def test_trace_helpers():
    w = gru_ref.GRUWeights.random(2, 3, seed=1)
    x, h = np.array([0.5, -1.0]), np.array([0.1, 0.2, -0.3])
    trace = gru_ref.gru_step(x, h, w)
    assert list(trace.as_dict()) == ["a_u", "u", "a_r", "r", "reset_H", "a_h", "H_tilde", "keep", "write", "H"]
    assert trace.allclose(gru_ref.gru_step(x, h, w))
    assert not trace.allclose(gru_ref.gru_step(x, h + 1e-3, w))
    assert not trace.allclose(gru_ref.gru_step(x, h, w, reset="before"))
    assert not trace.allclose(gru_ref.rnn_step(x, h, gru_ref.RNNWeights.random(2, 3)))
    lines = str(trace).splitlines()
    assert [line.split("=")[0].strip() for line in lines] == list(trace.as_dict())


@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
def test_weights_random_is_seeded_and_bounded(cell):
    cls = registry.cell(cell).weights
    a, b, other = cls.random(3, 4, seed=7), cls.random(3, 4, seed=7), cls.random(3, 4, seed=8)
    for name in a.arrays():
        np.testing.assert_array_equal(a.arrays()[name], b.arrays()[name])
        assert not np.array_equal(a.arrays()[name], other.arrays()[name])
        assert np.all(np.abs(a.arrays()[name]) <= 0.5)  # 1/sqrt(H) with H = 4
    assert (a.input_size, a.hidden_size) == (3, 4)
    assert cls.random(3, 4, dtype=np.float32).arrays()[next(iter(a.arrays()))].dtype == np.float32


@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
def test_undecorated_step_computes_the_same(cell):
    """step.__wrapped__ (used for symbolic tracing) is the same math as the checked step."""
    step = {"rnn": gru_ref.rnn_step, "gru": gru_ref.gru_step, "lstm": gru_ref.lstm_step}[cell]
    w = registry.cell(cell).weights.random(2, 3, seed=3)
    rng = np.random.default_rng(3)
    args = [rng.normal(size=2)] + [rng.normal(size=3) for _ in range(2 if cell == "lstm" else 1)]
    assert step.__wrapped__(*args, w).allclose(step(*args, w), rtol=0)


@pytest.mark.parametrize("cell", ["gru", "lstm"])
def test_the_keep_gate_is_the_one_whose_saturation_copies_the_old_state(cell):
    """registry.keep_gate names the gate that keeps the old state: saturating its bias at +30 makes the
    new state (H for the GRU, C for the LSTM) the old one plus what is written, and at -30 drops it."""
    entry = registry.cell(cell)
    w = entry.weights.random(3, 4, seed=5)
    rng = np.random.default_rng(5)
    x, states = rng.standard_normal(3), tuple(rng.standard_normal(4) for _ in entry.states)
    field = f"b_{entry.keep_gate}"
    kept, dropped = (entry.step(x, *states, dataclasses.replace(w, **{field: getattr(w, field) + shift}))
                     for shift in (30.0, -30.0))
    state = entry.states[-1]  # the GRU's H, the LSTM's C
    old = states[-1]
    np.testing.assert_allclose(kept.keep, old, atol=1e-12)
    np.testing.assert_allclose(dropped.keep, 0.0, atol=1e-12)
    np.testing.assert_allclose(getattr(kept, state) - kept.write, old, atol=1e-12)
