"""Worked examples: every row, recomputed by hand from the numbers on the page, gives the number on the page."""
import dataclasses
import html
import json
import math
import re

import numpy as np
import pytest

import gru_ref
from gru_ref import registry
from sitegen import examples

CASES = [("rnn", 1, "after"), ("rnn", 4, "after"), ("gru", 1, "after"), ("gru", 4, "after"),
         ("gru", 1, "before"), ("gru", 4, "before"), ("lstm", 1, "after"), ("lstm", 4, "after")]
ROW = re.compile(r"<tr data-check='([^']*)'>(.*?)</tr>", re.S)


def numbers_shown(cell_html):
    """The numbers a reader sees in a MathML cell, as strings like '-0.360'."""
    text = re.sub(r"<[^>]+>", " ", cell_html).replace("−", "-")
    return re.findall(r"-?\d+\.\d+", re.sub(r"-\s+", "-", text))


def recompute(check):
    """Hand arithmetic on the displayed operands, independent of sitegen and gru_ref."""
    def num(values):
        return [float(v) for v in values]

    n = len(check["result"])
    if check["op"] == "affine":
        out = [0.0] * n
        for term in check["terms"]:
            x, M = num(term["vector"]), num(term["values"])
            out = [out[j] + sum(x[k] * M[k * n + j] for k in range(len(x))) for j in range(n)]
        for vector in check["biases"] + check["plus"]:
            out = [o + v for o, v in zip(out, num(vector["values"]))]
        return out
    args = [num(a) for a in check["args"]]
    return {
        "sigmoid": lambda: [1 / (1 + math.exp(-a)) for a in args[0]],
        "tanh": lambda: [math.tanh(a) for a in args[0]],
        "mul": lambda: [a * b for a, b in zip(*args)],
        "one_minus_mul": lambda: [(1 - a) * b for a, b in zip(*args)],
        "add": lambda: [a + b for a, b in zip(*args)],
    }[check["op"]]()


@pytest.mark.parametrize("cell,steps,reset", CASES)
def test_every_row_checks_by_hand_from_the_displayed_numbers(cell, steps, reset):
    page = examples.render_example(cell, steps, reset)
    rows = ROW.findall(page)
    assert len(rows) == steps * len(examples.example(cell, steps, reset).rows[0])
    for data, row_html in rows:
        check = json.loads(html.unescape(data))
        decimals = len(check["result"][0].split(".")[1])
        by_hand = [f"{v:.{decimals}f}".replace("-0.000", "0.000") for v in recompute(check)]
        assert by_hand == check["result"], check
        cells = re.findall(r"<td>(.*?)</td>", row_html, re.S)
        assert len(cells) == 3
        assert numbers_shown(cells[1]) == check["result"]  # the value column shows the checked result
        operands = [v for t in check.get("terms", []) for v in t["vector"]] + \
                   [v for a in check.get("args", []) for v in a] + \
                   [v for p in check.get("plus", []) for v in p["values"]]
        assert sorted(numbers_shown(cells[2])) == sorted(operands)  # and the operands the check used


@pytest.mark.parametrize("cell,steps,reset", CASES)
def test_displayed_results_are_gru_refs_trace_rounded(cell, steps, reset):
    ex = examples.example(cell, steps, reset)
    step = {"rnn": gru_ref.rnn_step, "gru": gru_ref.gru_step, "lstm": gru_ref.lstm_step}[cell]
    options = {"reset": reset} if cell == "gru" else {}
    state = ex.initial
    for x, rows in zip(ex.xs, ex.rows):
        trace = step(x, *state, ex.weights, **options)
        assert rows[-1].check["result"] == examples.shown(trace.H)
        carried = (trace.H, trace.C) if cell == "lstm" else (trace.H,)
        state = tuple(np.array(examples.shown(v), dtype=float) for v in carried)


def test_given_weights_are_shown_with_one_decimal_and_match_the_weights():
    ex = examples.example("gru", 1)
    given = examples.render_given(ex)
    shown = numbers_shown(given)
    for name, value in ex.weights.arrays().items():
        assert np.allclose(value, np.round(value, 1)), name
    total = sum(v.size for v in ex.weights.arrays().values()) + ex.xs.size + sum(s.size for s in ex.initial)
    assert len(shown) == total
    assert [float(v) for v in shown[:3]] == list(ex.xs[0])


def test_examples_are_deterministic():
    first = examples.render_example("lstm", 4)
    examples._search.cache_clear()
    assert examples.render_example("lstm", 4) == first


def test_a_sequence_carries_the_displayed_state():
    ex = examples.example("gru", 4)
    for previous, rows in zip(ex.traces, ex.rows[1:]):
        carried = rows[-3].check["args"][1]  # u_t ⊙ H_{t-1} uses H_{t-1} as displayed
        assert carried == examples.shown(previous.H)


@pytest.mark.parametrize("cell,reset", [("rnn", "after"), ("gru", "after"), ("gru", "before"), ("lstm", "after")])
def test_one_step_example_is_the_first_step_of_the_sequence(cell, reset):
    """Diagrams with numbers show the one-step example; the pages call it the sequence's first step."""
    one, four = examples.example(cell, 1, reset), examples.example(cell, 4, reset)
    assert one.weights.arrays().keys() == four.weights.arrays().keys()
    assert all(np.array_equal(a, b) for a, b in zip(one.weights.arrays().values(), four.weights.arrays().values()))
    assert np.array_equal(one.xs[0], four.xs[0])
    assert [r.check for r in one.rows[0]] == [r.check for r in four.rows[0]]


def _flipped_interpolation(x, H_prev, w, reset="after"):
    """gru_step with u and 1 - u swapped: a bug no choice of friendlier numbers can hide."""
    trace = gru_ref.cells.gru_step(x, H_prev, w, reset=reset)
    keep, write = (1 - trace.u) * H_prev, trace.u * trace.H_tilde
    return dataclasses.replace(trace, keep=keep, write=write, H=keep + write)


def _sigmoid_candidate(x, H_prev, C_prev, w):
    """lstm_step with a sigmoid where the candidate's tanh belongs."""
    trace = gru_ref.cells.lstm_step(x, H_prev, C_prev, w)
    C_tilde = gru_ref.activations.sigmoid(trace.a_c)
    write = trace.i * C_tilde
    C = trace.keep + write
    return dataclasses.replace(trace, C_tilde=C_tilde, write=write, C=C, tanh_C=np.tanh(C), H=trace.o * np.tanh(C))


@pytest.mark.parametrize("cell,buggy,row", [("gru", _flipped_interpolation, r"u_t \odot H_{t-1}"),
                                            ("lstm", _sigmoid_candidate, r"\tilde{C}_t")])
def test_a_bug_in_gru_ref_stops_the_example_at_once_naming_the_row_and_both_values(monkeypatch, cell, buggy, row):
    calls = []

    def counted(*args, **kwargs):
        calls.append(1)
        return buggy(*args, **kwargs)

    monkeypatch.setitem(registry.CELLS, cell, dataclasses.replace(registry.CELLS[cell], step=counted))
    with pytest.raises(examples.DisagreesWithHandComputation) as raised:
        examples._search.__wrapped__(cell, 4, "after", examples.SEEDS[cell], 5000)  # past the lru_cache
    message = str(raised.value)
    assert f"row {row} =" in message and "by hand [" in message and "gru_ref [" in message
    by_hand, computed = re.findall(r"by hand (\[[^]]*\]), gru_ref (\[[^]]*\])", message)[0]
    assert by_hand != computed
    # Before the check, this search tried up to 5000 x 300 candidates (minutes); now it stops at the first.
    assert len(calls) == 1
