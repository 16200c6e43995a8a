"""Gate diagrams of the RNN, GRU and LSTM cells as inline SVG, wired from the traced code.

Which wires exist, which weights they pass through and what each box computes come from
sitegen.dataflow, i.e. from running gru_ref's step functions. This module only decides where
each node sits and what it is called (LAYOUTS) and routes the wires between those places.
A gate box holds a pre-activation together with its activation (a_u and u); every other traced
value is its own node.

Stable hooks for styling and later interaction (prefix = id_prefix, names as in the trace):
  <svg class="gr-diagram gr-{cell}">, ids {prefix}-title, {prefix}-desc, markers {prefix}-arrow(-carry)
  nodes    <g id="{prefix}-node-{name}" class="gr-node gr-gate|gr-op|gr-input gr-{kind}" data-node
           data-members>; a gate's box <rect> carries the pre-activation's id ({prefix}-node-a_u)
  wires    <g id="{prefix}-wire-{src}-{dst}" class="gr-wire [gr-carry]" data-src data-dst [data-via]
           [data-value]>: a <path>, its weights (text.gr-weight), constants on the way (g.gr-wire-op)
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

from gru_ref.cells import RESET_PLACEMENTS
from sitegen import dataflow, examples

SHAPES = {"port": (0, 0), "box": (24, 15), "pill": (21, 12), "circle": (11, 11)}  # half width, half height
GLYPHS = {"sigmoid": "σ", "tanh": "tanh", "relu": "ReLU"}
TITLES = {"rnn": "Vanilla RNN cell", "gru": "GRU cell", "lstm": "LSTM cell"}
RESET_WORDS = {"after": "reset applied after the recurrent matrix product",
               "before": "reset applied before the recurrent matrix product"}
BEND_COST, COLLISION_COST, SPREAD = 24, 10_000, 16


@dataclasses.dataclass(frozen=True)
class Place:
    """Where a drawn node sits and what it is called; wires are routed from the traced graph."""
    at: tuple  # centre (x, y)
    label: str = ""  # notation, "base_sub": "u_t", "H_{t-1}"; outputs are labelled at their exit
    role: str = ""  # words for the text description: "update gate"
    label_at: tuple = (0, -18, "middle")  # label offset from the centre, and text-anchor
    value_at: tuple = None  # right end of the numbers and first baseline, from `at` (outputs: from the exit)
    enter: str = "lrtb"  # sides wires may enter (left, right, top, bottom)
    trunk: tuple = ()  # polylines the output follows before branching; each starts on an earlier one


@dataclasses.dataclass(frozen=True)
class Layout:
    size: tuple
    frame: tuple  # x0, y0, x1, y1 of the cell
    places: dict
    exits: dict  # output name -> end of its outgoing arrow


GATE_LABEL = (-9, -26, "end")  # gate labels sit left of the wire leaving the box's top
GATE_VALUE = (52, -40)  # and their numbers right of it

LAYOUTS = {
    "rnn": Layout(
        size=(420, 200), frame=(64, 24, 356, 130),
        places={
            "x": Place((210, 190), "x_t", label_at=(10, 6, "start"), value_at=(-8, -32)),
            "H_prev": Place((8, 77), "H_{t-1}", label_at=(2, -8, "start"), value_at=(52, 20)),
            "H": Place((210, 77), "H_t", "new hidden state", enter="lb", value_at=(0, 20)),
        },
        exits={"H": (410, 77)}),
    "gru": Layout(
        size=(660, 380), frame=(64, 24, 618, 330),
        places={
            "x": Place((110, 364), "x_t", label_at=(10, 8, "start"), value_at=(-8, -24),
                       trunk=(((110, 364), (110, 306), (420, 306)),)),
            "H_prev": Place((8, 64), "H_{t-1}", label_at=(2, -8, "start"), value_at=(52, 20),
                            trunk=(((8, 64), (450, 64)), ((84, 64), (84, 290), (420, 290)))),
            "u": Place((170, 240), "u_t", "update gate", GATE_LABEL, GATE_VALUE, enter="b",
                       trunk=(((170, 240), (170, 110), (505, 110), (505, 160)),)),
            "r": Place((280, 240), "r_t", "reset gate", GATE_LABEL, GATE_VALUE, enter="b"),
            "reset_H": Place((390, 160), value_at=(58, -3)),
            "H_tilde": Place((390, 240), "H̃_t", "candidate state", (40, -8, "start"), (80, 20), enter="bt"),
            "keep": Place((460, 64), value_at=(52, 22)),
            "write": Place((560, 160), value_at=(-12, 26)),
            "H": Place((560, 64), "H_t", "new hidden state", value_at=(0, 20)),
        },
        exits={"H": (650, 64)}),
    "lstm": Layout(
        size=(710, 390), frame=(64, 24, 670, 330),
        places={
            "x": Place((90, 364), "x_t", label_at=(10, 8, "start"), value_at=(-8, -16),
                       trunk=(((90, 364), (90, 306), (490, 306)),)),
            "H_prev": Place((8, 290), "H_{t-1}", label_at=(2, -8, "start"), value_at=(52, 20),
                            trunk=(((8, 290), (490, 290)),)),
            "C_prev": Place((8, 56), "C_{t-1}", label_at=(2, -8, "start"), value_at=(52, 20)),
            "f": Place((160, 240), "f_t", "forget gate", GATE_LABEL, GATE_VALUE, enter="b"),
            "i": Place((260, 240), "i_t", "input gate", GATE_LABEL, GATE_VALUE, enter="b"),
            "C_tilde": Place((360, 240), "C̃_t", "candidate cell content", GATE_LABEL, GATE_VALUE, enter="b"),
            "o": Place((460, 240), "o_t", "output gate", (36, -8, "start"), (100, 20), enter="b"),
            "keep": Place((160, 56), value_at=(58, 24)),
            "write": Place((360, 140), value_at=(58, -3)),
            "C": Place((360, 56), "C_t", "new cell state", value_at=(0, 20), trunk=(((360, 56), (700, 56)),)),
            "tanh_C": Place((580, 130), value_at=(66, -3)),
            "H": Place((580, 200), "H_t", "new hidden state", value_at=(0, 20)),
        },
        exits={"C": (700, 56), "H": (700, 200)}),
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


# ---------------------------------------------------------------- geometry

def _shape(graph, group, name):
    kind = graph.kinds[name]
    if kind == "input":
        return "port"
    if kind in dataflow.ACTIVATIONS:
        return "box" if any(group[m] == name and m != name for m in group) else "pill"
    return "circle"


def _length(points):
    return sum(abs(q[0] - p[0]) + abs(q[1] - p[1]) for p, q in zip(points, points[1:]))


def _simplify(points):
    """Drop repeated points and straight-through corners; None if the path doubles back."""
    out = []
    for p in points:
        if out and p == out[-1]:
            continue
        if len(out) >= 2:
            a, b = out[-2], out[-1]
            if (a[0] == b[0] == p[0]) or (a[1] == b[1] == p[1]):
                if (b[0] - a[0]) * (p[0] - b[0]) < 0 or (b[1] - a[1]) * (p[1] - b[1]) < 0:
                    return None
                out[-1] = p
                continue
        out.append(p)
    return out


def _trunk_paths(place):
    """Every trunk polyline as one path from the node centre to the polyline's end."""
    paths = []
    for poly in place.trunk or ((place.at,),):
        start = poly[0]
        prefix = next((path[:k + 1] + [start] for path in paths for k in range(len(path) - 1)
                       if _on_segment(start, path[k], path[k + 1])), [place.at])
        paths.append(prefix + list(poly))
    return paths


