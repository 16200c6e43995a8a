"""Gate diagrams of the RNN, GRU and LSTM cells as inline SVG, wired from the traced code.

Which wires exist, which weights they pass through and what each box computes come from
sitegen.dataflow, i.e. from running gru_ref's step functions; labels and words come from
sitegen.notation, cell titles from gru_ref.registry. This module adds only geometry: LAYOUTS places
each drawn node and gives each wire its polyline. A wire the code computes that the layout does not
list, or one the layout lists that the code does not compute, is an error naming the wire and the
diagram, so a changed step function cannot be drawn wrong, only refused until its layout follows.

A gate box holds a pre-activation together with its activation (a_u and u): the registry's block
x U + H W + b with the weighted step inputs on its wires. Any other matrix product is a node of its
own, named after its operand and weights (H_prev_W_h: H_{t-1} W_h in the GRU that resets after the
product, reset_H_W_h in the one that resets before). Every other traced value is its own node.

Stable hooks for styling and later interaction (prefix = id_prefix, names as in the trace):
  <svg class="gr-diagram gr-{cell}">, ids {prefix}-title, {prefix}-desc, markers {prefix}-arrow(-carry)
  nodes    <g id="{prefix}-node-{name}" class="gr-node gr-gate|gr-op|gr-input gr-{kind}" data-node
           data-members>; a gate's box <rect> carries the pre-activation's id ({prefix}-node-a_u)
  products <g id="{prefix}-node-{src}_{weights}" class="gr-node gr-product gr-matmul" data-node data-via>:
           a matrix product outside the gate boxes; no numbers (the trace does not name its value)
  wires    <g id="{prefix}-wire-{src}-{dst}" class="gr-wire [gr-carry]" data-src data-dst [data-via]
           [data-value]>: a <path> from the source (shared with the source's other wires up to a
           .gr-junction), its weights (text.gr-weight), constants on the way (g.gr-wire-op); where it
           crosses a wire of another source without joining, one of the two bridges it with a semicircle
  outputs  <g id="{prefix}-out-{name}" class="gr-output [gr-carry]" data-node>: the next state leaving
  text     .gr-label (notation, .gr-sub subscripts), .gr-glyph (σ, tanh), .gr-value (numbers)
  also     .gr-frame (the cell), .gr-junction (where a source's wires part), .gr-dot / .gr-plus (⊙, +)
Colours live in docs/stylesheets/diagrams.css (light and dark).
"""
import dataclasses
import math
import re
from html import escape

import numpy as np

from gru_ref import registry
from gru_ref.cells import RESET_PLACEMENTS
from sitegen import dataflow, examples, notation

# half width, half height; a circle's radius twice
SHAPES = {"port": (0, 0), "box": (24, 15), "pill": (21, 12), "circle": (11, 11), "product": (17, 12)}
GLYPHS = {"sigmoid": "σ", "tanh": "tanh", "relu": "ReLU"}
HOP = 5  # radius of the bridge where two wires cross


@dataclasses.dataclass(frozen=True)
class Place:
    """Where a drawn node sits; what it is called comes from sitegen.notation."""
    at: tuple  # centre (x, y)
    label_at: tuple = (0, -18, "middle")  # label offset from the centre, and text-anchor (inputs, gate boxes)
    value_at: tuple = None  # right end of the numbers and first baseline, from `at` (outputs: from the exit)


@dataclasses.dataclass(frozen=True)
class Layout:
    """Geometry of one diagram. Every polyline runs horizontally or vertically.

    wires: (src, dst) -> points. The first point is the source's centre, or a point on an earlier
    wire (or the exit) of the same source, which the wire follows up to there: its branch point.
    The last point is inside the destination: a circle's centre, or where the arrow enters a box.
    """
    size: tuple
    frame: tuple  # x0, y0, x1, y1 of the cell
    places: dict  # drawn node -> Place
    wires: dict
    exits: dict  # output -> points of the arrow leaving the cell, from the node's centre


GATE_LABEL = (-9, -26, "end")  # gate labels sit left of the wire leaving the box's top
GATE_VALUE = (52, -40)  # and their numbers right of it
INPUT = {"label_at": (10, 8, "start")}
STATE_IN = {"label_at": (2, -8, "start"), "value_at": (52, 20)}

