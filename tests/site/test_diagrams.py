"""The gate diagrams draw exactly the traced dataflow, with stable ids, text alternatives and numbers."""
import dataclasses
import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest

import gru_ref
from gru_ref import cells, registry
from gru_ref.checks import check_step
from sitegen import diagrams
from sitegen.dataflow import ACTIVATIONS, trace_graph

SVG = "{http://www.w3.org/2000/svg}"
CASES = [("rnn", "after"), ("gru", "after"), ("gru", "before"), ("lstm", "after")]


def parse(svg):
    return ET.fromstring(svg)


def drawn_wires(root):
    return {(g.get("data-src"), g.get("data-dst")): g for g in root.iter(SVG + "g")
            if "gr-wire" in g.get("class", "").split()}


def traced_wires(cell, reset):
    """Traced edges with each pre-activation drawn inside the box of the activation it feeds."""
    graph = trace_graph(cell, **({"reset": reset} if cell == "gru" else {}))
    box = {e.src: e.dst for e in graph.edges
           if graph.kinds[e.dst] in ACTIVATIONS and any(f.via for f in graph.edges if f.dst == e.src)}
    wires = {}
    for e in graph.edges:
        src, dst = box.get(e.src, e.src), box.get(e.dst, e.dst)
        if src != dst:
            wires.setdefault((src, dst), set()).update(e.via)
    return wires


@pytest.mark.parametrize("cell, reset", CASES)
def test_drawn_wires_are_the_traced_edges(cell, reset):
    drawn = drawn_wires(parse(diagrams.cell_svg(cell, reset)))
    traced = traced_wires(cell, reset)
    assert set(drawn) == set(traced)
    for key, g in drawn.items():  # and each wire names the weights it passes through
        assert set(g.get("data-via", "").split()) == traced[key], key


def test_gru_wires_written_from_the_equations():
    """Independent of the tracer: the wires a GRU diagram must show, read off the equations."""
    gates = {(s, g) for s in ("x", "H_prev") for g in ("u", "r")}
    expected = gates | {("r", "reset_H"), ("H_prev", "reset_H"), ("x", "H_tilde"), ("reset_H", "H_tilde"),
                        ("u", "keep"), ("H_prev", "keep"), ("u", "write"), ("H_tilde", "write"),
                        ("keep", "H"), ("write", "H")}
    for reset in ("after", "before"):
        assert set(drawn_wires(parse(diagrams.cell_svg("gru", reset)))) == expected
    via = {reset: {k: g.get("data-via") for k, g in drawn_wires(parse(diagrams.cell_svg("gru", reset))).items()}
           for reset in ("after", "before")}
    assert via["after"][("H_prev", "reset_H")] == "W_h" and via["after"][("reset_H", "H_tilde")] is None
    assert via["before"][("H_prev", "reset_H")] is None and via["before"][("reset_H", "H_tilde")] == "W_h"


def patched_gru_step(x, H_prev, w, reset="after"):
    """gru_step with one edge removed (H_prev -> r) and one added (r -> write)."""
    sigmoid, tanh = gru_ref.activations.sigmoid, gru_ref.activations.tanh
    a_u = x @ w.U_u + H_prev @ w.W_u + w.b_u
    u = sigmoid(a_u)
    a_r = x @ w.U_r + w.b_r
    r = sigmoid(a_r)
    reset_H = r * (H_prev @ w.W_h + w.b_Wh)
    a_h = x @ w.U_h + w.b_h + reset_H
    H_tilde = tanh(a_h)
    keep = u * H_prev
    write = (1 - u) * H_tilde * r
    H = keep + write
    return cells.GRUStep(a_u, u, a_r, r, reset_H, a_h, H_tilde, keep, write, H)


def test_a_changed_step_function_changes_the_diagram(monkeypatch):
    original = set(drawn_wires(parse(diagrams.cell_svg("gru"))))
    monkeypatch.setitem(registry.CELLS, "gru", dataclasses.replace(registry.CELLS["gru"], step=check_step(patched_gru_step)))
    changed = set(drawn_wires(parse(diagrams.cell_svg("gru"))))
    assert changed == set(traced_wires("gru", "after"))
    assert original - changed == {("H_prev", "r")}
    assert changed - original == {("r", "write")}


