"""Mutation proof: realistic bugs planted in gru_ref, and which quiz questions catch each one.

A bug is a small edit of gru_ref's source (the old text and the new), the kind of slip the
misconceptions describe. `planted(bug)` runs gru_ref with that one edit, in this process and
without touching the files: every gru_ref module is executed again, in import order, from its
source with the edit applied; afterwards each module gets back the very objects it had, so code
that holds gru_ref's classes from before keeps working. The quiz checks then run as
they do at build; a question catches the bug when its check fails or decides another answer.

    python -m quiz.mutations           # print the matrix
    python -m quiz.mutations --write   # store it in quiz/mutation_matrix.json, which the site shows

A test recomputes the matrix and fails when the stored one is stale, or a bug goes uncaught.
"""
import argparse
import contextlib
import dataclasses
import importlib
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MATRIX = Path(__file__).resolve().parent / "mutation_matrix.json"
# gru_ref's modules in the order they import each other; re-executing them in this order rebuilds every
# cross-reference (the registry's step functions, the layers' kernels) from the edited source.
MODULES = ("activations", "checks", "cells", "registry", "convert", "counts", "kernels", "layers")


@dataclasses.dataclass(frozen=True)
class Bug:
    name: str
    description: str
    module: str  # in gru_ref
    edits: tuple  # (old, new) pairs; each old text must occur exactly once in the module


BUGS = (
    Bug("gru-flipped-interpolation", "The GRU gives u_t to the candidate: H = (1 − u)·H_prev + u·H̃.", "cells",
        (("    keep = u * H_prev\n", "    keep = (1 - u) * H_prev\n"),
         ("    write = (1 - u) * H_tilde\n", "    write = u * H_tilde\n"))),
    Bug("gru-reset-placement-swapped", "reset=\"after\" computes the reset before the product, and vice versa.",
        "cells", (('    if reset == "after":', '    if reset == "before":'),)),
    Bug("gru-update-bias-dropped", "The update gate's pre-activation leaves out b_u.", "cells",
        (("a_u = x @ w.U_u + H_prev @ w.W_u + w.b_u", "a_u = x @ w.U_u + H_prev @ w.W_u"),)),
    Bug("rnn-bias-dropped", "The plain RNN leaves out its bias.", "cells",
        (("a = x @ w.U + H_prev @ w.W + w.b", "a = x @ w.U + H_prev @ w.W"),)),
    Bug("lstm-sigmoid-candidate", "The LSTM candidate is squashed with σ instead of tanh.", "cells",
        (("C_tilde = tanh(a_c)", "C_tilde = sigmoid(a_c)"),)),
    Bug("lstm-output-without-tanh", "The LSTM outputs H = o·C, without tanh.", "cells",
        (("    H = o * tanh_C\n", "    H = o * C\n"),)),
    Bug("lstm-forget-input-swapped", "The LSTM keeps i·C_prev and writes f·C̃.", "cells",
        (("    keep = f * C_prev\n", "    keep = i * C_prev\n"),
         ("    write = i * C_tilde\n", "    write = f * C_tilde\n"))),
    Bug("sigmoid-without-half", "σ(z) computed as (1 + tanh z)/2, missing the z/2.", "activations",
        (("return 0.5 + 0.5 * np.tanh(0.5 * z)", "return 0.5 + 0.5 * np.tanh(z)"),)),
    Bug("torch-gru-order-as-keras", "The registry says PyTorch packs a GRU as u, r, h (Keras's order).", "registry",
        (('torch_order=("r", "u", "h")', 'torch_order=("u", "r", "h")'),)),
    Bug("torch-lstm-order-wrong", "The registry says PyTorch packs an LSTM as f, i, c, o.", "registry",
        (('torch_order=("i", "f", "c", "o")', 'torch_order=("f", "i", "c", "o")'),)),
    Bug("torch-second-gru-bias-lost", "convert.to_torch drops the GRU's recurrent candidate bias b_Wh.", "convert",
        (("        recurrent_bias[key] = w[name]\n", "        recurrent_bias[key] = 0 * w[name]\n"),)),
    Bug("counts-one-bias-per-gate", "counts.parameter_count gives PyTorch one bias per gate.", "counts",
        (("            biases = 2 * G * H  # an input-side", "            biases = G * H  # an input-side"),)),
    Bug("layers-second-layer-input", "A bidirectional layer's second layer takes n inputs instead of 2n.", "layers",
        (("layer_input = self.input_size if layer == 0 else H * len(self.directions)",
          "layer_input = self.input_size if layer == 0 else H"),)),
)


