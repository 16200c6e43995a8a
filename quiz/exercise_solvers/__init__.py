"""The solvers of the exercises (quizzes/exercises/<chapter>.yml): one module per chapter beside this
file, each registering its solvers by name with @solves; every module here is imported below, so a
chapter's module is added without editing this file.

A solver `f(params, rng) -> Solution` draws the exercise's numbers from `rng` (seeded per exercise,
the same on every build), works the exercise out with gru_ref, and compares gru_ref with an
independent computation (the notes' equations by hand, quiz.misconceptions.hand_step, or a formula
written out in the solver), raising quiz.checks.CheckFailed when they differ: an exercise whose
solution gru_ref and the notes disagree on is never shown.
"""
import dataclasses
import importlib
import pkgutil

import numpy as np

from ..checks import CheckFailed, tex_matrix, tex_number

SOLVERS = {}


@dataclasses.dataclass(frozen=True)
class Solution:
    values: dict  # placeholder -> TeX (or text), filled into {{placeholder}} in the task and the solution
    answers: dict  # the named final results (numbers or arrays, unrounded): what the tests check with an oracle
    given: dict  # the numbers the task states, as arrays: what an oracle in the tests starts from


def solves(name):
    def register(function):
        if name in SOLVERS:  # an exercise names its solver: the name must say one thing
            raise ValueError(f"solver {name!r} is registered twice ({function.__module__}.{function.__name__})")
        SOLVERS[name] = function
        return function
    return register


def agree(what, computed, independent, atol=1e-9):
    """gru_ref's value equals the independent computation's, or CheckFailed naming both."""
    if np.shape(computed) != np.shape(independent) or not np.allclose(computed, independent, rtol=0, atol=atol):
        raise CheckFailed(f"{what}: gru_ref gives {np.round(computed, 6).tolist()}, computed independently "
                          f"{np.round(independent, 6).tolist()}")


def tex(value, decimals=3):
    """A computed number, vector or matrix as the solutions print it (rounded only for display)."""
    return tex_matrix(value, decimals) if np.ndim(value) else tex_number(float(value), decimals)


def sizes(weights):
    """The layer's sizes as a task states them: d inputs and n units."""
    return {"d": str(weights.input_size), "n": str(weights.hidden_size)}


def tex_sum_of_products(row, column, decimals=1):
    r"""The products of a row by a column written out, as one works an entry of x U by hand:
    `0.5 \cdot 0.2 + (-0.3) \cdot 0.1`; negative factors after the first in parentheses."""
    def factor(v, first):
        text = tex_number(float(v), decimals)
        return f"({text})" if text.startswith("-") and not first else text
    return " + ".join(f"{factor(a, k == 0)} \\cdot {factor(b, False)}" for k, (a, b) in enumerate(zip(row, column)))


# Importing the chapter modules registers their solvers.
for _module in sorted(m.name for m in pkgutil.iter_modules(__path__)):
    importlib.import_module(f"{__name__}.{_module}")