@pytest.mark.parametrize("cell, reset", CASES)
def test_ids_are_unique_prefixed_and_stable(cell, reset):
    svg = diagrams.cell_svg(cell, reset)
    assert svg == diagrams.cell_svg(cell, reset)
    ids = [e.get("id") for e in parse(svg).iter() if e.get("id")]
    assert len(ids) == len(set(ids))
    prefix = cell + ("-" + reset if cell == "gru" else "")
    assert all(i.startswith(prefix + "-") for i in ids)
    root = parse(svg)
    for key, g in drawn_wires(root).items():
        assert g.get("id") == f"{prefix}-wire-{key[0]}-{key[1]}"
    graph = trace_graph(cell, **({"reset": reset} if cell == "gru" else {}))
    assert {f"{prefix}-node-{name}" for name in graph.kinds} <= set(ids)  # every traced value, boxed or not
    other = [e.get("id") for e in parse(diagrams.cell_svg(cell, reset, id_prefix="fig2")).iter() if e.get("id")]
    assert other == [i.replace(prefix, "fig2", 1) for i in ids]


@pytest.mark.parametrize("cell, reset", CASES)
def test_title_and_description(cell, reset):
    root = parse(diagrams.cell_svg(cell, reset))
    assert root.get("role") == "img"
    title, desc = root.find(SVG + "title"), root.find(SVG + "desc")
    assert root.get("aria-labelledby").split() == [title.get("id"), desc.get("id")]
    assert cell.upper() in title.text.upper() and len(desc.text) > 100
    if cell == "gru":
        assert reset in title.text


def test_description_states_the_equations():
    text = {r: parse(diagrams.cell_svg("gru", r)).find(SVG + "desc").text for r in ("after", "before")}
    assert "u_t = σ(x_t U_u + H_{t-1} W_u + b_u)" in text["after"]
    assert "H_t = u_t ⊙ H_{t-1} + (1 − u_t) ⊙ H̃_t" in text["after"]
    assert "tanh(x_t U_h + b_h + r_t ⊙ (H_{t-1} W_h + b_Wh))" in text["after"]
    assert "tanh(x_t U_h + b_h + (r_t ⊙ H_{t-1}) W_h + b_Wh)" in text["before"]
    lstm = parse(diagrams.cell_svg("lstm")).find(SVG + "desc").text
    assert "C_t = f_t ⊙ C_{t-1} + i_t ⊙ C̃_t" in lstm and "H_t = o_t ⊙ tanh(C_t)" in lstm
    rnn = parse(diagrams.cell_svg("rnn")).find(SVG + "desc").text
    assert "Every path from H_{t-1} to H_t passes through a weight matrix" in rnn


def test_only_the_elementwise_state_paths_are_highlighted():
    def carried(cell, reset="after"):
        return {k for k, g in drawn_wires(parse(diagrams.cell_svg(cell, reset))).items()
                if "gr-carry" in g.get("class").split()}
    assert carried("rnn") == set()
    assert carried("gru") == carried("gru", "before") == {("H_prev", "keep"), ("keep", "H")}
    assert carried("lstm") == {("C_prev", "keep"), ("keep", "C")}


def example_values(cell, reset="after"):
    D, H = 3, 2
    rng = np.random.default_rng(7)
    inputs = {"x": rng.uniform(-1, 1, D), "H_prev": rng.uniform(-1, 1, H)}
    if cell == "lstm":
        inputs["C_prev"] = rng.uniform(-1, 1, H)
    weights = {"rnn": cells.RNNWeights, "gru": cells.GRUWeights, "lstm": cells.LSTMWeights}[cell].random(D, H, seed=3)
    step = {"rnn": cells.rnn_step, "gru": cells.gru_step, "lstm": cells.lstm_step}[cell]
    trace = step(*inputs.values(), weights, **({"reset": reset} if cell == "gru" else {}))
    return {**inputs, **trace.as_dict()}


def shown(vector):
    """3 decimals with a true minus sign and no negative zero, written independently of the module."""
    return ["0.000" if round(v, 3) == 0 else f"{v:.3f}".replace("-", "\u2212") for v in vector]


