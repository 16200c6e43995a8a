"""Generators and deciders every chapter uses.

Generators: a step's values from printed numbers, which vector is the new state, parameter counts.
Deciders, each asking gru_ref a question of its own:
- what a value is when gates are pushed to 0 or 1, and which gate does it (saturated steps);
- what happens to a gradient carried back through many steps (a real layer's backward pass);
- which statements hold over random inputs of every scale (STATEMENTS, filled by the chapter modules);
- which lines of a student's code compute something else than gru_ref (bug spotting);
- what the dataflow of a step is (sitegen.dataflow runs the step on symbols; the diagrams use it too);
- counts and shapes of real layers and the range of a block's output.
"""
import dataclasses
import re

import numpy as np

from gru_ref import activations, convert, counts, registry
from sitegen import dataflow, examples

from .. import misconceptions as mis
from . import (
    CheckFailed,
    GeneratedOption,
    Variant,
    board_numbers,
    decides,
    generates,
    hand_agrees,
    tex_matrix,
    tex_number,
    tex_values,
)


def only(found, what="option"):
    """The one element of `found`, or a CheckFailed saying how many there were."""
    if len(found) != 1:
        raise CheckFailed(f"expected exactly one matching {what}, found {found or 'none'}")
    return found[0]


def _step_options(params):
    return {"reset": params.get("reset", "after")} if params["cell"] == "gru" else {}


# Misconceptions that only put a gate in the wrong place: asked for that gate itself, a student holding
# one still computes it right, so it gives no wrong answer for these fields.
MISPLACED_GATES = {"swapped-forget-input": ("f", "i")}


def _misconceptions_for(cell, options):
    # "applying the reset after" is no mistake when the question asks for the reset after
    return [name for name in mis.STEP_MISCONCEPTIONS[cell] if name != f"reset-{options.get('reset')}"]


def given_numbers(cell, params, rng, index, options):
    """The printed weights, input and state(s) of a variant: with params.example, variant 0 is the
    first step of the page's own worked example (sitegen.examples), the others new board numbers."""
    if index == 0 and params.get("example"):
        example = examples.example(cell, 1, **options)
        return example.weights, example.xs[0], example.initial
    return board_numbers(cell, rng)


@generates("step-entry")
def step_entry(params, rng, index):
    """One entry of one value of a step (a gate, the candidate, the new state) from printed numbers.

    params: cell, field (a trace field: u, r, H_tilde, H, f, i, o, C, ...), unit (0-based),
    reset (GRU), decimals, example (variant 0 is the page's worked example).
    Wrong answers: each misconception of the hand model that changes it.
    """
    cell, field, unit = params["cell"], params["field"], int(params.get("unit", 0))
    options = _step_options(params)
    decimals = int(params.get("decimals", 3))
    weights, x, states = given_numbers(cell, params, rng, index, options)
    computed = registry.cell(cell).step(x, *states, weights, **options).as_dict()[field]
    hand_agrees(cell, field, x, states, weights, options, computed)
    answer = float(computed[unit])
    wrong = {}
    for name in _misconceptions_for(cell, options):
        if field in MISPLACED_GATES.get(name, ()):
            continue
        value = mis.hand_step(cell, x, states, weights.arrays(), mistake=name, **options).get(field)
        if value is not None:
            wrong[name] = float(value[unit])
    wrong = mis.distinct_distractors(answer, wrong, lambda v: tex_number(v, decimals))
    sizes = {"unit": str(unit + 1), "d": str(weights.input_size), "n": str(weights.hidden_size)}
    return Variant(tex_values(cell, weights, x, states) | sizes, answer, wrong=wrong)


@generates("next-state-choice")
def next_state_choice(params, rng, index):
    """Which vector is H_t (or C_t)? The options are gru_ref's answer and what misconceptions give."""
    cell, field = params["cell"], params.get("field", "H")
    options = _step_options(params)
    for _ in range(100):  # redraw until enough misconceptions give visibly different vectors
        weights, x, states = board_numbers(cell, rng)
        computed = registry.cell(cell).step(x, *states, weights, **options).as_dict()[field]
        hand_agrees(cell, field, x, states, weights, options, computed)
        wrong = {name: mis.hand_step(cell, x, states, weights.arrays(), mistake=name, **options)[field]
                 for name in _misconceptions_for(cell, options)}
        wrong = mis.distinct_distractors(computed, wrong, lambda v: tex_matrix(v, 3))
        if len(wrong) >= int(params.get("wrong", 3)):
            break
    else:
        raise CheckFailed(f"{cell}: no draw gave {params.get('wrong', 3)} distinct wrong options")
    names = sorted(rng.choice(sorted(wrong), size=int(params.get("wrong", 3)), replace=False))
    generated = [GeneratedOption("correct", computed, "Right: every term as the equations write it.")]
    generated += [GeneratedOption(name, wrong[name], "", name) for name in names]
    return Variant(tex_values(cell, weights, x, states), "correct", tuple(generated))


