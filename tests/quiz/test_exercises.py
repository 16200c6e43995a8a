"""Exercises (quizzes/exercises/*.yml): the real files load and solve, every problem in a file stops with
one error naming file, line, exercise and what was expected, bugs planted in gru_ref stop the exercises
that depend on them, and the fence shows each solution in a closed <details> with nothing left unfilled.
The answers themselves are checked against PyTorch, Keras and hand computations in
test_exercises_<chapter>.py."""
import html
import re
import textwrap

import pytest
import yaml
from exercise_oracles import exercises_stopped_by

from quiz import bank, exercises
from quiz.exercise_solvers import SOLVERS, Solution, solves
from sitegen import fences, inline

GOOD = """\
- id: demo-step
  section: the-recurrence
  title: One step
  task: |
    For $x_t = {{x}}$ compute $H_t$ ($d = {{d}}$ inputs, $n = {{n}}$ units).
  solution: |
    $$H_t = {{H}}$$

    The pre-activation was ${{a}}$ and the weights $U = {{U}}$, $W = {{W}}$, $b = {{b}}$, $H_{t-1} = {{H_prev}}$,
    with first products ${{xU_first}}$ and ${{HW_first}}$, giving ${{xU}}$ and ${{HW}}$.
  solver: rnn-step
  params: {input: 2, hidden: 2}
  answers: [a, H]
"""


def write(tmp_path, text, name="rnn.yml"):
    folder = tmp_path / "exercises"
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return folder, path


def error_of(tmp_path, text, name="rnn.yml"):
    folder, path = write(tmp_path, text, name)
    with pytest.raises(bank.BankError) as raised:
        exercises.load_exercises(folder)
    return bank.shown_path(path), str(raised.value)


def line_of(text, marker):
    return text.count("\n", 0, text.index(marker)) + 1


@pytest.fixture(scope="module")
def loaded():
    return exercises.load_exercises()


def test_real_files_load_with_at_least_four_exercises_per_chapter_file(loaded):
    per_chapter = {}
    for item, solution in loaded:
        per_chapter.setdefault(item.chapter, []).append(item.exercise.id)
        assert isinstance(solution, Solution)
    files = sorted(path.stem for path in exercises.FOLDER.glob("*.yml"))
    assert sorted(per_chapter) == files
    assert {"rnn", "gru"} <= set(files)
    for chapter, ids in per_chapter.items():
        assert len(ids) >= 4, f"{chapter}: {ids}"


def test_a_good_file_loads_and_fills_every_placeholder(tmp_path):
    folder, _ = write(tmp_path, GOOD)
    ((item, solution),) = exercises.load_exercises(folder)
    assert item.exercise.id == "demo-step" and item.line == 1
    assert sorted(solution.answers) == ["H", "a"]
    shown = exercises.exercise_html(item, solution, 1)
    assert "{{" not in shown and "$" not in shown and "<math" in shown


@pytest.mark.parametrize("change, marker, expected", [
    (("solver: rnn-step", "solver: rnn-stepp"), "solver:", "no solver named 'rnn-stepp'"),
    (("section: the-recurrence", "section: the-recurrance"), "section:", "is not a heading anchor of docs/rnn.md"),
    (("answers: [a, H]", "answers: [a, H, W]"), "answers:", "produces the answers ['H', 'a']; the exercise lists"),
    (("For $x_t = {{x}}$", "For $x_t = {{xx}}$"), "task:", "placeholder(s) ['xx'] in task have no value"),
    (("giving ${{xU}}$ and ${{HW}}$.", "giving these."), "solver:", "computes ['HW', 'xU'], which neither"),
    (("  title: One step\n", "  title: One step\n  hint: none\n"), "hint:", "hint: unknown key"),
    (("  title: One step\n", ""), "- id:", "title: missing"),
    (("params: {input: 2, hidden: 2}", "params: {input: -1, hidden: 2}"), "solver:", "solver 'rnn-step' failed"),
])
def test_each_problem_names_file_line_exercise_and_what_was_expected(tmp_path, change, marker, expected):
    text = GOOD.replace(*change)
    assert text != GOOD
    path, message = error_of(tmp_path, text)
    assert message.startswith(f"{path}:{line_of(text, marker)}: exercise 'demo-step': "), message
    assert expected in message, message


def test_unknown_solver_lists_the_known_ones(tmp_path):
    _, message = error_of(tmp_path, GOOD.replace("solver: rnn-step", "solver: nope"))
    assert all(name in message for name in SOLVERS), message


def test_yaml_problems_name_file_and_line(tmp_path):
    path, message = error_of(tmp_path, GOOD.replace("  title: One step", "  title: [One step"))
    assert message.startswith(f"{path}:") and "not valid YAML" in message, message
    path, message = error_of(tmp_path, GOOD.replace("  title: One step", "  title: One step\n  title: Again"))
    assert message.startswith(f"{path}:4:") and "'title' given twice" in message, message
    path, message = error_of(tmp_path, "id: lonely\n")
    assert message.startswith(f"{path}:1: expected a list of exercises"), message


