"""Checks for the RNN chapter: a step's Jacobian and the product of many, measured with gru_ref's
backward pass, and statements about the plain recurrence tested on gru_ref."""
import numpy as np

from gru_ref import activations, registry
from sitegen import plots

from .. import misconceptions as mis
from . import CheckFailed, Variant, decides, generates, one_decimal, state_jacobian, tex_matrix, tex_number
from .generated import always, statement, which


def rnn():
    """The registry's RNN, looked up on use: gru_ref may be reloaded (mkdocs serve, quiz.mutations)."""
    return registry.cell("rnn")


def jacobian(weights, xs, H0):
    """d H_T / d H_0 in the row layout (entry [k, j] is dH_T[j] / dH_0[k]), from the real layer's backward pass."""
    return state_jacobian(weights, xs, (H0,))


def one_unit(u, w, b):
    return rnn().weights(U=np.array([[u]]), W=np.array([[w]]), b=np.array([b]))


@generates("rnn-gradient-factor")
def rnn_gradient_factor(params, rng, index):
    """dH_T / dH_0 of a one-unit RNN from printed numbers: gru_ref's backward pass, and the product of
    the factors w (1 - H_s^2) by hand. Wrong answers: the misconceptions of the hand product.

    params: steps (T, default 1); quiet: x_t = 0, b = 0, H_0 = 0 and T drawn from 4 to 8, so that every
    tanh' is 1 and the answer is w^T (the scalar case of the bound)."""
    quiet = bool(params.get("quiet", False))
    if quiet:
        T = int(rng.integers(4, 9))
        u, b, H0 = 0.0, 0.0, 0.0
        w = (0.9, 1.2, 0.8, 1.1, 0.7, 1.3)[index % 6]  # by variant, so "new numbers" never repeats a weight
        xs = np.zeros(T)
    else:
        T = int(params.get("steps", 1))
        u, w, b = (float(v) for v in one_decimal(rng, 3))
        w = w if abs(w) >= 0.3 else 0.8  # a recurrent weight that matters
        H0, xs = float(one_decimal(rng, (), 5)), one_decimal(rng, (T,), 10)
    weights = one_unit(u, w, b)
    computed = float(jacobian(weights, xs[:, None], np.array([H0]))[0, 0])
    states = [H0]
    for x in xs:
        states.append(float(mis.hand_step("rnn", np.array([x]), (np.array([states[-1]]),), weights.arrays())["H"][0]))
    by_hand = mis.hand_rnn_gradient(w, states)
    if not np.isclose(computed, by_hand, rtol=1e-9, atol=1e-12):
        raise CheckFailed(f"one-unit RNN u={u} w={w} b={b} H_0={H0} x={xs.tolist()}: the backward pass gives "
                          f"dH_T/dH_0 = {computed}, the product of w (1 - H_s^2) by hand {by_hand}")
    wrong = {name: mis.hand_rnn_gradient(w, states, mistake=name) for name in mis.GRADIENT_MISCONCEPTIONS}
    wrong = mis.distinct_distractors(computed, wrong, lambda v: f"{v:.4g}")
    values = {"u": tex_number(u, 1), "w": tex_number(w, 1), "b": tex_number(b, 1), "H0": tex_number(H0, 1),
              "xs": tex_matrix(xs), "x1": tex_number(xs[0], 1), "T": str(T)}
    return Variant(values, computed, wrong=wrong)


JACOBIAN_FORMS = {  # option key -> the one-step Jacobian it proposes, from W, H_{t-1} and H_t
    "w-diag-new": lambda W, H_prev, H: W @ np.diag(1 - H * H),
    "diag-new-w": lambda W, H_prev, H: np.diag(1 - H * H) @ W,
    "w-transposed-diag-new": lambda W, H_prev, H: W.T @ np.diag(1 - H * H),
    "w-diag-previous": lambda W, H_prev, H: W @ np.diag(1 - H_prev * H_prev),
}


@decides("rnn-jacobian-form")
def rnn_jacobian_form(question):
    """Which option's matrix is the one-step Jacobian dH_t/dH_{t-1} that gru_ref's backward pass applies
    (random weights, a 4-unit state, so that W is not symmetric)."""
    rng = np.random.default_rng(0)
    weights = rnn().weights.random(3, 4, seed=2)
    x, H_prev = rng.standard_normal((1, 3)), rng.uniform(-1, 1, 4)
    H = rnn().step(x[0], H_prev, weights).H
    measured = jacobian(weights, x, H_prev)
    return which(measured, {o.key: JACOBIAN_FORMS[o.key](weights.W, H_prev, H) for o in question.options})


@decides("unrolled-parameter-count")
def unrolled_parameter_count(question):
    """Trainable numbers of a layer unrolled over params.steps steps: the entries of the gradients its
    backward pass returns, which must be one per entry of its state_dict however long the sequence."""
    p = question.params
    d, n, T = int(p["input"]), int(p["hidden"]), int(p["steps"])
    layer = registry.cell(p["cell"]).layer(d, n, dtype=np.float64)
    layer(np.random.default_rng(0).standard_normal((T, d)))
    gradients = layer.backward(np.ones((T, n))).params  # a loss on every step's output
    total = sum(g.size for g in gradients.values())
    if total != sum(v.size for v in layer.state_dict().values()):
        raise CheckFailed(f"{p['cell']} layer over {p['steps']} steps: {total} gradient entries, "
                          f"{sum(v.size for v in layer.state_dict().values())} parameters")
    return total




