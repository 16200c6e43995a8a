"""Worked numeric examples: a gru_ref trace shown as equations with the numbers substituted.

Given values (inputs, initial state, weights) have one decimal; computed values are shown
rounded to DECIMALS, and a sequence carries its state from step to step as shown, as one
does by hand. Weights and inputs are searched (seeded) so that every row, recomputed
by hand from the rounded numbers on the page, gives the rounded result on the page, and
so that the numbers show what the pages' prose says about them (`shows_the_prose`).
Each row carries what it shows as data (`Row.check`) so tests can recompute it from that.
"""
import dataclasses
import functools
import json
import math

import numpy as np

from gru_ref import registry

from . import notation
from .mathml import latex_to_mathml

DECIMALS = 3
UNROUNDED = 15  # decimals kept when gru_ref is checked against the hand computation before any rounding
SIZES = {"input": 3, "hidden": 2}


def shown(values, decimals=DECIMALS):
    """Numbers as printed on the page: fixed decimals, no negative zero."""
    texts = []
    for v in np.ravel(values):
        text = f"{v:.{decimals}f}"
        texts.append(text[1:] if text.startswith("-") and float(text) == 0 else text)
    return texts


@dataclasses.dataclass(frozen=True)
class Row:
    """One line of a worked example: `symbol = formula = substituted = result`."""
    symbol: str
    formula: str
    check: dict  # op, operands and result exactly as displayed (strings), for recomputing by hand


def tex_weight(name):
    """A weights field like W_h or b_Wh -> its TeX, W_h or b_{Wh}."""
    kind, _, gate = name.partition("_")
    return f"{kind}_{{{gate}}}" if len(gate) > 1 else name


def _field(tex):
    """TeX weight name like W_{h} or b_{Wh} -> the gru_ref field name (W_h, b_Wh)."""
    return tex.replace("{", "").replace("}", "")


