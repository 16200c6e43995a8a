"""What the chapters' exercise tests (test_exercises_<chapter>.py) share: a chapter's solved exercises, the
register of its oracles by solver with the two tests every chapter runs on it (each exercise has an oracle,
each answer agrees with it), the planted-bug run, and the pieces two chapters' oracles both build (the notes'
GRU weights in a torch.nn.GRUCell, a cell loaded from a state_dict, inputs in general position). The oracles
themselves, the independent computations, stay in each chapter's module."""
import numpy as np
import pytest

from quiz import bank, exercises, mutations


def solutions(chapter):
    """The chapter's exercises as (Located, Solution) pairs, loaded and solved afresh."""
    return [(item, solution) for item, solution in exercises.load_exercises() if item.chapter == chapter]


def each_solution(chapter):
    """The chapter's solutions as parameters "item, solution" of a test, each with its exercise's id."""
    return [pytest.param(item, solution, id=item.exercise.id) for item, solution in solutions(chapter)]


def solved(chapter, solver):
    """The chapter's first exercise that uses `solver`, with its solution."""
    return next((item, solution) for item, solution in solutions(chapter) if item.exercise.solver == solver)


class ChapterOracles:
    """A chapter's oracles, each registered (as a decorator) for the solver whose answers it checks, and the two
    tests every chapter module runs with them. Registration returns the function unchanged, so an oracle can
    still be called by name."""

    def __init__(self, chapter, *, atol=1e-9):
        self.chapter, self.atol = chapter, atol  # atol: float64 rounding through a few layers
        self.computing = {}  # solver -> f(given, params) -> {answer: value}, compared within atol
        self.running = {}  # solver -> f(item, solution) that asserts, for answers judged by running them

    def expected_answers_of(self, solver):
        return self._register(self.computing, solver)

    def check_by_running(self, solver):
        return self._register(self.running, solver)

    def _register(self, table, solver):
        def register(function):
            if solver in self.computing or solver in self.running:
                raise ValueError(f"{solver!r} has two oracles")
            table[solver] = function
            return function
        return register

    def missing(self, found):
        """The solvers of `found` without an oracle here, sorted."""
        return sorted({item.exercise.solver for item, _ in found} - set(self.computing) - set(self.running))

    def assert_agrees(self, item, solution):
        """The solution gives the answers its exercise lists, each within atol of what the oracle of its solver
        computes from the same givens (a failure names the exercise and the answer), or passes the check
        that runs them."""
        assert sorted(solution.answers) == sorted(item.exercise.answers)
        if item.exercise.solver in self.running:
            self.running[item.exercise.solver](item, solution)
            return
        expected = self.computing[item.exercise.solver](solution.given, item.exercise.params)
        assert_answers_close(item, solution.answers, expected, atol=self.atol)

    def tests(self):
        """The two tests; pytest collects them under the test_ names the chapter module binds them to: each
        exercise of the chapter has an oracle, and each solution agrees with it (one test per exercise, named
        by its id)."""
        def every_exercise_has_an_oracle():
            found = solutions(self.chapter)
            assert len(found) >= 4
            missing = self.missing(found)
            assert not missing, f"solvers of {self.chapter} exercises without an oracle here: {missing}"

        @pytest.mark.parametrize("item, solution", each_solution(self.chapter))
        def answers_agree_with_the_oracle(item, solution):
            self.assert_agrees(item, solution)

        return every_exercise_has_an_oracle, answers_agree_with_the_oracle


def assert_answers_close(item, answers, expected, *, atol):
    assert sorted(expected) == sorted(answers)
    for name, value in expected.items():
        np.testing.assert_allclose(answers[name], value, rtol=0, atol=atol, err_msg=f"{item.exercise.id}: {name}")


def exercises_stopped_by(bug_name, found):
    """Plant the bug of quiz/mutations.py named `bug_name` in gru_ref and solve the exercises of `found`
    ((Located, Solution) pairs) again: the bug, and the ids of those whose solver then stops with a BankError."""
    bug = next(b for b in mutations.BUGS if b.name == bug_name)
    stopped = []
    with mutations.planted(bug):
        for item, _ in found:
            try:
                exercises.solve(item)
            except bank.BankError:
                stopped.append(item.exercise.id)
    return bug, stopped


def sigmoid(a):
    return 1 / (1 + np.exp(-a))


def general_inputs(d, n, count=20):
    """Inputs, hidden states and cell states in general position, the same on every run."""
    rng = np.random.default_rng(0)
    return rng.normal(size=(count, d)), rng.uniform(-1, 1, (count, n)), rng.uniform(-2, 2, (count, n))


def torch_gru_cell(torch, w):
    """nn.GRUCell in float64 holding the notes' weights. PyTorch's documentation: rows (r, z, n), matrices
    that multiply column vectors (the notes' transposes), z is the notes' u, and n's recurrent bias is
    b_Wh, inside the reset; the gates' second biases are zero."""
    d, n = w["U_u"].shape
    cell = torch.nn.GRUCell(d, n, dtype=torch.float64)
    zero = np.zeros(n)
    with torch.no_grad():
        cell.weight_ih.copy_(torch.tensor(np.concatenate([w["U_r"].T, w["U_u"].T, w["U_h"].T])))
        cell.weight_hh.copy_(torch.tensor(np.concatenate([w["W_r"].T, w["W_u"].T, w["W_h"].T])))
        cell.bias_ih.copy_(torch.tensor(np.concatenate([w["b_r"], w["b_u"], w["b_h"]])))
        cell.bias_hh.copy_(torch.tensor(np.concatenate([zero, zero, w["b_Wh"]])))
    return cell


def torch_cell_from_state_dict(torch, cell_class, packed):
    """A float64 torch cell (nn.GRUCell, nn.LSTMCell) loaded with a one-layer module's state_dict: the cell's
    parameters are the layer's without the _l0 suffix."""
    cell = cell_class(packed["weight_ih_l0"].shape[1], packed["weight_hh_l0"].shape[1], dtype=torch.float64)
    cell.load_state_dict({name.removesuffix("_l0"): torch.tensor(value) for name, value in packed.items()})
    return cell
