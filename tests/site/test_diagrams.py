"""The gate diagrams draw exactly the traced dataflow, with stable ids, text alternatives and numbers."""
import dataclasses
import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest

import gru_ref
from gru_ref import cells, registry
from gru_ref.checks import check_step
from sitegen import diagrams, notation
from sitegen.dataflow import ACTIVATIONS, trace_graph

SVG = "{http://www.w3.org/2000/svg}"
CASES = [("rnn", "after"), ("gru", "after"), ("gru", "before"), ("lstm", "after")]


def parse(svg):
    return ET.fromstring(svg)


def classes(element):
    return element.get("class", "").split()


def drawn_wires(root):
    return {(g.get("data-src"), g.get("data-dst")): g for g in root.iter(SVG + "g") if "gr-wire" in classes(g)}


def products(root):
    """Matrix-product nodes drawn outside the gate boxes: name -> the weights they multiply by."""
    return {g.get("data-node"): g.get("data-via") for g in root.iter(SVG + "g") if "gr-product" in classes(g)}


def contracted(root):
    """Drawn wires with each product node taken out again: src -> product -> dst is one wire via its weights."""
    wires = {key: set(g.get("data-via", "").split()) for key, g in drawn_wires(root).items()}
    for node, via in products(root).items():
        (into,) = [k for k in wires if k[1] == node]
        (out,) = [k for k in wires if k[0] == node]
        wires[into[0], out[1]] = wires.pop(into) | wires.pop(out) | set(via.split())
    return wires


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
    assert contracted(parse(diagrams.cell_svg(cell, reset))) == traced_wires(cell, reset)


def test_gru_wires_written_from_the_equations():
    """Independent of the tracer: the wires a GRU diagram must show, read off the equations."""
    common = {(s, g) for s in ("x", "H_prev") for g in ("u", "r")} | {
        ("r", "reset_H"), ("x", "H_tilde"), ("u", "keep"), ("H_prev", "keep"), ("u", "write"), ("H_tilde", "write"),
        ("keep", "H"), ("write", "H")}
    after, before = (parse(diagrams.cell_svg("gru", r)) for r in ("after", "before"))
    # r_t ⊙ (H_{t-1} W_h + b_Wh): the product box sits between H_{t-1} and the reset
    assert set(drawn_wires(after)) == common | {("H_prev", "H_prev_W_h"), ("H_prev_W_h", "reset_H"),
                                                ("reset_H", "H_tilde")}
    # (r_t ⊙ H_{t-1}) W_h: the product box sits between the reset and the candidate
    assert set(drawn_wires(before)) == common | {("H_prev", "reset_H"), ("reset_H", "reset_H_W_h"),
                                                 ("reset_H_W_h", "H_tilde")}
    assert products(after) == {"H_prev_W_h": "W_h"} and products(before) == {"reset_H_W_h": "W_h"}
    # only the weighted step inputs entering a gate box keep their weights on the wire
    for root in (after, before):
        assert {k: g.get("data-via") for k, g in drawn_wires(root).items() if g.get("data-via")} == {
            ("x", "u"): "U_u", ("H_prev", "u"): "W_u", ("x", "r"): "U_r", ("H_prev", "r"): "W_r",
            ("x", "H_tilde"): "U_h"}


def centre(root, name):
    g = next(g for g in root.iter(SVG + "g") if g.get("data-node") == name and "gr-node" in classes(g))
    shape = g.find(SVG + "rect")
    if shape is not None:
        return (float(shape.get("x")) + float(shape.get("width")) / 2,
                float(shape.get("y")) + float(shape.get("height")) / 2)
    shape = g.find(SVG + "circle")
    return float(shape.get("cx")), float(shape.get("cy"))