def step_rows(cell, trace, x, states, weights, options, decimals=DECIMALS):
    """The rows of one step, in the order a hand calculation goes.

    `states` holds each previous state as displayed (H_prev, C_prev: strings) and as the numbers
    carried (H_prev_values); computed values are shown with `decimals`.
    """
    entry, w, t = registry.cell(cell), weights.arrays(), trace.as_dict()
    tex = {field: n.tex for field, n in notation.table(cell, options.get("reset", "after")).items()}
    fmt = functools.partial(shown, decimals=decimals)
    X = (tex["x"], shown(x, 1))
    Hp = (tex["H_prev"], states["H_prev"])
    rows = []

    def affine(symbol, inputs, matrices, biases, result, plus=()):
        """symbol = sum_k input_k M_k + biases + plus; inputs and plus are (TeX, displayed values)."""
        formula = " + ".join([f"{x} {m}" for (x, _), m in zip(inputs, matrices)] + list(biases) + [p for p, _ in plus])
        terms = [{"vector": vals, "matrix": m, "values": shown(w[_field(m)], 1)}
                 for (_, vals), m in zip(inputs, matrices)]
        rows.append(Row(symbol, formula, {
            "op": "affine", "terms": terms, "biases": [{"name": b, "values": shown(w[_field(b)], 1)} for b in biases],
            "plus": [{"name": p, "values": vals} for p, vals in plus], "result": fmt(result)}))

    def unary(field, function, arg):
        formula = rf"\tanh\left({tex[arg]}\right)" if function == "tanh" else rf"\sigma\left({tex[arg]}\right)"
        if function == "relu":
            formula = rf"\operatorname{{relu}}\left({tex[arg]}\right)"
        rows.append(Row(tex[field], formula, {"op": function, "args": [fmt(t[arg])], "result": fmt(t[field])}))

    def binary(symbol, op, args, result, formula=None):
        """A product or sum; without a formula the symbol is the formula (u_t ⊙ H_{t-1} names itself)."""
        rows.append(Row(symbol, formula or symbol, {"op": op, "args": args, "result": fmt(result)}))

    def block(key):
        b = entry.block(key)
        U, W, bias = (tex_weight(n) for n in b.weight_names())
        affine(tex[b.pre_activation], [X, Hp], [U, W], [bias], t[b.pre_activation])
        unary(b.output, options.get("nonlinearity", "tanh") if cell == "rnn" else b.activation, b.pre_activation)

    if cell == "rnn":
        block("")
    elif cell == "gru":
        block("u")
        block("r")
        reset_tex = tex["reset_H"]
        if options.get("reset", "after") == "after":
            hidden = states["H_prev_values"] @ w["W_h"] + w["b_Wh"]
            affine("H_{t-1} W_h + b_{Wh}", [Hp], ["W_h"], ["b_{Wh}"], hidden)
            binary(reset_tex, "mul", [fmt(t["r"]), fmt(hidden)], t["reset_H"])
            affine(tex["a_h"], [X], ["U_h"], ["b_h"], t["a_h"], plus=[(reset_tex, fmt(t["reset_H"]))])
        else:
            binary(reset_tex, "mul", [fmt(t["r"]), states["H_prev"]], t["reset_H"])
            affine(tex["a_h"], [X, (f"({reset_tex})", fmt(t["reset_H"]))], ["U_h", "W_h"], ["b_h", "b_{Wh}"], t["a_h"])
        unary("H_tilde", "tanh", "a_h")
        binary(tex["keep"], "mul", [fmt(t["u"]), states["H_prev"]], t["keep"])
        binary(tex["write"], "one_minus_mul", [fmt(t["u"]), fmt(t["H_tilde"])], t["write"])
        binary(tex["H"], "add", [fmt(t["keep"]), fmt(t["write"])], t["H"], f"{tex['keep']} + {tex['write']}")
    else:
        for key in ("f", "i", "c", "o"):
            block(key)
        binary(tex["keep"], "mul", [fmt(t["f"]), states["C_prev"]], t["keep"])
        binary(tex["write"], "mul", [fmt(t["i"]), fmt(t["C_tilde"])], t["write"])
        binary(tex["C"], "add", [fmt(t["keep"]), fmt(t["write"])], t["C"], f"{tex['keep']} + {tex['write']}")
        unary("tanh_C", "tanh", "C")
        binary(tex["H"], "mul", [fmt(t["o"]), fmt(t["tanh_C"])], t["H"], rf"{tex['o']} \odot {tex['tanh_C']}")
    return rows


def hand_values(check):
    """Recompute a row from its displayed operands only, unrounded."""
    f = [[float(v) for v in a] for a in check.get("args", [])]
    op = check["op"]
    if op == "affine":
        n = len(check["result"])
        values = [sum(float(b["values"][j]) for b in check["biases"] + check["plus"]) for j in range(n)]
        for term in check["terms"]:
            x, M = [float(v) for v in term["vector"]], [float(v) for v in term["values"]]
            for j in range(n):
                values[j] += sum(x[k] * M[k * n + j] for k in range(len(x)))
    elif op == "sigmoid":
        values = [1 / (1 + math.exp(-a)) for a in f[0]]
    elif op == "tanh":
        values = [math.tanh(a) for a in f[0]]
    elif op == "relu":
        values = [max(a, 0.0) for a in f[0]]
    elif op == "mul":
        values = [a * b for a, b in zip(*f)]
    elif op == "one_minus_mul":
        values = [(1 - a) * b for a, b in zip(*f)]
    elif op == "add":
        values = [a + b for a, b in zip(*f)]
    else:
        raise ValueError(f"unknown row operation {op!r}")
    return values


def by_hand(check):
    """Recompute a row from its displayed operands only, rounded as displayed. Used by the search."""
    return shown(hand_values(check), len(check["result"][0].split(".")[1]))


