"""The code that decides every quiz answer, by calling gru_ref: this module holds the machinery,
the modules beside it the checks (generated.py the generators shared by every chapter, then one
module per chapter), which register themselves by name when imported at the end of this file.

Two kinds, registered by name; a question names one in its `check` key:

- a *decider* `f(question) -> answer` works the answer out from gru_ref's behaviour for the stored
  question (which option's quantity the code produces, a count from a real layer's state_dict,
  the order gru_ref.convert packs the blocks in). The bank's stored answer must equal it; a check
  never restates the answer, it computes it.
- a *generator* `f(params, rng) -> Variant` makes a numbered version of a question: given values
  drawn from `rng`, the answer computed by gru_ref, and the wrong answers the misconceptions of
  quiz/misconceptions.py produce. It also compares gru_ref with the notes' hand model and raises
  CheckFailed when they differ, so generated questions catch bugs too.

Everything runs at build (a wrong answer stops the build) and in the tests.
"""
import dataclasses
import zlib

import numpy as np

from gru_ref import convert, registry
from sitegen import examples

from .. import misconceptions as mis
from ..bank import BankError

DECIDERS = {}
GENERATORS = {}


class CheckFailed(AssertionError):
    """gru_ref and an independent computation disagree: the question cannot be shown."""


def _register(table, name):
    def register(function):
        if name in DECIDERS or name in GENERATORS:  # a question names its check: the name must say one thing
            raise ValueError(f"check {name!r} is registered twice ({function.__module__}.{function.__name__})")
        table[name] = function
        return function
    return register


def decides(name):
    return _register(DECIDERS, name)


def generates(name):
    return _register(GENERATORS, name)


@dataclasses.dataclass(frozen=True)
class GeneratedOption:
    key: str
    value: object  # what the option shows (a number or a vector), formatted by the renderer
    feedback: str
    misconception: str | None = None


@dataclasses.dataclass(frozen=True)
class Variant:
    values: dict  # placeholder -> TeX (or text) filled into {{placeholder}} in prompt and explanation
    answer: object  # a number (numeric) or an option key (single)
    options: tuple = ()  # GeneratedOption, for single-choice questions
    wrong: dict = dataclasses.field(default_factory=dict)  # numeric: misconception name -> its value


def variant_seed(question_id, index):
    """A seed of its own for every variant, the same on every build."""
    return zlib.crc32(f"{question_id}/{index}".encode())


def variants(question):
    """The question's numbered versions, each checked against the hand model."""
    generator = GENERATORS[question.check]
    return [generator(dict(question.params), np.random.default_rng(variant_seed(question.id, k)), k)
            for k in range(question.variants)]


def decide(question):
    return DECIDERS[question.check](question)


def validate_use(item):
    """The check exists, fits the question's type, and (for a decider) agrees with the stored answer."""
    q, where = item.question, item.where()
    if q.check not in DECIDERS and q.check not in GENERATORS:
        raise BankError(f"{where}: no check named {q.check!r} in quiz/checks.py; known: "
                        f"{sorted(DECIDERS) + sorted(GENERATORS)}")
    try:
        if q.check in GENERATORS:
            for variant in variants(q):
                _fits(q, variant)
            return
        decided = decide(q)
    except Exception as error:  # whatever a check raises, the reader needs to know which question it was
        raise BankError(f"{where}: check {q.check!r} failed: {type(error).__name__}: {error}") from error
    if not agrees(q, decided):
        raise BankError(f"{where}: check {q.check!r} decides {decided!r}, the bank says {q.answer!r}")


def agrees(q, decided):
    if q.type == "numeric":
        return abs(float(decided) - float(q.answer)) <= 1e-9 * max(1.0, abs(float(decided)))
    if q.type == "multiple":
        return sorted(decided) == sorted(q.answer)
    if q.type == "text":
        return decided in q.answer
    return decided == q.answer