GRU_PLACES = {
    "x": Place((110, 364), **INPUT, value_at=(-8, -24)),
    "H_prev": Place((8, 64), **STATE_IN),
    "u": Place((170, 240), GATE_LABEL, GATE_VALUE),
    "r": Place((280, 240), GATE_LABEL, GATE_VALUE),
    "H_tilde": Place((390, 240), (40, -8, "start"), (80, 20)),
    "keep": Place((460, 64), value_at=(-16, -24)),
    "write": Place((560, 175), value_at=(-12, 26)),
    "H": Place((560, 64), value_at=(0, 20)),
}
GRU_WIRES = {  # x and H_{t-1} run along two buses under the gates; u_t along y=100 to the mix
    ("x", "u"): ((110, 364), (110, 306), (178, 306), (178, 240)),
    ("x", "r"): ((178, 306), (288, 306), (288, 240)),
    ("x", "H_tilde"): ((288, 306), (390, 306), (390, 240)),
    ("H_prev", "keep"): ((8, 64), (460, 64)),
    ("H_prev", "u"): ((84, 64), (84, 290), (162, 290), (162, 240)),
    ("H_prev", "r"): ((162, 290), (272, 290), (272, 240)),
    ("u", "keep"): ((170, 240), (170, 100), (460, 100), (460, 64)),
    ("u", "write"): ((460, 100), (505, 100), (505, 175), (560, 175)),
    ("H_tilde", "write"): ((390, 240), (560, 240), (560, 175)),
    ("keep", "H"): ((460, 64), (560, 64)),
    ("write", "H"): ((560, 175), (560, 64)),
}


def _gru(places, wires):
    """A GRU layout: the shared places and wires, plus the column from H_{t-1} down to the candidate."""
    return Layout(size=(660, 380), frame=(64, 24, 618, 330), places={**GRU_PLACES, **places},
                  wires={**GRU_WIRES, **wires}, exits={"H": ((560, 64), (650, 64))})


LAYOUTS = {
    "rnn": Layout(
        size=(420, 200), frame=(64, 24, 356, 130),
        places={"x": Place((210, 190), (10, 6, "start"), (-8, -32)), "H_prev": Place((8, 77), **STATE_IN),
                "H": Place((210, 77), value_at=(0, 20))},
        wires={("x", "H"): ((210, 190), (210, 77)), ("H_prev", "H"): ((8, 77), (210, 77))},
        exits={"H": ((210, 77), (410, 77))}),
    # reset after: H_{t-1} -> [W_h] -> ⊙ <- r_t -> candidate
    "gru-after": _gru(
        {"H_prev_W_h": Place((390, 130)), "reset_H": Place((390, 175), value_at=(58, -3))},
        {("H_prev", "H_prev_W_h"): ((390, 64), (390, 130)), ("H_prev_W_h", "reset_H"): ((390, 130), (390, 175)),
         ("r", "reset_H"): ((280, 240), (280, 175), (390, 175)), ("reset_H", "H_tilde"): ((390, 175), (390, 240))}),
    # reset before: H_{t-1} -> ⊙ <- r_t, then [W_h] -> candidate
    "gru-before": _gru(
        {"reset_H": Place((390, 130), value_at=(58, -3)), "reset_H_W_h": Place((390, 182))},
        {("H_prev", "reset_H"): ((390, 64), (390, 130)), ("r", "reset_H"): ((280, 240), (280, 130), (390, 130)),
         ("reset_H", "reset_H_W_h"): ((390, 130), (390, 182)), ("reset_H_W_h", "H_tilde"): ((390, 182), (390, 240))}),
    "lstm": Layout(
        size=(710, 390), frame=(64, 24, 670, 330),
        places={
            "x": Place((90, 364), **INPUT, value_at=(-8, -16)),
            "H_prev": Place((8, 290), **STATE_IN),
            "C_prev": Place((8, 56), **STATE_IN),
            "f": Place((160, 240), GATE_LABEL, GATE_VALUE),
            "i": Place((260, 240), GATE_LABEL, GATE_VALUE),
            "C_tilde": Place((360, 240), GATE_LABEL, GATE_VALUE),
            "o": Place((460, 240), (36, -8, "start"), (100, 20)),
            "keep": Place((160, 56), value_at=(58, 24)),
            "write": Place((360, 140), value_at=(58, -3)),
            "C": Place((360, 56), value_at=(0, 20)),
            "tanh_C": Place((580, 130), value_at=(66, -3)),
            "H": Place((580, 200), value_at=(0, 20)),
        },
        wires={
            ("x", "f"): ((90, 364), (90, 306), (168, 306), (168, 240)),
            ("x", "i"): ((168, 306), (268, 306), (268, 240)),
            ("x", "C_tilde"): ((268, 306), (368, 306), (368, 240)),
            ("x", "o"): ((368, 306), (468, 306), (468, 240)),
            ("H_prev", "f"): ((8, 290), (152, 290), (152, 240)),
            ("H_prev", "i"): ((152, 290), (252, 290), (252, 240)),
            ("H_prev", "C_tilde"): ((252, 290), (352, 290), (352, 240)),
            ("H_prev", "o"): ((352, 290), (452, 290), (452, 240)),
            ("C_prev", "keep"): ((8, 56), (160, 56)),
            ("f", "keep"): ((160, 240), (160, 56)),
            ("i", "write"): ((260, 240), (260, 140), (360, 140)),
            ("C_tilde", "write"): ((360, 240), (360, 140)),
            ("keep", "C"): ((160, 56), (360, 56)),
            ("write", "C"): ((360, 140), (360, 56)),
            ("C", "tanh_C"): ((580, 56), (580, 130)),  # off the arrow carrying C_t out
            ("o", "H"): ((460, 240), (580, 240), (580, 200)),
            ("tanh_C", "H"): ((580, 130), (580, 200)),
        },
        exits={"C": ((360, 56), (700, 56)), "H": ((580, 200), (700, 200))}),
}


