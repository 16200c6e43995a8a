"""Checks for the GRU vs LSTM chapter: what each cell keeps, writes, filters and costs, and the notes'
claims, each worked out by running gru_ref's cells, layers and counts.

Also the helpers the Conventions checks share: a step with gates pinned open or shut, `which`,
and the `claims` decider, whose options are claims that code tests (`@claim`).
"""
import contextlib
import dataclasses
import itertools
import math

import numpy as np

from gru_ref import cells, convert, counts, registry, run_sequence

from .. import misconceptions as mis
from . import CheckFailed, Variant, decides, generates

GATED = ("gru", "lstm")
PINNED = 40.0  # a bias that puts a sigmoid at 0 or 1 (and a tanh at -1 or 1) to double precision
SIZES = ((1, 1), (3, 5), (64, 128), (256, 32))  # (d, n) pairs a claim about "any size" is tried on


def which(value, candidates):
    """The key of the one candidate equal to `value`, or a CheckFailed naming what matched."""
    matches = [key for key, candidate in candidates.items()
               if np.shape(candidate) == np.shape(value) and np.allclose(value, candidate, rtol=0, atol=1e-12)]
    if len(matches) != 1:
        raise CheckFailed(f"expected exactly one matching quantity among {sorted(candidates)}, "
                          f"found {matches or 'none'}")
    return matches[0]


def as_answer(question, keys):
    """A list of option keys as the question's answer: the list (multiple), or its one key (single)."""
    if question.type == "multiple":
        return sorted(keys)
    if len(keys) != 1:
        raise CheckFailed(f"a single-choice question needs exactly one true option, found {sorted(keys) or 'none'}")
    return keys[0]


# ---------------------------------------------------------------- a step with blocks pinned

def random_step(cell, seed=0, input_size=3, hidden_size=4):
    """Random weights (a dict of arrays), an input and the state(s) for one step of `cell`."""
    entry = registry.cell(cell)
    rng = np.random.default_rng(seed)
    arrays = entry.weights.random(input_size, hidden_size, seed=seed).arrays()
    x = rng.standard_normal(input_size)
    states = tuple(rng.uniform(-1, 1, hidden_size) for _ in entry.states)
    return arrays, x, states


def run_step(cell, arrays, x, states, **options):
    """gru_ref's step of `cell`, every value by its trace name; a CheckFailed if any value differs from
    the notes' equations computed by hand (quiz.misconceptions.hand_step)."""
    entry = registry.cell(cell)
    trace = entry.step(x, *states, entry.weights(**arrays), **options).as_dict()
    hand = mis.hand_step(cell, x, states, arrays, **options)
    wrong = [name for name in hand if name in trace and not np.allclose(hand[name], trace[name], rtol=0, atol=1e-9)]
    if wrong:
        raise CheckFailed(f"{cell} step {options}: gru_ref and the notes' equations by hand differ in {wrong}")
    return trace


def pinned(cell, arrays, settings):
    """A copy of `arrays` with each block in `settings` (block key -> 0 or 1) pinned by its bias:
    a gate at 0 or 1, the candidate at -1 or 1."""
    arrays = dict(arrays)
    for key, value in settings.items():
        bias = registry.cell(cell).block(key).weight_names()[2]
        arrays[bias] = np.full_like(arrays[bias], PINNED if value else -PINNED)
    return arrays


def gate_settings(cell):
    """Every way of pinning each gate of `cell` at 0 or 1."""
    keys = [gate.key for gate in registry.cell(cell).gates]
    return [dict(zip(keys, values)) for values in itertools.product((0, 1), repeat=len(keys))]


def candidate_block(cell):
    """The block that offers new content: the one whose output can be negative (tanh)."""
    arrays, x, states = random_step(cell)
    negative = [b for b in registry.cell(cell).blocks if (run_step(cell, pinned(cell, arrays, {b.key: 0}), x, states)
                                                          [b.output] < 0).all()]
    if len(negative) != 1:
        raise CheckFailed(f"{cell}: expected one block whose output can be negative, found {[b.key for b in negative]}")
    return negative[0]


def coefficients(cell, arrays, x, states):
    """The new memory (H for the GRU, C for the LSTM) as keep * old + write * candidate: the two
    coefficients, unit by unit, read off gru_ref's trace."""
    trace = run_step(cell, arrays, x, states)
    memory, old = registry.cell(cell).states[-1], states[-1]
    if not np.allclose(trace["keep"] + trace["write"], trace[memory], rtol=0, atol=1e-12):
        raise CheckFailed(f"{cell}: keep + write is not the new {memory}")
    return trace["keep"] / old, trace["write"] / trace[candidate_block(cell).output]


