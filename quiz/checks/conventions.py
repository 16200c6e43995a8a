"""Checks for the Conventions chapter: how libraries pack, shape, name and bias what the notes write,
read off gru_ref.convert and gru_ref's PyTorch-compatible layers, and the bugs that come from
reading one convention as another, found by running the buggy code itself."""
import dataclasses
import re

import numpy as np

from gru_ref import convert, counts, registry

from .. import misconceptions as mis
from . import CheckFailed, Variant, decides, generates
from .comparison import as_answer, claim, pinned, random_step, run_step, which

LIBRARY_ARRAYS = {"torch": ("weight_ih", "weight_hh", "bias_ih", "bias_hh"),
                  "keras": ("kernel", "recurrent_kernel", "bias")}


def packed(library, weights, reset_after=True):
    """The library's arrays of `weights` by name, as gru_ref.convert packs them; checked by loading
    them into gru_ref's PyTorch-compatible layer (Keras's arrays through load_keras_weights, which also
    checks their shapes), which must then compute what the cell's step computes with `weights`."""
    entry = registry.cell_of(weights)
    options = {"reset": "after" if reset_after else "before"} if entry.key == "gru" else {}
    layer = entry.layer(weights.input_size, weights.hidden_size, dtype=np.float64, **options)
    if library == "torch":
        arrays = {name.removesuffix("_l0"): value for name, value in convert.to_torch(weights).items()}
        layer.load_state_dict({f"{name}_l0": value for name, value in arrays.items()})
    else:
        arrays = dict(zip(LIBRARY_ARRAYS["keras"], convert.to_keras(weights, reset_after=reset_after)))
        layer.load_keras_weights(list(arrays.values()))
    rng = np.random.default_rng(9)
    x, states = rng.standard_normal(weights.input_size), [rng.uniform(-1, 1, weights.hidden_size)
                                                         for _ in entry.states]
    out, _ = layer(x[None], tuple(s[None] for s in states) if len(states) > 1 else states[0][None])
    if not np.allclose(out[0], entry.step(x, *states, weights, **options).H, rtol=0, atol=1e-9):
        raise CheckFailed(f"{entry.title} weights packed for {library} do not compute the cell's step in a layer")
    return arrays


# ---------------------------------------------------------------- gate order

def marked(cell):
    """Weights of a cell with one input and one unit whose every entry is its field's number (1, 2, ...),
    so a packed array shows which field went where; and the field names in that numbering."""
    weights_class = registry.cell(cell).weights
    names = [field.name for field in dataclasses.fields(weights_class)]
    return names, weights_class(**{name: np.full((1, 1) if name[0] in "UW" else (1,), float(k + 1))
                                   for k, name in enumerate(names)})


def packed_block_keys(library, cell, array):
    """The notes' block keys in the order `array` of `library` stacks them (r, u, h for PyTorch's GRU)."""
    names, weights = marked(cell)
    values = np.ravel(packed(library, weights)[array])  # one entry per block: one input and one unit
    return [names[int(v) - 1].partition("_")[2] for v in values]


@decides("packed-block-order")
def packed_block_order(question):
    """The order in which gru_ref.convert stacks a cell's blocks in one packed array, read off marked
    weights. params: library (torch, keras), cell, array (weight_ih, weight_hh, kernel, recurrent_kernel).
    Answer: the notes' block keys (u, r, h / f, i, c, o)."""
    p = question.params
    return packed_block_keys(p["library"], p["cell"], p["array"])


@decides("torch-block-order")
def torch_block_order(question):
    """The blocks of PyTorch's weight_hh in gru_ref.convert's order (params: cell)."""
    return packed_block_keys("torch", question.params["cell"], "weight_hh")


@decides("packed-letters")
def packed_letters(question):
    """The library's own letters for the blocks of one packed array, in order: "r, z, n" for PyTorch's GRU."""
    p = question.params
    entry = registry.cell(p["cell"])
    keys = packed_block_keys(p["library"], p["cell"], p.get("array", "weight_ih" if p["library"] == "torch"
                                                                      else "kernel"))
    return ", ".join(getattr(entry.block(key), p["library"]) for key in keys)


# ---------------------------------------------------------------- shapes and transposes

SHAPE_SIZES = (5, 7)  # d and n: neither divides the other, so every dimension says which size it comes from


def symbolic(dimension, d, n):
    """A dimension in terms of d and n: 5 -> "d", 21 -> "3n", 2 -> "2" (with d = 5, n = 7)."""
    if dimension == d:
        return "d"
    if dimension % n == 0:
        return "n" if dimension == n else f"{dimension // n}n"
    return str(dimension)