@generates("parameter-count")
def parameter_count(params, rng, index):
    """Trainable parameters of a PyTorch layer: from a real gru_ref layer's state_dict, compared with
    gru_ref.counts and with a count by hand. The first variant uses the sizes in params."""
    cell = params["cell"]
    if index == 0:
        d, n = int(params["input"]), int(params["hidden"])
        layers, bidirectional = int(params.get("layers", 1)), bool(params.get("bidirectional", False))
    else:
        d, n = int(rng.integers(2, 65)), int(rng.integers(2, 65))
        layers, bidirectional = int(rng.integers(1, 4)), bool(rng.integers(0, 2))
    layer = registry.cell(cell).layer(d, n, num_layers=layers, bidirectional=bidirectional)
    from_layer = sum(value.size for value in layer.state_dict().values())
    formula = counts.parameter_count(cell, d, n, num_layers=layers, bidirectional=bidirectional)
    by_hand = mis.hand_parameter_count(cell, d, n, layers, bidirectional)
    if not from_layer == formula == by_hand:
        raise CheckFailed(f"{cell} d={d} n={n} layers={layers} bidirectional={bidirectional}: state_dict has "
                          f"{from_layer}, gru_ref.counts says {formula}, the count by hand {by_hand}")
    wrong = {name: float(mis.hand_parameter_count(cell, d, n, layers, bidirectional, mistake=name))
             for name in mis.COUNT_MISCONCEPTIONS}
    wrong = mis.distinct_distractors(float(from_layer), wrong, lambda v: f"{v:.0f}")
    values = {"d": str(d), "n": str(n), "layers": str(layers),
              "bidirectional": "True" if bidirectional else "False", "Cell": registry.cell(cell).title}
    return Variant(values, float(from_layer), wrong=wrong)


NOTES_COUNT_MISCONCEPTIONS = ("no-recurrent-weights", "lstm-three-blocks", "gru-four-blocks")


@generates("notes-parameter-count")
def notes_parameter_count(params, rng, index):
    """Numbers in the notes' U, W and b of one cell (and the GRU's b_Wh): the sizes of the arrays
    gru_ref.convert.from_torch reads out of a real layer, compared with gru_ref.counts and with a count by
    hand, d n + n^2 + n per block. The first variant uses the sizes in params."""
    cell = params["cell"]
    d, n = (int(params["input"]), int(params["hidden"])) if index == 0 else (int(v) for v in rng.integers(2, 33, 2))
    layer = registry.cell(cell).layer(d, n)
    from_layer = sum(a.size for a in convert.from_torch(cell, layer.state_dict()).arrays().values())
    formula = counts.parameter_count(cell, d, n, convention="notes")

    def by_hand(mistake=None):
        blocks = {("lstm", "lstm-three-blocks"): 3, ("gru", "gru-four-blocks"): 4}.get((cell, mistake),
                                                                                     mis.GATE_BLOCKS[cell])
        recurrent = 0 if mistake == "no-recurrent-weights" else n * n
        return blocks * (d * n + recurrent + n) + (n if cell == "gru" else 0)  # + b_Wh, the candidate's second bias

    if not from_layer == formula == by_hand():
        raise CheckFailed(f"{cell} d={d} n={n}: the notes' arrays hold {from_layer}, gru_ref.counts says {formula}, "
                          f"the count by hand {by_hand()}")
    wrong = mis.distinct_distractors(float(from_layer), {m: float(by_hand(m)) for m in NOTES_COUNT_MISCONCEPTIONS},
                                     lambda v: f"{v:.0f}")
    return Variant({"d": str(d), "n": str(n), "Cell": registry.cell(cell).title}, float(from_layer), wrong=wrong)


@decides("layer-parameter-count")
def parameter_count_of_layer(question):
    """Parameters of gru_ref's PyTorch-compatible layer with the sizes in params, from its state_dict."""
    p = question.params
    layer = registry.cell(p["cell"]).layer(int(p["input"]), int(p["hidden"]), num_layers=int(p.get("layers", 1)),
                                           bidirectional=bool(p.get("bidirectional", False)),
                                           bias=bool(p.get("bias", True)))
    return sum(value.size for value in layer.state_dict().values())