# ---------------------------------------------------------------- graph -> drawn nodes and wires

def groups(graph):
    """Traced name -> drawn node: a weighted pre-activation joins the activation it feeds."""
    group = {name: name for name in graph.kinds}
    for name, kind in graph.kinds.items():
        if kind in dataflow.ACTIVATIONS:
            pre = graph.edges_into(name)[0].src
            if (pre not in graph.inputs + graph.outputs and len(graph.edges_from(pre)) == 1
                    and any(e.via for e in graph.edges_into(pre))):
                group[pre] = name
    return group


def wires(graph):
    """(src node, dst node) -> (weights, ops) for every traced edge between different drawn nodes."""
    group = groups(graph)
    drawn = {}
    for e in graph.edges:
        src, dst = group[e.src], group[e.dst]
        if src != dst:
            via, ops = drawn.get((src, dst), ((), ()))
            drawn[src, dst] = (tuple(dict.fromkeys(via + e.via)), ops + e.ops[:-1])
    return drawn


def _split_products(traced, graph, shapes):
    """Wires as drawn, and product node -> weights: a weighted wire that is not a step input entering a
    gate box becomes src -> product -> dst."""
    drawn, products = {}, {}
    for (src, dst), (via, ops) in traced.items():
        if via and not (src in graph.inputs and shapes[dst] == "box"):
            node = "_".join((src,) + via)
            products[node] = via
            drawn[src, node], drawn[node, dst] = ((), ()), ((), ops)
        else:
            drawn[src, dst] = (via, ops)
    return drawn, products


def _carry_wires(graph, group):
    """Wires on a path from a state input to its output through elementwise products and sums only."""
    free = [e for e in graph.edges if not e.via and graph.kinds[e.dst] in ("mul", "add")]
    return {(group[e.src], group[e.dst]) for output in graph.outputs for e in free
            if _reachable(free, output + "_prev", e.src) and _reachable(free, e.dst, output)}


def _reachable(edges, start, name):
    frontier, seen = [start], {start}
    while frontier:
        here = frontier.pop()
        for e in [e for e in edges if e.src == here]:
            if e.dst not in seen:
                seen.add(e.dst)
                frontier.append(e.dst)
    return name in seen


def _shape(graph, group, name):
    kind = graph.kinds[name]
    if kind == "input":
        return "port"
    if kind in dataflow.ACTIVATIONS:
        return "box" if any(group[m] == name and m != name for m in group) else "pill"
    return "circle"


def _check(key, layout, shapes, drawn, outputs):
    """Every drawn node placed and every drawn wire routed, nothing else: or one error listing what differs."""
    where = f"LAYOUTS[{key!r}]"
    problems = [f"traced node {n!r} has no position in {where}.places" for n in shapes if n not in layout.places]
    problems += [f"{where}.places has {n!r}, which the code does not compute" for n in layout.places if n not in shapes]
    problems += [f"wire {s} -> {d} is computed by the code but missing from {where}.wires"
                 for s, d in drawn if (s, d) not in layout.wires]
    problems += [f"wire {s} -> {d} in {where}.wires is not computed by the code"
                 for s, d in layout.wires if (s, d) not in drawn]
    problems += [f"output {n!r} has no arrow in {where}.exits" for n in outputs if n not in layout.exits]
    if problems:
        raise ValueError(f"{key} diagram: " + "; ".join(problems))


# ---------------------------------------------------------------- geometry

def _on_segment(p, a, b):
    return (min(a[0], b[0]) <= p[0] <= max(a[0], b[0]) and min(a[1], b[1]) <= p[1] <= max(a[1], b[1])
            and (a[0] == b[0] == p[0] or a[1] == b[1] == p[1]))