def consistent(check):
    """The row recomputed by hand gives the printed result, and no value lies halfway between two
    printed ones (0.0295 to three decimals: whether it is 0.029 or 0.030 is up to whoever rounds)."""
    scaled = np.array(hand_values(check)) * 10 ** len(check["result"][0].split(".")[1])
    return by_hand(check) == check["result"] and not np.any(np.isclose(np.abs(scaled) % 1, 0.5, rtol=0, atol=1e-6))


@dataclasses.dataclass(frozen=True)
class Example:
    cell: str
    options: dict
    weights: object
    xs: np.ndarray
    initial: tuple  # H0, or (H0, C0)
    traces: list
    rows: list  # one list of rows per step


def one_decimal(rng, shape, bound=9):
    """Numbers with one decimal from -bound/10 to bound/10, as one writes them on a board."""
    return rng.integers(-bound, bound + 1, size=shape) / 10.0


def _step_rows(cell, trace, x, state, shown_state, weights, options, decimals=DECIMALS):
    states = {"H_prev": shown_state[0], "H_prev_values": state[0]}
    if cell == "lstm":
        states["C_prev"] = shown_state[1]
    return step_rows(cell, trace, x, states, weights, options, decimals)


class DisagreesWithHandComputation(ValueError):
    """gru_ref and the hand computation of a row differ by more than rounding can explain."""


def check_against_hand(cell, trace, x, state, weights, options):
    """Every row recomputed by hand from gru_ref's unrounded operands gives gru_ref's result.

    A difference here is a bug in gru_ref (or in the rows), never a matter of rounding, so no
    search for friendlier numbers could succeed: raise at once, naming the row and both values.
    """
    exact_state = tuple(shown(s, UNROUNDED) for s in state)
    for row in _step_rows(cell, trace, x, state, exact_state, weights, options, UNROUNDED):
        hand = [float(v) for v in by_hand(row.check)]
        computed = [float(v) for v in row.check["result"]]
        if not np.allclose(hand, computed, rtol=0, atol=1e-9):
            raise DisagreesWithHandComputation(
                f"{cell} worked example, row {row.symbol} = {row.formula}: by hand {hand}, gru_ref {computed} "
                f"(x = {np.asarray(x).tolist()}, state = {[np.asarray(s).tolist() for s in state]}, options {options})")


# Each example its own seed, so the pages do not repeat numbers. The search runs when the site is
# built: each seed is one whose search ends within a few hundred draws of weights (under 0.1 s).
SEEDS = {"rnn": 0, "gru-after": 76, "gru-before": 12, "lstm": 86}
# Weights are drawn with one decimal in ±WEIGHTS_UP_TO. The LSTM's story (write, hold, hide, clear:
# `shows_the_prose`) needs one unit's gates to open and close hard, which ±0.9 allows too rarely.
WEIGHTS_UP_TO = {"rnn": 0.9, "gru": 0.9, "lstm": 1.5}
SEQUENCE_STEPS = 4  # the longest example a page shows; a shorter one is its first steps
CANDIDATES = 1000  # inputs tried for each step before the weights are given up


def example(cell, steps=1, reset="after", seed=None, max_tries=5000):
    """The first `steps` steps of the cell's worked sequence: a one-step example (its diagram, the
    quizzes' version 0) is always step 1 of the four-step one."""
    if not 1 <= steps <= SEQUENCE_STEPS:
        raise ValueError(f"steps: expected 1 to {SEQUENCE_STEPS}, got {steps!r}")
    key = "-".join([cell, reset]) if cell == "gru" else cell
    full = _search(cell, SEQUENCE_STEPS, reset, SEEDS[key] if seed is None else seed, max_tries)
    return dataclasses.replace(full, xs=full.xs[:steps], traces=full.traces[:steps], rows=full.rows[:steps])


