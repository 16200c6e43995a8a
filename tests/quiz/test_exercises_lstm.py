"""The LSTM chapter's exercises (quizzes/exercises/lstm.yml): every final answer against an oracle that is
not gru_ref: torch.nn.LSTMCell with its weights packed here from PyTorch's documentation (autograd and
finite differences for the cell-state Jacobian), real PyTorch and Keras layers for the counts, and the
gates written out here in numpy."""
import dataclasses
import re

import exercise_oracles as shared
import numpy as np
import oracles
import pytest
from exercise_oracles import sigmoid

CHAPTER = "lstm"
ORACLES = shared.ChapterOracles(CHAPTER)
test_every_exercise_of_the_chapter_has_an_oracle, test_answers_agree_with_the_oracle = ORACLES.tests()


def torch_cell(torch, w, forget_shift=0.0):
    """nn.LSTMCell in float64 holding the notes' weights. PyTorch's documentation: rows (i, f, g, o),
    matrices that multiply column vectors (the notes' transposes), g is the notes' candidate c; the
    second bias is zero, and `forget_shift` is added to the forget rows of the first."""
    d, n = w["U_f"].shape
    cell = torch.nn.LSTMCell(d, n, dtype=torch.float64)
    blocks = ("i", "f", "c", "o")
    with torch.no_grad():
        cell.weight_ih.copy_(torch.tensor(np.concatenate([w[f"U_{k}"].T for k in blocks])))
        cell.weight_hh.copy_(torch.tensor(np.concatenate([w[f"W_{k}"].T for k in blocks])))
        cell.bias_ih.copy_(torch.tensor(np.concatenate([w[f"b_{k}"] + (forget_shift if k == "f" else 0)
                                                        for k in blocks])))
        cell.bias_hh.zero_()
    return cell


def gate(w, key, x, H_prev):
    return sigmoid(x @ w[f"U_{key}"] + H_prev @ w[f"W_{key}"] + w[f"b_{key}"])


@ORACLES.expected_answers_of("lstm-step")
def step_oracle(given, params):
    torch = oracles.import_torch()
    w, x, H_prev, C_prev = given["weights"], given["x"], given["H_prev"], given["C_prev"]
    H, C = (v[0].detach().numpy() for v in torch_cell(torch, w)(
        torch.tensor(x)[None, :], (torch.tensor(H_prev)[None, :], torch.tensor(C_prev)[None, :])))
    f, i, o = (gate(w, key, x, H_prev) for key in "fio")
    # PyTorch's c = f c_prev + i g, solved for its candidate g: the cell gives C, the gates are by hand
    return {"f": f, "i": i, "o": o, "C_tilde": (C - f * C_prev) / i, "C": C, "H": H}


@ORACLES.expected_answers_of("lstm-cell-path")
def cell_path_oracle(given, params):
    torch = oracles.import_torch()
    x, H_prev, C_prev = (torch.tensor(given[k])[None, :] for k in ("x", "H_prev", "C_prev"))
    answers = {}
    for name, shift in (("J", 0.0), ("J_biased", given["shift"])):
        cell = torch_cell(torch, given["weights"], shift)

        def new_cell(c, cell=cell):
            return cell(x, (H_prev, c[None, :]))[1][0]

        by_torch = torch.autograd.functional.jacobian(new_cell, C_prev[0]).numpy().T  # row i: a change of unit i
        eps = 1e-6
        with torch.no_grad():
            finite = np.stack([((new_cell(C_prev[0] + eps * e) - new_cell(C_prev[0] - eps * e)) / (2 * eps)).numpy()
                               for e in torch.eye(C_prev.shape[1], dtype=torch.float64)])
        np.testing.assert_allclose(by_torch, finite, atol=1e-8)
        answers[name] = by_torch
    answers["kept"] = np.diag(answers["J"]) ** given["steps"]
    answers["kept_biased"] = np.diag(answers["J_biased"]) ** given["steps"]
    return answers


@ORACLES.expected_answers_of("lstm-parameter-count")
def count_oracle(given, params):
    torch = oracles.import_torch()
    keras = oracles.import_keras()
    d, n, layers = given["input"], given["hidden"], given["layers"]
    stack = [keras.layers.LSTM(n, return_sequences=k < layers - 1) for k in range(layers)]
    return {"torch_total": sum(p.numel() for p in torch.nn.LSTM(d, n, num_layers=layers).parameters()),
            "keras_total": keras.Sequential([keras.Input((None, d)), *stack]).count_params()}


