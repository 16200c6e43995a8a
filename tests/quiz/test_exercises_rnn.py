"""The RNN chapter's exercises (quizzes/exercises/rnn.yml): every final answer against an oracle that is
not gru_ref: PyTorch's RNN cell and layer (autograd for the gradient, and finite differences), real
PyTorch and Keras layers for the counts, and a loop written here for the steps below 1%."""
import dataclasses
import re

import exercise_oracles as shared
import oracles
import pytest

from quiz import misconceptions as mis

CHAPTER = "rnn"
ORACLES = shared.ChapterOracles(CHAPTER, atol=1e-10)
test_every_exercise_of_the_chapter_has_an_oracle, test_answers_agree_with_the_oracle = ORACLES.tests()


def torch_rnn(torch, weights, d, n):
    """nn.RNN(d, n) in float64 holding the notes' U, W, b: PyTorch multiplies column vectors (W_ih x), so its
    matrices are the transposes; its second bias is zero."""
    layer = torch.nn.RNN(d, n, dtype=torch.float64)
    with torch.no_grad():
        layer.weight_ih_l0.copy_(torch.tensor(weights["U"].T))
        layer.weight_hh_l0.copy_(torch.tensor(weights["W"].T))
        layer.bias_ih_l0.copy_(torch.tensor(weights["b"]))
        layer.bias_hh_l0.zero_()
    return layer


def run_states(torch, given, H_0=None):
    """H_1..H_T of the given scalar run through PyTorch, as a tensor; H_0 may be a tensor that needs grad."""
    layer = torch_rnn(torch, given["weights"], 1, 1)
    H_0 = torch.tensor(given["H_0"])[None, :] if H_0 is None else H_0
    out, _ = layer(torch.tensor(given["xs"]), H_0)  # unbatched: (T, 1)
    return out[:, 0]


@ORACLES.expected_answers_of("rnn-step")
def step_oracle(given, params):
    torch = oracles.import_torch()
    w = given["weights"]
    a = given["x"] @ w["U"] + given["H_prev"] @ w["W"] + w["b"]  # by hand, as the chapter writes it
    layer = torch_rnn(torch, w, *w["U"].shape)
    out, _ = layer(torch.tensor(given["x"])[None, :], torch.tensor(given["H_prev"])[None, :])
    return {"a": a, "H": out[0].detach().numpy()}


@ORACLES.expected_answers_of("rnn-unroll-scalar")
def unroll_oracle(given, params):
    torch = oracles.import_torch()
    return {"H": run_states(torch, given).detach().numpy()}


@ORACLES.expected_answers_of("rnn-gradient-scalar")
def gradient_oracle(given, params):
    torch = oracles.import_torch()
    H_0 = torch.tensor(given["H_0"])[None, :].requires_grad_(True)
    run_states(torch, given, H_0)[-1].backward()
    gradient = float(H_0.grad[0, 0])
    eps = 1e-6
    with torch.no_grad():
        finite = (float(run_states(torch, given, torch.tensor(given["H_0"] + eps)[None, :])[-1])
                  - float(run_states(torch, given, torch.tensor(given["H_0"] - eps)[None, :])[-1])) / (2 * eps)
    assert gradient == pytest.approx(finite, abs=1e-8)
    w = abs(float(given["weights"]["W"][0, 0]))
    steps = 1
    while w ** steps >= 0.01:
        steps += 1
    return {"gradient": gradient, "bound": w ** len(given["xs"]), "steps_below": steps}


@ORACLES.expected_answers_of("rnn-parameter-count")
def count_oracle(given, params):
    torch = oracles.import_torch()
    keras = oracles.import_keras()
    d, n, layers = given["input"], given["hidden"], given["layers"]
    torch_total = sum(p.numel() for p in torch.nn.RNN(d, n, num_layers=layers).parameters())
    stack = keras.Sequential([keras.Input((None, d))] + [keras.layers.SimpleRNN(n, return_sequences=k < layers - 1)
                                                          for k in range(layers)])
    return {"torch_total": torch_total, "keras_total": stack.count_params()}


def test_a_solver_that_sums_the_factors_is_caught():
    item, solution = shared.solved(CHAPTER, "rnn-gradient-scalar")
    states = [float(solution.given["H_0"][0]), *run_states(oracles.import_torch(), solution.given).tolist()]
    summed = mis.hand_rnn_gradient(float(solution.given["weights"]["W"][0, 0]), states, mistake="sum-not-product")
    wrong = dataclasses.replace(solution, answers={**solution.answers, "gradient": summed})
    with pytest.raises(AssertionError, match=re.escape(f"{item.exercise.id}: gradient\n")):
        ORACLES.assert_agrees(item, wrong)