def test_the_two_reset_placements_look_different():
    """The W_h box is drawn on the way down from H_{t-1}: before the reset ⊙ or after it."""
    after, before = (parse(diagrams.cell_svg("gru", r)) for r in ("after", "before"))
    assert centre(after, "H_prev_W_h")[1] < centre(after, "reset_H")[1] < centre(after, "H_tilde")[1]
    assert centre(before, "reset_H")[1] < centre(before, "reset_H_W_h")[1] < centre(before, "H_tilde")[1]
    for root, node in ((after, "H_prev_W_h"), (before, "reset_H_W_h")):
        g = next(g for g in root.iter(SVG + "g") if g.get("data-node") == node)
        assert "".join(g.find(SVG + "text").itertext()) == "Wh" and g.find(SVG + "rect") is not None


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
    """The layout is checked against the trace: a changed step is refused, naming both wires, until drawn."""
    original = set(drawn_wires(parse(diagrams.cell_svg("gru"))))
    patched = dataclasses.replace(registry.CELLS["gru"], step=check_step(patched_gru_step))
    monkeypatch.setitem(registry.CELLS, "gru", patched)
    with pytest.raises(ValueError) as refused:
        diagrams.cell_svg("gru")
    assert "gru-after diagram" in str(refused.value)
    assert "wire r -> write is computed by the code but missing" in str(refused.value)
    assert "wire H_prev -> r in LAYOUTS['gru-after'].wires is not computed by the code" in str(refused.value)

    layout = diagrams.LAYOUTS["gru-after"]
    wires = {k: v for k, v in layout.wires.items() if k != ("H_prev", "r")}
    wires["r", "write"] = ((280, 240), (280, 210), (600, 210), (600, 175), (560, 175))
    monkeypatch.setitem(diagrams.LAYOUTS, "gru-after", dataclasses.replace(layout, wires=wires))
    changed = set(drawn_wires(parse(diagrams.cell_svg("gru"))))
    assert original - changed == {("H_prev", "r")}
    assert changed - original == {("r", "write")}
    assert contracted(parse(diagrams.cell_svg("gru"))) == traced_wires("gru", "after")


@pytest.mark.parametrize("change, message", [
    (lambda wires: wires.pop(("keep", "H")), r"gru-after diagram: wire keep -> H is computed by the code but missing"),
    (lambda wires: wires.update({("x", "keep"): ((110, 364), (460, 364), (460, 64))}),
     r"gru-after diagram: wire x -> keep in LAYOUTS\['gru-after'\]\.wires is not computed by the code"),
    (lambda wires: wires.update({("H_prev", "r"): ((150, 200), (272, 200), (272, 240))}),
     r"gru-after diagram, wire H_prev -> r: starts at \(150, 200\), neither H_prev's centre nor on an earlier wire"),
    (lambda wires: wires.update({("H_prev", "r"): ((162, 290), (272, 290), (272, 200))}),
     r"gru-after diagram, wire H_prev -> r: ends at \(272, 200\), outside r"),
])
def test_a_missing_extra_or_misplaced_wire_entry_is_an_error(monkeypatch, change, message):
    layout = diagrams.LAYOUTS["gru-after"]
    wires = dict(layout.wires)
    change(wires)
    monkeypatch.setitem(diagrams.LAYOUTS, "gru-after", dataclasses.replace(layout, wires=wires))
    with pytest.raises(ValueError, match=message):
        diagrams.cell_svg("gru")


def test_a_node_without_a_place_is_an_error(monkeypatch):
    layout = diagrams.LAYOUTS["gru-before"]
    places = {k: v for k, v in layout.places.items() if k != "reset_H_W_h"}
    monkeypatch.setitem(diagrams.LAYOUTS, "gru-before", dataclasses.replace(layout, places=places))
    with pytest.raises(ValueError, match="gru-before diagram: traced node 'reset_H_W_h' has no position"):
        diagrams.cell_svg("gru", "before")


