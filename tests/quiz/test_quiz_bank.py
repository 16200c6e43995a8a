"""The bank loader: every problem in a quiz file stops with one error naming file, line, question and problem."""
import re
import textwrap

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quiz import bank

GOOD = """\
- id: gru-good
  type: single
  section: the-update-gate
  prompt: With $u_t = 1$, what is $H_t$?
  options:
    - key: previous-state
      text: $H_{t-1}$
      feedback: Right.
    - key: candidate
      text: the candidate
      feedback: That is $u_t = 0$.
  answer: previous-state
  explanation: The first term keeps all of $H_{t-1}$.
  check: gru-saturated-update
  params: {gate_value: 1}
"""


def write(directory, chapter, text):
    directory.mkdir(exist_ok=True)
    path = directory / f"{chapter}.yml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def error_of(tmp_path, text, chapter="gru", extra=None):
    directory = tmp_path / "quizzes"
    write(directory, chapter, text)
    for other_chapter, other_text in (extra or {}).items():
        write(directory, other_chapter, other_text)
    with pytest.raises(bank.BankError) as raised:
        bank.load_bank(directory)
    return str(raised.value)


def test_a_good_file_loads_with_its_line(tmp_path):
    directory = tmp_path / "quizzes"
    write(directory, "gru", "# a comment first\n\n" + GOOD)
    [item] = bank.load_bank(directory)
    assert (item.question.id, item.chapter, item.line) == ("gru-good", "gru", 3)
    assert item.where() == f"{directory / 'gru.yml'}:3: question 'gru-good'"


@pytest.mark.parametrize("change, line, expected", [
    (("type: single", "type: singel"), 1, "unknown type 'singel'"),
    (("  explanation:", "  colour: blue\n  explanation:"), 13, "colour: unknown key"),
    (("  answer: previous-state\n", ""), 1, "needs options and an answer"),
    (("  answer: previous-state", "  answer: average"), 1, "answer ['average'] is not among the options"),
    (("section: the-update-gate", "section: the-updte-gate"), 1, "section 'the-updte-gate' is not a heading anchor"),
    (("gate_value: 1", "gate_value: 0"), 1, "check 'gru-saturated-update' decides 'candidate'"),
    (("check: gru-saturated-update", "check: no-such-check"), 1, "no check named 'no-such-check'"),
    (("  check: gru-saturated-update\n  params: {gate_value: 1}\n", ""), 1,
     "give exactly one of 'check'"),
    (("  prompt: With", "  prompt: ''\n  x: With"), 4, "prompt: String should have at least 1 character"),
    (("- id: gru-good", "- id: Gru Good"), 1, "id: String should match pattern"),
    (("- key: candidate", "- key: previous-state"), 1, "option keys repeated: ['previous-state']"),
])
def test_each_problem_names_file_line_question_and_problem(tmp_path, change, line, expected):
    assert change[0] in GOOD  # the change really changes the file
    message = error_of(tmp_path, GOOD.replace(*change))
    assert message.startswith(f"{tmp_path / 'quizzes' / 'gru.yml'}:{line}: ")
    assert expected in message
    assert "question" in message


def test_yaml_errors_name_the_line(tmp_path):
    message = error_of(tmp_path, GOOD.replace("  prompt: With", "  prompt: [With"))
    assert ":5: not valid YAML" in message or ":4: not valid YAML" in message


def test_a_key_given_twice_is_an_error_not_a_silent_replacement(tmp_path):
    message = error_of(tmp_path, GOOD.replace("  answer: previous-state", "  answer: previous-state\n  answer: x"))
    assert "key 'answer' given twice" in message and "gru.yml:13" in message


def test_duplicate_ids_across_files_name_both_places(tmp_path):
    lstm = GOOD.replace("section: the-update-gate", "section: the-forget-gate")
    message = error_of(tmp_path, GOOD, extra={"lstm": lstm})
    assert "question 'gru-good': the id is already used at" in message and "gru.yml:1" in message


def test_files_that_are_not_chapters_are_named(tmp_path):
    message = error_of(tmp_path, GOOD, extra={"gru-extra": GOOD})
    assert "gru-extra.yml" in message and "not chapters" in message


@pytest.mark.parametrize("text, expected", [
    ("", "the file is empty"),
    ("id: x\n", "expected a list of questions"),
    ("- just text\n", "expected a question"),
    ("- id: gru-x\n", "missing 'type'"),
])
def test_shapes_that_are_not_a_list_of_questions(tmp_path, text, expected):
    assert expected in error_of(tmp_path, text)


