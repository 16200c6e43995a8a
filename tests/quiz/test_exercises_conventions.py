"""The Conventions chapter's exercises (quizzes/exercises/conventions.yml): every final answer against an
oracle that is not gru_ref: an LSTMCell loaded with the exercise's state_dict against the notes' step
written here, a real Keras GRU against a PyTorch GRU loaded with the answer, torch.nn.GRUCell (weights
packed from PyTorch's documentation in exercise_oracles.py) for the flipped gate, and the snippets, run here as the page
shows them, against a PyTorch GRU loaded with the exercise's state_dict."""
import dataclasses
import html
import re

import exercise_oracles as shared
import numpy as np
import oracles
import pytest
from exercise_oracles import sigmoid, torch_gru_cell

from quiz import bank, exercises

CHAPTER = "conventions"
ORACLES = shared.ChapterOracles(CHAPTER)
test_every_exercise_of_the_chapter_has_an_oracle, test_answers_agree_with_the_oracle = ORACLES.tests()


def notes_lstm(w, x, H_prev, C_prev):
    def pre(key):
        return x @ w[f"U_{key}"] + H_prev @ w[f"W_{key}"] + w[f"b_{key}"]

    C = sigmoid(pre("f")) * C_prev + sigmoid(pre("i")) * np.tanh(pre("c"))
    return sigmoid(pre("o")) * np.tanh(C), C


@ORACLES.check_by_running("lstm-from-state-dict")
def lstm_state_dict_oracle(item, solution):
    """The unpacked weights are right when the notes' LSTM written here with them gives what an LSTMCell
    loaded with the state_dict gives, on inputs and states in general position."""
    torch = oracles.import_torch()
    cell = shared.torch_cell_from_state_dict(torch, torch.nn.LSTMCell, solution.given["state_dict"])
    xs, hs, cs = shared.general_inputs(cell.input_size, cell.hidden_size)
    expected = [v.detach().numpy() for v in cell(torch.tensor(xs), (torch.tensor(hs), torch.tensor(cs)))]
    assert sorted(solution.answers) == sorted(f"{kind}_{key}" for kind in "UWb" for key in "fico")
    for got, want, name in zip(notes_lstm(solution.answers, xs, hs, cs), expected, ("H", "C")):
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-12, err_msg=f"the unpacked weights: {name}")


@ORACLES.check_by_running("keras-gru-to-torch")
def keras_to_torch_oracle(item, solution):
    """The answer is right when a PyTorch GRU loaded with it computes what a real Keras GRU holding the
    exercise's arrays computes, on a sequence in general position."""
    torch = oracles.import_torch()
    keras = oracles.import_keras()
    arrays = [solution.given[k] for k in ("kernel", "recurrent_kernel", "bias")]
    d, n = arrays[0].shape[0], arrays[1].shape[0]
    layer = keras.layers.GRU(n, reset_after=True, return_sequences=True, dtype="float64")
    layer.build((None, None, d))
    layer.set_weights(arrays)
    xs = np.random.default_rng(1).normal(size=(1, 6, d))
    by_keras = keras.ops.convert_to_numpy(layer(xs))[0]
    module = torch.nn.GRU(d, n, dtype=torch.float64)
    module.load_state_dict({name: torch.tensor(value) for name, value in solution.answers.items()})
    by_torch = module(torch.tensor(xs[0]))[0].detach().numpy()
    np.testing.assert_allclose(by_torch, by_keras, rtol=0, atol=1e-9, err_msg="PyTorch with the answer vs Keras")


@ORACLES.check_by_running("update-flip")
def flip_oracle(item, solution):
    """z by hand from the update gate's weights negated here, and H from nn.GRUCell with the notes'
    weights (PyTorch's z is the notes' u); Chung et al.'s interpolation with the answer's z must give it."""
    torch = oracles.import_torch()
    w, x, H_prev = solution.given["weights"], solution.given["x"], solution.given["H_prev"]
    H = torch_gru_cell(torch, w)(torch.tensor(x)[None, :], torch.tensor(H_prev)[None, :])[0].detach().numpy()
    expected = {"U_z": -w["U_u"], "W_z": -w["W_u"], "b_z": -w["b_u"],
                "z": sigmoid(x @ -w["U_u"] + H_prev @ -w["W_u"] - w["b_u"]), "H": H}
    shared.assert_answers_close(item, solution.answers, expected, atol=1e-12)
    r = sigmoid(x @ w["U_r"] + H_prev @ w["W_r"] + w["b_r"])
    H_tilde = np.tanh(x @ w["U_h"] + w["b_h"] + r * (H_prev @ w["W_h"] + w["b_Wh"]))  # the candidate, reset after
    z = solution.answers["z"]
    np.testing.assert_allclose((1 - z) * H_prev + z * H_tilde, H, rtol=0, atol=1e-12, err_msg="Chung et al.'s H")


def snippet_parts(item):
    """The shown snippet and the fixed one, the fix put in here: each wrong line replaced by its right lines."""
    code = item.exercise.params["code"].strip()
    fixed = code
    for wrong, right in item.exercise.params["fix"]:
        assert code.count(wrong) == 1, wrong
        fixed = fixed.replace(wrong, right.strip())
    return code, fixed


def run(code, sd, x, H_prev):
    scope = {"np": np, "sigmoid": sigmoid, "sd": sd, "x": x, "H_prev": H_prev, "n": len(H_prev)}
    exec(code, scope)
    return scope["H"]