@functools.lru_cache(maxsize=None)
def _search(cell, steps, reset, seed, max_tries):
    """A worked example whose every row checks by hand and whose every step shows what the pages
    say about it (`shows_the_prose`); deterministic for a given seed."""
    rng = np.random.default_rng(seed)
    entry = registry.cell(cell)
    options = {"reset": reset} if cell == "gru" else {}
    D, H = SIZES["input"], SIZES["hidden"]
    shapes = {"U": (D, H), "W": (H, H), "b": (H,)}
    fields, bound = dataclasses.fields(entry.weights), round(10 * WEIGHTS_UP_TO[cell])
    checked = False
    for _ in range(max_tries):
        weights = entry.weights(**{f.name: one_decimal(rng, shapes[f.name[0]], bound) for f in fields})
        initial = tuple(one_decimal(rng, (H,), 5) for _ in entry.states)
        # Each step's candidate inputs, drawn up front: every draw of weights takes the same share of
        # the random stream, so making `shows_the_prose` stricter never changes which weights are tried.
        inputs = one_decimal(rng, (steps, CANDIDATES, D), 10)
        state, shown_state = initial, tuple(shown(s, 1) for s in initial)
        xs, traces, rows = [], [], []
        for t, candidates in enumerate(inputs):
            if not checked:  # once, before searching: the search only ever deals with rounding
                check_against_hand(cell, entry.step(candidates[0], *state, weights, **options),
                                   candidates[0], state, weights, options)
                checked = True
            batch = entry.step(candidates, *(np.broadcast_to(s, (CANDIDATES, H)) for s in state), weights, **options)
            rounded = {k: np.round(v, DECIMALS) for k, v in batch.as_dict().items()}  # a first sieve
            for x in candidates[shows_the_prose(cell, t, rounded, state)]:
                trace = entry.step(x, *state, weights, **options)
                step = _step_rows(cell, trace, x, state, shown_state, weights, options)
                if shows_the_prose(cell, t, printed(trace), state) and all(consistent(r.check) for r in step):
                    break
            else:
                break
            xs.append(x), traces.append(trace), rows.append(step)
            # By hand one carries the state as written down, so the next step starts from it.
            shown_state = tuple(shown(getattr(trace, s)) for s in entry.states)
            state = tuple(np.array(s, dtype=float) for s in shown_state)
        if len(traces) == steps:
            return Example(cell, options, weights, np.array(xs), initial, traces, rows)
    raise RuntimeError(f"no {cell} example with {steps} steps checks by hand and shows what the pages say "
                       f"within {max_tries} tries (seed {seed})")


def printed(trace):
    """A step's values as the page prints them, as numbers."""
    return {k: np.array(shown(v), dtype=float).reshape(np.shape(v)) for k, v in trace.as_dict().items()}


# What the pages' "Following the numbers" say the examples show, as thresholds on the printed
# numbers; tests/site/test_examples.py checks each claim again on the numbers of the page.
HIGH, LOW = 0.8, 0.2  # a gate near 1, near 0
FAR = 0.3  # a candidate this far from the old value would move it visibly
LITTLE = 0.1  # a move this small is "only a little"
LARGE = 0.7  # a cell value larger than any tanh(C) a nearly closed output gate lets through


def shows_the_prose(cell, t, values, previous):
    """Whether step `t` (from 0), with printed `values`, from the printed state `previous`, shows
    what the pages say about it. `values` may hold a batch of candidate steps (one per row): the
    answer is then one per candidate.

    GRU, at every step: unit 1 holds on (update gate high: it moves only a little although its
    candidate is far) and unit 2 follows its candidate (update gate low).
    LSTM, unit 1 of the cell state: step 1 keeps and writes (forget and input gates high: C leaves
    the interval from -1 to 1), step 2 holds (forget gate high, input gate low: C barely changes),
    step 3 hides the large C behind a low output gate (H stays small), step 4 lets go (forget and
    input gates low: most of C is dropped).
    """
    if cell == "gru":
        u, gap = values["u"], np.abs(values["H_tilde"] - previous[0])
        moved = np.abs(values["H"] - previous[0])
        return (u[..., 0] >= HIGH) & (u[..., 1] <= LOW) & np.all(gap >= FAR, axis=-1) & (moved[..., 0] <= LITTLE)
    if cell == "lstm":
        f, i, o, C, H = (values[k][..., 0] for k in ("f", "i", "o", "C", "H"))
        moved = np.abs(C - previous[1][0])
        return [(f >= HIGH) & (i >= HIGH) & (np.abs(C) > 1),
                (f >= HIGH) & (i <= LOW) & (moved <= LITTLE),
                (o <= LOW) & (np.abs(C) >= LARGE) & (np.abs(H) <= LITTLE),
                (f <= LOW) & (i <= LOW) & (np.abs(C) <= np.abs(previous[1][0]) / 2)][t]
    return np.ones(np.shape(values["H"])[:-1], dtype=bool)