def changes(cell, key, field, seed=0):
    """Whether moving block `key` from 0 to 1, everything else fixed, changes the trace value `field`."""
    arrays, x, states = random_step(cell, seed)
    low, high = (run_step(cell, pinned(cell, arrays, {key: v}), x, states)[field] for v in (0, 1))
    return not np.allclose(low, high, rtol=0, atol=1e-12)


# ---------------------------------------------------------------- gates and blocks

@decides("gate-count")
def gate_count(question):
    """How many gates (params.what: gates) or weight blocks (blocks) a cell has, by behaviour.

    Blocks: the rows of a real layer's weight_hh over its hidden size. Gates: the blocks whose
    output stays within [0, 1] under large weights, i.e. the ones that can scale something."""
    cell, what = question.params["cell"], question.params["what"]
    if what not in ("gates", "blocks"):
        raise CheckFailed(f"params.what: expected gates or blocks, got {what!r}")
    entry, n = registry.cell(cell), 5
    blocks = entry.layer(2, n).state_dict()["weight_hh_l0"].shape[0] // n
    if what == "blocks":
        count = blocks
    else:
        arrays, x, states = random_step(cell, hidden_size=64)
        large = {name: 20 * value for name, value in arrays.items()}
        trace = run_step(cell, large, 20 * x, states)
        count = sum(1 for b in entry.blocks if 0 <= trace[b.output].min() and trace[b.output].max() <= 1)
        if len(entry.blocks) != blocks:
            raise CheckFailed(f"{cell}: the registry has {len(entry.blocks)} blocks, the layer {blocks}")
    return str(count) if question.type == "single" else count


@decides("carried-states")
def carried_states(question):
    """Which states each cell hands from step to step: the option keys `<cell>-<state>` (gru-h,
    lstm-c, ...) whose state a real layer returns as its final state."""
    carried = []
    for option in question.options:
        cell, state = option.key.split("-", 1)
        entry = registry.cell(cell)
        _, final = entry.layer(2, 3, dtype=np.float64)(np.zeros((4, 2)))
        finals = final if isinstance(final, tuple) else (final,)
        if len(finals) != len(entry.states):
            raise CheckFailed(f"{cell}: the layer returns {len(finals)} states, the registry names {entry.states}")
        if state.upper() in entry.states:
            carried.append(option.key)
    return as_answer(question, carried)


# ---------------------------------------------------------------- what a cell can do

CELL_PROPERTIES = {}


def cell_property(name):
    def register(function):
        CELL_PROPERTIES[name] = function
        return function
    return register


def _all_close(pair, targets):
    return all(np.allclose(value, target, rtol=0, atol=1e-12) for value, target in zip(pair, targets))


@cell_property("couples-keep-and-write")
def couples_keep_and_write(cell):
    """The keep and write coefficients add up to 1 in every unit, whatever the weights."""
    return all(np.allclose(sum(coefficients(cell, *random_step(cell, seed))), 1, rtol=0, atol=1e-12)
               for seed in range(5))


@cell_property("keeps-and-adds")
def keeps_and_adds(cell):
    """Some setting of the gates keeps all of the old memory and adds all of the candidate."""
    arrays, x, states = random_step(cell)
    return any(_all_close(coefficients(cell, pinned(cell, arrays, s), x, states), (1, 1)) for s in gate_settings(cell))


@cell_property("clears-without-writing")
def clears_without_writing(cell):
    """Some setting of the gates drops the old memory and writes nothing in its place."""
    arrays, x, states = random_step(cell)
    return any(_all_close(coefficients(cell, pinned(cell, arrays, s), x, states), (0, 0)) for s in gate_settings(cell))


@cell_property("memory-can-grow")
def memory_can_grow(cell):
    """From a zero state, some setting of the gates (candidate pinned at 1) drives the memory past 1
    within 50 steps: the memory can count."""
    entry = registry.cell(cell)
    arrays, _, _ = random_step(cell)
    xs = np.random.default_rng(1).standard_normal((50, 3))
    zeros = tuple(np.zeros(4) for _ in entry.states)
    for setting in gate_settings(cell):
        weights = entry.weights(**pinned(cell, arrays, setting | {candidate_block(cell).key: 1}))
        memory = [getattr(t, entry.states[-1]) for t in run_sequence(entry.step, xs, zeros, weights)]
        if np.abs(memory).max() > 1 + 1e-9:
            return True
    return False