@decides("packed-shape")
def packed_shape(question):
    """The shape of one packed array as a key: "3n-by-d" for PyTorch's GRU weight_ih.

    PyTorch: a real layer's state_dict. Keras: gru_ref.convert.to_keras's arrays, which a layer's
    load_keras_weights accepts as Keras's own (it checks their shapes). params: library, cell, array,
    reset_after (Keras GRU)."""
    p = question.params
    d, n = SHAPE_SIZES
    entry = registry.cell(p["cell"])
    if p["library"] == "torch":
        shape = entry.layer(d, n).state_dict()[f"{p['array']}_l0"].shape
    else:
        arrays = packed("keras", entry.weights.random(d, n), reset_after=bool(p.get("reset_after", True)))
        shape = arrays[p["array"]].shape
    return "-by-".join(symbolic(dimension, d, n) for dimension in shape)


@decides("teaching-from-packed")
def teaching_from_packed(question):
    """How the notes' matrix params.weight (U_u, W_h, ...) of a GRU or LSTM comes out of its block in
    the library's packed array: "transposed", "same", "negated" or "inverted" (d = n, so every
    candidate has the right shape)."""
    p = question.params
    cell, library, name = p["cell"], p["library"], p["weight"]
    entry, n = registry.cell(cell), 4
    kind, _, key = name.partition("_")
    if library == "torch":
        state = entry.layer(n, n, dtype=np.float64).state_dict()
        weights = convert.from_torch(cell, state)
        block = state["weight_ih_l0" if kind == "U" else "weight_hh_l0"][entry.packed_blocks("torch", n)[key]]
    else:
        arrays = packed("keras", entry.weights.random(n, n, seed=1))
        weights = convert.from_keras(cell, list(arrays.values()))
        block = arrays["kernel" if kind == "U" else "recurrent_kernel"][:, entry.packed_blocks("keras", n)[key]]
    return which(getattr(weights, name), {"transposed": block.T, "same": block, "negated": -block,
                                          "inverted": np.linalg.inv(block)})


# ---------------------------------------------------------------- parameter counts

@generates("keras-parameter-count")
def keras_parameter_count(params, rng, index):
    """Parameters of one Keras layer: the sizes of the arrays gru_ref.convert.to_keras makes (which a
    layer's load_keras_weights accepts as Keras's), compared with gru_ref.counts and a count by hand.
    params: cell, reset_after (GRU), and input, hidden for the first variant."""
    cell, reset_after = params["cell"], bool(params.get("reset_after", True))
    if index == 0:
        d, n = int(params["input"]), int(params["hidden"])
    else:
        d, n = int(rng.integers(2, 129)), int(rng.integers(2, 129))
    entry = registry.cell(cell)
    arrays = packed("keras", entry.weights.random(d, n), reset_after=reset_after)
    from_arrays = sum(np.size(a) for a in arrays.values())
    formula = counts.parameter_count(cell, d, n, convention="keras", reset_after=reset_after)
    by_hand = mis.hand_keras_parameter_count(cell, d, n, reset_after)
    if not from_arrays == formula == by_hand:
        raise CheckFailed(f"Keras {cell} d={d} n={n} reset_after={reset_after}: the arrays hold {from_arrays}, "
                          f"gru_ref.counts says {formula}, the count by hand {by_hand}")
    wrong = {name: float(mis.hand_keras_parameter_count(cell, d, n, reset_after, mistake=name))
             for name in mis.KERAS_COUNT_MISCONCEPTIONS}
    wrong = mis.distinct_distractors(float(from_arrays), wrong, lambda v: f"{v:.0f}")
    values = {"d": str(d), "n": str(n), "Cell": entry.title, "reset_after": str(reset_after)}
    return Variant(values, float(from_arrays), wrong=wrong)


@decides("bias-entries")
def bias_entries(question):
    """How many bias numbers a layer stores (params: library notes/torch/keras, cell, hidden, reset_after):
    the notes' b fields, a real PyTorch-compatible layer's bias_ih and bias_hh, or Keras's bias array."""
    p = question.params
    entry, n = registry.cell(p["cell"]), int(p["hidden"])
    weights = entry.weights.random(2, n)
    if p["library"] == "notes":
        return sum(value.size for name, value in weights.arrays().items() if name.startswith("b"))
    if p["library"] == "torch":
        return sum(value.size for name, value in entry.layer(2, n).state_dict().items() if name.startswith("bias"))
    return packed("keras", weights, reset_after=bool(p.get("reset_after", True)))["bias"].size


# ---------------------------------------------------------------- the update gate's direction