def _simplify(points, where):
    """Drop repeated points and straight-through corners; every segment horizontal or vertical."""
    out = []
    for p in points:
        if out and p == out[-1]:
            continue
        if out and p[0] != out[-1][0] and p[1] != out[-1][1]:
            raise ValueError(f"{where}: the segment {out[-1]} -> {p} is neither horizontal nor vertical")
        if len(out) >= 2 and (out[-2][0] == out[-1][0] == p[0] or out[-2][1] == out[-1][1] == p[1]):
            a, b = out[-2], out[-1]
            if (b[0] - a[0]) * (p[0] - b[0]) < 0 or (b[1] - a[1]) * (p[1] - b[1]) < 0:
                raise ValueError(f"{where}: doubles back at {b}")
            out[-1] = p
            continue
        out.append(p)
    return out


def _paths(key, layout, shapes):
    """Each wire and exit as a whole polyline from its source's centre, and each wire's branch point."""
    paths, branches = {}, {}
    for wire, own in [((n, None), p) for n, p in layout.exits.items()] + list(layout.wires.items()):
        (src, dst), start = wire, own[0]
        where = f"{key} diagram, {_wire_name(wire)}"
        prefix = []
        if start != layout.places[src].at:
            prefix = next((path[:k + 1] for (s, _), path in paths.items() if s == src and start != path[-1]
                           for k in range(len(path) - 1) if _on_segment(start, path[k], path[k + 1])), None)
            if prefix is None:
                raise ValueError(f"{where}: starts at {start}, neither {src}'s centre nor on an earlier wire of {src}")
            branches[wire] = start
        paths[wire] = _simplify(prefix + list(own), where)
        if dst is not None:
            (x, y), (cx, cy), (hw, hh) = own[-1], layout.places[dst].at, SHAPES[shapes[dst]]
            inside = (x, y) == (cx, cy) if shapes[dst] == "circle" else abs(x - cx) < hw and abs(y - cy) < hh
            if not inside:
                raise ValueError(f"{where}: ends at {own[-1]}, outside {dst} (centre {(cx, cy)})")
    return paths, branches


def _clip(points, centre, shape, at_end):
    """Move the first (or last) point from inside a node to its outline, along its segment."""
    hw, hh = SHAPES[shape]
    points = list(points)
    i, j = (-1, -2) if at_end else (0, 1)
    (px, py), (qx, qy) = points[i], points[j]
    if hw:
        points[i] = ((px, centre[1] + math.copysign(hh, qy - centre[1])) if px == qx
                     else (centre[0] + math.copysign(hw, qx - centre[0]), py))
    return points


def _overlap(a, b, c, d):
    """Do segments ab and cd run along the same line for a positive length?"""
    if a[1] == b[1] == c[1] == d[1]:
        return min(max(a[0], b[0]), max(c[0], d[0])) > max(min(a[0], b[0]), min(c[0], d[0]))
    if a[0] == b[0] == c[0] == d[0]:
        return min(max(a[1], b[1]), max(c[1], d[1])) > max(min(a[1], b[1]), min(c[1], d[1]))
    return False


def _crossing(a, b, c, d):
    """Where a horizontal and a vertical segment cross, strictly inside both; else None."""
    if a[1] == b[1] and c[0] == d[0]:
        x, y, (h0, h1), (v0, v1) = c[0], a[1], (a[0], b[0]), (c[1], d[1])
    elif a[0] == b[0] and c[1] == d[1]:
        x, y, (h0, h1), (v0, v1) = a[0], c[1], (c[0], d[0]), (a[1], b[1])
    else:
        return None
    return (x, y) if min(h0, h1) < x < max(h0, h1) and min(v0, v1) < y < max(v0, v1) else None


def _hops(key, paths, carried):
    """Wire -> points it bridges. Where two sources' wires cross, the one off the carry path hops,
    else the horizontal one; every wire of that source through the point hops with it."""
    at = {}  # point -> source -> (horizontal, wires through the point)
    segments = [(wire, a, b) for wire, points in paths.items() for a, b in zip(points, points[1:])]
    for n, (w1, a, b) in enumerate(segments):
        for w2, c, d in segments[n + 1:]:
            if w1[0] == w2[0]:
                continue
            if _overlap(a, b, c, d):
                raise ValueError(f"{key} diagram: {_wire_name(w1)} runs along {_wire_name(w2)}")
            point = _crossing(a, b, c, d)
            for wire, horizontal in ((w1, a[1] == b[1]), (w2, c[1] == d[1])) if point else ():
                at.setdefault(point, {}).setdefault(wire[0], (horizontal, set()))[1].add(wire)
    hops = {}
    for point, sources in at.items():
        if len(sources) != 2:
            raise ValueError(f"{key} diagram: wires of {sorted(sources)} cross at one point {point}")
        hopper = min(sources, key=lambda s: (bool(sources[s][1] & carried), not sources[s][0]))
        for wire in sources[hopper][1]:
            hops.setdefault(wire, []).append(point)
    return hops