@decides("derivative-bound")
def derivative_bound(question):
    """The largest slope of gru_ref's activation (params.activation), by central differences on a grid."""
    f = getattr(activations, question.params["activation"])
    a, h = np.linspace(-10, 10, 20001), 1e-5
    return round(float(np.max((f(a + h) - f(a - h)) / (2 * h))), 6)


@decides("plot-gradient-order")
def plot_gradient_order(question):
    """The cells (item keys rnn, gru, lstm) from the smallest to the largest gradient norm at
    params.distance in the page's gradient plot, from the numbers the plot is drawn from."""
    distance = int(question.params["distance"])
    norms = {}
    for item in question.items:
        distances, values = plots.gradient_norms(item.key)
        norms[item.key] = float(values[list(distances).index(distance)])
    return sorted(norms, key=norms.get)


# ---------------------------------------------------------------- statements about the recurrence

@statement("rnn-state-bounded")
def _state_bounded():
    """Every entry of H_t lies between -1 and 1."""
    return always("rnn", lambda v: np.all(np.abs(v["H"]) <= 1))


@statement("rnn-relu-state-bounded")
def _relu_state_bounded():
    """With ReLU in place of tanh, every entry of H_t still lies between -1 and 1."""
    return always("rnn", lambda v: np.all(np.abs(v["H"]) <= 1), nonlinearity="relu")


@statement("rnn-zero-in-zero-out")
def _zero_in_zero_out():
    """With x_t = 0 and H_{t-1} = 0, the new state H_t is 0."""
    def test(v):
        weights = rnn().weights(U=v["U"], W=v["W"], b=v["b"])
        return np.allclose(rnn().step(0 * v["x"], 0 * v["H_prev"], weights).H, 0, rtol=0, atol=1e-12)
    return always("rnn", test)


@statement("rnn-forgets-without-w")
def _forgets_without_w():
    """With W = 0, H_t no longer depends on H_{t-1}."""
    def test(v):
        weights = rnn().weights(U=v["U"], W=0 * v["W"], b=v["b"])
        before = rnn().step(v["x"], v["H_prev"], weights).H
        return np.allclose(before, rnn().step(v["x"], v["H_prev"] + 0.5, weights).H, rtol=0, atol=1e-12)
    return always("rnn", test)


def _draws(singular_value, bias_scales=(0.1, 1.0, 10.0), steps=20, seeds=range(4)):
    """(largest singular value, dH_1/dH_0, dH_T/dH_0) for random RNNs whose W has the given largest
    singular value, with biases from small to saturating."""
    for seed in seeds:
        for scale in bias_scales:
            rng = np.random.default_rng(seed)
            base = rnn().weights.random(3, 4, seed=seed)
            W = base.W * singular_value / np.linalg.norm(base.W, 2)
            weights = rnn().weights(U=base.U, W=W, b=scale * rng.standard_normal(4))
            xs, H0 = rng.standard_normal((steps, 3)), rng.uniform(-1, 1, 4)
            yield np.linalg.norm(W, 2), jacobian(weights, xs[:1], H0), jacobian(weights, xs, H0)


@statement("rnn-bounded-by-singular-value")
def _bounded_by_singular_value():
    """If the largest singular value of W is below 1, ||dH_t/dH_k|| <= lambda_1^(t-k)."""
    return all(np.linalg.norm(J, 2) <= top ** 20 + 1e-12 for top, _, J in _draws(0.9))


@statement("rnn-large-w-always-explodes")
def _large_w_always_explodes():
    """If the largest singular value of W is above 1, the gradient always grows with the distance."""
    return all(np.linalg.norm(J, 2) > np.linalg.norm(J1, 2) for _, J1, J in _draws(2.0))


@statement("rnn-saturated-step-blocks")
def _saturated_step_blocks():
    """When a step's pre-activations are large (saturated units), its Jacobian is close to zero."""
    rng = np.random.default_rng(0)
    base = rnn().weights.random(3, 4, seed=0)
    weights = rnn().weights(U=base.U, W=base.W, b=np.where(rng.random(4) < 0.5, -12.0, 12.0))
    return bool(np.linalg.norm(jacobian(weights, rng.standard_normal((1, 3)), rng.uniform(-1, 1, 4)), 2) < 1e-6)


@statement("rnn-sigmoid-slope-reaches-one")
def _sigmoid_slope_reaches_one():
    """The sigmoid's derivative reaches 1 somewhere, as tanh's does."""
    a, h = np.linspace(-10, 10, 20001), 1e-5
    sigmoid = activations.sigmoid
    return bool(np.max((sigmoid(a + h) - sigmoid(a - h)) / (2 * h)) >= 1 - 1e-6)