def test_ids_are_unique_across_chapters_and_files_must_be_chapters(tmp_path):
    write(tmp_path, GOOD)
    path, message = error_of(tmp_path, GOOD.replace("section: the-recurrence", "section: the-update-gate"),
                             "gru.yml")
    assert message.startswith(f"{path}:1: exercise 'demo-step': the id is already used at "), message
    (tmp_path / "exercises" / "gru.yml").unlink()
    _, message = error_of(tmp_path, GOOD, "grus.yml")
    assert "files ['grus.yml'] are not chapters" in message, message


def test_a_solver_whose_check_fails_stops_its_exercise(tmp_path, monkeypatch):
    from quiz.checks import CheckFailed

    def broken(params, rng):
        raise CheckFailed("gru_ref and the hand model disagree")

    monkeypatch.setitem(SOLVERS, "rnn-step", broken)
    path, message = error_of(tmp_path, GOOD)
    assert message == (f"{path}:{line_of(GOOD, 'solver:')}: exercise 'demo-step': solver 'rnn-step' failed: "
                       "CheckFailed: gru_ref and the hand model disagree")


def test_a_solver_name_is_registered_once():
    with pytest.raises(ValueError, match="'rnn-step' is registered twice"):
        solves("rnn-step")(lambda params, rng: None)


# Bugs of quiz/mutations.py that the RNN and GRU exercises must notice (the LSTM's are another chapter's).
CAUGHT = ("gru-flipped-interpolation", "gru-reset-placement-swapped", "gru-update-bias-dropped", "rnn-bias-dropped",
          "sigmoid-without-half", "torch-gru-order-as-keras", "torch-second-gru-bias-lost",
          "counts-one-bias-per-gate", "layers-second-layer-input")


@pytest.mark.parametrize("name", CAUGHT)
def test_a_bug_planted_in_gru_ref_stops_an_exercise(name, loaded):
    bug, stopped = exercises_stopped_by(name, loaded)
    assert stopped, f"no exercise notices {name}: {bug.description}"


def test_the_fence_shows_solutions_closed_with_nothing_left_unfilled():
    shown = exercises.fence_html("gru")
    sections = re.findall(r'<section class="gr-exercise" id="ex-([a-z0-9-]+)"', shown)
    assert sections == [item.exercise.id for item, _ in exercises._all() if item.chapter == "gru"]
    details = re.findall(r"<details[^>]*>", shown)
    assert len(details) == len(sections) and all(" open" not in tag for tag in details), details
    assert all("data-search-exclude" in tag for tag in details), details
    assert "{{" not in shown and "$" not in shown


def test_fence_options_are_checked():
    with pytest.raises(Exception, match="no exercise of chapter 'rnn' practises section 'nowhere'"):
        fences.gru_exercises("chapter: rnn\nsection: nowhere\n", "gru-exercises", "", {}, None)
    with pytest.raises(Exception, match="option 'chapter' must be one of"):
        fences.gru_exercises("chapter: rnns\n", "gru-exercises", "", {}, None)


def test_markdown_blocks_lists_display_math_and_escaping():
    shown = inline.blocks_html("Some <b>text</b>.\n\n1. one\n2. two\n   more\n\n$$x_t$$\n\n3. three")
    assert shown.startswith("<p>Some &lt;b&gt;text&lt;/b&gt;.</p><ol><li>one</li><li>two more</li></ol>")
    assert '<div class="gr-math-display"><math' in shown
    assert shown.endswith('<ol start="3"><li>three</li></ol>')


def test_a_python_fence_is_one_highlighted_code_block_even_with_blank_lines_and_markup_inside():
    shown = inline.blocks_html('Run:\n\n```python\nx = "<b>"\n\ny = 2  # $a$\n```\n\nThen $x$.', block_id="ex-a")
    before, block, after = re.split(r'(<div class="highlight" id="ex-a-1">.*</div>)', shown, flags=re.DOTALL)
    assert before == "<p>Run:</p>" and after.startswith("<p>Then ") and "<math" in after
    assert html.unescape(re.sub(r"<[^>]+>", "", block)) == 'x = "<b>"\n\ny = 2  # $a$\n'
    assert "<b>" not in block and "<math" not in block


def test_the_readme_shows_a_real_exercise():
    readme = (bank.ROOT / "README.md").read_text(encoding="utf-8")
    [block] = [b for b in re.findall(r"```yaml\n(.*?)```", readme, re.S) if "\n  solver: " in b]
    [shown] = yaml.safe_load(block)
    [(item, _)] = [(item, s) for item, s in exercises.load_exercises() if item.exercise.id == shown["id"]]
    assert exercises.Exercise.model_validate(shown) == item.exercise
