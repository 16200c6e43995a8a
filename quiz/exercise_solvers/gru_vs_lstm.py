"""Solvers of the GRU vs LSTM chapter's exercises (quizzes/exercises/gru-vs-lstm.yml)."""
import math
from fractions import Fraction

import numpy as np

from gru_ref import counts, registry, train

from .. import misconceptions as mis
from ..checks import board_numbers, tex_number, tex_values
from ..checks.comparison import GATED, PINNED, quantity, run_step
from . import Solution, agree, sizes, solves, tex


def tex_fraction(value):
    """An exact ratio as TeX: \\frac{3}{4}, or a whole number."""
    value = Fraction(value)
    return str(value.numerator) if value.denominator == 1 else rf"\frac{{{value.numerator}}}{{{value.denominator}}}"


def tex_count(value):
    r"""A whole number as TeX with thin spaces between groups of three digits: 20\,000."""
    return f"{value:,}".replace(",", r"\,")


def block_counts(cells):
    """The number of blocks (gates and candidate) of each cell, from the registry."""
    return {cell: len(registry.cell(cell).blocks) for cell in cells}


@solves("parameter-ratio")
def parameter_ratio(params, rng):
    """Parameters of one GRU and one LSTM layer of the same sizes, in PyTorch's layout (real gru_ref
    layers) and Keras's (gru_ref.counts, the GRU with reset_after=True), each checked against the count
    by hand; and the two ratios GRU / LSTM, exact fractions."""
    d, n = int(params["input"]), int(params["hidden"])
    totals = {}
    for cell in GATED:
        totals[f"{cell}_torch"] = quantity(cell, "parameters", d, n)
        totals[f"{cell}_keras"] = counts.parameter_count(cell, d, n, convention="keras")
        agree(f"{cell} PyTorch count", totals[f"{cell}_torch"], mis.hand_parameter_count(cell, d, n))
        agree(f"{cell} Keras count", totals[f"{cell}_keras"], mis.hand_keras_parameter_count(cell, d, n))
    ratios = {library: Fraction(totals[f"gru_{library}"], totals[f"lstm_{library}"]) for library in ("torch", "keras")}
    blocks = block_counts(GATED)
    agree("PyTorch's ratio", float(ratios["torch"]), blocks["gru"] / blocks["lstm"])
    values = {name: str(total) for name, total in totals.items()}
    values.update({f"G_{cell}": str(G) for cell, G in blocks.items()},
                  block_ratio=tex_fraction(Fraction(blocks["gru"], blocks["lstm"])))
    values.update(d=str(d), n=str(n), block=str(d * n + n * n), ratio_torch=tex_fraction(ratios["torch"]),
                  ratio_keras=tex_fraction(ratios["keras"]), ratio_keras_decimal=tex_number(float(ratios["keras"]), 4))
    answers = totals | {"ratio_torch": float(ratios["torch"]), "ratio_keras": float(ratios["keras"])}
    return Solution(values, answers, {"input": d, "hidden": n})


@solves("step-cost")
def step_cost(params, rng):
    """Work of one step of a GRU and an LSTM layer of the same sizes (gru_ref.counts.step_cost): the
    multiply-adds, checked against the entries of a real layer's matrices and the count by hand, and
    the sigmoids and tanhs, checked against a running step; and the multiply-adds of a batch of
    sequences."""
    d, n, batch, steps = (int(params[k]) for k in ("input", "hidden", "batch", "steps"))
    answers, values = {}, {"d": str(d), "n": str(n), "B": str(batch), "T": str(steps)}
    for cell in GATED:
        for name in ("matmul_macs", "sigmoids", "tanhs"):
            answers[f"{cell}_{name}"] = quantity(cell, name, d, n)
        answers[f"{cell}_sequence_macs"] = batch * steps * answers[f"{cell}_matmul_macs"]
    values.update({f"{cell}_blocks": str(G) for cell, G in block_counts(GATED).items()})
    values.update({name: tex_count(value) for name, value in answers.items()}, block=str(d * n + n * n),
                  macs_ratio=tex_fraction(Fraction(answers["gru_matmul_macs"], answers["lstm_matmul_macs"])))
    return Solution(values, answers, {"input": d, "hidden": n, "batch": batch, "steps": steps})


def largest_root(a, b, c):
    """The larger root of a n^2 + b n + c = 0."""
    return (-b + math.sqrt(b * b - 4 * a * c)) / (2 * a)


