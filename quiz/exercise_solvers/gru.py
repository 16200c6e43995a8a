"""Solvers of the GRU chapter's exercises (quizzes/exercises/gru.yml)."""
import numpy as np

from gru_ref import cells, counts, registry

from .. import misconceptions as mis
from ..checks import board_numbers, hand_agrees, state_jacobian, tex_values
from . import Solution, agree, conventions, sizes, solves, tex

CHECKED = ("u", "r", "H_tilde", "H")  # the step's values the notes' equations give by hand


def _draw(params, rng):
    """Board numbers of a GRU (params.input inputs, params.hidden units) and its reset-after step,
    checked against the notes' equations by hand."""
    weights, x, (H_prev,) = board_numbers("gru", rng, int(params.get("input", 2)), int(params.get("hidden", 2)))
    step = cells.gru_step(x, H_prev, weights, reset="after")
    for field in CHECKED:
        hand_agrees("gru", field, x, (H_prev,), weights, {"reset": "after"}, getattr(step, field))
    return weights, x, H_prev, step


def _given(weights, x, H_prev):
    return {"weights": weights.arrays(), "x": x, "H_prev": H_prev}


def _shown(weights, x, H_prev):
    """The task's numbers as placeholders: every weight, x, H_{t-1}, and the sizes d and n they have."""
    return tex_values("gru", weights, x, (H_prev,)) | sizes(weights)


def _projected(weights, H_prev, step):
    """H_{t-1} W_h + b_Wh, which a reset-after step's reset gate scales: the solutions show it, gru_ref's trace
    keeps only its product with r_t, so that product is checked."""
    projected = H_prev @ weights.W_h + weights.b_Wh
    agree("r_t ⊙ (H_{t-1} W_h + b_Wh)", step.reset_H, step.r * projected)
    return projected


EXACT = 2  # decimals of a sum of products of one-decimal numbers: such a value is shown exactly


@solves("gru-step")
def gru_step(params, rng):
    """One reset-after GRU step from board numbers: both gates, the candidate and the new state."""
    weights, x, H_prev, step = _draw(params, rng)
    values = _shown(weights, x, H_prev)
    values.update({name: tex(getattr(step, name)) for name in ("a_u", "u", "a_r", "r", "reset_H", "a_h", "H_tilde",
                                                               "keep", "write", "H")})
    values["projected_H"] = tex(_projected(weights, H_prev, step), EXACT)
    answers = {name: getattr(step, name) for name in CHECKED}
    return Solution(values, answers, _given(weights, x, H_prev))


def jacobian_by_formula(weights, H_prev, step):
    """dH_t/dH_{t-1} (row layout) from the derivation the exercise asks for, and its pieces by name: the
    projection the reset gate scales, the two diagonals' factors, the three terms and dH~_t/dH_{t-1}."""
    w = weights
    u, r, H_tilde = step.u, step.r, step.H_tilde
    parts = {"projected_H": _projected(w, H_prev, step), "gate_factor": u * (1 - u) * (H_prev - H_tilde)}
    parts["reset_factor"] = r * (1 - r) * parts["projected_H"]
    parts["dH_tilde"] = (w.W_h @ np.diag(r) + w.W_r @ np.diag(parts["reset_factor"])) @ np.diag(1 - H_tilde ** 2)
    parts.update(keep_term=np.diag(u), gate_term=w.W_u @ np.diag(parts["gate_factor"]),
                 candidate_term=parts["dH_tilde"] @ np.diag(1 - u))
    return parts["keep_term"] + parts["gate_term"] + parts["candidate_term"], parts


@solves("gru-jacobian")
def gru_jacobian(params, rng):
    """The Jacobian dH_t/dH_{t-1} of a reset-after GRU step: by the derived formula, checked against
    back-propagation through a real gru_ref layer."""
    weights, x, H_prev, step = _draw(params, rng)
    J, parts = jacobian_by_formula(weights, H_prev, step)
    agree("dH_t/dH_{t-1}", J, state_jacobian(weights, x[None, :], (H_prev,)))
    values = _shown(weights, x, H_prev)
    values.update({name: tex(getattr(step, name)) for name in ("u", "r", "H_tilde")})
    values.update({name: tex(value) for name, value in parts.items()})
    values.update(projected_H=tex(parts["projected_H"], EXACT), J=tex(J))
    return Solution(values, {"J": J}, _given(weights, x, H_prev))