def _fits(q, variant):
    if q.type == "single" and not variant.options:
        raise CheckFailed(f"generator {q.check!r} made no options for a single-choice question")
    if q.type == "numeric" and not isinstance(variant.answer, (int, float)):
        raise CheckFailed(f"generator {q.check!r} made a non-numeric answer {variant.answer!r}")


# ---------------------------------------------------------------- formatting given values

def tex_number(value, decimals):
    """A number as the worked examples print it: fixed decimals, no negative zero."""
    return examples.shown(value, decimals)[0]


def tex_matrix(array, decimals=1):
    rows = np.atleast_2d(array)
    return examples.tex_matrix(examples.shown(rows, decimals), rows.shape[1])


one_decimal = examples.one_decimal  # the checks draw their given numbers as the worked examples do


def board_numbers(cell, rng, input_size=2, hidden_size=2):
    """One-decimal weights, input and state(s), as one writes them on a board: (weights, x, states)."""
    entry = registry.cell(cell)
    shapes = {"U": (input_size, hidden_size), "W": (hidden_size, hidden_size), "b": (hidden_size,)}
    weights = entry.weights(**{f.name: one_decimal(rng, shapes[f.name[0]])
                               for f in dataclasses.fields(entry.weights)})
    x = one_decimal(rng, (input_size,), 10)
    states = tuple(one_decimal(rng, (hidden_size,), 5) for _ in entry.states)
    return weights, x, states


def tex_values(cell, weights, x, states):
    """Placeholder values for a prompt: every weight by its field name, x, and H_prev (C_prev)."""
    state_names = [f"{s}_prev" for s in registry.cell(cell).states]
    values = {name: tex_matrix(value) for name, value in weights.arrays().items()}
    values["x"] = tex_matrix(x)
    values.update({name: tex_matrix(s) for name, s in zip(state_names, states)})
    return values


def option_text(value, decimals):
    """A generated option as text: a number, or a vector or matrix, in $TeX$ as the site prints numbers."""
    if np.ndim(value):
        return "$" + tex_matrix(value, decimals) + "$"
    return "$" + tex_number(float(value), decimals) + "$"


def hand_agrees(cell, field, x, states, weights, options, computed):
    """gru_ref's value of `field` equals the notes' equations computed by hand, or CheckFailed."""
    hand = mis.hand_step(cell, x, states, weights.arrays(), **options)[field]
    if not np.allclose(hand, computed, rtol=0, atol=1e-9):
        raise CheckFailed(f"{cell} {field}: gru_ref gives {np.round(computed, 6).tolist()}, the notes' equations "
                          f"by hand give {np.round(hand, 6).tolist()} (x = {x.tolist()}, options {options})")


def state_jacobian(weights, xs, states, of=0, **options):
    """d state_T / d state_0 over the inputs xs (T, d) in the notes' row layout (d state_T = d state_0 J,
    so J[i, j] is d state_T[j] / d state_0[i]), for the state `of` (0: H; 1: the LSTM's C, H held), from
    back-propagation through a real gru_ref layer holding `weights`: one backward pass per unit of
    state_T, each giving a column. `states` are the step's states at t = 0 (H_0, or H_0 and C_0)."""
    n = weights.hidden_size
    layer = registry.cell_of(weights).layer(weights.input_size, n, dtype=np.float64, **options)
    layer.load_state_dict(convert.to_torch(weights))
    given = tuple(np.asarray(state, dtype=float)[None, :] for state in states)  # unbatched: (1, n) each
    columns = []
    for j in range(n):
        layer(np.asarray(xs, dtype=float), given if len(given) > 1 else given[0])
        seed = [np.zeros((1, n)) for _ in given]
        seed[of] = np.eye(n)[j][None, :]
        grads = layer.backward(None, tuple(seed) if len(given) > 1 else seed[0])
        columns.append((grads.state if len(given) > 1 else (grads.state,))[of][0])
    return np.stack(columns, axis=1)


# Importing the check modules registers their checks (they use the decorators above).
from . import generated, rnn, gru, lstm, comparison, conventions  # noqa: E402, F401, I001