@solves("budget-sizes")
def budget_sizes(params, rng):
    """The largest hidden size of an RNN, a GRU and an LSTM model (a PyTorch-layout layer and a linear
    readout) within a parameter budget (gru_ref.train.matched_hidden_sizes), checked against the
    quadratic P(n) = G n^2 + (G d + 2G + o) n + o solved by hand."""
    d, budget, outputs = int(params["input"]), int(params["budget"]), int(params.get("outputs", 1))
    hidden = train.matched_hidden_sizes(d, budget, outputs)
    values = {"d": str(d), "budget": tex_count(budget), "o": str(outputs)}
    answers = {}
    blocks = block_counts(hidden)
    for cell, n in hidden.items():
        G = blocks[cell]
        a, b, c = G, G * d + 2 * G + outputs, outputs - budget
        root = largest_root(a, b, c)
        agree(f"{cell}: the floor of the root", n, math.floor(root))
        used = train.parameter_count(cell, d, n, outputs)
        agree(f"{cell}: parameters by hand", used, a * n * n + b * n + outputs)
        answers[f"n_{cell}"], answers[f"used_{cell}"] = n, used
        # c is negative: braced, its minus is a sign and not an operator spaced apart from the number
        values.update({f"{name}_{cell}": str(v) for name, v in (("G", G), ("b", b), ("n", n), ("used", used))},
                      **{f"root_{cell}": tex_number(root, 2), f"c_{cell}": "{" + tex_number(c, 0) + "}"})
    # the n^2 term dominates P(n): the sizes scale with the square root of the LSTM's blocks per GRU block
    block_ratio = Fraction(blocks["lstm"], blocks["gru"])
    values.update(ratio=tex_number(hidden["gru"] / hidden["lstm"], 3), block_ratio=tex_fraction(block_ratio),
                  sqrt_block_ratio=tex_number(math.sqrt(block_ratio), 3))
    return Solution(values, answers, {"input": d, "budget": budget, "outputs": outputs})


def coupled_lstm(gru):
    """The LSTM that does with its gates what the GRU does with u: the forget gate is the update gate's
    block, the input gate its negation (sigma(-a) = 1 - sigma(a), so i = 1 - f), the output gate pinned
    open, and the candidate the GRU's with the reset left out (its two biases add up)."""
    return {"U_f": gru["U_u"], "W_f": gru["W_u"], "b_f": gru["b_u"],
            "U_i": -gru["U_u"], "W_i": -gru["W_u"], "b_i": -gru["b_u"],
            "U_c": gru["U_h"], "W_c": gru["W_h"], "b_c": gru["b_h"] + gru["b_Wh"],
            "U_o": np.zeros_like(gru["U_u"]), "W_o": np.zeros_like(gru["W_u"]), "b_o": np.full_like(gru["b_u"], PINNED)}


@solves("coupled-gates")
def coupled_gates(params, rng):
    """A GRU step and the step of the LSTM coupled to it (coupled_lstm), both by gru_ref and checked
    against the notes' equations by hand (run_step); and the GRU with its reset pinned open, whose new
    state is the coupled LSTM's cell exactly."""
    weights, x, (H_prev,) = board_numbers("gru", rng, int(params.get("input", 2)), int(params.get("hidden", 2)))
    gru = weights.arrays()
    step = run_step("gru", gru, x, (H_prev,))
    lstm = run_step("lstm", coupled_lstm(gru), x, (H_prev, H_prev))
    open_reset = run_step("gru", gru | {"b_r": np.full_like(gru["b_r"], PINNED)}, x, (H_prev,))
    agree("f = u", lstm["f"], step["u"])
    agree("i = 1 - f", lstm["i"], 1 - lstm["f"])
    agree("o = 1", lstm["o"], np.ones_like(lstm["o"]))
    agree("C_t = the GRU's H_t with r = 1", lstm["C"], open_reset["H"])
    agree("H_t = tanh(C_t)", lstm["H"], np.tanh(lstm["C"]))
    values = tex_values("gru", weights, x, (H_prev,)) | sizes(weights)
    values.update({name: tex(step[name]) for name in ("u", "r", "H_tilde", "H")})
    values.update({f"lstm_{name}": tex(lstm[name]) for name in ("f", "i", "C_tilde", "C", "H")})
    answers = {"H_gru": step["H"], "H_tilde": step["H_tilde"], "C_tilde": lstm["C_tilde"], "C": lstm["C"],
               "H_lstm": lstm["H"]}
    return Solution(values, answers, {"weights": gru, "x": x, "H_prev": H_prev})
