"""The GRU chapter's exercises (quizzes/exercises/gru.yml): every final answer against an oracle that is
not gru_ref: torch.nn.GRUCell with its weights packed from PyTorch's documentation (in exercise_oracles.py),
autograd and finite differences for the Jacobian, Cho et al.'s candidate written out here in numpy, real
PyTorch and Keras layers for the counts, and a GRUCell loaded with the exercise's state_dict for the
unpacking, checked by running the notes' step written here with the answer."""
import dataclasses
import re

import exercise_oracles as shared
import numpy as np
import oracles
import pytest
from exercise_oracles import sigmoid, torch_gru_cell

CHAPTER = "gru"
ORACLES = shared.ChapterOracles(CHAPTER)
test_every_exercise_of_the_chapter_has_an_oracle, test_answers_agree_with_the_oracle = ORACLES.tests()


@ORACLES.expected_answers_of("gru-step")
def step_oracle(given, params):
    torch = oracles.import_torch()
    w, x, H_prev = given["weights"], given["x"], given["H_prev"]
    H = torch_gru_cell(torch, w)(torch.tensor(x)[None, :], torch.tensor(H_prev)[None, :])[0].detach().numpy()
    u = sigmoid(x @ w["U_u"] + H_prev @ w["W_u"] + w["b_u"])
    r = sigmoid(x @ w["U_r"] + H_prev @ w["W_r"] + w["b_r"])
    # PyTorch's H = (1 - z) n + z h, solved for its candidate n: the cell gives H, the gates are by hand
    return {"u": u, "r": r, "H_tilde": (H - u * H_prev) / (1 - u), "H": H}


@ORACLES.expected_answers_of("gru-jacobian")
def jacobian_oracle(given, params):
    torch = oracles.import_torch()
    cell = torch_gru_cell(torch, given["weights"])
    x = torch.tensor(given["x"])[None, :]

    def step(h):
        return cell(x, h[None, :])[0]

    H_prev = torch.tensor(given["H_prev"])
    by_torch = torch.autograd.functional.jacobian(step, H_prev).numpy().T  # torch: [j, i] = dH[j]/dH_prev[i]
    eps = 1e-6
    with torch.no_grad():
        finite = np.stack([((step(H_prev + eps * e) - step(H_prev - eps * e)) / (2 * eps)).numpy()
                           for e in torch.eye(len(H_prev), dtype=torch.float64)])  # row i: a change of unit i
    np.testing.assert_allclose(by_torch, finite, atol=1e-8)
    return {"J": by_torch}


@ORACLES.expected_answers_of("gru-parameter-count")
def count_oracle(given, params):
    torch = oracles.import_torch()
    keras = oracles.import_keras()
    d, n, layers, both = given["input"], given["hidden"], given["layers"], given["bidirectional"]
    counts = {"torch_total": sum(p.numel() for p in torch.nn.GRU(d, n, num_layers=layers, bidirectional=both)
                                 .parameters())}
    for name, reset_after in (("keras_after_total", True), ("keras_before_total", False)):
        stack = [keras.layers.GRU(n, return_sequences=k < layers - 1, reset_after=reset_after)
                 for k in range(layers)]
        stack = [keras.layers.Bidirectional(layer) for layer in stack] if both else stack
        counts[name] = keras.Sequential([keras.Input((None, d)), *stack]).count_params()
    return counts


@ORACLES.expected_answers_of("gru-reset-placement")
def reset_oracle(given, params):
    w, x, H_prev = given["weights"], given["x"], given["H_prev"]
    after = step_oracle(given, params)["H_tilde"]
    r = sigmoid(x @ w["U_r"] + H_prev @ w["W_r"] + w["b_r"])
    before = np.tanh(x @ w["U_h"] + w["b_h"] + (r * H_prev) @ w["W_h"] + w["b_Wh"])  # Cho et al. (2014)
    return {"H_tilde_after": after, "H_tilde_before": before}


@ORACLES.check_by_running("gru-from-state-dict")
def state_dict_check(item, solution):
    """The unpacked weights are right when the notes' equations, written here with them, give what a
    GRUCell loaded with the state_dict gives, on inputs and states in general position."""
    torch = oracles.import_torch()
    cell = shared.torch_cell_from_state_dict(torch, torch.nn.GRUCell, solution.given["state_dict"])
    xs, hs, _ = shared.general_inputs(cell.input_size, cell.hidden_size)
    np.testing.assert_allclose(notes_step(solution.answers, xs, hs),
                               cell(torch.tensor(xs), torch.tensor(hs)).detach().numpy(),
                               rtol=0, atol=1e-12, err_msg=f"{item.exercise.id}: the unpacked weights")


def notes_step(w, x, H_prev):
    u = sigmoid(x @ w["U_u"] + H_prev @ w["W_u"] + w["b_u"])
    r = sigmoid(x @ w["U_r"] + H_prev @ w["W_r"] + w["b_r"])
    H_tilde = np.tanh(x @ w["U_h"] + w["b_h"] + r * (H_prev @ w["W_h"] + w["b_Wh"]))
    return u * H_prev + (1 - u) * H_tilde


@pytest.mark.parametrize("solver, swap", [("gru-step", ("u", "r")), ("gru-reset-placement",
                                                                      ("H_tilde_after", "H_tilde_before"))])
def test_a_solver_that_swaps_two_values_is_caught(solver, swap):
    item, solution = shared.solved(CHAPTER, solver)
    first, second = swap
    wrong = dataclasses.replace(solution, answers={**solution.answers, first: solution.answers[second],
                                                   second: solution.answers[first]})
    with pytest.raises(AssertionError, match=re.escape(f"{item.exercise.id}: {first}\n")):  # the answer itself
        ORACLES.assert_agrees(item, wrong)


def test_a_state_dict_read_in_keras_order_is_caught():
    item, solution = shared.solved(CHAPTER, "gru-from-state-dict")
    w = solution.answers
    swapped = {**w, "U_u": w["U_r"], "U_r": w["U_u"], "W_u": w["W_r"], "W_r": w["W_u"], "b_u": w["b_r"],
               "b_r": w["b_u"]}
    with pytest.raises(AssertionError, match=re.escape(f"{item.exercise.id}: the unpacked weights")):
        ORACLES.assert_agrees(item, dataclasses.replace(solution, answers=swapped))


def test_a_jacobian_without_the_candidate_term_is_caught():
    item, solution = shared.solved(CHAPTER, "gru-jacobian")
    w, step = solution.given["weights"], step_oracle(solution.given, {})
    u, H_prev = step["u"], solution.given["H_prev"]
    partial = np.diag(u) + w["W_u"] @ np.diag(u * (1 - u) * (H_prev - step["H_tilde"]))  # forgot dH̃/dH_{t-1}
    with pytest.raises(AssertionError, match=re.escape(f"{item.exercise.id}: J\n")):
        ORACLES.assert_agrees(item, dataclasses.replace(solution, answers={"J": partial}))
