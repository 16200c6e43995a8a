"""Exercises with worked solutions: quizzes/exercises/<chapter>.yml, loaded, solved and rendered.

A chapter file is a YAML list of exercises. An exercise names the section of its chapter's page it
practises, a title, a task and a worked solution (Markdown with $TeX$, $$display TeX$$ paragraphs,
lists and {{placeholders}}), and the solver (quiz/exercise_solvers/, by name, with params) that
computes every number the two texts show. `answers` lists the final results the solver must produce:
what the tests compare with an independent oracle. Every problem is a BankError naming file, line
and exercise: `quizzes/exercises/gru.yml:12: exercise 'gru-step': placeholder {{u}} ...`.

The YAML is read with the quiz bank's reader (quiz.bank.parse_yaml: line numbers, no key given
twice). The files sit in a folder of their own, which quiz.bank.load_bank (quizzes/*.yml) does not read.
"""
import dataclasses
import functools
import html
from pathlib import Path
from typing import Annotated

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from sitegen.inline import blocks_html, inline_html

from . import bank
from .render import PLACEHOLDER, fill

BankError = bank.BankError
FOLDER = bank.BANK / "exercises"
KEYS = "id, section, title, task, solution, solver, params and answers"

AnswerName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")]  # a placeholder-like name
OneLine = bank.one_line(100)