def _on_segment(p, a, b):
    return (min(a[0], b[0]) <= p[0] <= max(a[0], b[0]) and min(a[1], b[1]) <= p[1] <= max(a[1], b[1])
            and (a[0] == b[0] == p[0] or a[1] == b[1] == p[1]))


def _candidates(paths, target):
    """Routes from a node along its trunk to `target`: drop straight from a trunk segment, or an L."""
    tx, ty = target
    for path in paths:
        for k, (a, b) in enumerate(zip(path, path[1:])):
            if a[1] == b[1] and min(a[0], b[0]) <= tx <= max(a[0], b[0]):
                yield path[:k + 1] + [(tx, a[1]), target]
            if a[0] == b[0] and min(a[1], b[1]) <= ty <= max(a[1], b[1]):
                yield path[:k + 1] + [(a[0], ty), target]
        end = path[-1]
        yield path + [(tx, end[1]), target]
        yield path + [(end[0], ty), target]


def _side(points):
    (ax, ay), (bx, by) = points[-2], points[-1]
    if ay == by:
        return "l" if bx > ax else "r"
    return "t" if by > ay else "b"


def _crosses(a, b, box):
    x0, y0, x1, y1 = box
    return max(a[0], b[0]) > x0 and min(a[0], b[0]) < x1 and max(a[1], b[1]) > y0 and min(a[1], b[1]) < y1


