"""The traced dataflow of each cell against edges written down by hand from the equations.

If a step function in gru_ref changes what it computes, these tests fail, and so would the
diagrams drawn from the trace.
"""
import dataclasses

import numpy as np
import pytest

import gru_ref
from gru_ref import cells, registry
from gru_ref.checks import check_step
from sitegen.dataflow import Symbol, trace_graph, traced_matmul_macs


def gate(pre, act, U, W):
    """a = x U + H_prev W + b; act = f(a)."""
    return {("x", pre, (U,)), ("H_prev", pre, (W,)), (pre, act, ())}


# (src, dst, weights passed through), from the notes' equations, not from the code
EXPECTED = {
    "rnn": gate("a", "H", "U", "W"),
    "gru-after": gate("a_u", "u", "U_u", "W_u") | gate("a_r", "r", "U_r", "W_r") | {
        ("r", "reset_H", ()), ("H_prev", "reset_H", ("W_h",)),  # r ⊙ (H_prev W_h + b_Wh)
        ("x", "a_h", ("U_h",)), ("reset_H", "a_h", ()), ("a_h", "H_tilde", ()),
        ("u", "keep", ()), ("H_prev", "keep", ()),  # u ⊙ H_prev
        ("u", "write", ()), ("H_tilde", "write", ()),  # (1 - u) ⊙ H̃
        ("keep", "H", ()), ("write", "H", ())},
    "lstm": gate("a_f", "f", "U_f", "W_f") | gate("a_i", "i", "U_i", "W_i") | gate("a_c", "C_tilde", "U_c", "W_c")
    | gate("a_o", "o", "U_o", "W_o") | {
        ("f", "keep", ()), ("C_prev", "keep", ()), ("i", "write", ()), ("C_tilde", "write", ()),
        ("keep", "C", ()), ("write", "C", ()), ("C", "tanh_C", ()), ("o", "H", ()), ("tanh_C", "H", ())},
}
# Cho et al.: the reset scales H_prev before the product with W_h, so W_h moves one wire down
EXPECTED["gru-before"] = EXPECTED["gru-after"] - {("H_prev", "reset_H", ("W_h",)), ("reset_H", "a_h", ())} | {
    ("H_prev", "reset_H", ()), ("reset_H", "a_h", ("W_h",))}

CASES = {"rnn": ("rnn", {}), "gru-after": ("gru", {"reset": "after"}), "gru-before": ("gru", {"reset": "before"}),
         "lstm": ("lstm", {})}


def edge_set(graph):
    return {(e.src, e.dst, tuple(sorted(e.via))) for e in graph.edges}


@pytest.mark.parametrize("case", CASES)
def test_traced_edges_are_the_equations(case):
    cell, options = CASES[case]
    assert edge_set(trace_graph(cell, **options)) == EXPECTED[case]


def test_reset_placement_moves_exactly_the_recurrent_product():
    after, before = (edge_set(trace_graph("gru", reset=r)) for r in ("after", "before"))
    assert after - before == {("H_prev", "reset_H", ("W_h",)), ("reset_H", "a_h", ())}
    assert before - after == {("H_prev", "reset_H", ()), ("reset_H", "a_h", ("W_h",))}


@pytest.mark.parametrize("case", CASES)
def test_inputs_outputs_and_kinds(case):
    cell, options = CASES[case]
    graph = trace_graph(cell, **options)
    states = ("H_prev", "C_prev") if cell == "lstm" else ("H_prev",)
    assert graph.inputs == ("x",) + states
    assert graph.outputs == tuple(s.removesuffix("_prev") for s in states)
    trace_fields = list(cells.LSTMStep.__dataclass_fields__ if cell == "lstm" else
                        cells.GRUStep.__dataclass_fields__ if cell == "gru" else cells.RNNStep.__dataclass_fields__)
    assert list(graph.kinds) == list(graph.inputs) + trace_fields
    expected = {"rnn": {"a": "add", "H": "tanh"},
                "gru": {"u": "sigmoid", "r": "sigmoid", "H_tilde": "tanh", "reset_H": "mul", "keep": "mul",
                        "write": "mul", "H": "add"},
                "lstm": {"f": "sigmoid", "i": "sigmoid", "o": "sigmoid", "C_tilde": "tanh", "tanh_C": "tanh",
                         "keep": "mul", "write": "mul", "C": "add", "H": "mul"}}[cell]
    assert {name: graph.kinds[name] for name in expected} == expected


def test_relu_rnn_is_recognised():
    assert trace_graph("rnn", nonlinearity="relu").kinds["H"] == "relu"


def test_one_minus_u_is_on_the_write_wire_only():
    graph = trace_graph("gru")
    with_constant = {(e.src, e.dst) for e in graph.edges if "1-" in e.ops}
    assert with_constant == {("u", "write")}


def by_hand(cell, D, H):
    """Every gate block: x (D) times a D x H matrix and H_prev (H) times an H x H matrix."""
    blocks = {"rnn": 1, "gru": 3, "lstm": 4}[cell]
    return blocks * (D * H + H * H)


@pytest.mark.parametrize("case", CASES)
def test_traced_macs_equal_a_count_by_hand(case):
    cell, options = CASES[case]
    for D, H in [(1, 1), (2, 3), (5, 7), (16, 4)]:
        assert traced_matmul_macs(cell, D, H, **options) == by_hand(cell, D, H)


def test_matmul_shapes_are_checked_while_tracing():
    x, w = Symbol("x", (3,)), Symbol("W", (4, 2))
    with pytest.raises(ValueError):
        x @ w
    assert (Symbol("y", (4,)) @ w).shape == (2,)
    assert (Symbol("y", (4,)) @ w).macs == 8
    assert (1 - np.tanh(Symbol("z", (2,)))).shape == (2,)


@pytest.mark.parametrize("kwargs, message", [
    ({"cell": "gruu"}, "cell"), ({"cell": "gru", "input_size": 0}, "input_size"),
    ({"cell": "gru", "hidden_size": 2.0}, "hidden_size"), ({"cell": "gru", "reset": "sideways"}, "reset")])
def test_bad_arguments_are_named(kwargs, message):
    with pytest.raises(ValueError, match=message):
        trace_graph(**kwargs)


def test_the_graph_follows_the_current_step_function(monkeypatch):
    def gru_step(x, H_prev, w, reset="after"):  # the reset gate forgets H_prev; write also uses r
        a_u = x @ w.U_u + H_prev @ w.W_u + w.b_u
        u = gru_ref.activations.sigmoid(a_u)
        a_r = x @ w.U_r + w.b_r
        r = gru_ref.activations.sigmoid(a_r)
        reset_H = r * (H_prev @ w.W_h + w.b_Wh)
        a_h = x @ w.U_h + w.b_h + reset_H
        H_tilde = gru_ref.activations.tanh(a_h)
        keep = u * H_prev
        write = (1 - u) * H_tilde * r
        H = keep + write
        return cells.GRUStep(a_u, u, a_r, r, reset_H, a_h, H_tilde, keep, write, H)

    changed_gru = dataclasses.replace(registry.CELLS["gru"], step=check_step(gru_step))
    monkeypatch.setitem(registry.CELLS, "gru", changed_gru)
    changed = edge_set(trace_graph("gru"))
    assert changed ^ EXPECTED["gru-after"] == {("H_prev", "a_r", ("W_r",)), ("r", "write", ())}