@ORACLES.check_by_running("snippet-fix")
def snippet_oracle(item, solution):
    """Run the page's snippet and its fix on the state_dict of a real PyTorch GRU holding the exercise's
    numbers: the snippet must differ from the layer, the fix must equal it."""
    torch = oracles.import_torch()
    packed, x, H_prev = solution.given["state_dict"], solution.given["x"], solution.given["H_prev"]
    module = torch.nn.GRU(packed["weight_ih_l0"].shape[1], len(H_prev), dtype=torch.float64)
    module.load_state_dict({name: torch.tensor(value) for name, value in packed.items()})
    by_torch = module(torch.tensor(x)[None, :], torch.tensor(H_prev)[None, :])[0][0].detach().numpy()
    sd = {name: value.numpy() for name, value in module.state_dict().items()}
    code, fixed = snippet_parts(item)
    buggy = run(code, sd, x, H_prev)
    assert np.abs(buggy - by_torch).max() > 1e-3, "the shown snippet computes what PyTorch computes"
    np.testing.assert_allclose(run(fixed, sd, x, H_prev), by_torch, rtol=0, atol=1e-12, err_msg="the fix")
    shared.assert_answers_close(item, solution.answers, {"H_buggy": buggy, "H_fixed": by_torch}, atol=1e-12)


def code_blocks(shown):
    """The text of every code block in rendered HTML, as a reader copies it."""
    return [html.unescape(re.sub(r"<[^>]+>", "", block))
            for block in re.findall(r'<div class="highlight"[^>]*>.*?<code>(.*?)</code></pre></div>', shown, re.DOTALL)]


def test_the_page_shows_the_snippets_that_run():
    """The snippet is one code block of the task, and its fixed lines one of the solution, exactly as the
    oracle above runs them: what the reader sees is what runs."""
    shown_any = False
    for number, (item, solution) in enumerate(shared.solutions(CHAPTER), start=1):
        if item.exercise.solver != "snippet-fix":
            continue
        shown = exercises.exercise_html(item, solution, number)
        task, answer = shown.split("<summary>Solution</summary>")
        code, _ = snippet_parts(item)
        assert [block.strip() for block in code_blocks(task)] == [code.strip()]
        fixed_lines = "\n".join(right.strip() for _, right in item.exercise.params["fix"])
        assert [block.strip() for block in code_blocks(answer)] == [fixed_lines]
        shown_any = True
    assert shown_any


def test_an_lstm_state_dict_read_in_the_notes_order_is_caught():
    item, solution = shared.solved(CHAPTER, "lstm-from-state-dict")
    w = solution.answers
    swapped = {**w, **{f"{kind}_{a}": w[f"{kind}_{b}"] for kind in "UWb" for a, b in (("f", "i"), ("i", "f"))}}
    with pytest.raises(AssertionError, match="unpacked weights"):
        ORACLES.assert_agrees(item, dataclasses.replace(solution, answers=swapped))


def test_a_keras_conversion_without_the_reorder_is_caught():
    item, solution = shared.solved(CHAPTER, "keras-gru-to-torch")
    kernel, recurrent, bias = (solution.given[k] for k in ("kernel", "recurrent_kernel", "bias"))
    kept_order = {"weight_ih_l0": kernel.T, "weight_hh_l0": recurrent.T, "bias_ih_l0": bias[0], "bias_hh_l0": bias[1]}
    with pytest.raises(AssertionError, match="PyTorch with the answer vs Keras"):
        ORACLES.assert_agrees(item, dataclasses.replace(solution, answers=kept_order))


def test_a_flip_that_takes_one_minus_the_weights_is_caught():
    item, solution = shared.solved(CHAPTER, "update-flip")
    w = solution.given["weights"]
    wrong = {**solution.answers, "U_z": 1 - w["U_u"], "W_z": 1 - w["W_u"], "b_z": 1 - w["b_u"]}
    with pytest.raises(AssertionError, match=re.escape(f"{item.exercise.id}: U_z\n")):
        ORACLES.assert_agrees(item, dataclasses.replace(solution, answers=wrong))


def test_a_fix_that_keeps_the_bug_is_caught():
    item, solution = shared.solved(CHAPTER, "snippet-fix")
    unfixed = item.exercise.model_copy(update={"params": {**item.exercise.params, "fix": []}})
    with pytest.raises(AssertionError, match="the fix"):
        snippet_oracle(dataclasses.replace(item, exercise=unfixed), solution)


CONVENTION_BUGS = ("torch-gru-order-as-keras", "torch-lstm-order-wrong", "gru-flipped-interpolation",
                   "sigmoid-without-half")


@pytest.mark.parametrize("name", CONVENTION_BUGS)
def test_a_bug_planted_in_gru_ref_stops_a_conventions_exercise(name):
    bug, stopped = shared.exercises_stopped_by(name, shared.solutions(CHAPTER))
    assert stopped, f"no Conventions exercise notices {name}: {bug.description}"


def test_a_fix_for_a_line_the_snippet_lacks_names_file_line_and_exercise(tmp_path):
    item, _ = shared.solved(CHAPTER, "snippet-fix")
    source = item.path.read_text(encoding="utf-8")
    wrong = item.exercise.params["fix"][0][0]
    broken = source.replace(repr(wrong), repr(wrong + "  # not a line of the snippet"), 1)  # a quoted YAML string
    assert broken != source
    folder = tmp_path / "exercises"
    folder.mkdir()
    (folder / "conventions.yml").write_text(broken, encoding="utf-8")
    with pytest.raises(bank.BankError) as raised:
        exercises.load_exercises(folder)
    message = str(raised.value)
    assert message.startswith(f"{bank.shown_path(folder / 'conventions.yml')}:"), message
    assert f"exercise {item.exercise.id!r}: solver 'snippet-fix' failed" in message, message
    assert "expected the line" in message and "once in the snippet, found it 0 times" in message, message