# -- rendering ----------------------------------------------------------------------------------

def tex_matrix(values, columns):
    """Printed entries (strings) as a bracketed TeX matrix with `columns` columns."""
    # \left[ ... \right] rather than bmatrix: latex2mathml makes only these brackets stretch
    rows = [values[k:k + columns] for k in range(0, len(values), columns)]
    return r"\left[\begin{matrix}" + r" \\ ".join(" & ".join(r) for r in rows) + r"\end{matrix}\right]"


def _tex_vector(values):
    return tex_matrix(values, len(values))


def substituted_pieces(check):
    """The row's right-hand side with the displayed numbers put in, as TeX pieces: the first one
    whole, each next one starting with the operator that joins it (a line may break between them)."""
    op, args = check["op"], [_tex_vector(a) for a in check.get("args", [])]
    if op == "affine":
        parts = [f"{_tex_vector(t['vector'])} {t['matrix']}" for t in check["terms"]]
        parts += [b["name"] for b in check["biases"]] + [_tex_vector(p["values"]) for p in check["plus"]]
        return [parts[0]] + [f"+ {part}" for part in parts[1:]]
    return {
        "sigmoid": lambda: [rf"\sigma\left({args[0]}\right)"],
        "tanh": lambda: [rf"\tanh\left({args[0]}\right)"],
        "relu": lambda: [rf"\operatorname{{relu}}\left({args[0]}\right)"],
        "mul": lambda: [args[0], rf"\odot {args[1]}"],
        "one_minus_mul": lambda: [rf"\left(1 - {args[0]}\right)", rf"\odot {args[1]}"],
        "add": lambda: [args[0], f"+ {args[1]}"],
    }[op]()


def formula_pieces(tex):
    """TeX split before each `+` outside braces and brackets, so a long formula can wrap there."""
    pieces, depth, start = [], 0, 0
    for k, character in enumerate(tex):
        depth += {"{": 1, "(": 1, "[": 1, "}": -1, ")": -1, "]": -1}.get(character, 0)
        if depth == 0 and tex.startswith(" + ", k):
            pieces.append(tex[start:k].strip())
            start = k + 1
    return pieces + [tex[start:].strip()]


def _math_pieces(pieces, first=""):
    """Pieces of one formula as MathML, one <math> each, the first prefixed with `first`; a piece
    that starts with an operator gets an empty left operand, so the operator is spaced as binary."""
    tex = [first + pieces[0]] + ["{} " + piece for piece in pieces[1:]]
    return "\u200b".join(latex_to_mathml(t) for t in tex)  # a zero-width space: a line may break there


def _escape_attribute(text):
    return text.replace("&", "&amp;").replace("'", "&#39;").replace("<", "&lt;")


