"""Generators and deciders every chapter uses: a step's values from printed numbers, which vector
is the new state, parameter counts, the range of a block's output."""
import numpy as np

from gru_ref import counts, registry

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


def _step_options(params):
    return {"reset": params.get("reset", "after")} if params["cell"] == "gru" else {}


def _misconceptions_for(cell, options):
    # "applying the reset after" is no mistake when the question asks for the reset after
    return [name for name in mis.STEP_MISCONCEPTIONS[cell] if name != f"reset-{options.get('reset')}"]


@generates("step-entry")
def step_entry(params, rng, index):
    """One entry of one value of a step (a gate, the candidate, the new state) from printed numbers.

    params: cell, field (a trace field: u, r, H_tilde, H, f, i, o, C, ...), unit (0-based),
    reset (GRU), decimals. Wrong answers: each misconception of the hand model that changes it.
    """
    cell, field, unit = params["cell"], params["field"], int(params.get("unit", 0))
    options = _step_options(params)
    decimals = int(params.get("decimals", 3))
    weights, x, states = board_numbers(cell, rng)
    computed = registry.cell(cell).step(x, *states, weights, **options).as_dict()[field]
    hand_agrees(cell, field, x, states, weights, options, computed)
    answer = float(computed[unit])
    wrong = {}
    for name in _misconceptions_for(cell, options):
        value = mis.hand_step(cell, x, states, weights.arrays(), mistake=name, **options).get(field)
        if value is not None:
            wrong[name] = float(value[unit])
    wrong = mis.distinct_distractors(answer, wrong, lambda v: tex_number(v, decimals))
    return Variant(tex_values(cell, weights, x, states) | {"unit": str(unit + 1)}, answer, wrong=wrong)


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
