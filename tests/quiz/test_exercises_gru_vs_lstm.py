"""The GRU vs LSTM chapter's exercises (quizzes/exercises/gru-vs-lstm.yml): every final answer against an
oracle that is not gru_ref: real PyTorch and Keras layers for the counts, PyTorch's FLOP counter and its
dispatcher (which sees every sigmoid and tanh a cell evaluates) for the cost of a step, a search over real
PyTorch models for the budget, and torch.nn.GRUCell and LSTMCell, weights packed from PyTorch's
documentation (the GRUCell's in exercise_oracles.py, the coupled LSTMCell's here), for the coupled cell."""
import dataclasses
import re

import exercise_oracles as shared
import numpy as np
import oracles
import pytest
from exercise_oracles import sigmoid, torch_gru_cell

CHAPTER = "gru-vs-lstm"
OPEN = 40.0  # a bias that holds a sigmoid at 1 to double precision
ORACLES = shared.ChapterOracles(CHAPTER)
test_every_exercise_of_the_chapter_has_an_oracle, test_answers_agree_with_the_oracle = ORACLES.tests()


@ORACLES.expected_answers_of("parameter-ratio")
def count_oracle(given, params):
    torch = oracles.import_torch()
    keras = oracles.import_keras()
    d, n = given["input"], given["hidden"]
    answers = {}
    for cell, torch_layer, keras_layer in (("gru", torch.nn.GRU, keras.layers.GRU),
                                           ("lstm", torch.nn.LSTM, keras.layers.LSTM)):
        answers[f"{cell}_torch"] = sum(p.numel() for p in torch_layer(d, n).parameters())
        answers[f"{cell}_keras"] = keras.Sequential([keras.Input((None, d)), keras_layer(n)]).count_params()
    for library in ("torch", "keras"):
        answers[f"ratio_{library}"] = answers[f"gru_{library}"] / answers[f"lstm_{library}"]
    assert answers["ratio_torch"] == 0.75
    return answers


@ORACLES.expected_answers_of("step-cost")
def step_cost_oracle(given, params):
    """Multiply-adds from PyTorch's FLOP counter (an addmm of m x k by k x n counts 2mkn), and the entries
    that pass through sigmoid and tanh, seen by a dispatch mode, for one step of a real cell."""
    torch = oracles.import_torch()
    from torch.utils._python_dispatch import TorchDispatchMode
    from torch.utils.flop_counter import FlopCounterMode

    class Activations(TorchDispatchMode):
        def __init__(self):
            super().__init__()
            self.seen = {"sigmoids": 0, "tanhs": 0}

        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            out = func(*args, **(kwargs or {}))
            name = func.overloadpacket.__name__.rstrip("_")
            if name in ("sigmoid", "tanh"):
                self.seen[name + "s"] += out.numel()
            return out

    d, n = given["input"], given["hidden"]
    answers = {}
    for cell, module in (("gru", torch.nn.GRUCell), ("lstm", torch.nn.LSTMCell)):
        layer, x = module(d, n), torch.randn(1, d)
        with FlopCounterMode(display=False) as flops:
            layer(x)
        with torch.no_grad(), Activations() as activations:
            layer(x)
        answers[f"{cell}_matmul_macs"] = flops.get_total_flops() // 2
        answers[f"{cell}_sigmoids"] = activations.seen["sigmoids"]
        answers[f"{cell}_tanhs"] = activations.seen["tanhs"]
        answers[f"{cell}_sequence_macs"] = given["batch"] * given["steps"] * answers[f"{cell}_matmul_macs"]
    return answers


@ORACLES.expected_answers_of("budget-sizes")
def budget_oracle(given, params):
    """The largest n whose real PyTorch model (layer and linear readout) fits the budget, by search."""
    torch = oracles.import_torch()
    d, budget, o = given["input"], given["budget"], given["outputs"]

    def size(module, n):
        return sum(p.numel() for p in module(d, n).parameters()) + sum(p.numel() for p in torch.nn.Linear(n, o)
                                                                       .parameters())

    answers = {}
    for cell, module in (("rnn", torch.nn.RNN), ("gru", torch.nn.GRU), ("lstm", torch.nn.LSTM)):
        n = 1
        while size(module, n + 1) <= budget:
            n += 1
        answers[f"n_{cell}"], answers[f"used_{cell}"] = n, size(module, n)
    return answers


