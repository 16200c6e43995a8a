"""Checks for the GRU chapter: the update gate's memory, the two reset placements, and statements
about the interpolation and its gradient, each tested on gru_ref."""
import dataclasses

import numpy as np

from gru_ref import cells, convert, registry

from .. import misconceptions as mis
from . import CheckFailed, Variant, decides, generates, tex_number
from .generated import (
    always,
    gradient_through,
    keeps_and_writes_most,
    named_values,
    quantity,
    saturated_step,
    statement,
    which,
)


def gru():
    """The registry's GRU, looked up on use: gru_ref may be reloaded (mkdocs serve, quiz.mutations)."""
    return registry.cell("gru")


def weight_names():
    return [f.name for f in dataclasses.fields(gru().weights)]


def weights_of(values, **changes):
    """The weights among a step's named values, some of them changed."""
    return gru().weights(**({name: values[name] for name in weight_names()} | changes))


@decides("gru-saturated-update")
def gru_saturated_update(question):
    """What H_t is when the update gate is 1 (params.gate_value: 1) or 0 (0), from gru_step: the bank's
    tests use it; chapter questions use value-when-saturated, the same for any gates and options."""
    values = named_values(*saturated_step("gru", {"u": 1 if question.params.get("gate_value", 1) == 1 else 0}))
    options = ("previous-state", "candidate", "zero", "average")
    return which(values["H"], {key: quantity(key, values) for key in options})


def _one_unit(u):
    """A one-unit GRU whose update gate is u at every step and whose candidate is 0: only its bias b_u
    is not zero (b_u = log(u / (1 - u)), so that sigma(b_u) = u)."""
    zeros = {name: np.zeros((1, 1)) if name[0] in "UW" else np.zeros(1) for name in weight_names()}
    return gru().weights(**(zeros | {"b_u": np.array([np.log(u / (1 - u))])}))


@generates("gru-constant-update")
def gru_constant_update(params, rng, index):
    """H_k of a unit whose update gate stays at u and whose candidate is 0: u^k H_0 by hand, and by
    gru_ref over k steps. Wrong answer: the interpolation flipped, (1 - u)^k H_0."""
    u = float(rng.choice([0.6, 0.7, 0.8, 0.9, 0.95]))
    H0 = float(rng.choice([-1, 1])) * float(rng.integers(5, 10)) / 10
    k = int(rng.integers(2, 6))
    weights = _one_unit(u)
    xs = np.zeros((k, 1))
    computed = float(cells.run_sequence(gru().step, xs, (np.array([H0]),), weights)[-1].H[0])

    def by_hand(mistake=None):
        H = np.array([H0])
        for x in xs:
            H = mis.hand_step("gru", x, (H,), weights.arrays(), mistake=mistake)["H"]
        return float(H[0])

    if not np.isclose(by_hand(), computed, rtol=0, atol=1e-12):
        raise CheckFailed(f"GRU with constant u = {u}: gru_ref gives H_{k} = {computed}, by hand {by_hand()}")
    wrong = mis.distinct_distractors(computed, {"flipped-interpolation": by_hand("flipped-interpolation")},
                                     lambda v: tex_number(v, 3))
    values = {"u": tex_number(u, 2), "H0": tex_number(H0, 1), "k": str(k), "steps": str(round(1 / (1 - u)))}
    return Variant(values, computed, wrong=wrong)


@decides("layer-reset-placement")
def layer_reset_placement(question):
    """Which reset placement ("after" or "before") the PyTorch-compatible gru_ref GRU layer computes by
    default: the layer, holding the notes' weights (through gru_ref.convert.to_torch), against gru_step
    in each form. A layer that matches neither (a lost bias, blocks in the wrong order) fails."""
    weights = gru().weights.random(3, 4, seed=3)
    layer = gru().layer(3, 4, dtype=np.float64)
    layer.load_state_dict(convert.to_torch(weights))
    x, H0 = np.random.default_rng(0).standard_normal((1, 3)), np.random.default_rng(1).uniform(-1, 1, 4)
    out, _ = layer(x, H0[None])
    return which(out[0], {form: gru().step(x[0], H0, weights, reset=form).H for form in ("after", "before")})


# ---------------------------------------------------------------- statements about the interpolation

@statement("gru-state-between")
def _state_between():
    """Every entry of H_t lies between the matching entries of H_{t-1} and the candidate."""
    def test(v):
        low, high = np.minimum(v["H_prev"], v["H_tilde"]), np.maximum(v["H_prev"], v["H_tilde"])
        return np.all((low - 1e-12 <= v["H"]) & (v["H"] <= high + 1e-12))
    return always("gru", test)


def _sequence_states(H0, seed=0, steps=50):
    """H_1 ... H_T of gru_ref on a long random sequence with large weights, from H_0."""
    rng = np.random.default_rng(seed)
    weights = gru().weights(**{k: 5 * v for k, v in gru().weights.random(3, 4, seed=seed).arrays().items()})
    traces = cells.run_sequence(gru().step, 3 * rng.standard_normal((steps, 32, 3)), (H0,), weights)
    return np.array([t.H for t in traces])


@statement("gru-bounded-from-zero")
def _bounded_from_zero():
    """Starting from H_0 = 0, every state stays between -1 and 1."""
    return bool(np.all(np.abs(_sequence_states(np.zeros((32, 4)))) <= 1))