@pytest.mark.parametrize("cell, reset", CASES)
def test_ids_are_unique_prefixed_and_stable(cell, reset):
    svg = diagrams.cell_svg(cell, reset)
    assert svg == diagrams.cell_svg(cell, reset)
    root = parse(svg)
    ids = [e.get("id") for e in root.iter() if e.get("id")]
    assert len(ids) == len(set(ids))
    prefix = cell + ("-" + reset if cell == "gru" else "")
    assert all(i.startswith(prefix + "-") for i in ids)
    for key, g in drawn_wires(root).items():
        assert g.get("id") == f"{prefix}-wire-{key[0]}-{key[1]}"
    graph = trace_graph(cell, **({"reset": reset} if cell == "gru" else {}))
    expected = {f"{prefix}-node-{name}" for name in [*graph.kinds, *products(root)]}  # every traced value, boxed or not
    assert expected <= set(ids)
    assert {f"{prefix}-out-{name}" for name in graph.outputs} <= set(ids)
    other = [e.get("id") for e in parse(diagrams.cell_svg(cell, reset, id_prefix="fig2")).iter() if e.get("id")]
    assert other == [i.replace(prefix, "fig2", 1) for i in ids]


@pytest.mark.parametrize("cell, reset", CASES)
def test_title_and_description(cell, reset):
    root = parse(diagrams.cell_svg(cell, reset))
    assert root.get("role") == "img"
    title, desc = root.find(SVG + "title"), root.find(SVG + "desc")
    assert root.get("aria-labelledby").split() == [title.get("id"), desc.get("id")]
    assert title.text.startswith(registry.cell(cell).title + " cell") and len(desc.text) > 100
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


def label_text(label):
    """A notation label as the SVG shows it: the subscript's braces dropped, a true minus sign."""
    base, _, sub = label.partition("_")
    return base + sub.strip("{}").replace("-", "−")


@pytest.mark.parametrize("cell, reset", CASES)
def test_names_come_from_the_notation_table(cell, reset):
    root = parse(diagrams.cell_svg(cell, reset))
    labelled = {}
    for g in root.iter(SVG + "g"):
        text = g.find(SVG + "text[@class='gr-label']")
        if text is not None:
            labelled[g.get("data-node")] = "".join(text.itertext())
    graph = trace_graph(cell, **({"reset": reset} if cell == "gru" else {}))
    assert set(graph.inputs) | set(graph.outputs) <= set(labelled)
    for name, text in labelled.items():
        assert text == label_text(notation.of(cell, name, reset).label), name


def test_titles_and_words_follow_the_registry_and_the_notation(monkeypatch):
    monkeypatch.setitem(registry.CELLS, "gru", dataclasses.replace(registry.CELLS["gru"], title="Gated unit"))
    monkeypatch.setitem(notation.STATES, "H", notation.Notation("H_t", "H_t", "next state"))
    root = parse(diagrams.cell_svg("gru"))
    assert root.find(SVG + "title").text.startswith("Gated unit cell")
    assert "The next state H_t = " in root.find(SVG + "desc").text


def test_only_the_elementwise_state_paths_are_highlighted():
    def carried(cell, reset="after"):
        return {k for k, g in drawn_wires(parse(diagrams.cell_svg(cell, reset))).items() if "gr-carry" in classes(g)}
    assert carried("rnn") == set()
    assert carried("gru") == carried("gru", "before") == {("H_prev", "keep"), ("keep", "H")}
    assert carried("lstm") == {("C_prev", "keep"), ("keep", "C")}


# ---------------------------------------------------------------- geometry, read back from the SVG

def path_geometry(d):
    """Straight pieces of a path of M/H/V/A commands (an arc counted as its chord), and each arc's
    centre and radius."""
    tokens = re.findall(r"[MHVA]|-?\d+(?:\.\d+)?", d)
    pieces, arcs, here, k = [], [], None, 0
    while k < len(tokens):
        command, k = tokens[k], k + 1
        count = {"M": 2, "H": 1, "V": 1, "A": 7}[command]
        args, k = [float(t) for t in tokens[k:k + count]], k + count
        if command == "M":
            there = tuple(args)
        elif command == "H":
            there = (args[0], here[1])
        elif command == "V":
            there = (here[0], args[0])
        else:
            there = tuple(args[5:])
        if command == "A":
            span = abs(there[0] - here[0]) + abs(there[1] - here[1])
            assert args[0] == args[1] and span == 2 * args[0], "a semicircle"
            arcs.append(((here[0] + there[0]) / 2, (here[1] + there[1]) / 2))
        if command != "M":
            pieces.append((here, there))
        here = there
    return pieces, arcs