@decides("flipped-gate-parameters")
def flipped_gate_parameters(question):
    """What Chung et al.'s z_t = 1 - u_t needs in place of the notes' U_u, W_u and b_u, found by
    running gru_ref's step with each candidate and comparing its update gate with 1 - u_t."""
    arrays, x, states = random_step("gru")
    u = run_step("gru", arrays, x, states)["u"]
    changes = {"negated": lambda a: -a, "unchanged": lambda a: a, "one-minus": lambda a: 1 - a,
               "reciprocal": lambda a: 1 / a}
    candidates = {}
    for key, change in changes.items():
        changed = arrays | {name: change(arrays[name]) for name in ("U_u", "W_u", "b_u")}
        candidates[key] = run_step("gru", changed, x, states)["u"]
    return which(1 - u, candidates)


# ---------------------------------------------------------------- where the reset goes, two biases

def gru_layers(seed=0):
    """A GRU layer with the reset after and one with the reset before, holding the same weights."""
    entry = registry.cell("gru")
    after = entry.layer(3, 4, dtype=np.float64, reset="after", seed=seed)
    before = entry.layer(3, 4, dtype=np.float64, reset="before")
    before.load_state_dict(after.state_dict())
    return after, before


def _size(layer):
    return sum(value.size for value in layer.state_dict().values())


@claim("placements-same-parameter-count")
def placements_same_parameter_count():
    after, before = gru_layers()
    return _size(after) == _size(before)


@claim("placements-same-outputs")
def placements_same_outputs():
    after, before = gru_layers()
    xs = np.random.default_rng(5).standard_normal((6, 3))
    return np.allclose(after(xs)[0], before(xs)[0], rtol=0, atol=1e-12)


@claim("placements-agree-when-reset-is-1")
def placements_agree_when_reset_is_1():
    arrays, x, states = random_step("gru")
    arrays = pinned("gru", arrays, {"r": 1})
    return np.allclose(run_step("gru", arrays, x, states, reset="after")["H"],
                       run_step("gru", arrays, x, states, reset="before")["H"], rtol=0, atol=1e-12)


def only_candidate_bias_sum_matters(reset):
    """Moving an amount from b_Wh to b_h leaves the step unchanged."""
    arrays, x, states = random_step("gru")
    shifted = arrays | {"b_h": arrays["b_h"] + 0.3, "b_Wh": arrays["b_Wh"] - 0.3}
    return np.allclose(run_step("gru", arrays, x, states, reset=reset)["H"],
                       run_step("gru", shifted, x, states, reset=reset)["H"], rtol=0, atol=1e-12)


@claim("only-bias-sum-matters-reset-before")
def only_bias_sum_matters_reset_before():
    return only_candidate_bias_sum_matters("before")


@claim("only-bias-sum-matters-reset-after")
def only_bias_sum_matters_reset_after():
    return only_candidate_bias_sum_matters("after")


def bias_pair_is_redundant(cell, key, test):
    """Whether PyTorch's two biases of block `key` act as one, in a real layer over a short sequence:
    test "shift" moves an amount from bias_hh to bias_ih (redundant: the outputs stay);
    test "gradient" compares the two biases' gradients (redundant: they are equal)."""
    entry = registry.cell(cell)
    layer = entry.layer(3, 4, dtype=np.float64)
    rows = entry.packed_blocks("torch", 4)[key]
    xs = np.random.default_rng(6).standard_normal((5, 2, 3))
    out = layer(xs)[0]
    if test == "gradient":
        grads = layer.backward(d_out=np.ones_like(out)).params
        return np.allclose(grads["bias_ih_l0"][rows], grads["bias_hh_l0"][rows], rtol=1e-12, atol=1e-12)
    state = layer.state_dict()
    state["bias_ih_l0"][rows] += 0.3
    state["bias_hh_l0"][rows] -= 0.3
    layer.load_state_dict(state)
    return np.allclose(layer(xs)[0], out, rtol=0, atol=1e-12)


@decides("redundant-bias-pairs")
def redundant_bias_pairs(question):
    """The options `<cell>-<block>` (gru-r, lstm-f, ...) whose two PyTorch biases act as one
    (params.test: shift or gradient; see bias_pair_is_redundant)."""
    test = question.params["test"]
    if test not in ("shift", "gradient"):
        raise CheckFailed(f"params.test: expected shift or gradient, got {test!r}")
    redundant = [o.key for o in question.options if bias_pair_is_redundant(*o.key.split("-", 1), test)]
    return as_answer(question, redundant)


# ---------------------------------------------------------------- bugs in code snippets

CODE_LINE = re.compile(r"^`([^`]+)`$")
SNIPPET_SIZE = 3  # d = n: a snippet that forgets a transpose still runs, as it would in real code


def code_lines(prompt):
    """The code a prompt shows: every line that is one `code` span. The check runs exactly that."""
    lines = [match.group(1) for line in prompt.splitlines() if (match := CODE_LINE.match(line.strip()))]
    if not lines:
        raise CheckFailed("the prompt shows no code: expected lines that are one `code` span each")
    return "\n".join(lines)