@ORACLES.expected_answers_of("coupled-gates")
def coupled_oracle(given, params):
    """The GRU through nn.GRUCell with the notes' weights; the coupled LSTM through nn.LSTMCell, its rows
    (i, f, g, o) packed here from the exercise's description: i = 1 - f by negated weights, o = 1 by a large
    bias."""
    torch = oracles.import_torch()
    w, x, H_prev = given["weights"], torch.tensor(given["x"])[None, :], torch.tensor(given["H_prev"])[None, :]
    d, n = w["U_u"].shape
    zeros_b, zeros_U, zeros_W = np.zeros(n), np.zeros((n, d)), np.zeros((n, n))
    gru = torch_gru_cell(torch, w)
    lstm = torch.nn.LSTMCell(d, n, dtype=torch.float64)
    with torch.no_grad():
        for parameter, value in (
                (lstm.weight_ih, [-w["U_u"].T, w["U_u"].T, w["U_h"].T, zeros_U]),
                (lstm.weight_hh, [-w["W_u"].T, w["W_u"].T, w["W_h"].T, zeros_W]),
                (lstm.bias_ih, [-w["b_u"], w["b_u"], w["b_h"] + w["b_Wh"], np.full(n, OPEN)]),
                (lstm.bias_hh, [zeros_b] * 4)):
            parameter.copy_(torch.tensor(np.concatenate(value)))
    H_gru = gru(x, H_prev)[0].detach().numpy()
    H_lstm, C = (v[0].detach().numpy() for v in lstm(x, (H_prev, H_prev)))
    u = sigmoid(given["x"] @ w["U_u"] + given["H_prev"] @ w["W_u"] + w["b_u"])
    # each cell's last line solved for its candidate: the cells give H and C, the gates are by hand
    return {"H_gru": H_gru, "H_tilde": (H_gru - u * given["H_prev"]) / (1 - u), "C": C, "H_lstm": H_lstm,
            "C_tilde": (C - u * given["H_prev"]) / (1 - u)}


def test_sizes_scaled_by_the_ratio_of_blocks_are_caught():
    """The misconception the budget exercise is about: the GRU's n taken as 4/3 of the LSTM's."""
    item, solution = shared.solved(CHAPTER, "budget-sizes")
    wrong = {**solution.answers, "n_gru": int(4 * solution.answers["n_lstm"] / 3)}
    with pytest.raises(AssertionError, match=re.escape(f"{item.exercise.id}: n_gru\n")):
        ORACLES.assert_agrees(item, dataclasses.replace(solution, answers=wrong))


def test_a_coupled_lstm_that_keeps_the_reset_is_caught():
    """Giving the LSTM's candidate the GRU's reset makes C equal the GRU's H: the oracle tells them apart."""
    item, solution = shared.solved(CHAPTER, "coupled-gates")
    wrong = {**solution.answers, "C": solution.answers["H_gru"], "C_tilde": solution.answers["H_tilde"]}
    with pytest.raises(AssertionError, match=re.escape(f"{item.exercise.id}: C\n")):
        ORACLES.assert_agrees(item, dataclasses.replace(solution, answers=wrong))


def test_macs_that_count_the_biases_are_caught():
    item, solution = shared.solved(CHAPTER, "step-cost")
    n = solution.given["hidden"]
    wrong = {**solution.answers, "gru_matmul_macs": solution.answers["gru_matmul_macs"] + 3 * n}
    with pytest.raises(AssertionError, match=re.escape(f"{item.exercise.id}: gru_matmul_macs\n")):
        ORACLES.assert_agrees(item, dataclasses.replace(solution, answers=wrong))