class Exercise(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    id: bank.Key
    section: bank.Key  # the heading anchor of docs/<chapter>.md it practises
    title: OneLine
    task: bank.Text
    solution: bank.Text  # the worked steps
    solver: bank.Key  # a name registered in quiz/exercise_solvers/
    params: dict = Field(default_factory=dict)  # given to the solver
    answers: list[AnswerName] = Field(min_length=1)  # exactly the final results the solver produces


@dataclasses.dataclass(frozen=True)
class Located:
    """An exercise, its chapter, where it was written (the line of the exercise and of each key)."""
    exercise: Exercise
    chapter: str
    path: Path
    line: int
    key_lines: dict = dataclasses.field(default_factory=dict)

    def where(self, key=None):
        line = self.key_lines.get(key, self.line)
        return f"{bank.shown_path(self.path)}:{line}: exercise {self.exercise.id!r}"


def load_file(path, chapter=None):
    """The exercises of one chapter file, checked against the schema; a BankError for the first problem."""
    path = Path(path)
    chapter = chapter or path.stem
    where = bank.shown_path(path)
    data, lines = bank.parse_list(path, path.read_text(encoding="utf-8"), "exercises")
    located = []
    for entry, (line, keys) in zip(data, lines):
        if not isinstance(entry, dict):
            raise BankError(f"{where}:{line}: expected an exercise ('id: ...', 'task: ...'), got {entry!r}")
        name = entry.get("id")
        label = f"exercise {name!r}" if isinstance(name, str) else "an exercise without an id"
        try:
            exercise = Exercise.model_validate(entry)
        except ValidationError as error:
            first = error.errors()[0]
            field = ".".join(str(part) for part in first["loc"]) or "exercise"
            message = {"extra_forbidden": f"unknown key; expected only {KEYS}",
                       "missing": f"missing; an exercise has {KEYS}"}.get(first["type"], first["msg"])
            raise BankError(f"{where}:{keys.get(str(first['loc'][0]), line) if first['loc'] else line}: "
                            f"{label}: {field}: {message}") from None
        located.append(Located(exercise, chapter, path, line, keys))
    return located


def load_exercises(folder=FOLDER, chapters=bank.CHAPTERS, docs=bank.DOCS):
    """Every chapter's exercises, each validated and solved: a tuple of (Located, Solution)."""
    folder = Path(folder)
    files = {path.stem: path for path in sorted(folder.glob("*.yml"))}
    unknown = sorted(set(files) - set(chapters))
    if unknown:
        raise BankError(f"{bank.shown_path(folder)}: files {[f'{u}.yml' for u in unknown]} are not chapters; "
                        f"expected some of {[f'{c}.yml' for c in chapters]}")
    found = [item for chapter in chapters if chapter in files for item in load_file(files[chapter], chapter)]
    seen = {}
    for item in found:
        if item.exercise.id in seen:
            raise BankError(f"{item.where('id')}: the id is already used at {seen[item.exercise.id]}")
        seen[item.exercise.id] = f"{bank.shown_path(item.path)}:{item.line}"
    return tuple((item, solve(item, docs)) for item in found)


def solve(item, docs=bank.DOCS):
    """The exercise's solution, after checking what the schema cannot say: the section is a heading of
    the chapter's page, the solver exists and succeeds, it produces exactly the listed answers, and the
    placeholders of task and solution are exactly the values it produces."""
    from . import checks, exercise_solvers

    e = item.exercise
    anchors = bank.heading_anchors(Path(docs) / f"{item.chapter}.md")
    if e.section not in anchors:
        raise BankError(f"{item.where('section')}: section {e.section!r} is not a heading anchor of "
                        f"docs/{item.chapter}.md; expected one of {sorted(anchors)}")
    solver = exercise_solvers.SOLVERS.get(e.solver)
    if solver is None:
        raise BankError(f"{item.where('solver')}: no solver named {e.solver!r} in quiz/exercise_solvers/; "
                        f"known: {sorted(exercise_solvers.SOLVERS)}")
    try:
        solution = solver(dict(e.params), np.random.default_rng(checks.variant_seed(e.id, 0)))
    except Exception as error:  # whatever a solver raises, the reader needs to know which exercise it was
        raise BankError(f"{item.where('solver')}: solver {e.solver!r} failed: {type(error).__name__}: "
                        f"{error}") from error
    if sorted(solution.answers) != sorted(e.answers):
        raise BankError(f"{item.where('answers')}: solver {e.solver!r} produces the answers "
                        f"{sorted(solution.answers)}; the exercise lists {sorted(e.answers)}")
    used = {}
    for key in ("task", "solution"):
        for name in PLACEHOLDER.findall(getattr(e, key)):
            used.setdefault(name, key)
    missing = sorted(set(used) - set(solution.values))
    if missing:
        raise BankError(f"{item.where(used[missing[0]])}: placeholder(s) {missing} in {used[missing[0]]} have no "
                        f"value; solver {e.solver!r} provides {sorted(solution.values)}")
    unused = sorted(set(solution.values) - set(used))
    if unused:
        raise BankError(f"{item.where('solver')}: solver {e.solver!r} computes {unused}, which neither the task "
                        f"nor the solution shows; every number it computes must appear in one of them")
    return solution


# ---------------------------------------------------------------- rendering

def exercise_anchor(exercise_id):
    return f"ex-{exercise_id}"


def exercise_html(item, solution, number):
    """One exercise: its title, the section it practises, the task, and the solution in a closed <details>.

    Closed on screen and in print: the reader works the task first, and a printed chapter is a worksheet,
    as its quizzes print without their answers. Site search leaves the solution out (it is the answer)."""
    e = item.exercise
    where = item.where()
    _, headings = bank.page_headings(bank.DOCS / f"{item.chapter}.md")
    anchor = html.escape(exercise_anchor(e.id))
    task = blocks_html(fill(e.task, solution.values, where), block_id=f"{anchor}-task")
    worked = blocks_html(fill(e.solution, solution.values, where), block_id=f"{anchor}-solution")
    return (f'<section class="gr-exercise" id="{anchor}" data-id="{html.escape(e.id)}">'
            f'<h3 class="gr-exercise-title">Exercise {number}: {inline_html(e.title)}</h3>'
            f'<p class="gr-exercise-source">Practises <a href="#{html.escape(e.section)}">'
            f'{html.escape(headings.get(e.section, e.section))}</a></p>'
            f'<div class="gr-exercise-task">{task}</div>'
            f'<details class="success gr-exercise-solution" data-search-exclude><summary>Solution</summary>'
            f'{worked}</details></section>')


@functools.lru_cache(maxsize=1)
def _all():
    # Loaded (and every solver run) once per build; the serve hook reloads this module before each build.
    return load_exercises()


def fence_html(chapter, section=None):
    """The `gru-exercises` fence: a chapter's exercises, or those of one section, numbered in file order."""
    chosen = [(item, solution) for item, solution in _all() if item.chapter == chapter]
    if section is not None:
        sections = sorted({item.exercise.section for item, _ in chosen})
        if section not in sections:
            raise ValueError(f"no exercise of chapter {chapter!r} practises section {section!r}; "
                             f"sections with exercises: {sections}")
        chosen = [(item, solution) for item, solution in chosen if item.exercise.section == section]
    if not chosen:
        raise ValueError(f"chapter {chapter!r} has no exercises (quizzes/exercises/{chapter}.yml)")
    return ('<div class="gr-exercises">'
            + "".join(exercise_html(item, solution, k) for k, (item, solution) in enumerate(chosen, start=1))
            + "</div>")