def coordinate(v):
    """A coordinate as written: at most one decimal, no trailing zero (the plots write theirs so too)."""
    text = f"{v:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _path_d(points, hops, where):
    """SVG path data of a horizontal/vertical polyline, bridging each hop with a semicircle
    (above a horizontal wire, right of a vertical one)."""
    d = f"M{coordinate(points[0][0])} {coordinate(points[0][1])}"
    for a, b in zip(points, points[1:]):
        axis = 0 if a[1] == b[1] else 1
        sign = 1 if b[axis] > a[axis] else -1
        command = "HV"[axis]
        for p in sorted((p for p in hops if _on_segment(p, a, b)), key=lambda p: sign * p[axis]):
            if min(abs(p[axis] - a[axis]), abs(b[axis] - p[axis])) < HOP + 2:
                raise ValueError(f"{where}: the crossing at {p} is too close to a corner or a node for a hop")
            end = list(p)
            end[axis] += sign * HOP
            d += (f"{command}{coordinate(p[axis] - sign * HOP)}"
                  f"A{HOP} {HOP} 0 0 {int(sign > 0)} {coordinate(end[0])} {coordinate(end[1])}")
        d += f"{command}{coordinate(b[axis])}"
    return d


def _wire_name(wire):
    return f"wire {wire[0]} -> {wire[1]}" if wire[1] is not None else f"exit of {wire[0]}"


# ---------------------------------------------------------------- text

def _label_svg(labels, x, y, anchor, css):
    """Notation such as "H_{t-1}" as SVG text with a real subscript; several labels comma-separated."""
    text, lowered = "", False
    for k, label in enumerate([labels] if isinstance(labels, str) else labels):
        base, _, sub = label.partition("_")
        if k:  # back on the baseline after a subscript
            text += '<tspan dy="-0.3em">, </tspan>' if lowered else ", "
        text += escape(base)
        if sub:
            text += f'<tspan class="gr-sub" dy="0.3em">{escape(sub.strip("{}").replace("-", "−"))}</tspan>'
        lowered = bool(sub)
    return f'<text class="{css}" x="{coordinate(x)}" y="{coordinate(y)}" text-anchor="{anchor}">{text}</text>'


def entries(values):
    """A value vector's entries as the worked examples print them, with true minus signs."""
    return [text.replace("-", "−") for text in examples.shown(values)]


PRECEDENCE = {"+": 1, "-": 1, "*": 2, "@": 3}  # a matrix product is written as juxtaposition: binds tightest
JOINERS = {"+": " + ", "-": " − ", "*": " ⊙ ", "@": " "}


def _expr(graph, value, shown, expand=False):
    """(text, precedence) of a traced value, written with the diagram's labels."""
    if not isinstance(value, dataflow.Symbol):
        return f"{value:g}", 4
    name = value.name
    if name is not None and not expand:
        if name not in graph.kinds:
            return name, 4  # a weight
        if shown(name):
            return shown(name), 4
        return _expr(graph, value, shown, expand=True)
    kind = graph.kinds.get(name) if name else None
    if kind in dataflow.ACTIVATIONS:
        parent = graph.values[graph.edges_into(name)[0].src]
        return f"{GLYPHS[kind]}({_expr(graph, parent, shown)[0]})", 4
    if value.op in PRECEDENCE:
        p = PRECEDENCE[value.op]
        (left, lp), (right, rp) = (_expr(graph, a, shown) for a in value.args)
        left = f"({left})" if lp < p else left
        right = f"({right})" if rp < p or rp == p and value.op == "-" else right
        return left + JOINERS[value.op] + right, p
    return f"{value.op}({', '.join(_expr(graph, a, shown)[0] for a in value.args)})", 4


