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
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row_html, re.S)
        assert len(cells) == 2
        formula, with_numbers = re.fullmatch(
            r'<span class="gr-formula">(.*?)</span> <span class="gr-with">(.*?)</span>', cells[0], re.S).groups()
        assert numbers_shown(formula) == []  # the formula is symbols; the numbers go on the line under it
        assert numbers_shown(cells[1]) == check["result"]  # the value column shows the checked result
        operands = [v for t in check.get("terms", []) for v in t["vector"]] + \
                   [v for a in check.get("args", []) for v in a] + \
                   [v for p in check.get("plus", []) for v in p["values"]]
        assert sorted(numbers_shown(with_numbers)) == sorted(operands)  # and the operands the check used


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


@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
def test_the_sequence_at_a_glance_shows_each_quantity_step_by_step(cell):
    """One row per quantity (the input, each gate, each state), one column per step, as printed."""
    ex = examples.example(cell, 4)
    table = examples.render_summary(ex)
    rows = re.findall(r'<tr><th scope="row">(.*?)</th>(.*?)</tr>', table, re.S)
    entry = registry.cell(cell)
    fields = [gate.output for gate in entry.gates] + list(entry.states)
    assert len(rows) == 1 + len(fields)
    assert re.findall(r'<th scope="col">(.*?)</th>', table) == ["Quantity", "Step 1", "Step 2", "Step 3", "Step 4"]
    expected = [[examples.shown(x, 1) for x in ex.xs]]
    expected += [[examples.shown(getattr(trace, f)) for trace in ex.traces] for f in fields]
    for (_, cells_html), values in zip(rows, expected):
        assert [numbers_shown(c) for c in re.findall(r"<td>(.*?)</td>", cells_html, re.S)] == values


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
        examples._search.__wrapped__(cell, 4, "after", 0, 5000)  # past the lru_cache
    message = str(raised.value)
    assert f"row {row} =" in message and "by hand [" in message and "gru_ref [" in message
    by_hand, computed = re.findall(r"by hand (\[[^]]*\]), gru_ref (\[[^]]*\])", message)[0]
    assert by_hand != computed
    # Before the check, this search tried up to 5000 x 300 candidates (minutes); now it stops at the first.
    assert len(calls) == 1


# -- What the pages say about the numbers ------------------------------------------------------------
# The "Following the numbers" prose of rnn.md, gru.md and lstm.md makes claims about the worked
# examples; each test below checks one, on the numbers as printed (the rows' results, which the tests
# above show are what the page prints), with its own reading of words like "near 1".
NEAR_1, NEAR_0 = 0.8, 0.2


def printed_steps(cell, reset="after"):
    """Per step of the page's four-step example: TeX symbol -> printed vector, with the previous
    states as the step's rows use them (H_{t-1} from a recurrent term, C_{t-1} from f_t ⊙ C_{t-1})."""
    steps = []
    for rows in examples.example(cell, 4, reset).rows:
        values = {row.symbol: np.array(row.check["result"], dtype=float) for row in rows}
        recurrent = next(t for r in rows if r.check["op"] == "affine" for t in r.check["terms"]
                         if t["matrix"].startswith("W"))
        values["H_{t-1}"] = np.array(recurrent["vector"], dtype=float)
        for row in rows:
            if row.check["op"] == "mul" and row.symbol.endswith("C_{t-1}"):
                values["C_{t-1}"] = np.array(row.check["args"][1], dtype=float)
        steps.append(values)
    return steps


@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
def test_given_numbers_are_small_with_one_decimal(cell):
    """'small numbers with one decimal' (rnn.md), 'small one-decimal numbers' (lstm.md)."""
    ex = examples.example(cell, 4)
    for value in [*ex.weights.arrays().values(), ex.xs, *ex.initial]:
        assert np.array_equal(value, np.round(value, 1)) and np.all(np.abs(value) <= 1.5)


@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
def test_each_step_starts_from_the_state_as_printed(cell):
    """rnn.md: 'each step starts from the state as printed'; gru.md and lstm.md say it again."""
    ex = examples.example(cell, 4)
    steps = printed_steps(cell)
    assert np.array_equal(steps[0]["H_{t-1}"], ex.initial[0])
    for before, after in zip(steps, steps[1:]):
        assert np.array_equal(after["H_{t-1}"], before["H_t"])
        if cell == "lstm":
            assert np.array_equal(after["C_{t-1}"], before["C_t"])


@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
def test_a_run_that_never_rounds_differs_at_most_in_the_last_digit(cell):
    """gru.md, lstm.md: 'a run that never rounds ... can differ from these numbers in the last digit'."""
    ex = examples.example(cell, 4)
    step = {"rnn": gru_ref.rnn_step, "gru": gru_ref.gru_step, "lstm": gru_ref.lstm_step}[cell]
    exact_run = gru_ref.run_sequence(step, ex.xs, ex.initial, ex.weights)
    for printed, exact in zip(printed_steps(cell), exact_run):
        for symbol, field in [("H_t", "H"), ("C_t", "C")][:2 if cell == "lstm" else 1]:
            assert np.all(np.abs(printed[symbol] - np.round(getattr(exact, field), 3)) <= 0.001 + 1e-9)


def test_the_rnn_state_evolves_as_each_input_arrives():
    """rnn.md: 'Running it for four steps shows the state evolving as each input arrives'."""
    steps = printed_steps("rnn")
    for values in steps:
        assert np.max(np.abs(values["H_t"] - values["H_{t-1}"])) >= 0.1


