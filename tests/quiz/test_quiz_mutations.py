"""Mutation proof: each realistic bug planted in gru_ref makes at least one quiz check fail."""
import hashlib
from pathlib import Path

import numpy as np
import pytest

import gru_ref
from quiz import bank, mutations

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def computed():
    return mutations.matrix(bank.load_bank())


def test_quiz_every_planted_bug_is_caught_by_a_question(computed):
    assert len(computed["bugs"]) >= 10
    uncaught = [name for name, bug in computed["bugs"].items() if not bug["caught_by"]]
    assert not uncaught, f"no quiz check fails with these bugs planted: {uncaught}"
    print("\nquestions catching each planted bug: "
          + ", ".join(f"{name} {len(bug['caught_by'])}" for name, bug in computed["bugs"].items()))


def test_quiz_the_stored_matrix_is_current(computed):
    assert mutations.text_of(computed) == mutations.text_of(mutations.stored()), (
        "quiz/mutation_matrix.json is stale: run `python -m quiz.mutations --write`")


def test_planting_leaves_the_files_and_the_running_code_as_they_were():
    sources = {m: hashlib.sha256((ROOT / "gru_ref" / f"{m}.py").read_bytes()).hexdigest() for m in mutations.MODULES}
    w = gru_ref.GRUWeights.random(3, 2, seed=4)
    x, h = np.array([0.5, -1.0, 2.0]), np.array([0.3, -0.2])
    before = gru_ref.registry.cell("gru").step(x, h, w).H
    with mutations.planted(mutations.BUGS[0]):
        changed = gru_ref.registry.cell("gru").step(x, h, gru_ref.registry.cell("gru").weights(**w.arrays())).H
    after = gru_ref.registry.cell("gru").step(x, h, w).H
    assert not np.allclose(changed, before) and np.array_equal(after, before)
    assert gru_ref.registry.cell("gru").weights is gru_ref.GRUWeights  # the same class as before, not a copy
    assert gru_ref.convert.to_torch(w)  # which looks the class up in the registry
    assert sources == {m: hashlib.sha256((ROOT / "gru_ref" / f"{m}.py").read_bytes()).hexdigest()
                       for m in mutations.MODULES}


def test_a_bug_whose_text_is_gone_is_refused():
    stale = mutations.Bug("stale", "an edit of code that no longer exists", "cells", (("no such line", "x"),))
    with pytest.raises(ValueError, match="expected 'no such line' once in gru_ref/cells.py, found it 0 times"):
        with mutations.planted(stale):
            pass