@cell_property("gate-filters-state-for-candidate")
def gate_filters_state_for_candidate(cell):
    """Some gate changes the candidate's pre-activation at the same step, with x_t and H_{t-1} fixed."""
    return bool(gates_changing(cell, candidate_block(cell).pre_activation))


@cell_property("separate-memory")
def separate_memory(cell):
    """A real layer hands on a second state besides the one it outputs."""
    _, final = registry.cell(cell).layer(2, 3, dtype=np.float64)(np.zeros((4, 2)))
    return isinstance(final, tuple)


@decides("which-cell")
def which_cell(question):
    """Which of the GRU and the LSTM has params.property: "gru", "lstm", "both" or "neither"."""
    having = [cell for cell in GATED if CELL_PROPERTIES[question.params["property"]](cell)]
    return {0: "neither", len(GATED): "both"}.get(len(having)) or having[0]


def gates_changing(cell, field):
    return [gate.key for gate in registry.cell(cell).gates if changes(cell, gate.key, field)]


@decides("gates-changing")
def gates_changing_field(question):
    """The gates that, moved alone from 0 to 1, change trace value params.field ("none" if no gate does)."""
    keys = gates_changing(question.params["cell"], question.params["field"])
    return as_answer(question, keys or ["none"])


@decides("changed-by-gate")
def changed_by_gate(question):
    """The values of a step that change when only gate params.gate moves from 0 to 1. Option keys
    are trace names in kebab case: h-tilde for H_tilde, keep, u, ..."""
    cell, gate = question.params["cell"], question.params["gate"]
    fields = {f.name.lower().replace("_", "-"): f.name for f in dataclasses.fields(registry.cell(cell).trace)}
    unknown = [o.key for o in question.options if o.key not in fields]
    if unknown:
        raise CheckFailed(f"options {unknown} name no value of the {cell} step; it has {sorted(fields)}")
    return as_answer(question, [o.key for o in question.options if changes(cell, gate, fields[o.key])])


@decides("coefficient-of")
def coefficient_of(question):
    """What multiplies the old memory (params.term: keep) or the candidate (write) in the new memory:
    a gate g ("g") or its complement ("one-minus-g"); for a text answer, the gate's name."""
    cell, term = question.params["cell"], question.params["term"]
    arrays, x, states = random_step(cell)
    coefficient = dict(zip(("keep", "write"), coefficients(cell, arrays, x, states)))[term]
    trace = run_step(cell, arrays, x, states)
    gates = registry.cell(cell).gates
    candidates = {g.key: trace[g.output] for g in gates} | {f"one-minus-{g.key}": 1 - trace[g.output] for g in gates}
    key = which(coefficient, candidates)
    return registry.cell(cell).block(key).name if question.type == "text" else key


@decides("pinned-lstm-memory")
def pinned_lstm_memory(question):
    """Run an LSTM from zero for a few steps with gates pinned (params.pin: gate -> 0 or 1) and say what
    it holds: "hidden-in-c" (H is 0, C is not), "both-empty", "both-hold" or "only-h"."""
    entry = registry.cell("lstm")
    arrays, _, _ = random_step("lstm")
    xs = np.random.default_rng(2).standard_normal((int(question.params.get("steps", 5)), 3))
    weights = entry.weights(**pinned("lstm", arrays, question.params["pin"]))
    last = run_sequence(entry.step, xs, (np.zeros(4), np.zeros(4)), weights)[-1]
    shown, stored = (not np.allclose(v, 0, rtol=0, atol=1e-12) for v in (last.H, last.C))
    return {(False, True): "hidden-in-c", (False, False): "both-empty", (True, True): "both-hold",
            (True, False): "only-h"}[(shown, stored)]


# ---------------------------------------------------------------- cost

def layer_parameters(cell, d, n):
    return sum(value.size for value in registry.cell(cell).layer(d, n).state_dict().values())


def step_macs(cell, d, n):
    """counts.step_cost's multiply-adds, checked against the weight matrices of a real layer (a step
    multiplies by every entry once) and against the count by hand."""
    formula = counts.step_cost(cell, d, n)["matmul_macs"]
    state = registry.cell(cell).layer(d, n).state_dict()
    from_layer = sum(value.size for name, value in state.items() if name.startswith("weight_"))
    by_hand = mis.hand_step_macs(cell, d, n)
    if not formula == from_layer == by_hand:
        raise CheckFailed(f"{cell} d={d} n={n}: step_cost says {formula} multiply-adds, the layer's matrices "
                          f"hold {from_layer} entries, the count by hand is {by_hand}")
    return formula