def _overlap(a, b, c, d):
    """Do segments ab and cd run along the same line for a positive length?"""
    if a[1] == b[1] == c[1] == d[1]:
        return min(max(a[0], b[0]), max(c[0], d[0])) > max(min(a[0], b[0]), min(c[0], d[0]))
    if a[0] == b[0] == c[0] == d[0]:
        return min(max(a[1], b[1]), max(c[1], d[1])) > max(min(a[1], b[1]), min(c[1], d[1]))
    return False


def _route(layout, boxes, src, dst, others):
    """The cheapest orthogonal route: short, few bends, through no other node, along no other wire."""
    best = None
    for points in _candidates(_trunk_paths(layout.places[src]), layout.places[dst].at):
        points = _simplify(points)
        if points is None or len(points) < 2 or _side(points) not in layout.places[dst].enter:
            continue
        segments = list(zip(points, points[1:]))
        last = len(segments) - 1
        hits = sum(_crosses(a, b, box) for k, (a, b) in enumerate(segments)
                   for name, box in boxes.items() if not (name == src and k == 0 or name == dst and k == last))
        hits += sum(_overlap(a, b, c, d) for a, b in segments for c, d in others)
        cost = _length(points) + BEND_COST * (len(points) - 2) + COLLISION_COST * hits
        if best is None or cost < best[0]:
            best = (cost, points)
    if best is None:
        raise ValueError(f"layout: no route from {src!r} to {dst!r} enters {dst!r} on an allowed side")
    return best[1]


def _route_all(layout, boxes, keys):
    """Route each wire, then once more with every other wire in place, so the order does not matter."""
    routes = {}
    for _ in range(2):
        for key in keys:
            others = [seg for (s, d), p in routes.items() if s != key[0] for seg in zip(p, p[1:])]
            routes[key] = _route(layout, boxes, *key, others)
    return routes


def _spread(routes, shapes):
    """Several wires entering one side of a box arrive side by side, the nearest tap first."""
    by_side = {}
    for (src, dst), points in routes.items():
        if shapes[dst] == "box":
            by_side.setdefault((dst, _side(points)), []).append((src, dst))
    routes = dict(routes)
    for (dst, side), keys in by_side.items():
        keys.sort(key=lambda k: _length(routes[k][-2:]))
        for n, key in enumerate(keys):
            offset = (n - (len(keys) - 1) / 2) * SPREAD
            points = list(routes[key])
            axis = 0 if side in "tb" else 1
            for i in (-2, -1):
                p = list(points[i])
                p[axis] += offset
                points[i] = tuple(p)
            routes[key] = points
    return routes


def _clip(points, half, at_end):
    """Move the first (or last) point from a node's centre to its outline."""
    points = list(points)
    i, j = (-1, -2) if at_end else (0, 1)
    (px, py), (qx, qy) = points[i], points[j]
    hw, hh = half  # side offsets (_spread) only go to boxes, so a circle is met on its centre line
    points[i] = (px, py + math.copysign(hh, qy - py)) if px == qx else (px + math.copysign(hw, qx - px), py)
    return points


def _point_at(points, s):
    for p, q in zip(points, points[1:]):
        n = abs(q[0] - p[0]) + abs(q[1] - p[1])
        if s <= n:
            t = s / n if n else 0
            return (p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1]))
        s -= n
    return None


def _divergence(a, b):
    """Arc length along which two paths from one source coincide."""
    s = 0
    while True:
        pa, pb = _point_at(a, s + 1), _point_at(b, s + 1)
        if pa is None or pb is None or abs(pa[0] - pb[0]) + abs(pa[1] - pb[1]) > 1e-6:
            return s
        s += 1


def _num(v):
    return f"{round(v, 1):g}"