def drawn_paths(root):
    """Every wire and output arrow: (source, id) -> (pieces, arc centres, carried?)."""
    paths = {}
    for g in root.iter(SVG + "g"):
        if {"gr-wire", "gr-output"} & set(classes(g)):
            source = g.get("data-src") or g.get("data-node")
            paths[source, g.get("id")] = (*path_geometry(g.find(SVG + "path").get("d")), "gr-carry" in classes(g))
    return paths


def crossing(p, q):
    """The point where a horizontal and a vertical piece cross, strictly inside both."""
    (a, b), (c, d) = (p, q) if p[0][1] == p[1][1] else (q, p)
    if a[1] != b[1] or c[0] != d[0]:
        return None
    x, y = c[0], a[1]
    return (x, y) if min(a[0], b[0]) < x < max(a[0], b[0]) and min(c[1], d[1]) < y < max(c[1], d[1]) else None


def through(pieces, point):
    return any(min(a[0], b[0]) <= point[0] <= max(a[0], b[0]) and min(a[1], b[1]) <= point[1] <= max(a[1], b[1])
               for a, b in pieces)


@pytest.mark.parametrize("cell, reset, count", [("rnn", "after", 0), ("gru", "after", 2), ("gru", "before", 2),
                                                ("lstm", "after", 3)])
def test_hops_exactly_where_wires_of_different_sources_cross(cell, reset, count):
    paths = drawn_paths(parse(diagrams.cell_svg(cell, reset)))
    crossings = {}
    for (s1, _), (pieces1, _, _) in paths.items():
        for (s2, _), (pieces2, _, _) in paths.items():
            if s1 < s2:
                for p in pieces1:
                    for q in pieces2:
                        if point := crossing(p, q):
                            crossings.setdefault(point, set()).update({s1, s2})
    hops = {arc for _, arcs, _ in paths.values() for arc in arcs}
    assert set(crossings) == hops and len(hops) == count
    for point, sources in crossings.items():
        hopping = {}
        for (source, wire), (pieces, arcs, carried) in paths.items():
            if source in sources and through(pieces, point):
                hopping.setdefault(source, set()).add(point in arcs)
                assert not (carried and point in arcs), f"the carry path {wire} is never bridged"
        assert sorted(hopping.values(), key=sorted) == [{False}, {True}], \
            f"at {point} every wire of one source hops, no wire of the other: {hopping}"


@pytest.mark.parametrize("cell, reset", CASES)
def test_wires_avoid_other_nodes_and_each_other(cell, reset):
    root = parse(diagrams.cell_svg(cell, reset))
    boxes = {}
    for g in root.iter(SVG + "g"):
        if "gr-node" in classes(g) and "gr-input" not in classes(g):
            (x, y), shape = centre(root, g.get("data-node")), g.find(SVG + "rect")
            hw, hh = ((float(shape.get("width")) / 2, float(shape.get("height")) / 2) if shape is not None
                      else (float(g.find(SVG + "circle").get("r")),) * 2)
            boxes[g.get("data-node")] = (x - hw, y - hh, x + hw, y + hh)
    w, h = (float(v) for v in root.get("viewBox").split()[2:])
    paths = drawn_paths(root)
    for (source, wire), (pieces, _, _) in paths.items():
        for (ax, ay), (bx, by) in pieces:
            assert ax == bx or ay == by, "wires run horizontally or vertically"
            assert 0 <= min(ax, bx) and max(ax, bx) <= w and 0 <= min(ay, by) and max(ay, by) <= h
            for name, (x0, y0, x1, y1) in boxes.items():
                inside = max(ax, bx) > x0 and min(ax, bx) < x1 and max(ay, by) > y0 and min(ay, by) < y1
                assert not inside, f"{wire} crosses node {name}"
        for (other_source, other), (other_pieces, _, _) in paths.items():
            if other_source != source:
                for (a, b) in pieces:
                    for (c, d) in other_pieces:
                        same_line = (a[1] == b[1] == c[1] == d[1] and min(max(a[0], b[0]), max(c[0], d[0]))
                                     > max(min(a[0], b[0]), min(c[0], d[0]))) or (
                                    a[0] == b[0] == c[0] == d[0] and min(max(a[1], b[1]), max(c[1], d[1]))
                                     > max(min(a[1], b[1]), min(c[1], d[1])))
                        assert not same_line, f"{wire} runs along {other}"