def _description(d, numbers=None):
    """The diagram in words, from the graph: who uses each input, each labelled value's formula, and
    with `numbers` (node -> entries as drawn) the numbers written beside each node."""
    graph, labels, carry = d.graph, d.labels, d.carry

    def shown(name):
        return labels.get(name) if d.group.get(name) == name else None

    def named(name):
        words = "the product " if graph.kinds[name] == "mul" else ""
        return shown(name) or words + _expr(graph, graph.values[name], shown, expand=True)[0]

    inputs = [labels[n] for n in graph.inputs]
    sentences = [f"Inputs {', '.join(inputs[:-1])} and {inputs[-1]}."]
    for name in graph.inputs:
        users = [named(dst) for (src, dst) in d.traced if src == name]
        if users:
            sentences.append(f"{labels[name]} is used by {_join(users)}.")
    for name in graph.kinds:
        if name not in graph.inputs and shown(name):
            formula = _expr(graph, graph.values[name], shown, expand=True)[0]
            sentences.append(f"The {d.words[name]} {shown(name)} = {formula}.")
    for output in graph.outputs:
        start, end = labels[output + "_prev"], labels[output]
        if any(src == output + "_prev" for src, _ in carry):
            sentences.append(f"{start} reaches {end} through elementwise operations only (the highlighted path).")
        elif not _reachable([e for e in graph.edges if not e.via], output + "_prev", output):
            sentences.append(f"Every path from {start} to {end} passes through a weight matrix.")
    if numbers:
        values = [f"{shown(name) or _expr(graph, graph.values[name], shown, expand=True)[0]} = "
                  f"[{', '.join(numbers[name])}]" for name in d.shapes if name in numbers]
        sentences.append(f"The numbers of this step: {'; '.join(values)}.")
    return " ".join(sentences)


def _join(items):
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


# ---------------------------------------------------------------- the diagram

@dataclasses.dataclass(frozen=True)
class Drawing:
    """A cell's traced graph placed on its layout: what cell_svg turns into text."""
    key: str  # the diagram: "rnn", "gru-after", "gru-before", "lstm"
    graph: dataflow.Graph
    layout: Layout
    group: dict  # traced name -> drawn node
    shapes: dict  # drawn node -> "port" | "box" | "pill" | "circle" | "product", in trace order
    labels: dict  # drawn node -> notation label, for the inputs, gate boxes and outputs
    words: dict  # traced name -> its role in words
    traced: dict  # (src node, dst node) -> (weights, ops), matrix products inside the wires
    wires: dict  # the same with each product outside a gate box as its own node: what is drawn
    products: dict  # product node -> weights
    carry: set  # wires on an elementwise-only path from a state input to its output
    routes: dict  # (src, dst) for a wire, (output, None) for an exit -> points, from outline to outline
    branches: dict  # (src, dst) -> where the wire leaves its source's earlier wires
    hops: dict  # (src, dst) or (output, None) -> points where it bridges another wire


def _options(cell, reset):
    """The step options a diagram is drawn for: the GRU's reset placement, nothing for the others."""
    if reset not in RESET_PLACEMENTS:
        raise ValueError(f"reset: expected one of {list(RESET_PLACEMENTS)}, got {reset!r}")
    return {"reset": reset} if "reset" in registry.cell(cell).options else {}


def drawing(cell, reset="after"):
    """Trace `cell`, check the layout draws exactly the traced nodes and wires, and route them."""
    options = _options(cell, reset)
    graph = dataflow.trace_graph(cell, **options)
    key = "-".join([cell, *options.values()])
    layout, group = LAYOUTS[key], groups(graph)
    shapes = {name: _shape(graph, group, name) for name in graph.kinds if group[name] == name}
    traced = wires(graph)
    drawn, products = _split_products(traced, graph, shapes)
    shapes.update(dict.fromkeys(products, "product"))
    _check(key, layout, shapes, drawn, graph.outputs)
    table = notation.table(cell, reset)
    labels = {name: table[name].label for name in shapes
              if shapes[name] in ("port", "box") or name in graph.outputs}
    carry = _carry_wires(graph, group)
    paths, branches = _paths(key, layout, shapes)
    routes = {}
    for (src, dst), points in paths.items():
        points = _clip(points, layout.places[src].at, shapes[src], False)
        routes[src, dst] = points if dst is None else _clip(points, layout.places[dst].at, shapes[dst], True)
    carried = carry | {(name, None) for name in graph.outputs if any(dst == name for _, dst in carry)}
    hops = _hops(key, routes, carried)
    return Drawing(key, graph, layout, group, shapes, labels, {n: table[n].words for n in graph.kinds},
                   traced, drawn, products, carry, routes, branches, hops)