def _path_d(points):
    d = f"M{_num(points[0][0])} {_num(points[0][1])}"
    for (ax, ay), (bx, by) in zip(points, points[1:]):
        d += f"H{_num(bx)}" if ay == by else f"V{_num(by)}" if ax == bx else f"L{_num(bx)} {_num(by)}"
    return d


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
    return f'<text class="{css}" x="{_num(x)}" y="{_num(y)}" text-anchor="{anchor}">{text}</text>'


def entries(values):
    """A value vector's entries as shown: 3 decimals, true minus signs, no negative zero."""
    texts = []
    for v in np.ravel(values):
        text = f"{v:.3f}"
        texts.append((text.lstrip("-") if float(text) == 0 else text).replace("-", "−"))
    return texts


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


def _description(d):
    """The diagram in words, from the graph: who uses each input, each labelled value's formula."""
    graph, places, group, carry = d.graph, d.layout.places, d.group, d.carry

    def shown(name):
        return places[name].label if group.get(name) == name and places[name].label else None

    def named(name):
        words = "the product " if graph.kinds[name] == "mul" else ""
        return shown(name) or words + _expr(graph, graph.values[name], shown, expand=True)[0]

    sentences = []
    inputs = [places[n].label for n in graph.inputs]
    sentences.append(f"Inputs {', '.join(inputs[:-1])} and {inputs[-1]}.")
    for name in graph.inputs:
        users = [named(dst) for (src, dst) in d.wires if src == name]
        if users:
            sentences.append(f"{places[name].label} is used by {_join(users)}.")
    for name in graph.kinds:
        if name not in graph.inputs and shown(name):
            role = places[name].role
            formula = _expr(graph, graph.values[name], shown, expand=True)[0]
            sentences.append(f"{'The ' + role + ' ' if role else ''}{shown(name)} = {formula}.")
    for output in graph.outputs:
        start, end = places[output + "_prev"].label, places[output].label
        if any(src == output + "_prev" for src, _ in carry):
            sentences.append(f"{start} reaches {end} through elementwise operations only (the highlighted path).")
        elif not _reachable([e for e in graph.edges if not e.via], output + "_prev", output):
            sentences.append(f"Every path from {start} to {end} passes through a weight matrix.")
    return " ".join(sentences)


def _join(items):
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


# ---------------------------------------------------------------- the diagram

@dataclasses.dataclass(frozen=True)
class Drawing:
    """A cell's traced graph placed on its layout: what cell_svg turns into text."""
    graph: dataflow.Graph
    layout: Layout
    group: dict  # traced name -> drawn node
    shapes: dict  # drawn node -> "port" | "box" | "pill" | "circle", in trace order
    wires: dict  # (src node, dst node) -> (weights, ops)
    carry: set  # wires on an elementwise-only path from a state input to its output
    routes: dict  # (src node, dst node) -> points, from outline to outline
    stubs: dict  # output name -> points of its outgoing arrow


def drawing(cell, reset="after"):
    """Trace `cell`, check every drawn node has a place, and route the wires."""
    if reset not in RESET_PLACEMENTS:
        raise ValueError(f"reset: expected 'after' or 'before', got {reset!r}")
    graph = dataflow.trace_graph(cell, **({"reset": reset} if cell == "gru" else {}))
    layout, group = LAYOUTS[cell], groups(graph)
    unplaced = [name for name in graph.kinds if group[name] == name and name not in layout.places]
    if unplaced:
        raise ValueError(f"{cell} diagram: traced node(s) {unplaced} have no position in LAYOUTS[{cell!r}]")
    shapes = {name: _shape(graph, group, name) for name in graph.kinds if group[name] == name}
    drawn = wires(graph)
    routes = _routes(layout, shapes, list(drawn))
    stubs = {name: _stub(layout, shapes, name) for name in graph.outputs}
    return Drawing(graph, layout, group, shapes, drawn, _carry_wires(graph, group), routes, stubs)