@statement("gru-bounded-from-any-state")
def _bounded_from_any():
    """Whatever H_{t-1} is, H_t lies between -1 and 1."""
    return always("gru", lambda v: np.all(np.abs(v["H"]) <= 1)) and bool(
        np.all(np.abs(_sequence_states(np.full((32, 4), 3.0))) <= 1))


@statement("gru-half-gate-averages")
def _half_gate_averages():
    """With u_t = 0.5 in every unit, H_t is the average of H_{t-1} and the candidate."""
    def test(v):
        zero = {name: 0 * v[name] for name in ("U_u", "W_u", "b_u")}  # u = sigma(0) = 0.5
        trace = gru().step(v["x"], v["H_prev"], weights_of(v, **zero))
        return np.allclose(trace.H, (v["H_prev"] + trace.H_tilde) / 2, rtol=0, atol=1e-12)
    return always("gru", test)


@statement("gru-keep-and-write-both-near-one")
def _keep_and_write_both_near_one():
    """Some unit, at some step, takes more than 90% of H_{t-1} and more than 90% of the candidate."""
    return keeps_and_writes_most("gru", "H", "H_tilde")


# ---------------------------------------------------------------- statements about the gradient

@statement("gru-copy-jacobian-identity")
def _copy_identity():
    """With u_t = 1, the gradient reaching H_{t-1} is exactly the one at H_t: the Jacobian is the identity."""
    given, reached = gradient_through("gru", {"u": 1}, "H", steps=1)
    return np.allclose(reached, given, rtol=1e-12, atol=1e-14)


@statement("gru-near-one-keeps-long")
def _near_one_keeps_long():
    """A gate of 0.99 in every unit keeps the gradient essentially intact over 500 steps (within 10%)."""
    layer = gru().layer(1, 4, dtype=np.float64)
    params = {k: np.zeros_like(v) for k, v in layer.state_dict().items()}
    params["bias_ih_l0"][gru().packed_blocks("torch", 4)["u"]] = np.log(0.99 / 0.01)  # u = 0.99, nothing else
    layer.load_state_dict(params)
    layer(np.zeros((500, 1, 1)))
    given = np.ones((1, 1, 4))
    reached = layer.backward(None, given).state
    return bool(np.all(np.abs(reached / given - 1) < 0.1))


@statement("gru-saturated-gate-learns-slowly")
def _saturated_gate_learns_slowly():
    """When the update gate is saturated, the gradient reaching its own bias is close to zero."""
    rows = gru().packed_blocks("torch", 4)["u"]
    grads = []
    for push in (None, 1, 0):
        layer = gru().layer(3, 4, dtype=np.float64)
        params = layer.state_dict()
        if push is not None:
            params["bias_ih_l0"][rows] = 40.0 if push else -40.0
        layer.load_state_dict(params)
        rng = np.random.default_rng(0)
        layer(rng.standard_normal((5, 8, 3)), rng.uniform(-1, 1, (1, 8, 4)))
        grads.append(np.linalg.norm(layer.backward(None, rng.standard_normal((1, 8, 4))).params["bias_ih_l0"][rows]))
    free, *pushed = grads
    return free > 1e-3 and all(g < 1e-12 for g in pushed)


@statement("gru-copy-reads-input")
def _copy_reads_input():
    """With u_t = 1, H_t still changes when the input x_t changes."""
    trace, x, states, weights = saturated_step("gru", {"u": 1})
    other = gru().step(x + 1.0, *states, weights)
    return not np.allclose(trace.H, other.H, rtol=0, atol=1e-12)


# ---------------------------------------------------------------- statements about the reset placement

def _both_forms(v, **changes):
    """H_t of the step whose named values are v, in the reset-after and reset-before form, with some
    weights changed."""
    return [gru().step(v["x"], v["H_prev"], weights_of(v, **changes), reset=form).H for form in ("after", "before")]


@statement("gru-forms-differ")
def _forms_differ():
    """The two placements compute different H_t from the same weights."""
    return always("gru", lambda v: not np.allclose(*_both_forms(v), rtol=0, atol=1e-9))


@statement("gru-forms-agree-when-reset-one")
def _forms_agree_reset_one():
    """With r_t = 1 the two placements give the same H_t."""
    def test(v):
        opened = {"U_r": 0 * v["U_r"], "W_r": 0 * v["W_r"], "b_r": np.full_like(v["b_r"], 40.0)}  # r = 1
        return np.allclose(*_both_forms(v, **opened), rtol=0, atol=1e-12)
    return always("gru", test)


def _only_sum_matters(form):
    """Moving an amount from b_Wh to b_h leaves H_t unchanged in this reset placement."""
    def test(v):
        index = ("after", "before").index(form)
        shifted = _both_forms(v, b_h=v["b_h"] + 0.3, b_Wh=v["b_Wh"] - 0.3)[index]
        return np.allclose(_both_forms(v)[index], shifted, rtol=0, atol=1e-12)
    return always("gru", test)


statement("gru-before-only-bias-sum-matters")(lambda: _only_sum_matters("before"))
statement("gru-after-only-bias-sum-matters")(lambda: _only_sum_matters("after"))