def cell_svg(cell, reset="after", values=None, id_prefix=None, describe_values=False):
    """The gate diagram of `cell` ("rnn" | "gru" | "lstm") as an inline <svg> string.

    reset ("after" | "before") is the GRU's reset placement (ignored for the other cells).
    values (name -> 1-D array, e.g. a trace's as_dict() plus x, H_prev, C_prev) writes each traced
    node's vector beside it, where its wires start, and on each wire as data-value.
    id_prefix makes the ids unique on a page; the default names the cell, reset and values.
    describe_values puts the numbers in the <desc> too: for a diagram whose numbers never change
    (a script that changes them would leave the description behind).
    """
    d = drawing(cell, reset)
    prefix = id_prefix or d.key + "-values" * (values is not None)
    if not re.fullmatch(r"[A-Za-z][\w-]*", prefix):
        raise ValueError(f"id_prefix: expected a letter then letters, digits, '_' or '-', got {prefix!r}")
    numbers = _checked_values(values, [n for n in d.shapes if n not in d.products]) if values is not None else {}
    (x0, y0, x1, y1), (w, h) = d.layout.frame, d.layout.size
    reset_words = f", reset applied {reset} the recurrent matrix product" if d.graph.options else ""
    title = f"{registry.cell(cell).title} cell{reset_words}: one time step"
    markers = "".join(f'<marker id="{prefix}-{m}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="9" '
                      f'markerHeight="9" markerUnits="userSpaceOnUse" orient="auto">'
                      f'<path class="gr-{m}" d="M0 1L10 5L0 9z"/></marker>' for m in ("arrow", "arrow-carry"))
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="gr-diagram gr-{cell}" viewBox="0 0 {w} {h}" '
           f'width="{w}" height="{h}" role="img" aria-labelledby="{prefix}-title {prefix}-desc">',
           f'<title id="{prefix}-title">{escape(title)}</title>',
           f'<desc id="{prefix}-desc">{escape(_description(d, numbers if describe_values else None))}</desc>',
           f'<defs>{markers}</defs>',
           f'<rect class="gr-frame" x="{x0}" y="{y0}" width="{x1 - x0}" height="{y1 - y0}" rx="14"/>']
    # painter's order: wires (the highlighted carry path last), dots, then nodes and their text on top
    for key in sorted(d.wires, key=lambda key: key in d.carry):
        out.append(_wire_svg(prefix, d, key, numbers.get(key[0])))
    for name in d.graph.outputs:
        out.append(_stub_svg(prefix, d, name, numbers.get(name)))
    for x, y in dict.fromkeys((coordinate(x), coordinate(y)) for x, y in d.branches.values()):
        out.append(f'<circle class="gr-junction" cx="{x}" cy="{y}" r="3"/>')
    for name in d.shapes:
        out.append(_node_svg(prefix, d, name, numbers.get(name)))
    out.append("</svg>")
    return "\n".join(out)


def _marker(css):
    return "arrow-carry" if "gr-carry" in css else "arrow"


def _checked_values(values, names):
    missing = [n for n in names if n not in values]
    if missing:
        raise ValueError(f"values: missing {missing}; expected every traced node's vector")
    checked = {}
    for n in names:
        array = np.asarray(values[n], dtype=float)
        if array.ndim != 1:
            raise ValueError(f"values[{n!r}]: expected a 1-D array (one sample), got shape {array.shape}")
        checked[n] = entries(array)
    return checked


def _wire_svg(prefix, d, key, value):
    (src, dst), (via, ops), points = key, d.wires[key], d.routes[key]
    css = "gr-wire gr-carry" if key in d.carry else "gr-wire"
    attrs = f'id="{prefix}-wire-{src}-{dst}" class="{css}" data-src="{src}" data-dst="{dst}"'
    attrs += f' data-via="{" ".join(via)}"' if via else ""
    attrs += f' data-value="[{", ".join(value)}]"' if value else ""
    where = f"{d.key} diagram, {_wire_name(key)}"
    parts = [f'<path d="{_path_d(points, d.hops.get(key, ()), where)}" marker-end="url(#{prefix}-{_marker(css)})"/>']
    (ax, ay), (bx, by) = points[-2], points[-1]
    if via:  # the weights sit beside the wire just before it enters its node
        if ax == bx:
            anchor, x = ("end", bx - 5) if bx < d.layout.places[dst].at[0] else ("start", bx + 5)
            y = by + math.copysign(min(16, abs(by - ay) / 2), ay - by) + 4
        else:
            anchor, x, y = ("end", bx - 12, by - 7) if bx > ax else ("start", bx + 12, by - 7)
        parts.append(_label_svg(via, x, y, anchor, "gr-weight"))
    own = d.layout.wires[key]  # not shared with the source's other wires
    for token in (t for t in ops if any(c.isdigit() for c in t)):  # a constant on the way: the 1 of 1 - u_t
        a, b = max(zip(own, own[1:]), key=lambda s: abs(s[1][0] - s[0][0]) + abs(s[1][1] - s[0][1]))
        x, y = (a[0] + b[0]) / 2, (a[1] + b[1]) / 2  # the middle of its longest segment
        parts.append(f'<g class="gr-wire-op"><circle cx="{coordinate(x)}" cy="{coordinate(y)}" r="10"/>'
                     f'<text x="{coordinate(x)}" y="{coordinate(y + 4)}" text-anchor="middle">'
                     f'{escape(_pretty(token))}</text></g>')
    return f'<g {attrs}>' + "".join(parts) + '</g>'


