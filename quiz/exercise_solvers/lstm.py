"""Solvers of the LSTM chapter's exercises (quizzes/exercises/lstm.yml)."""
import dataclasses

import numpy as np

from gru_ref import cells, convert, counts, registry

from .. import misconceptions as mis
from ..checks import board_numbers, hand_agrees, state_jacobian, tex_number, tex_values
from . import Solution, agree, sizes, solves, tex

CHECKED = ("f", "i", "C_tilde", "o", "C", "H")  # the step's values the notes' equations give by hand
SHOWN = ("a_f", "f", "a_i", "i", "a_c", "C_tilde", "a_o", "o", "keep", "write", "C", "tanh_C", "H")


def _draw(params, rng):
    """Board numbers of an LSTM (params.input inputs, params.hidden units) and its step, checked against
    the notes' equations by hand."""
    sizes = int(params.get("input", 2)), int(params.get("hidden", 2))
    weights, x, states = board_numbers("lstm", rng, *sizes)
    while np.array_equal(*states):  # equal states would hide which one enters where
        weights, x, states = board_numbers("lstm", rng, *sizes)
    step = cells.lstm_step(x, *states, weights)
    for field in CHECKED:
        hand_agrees("lstm", field, x, states, weights, {}, getattr(step, field))
    return weights, x, states, step


def _given(weights, x, states):
    H_prev, C_prev = states
    return {"weights": weights.arrays(), "x": x, "H_prev": H_prev, "C_prev": C_prev}


@solves("lstm-step")
def lstm_step(params, rng):
    """One LSTM step from board numbers: the three gates, the candidate, the new cell and hidden state."""
    weights, x, states, step = _draw(params, rng)
    values = tex_values("lstm", weights, x, states) | sizes(weights)
    values |= {name: tex(getattr(step, name)) for name in SHOWN}
    return Solution(values, {name: getattr(step, name) for name in CHECKED}, _given(weights, x, states))


@solves("lstm-cell-path")
def lstm_cell_path(params, rng):
    """dC_t/dC_{t-1} of one LSTM step, from back-propagation, checked against diag(f_t); then the same
    with the forget bias raised by params.shift (gru_ref.convert.with_keep_bias), and what is left of a
    gradient after params.steps steps at these forget gates, f^T."""
    shift, steps = float(params.get("shift", 1)), int(params.get("steps", 10))
    weights, x, states, step = _draw(params, rng)
    biased = convert.from_torch("lstm", convert.with_keep_bias("lstm", convert.to_torch(weights), shift))
    shifted = cells.lstm_step(x, *states, biased)
    agree("the shifted forget gate", shifted.f, 1 / (1 + np.exp(-(step.a_f + shift))))
    J, J_biased = (state_jacobian(w, x[None, :], states, of=1) for w in (weights, biased))  # dC_t/dC_{t-1}
    agree("dC_t/dC_{t-1}", J, np.diag(step.f))
    agree("dC_t/dC_{t-1} with the shifted bias", J_biased, np.diag(shifted.f))
    kept, kept_biased = step.f ** steps, shifted.f ** steps
    values = tex_values("lstm", weights, x, states)
    values = {k: v for k, v in values.items() if k in ("U_f", "W_f", "b_f", "x", "H_prev", "C_prev")} | sizes(weights)
    values.update(a_f=tex(step.a_f), f=tex(step.f), a_f_biased=tex(shifted.a_f), f_biased=tex(shifted.f),
                  J=tex(J), J_biased=tex(J_biased), kept=tex(kept), kept_biased=tex(kept_biased),
                  shift=tex_number(shift, 0), T=str(steps))
    answers = {"J": J, "J_biased": J_biased, "kept": kept, "kept_biased": kept_biased}
    return Solution(values, answers, _given(weights, x, states) | {"shift": shift, "steps": steps})