@contextlib.contextmanager
def counted_activations():
    """Count the entries gru_ref's steps pass through sigmoid and tanh while the block runs: the
    step functions look both up in gru_ref.cells when called, so wrapping them there counts."""
    seen = {"sigmoids": 0, "tanhs": 0}
    originals = {"sigmoids": cells.sigmoid, "tanhs": cells.tanh}

    def counting(name):
        def activation(a):
            seen[name] += np.size(a)
            return originals[name](a)
        return activation

    cells.sigmoid, cells.tanh = counting("sigmoids"), counting("tanhs")
    try:
        yield seen
    finally:
        cells.sigmoid, cells.tanh = originals["sigmoids"], originals["tanhs"]


def quantity(cell, name, d, n):
    """A per-step cost (a key of counts.step_cost) or "parameters" (PyTorch's, from a real layer).
    Multiply-adds and activations are checked against a real layer and a running step."""
    if name == "parameters":
        return layer_parameters(cell, d, n)
    if name == "matmul_macs":
        return step_macs(cell, d, n)
    formula = counts.step_cost(cell, d, n)[name]
    if name in ("sigmoids", "tanhs"):
        entry = registry.cell(cell)
        with counted_activations() as seen:
            entry.step(np.zeros(d), *(np.zeros(n) for _ in entry.states), entry.weights.random(d, n))
        if seen[name] != formula:
            raise CheckFailed(f"{cell} d={d} n={n}: step_cost counts {formula} {name}, a step computes {seen[name]}")
    return formula


@generates("step-macs")
def step_macs_variant(params, rng, index):
    """Multiply-adds in one step's matrix products (params: cell; input and hidden for the first variant)."""
    cell = params["cell"]
    if index == 0:
        d, n = int(params["input"]), int(params["hidden"])
    else:
        d, n = int(rng.integers(2, 257)), int(rng.integers(2, 257))
    answer = float(step_macs(cell, d, n))
    wrong = {name: float(mis.hand_step_macs(cell, d, n, mistake=name)) for name in mis.MAC_MISCONCEPTIONS}
    wrong = mis.distinct_distractors(answer, wrong, lambda v: f"{v:.0f}")
    return Variant({"d": str(d), "n": str(n), "Cell": registry.cell(cell).title}, answer, wrong=wrong)


@decides("cost-ratio")
def cost_ratio(question):
    """params.quantity of params.numerator's cell over params.denominator's at equal sizes; a
    CheckFailed if the ratio depends on the sizes (then the question would need them)."""
    p = question.params
    ratios = [quantity(p["numerator"], p["quantity"], d, n) / quantity(p["denominator"], p["quantity"], d, n)
              for d, n in SIZES]
    if max(ratios) - min(ratios) > 1e-12:
        raise CheckFailed(f"the ratio of {p['quantity']} depends on the sizes: {ratios}")
    return ratios[0]


@decides("cost-order")
def cost_order(question):
    """The items (params.sizes: key -> [cell, d, n]) from fewest to most multiply-adds per step."""
    sizes = question.params["sizes"]
    macs = {key: step_macs(cell, int(d), int(n)) for key, (cell, d, n) in sizes.items()}
    if len(set(macs.values())) != len(macs):
        raise CheckFailed(f"two items cost the same, so no order is right: {macs}")
    return sorted(macs, key=macs.get)


@generates("matching-hidden-size")
def matching_hidden_size(params, rng, index):
    """The largest GRU hidden size whose PyTorch layer has no more parameters than an LSTM with the
    given sizes (params: input, hidden for the first variant): the budget comparison of the notes."""
    if index == 0:
        d, n = int(params["input"]), int(params["hidden"])
    else:
        d, n = int(rng.integers(8, 257)), int(rng.integers(8, 257))
    budget = counts.parameter_count("lstm", d, n)
    n_gru = n
    while counts.parameter_count("gru", d, n_gru + 1) <= budget:
        n_gru += 1
    # both sides of the answer from real layers and from the count by hand: n_gru fits, one more does not
    for count in (layer_parameters, lambda c, d_, n_: mis.hand_parameter_count(c, d_, n_)):
        if not count("gru", d, n_gru) <= count("lstm", d, n) < count("gru", d, n_gru + 1):
            raise CheckFailed(f"d={d} n={n}: GRU n={n_gru} is not the largest within the LSTM's budget")
    wrong = {"equal-hidden-size": float(n), "parameters-linear-in-n": float(math.floor(4 * n / 3))}
    wrong = mis.distinct_distractors(float(n_gru), wrong, lambda v: f"{v:.0f}")
    return Variant({"d": str(d), "n": str(n)}, float(n_gru), wrong=wrong)