@pytest.mark.parametrize("reset", ["after", "before"])
def test_gru_gates_lie_strictly_between_0_and_1_and_the_candidate_between_minus_1_and_1(reset):
    """gru.md: 'every entry of u_t and r_t lies strictly between 0 and 1; every entry of H̃_t lies
    between -1 and 1' -- as printed, so never 0.000 or 1.000."""
    for values in printed_steps("gru", reset):
        for gate in ("u_t", "r_t"):
            assert np.all((values[gate] > 0) & (values[gate] < 1))
        assert np.all(np.abs(values[r"\tilde{H}_t"]) < 1)


@pytest.mark.parametrize("reset", ["after", "before"])
def test_gru_new_state_lies_between_old_state_and_candidate_closer_to_the_old_where_u_is_larger(reset):
    """gru.md: 'every entry of H_t lies between the matching entries of H_{t-1} and H̃_t, closer to
    H_{t-1} where u_t is larger'."""
    for values in printed_steps("gru", reset):
        old, candidate, new, u = values["H_{t-1}"], values[r"\tilde{H}_t"], values["H_t"], values["u_t"]
        assert np.all((np.minimum(old, candidate) <= new) & (new <= np.maximum(old, candidate)))
        share_of_the_way = np.abs(new - old) / np.abs(candidate - old)  # 1 - u_t, up to rounding
        assert np.array_equal(np.argsort(-u), np.argsort(share_of_the_way))
        closer_to_old = np.abs(new - old) < np.abs(new - candidate)
        assert np.array_equal(closer_to_old, u > 0.5)


@pytest.mark.parametrize("reset", ["after", "before"])
def test_gru_first_unit_holds_on_and_second_unit_follows_its_candidate(reset):
    """gru.md: 'the first unit's update gate stays near 1: its state moves only a little from one step
    to the next, even when its candidate lies far from it. The second unit's update gate stays near
    0, and its state follows its candidate.'"""
    steps = printed_steps("gru", reset)
    for values in steps:
        old, candidate, new, u = values["H_{t-1}"], values[r"\tilde{H}_t"], values["H_t"], values["u_t"]
        assert u[0] >= NEAR_1 and u[1] <= NEAR_0
        assert abs(new[0] - old[0]) <= 0.1  # only a little ...
        assert abs(new[1] - candidate[1]) < abs(new[1] - old[1])  # ... while the second follows its candidate
        assert abs(new[1] - old[1]) > abs(new[0] - old[0])
    # ... even when the candidate lies far: at some step it is at least 0.5 away, and the first unit still moves little
    assert max(abs(v[r"\tilde{H}_t"][0] - v["H_{t-1}"][0]) for v in steps) >= 0.5


def test_lstm_cell_state_is_keep_plus_write_and_h_is_no_larger_than_tanh_c():
    """lstm.md: 'each entry of C_t is the entry of keep plus the entry of write ... no entry of H_t is
    larger in magnitude than the matching entry of tanh(C_t)'."""
    for values in printed_steps("lstm"):
        keep, write = values[r"f_t \odot C_{t-1}"], values[r"i_t \odot \tilde{C}_t"]
        assert np.all(np.abs(values["C_t"] - (keep + write)) <= 0.0005 + 1e-9)
        assert np.all(np.abs(values["H_t"]) <= np.abs(values[r"\tanh(C_t)"]))


def test_lstm_first_unit_keeps_and_writes_past_1_at_step_1():
    """lstm.md: 'At step 1 its forget and input gates are both high: it keeps most of its old value
    and adds its candidate on top, so C_t leaves the interval from -1 to 1'."""
    values = printed_steps("lstm")[0]
    assert values["f_t"][0] >= NEAR_1 and values["i_t"][0] >= NEAR_1
    assert abs(values["C_t"][0]) > 1
    assert abs(values["C_t"][0]) > abs(values[r"\tilde{C}_t"][0])  # beyond the candidate: the kept value adds up


def test_lstm_first_unit_keeps_its_value_at_step_2():
    """lstm.md: 'At step 2 its forget gate is high and its input gate low, so it keeps its value.'"""
    values = printed_steps("lstm")[1]
    assert values["f_t"][0] >= NEAR_1 and values["i_t"][0] <= NEAR_0
    assert abs(values["C_t"][0] - values["C_{t-1}"][0]) <= 0.1


def test_lstm_first_unit_hides_a_large_cell_value_at_step_3():
    """lstm.md: 'At step 3 its output gate is low, so H_t stays small although C_t is large.'"""
    values = printed_steps("lstm")[2]
    assert values["o_t"][0] <= NEAR_0
    assert abs(values["C_t"][0]) >= 0.7 and abs(values["H_t"][0]) <= 0.1


def test_lstm_first_unit_lets_its_content_go_at_step_4():
    """lstm.md: 'At step 4 its forget and input gates are both low: it drops most of its content and
    writes little.'"""
    values = printed_steps("lstm")[3]
    assert values["f_t"][0] <= NEAR_0 and values["i_t"][0] <= NEAR_0
    assert abs(values["C_t"][0]) <= abs(values["C_{t-1}"][0]) / 2
    assert abs(values[r"i_t \odot \tilde{C}_t"][0]) <= 0.2