@decides("output-range")
def output_range(question):
    """The interval a step's value stays in, from gru_ref on large random weights and inputs.

    params: cell, field. Answers: "zero-to-one", "minus-one-to-one" or "unbounded"."""
    cell, field = question.params["cell"], question.params["field"]
    rng = np.random.default_rng(1)
    entry = registry.cell(cell)
    weights = entry.weights(**{k: 20 * v for k, v in entry.weights.random(3, 64, seed=1).arrays().items()})
    x = rng.standard_normal((256, 3))
    states = tuple(rng.uniform(-3, 3, (256, 64)) for _ in entry.states)
    values = entry.step(x, *states, weights).as_dict()[field]
    low, high = float(values.min()), float(values.max())
    if low >= 0 and high <= 1:
        return "zero-to-one"
    if low >= -1 and high <= 1:
        return "minus-one-to-one"
    return "unbounded"


# ---------------------------------------------------------------- a step's named values

def named_values(trace, x, states, weights):
    """Every value of a step by the name the notes and the code use: x, H_prev (C_prev), each weight
    and each trace field. Option keys and code lines name their quantities from this."""
    state_names = [f"{s}_prev" for s in type(trace).STATE]
    return {"x": x, **dict(zip(state_names, states)), **weights.arrays(), **trace.as_dict()}


def field_key(name):
    """A value's name as a quiz key: H_tilde -> h-tilde, H_prev -> h-prev, a_u -> a-u."""
    return name.lower().replace("_", "-")


QUANTITIES = {  # option key -> the quantity it names, computed from a step's named values
    "previous-state": lambda v: v["H_prev"],
    "previous-cell": lambda v: v["C_prev"],
    "candidate": lambda v: v["H_tilde"] if "H_tilde" in v else v["C_tilde"],
    "zero": lambda v: np.zeros_like(v["H"]),
    "average": lambda v: (v["H_prev"] + v["H_tilde"]) / 2,
    "candidate-from-input": lambda v: np.tanh(v["x"] @ v["U_h"] + v["b_h"]),
    "plain-rnn-candidate": lambda v: np.tanh(v["x"] @ v["U_h"] + v["b_h"] + v["H_prev"] @ v["W_h"] + v["b_Wh"]),
    "gated-candidate": lambda v: v["i"] * v["C_tilde"],
    "cell-plus-candidate": lambda v: v["C_prev"] + v["C_tilde"],
    "squashed-cell": lambda v: np.tanh(v["C"]),
    "cell": lambda v: v["C"],
    "output-gate": lambda v: v["o"],
}


def quantity(key, values):
    if key not in QUANTITIES:
        raise CheckFailed(f"option {key!r} names no quantity; known: {sorted(QUANTITIES)}")
    return QUANTITIES[key](values)


def which(value, candidates):
    """The key of the one candidate equal to `value`, or a CheckFailed naming how many matched."""
    return only([key for key, candidate in candidates.items()
                 if np.allclose(value, candidate, rtol=0, atol=1e-12)], "quantity")


# ---------------------------------------------------------------- gates pushed to 0 or 1

SATURATION = 40.0  # a pre-activation of +-40 puts a sigmoid at 1 or 0 to double precision


def saturated_step(cell, gates, seed=0, batch=16, **options):
    """A step on random weights and inputs with each gate in `gates` ({"u": 1}, {"f": 1, "i": 0})
    pushed to that value through its bias. Returns (trace, x, states, weights)."""
    entry = registry.cell(cell)
    rng = np.random.default_rng(seed)
    arrays = entry.weights.random(3, 4, seed=seed).arrays()
    for key, value in gates.items():
        if value not in (0, 1):
            raise ValueError(f"gate {key}: can push a gate to 0 or 1, not {value!r}")
        bias = entry.block(key).weight_names()[2]
        arrays[bias] = np.full_like(arrays[bias], SATURATION if value == 1 else -SATURATION)
    weights = entry.weights(**arrays)
    x = rng.standard_normal((batch, 3))
    states = tuple(rng.uniform(-1, 1, (batch, 4)) for _ in entry.states)
    trace = entry.step(x, *states, weights, **options)
    for key, value in gates.items():  # a gate that is not a sigmoid does not reach 0 (a tanh gives -1)
        gate = getattr(trace, entry.block(key).output)
        if not np.allclose(gate, value, rtol=0, atol=1e-12):
            raise CheckFailed(f"{cell}: a bias of {SATURATION:+g} should put gate {key} at {value}, gru_ref gives "
                              f"{np.round(gate.ravel()[:4], 6).tolist()}")
    return trace, x, states, weights