def _stub_svg(prefix, d, name, value):
    """The arrow carrying an output (the next state) out of the cell, labelled at its end."""
    css = "gr-output gr-carry" if any(dst == name for _, dst in d.carry) else "gr-output"
    points, end = d.routes[name, None], d.layout.exits[name][-1]
    path_d = _path_d(points, d.hops.get((name, None), ()), f"{d.key} diagram, exit of {name}")
    return (f'<g id="{prefix}-out-{name}" class="{css}" data-node="{name}">'
            f'<path d="{path_d}" marker-end="url(#{prefix}-{_marker(css)})"/>'
            + _label_svg(d.labels[name], end[0] - 4, end[1] - 9, "end", "gr-label")
            + _value_svg(value, d.layout.places[name], end, name) + '</g>')


def _pretty(token):
    return token.replace("-", "−").replace("*", "·")


def _node_svg(prefix, d, name, value):
    place, shape = d.layout.places[name], d.shapes[name]
    (x, y), (hw, hh) = place.at, SHAPES[shape]
    if shape == "product":  # a box holding the weights it multiplies by
        return (f'<g id="{prefix}-node-{name}" class="gr-node gr-product gr-matmul" data-node="{name}" '
                f'data-via="{" ".join(d.products[name])}"><rect x="{x - hw}" y="{y - hh}" width="{2 * hw}" '
                f'height="{2 * hh}" rx="3"/>' + _label_svg(d.products[name], x, y + 4, "middle", "gr-weight") + '</g>')
    graph, kind = d.graph, d.graph.kinds[name]
    members = [m for m in graph.kinds if d.group[m] == name]
    role = {"port": "gr-input", "box": "gr-gate"}.get(shape, "gr-op")
    attrs = (f'id="{prefix}-node-{name}" class="gr-node {role} gr-{kind}" data-node="{name}"'
             f' data-members="{" ".join(members)}"')
    parts = []
    if shape in ("box", "pill"):
        inner = "".join(f' id="{prefix}-node-{m}"' for m in members if m != name)
        parts.append(f'<rect{inner} x="{x - hw}" y="{y - hh}" width="{2 * hw}" height="{2 * hh}" '
                     f'rx="{hh if shape == "pill" else 4}"/>')
        parts.append(f'<text class="gr-glyph" x="{x}" y="{y + 5}" text-anchor="middle">{GLYPHS[kind]}</text>')
    elif shape == "circle":
        parts.append(f'<circle cx="{x}" cy="{y}" r="{hw}"/>')
        if kind == "mul":  # ⊙ drawn, not typed: no font lacks it
            parts.append(f'<circle class="gr-dot" cx="{x}" cy="{y}" r="2.5"/>')
        elif kind == "add":
            parts.append(f'<path class="gr-plus" d="M{x - 6} {y}H{x + 6}M{x} {y - 6}V{y + 6}"/>')
        else:
            parts.append(f'<text class="gr-glyph" x="{x}" y="{y + 4}" text-anchor="middle">{escape(kind)}</text>')
    if name in d.labels and name not in graph.outputs:
        dx, dy, anchor = place.label_at
        parts.append(_label_svg(d.labels[name], x + dx, y + dy, anchor, "gr-label"))
    if name not in graph.outputs:
        parts.append(_value_svg(value, place, place.at, name))
    return f'<g {attrs}>' + "".join(parts) + '</g>'


def _value_svg(value, place, origin, name):
    """The entries of a vector stacked and right-aligned, so the decimal points line up."""
    if not value:
        return ""
    if place.value_at is None:
        raise ValueError(f"layout: node {name!r} has no value_at for the numbers")
    x, y = origin[0] + place.value_at[0], origin[1] + place.value_at[1]
    lines = "".join(f'<tspan x="{coordinate(x)}" y="{coordinate(y + 13 * k)}">{text}</tspan>'
                    for k, text in enumerate(value))
    return f'<text class="gr-value" text-anchor="end">{lines}</text>'


def diagram_html(cell, reset="after", values=False):
    """A cell diagram; with values=True its wires carry the one-step worked example's numbers."""
    numbers, prefix = None, "-".join([cell, *_options(cell, reset).values()])
    if values:
        ex = examples.example(cell, 1, reset)
        states = {f"{s}_prev": v for s, v in zip(registry.cell(cell).states, ex.initial)}
        numbers = {"x": ex.xs[0], **states, **ex.traces[0].as_dict()}
        prefix += "-example"
    svg = cell_svg(cell, reset=reset, values=numbers, id_prefix=prefix, describe_values=values)
    return f'<figure class="gr-figure gr-diagram" id="{prefix}-figure">{svg}</figure>'