def cell_svg(cell, reset="after", values=None, id_prefix=None):
    """The gate diagram of `cell` ("rnn" | "gru" | "lstm") as an inline <svg> string.

    reset ("after" | "before") is the GRU's reset placement (ignored for the other cells).
    values (name -> 1-D array, e.g. a trace's as_dict() plus x, H_prev, C_prev) writes each drawn
    node's vector beside it, where its wires start, and on each wire as data-value.
    id_prefix makes the ids unique on a page; the default names the cell, reset and values.
    """
    d = drawing(cell, reset)
    prefix = id_prefix or "-".join([cell] + [reset] * (cell == "gru") + ["values"] * (values is not None))
    if not re.fullmatch(r"[A-Za-z][\w-]*", prefix):
        raise ValueError(f"id_prefix: expected a letter then letters, digits, '_' or '-', got {prefix!r}")
    numbers = _checked_values(values, list(d.shapes)) if values is not None else {}
    (x0, y0, x1, y1), (w, h) = d.layout.frame, d.layout.size
    title = TITLES[cell] + (f", {RESET_WORDS[reset]}" if cell == "gru" else "") + ": one time step"
    markers = "".join(f'<marker id="{prefix}-{m}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="9" '
                      f'markerHeight="9" markerUnits="userSpaceOnUse" orient="auto">'
                      f'<path class="gr-{m}" d="M0 1L10 5L0 9z"/></marker>' for m in ("arrow", "arrow-carry"))
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="gr-diagram gr-{cell}" viewBox="0 0 {w} {h}" '
           f'width="{w}" height="{h}" role="img" aria-labelledby="{prefix}-title {prefix}-desc">',
           f'<title id="{prefix}-title">{escape(title)}</title>',
           f'<desc id="{prefix}-desc">{escape(_description(d))}</desc>',
           f'<defs>{markers}</defs>',
           f'<rect class="gr-frame" x="{x0}" y="{y0}" width="{x1 - x0}" height="{y1 - y0}" rx="14"/>']
    # painter's order: wires (the highlighted carry path last), dots, then nodes and their text on top
    for key in sorted(d.routes, key=lambda key: key in d.carry):
        out.append(_wire_svg(prefix, d, key, numbers.get(key[0])))
    for name in d.stubs:
        out.append(_stub_svg(prefix, d, name, numbers.get(name)))
    out.extend(_junctions(d))
    for name in d.shapes:
        out.append(_node_svg(prefix, d, name, numbers.get(name)))
    out.append("</svg>")
    return "\n".join(out)


def _routes(layout, shapes, keys):
    """Each wire from outline to outline: the cheapest route, spread at shared box sides."""
    boxes = {}
    for name, shape in shapes.items():
        (x, y), (hw, hh) = layout.places[name].at, SHAPES[shape]
        if hw:
            boxes[name] = (x - hw - 2, y - hh - 2, x + hw + 2, y + hh + 2)
    routes = _spread(_route_all(layout, boxes, keys), shapes)
    return {(s, d): _clip(_clip(p, SHAPES[shapes[s]], False), SHAPES[shapes[d]], True) for (s, d), p in routes.items()}


def _stub(layout, shapes, name):
    """An output's arrow: from its node across to the exit point."""
    (x, y), end = layout.places[name].at, layout.exits[name]
    return _clip(_simplify([(x, y), (end[0], y), end]), SHAPES[shapes[name]], False)


def _marker(css):
    return "arrow-carry" if "gr-carry" in css else "arrow"


def _checked_values(values, names):
    missing = [n for n in names if n not in values]
    if missing:
        raise ValueError(f"values: missing {missing}; expected every drawn node's vector")
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
    parts = [f'<path d="{_path_d(points)}" marker-end="url(#{prefix}-{_marker(css)})"/>']
    (ax, ay), (bx, by) = points[-2], points[-1]
    if via:  # the weights sit beside the wire just before it enters its node
        if ax == bx:
            anchor, x = ("end", bx - 5) if bx < d.layout.places[dst].at[0] else ("start", bx + 5)
            y = by + math.copysign(min(16, abs(by - ay) / 2), ay - by) + 4
        else:
            anchor, x, y = ("end", bx - 12, by - 7) if bx > ax else ("start", bx + 12, by - 7)
        parts.append(_label_svg(via, x, y, anchor, "gr-weight"))
    for token in (t for t in ops if any(c.isdigit() for c in t)):  # a constant on the way: the 1 of 1 - u_t
        x, y = _free_point(points, src, d.routes)
        parts.append(f'<g class="gr-wire-op"><circle cx="{_num(x)}" cy="{_num(y)}" r="10"/>'
                     f'<text x="{_num(x)}" y="{_num(y + 4)}" text-anchor="middle">{escape(_pretty(token))}</text></g>')
    return f'<g {attrs}>' + "".join(parts) + '</g>'