@pytest.mark.parametrize("cell, reset", CASES)
def test_values_version_shows_the_trace(cell, reset):
    values = example_values(cell, reset)
    root = parse(diagrams.cell_svg(cell, reset, values=values))
    numbers = {}
    for g in root.iter(SVG + "g"):
        text = g.find(SVG + "text[@class='gr-value']")
        if g.get("data-node") and text is not None:
            numbers[g.get("data-node")] = [t.text for t in text.findall(SVG + "tspan")]
    drawn = {g.get("data-node") for g in root.iter(SVG + "g") if "gr-node" in g.get("class", "").split()}
    assert set(numbers) == drawn
    for name, texts in numbers.items():
        assert texts == shown(values[name]), name
    for (src, _), g in drawn_wires(root).items():
        assert g.get("data-value") == "[" + ", ".join(shown(values[src])) + "]"


def test_values_are_checked():
    values = example_values("gru")
    with pytest.raises(ValueError, match="missing"):
        diagrams.cell_svg("gru", values={k: v for k, v in values.items() if k != "r"})
    with pytest.raises(ValueError, match=r"values\['u'\].*1-D"):
        diagrams.cell_svg("gru", values={**values, "u": np.ones((2, 2))})


@pytest.mark.parametrize("cell, reset", CASES)
def test_self_contained_and_compact(cell, reset):
    svg = diagrams.cell_svg(cell, reset, values=example_values(cell, reset))
    root = parse(svg)
    for element in root.iter():
        assert element.tag.removeprefix(SVG) not in ("image", "use", "a", "style", "script", "foreignObject")
        for name, value in element.attrib.items():
            assert "href" not in name, (element.tag, name)
            assert "url(" not in value or value.startswith("url(#"), value
    assert "http" not in svg.replace('xmlns="http://www.w3.org/2000/svg"', "")
    numbers = re.findall(r"-?\d+\.\d+", " ".join(e.get("d", "") + " " + " ".join(
        e.get(a, "") for a in ("x", "y", "cx", "cy")) for e in root.iter()))
    assert all(len(n.split(".")[1]) <= 1 for n in numbers), "coordinates are rounded to 0.1"


@pytest.mark.parametrize("cell, reset", CASES)
def test_wires_avoid_other_nodes_and_each_other(cell, reset):
    d = diagrams.drawing(cell, reset)
    boxes = {}
    for name, shape in d.shapes.items():
        (x, y), (hw, hh) = d.layout.places[name].at, diagrams.SHAPES[shape]
        boxes[name] = (x - hw, y - hh, x + hw, y + hh)
    segments = {key: list(zip(p, p[1:])) for key, p in d.routes.items()}
    w, h = d.layout.size
    for (src, dst), segs in segments.items():
        for (ax, ay), (bx, by) in segs:
            assert ax == bx or ay == by, "wires run horizontally or vertically"
            assert 0 <= min(ax, bx) and max(ax, bx) <= w and 0 <= min(ay, by) and max(ay, by) <= h
            for name, (x0, y0, x1, y1) in boxes.items():
                inside = max(ax, bx) > x0 and min(ax, bx) < x1 and max(ay, by) > y0 and min(ay, by) < y1
                assert not inside, f"wire {src}->{dst} crosses node {name}"
        for (other_src, _), other in segments.items():
            if other_src != src:
                for a, b in segs:
                    for c, e in other:
                        assert not diagrams._overlap(a, b, c, e), f"{src}->{dst} runs along a wire of {other_src}"


def test_a_node_without_a_place_is_an_error(monkeypatch):
    layout = diagrams.LAYOUTS["gru"]
    places = {k: v for k, v in layout.places.items() if k != "keep"}
    monkeypatch.setitem(diagrams.LAYOUTS, "gru", dataclasses.replace(layout, places=places))
    with pytest.raises(ValueError, match="keep.*no position"):
        diagrams.cell_svg("gru")


@pytest.mark.parametrize("kwargs, message", [
    ({"cell": "gru", "reset": "middle"}, "reset"), ({"cell": "tcn"}, "cell"),
    ({"cell": "gru", "id_prefix": "9 bad"}, "id_prefix")])
def test_bad_arguments_are_named(kwargs, message):
    with pytest.raises(ValueError, match=message):
        diagrams.cell_svg(**kwargs)