def gates_named(cell, words):
    """An option key that sets gates by name -> {gate key: value}: "forget-one-input-zero" -> {"f": 1, "i": 0}."""
    entry = registry.cell(cell)
    by_word = {gate.name.split()[0]: gate.key for gate in entry.gates}
    tokens = words.split("-")
    if len(tokens) % 2 or any(t not in by_word for t in tokens[::2]) or any(t not in ("one", "zero")
                                                                          for t in tokens[1::2]):
        raise CheckFailed(f"{words!r}: expected '<gate>-one|zero' pairs, gates {sorted(by_word)}")
    return {by_word[g]: 1 if v == "one" else 0 for g, v in zip(tokens[::2], tokens[1::2])}


@decides("value-when-saturated")
def value_when_saturated(question):
    """Which option's quantity a step's value equals when gates are pushed to 0 or 1.

    params: cell, gates ({u: 1}), field (the trace field asked about), reset."""
    p = question.params
    values = named_values(*saturated_step(p["cell"], p["gates"], **_step_options(p)))
    return which(values[p["field"]], {o.key: quantity(o.key, values) for o in question.options})


@decides("which-gate")
def which_gate(question):
    """The name of the one gate that, pushed alone to params.value, makes `field` equal params.quantity.

    params: cell, value (0 or 1), field, quantity (a QUANTITIES key), reset. Answer: "update gate", ..."""
    p = question.params
    found = []
    for gate in registry.cell(p["cell"]).gates:
        values = named_values(*saturated_step(p["cell"], {gate.key: p["value"]}, **_step_options(p)))
        if np.allclose(values[p["field"]], quantity(p["quantity"], values), rtol=0, atol=1e-12):
            found.append(gate.name)
    return only(found, "gate")


# ---------------------------------------------------------------- gradients carried back through time

def gradient_through(cell, gates=None, state="H", steps=30, seed=0):
    """(gradient given at the last state, gradient reaching the first state) of a real gru_ref layer
    run for `steps` steps with PyTorch's initialisation and the given gates pushed to 0 or 1 through
    their biases; only `state` ("H" or "C") receives a gradient at the end."""
    entry = registry.cell(cell)
    d, n, batch = 3, 4, 8
    layer = entry.layer(d, n, seed=seed, dtype=np.float64)
    params = layer.state_dict()
    rows = entry.packed_blocks("torch", n)
    for key, value in (gates or {}).items():
        params["bias_ih_l0"][rows[key]] = SATURATION if value == 1 else -SATURATION
        params["bias_hh_l0"][rows[key]] = 0.0
    layer.load_state_dict(params)
    rng = np.random.default_rng(seed)
    initial = tuple(rng.uniform(-1, 1, (1, batch, n)) for _ in entry.states)
    layer(rng.standard_normal((steps, batch, d)), initial if len(initial) > 1 else initial[0])
    given = rng.standard_normal((1, batch, n))
    d_final = tuple(given if name == state else np.zeros_like(given) for name in entry.states)
    reached = layer.backward(None, d_final if len(d_final) > 1 else d_final[0]).state
    reached = reached[entry.states.index(state)] if len(d_final) > 1 else reached
    return given, reached


def gradient_fate(given, reached):
    """What the trip did to the gradient: "unchanged", "vanished" (below a millionth), "shrunk", "grown"."""
    if np.allclose(reached, given, rtol=1e-9, atol=1e-12):
        return "unchanged"
    ratio = np.linalg.norm(reached) / np.linalg.norm(given)
    return "vanished" if ratio < 1e-6 else "shrunk" if ratio < 1 else "grown"


@decides("gradient-fate")
def gradient_fate_of_layer(question):
    """What happens to the gradient carried back `steps` steps through a real layer (gru_ref's backward).

    params: cell, gates (optional, {u: 1}), state (H or C), steps. Answer: a gradient_fate key."""
    p = question.params
    return gradient_fate(*gradient_through(p["cell"], p.get("gates"), p.get("state", "H"), int(p.get("steps", 30))))