def _source(module):
    return (ROOT / "gru_ref" / f"{module}.py").read_text(encoding="utf-8")


def _execute(sources):
    """Run every gru_ref module again, in import order, from the given sources."""
    for module in MODULES:
        target = importlib.import_module(f"gru_ref.{module}")
        exec(compile(sources[module], target.__file__, "exec"), target.__dict__)


@contextlib.contextmanager
def planted(bug):
    mutated = {module: _source(module) for module in MODULES}
    for old, new in bug.edits:
        count = mutated[bug.module].count(old)
        if count != 1:
            raise ValueError(f"bug {bug.name}: expected {old!r} once in gru_ref/{bug.module}.py, found it {count} "
                             f"times; update quiz/mutations.py to today's source")
        mutated[bug.module] = mutated[bug.module].replace(old, new)
    namespaces = [importlib.import_module(f"gru_ref.{module}").__dict__ for module in MODULES]
    saved = [dict(namespace) for namespace in namespaces]
    try:
        _execute(mutated)
        yield
    finally:
        for namespace, objects in zip(namespaces, saved):
            namespace.clear()
            namespace.update(objects)


def failing_questions(items):
    """Ids of the questions whose check fails (raises, or decides another answer) on today's gru_ref."""
    from .bank import BankError
    from .checks import validate_use

    failing = []
    for item in items:
        if item.question.check is None:  # a conceptual question: no code decides it
            continue
        try:
            validate_use(item)
        except BankError:
            failing.append(item.question.id)
    return failing


def matrix(items=None):
    """Bug name -> its description, where it was planted, and the ids of the questions that catch it."""
    from .bank import load_bank

    items = load_bank() if items is None else items
    unplanted = failing_questions(items)
    if unplanted:
        raise ValueError(f"questions fail before any bug is planted: {unplanted}")
    result = {}
    for bug in BUGS:
        with planted(bug):
            caught = failing_questions(items)
        result[bug.name] = {"description": bug.description, "module": f"gru_ref/{bug.module}.py",
                            "caught_by": caught}
    return {"questions": len(items), "bugs": result}


def stored():
    return json.loads(MATRIX.read_text(encoding="utf-8"))


def text_of(data):
    return json.dumps(data, indent=1, ensure_ascii=False, sort_keys=True) + "\n"


def matrix_html():
    """The stored matrix as the table of the page "How we know the answers are right"."""
    from sitegen.tables import html_table

    data = stored()
    rows = []
    for bug in data["bugs"].values():
        caught = bug["caught_by"]
        shown = ", ".join(f"`{q}`" for q in caught[:4]) + (f" and {len(caught) - 4} more" if len(caught) > 4 else "")
        rows.append([bug["description"], f"`{bug['module']}`", str(len(caught)), shown])
    caption = (f"{len(data['bugs'])} bugs planted one at a time in gru_ref, and the questions (of {data['questions']}) "
               f"whose check fails with it")
    return html_table(["Bug planted", "In", "Questions that catch it", "For example"], rows, caption)


def main(argv=None):
    parser = argparse.ArgumentParser(description="Plant each bug in gru_ref and list the quiz questions that catch it.")
    parser.add_argument("--write", action="store_true", help=f"store the matrix in {MATRIX.relative_to(ROOT)}")
    args = parser.parse_args(argv)
    data = matrix()
    for name, bug in data["bugs"].items():
        print(f"{len(bug['caught_by']):3d}  {name}: {', '.join(bug['caught_by'][:6])}")
    uncaught = [name for name, bug in data["bugs"].items() if not bug["caught_by"]]
    if args.write:
        MATRIX.write_text(text_of(data), encoding="utf-8")
        print(f"wrote {MATRIX.relative_to(ROOT)}")
    if uncaught:
        print(f"uncaught: {uncaught}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