@solves("gru-parameter-count")
def gru_parameter_count(params, rng):
    """Trainable numbers of a stacked bidirectional GRU in PyTorch's layout and in Keras's (a stack of
    Bidirectional(GRU) layers, reset_after=True and False): from a real gru_ref layer's state_dict and
    gru_ref.counts, each checked against the count by hand per layer and direction."""
    d, n, layers = int(params["input"]), int(params["hidden"]), int(params["layers"])
    bidirectional = bool(params.get("bidirectional", True))
    directions = 2 if bidirectional else 1
    layer = registry.cell("gru").layer(d, n, num_layers=layers, bidirectional=bidirectional)
    totals = {"torch_total": sum(value.size for value in layer.state_dict().values()),
              "keras_after_total": counts.parameter_count("gru", d, n, layers, bidirectional, convention="keras"),
              "keras_before_total": counts.parameter_count("gru", d, n, layers, bidirectional, convention="keras",
                                                           reset_after=False)}
    agree("PyTorch count", totals["torch_total"], mis.hand_parameter_count("gru", d, n, layers, bidirectional))
    values = {"d": str(d), "n": str(n), "layers": str(layers), "directions": str(directions)}
    by_hand = dict.fromkeys(totals, 0)
    for k in range(1, layers + 1):
        inputs = d if k == 1 else directions * n
        per_direction = {"torch_total": mis.hand_parameter_count("gru", inputs, n),
                         "keras_after_total": mis.hand_keras_parameter_count("gru", inputs, n, reset_after=True),
                         "keras_before_total": mis.hand_keras_parameter_count("gru", inputs, n, reset_after=False)}
        agree(f"Keras GRU({n}) on {inputs} inputs", per_direction["keras_after_total"], per_direction["torch_total"])
        for name, count in per_direction.items():
            by_hand[name] += directions * count
            values[f"{name.removesuffix('_total')}{k}"] = str(count)
        values[f"inputs{k}"] = str(inputs)
    for name in totals:
        agree(name, totals[name], by_hand[name])
    values.update({name: str(total) for name, total in totals.items()})
    values["saved"] = str(totals["keras_after_total"] - totals["keras_before_total"])
    return Solution(values, totals, {"input": d, "hidden": n, "layers": layers, "bidirectional": bidirectional})


@solves("gru-reset-placement")
def gru_reset_placement(params, rng):
    """The candidate for the same numbers with the reset after the product (PyTorch, Keras's default) and
    before it (Cho et al. 2014, Keras's reset_after=False)."""
    weights, x, H_prev, after = _draw(params, rng)
    before = cells.gru_step(x, H_prev, weights, reset="before")
    hand_agrees("gru", "H_tilde", x, (H_prev,), weights, {"reset": "before"}, before.H_tilde)
    w = weights
    input_part = x @ w.U_h + w.b_h
    agree("a_h (reset after)", after.a_h, input_part + after.reset_H)
    projected_reset = before.reset_H @ w.W_h + w.b_Wh
    agree("a_h (reset before)", before.a_h, input_part + projected_reset)
    shown = {k: v for k, v in _shown(weights, x, H_prev).items()
             if k in ("U_r", "W_r", "b_r", "U_h", "W_h", "b_h", "b_Wh", "x", "H_prev", "d", "n")}
    values = shown | {"r": tex(after.r), "input_part": tex(input_part, EXACT),
                      "projected_H": tex(_projected(w, H_prev, after), EXACT), "reset_after": tex(after.reset_H),
                      "a_h_after": tex(after.a_h), "H_tilde_after": tex(after.H_tilde),
                      "reset_before": tex(before.reset_H), "reset_before_W": tex(projected_reset),
                      "a_h_before": tex(before.a_h), "H_tilde_before": tex(before.H_tilde)}
    return Solution(values, {"H_tilde_after": after.H_tilde, "H_tilde_before": before.H_tilde},
                    _given(weights, x, H_prev))


@solves("gru-from-state-dict")
def gru_from_state_dict(params, rng):
    return conventions.read_state_dict("gru", params, rng)