@decides("keeps-gradient")
def keeps_gradient(question):
    """The option whose gate setting (its key, e.g. "update-one") carries the gradient back unchanged.

    params: cell, state (H or C), steps."""
    p = question.params
    kept = [o.key for o in question.options
            if gradient_fate(*gradient_through(p["cell"], gates_named(p["cell"], o.key), p.get("state", "H"),
                                               int(p.get("steps", 30)))) == "unchanged"]
    return only(kept, "gate setting")


# ---------------------------------------------------------------- statements tested on random inputs

STATEMENTS = {}  # option key -> a test that asks gru_ref whether the statement holds (True / False)
SCALES = (0.3, 1.0, 4.0, 20.0)  # weights from small to saturating, so a statement meets every regime


def statement(key):
    def register(test):
        STATEMENTS[key] = test
        return test
    return register


def random_steps(cell, batch=32, input_size=3, hidden_size=4, seed=0, **options):
    """Steps on random weights of every scale in SCALES and random inputs and states:
    (trace, x, states, weights) for each."""
    entry = registry.cell(cell)
    rng = np.random.default_rng(seed)
    for k, scale in enumerate(SCALES):
        base = entry.weights.random(input_size, hidden_size, seed=seed + k).arrays()
        weights = entry.weights(**{name: scale * value for name, value in base.items()})
        x = rng.standard_normal((batch, input_size))
        states = tuple(rng.uniform(-1, 1, (batch, hidden_size)) for _ in entry.states)
        yield entry.step(x, *states, weights, **options), x, states, weights


def always(cell, test, **options):
    """test(named values) holds on every random step of `cell`."""
    return all(bool(test(named_values(*step))) for step in random_steps(cell, **options))


def keeps_and_writes_most(cell, state, candidate):
    """Some unit, at some random step, keeps more than 90% of the old `state` and writes more than 90% of
    `candidate`: the shares read off the step's keep / state_{t-1} and write / candidate."""
    def both(v):
        with np.errstate(divide="ignore", invalid="ignore"):
            return (v["keep"] / v[f"{state}_prev"] > 0.9) & (v["write"] / v[candidate] > 0.9)
    return any(bool(np.any(both(named_values(*step)))) for step in random_steps(cell))


@decides("statements-hold")
def statements_hold(question):
    """The options whose statement gru_ref bears out, each tested by the STATEMENTS entry of its key:
    all of them for a multiple-choice question, the only one for a single-choice question."""
    unknown = [o.key for o in question.options if o.key not in STATEMENTS]
    if unknown:
        raise CheckFailed(f"options {unknown} name no statement test; known: {sorted(STATEMENTS)}")
    held = [o.key for o in question.options if STATEMENTS[o.key]()]
    return held if question.type == "multiple" else only(held, "true statement")


# ---------------------------------------------------------------- spotting a bug in code

CODE_LINE = re.compile(r"^`\s*([A-Za-z_]\w*)\s*=\s*([^`]+)`$")


@decides("code-lines")
def code_lines(question):
    """Bug spotting. Each option is one line of code, `name = expression`, in the notes' variable names.
    Every line runs on random batches whose earlier values come from gru_ref's own step, so a line is
    judged alone, and what it assigns is compared with gru_ref's value of that name.

    params: cell, reset, want ("wrong": the lines that differ; "right": the lines that agree)."""
    p = question.params
    wrong = set()
    for step in random_steps(p["cell"], batch=5, **_step_options(p)):  # 5 rows, 3 inputs, 4 units: shapes differ
        values = named_values(*step)
        for option in question.options:
            match = CODE_LINE.match(option.text.strip())
            if not match or match.group(1) not in values:
                raise CheckFailed(f"option {option.key!r}: expected `name = expression` naming a value of the "
                                  f"step, got {option.text!r}")
            name, expression = match.groups()
            scope = dict(values, np=np, sigmoid=activations.sigmoid, tanh=np.tanh)
            try:
                result = eval(expression, {"__builtins__": {}}, scope)  # the quiz's own line, no builtins
            except ValueError:  # shapes that do not fit: numpy refuses the product
                wrong.add(option.key)
                continue
            if np.shape(result) != np.shape(values[name]) or not np.allclose(result, values[name], rtol=0,
                                                                              atol=1e-12):
                wrong.add(option.key)
    keys = [o.key for o in question.options if (o.key in wrong) == (p.get("want", "wrong") == "wrong")]
    return keys if question.type == "multiple" else only(keys, "line")


# ---------------------------------------------------------------- the dataflow the diagrams draw

def graph(params):
    return dataflow.trace_graph(params["cell"], **_step_options(params))