@solves("lstm-parameter-count")
def lstm_parameter_count(params, rng):
    """Trainable numbers of a stacked LSTM in PyTorch's layout (two biases per block) and as a Keras stack
    (one): from a real gru_ref layer's state_dict and gru_ref.counts, each checked against the count by
    hand per layer."""
    d, n, layers = int(params["input"]), int(params["hidden"]), int(params["layers"])
    totals = {"torch_total": sum(v.size for v in registry.cell("lstm").layer(d, n, num_layers=layers)
                                 .state_dict().values()),
              "keras_total": counts.parameter_count("lstm", d, n, layers, convention="keras")}
    agree("PyTorch count", totals["torch_total"], mis.hand_parameter_count("lstm", d, n, layers))
    agree("PyTorch count (gru_ref.counts)", counts.parameter_count("lstm", d, n, layers), totals["torch_total"])
    blocks = len(registry.cell("lstm").blocks)
    values = {"d": str(d), "n": str(n), "layers": str(layers), "G": str(blocks)}
    by_hand = dict.fromkeys(totals, 0)
    for k in range(1, layers + 1):
        inputs = d if k == 1 else n
        layer = {"torch_total": mis.hand_parameter_count("lstm", inputs, n),
                 "keras_total": mis.hand_keras_parameter_count("lstm", inputs, n)}
        for name, count in layer.items():
            by_hand[name] += count
            values[f"{name.removesuffix('_total')}{k}"] = str(count)
        values.update({f"inputs{k}": str(inputs), f"weights{k}": str(blocks * n * (inputs + n))})
    for name in totals:
        agree(name, totals[name], by_hand[name])
    values.update({name: str(total) for name, total in totals.items()},
                  blocks=str(blocks * n), difference=str(totals["torch_total"] - totals["keras_total"]))
    return Solution(values, totals, {"input": d, "hidden": n, "layers": layers})


@solves("lstm-memory-unit")
def lstm_memory_unit(params, rng):
    """A one-unit LSTM whose gates read only a write flag (params.weights; every weight not given is 0,
    so W = 0 and H_{t-1} plays no part): it stores the candidate of the step that writes and keeps it
    while the flag is off. The values it reads are drawn; every step is checked by hand."""
    flags = np.array(params["write"], dtype=float)
    # values of at least 0.5 in size, so the stored one stands out from what the shut input gate lets in
    values_read = rng.choice([-1, 1], size=len(flags)) * rng.integers(5, 10, size=len(flags)) / 10.0
    xs = np.stack([values_read, flags], axis=1)  # (T, 2): the value offered, the write flag
    entry = registry.cell("lstm")
    shapes = {"U": (2, 1), "W": (1, 1), "b": (1,)}  # two inputs, one unit
    given = {field.name: np.array(params["weights"].get(field.name, np.zeros(shapes[field.name[0]])), dtype=float)
             for field in dataclasses.fields(entry.weights)}
    weights = entry.weights(**given).checked()
    states = (np.zeros(1), np.zeros(1))
    traces = cells.run_sequence(entry.step, xs, states, weights)
    for x, trace in zip(xs, traces):
        for field in CHECKED:
            hand_agrees("lstm", field, x, states, weights, {}, getattr(trace, field))
        states = (trace.H, trace.C)
    # one unit: a bias is a number, shown without brackets
    values = {name: tex(value if value.size > 1 else value.item(), 0) for name, value in given.items() if np.any(value)}
    for t, (x, trace) in enumerate(zip(xs, traces), start=1):
        values[f"x{t}"] = tex(x, 1)
        values.update({f"{name}{t}": tex(getattr(trace, name)[0]) for name in ("f", "i", "C_tilde", "C", "o", "H")})
    C, H = np.array([t.C[0] for t in traces]), np.array([t.H[0] for t in traces])
    stored = np.flatnonzero(flags)[-1]  # the last step that writes
    kept = float(np.prod([t.f[0] for t in traces[stored + 1:]]))
    values.update(kept=tex(kept), T=str(len(flags)), written=str(stored + 1))
    return Solution(values, {"C": C, "H": H, "kept": kept},
                    {"weights": weights.arrays(), "xs": xs, "H_0": np.zeros(1), "C_0": np.zeros(1)})
