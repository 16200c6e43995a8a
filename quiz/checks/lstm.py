"""Checks for the LSTM chapter: the cell state under constant gates, a gate from its bias alone, and
statements about the cell and the hidden state, each tested on gru_ref."""
import dataclasses

import numpy as np

from gru_ref import cells, registry

from .. import misconceptions as mis
from . import CheckFailed, Variant, decides, generates, tex_number
from .generated import always, keeps_and_writes_most, statement


def lstm():
    """The registry's LSTM, looked up on use: gru_ref may be reloaded (mkdocs serve, quiz.mutations)."""
    return registry.cell("lstm")


def weight_names():
    return [f.name for f in dataclasses.fields(lstm().weights)]


def constant_gates(f, i, C_tilde):
    """A one-unit LSTM whose forget gate, input gate and candidate are these numbers at every step:
    all weights zero, and each bias the pre-activation that gives its value (o = 1/2)."""
    arrays = {name: np.zeros((1, 1)) if name[0] in "UW" else np.zeros(1) for name in weight_names()}
    arrays |= {"b_f": np.array([np.log(f / (1 - f))]), "b_i": np.array([np.log(i / (1 - i))]),
               "b_c": np.array([np.arctanh(C_tilde)])}
    return lstm().weights(**arrays)


@generates("lstm-constant-gates")
def lstm_constant_gates(params, rng, index):
    """C_T of a unit whose f_t, i_t and candidate stay constant, from C_0: gru_ref over T steps and the
    hand model step by step. Wrong answers: the misconceptions of the cell update."""
    f, i = (float(v) for v in rng.integers(1, 10, 2) / 10)
    C_tilde = float(rng.choice([-1, 1]) * rng.integers(1, 10) / 10)
    C0 = float(rng.integers(-9, 10) / 10)
    T = int(params.get("steps", 2))
    weights = constant_gates(f, i, C_tilde)
    xs = np.zeros((T, 1))
    computed = float(cells.run_sequence(lstm().step, xs, (np.zeros(1), np.array([C0])), weights)[-1].C[0])

    def by_hand(mistake=None):
        H, C = np.zeros(1), np.array([C0])
        for x in xs:
            step = mis.hand_step("lstm", x, (H, C), weights.arrays(), mistake=mistake)
            H, C = step["H"], step["C"]
        return float(C[0])

    if not np.isclose(by_hand(), computed, rtol=0, atol=1e-12):
        raise CheckFailed(f"LSTM with constant f={f} i={i} C~={C_tilde}: gru_ref gives C_{T} = {computed}, "
                          f"by hand {by_hand()}")
    wrong = {name: by_hand(name) for name in ("swapped-forget-input", "coupled-forget-input")}
    wrong = mis.distinct_distractors(computed, wrong, lambda v: tex_number(v, 3))
    values = {"f": tex_number(f, 1), "i": tex_number(i, 1), "C_tilde": tex_number(C_tilde, 1),
              "C0": tex_number(C0, 1), "T": str(T)}
    return Variant(values, computed, wrong=wrong)


@generates("lstm-forget-gradient")
def lstm_forget_gradient(params, rng, index):
    """dC_T / dC_0 of an LSTM whose forget gate stays at f and whose other paths are switched off (all
    weights zero, i = 0): gru_ref's backward pass through a real layer, and f^T by hand."""
    f = (0.9, 0.95, 0.8, 0.99, 0.7)[index % 5]  # by variant, so "new numbers" never repeats a gate
    T = int(rng.choice([5, 10, 20]))
    n = 2
    layer = lstm().layer(1, n, dtype=np.float64)
    arrays = {name: np.zeros_like(value) for name, value in layer.state_dict().items()}
    rows = lstm().packed_blocks("torch", n)
    arrays["bias_ih_l0"][rows["f"]] = np.log(f / (1 - f))
    arrays["bias_ih_l0"][rows["i"]] = -40.0  # nothing is written, so C_{t-1} reaches C_t only through f
    layer.load_state_dict(arrays)
    layer(np.zeros((T, 1)), (np.zeros((1, n)), np.full((1, n), 0.5)))
    reached = layer.backward(None, (np.zeros((1, n)), np.ones((1, n)))).state[1]
    if not np.allclose(reached, f ** T, rtol=1e-9, atol=0):
        raise CheckFailed(f"LSTM with f = {f} over {T} steps: the backward pass gives dC_T/dC_0 = "
                          f"{reached.ravel().tolist()}, by hand f^T = {f ** T}")
    wrong = mis.distinct_distractors(f ** T, {"sum-not-product": T * f}, lambda v: f"{v:.4g}")
    return Variant({"f": tex_number(f, 2), "T": str(T)}, float(reached[0, 0]), wrong=wrong)