@decides("feeds")
def feeds(question):
    """The options naming a value that params.source feeds directly in the step's dataflow (the wires
    of the page's diagram); params.no_matrix keeps only wires that pass no weight matrix.
    Option keys are value names as field_key writes them (a-u, reset-h, keep)."""
    p = question.params
    g = graph(p)
    fed = {field_key(e.dst) for e in g.edges_from(p["source"]) if not (p.get("no_matrix") and e.via)}
    known = {field_key(name) for name in g.kinds}
    unknown = [o.key for o in question.options if o.key not in known]
    if unknown:
        raise CheckFailed(f"options {unknown} name no value of the {p['cell']} step; it has {sorted(known)}")
    keys = [o.key for o in question.options if o.key in fed]
    return keys if question.type == "multiple" else only(keys, "value")


@decides("step-order")
def step_order(question):
    """The items (keys: value names as field_key writes them) in the order the dataflow forces:
    each item's value is computed from the one before it. An order the dataflow leaves open fails."""
    g = graph(question.params)
    names = {field_key(name): name for name in g.kinds}

    def reaches(src, dst):
        frontier, seen = [src], set()
        while frontier:
            for edge in g.edges_from(frontier.pop()):
                if edge.dst == dst:
                    return True
                if edge.dst not in seen:
                    seen.add(edge.dst)
                    frontier.append(edge.dst)
        return False

    keys = [item.key for item in question.items]
    if any(k not in names for k in keys):
        raise CheckFailed(f"items {[k for k in keys if k not in names]} name no value; known: {sorted(names)}")
    order = sorted(keys, key=lambda k: sum(reaches(names[other], names[k]) for other in keys))
    for before, after in zip(order, order[1:]):
        if not reaches(names[before], names[after]):
            raise CheckFailed(f"the dataflow does not order {before!r} before {after!r}")
    return order


@decides("matmul-count")
def matmul_count(question):
    """How many matrix products one step computes, counted on the step run on symbols."""
    g = graph(question.params)
    return sum(1 for value in g.values["x"].tape if value.op == "@")


@decides("depends-without-recurrent-weights")
def depends_without_recurrent_weights(question):
    """With every recurrent matrix W set to zero, which options' dependences remain? An option key
    reads "<cell>-<value>-on-<input>": "gru-h-on-h-prev" asks whether H_t still changes with H_{t-1}."""
    kept = []
    for option in question.options:
        cell, _, rest = option.key.partition("-")
        value, _, given = rest.partition("-on-")
        entry = registry.cell(cell)
        rng = np.random.default_rng(0)
        arrays = {name: (0 * a if name.startswith("W") else a)
                  for name, a in entry.weights.random(3, 4, seed=1).arrays().items()}
        weights = entry.weights(**arrays)
        x = rng.standard_normal((16, 3))
        states = [rng.uniform(-1, 1, (16, 4)) for _ in entry.states]
        inputs = [f"{s}_prev" for s in entry.states]
        names = {field_key(n): n for n in [f.name for f in dataclasses.fields(entry.trace)] + inputs}
        if value not in names or given not in names or names[given] not in inputs:
            raise CheckFailed(f"option {option.key!r}: expected <cell>-<value>-on-<state input> of the {cell} step")
        before = getattr(entry.step(x, *states, weights), names[value])
        states[inputs.index(names[given])] = states[inputs.index(names[given])] + rng.uniform(0.1, 0.5, (16, 4))
        after = getattr(entry.step(x, *states, weights), names[value])
        if not np.allclose(before, after, rtol=0, atol=1e-12):
            kept.append(option.key)
    return kept if question.type == "multiple" else only(kept)


# ---------------------------------------------------------------- real layers: state and shapes

@decides("state-count")
def state_count(question):
    """How many arrays a real gru_ref layer hands on as its state (PyTorch's h_n, or (h_n, c_n))."""
    layer = registry.cell(question.params["cell"]).layer(3, 4, dtype=np.float64)
    _, state = layer(np.zeros((2, 3)))
    return len(state) if isinstance(state, tuple) else 1


@decides("weight-shape")
def weight_shape(question):
    """The shape of one of the notes' matrices, read off a real layer's weights converted to the notes'
    form (gru_ref.convert.from_torch), as "rows x columns". params: cell, input, hidden, weight."""
    p = question.params
    layer = registry.cell(p["cell"]).layer(int(p["input"]), int(p["hidden"]))
    rows, columns = convert.from_torch(p["cell"], layer.state_dict()).arrays()[p["weight"]].shape
    return f"{rows} x {columns}"