# ---------------------------------------------------------------- claims that code tests

CLAIMS = {}


def claim(name):
    """Register a claim: a function without arguments that says, by running gru_ref, whether it holds."""
    def register(function):
        CLAIMS[name] = function
        return function
    return register


@decides("claims")
def claims(question):
    """The options whose claim holds; every option key names a claim registered with @claim."""
    unknown = [o.key for o in question.options if o.key not in CLAIMS]
    if unknown:
        raise CheckFailed(f"options {unknown} name no claim; known claims: {sorted(CLAIMS)}")
    return as_answer(question, [o.key for o in question.options if CLAIMS[o.key]()])


@claim("gru-fewer-macs-at-equal-sizes")
def gru_fewer_macs_at_equal_sizes():
    return all(step_macs("gru", d, n) < step_macs("lstm", d, n) for d, n in SIZES)


@claim("gru-fewer-macs-at-any-sizes")
def gru_fewer_macs_at_any_sizes():
    """Also when the GRU is wider than the LSTM: one pair of hidden sizes where it is not refutes it."""
    return all(step_macs("gru", d, n_gru) < step_macs("lstm", d, n_lstm)
               for d, n_gru, n_lstm in itertools.product((16, 128), (32, 64, 128), (32, 64, 128)))


@claim("gru-fewer-pointwise-at-equal-sizes")
def gru_fewer_pointwise_at_equal_sizes():
    return all(quantity("gru", "pointwise", d, n) < quantity("lstm", "pointwise", d, n) for d, n in SIZES)


@claim("gru-fewer-activations-at-equal-sizes")
def gru_fewer_activations_at_equal_sizes():
    def activations(cell, d, n):
        return quantity(cell, "sigmoids", d, n) + quantity(cell, "tanhs", d, n)
    return all(activations("gru", d, n) < activations("lstm", d, n) for d, n in SIZES)


@claim("gru-fewer-parameters-at-equal-sizes")
def gru_fewer_parameters_at_equal_sizes():
    return all(layer_parameters("gru", d, n) < layer_parameters("lstm", d, n) for d, n in SIZES)


def gradient_reaching_start(steps, update=None, W_h=None, n=3):
    """The gradient a GRU layer sends from its last state H_T back to H_0, as a fraction of what
    arrived (the norms' ratio), from layer.backward.

    The gates are constant: no input, W_u = W_r = 0, the reset pinned at 1, and the update gate at
    `update` (None: pinned at 1; 0: pinned at 0). W_h (default 0) is the only recurrent matrix."""
    entry = registry.cell("gru")
    arrays = {name: np.zeros_like(value) for name, value in entry.weights.random(1, n).arrays().items()}
    arrays["b_r"] = np.full(n, PINNED)
    pinned_or_logit = {None: PINNED, 0: -PINNED}.get(update) or math.log(update / (1 - update))
    arrays["b_u"] = np.full(n, pinned_or_logit)  # sigma(log(u / (1 - u))) = u
    if W_h is not None:
        arrays["W_h"] = np.asarray(W_h, dtype=float)
    layer = entry.layer(1, n, dtype=np.float64)
    layer.load_state_dict(convert.to_torch(entry.weights(**arrays)))
    layer(np.zeros((steps, 1)), np.zeros((1, n)))  # H_0 = 0 and no input: the state stays 0
    arriving = np.ones((1, n))
    reaching = layer.backward(d_state=arriving).state
    return float(np.linalg.norm(reaching) / np.linalg.norm(arriving))


@decides("copy-gradient")
def copy_gradient(question):
    """The fraction of a gradient that reaches H_0 from H_T (params.steps) through update gates held
    at params.update, with nothing else in the way."""
    return gradient_reaching_start(int(question.params["steps"]), update=float(question.params["update"]))