def test_a_generator_question_must_not_store_an_answer(tmp_path):
    text = """\
    - id: gru-gen
      type: numeric
      section: following-the-numbers
      prompt: What is entry {{unit}} of $u_t$?
      explanation: Compute it.
      check: step-entry
      params: {cell: gru, field: u}
      variants: 2
      digits: 3
      answer: 0.5
      tolerance: {absolute: 0.001}
    """
    assert "generates the answer; remove the stored 'answer'" in error_of(tmp_path, text)


def test_variants_need_a_generator(tmp_path):
    message = error_of(tmp_path, GOOD.replace("  params: {gate_value: 1}", "  params: {gate_value: 1}\n  variants: 3"))
    assert "'variants' needs a generator check" in message


# ---------------------------------------------------------------- fuzzing: nothing but BankError escapes

KEYS = ["id", "type", "section", "prompt", "options", "answer", "explanation", "check", "params", "variants",
        "digits", "tolerance", "items", "key", "text", "feedback", "conceptual", "absolute", "relative", "cite", "why"]
scalars = st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.floats(allow_nan=True),
                    st.sampled_from(["single", "multiple", "numeric", "order", "text", "gru-good", "the-update-gate",
                                     "gru-saturated-update", "step-entry", "{{x}}", "$x$", ""]),
                    st.text(max_size=8))
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                       st.dictionaries(st.sampled_from(KEYS), inner, max_size=6)),
                      max_leaves=20)
questions = st.lists(st.dictionaries(st.sampled_from(KEYS), values, max_size=12), max_size=3)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.one_of(questions, values))
def test_fuzzed_structures_give_a_bank_error_or_load(tmp_path, data):
    directory = tmp_path / "fuzz"
    write(directory, "gru", yaml.safe_dump(data, allow_unicode=True))
    try:
        bank.load_bank(directory)
    except bank.BankError:
        pass


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.one_of(st.text(max_size=200),
                      st.lists(st.sampled_from(GOOD.splitlines(keepends=True) + ["  - ", ": ", "- [", "&a ", "*a\n",
                                                                                 "!!python/object:os.system\n"]),
                               max_size=30).map("".join)))
def test_fuzzed_text_gives_a_bank_error_or_loads(tmp_path, text):
    directory = tmp_path / "fuzz-text"
    directory.mkdir(exist_ok=True)
    (directory / "gru.yml").write_text(text, encoding="utf-8")
    try:
        bank.load_bank(directory)
    except bank.BankError:
        pass


params = st.dictionaries(st.sampled_from(["cell", "field", "unit", "reset", "gate_value", "input", "hidden", "layers",
                                          "bidirectional", "decimals", "wrong"]),
                         st.one_of(scalars, st.sampled_from(["gru", "lstm", "rnn", "u", "H", "C", "after", "x"])),
                         max_size=5)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(check=st.sampled_from(["gru-saturated-update", "step-entry", "parameter-count", "output-range",
                              "next-state-choice", "torch-block-order"]), params=params,
       kind=st.sampled_from(["single", "numeric", "multiple", "order"]), variants=st.integers(1, 3))
def test_fuzzed_checks_and_params_give_a_bank_error_or_load(tmp_path, check, params, kind, variants):
    """Checks run on whatever params a file gives them; anything they raise must come out as a BankError."""
    question = yaml.safe_load(GOOD)[0]
    question.update(type=kind, check=check, params=params, variants=variants)
    if kind == "numeric":
        question.update(digits=3, tolerance={"absolute": 0.001})
        question.pop("options")
        question.pop("answer")
    directory = tmp_path / "fuzz-checks"
    write(directory, "gru", yaml.safe_dump([question], allow_unicode=True))
    try:
        bank.load_bank(directory)
    except bank.BankError:
        pass


def test_the_readme_shows_a_real_question_of_the_bank():
    readme = (bank.ROOT / "README.md").read_text(encoding="utf-8")
    block = re.findall(r"```yaml\n(.*?)```", readme, re.S)[0]  # the second is an exercise's
    [shown] = yaml.safe_load(block)
    chapter_file = bank.BANK / f"{shown['id'].split('-')[0]}.yml"
    [real] = [q for q in yaml.safe_load(chapter_file.read_text(encoding="utf-8")) if q["id"] == shown["id"]]
    assert shown == real