@decides("gate-from-bias")
def gate_from_bias(question):
    """A gate's value when x_t and H_{t-1} are zero and its bias is params.bias: the step of gru_ref
    on weights that are zero but for that bias. params: cell, gate (f, i, o, u, r), bias."""
    p = question.params
    entry = registry.cell(p["cell"])
    block = entry.block(p["gate"])
    arrays = {name: np.zeros((1, 1)) if name[0] in "UW" else np.zeros(1)
              for name in (f.name for f in dataclasses.fields(entry.weights))}
    arrays[block.weight_names()[2]] = np.array([float(p["bias"])])
    trace = entry.step(np.zeros(1), *(np.zeros(1) for _ in entry.states), entry.weights(**arrays))
    return float(getattr(trace, block.output)[0])


# ---------------------------------------------------------------- statements about the cell

def _sequence(scale, seed=0, steps=50):
    """The traces of gru_ref's LSTM on a long random sequence from zero states, weights times `scale`."""
    rng = np.random.default_rng(seed)
    weights = lstm().weights(**{k: scale * v for k, v in lstm().weights.random(3, 4, seed=seed).arrays().items()})
    return cells.run_sequence(lstm().step, rng.standard_normal((steps, 32, 3)), (np.zeros((32, 4)), np.zeros((32, 4))),
                        weights)


@statement("lstm-cell-can-leave-unit-interval")
def _cell_can_leave():
    """Starting from C_0 = 0, some entry of some C_t ends up outside [-1, 1]."""
    return any(np.any(np.abs(t.C) > 1) for scale in (1.0, 4.0) for t in _sequence(scale))


@statement("lstm-hidden-can-leave-unit-interval")
def _hidden_can_leave():
    """Starting from H_0 = C_0 = 0, some entry of some H_t ends up outside [-1, 1]."""
    return any(np.any(np.abs(t.H) > 1) for scale in (1.0, 4.0) for t in _sequence(scale))


@statement("lstm-hidden-within-squashed-cell")
def _hidden_within_squashed_cell():
    """No entry of H_t is larger in magnitude than the matching entry of tanh(C_t)."""
    return always("lstm", lambda v: np.all(np.abs(v["H"]) <= np.abs(np.tanh(v["C"])) + 1e-15))


@statement("lstm-keep-and-write-both-near-one")
def _keep_and_write_both_near_one():
    """Some unit, at some step, keeps more than 90% of C_{t-1} and writes more than 90% of its candidate."""
    return keeps_and_writes_most("lstm", "C", "C_tilde")


@statement("lstm-forget-and-input-sum-to-one")
def _forget_and_input_sum_to_one():
    """f_t + i_t = 1 in every unit."""
    return always("lstm", lambda v: np.allclose(v["f"] + v["i"], 1, rtol=0, atol=1e-12))


@statement("lstm-open-output-shows-cell")
def _open_output_shows_cell():
    """With o_t = 1, H_t equals C_t."""
    def test(v):
        weights = lstm().weights(**({name: v[name] for name in weight_names()} | {"b_o": np.full(4, 40.0)}))
        trace = lstm().step(v["x"], v["H_prev"], v["C_prev"], weights)
        return np.allclose(trace.H, trace.C, rtol=0, atol=1e-12)
    return always("lstm", test)


@statement("lstm-hidden-feeds-next-gates")
def _hidden_feeds_next_gates():
    """Changing H_{t-1} (with C_{t-1} fixed) changes the gates at step t."""
    def test(v):
        weights = lstm().weights(**{name: v[name] for name in weight_names()})
        other = lstm().step(v["x"], v["H_prev"] + 0.5, v["C_prev"], weights)
        return not np.allclose(other.f, v["f"], rtol=0, atol=1e-12)
    return always("lstm", test)