def render_rows(rows, caption):
    """One row per quantity: its formula, under it the formula with the numbers put in, and its value.

    Two columns, not three: each formula may wrap before a `+`, so the table fits a desktop's text
    column without scrolling and a phone's screen with short lines."""
    lines = [f'<div class="gr-scroll"><table class="gr-example"><caption>{caption}</caption>',
             '<thead><tr><th scope="col">Quantity, then with the numbers</th><th scope="col">Value</th>'
             "</tr></thead><tbody>"]
    for row in rows:
        check = _escape_attribute(json.dumps(row.check, sort_keys=True))
        # a product names itself: u_t ⊙ H_{t-1} needs no "= u_t ⊙ H_{t-1}"
        quantity = [row.symbol] if row.formula == row.symbol else formula_pieces(f"{row.symbol} = {row.formula}")
        formula = f'<span class="gr-formula">{_math_pieces(quantity)}</span>'
        numbers = f'<span class="gr-with">{_math_pieces(substituted_pieces(row.check), "{} = ")}</span>'
        value = latex_to_mathml(_tex_vector(row.check["result"]))
        lines.append(f"<tr data-check='{check}'><td>{formula} {numbers}</td>"
                     f'<td class="gr-value">{value}</td></tr>')
    lines.append("</tbody></table></div>")
    return "\n".join(lines)


def _weights_tex(weights):
    """Every given matrix and bias, one gate per line."""
    arrays, groups = weights.arrays(), {}
    for name, value in arrays.items():
        groups.setdefault(name.split("_")[1] if "_" in name else "", []).append((name, value))
    lines = []
    for group in groups.values():
        parts = []
        for name, value in group:
            tex_name = name.replace("_", "_{", 1) + "}" if "_" in name else name
            value = np.atleast_2d(value)
            parts.append(f"{tex_name} = {tex_matrix(shown(value, 1), value.shape[1])}")
        lines.append(parts)
    return lines


def render_given(ex):
    state_names = ("H_0", "C_0") if ex.cell == "lstm" else ("H_0",)
    inputs = [f"x_{t + 1} = {_tex_vector(shown(x, 1))}" for t, x in enumerate(ex.xs)]
    states = [f"{n} = {_tex_vector(shown(s, 1))}" for n, s in zip(state_names, ex.initial)]
    pairs = [inputs[k:k + 2] for k in range(0, len(inputs), 2)]  # two per line fit a page
    lines = pairs + [states] + _weights_tex(ex.weights)
    # one <math> per quantity, its comma inside it: a narrow screen wraps the line between quantities
    return '<div class="gr-given">' + "".join(
        "<p>" + " ".join(latex_to_mathml(tex + ("," if k < len(line) - 1 else "")) for k, tex in enumerate(line))
        + "</p>" for line in lines) + "</div>"


def render_summary(ex):
    """How the input, the gates and the state evolve over the sequence: one row per quantity, one
    column per step, so time runs left to right and the table stays as narrow as four vectors."""
    entry = registry.cell(ex.cell)
    fields = [gate.output for gate in entry.gates] + list(entry.states)
    tex = notation.table(ex.cell, ex.options.get("reset", "after"))
    traces = [trace.as_dict() for trace in ex.traces]
    rows = [("x_t", [shown(x, 1) for x in ex.xs])] + [(tex[f].tex, [shown(v[f]) for v in traces]) for f in fields]
    steps = range(1, len(traces) + 1)
    head = '<th scope="col">Quantity</th>' + "".join(f'<th scope="col">Step {t}</th>' for t in steps)
    body = "".join(f'<tr><th scope="row">{latex_to_mathml(symbol)}</th>'
                   + "".join(f"<td>{latex_to_mathml(_tex_vector(v))}</td>" for v in values) + "</tr>"
                   for symbol, values in rows)
    return (f'<div class="gr-scroll"><table class="gr-summary"><caption>The sequence at a glance</caption>'
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>")


def render_example(cell, steps=1, reset="after"):
    ex = example(cell, steps, reset)
    parts = [render_given(ex)]
    if steps > 1:
        parts.append(render_summary(ex))
    for t, rows in enumerate(ex.rows, start=1):
        table = render_rows(rows, f"Step {t}" if steps > 1 else f"One {cell.upper()} step")
        if steps > 1:
            opened = " open" if t == 1 else ""
            table = (f'<details class="gr-step"{opened}><summary>Step {t}: every intermediate</summary>'
                     f'{table}</details>')
        parts.append(table)
    return '<div class="gr-worked">' + "\n".join(parts) + "</div>"