def snippet_namespace(library, cell):
    """What a snippet may use, and the weights it holds: the library's packed arrays (PyTorch: `sd`, a
    real layer's state_dict; Keras: `kernel`, `recurrent_kernel`, `bias`, every bias entry random), the
    hidden size `n`, the notes' per-gate weights read correctly (U_u, ...), an input `x`, a state
    `H_prev`, `np` and `sigmoid`."""
    entry, n = registry.cell(cell), SNIPPET_SIZE
    rng = np.random.default_rng(7)
    if library == "torch":
        arrays = {"sd": entry.layer(n, n, dtype=np.float64, seed=7).state_dict()}
        weights = convert.from_torch(cell, arrays["sd"])
    else:
        arrays = packed("keras", entry.weights.random(n, n, seed=7))
        arrays["bias"] = rng.uniform(-1, 1, arrays["bias"].shape)  # both rows in use, as after training
        weights = convert.from_keras(cell, list(arrays.values()))
    namespace = {"np": np, "n": n, "x": rng.standard_normal(n), "H_prev": rng.uniform(-1, 1, n),
                 "sigmoid": lambda a: 1 / (1 + np.exp(-a)), **weights.arrays(), **arrays}
    return namespace, weights


def _same(produced, expected, names):
    return all(np.shape(produced[k]) == np.shape(expected[k]) and np.allclose(produced[k], expected[k], rtol=0,
                                                                               atol=1e-12) for k in names)


def _step_outcomes(cell, namespace, weights):
    """H_t as the correct step and each misconception of the hand model compute it; the correct one
    checked against a real layer holding the same weights (reset after, as PyTorch)."""
    x, H_prev = namespace["x"], namespace["H_prev"]
    w = weights.arrays()
    correct = mis.hand_step(cell, x, (H_prev,), w)["H"]
    layer = registry.cell(cell).layer(SNIPPET_SIZE, SNIPPET_SIZE, dtype=np.float64)
    layer.load_state_dict(convert.to_torch(weights))
    if not np.allclose(layer(x[None], H_prev[None])[0][0], correct, rtol=0, atol=1e-12):
        raise CheckFailed(f"{cell}: the layer's step and the notes' equations by hand disagree")
    outcomes = {"no-bug": {"H": correct}}
    for name in mis.STEP_MISCONCEPTIONS[cell]:
        if name != "reset-after":  # applying the reset after is what PyTorch does, no mistake
            outcomes[name] = {"H": mis.hand_step(cell, x, (H_prev,), w, mistake=name)["H"]}
    return outcomes, ["H"]


def _unpack_outcomes(library, cell, namespace, before):
    """The notes' weights as a correct hand reading of the packed arrays and each misreading give
    them; the correct reading checked against gru_ref.convert."""
    arrays = before["sd"] if library == "torch" else [before[k] for k in LIBRARY_ARRAYS["keras"]]
    correct = mis.hand_unpack(cell, library, arrays)
    converted = (convert.from_torch(cell, arrays) if library == "torch"
                 else convert.from_keras(cell, arrays)).arrays()
    if not _same(converted, correct, correct):
        raise CheckFailed(f"{cell}: gru_ref.convert and the hand reading of {library}'s packed arrays disagree")
    assigned = [name for name in correct if namespace[name] is not before[name]]
    if not assigned:
        raise CheckFailed("the snippet assigns none of the notes' weights and no H")
    outcomes = {"no-bug": correct} | {name: mis.hand_unpack(cell, library, arrays, mistake=name)
                                      for name in mis.UNPACK_MISCONCEPTIONS[library]}
    return outcomes, assigned


@decides("snippet-bug")
def snippet_bug(question):
    """Which mistake the code in the prompt makes, found by running it: "no-bug" when it gives what
    the correct hand model gives, else the one misconception whose hand model gives the same.

    params: library (whose packed arrays the snippet reads), cell. A snippet either reads the notes'
    weights out of packed arrays (it assigns U_u, b_h, ...) or computes a step (it assigns H)."""
    library, cell = question.params["library"], question.params["cell"]
    namespace, weights = snippet_namespace(library, cell)
    before = dict(namespace)
    # The snippet is the prompt's own text, so what the reader sees is what runs; it gets numpy and
    # the arrays above, and no builtins.
    exec(code_lines(question.prompt), {"__builtins__": {}} | namespace, namespace)
    if "H" in namespace:
        outcomes, names = _step_outcomes(cell, namespace, weights)
    else:
        outcomes, names = _unpack_outcomes(library, cell, namespace, before)
    if _same(namespace, outcomes["no-bug"], names):
        return "no-bug"
    matches = [name for name, outcome in outcomes.items() if _same(namespace, outcome, names)]
    if len(matches) != 1:
        raise CheckFailed(f"the snippet's result matches {matches or 'no'} misconception(s); expected one")
    return matches[0]
