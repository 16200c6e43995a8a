"""Solvers of the RNN chapter's exercises (quizzes/exercises/rnn.yml)."""
import math

import numpy as np

from gru_ref import cells, counts, registry

from .. import misconceptions as mis
from ..checks import board_numbers, hand_agrees, one_decimal, state_jacobian, tex_number, tex_values
from . import Solution, agree, solves, tex, tex_sum_of_products


@solves("rnn-step")
def rnn_step(params, rng):
    """One step of an RNN from board numbers: x U and H_{t-1} W (the first entry written out), a, H."""
    weights, x, (H_prev,) = board_numbers("rnn", rng, int(params.get("input", 3)), int(params.get("hidden", 2)))
    step = cells.rnn_step(x, H_prev, weights)
    hand_agrees("rnn", "H", x, (H_prev,), weights, {}, step.H)
    xU, HW = x @ weights.U, H_prev @ weights.W  # the two products the solution shows, which the trace sums
    agree("a_t = x_t U + H_{t-1} W + b", step.a, xU + HW + weights.b)
    values = tex_values("rnn", weights, x, (H_prev,))
    values.update(d=str(weights.input_size), n=str(weights.hidden_size),
                  xU=tex(xU, 2), HW=tex(HW, 2), a=tex(step.a, 2), H=tex(step.H),
                  xU_first=tex_sum_of_products(x, weights.U[:, 0]),
                  HW_first=tex_sum_of_products(H_prev, weights.W[:, 0]))
    return Solution(values, {"a": step.a, "H": step.H}, {"weights": weights.arrays(), "x": x, "H_prev": H_prev})


def scalar_rnn(rng, steps, recurrent=None):
    """A one-unit RNN (d = n = 1) from board numbers, its inputs x_1..x_T and its start state H_0."""
    U, b = one_decimal(rng, (1, 1)), one_decimal(rng, (1,))
    W = one_decimal(rng, (1, 1)) if recurrent is None else np.array([[recurrent]])
    weights = cells.RNNWeights(U=U, W=W, b=b)
    return weights, one_decimal(rng, (steps, 1), 10), one_decimal(rng, (1,), 5)


def scalar_values(weights, xs, H_0, traces):
    """Placeholders of a scalar run: U, W, b, H_0, and x_t, a_t, H_t for every step (x1, a1, H1, ...)."""
    values = {"U": tex_number(weights.U[0, 0], 1), "W": tex_number(weights.W[0, 0], 1),
              "b": tex_number(weights.b[0], 1), "H_0": tex_number(H_0[0], 1)}
    for t, (x, trace) in enumerate(zip(xs, traces), start=1):
        values.update({f"x{t}": tex_number(x[0], 1), f"a{t}": tex(trace.a[0]), f"H{t}": tex(trace.H[0])})
    return values


def _run(weights, xs, H_0):
    """gru_ref's run over the inputs, checked step by step against the notes' equation by hand."""
    traces = cells.run_sequence(cells.rnn_step, xs, (H_0,), weights)
    states = [H_0] + [trace.H for trace in traces]
    for x, state, trace in zip(xs, states, traces):
        hand_agrees("rnn", "H", x, (state,), weights, {}, trace.H)
    return traces


@solves("rnn-unroll-scalar")
def rnn_unroll_scalar(params, rng):
    """Three (params.steps) steps of a one-unit RNN: the states H_1..H_T."""
    weights, xs, H_0 = scalar_rnn(rng, int(params.get("steps", 3)))
    traces = _run(weights, xs, H_0)
    H = np.array([trace.H[0] for trace in traces])
    return Solution(scalar_values(weights, xs, H_0, traces), {"H": H},
                    {"weights": weights.arrays(), "xs": xs, "H_0": H_0})


@solves("rnn-gradient-scalar")
def rnn_gradient_scalar(params, rng):
    """dH_T/dH_0 of a one-unit RNN over T steps: the product of w (1 - H_t^2), by back-propagation through
    a gru_ref layer and by that product; the bound |w|^T, and how many steps push the bound below 1%."""
    steps = int(params.get("steps", 4))
    w = float(rng.choice([-0.9, -0.8, -0.7, 0.7, 0.8, 0.9]))  # |w| < 1, and large enough to read the decay
    weights, xs, H_0 = scalar_rnn(rng, steps, recurrent=w)
    traces = _run(weights, xs, H_0)
    states = [float(H_0[0])] + [float(trace.H[0]) for trace in traces]
    gradient = float(state_jacobian(weights, xs, (H_0,))[0, 0])
    agree("dH_T/dH_0", gradient, mis.hand_rnn_gradient(w, states))
    factors = [w * (1 - h * h) for h in states[1:]]
    bound = abs(w) ** steps
    below = math.floor(math.log(0.01) / math.log(abs(w))) + 1  # the first k with |w|^k < 0.01
    values = scalar_values(weights, xs, H_0, traces)
    values.update({f"f{t}": tex(f) for t, f in enumerate(factors, start=1)})
    values.update(T=str(steps), gradient=tex(gradient, 4), bound=tex(bound, 4), w_abs=tex_number(abs(w), 1),
                  steps_below=str(below), bound_below=tex(abs(w) ** below, 4))
    answers = {"gradient": gradient, "bound": bound, "steps_below": below}
    return Solution(values, answers, {"weights": weights.arrays(), "xs": xs, "H_0": H_0})


@solves("rnn-parameter-count")
def rnn_parameter_count(params, rng):
    """Trainable numbers of a stacked RNN layer in PyTorch (two biases per layer) and in Keras (a stack of
    SimpleRNN, one bias each): from a real gru_ref layer's state_dict and gru_ref.counts, each checked
    against the sum of quiz.misconceptions' counts by hand per layer."""
    d, n, layers = int(params["input"]), int(params["hidden"]), int(params["layers"])
    layer = registry.cell("rnn").layer(d, n, num_layers=layers)
    torch_total = sum(value.size for value in layer.state_dict().values())
    keras_total = counts.parameter_count("rnn", d, n, num_layers=layers, convention="keras")
    values = {"d": str(d), "n": str(n), "layers": str(layers)}
    by_hand = {"torch": 0, "keras": 0}
    for k in range(1, layers + 1):
        inputs = d if k == 1 else n
        torch_layer = mis.hand_parameter_count("rnn", inputs, n)
        keras_layer = mis.hand_keras_parameter_count("rnn", inputs, n)
        by_hand["torch"] += torch_layer
        by_hand["keras"] += keras_layer
        values.update({f"inputs{k}": str(inputs), f"torch{k}": str(torch_layer), f"keras{k}": str(keras_layer)})
    agree("PyTorch count", torch_total, by_hand["torch"])
    agree("PyTorch count (gru_ref.counts)", counts.parameter_count("rnn", d, n, num_layers=layers), by_hand["torch"])
    agree("Keras count", keras_total, by_hand["keras"])
    values.update(torch_total=str(torch_total), keras_total=str(keras_total),
                  difference=str(torch_total - keras_total))
    return Solution(values, {"torch_total": torch_total, "keras_total": keras_total},
                    {"input": d, "hidden": n, "layers": layers})