@claim("gradient-decays-with-update-0-9")
def gradient_decays_with_update_0_9():
    """With every u_t = 0.9, less than a thousandth of the gradient survives 100 steps."""
    return gradient_reaching_start(100, update=0.9) < 1e-3


@claim("gradient-kept-with-update-pinned-at-1")
def gradient_kept_with_update_pinned_at_1():
    return abs(gradient_reaching_start(100) - 1) < 1e-9


@claim("gradient-never-vanishes")
def gradient_never_vanishes():
    """Whatever the update gate, at least a tenth of the gradient survives 100 steps."""
    return min(gradient_reaching_start(100, update=u) for u in (0.5, 0.9, 0.99, None)) >= 0.1


@claim("gradient-can-explode")
def gradient_can_explode():
    """With u_t = 0 and W_h = 3I the GRU is a plain tanh RNN around 0: 20 steps multiply the gradient by 3^20."""
    return gradient_reaching_start(20, update=0, W_h=3 * np.eye(3)) > 1e3


def _gru_layer_run(first_input, steps=10):
    layer = registry.cell("gru").layer(2, 4, dtype=np.float64)
    xs = np.random.default_rng(3).standard_normal((steps, 2))
    xs[0] = first_input
    return layer(xs)


@claim("gru-remembers-first-input")
def gru_remembers_first_input():
    """Two sequences that differ only in their first input leave a GRU in different states 10 steps later."""
    (_, one), (_, other) = _gru_layer_run([1.0, -1.0]), _gru_layer_run([-1.0, 1.0])
    return not np.allclose(one, other, rtol=0, atol=1e-9)


@claim("gru-has-separate-cell-state")
def gru_has_separate_cell_state():
    return separate_memory("gru")


def shows_whole_state(cell):
    """Everything the layer carries to the next step is its output: no state is kept out of sight."""
    out, final = registry.cell(cell).layer(2, 4, dtype=np.float64)(np.random.default_rng(4).standard_normal((6, 2)))
    finals = final if isinstance(final, tuple) else (final,)
    return all(np.allclose(f[-1], out[-1], rtol=0, atol=1e-12) for f in finals)


@claim("gru-shows-its-whole-state")
def gru_shows_its_whole_state():
    return shows_whole_state("gru")


@claim("lstm-shows-its-whole-state")
def lstm_shows_its_whole_state():
    return shows_whole_state("lstm")


def memory_reaches(cell, field, pins, steps=1):
    """Whether the old memory (C_{t-1}, or the GRU's H_{t-1}) still reaches trace value `field` after
    `steps` steps with blocks pinned (block key -> 0 or 1): change only the memory and compare."""
    entry = registry.cell(cell)
    arrays, x, states = random_step(cell)
    weights = entry.weights(**pinned(cell, arrays, pins))
    xs = np.random.default_rng(8).standard_normal((steps, len(x)))
    other = states[:-1] + (states[-1] + 0.5,)
    ends = [run_sequence(entry.step, xs, s, weights)[-1].as_dict()[field] for s in (states, other)]
    return not np.allclose(*ends, rtol=0, atol=1e-12)


@claim("lstm-input-gate-filters-candidate")
def lstm_input_gate_filters_candidate():
    """Moving the input gate changes what the candidate computes at the same step."""
    return changes("lstm", "i", "a_c")


@claim("lstm-shut-output-gate-hides-memory-from-next-step")
def lstm_shut_output_gate_hides_memory_from_next_step():
    """With o = 0 at one step, the next step's four pre-activations do not depend on the memory C:
    the memory is run through one step with o pinned at 0, then through a free step."""
    entry = registry.cell("lstm")
    arrays, x, (H_prev, C_prev) = random_step("lstm")
    shut = entry.weights(**pinned("lstm", arrays, {"o": 0}))
    free = entry.weights(**arrays)
    nexts = []
    for C in (C_prev, C_prev + 0.5):
        first = entry.step(x, H_prev, C, shut)
        nexts.append(entry.step(-x, first.H, first.C, free).as_dict())
    return all(np.allclose(nexts[0][block.pre_activation], nexts[1][block.pre_activation], rtol=0, atol=1e-12)
               for block in entry.blocks)


@claim("lstm-shut-forget-gate-drops-memory")
def lstm_shut_forget_gate_drops_memory():
    return not memory_reaches("lstm", "C", {"f": 0})


@claim("gru-shut-reset-gate-drops-memory")
def gru_shut_reset_gate_drops_memory():
    return not memory_reaches("gru", "H", {"r": 0})