@ORACLES.expected_answers_of("lstm-memory-unit")
def memory_oracle(given, params):
    torch = oracles.import_torch()
    w = given["weights"]
    cell = torch_cell(torch, w)
    h, c = torch.tensor(given["H_0"])[None, :], torch.tensor(given["C_0"])[None, :]
    Cs, Hs, forget = [], [], []
    for x in given["xs"]:
        forget.append(float(gate(w, "f", x, h[0].detach().numpy())[0]))
        h, c = cell(torch.tensor(x)[None, :], (h, c))
        Cs.append(float(c.detach()[0, 0]))
        Hs.append(float(h.detach()[0, 0]))
    last_write = max(t for t, flag in enumerate(params["write"]) if flag)
    return {"C": np.array(Cs), "H": np.array(Hs), "kept": float(np.prod(forget[last_write + 1:]))}


def test_a_solver_that_swaps_forget_and_input_is_caught():
    item, solution = shared.solved(CHAPTER, "lstm-step")
    a = solution.answers
    with pytest.raises(AssertionError, match=re.escape(f"{item.exercise.id}: f\n")):
        ORACLES.assert_agrees(item, dataclasses.replace(solution, answers={**a, "f": a["i"], "i": a["f"]}))


def test_a_cell_path_with_the_bias_shifted_twice_is_caught():
    item, solution = shared.solved(CHAPTER, "lstm-cell-path")
    w, given = solution.given["weights"], solution.given
    twice = np.diag(sigmoid(given["x"] @ w["U_f"] + given["H_prev"] @ w["W_f"] + w["b_f"] + 2 * given["shift"]))
    with pytest.raises(AssertionError, match=re.escape(f"{item.exercise.id}: J_biased\n")):
        ORACLES.assert_agrees(item, dataclasses.replace(solution, answers={**solution.answers, "J_biased": twice}))


def test_keras_starts_the_forget_bias_at_the_shift_the_task_names():
    """The cell-path task says Keras's unit_forget_bias=True starts the forget bias at the shift it adds: a
    real Keras LSTM's bias, blocks (i, f, c, o) as its documentation orders them, is that shift on f and 0
    elsewhere."""
    keras = oracles.import_keras()
    _, solution = shared.solved(CHAPTER, "lstm-cell-path")
    n = 3
    layer = keras.layers.LSTM(n, unit_forget_bias=True)
    layer.build((None, None, 2))
    bias = keras.ops.convert_to_numpy(layer.get_weights()[2]).reshape(4, n)
    np.testing.assert_array_equal(bias, [np.zeros(n), np.full(n, solution.given["shift"]), np.zeros(n), np.zeros(n)])


def test_the_memory_unit_keeps_its_value():
    """What the exercise is for: after the write, C stays within 5% of the stored value while the values
    read change by more than that."""
    _, solution = shared.solved(CHAPTER, "lstm-memory-unit")
    C, xs, w = solution.answers["C"], solution.given["xs"], solution.given["weights"]
    offered = np.tanh(xs @ w["U_c"] + w["b_c"])[:, 0]  # the candidate of each step (W = 0)
    assert np.all(np.abs(C[1:] - C[0]) < 0.05 * abs(C[0])), C
    assert np.all(np.abs(offered[1:] - C[0]) > 0.05 * abs(C[0])), (offered, C)


# torch-lstm-order-wrong is the Conventions chapter's: reading a state_dict by hand is an exercise there.
LSTM_BUGS = ("lstm-sigmoid-candidate", "lstm-output-without-tanh", "lstm-forget-input-swapped", "sigmoid-without-half",
             "counts-one-bias-per-gate")


@pytest.mark.parametrize("name", LSTM_BUGS)
def test_a_bug_planted_in_gru_ref_stops_an_lstm_exercise(name):
    bug, stopped = shared.exercises_stopped_by(name, shared.solutions(CHAPTER))
    assert stopped, f"no LSTM exercise notices {name}: {bug.description}"