@pytest.mark.parametrize("cell, reset", CASES)
def test_junctions_are_where_wires_of_one_source_part(cell, reset):
    root = parse(diagrams.cell_svg(cell, reset))
    paths = drawn_paths(root)
    dots = [(float(c.get("cx")), float(c.get("cy"))) for c in root.iter(SVG + "circle") if "gr-junction" in classes(c)]
    assert dots or cell == "rnn"
    for dot in dots:
        sources = {source for (source, _), (pieces, _, _) in paths.items() if through(pieces, dot)}
        users = [wire for (source, wire), (pieces, _, _) in paths.items() if through(pieces, dot)]
        assert len(sources) == 1 and len(users) >= 2, (dot, users)


# ---------------------------------------------------------------- numbers

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


def numbers_by_node(root):
    numbers = {}
    for g in root.iter(SVG + "g"):
        text = g.find(SVG + "text[@class='gr-value']")
        if g.get("data-node") and text is not None:
            numbers[g.get("data-node")] = [t.text for t in text.findall(SVG + "tspan")]
    return numbers


@pytest.mark.parametrize("cell, reset", CASES)
def test_values_version_shows_the_trace(cell, reset):
    values = example_values(cell, reset)
    root = parse(diagrams.cell_svg(cell, reset, values=values))
    numbers = numbers_by_node(root)
    traced = {g.get("data-node") for g in root.iter(SVG + "g") if "gr-node" in classes(g)} - set(products(root))
    assert set(numbers) == traced
    for name, texts in numbers.items():
        assert texts == shown(values[name]), name
    for (src, _), g in drawn_wires(root).items():
        expected = None if src in products(root) else "[" + ", ".join(shown(values[src])) + "]"
        assert g.get("data-value") == expected


@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
def test_worked_example_diagram_has_every_state(cell):
    root = parse(diagrams.diagram_html(cell, values=True)).find(SVG + "svg")
    assert {f"{s}_prev" for s in registry.cell(cell).states} <= set(numbers_by_node(root))


@pytest.mark.parametrize("cell, reset", CASES)
def test_the_numbered_diagrams_description_reads_out_every_number_it_draws(cell, reset):
    """A screen reader gets the numbers too: each drawn vector, by node, in the <desc>; the plain
    diagram's description has none, and neither has one whose numbers a script changes."""
    figure = parse(diagrams.diagram_html(cell, reset, values=True))
    root = figure.find(SVG + "svg")
    desc = root.find(SVG + "desc").text
    plain = parse(diagrams.cell_svg(cell, reset)).find(SVG + "desc").text
    assert desc.startswith(plain + " The numbers of this step: ")
    numbers = numbers_by_node(root)
    listed = re.findall(r"\[([^\]]*)\]", desc[len(plain):])
    assert sorted(listed) == sorted(", ".join(vector) for vector in numbers.values())  # every drawn vector, once
    for name in ("x", "H_prev", "H"):  # named as the diagram labels them
        label = notation.of(cell, name, reset).label
        assert f"{label} = [{', '.join(numbers[name])}]" in desc
    assert not re.search(r"\d\.\d{3}", plain)
    live = parse(diagrams.cell_svg(cell, reset, values=example_values(cell, reset), id_prefix="live"))
    assert live.find(SVG + "desc").text == plain


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


@pytest.mark.parametrize("kwargs, message", [
    ({"cell": "gru", "reset": "middle"}, "reset"), ({"cell": "tcn"}, "cell"),
    ({"cell": "gru", "id_prefix": "9 bad"}, "id_prefix")])
def test_bad_arguments_are_named(kwargs, message):
    with pytest.raises(ValueError, match=message):
        diagrams.cell_svg(**kwargs)