def _stub_svg(prefix, d, name, value):
    """The arrow carrying an output (the next state) out of the cell, labelled at its end."""
    css = "gr-output gr-carry" if any(dst == name for _, dst in d.carry) else "gr-output"
    points, end = d.stubs[name], d.layout.exits[name]
    return (f'<g id="{prefix}-out-{name}" class="{css}" data-node="{name}">'
            f'<path d="{_path_d(points)}" marker-end="url(#{prefix}-{_marker(css)})"/>'
            + _label_svg(d.layout.places[name].label, end[0] - 4, end[1] - 9, "end", "gr-label")
            + _value_svg(value, d.layout.places[name], end) + '</g>')


def _pretty(token):
    return token.replace("-", "−").replace("*", "·")


def _free_point(points, src, routes):
    """Middle of the longest straight piece this wire does not share with its source's other wires."""
    shared = max([_divergence(points, other) for (s, _), other in routes.items() if s == src and other is not points]
                 or [0])
    best = None
    walked = 0
    for p, q in zip(points, points[1:]):
        n = abs(q[0] - p[0]) + abs(q[1] - p[1])
        start, stop = max(walked, shared), walked + n
        if stop - start > (best[1] - best[0] if best else -1):
            best = (start, stop)
        walked += n
    return _point_at(points, (best[0] + best[1]) / 2)


def _junctions(d):
    """Dots where wires of one source part ways."""
    paths = [(src, p) for (src, _), p in d.routes.items()] + list(d.stubs.items())
    dots = []
    for i, (src, a) in enumerate(paths):
        for other, b in paths[i + 1:]:
            if other == src:
                s = _divergence(a, b)
                if s and _point_at(a, s + 1) and _point_at(b, s + 1):
                    dot = tuple(_num(c) for c in _point_at(a, s))
                    if dot not in dots:
                        dots.append(dot)
    return [f'<circle class="gr-junction" cx="{x}" cy="{y}" r="3"/>' for x, y in dots]


def _node_svg(prefix, d, name, value):
    graph, place, shape = d.graph, d.layout.places[name], d.shapes[name]
    (x, y), kind = place.at, graph.kinds[name]
    members = [m for m in graph.kinds if d.group[m] == name]
    role = {"port": "gr-input", "box": "gr-gate"}.get(shape, "gr-op")
    attrs = (f'id="{prefix}-node-{name}" class="gr-node {role} gr-{kind}" data-node="{name}"'
             f' data-members="{" ".join(members)}"')
    hw, hh = SHAPES[shape]
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
    if place.label and name not in graph.outputs:
        dx, dy, anchor = place.label_at
        parts.append(_label_svg(place.label, x + dx, y + dy, anchor, "gr-label"))
    if name not in graph.outputs:
        parts.append(_value_svg(value, place, place.at))
    return f'<g {attrs}>' + "".join(parts) + '</g>'


def _value_svg(value, place, origin):
    """The entries of a vector stacked and right-aligned, so the decimal points line up."""
    if not value:
        return ""
    if place.value_at is None:
        raise ValueError(f"layout: node labelled {place.label or place.at} has no value_at for the numbers")
    x, y = origin[0] + place.value_at[0], origin[1] + place.value_at[1]
    lines = "".join(f'<tspan x="{_num(x)}" y="{_num(y + 13 * k)}">{text}</tspan>' for k, text in enumerate(value))
    return f'<text class="gr-value" text-anchor="end">{lines}</text>'


def diagram_html(cell, reset="after", values=False):
    """A cell diagram; with values=True its wires carry the one-step worked example's numbers."""
    numbers, prefix = None, f"{cell}-{reset}" if cell == "gru" else cell
    if values:
        ex = examples.example(cell, 1, reset)
        state_names = ("H_prev", "C_prev") if cell == "lstm" else ("H_prev",)
        numbers = {"x": ex.xs[0], **dict(zip(state_names, ex.initial)), **ex.traces[0].as_dict()}
        prefix += "-example"
    svg = cell_svg(cell, reset=reset, values=numbers, id_prefix=prefix)
    return f'<figure class="gr-figure gr-diagram" id="{prefix}-figure">{svg}</figure>'
