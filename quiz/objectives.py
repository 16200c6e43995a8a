"""Learning objectives: quizzes/objectives.yml, loaded and checked against the pages and the quiz bank.

The file maps each chapter to three to five objectives. An objective is one line of text, the
heading anchor of the section of docs/<chapter>.md that teaches it, and the ids of the questions
of quizzes/<chapter>.yml that practise it; quiz.render.objectives_html draws them at the top of
the chapter's page. The YAML is read with the bank's loader (bank.parse_yaml: line numbers, no key
given twice), and every problem is a BankError naming file, line, objective and what was expected:
`quizzes/objectives.yml:14: objective 2 of 'gru' ("Predict the candidate…"): section ...`.
"""
import dataclasses
import difflib
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from . import bank

BankError = bank.BankError
FILE = bank.BANK / bank.OBJECTIVES
FEWEST, MOST = 3, 5  # objectives per chapter
KEYS = "text, section and questions"  # what an objective has

OneLine = bank.one_line(200)


class Objective(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    text: OneLine  # $TeX$, `code`, *emphasis* and **bold** as in the quiz files (sitegen.inline)
    section: bank.Key  # the heading anchor of docs/<chapter>.md that teaches it
    questions: list[bank.Key] = Field(min_length=1)  # ids from quizzes/<chapter>.yml that practise it


@dataclasses.dataclass(frozen=True)
class Located:
    """An objective and where it was written: its chapter, its number there (from 1), its file and lines."""
    objective: Objective
    chapter: str
    number: int
    path: Path
    line: int
    key_lines: dict = dataclasses.field(default_factory=dict)  # key -> line
    question_lines: tuple = ()  # the line of each entry of `questions`

    def where(self, line=None):
        label = _label(self.chapter, self.number, self.objective.text)
        return f"{bank.shown_path(self.path)}:{line or self.line}: {label}"


def _label(chapter, number, text=None):
    label = f"objective {number} of {chapter!r}"
    if isinstance(text, str) and text.strip():
        short = " ".join(text.split())
        label += f' ("{short[:40]}…")' if len(short) > 40 else f' ("{short}")'
    return label


def _lines(item):
    """The line of each key of an objective's mapping node, and of each entry of its `questions`."""
    keys, questions = {}, ()
    if isinstance(item, yaml.MappingNode):
        for key, value in item.value:
            if isinstance(key, yaml.ScalarNode):
                keys[key.value] = key.start_mark.line + 1
                if key.value == "questions" and isinstance(value, yaml.SequenceNode):
                    questions = tuple(entry.start_mark.line + 1 for entry in value.value)
    return keys, questions


def _validation_message(error, keys, questions):
    """The first problem pydantic found, as 'key: what was expected', with its line if known."""
    first = error.errors()[0]
    location = [str(part) for part in first["loc"]]
    line = keys.get(location[0]) if location else None
    if location[:1] == ["questions"] and len(location) > 1 and int(location[1]) < len(questions):
        line = questions[int(location[1])]
    field = ".".join(location) or "objective"
    kind, message = first["type"], first["msg"]
    if kind == "extra_forbidden":
        message = f"unknown key; expected only {KEYS}"
    elif kind == "missing":
        message = f"missing; an objective has {KEYS}"
    elif kind == "string_pattern_mismatch" and location == ["text"]:
        message = "expected one line of text"
    elif kind == "string_pattern_mismatch":
        message = "expected an id or anchor of lowercase letters, digits and single hyphens"
    elif kind == "too_short" and location == ["questions"]:
        message = "expected at least one question id"
    return line, f"{field}: {message}"


def load_objectives(path=FILE, items=None, docs=bank.DOCS, chapters=bank.CHAPTERS):
    """{chapter: (Located, ...)} for every chapter, checked against the pages in `docs` and the bank's
    questions `items` (bank.load_bank() when not given); a BankError for the first problem."""
    path = Path(path)
    where = bank.shown_path(path)
    data, node = bank.parse_yaml(path, path.read_text(encoding="utf-8"),
                                 "a mapping of each chapter to its objectives")
    if not isinstance(data, dict) or not isinstance(node, yaml.MappingNode):
        raise BankError(f"{where}:1: expected a mapping of each chapter to its objectives "
                        f"('gru:' then '  - text: ...'), got a {type(data).__name__}")
    items = bank.load_bank() if items is None else items
    questions = {item.question.id: item for item in items}
    found = {}
    for (key_node, value_node), (chapter, entries) in zip(node.value, data.items()):
        line = key_node.start_mark.line + 1
        if chapter not in chapters:
            raise BankError(f"{where}:{line}: {chapter!r} is not a chapter; expected one of {', '.join(chapters)}")
        if not isinstance(entries, list) or not isinstance(value_node, yaml.SequenceNode):
            raise BankError(f"{where}:{line}: chapter {chapter!r}: expected a list of objectives "
                            f"('  - text: ...'), got a {type(entries).__name__}")
        if not FEWEST <= len(entries) <= MOST:
            raise BankError(f"{where}:{line}: chapter {chapter!r} has {len(entries)} objective(s); "
                            f"expected {FEWEST} to {MOST}")
        found[chapter] = tuple(_objective(path, chapter, number, entry, item_node)
                               for number, (entry, item_node) in enumerate(zip(entries, value_node.value), start=1))
        anchors = bank.heading_anchors(Path(docs) / f"{chapter}.md")
        for located in found[chapter]:
            _check(located, anchors, questions)
    missing = [chapter for chapter in chapters if chapter not in found]
    if missing:
        raise BankError(f"{where}:1: no objectives for chapter(s) {missing}; expected {FEWEST} to {MOST} "
                        f"for each of {', '.join(chapters)}")
    return {chapter: found[chapter] for chapter in chapters}



def _objective(path, chapter, number, entry, node):
    line = node.start_mark.line + 1
    keys, question_lines = _lines(node)
    label = _label(chapter, number, entry.get("text") if isinstance(entry, dict) else None)
    if not isinstance(entry, dict):
        raise BankError(f"{bank.shown_path(path)}:{line}: {label}: expected a mapping with "
                        f"{KEYS}, got {entry!r}")
    try:
        objective = Objective.model_validate(entry)
    except ValidationError as error:
        key_line, message = _validation_message(error, keys, question_lines)
        raise BankError(f"{bank.shown_path(path)}:{key_line or line}: {label}: {message}") from None
    return Located(objective, chapter, number, path, line, keys, question_lines)


def _check(located, anchors, questions):
    """What the schema cannot say: the section is a heading of the page, each question is one of the
    chapter's and is listed once."""
    o, chapter = located.objective, located.chapter
    if o.section not in anchors:
        raise BankError(f"{located.where(located.key_lines.get('section'))}: section {o.section!r} is not a "
                        f"heading anchor of docs/{chapter}.md; expected one of {sorted(anchors)}")
    seen = {}
    for index, question_id in enumerate(o.questions):
        line = located.question_lines[index] if index < len(located.question_lines) else located.key_lines.get(
            "questions")
        if question_id in seen:
            raise BankError(f"{located.where(line)}: question {question_id!r} is listed twice (entries "
                            f"{seen[question_id] + 1} and {index + 1}); expected each question once")
        seen[question_id] = index
        item = questions.get(question_id)
        if item is None:
            own = sorted(i for i, q in questions.items() if q.chapter == chapter)
            close = difflib.get_close_matches(question_id, own, n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"expected one of {own}"
            raise BankError(f"{located.where(line)}: question {question_id!r} is not in quizzes/{chapter}.yml; "
                            f"{hint}")
        if item.chapter != chapter:
            raise BankError(f"{located.where(line)}: question {question_id!r} belongs to chapter "
                            f"{item.chapter!r} ({bank.shown_path(item.path)}:{item.line}); expected a "
                            f"question of quizzes/{chapter}.yml, whose quizzes are on this chapter's page")
