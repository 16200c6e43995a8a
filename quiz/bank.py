"""The quiz bank: quizzes/<chapter>.yml, loaded and validated, every error naming file, line and question.

A chapter file is a YAML list of questions. The schema is pydantic models, one per question type;
what a schema cannot say (a unique id across the bank, an answer among the options, a check that
exists and fits the question, a section that is a heading of the chapter) is checked after it.
Every problem becomes a BankError: `quizzes/gru.yml:42: question 'gru-update-copies': ...`.
"""
import dataclasses
import functools
import html
from pathlib import Path
from typing import Annotated, Literal, Union

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, model_validator

ROOT = Path(__file__).resolve().parent.parent
BANK = ROOT / "quizzes"
DOCS = ROOT / "docs"
CHAPTERS = ("rnn", "gru", "lstm", "gru-vs-lstm", "conventions")  # a file per chapter, named after its page
OBJECTIVES = "objectives.yml"  # beside the chapter files but not one of them: quiz/objectives.py reads it

Key = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=80)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


def one_line(max_length):
    """A line of text (a title, an objective): no line break, at most `max_length` characters."""
    return Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=max_length,
                                            pattern=r"^[^\n]*$")]


class BankError(ValueError):
    """A problem in the bank, with where it is."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class Option(_Strict):
    key: Key
    text: Text
    feedback: Text  # shown when this option is chosen: why it is right, or which mistake it is


class Item(_Strict):
    key: Key
    text: Text


class Tolerance(_Strict):
    absolute: float | None = Field(default=None, ge=0)
    relative: float | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _one_given(self):
        if self.absolute is None and self.relative is None:
            raise ValueError("give absolute, relative or both")
        return self


class Conceptual(_Strict):
    cite: Text  # a source as references.md writes it, e.g. "Hochreiter, S., & Schmidhuber, J. (1997)"
    why: Text  # why no code can decide the answer


class _Question(_Strict):
    id: Key
    section: Key  # the heading anchor on the chapter's page that teaches it
    prompt: Text
    explanation: Text
    check: Key | None = None  # a decider or generator in quiz/checks.py
    params: dict = Field(default_factory=dict)  # given to a generator
    variants: int = Field(default=1, ge=1, le=12)  # how many numbered versions a generator makes
    conceptual: Conceptual | None = None

    @model_validator(mode="after")
    def _checked_or_conceptual(self):
        if (self.check is None) == (self.conceptual is None):
            raise ValueError("give exactly one of 'check' (the code that decides the answer) and 'conceptual' "
                             "(a citation, for what no code can decide)")
        return self


class Single(_Question):
    type: Literal["single"]
    options: list[Option] | None = Field(default=None, min_length=2, max_length=8)  # None: a generator makes them
    answer: Key | None = None


class Multiple(_Question):
    type: Literal["multiple"]
    options: list[Option] = Field(min_length=2, max_length=8)
    answer: list[Key] = Field(min_length=1)


class Numeric(_Question):
    type: Literal["numeric"]
    answer: float | int | None = None  # None: a generator computes it
    digits: int = Field(ge=0, le=8)  # decimals the prompt asks for
    tolerance: Tolerance


class Order(_Question):
    type: Literal["order"]
    items: list[Item] = Field(min_length=2, max_length=8)  # shown shuffled
    answer: list[Key] = Field(min_length=2)


class TextAnswer(_Question):
    type: Literal["text"]
    answer: list[Text] = Field(min_length=1)  # accepted spellings; compared ignoring case and spacing


Question = Annotated[Union[Single, Multiple, Numeric, Order, TextAnswer], Field(discriminator="type")]


class _File(BaseModel):
    questions: list[Question]


@dataclasses.dataclass(frozen=True)
class Located:
    """A question and where it was written."""
    question: object
    chapter: str
    path: Path
    line: int

    def where(self):
        return f"{shown_path(self.path)}:{self.line}: question {self.question.id!r}"


def shown_path(path):
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return str(path)


# ---------------------------------------------------------------- YAML with line numbers

class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """Safe YAML that refuses a key given twice; libyaml's parser when PyYAML has it (several times faster)."""


def _mapping_without_duplicates(loader, node):
    keys = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        if key in keys:
            raise BankError(f"line {key_node.start_mark.line + 1}: key {key!r} given twice "
                            f"(first on line {keys[key]}); the second would silently replace the first")
        keys[key] = key_node.start_mark.line + 1
    return loader.construct_mapping(node, deep=True)


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_without_duplicates)


def parse_yaml(path, text, expected):
    """The YAML document `text` (read from `path`) as plain data and as its node tree, whose marks give
    the line of every key and item. A BankError naming file:line for YAML that does not parse, a key
    given twice, or an empty file (`expected` says what the file should hold)."""
    where = shown_path(path)
    try:
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except BankError as error:
        raise BankError(f"{where}:{str(error).removeprefix('line ')}") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
        line = f"{mark.line + 1}:" if mark else ""
        problem = getattr(error, "problem", None) or str(error)
        raise BankError(f"{where}:{line} not valid YAML: {problem}") from None
    if data is None:
        raise BankError(f"{where}:1: the file is empty; expected {expected}")
    return data, node


def parse_list(path, text, items="questions"):
    """A file's list of items (questions, exercises) as plain data, and the line each item (and each of its
    keys) starts on."""
    where = shown_path(path)
    data, node = parse_yaml(path, text, f"a list of {items}")
    if not isinstance(data, list) or not isinstance(node, yaml.SequenceNode):
        raise BankError(f"{where}:1: expected a list of {items} ('- id: ...'), got a {type(data).__name__}")
    lines = []
    for item in node.value:
        keys = {}
        if isinstance(item, yaml.MappingNode):
            keys = {k.value: k.start_mark.line + 1 for k, _ in item.value if isinstance(k, yaml.ScalarNode)}
        lines.append((item.start_mark.line + 1, keys))
    return data, lines


def _validation_message(error, keys):
    """The first problem pydantic found, as 'key: what was expected', with the key's line if known."""
    first = error.errors()[0]
    location = [str(part) for part in first["loc"]][2:]  # past "questions" and the index: the question's own
    if location and location[0] in ("single", "multiple", "numeric", "order", "text"):
        location = location[1:]  # the discriminator's tag adds nothing a reader needs
    line = keys.get(location[0]) if location else None
    field = ".".join(location) or "question"
    message = first["msg"]
    if first["type"] == "extra_forbidden":
        message = "unknown key"
    elif first["type"] == "union_tag_invalid":
        message = f"unknown type {first['input'].get('type')!r}; expected single, multiple, numeric, order or text"
    elif first["type"] == "union_tag_not_found":
        message = "missing 'type' (single, multiple, numeric, order or text)"
    return line, f"{field}: {message}"


def load_file(path, chapter=None):
    """The questions of one chapter file, each with its file and line; a BankError for the first problem."""
    path = Path(path)
    chapter = chapter or path.stem
    data, lines = parse_list(path, path.read_text(encoding="utf-8"))
    located = []
    for entry, (line, keys) in zip(data, lines):
        name = entry.get("id") if isinstance(entry, dict) else None
        label = f"question {name!r}" if isinstance(name, str) else "a question without an id"
        if not isinstance(entry, dict):
            raise BankError(f"{shown_path(path)}:{line}: expected a question ('id: ...', 'type: ...'), "
                            f"got {entry!r}")
        try:
            question = _File.model_validate({"questions": [entry]}).questions[0]
        except ValidationError as error:
            key_line, message = _validation_message(error, keys)
            raise BankError(f"{shown_path(path)}:{key_line or line}: {label}: {message}") from None
        located.append(Located(question, chapter, path, line))
    return located


def load_bank(directory=BANK, chapters=CHAPTERS):
    """Every chapter's questions, checked across the bank; a BankError naming the first problem.
    Every .yml file of the folder must be a chapter's, except the learning objectives (OBJECTIVES)."""
    directory = Path(directory)
    files = {path.stem: path for path in sorted(directory.glob("*.yml")) if path.name != OBJECTIVES}
    unknown = sorted(set(files) - set(chapters))
    if unknown:
        raise BankError(f"{shown_path(directory)}: files {[f'{u}.yml' for u in unknown]} are not chapters; "
                        f"expected some of {[f'{c}.yml' for c in chapters]}")
    bank = []
    for chapter in chapters:
        if chapter in files:
            bank.extend(load_file(files[chapter], chapter))
    validate(bank)
    return bank


# ---------------------------------------------------------------- what the schema cannot say

def validate(bank, docs=DOCS):
    from . import checks  # the checks import gru_ref; the schema alone does not need it

    seen = {}
    anchors = {}
    for item in bank:
        q = item.question
        if q.id in seen:
            raise BankError(f"{item.where()}: the id is already used at {seen[q.id]}")
        seen[q.id] = f"{shown_path(item.path)}:{item.line}"
        if item.chapter not in anchors:
            anchors[item.chapter] = heading_anchors(docs / f"{item.chapter}.md")
        if q.section not in anchors[item.chapter]:
            raise BankError(f"{item.where()}: section {q.section!r} is not a heading anchor of "
                            f"docs/{item.chapter}.md; it has {sorted(anchors[item.chapter])}")
        _check_answer_shape(item)
        if q.check is not None:
            checks.validate_use(item)


def _check_answer_shape(item):
    q, where = item.question, item.where()
    generated = q.check is not None and q.check in _generator_names()
    if q.type == "single" and not generated:
        if q.options is None or q.answer is None:
            raise BankError(f"{where}: a single-choice question needs options and an answer "
                            f"(unless a generator check makes them)")
    if q.type in ("single", "multiple") and q.options is not None:
        keys = [o.key for o in q.options]
        _unique(keys, "option keys", where)
        answers = [q.answer] if q.type == "single" else q.answer
        missing = [a for a in answers if a is not None and a not in keys]
        if missing:
            raise BankError(f"{where}: answer {missing} is not among the options {keys}")
        if q.type == "multiple":
            _unique(q.answer, "answers", where)
    if q.type == "order":
        keys = [i.key for i in q.items]
        _unique(keys, "item keys", where)
        if sorted(q.answer) != sorted(keys):
            raise BankError(f"{where}: the answer must order every item exactly once; items {keys}, "
                            f"answer {q.answer}")
    if q.type == "numeric" and q.answer is None and not generated:
        raise BankError(f"{where}: a numeric question needs an answer (unless a generator check computes it)")
    if generated and getattr(q, "answer", None) is not None:
        raise BankError(f"{where}: check {q.check!r} generates the answer; remove the stored 'answer'")
    if not generated and q.variants != 1:
        raise BankError(f"{where}: 'variants' needs a generator check; {q.check!r} is not one")


def _generator_names():
    from . import checks
    return checks.GENERATORS


def _unique(values, what, where):
    repeated = sorted({v for v in values if values.count(v) > 1})
    if repeated:
        raise BankError(f"{where}: {what} repeated: {repeated}")


# The extensions of mkdocs.yml that change heading ids or hide headings; the custom fences are
# plain fenced code here, which is all that matters for headings.
HEADING_EXTENSIONS = ["toc", "attr_list", "admonition", "fenced_code", "md_in_html", "tables", "footnotes"]


@functools.lru_cache(maxsize=None)
def page_headings(page):
    """(page title, {heading id: heading text}) of a page, the ids as Python-Markdown's toc extension
    makes them when MkDocs builds it; a missing page has no headings."""
    import markdown

    page = Path(page)
    if not page.exists():
        return None, {}
    renderer = markdown.Markdown(extensions=HEADING_EXTENSIONS)
    renderer.convert(page.read_text(encoding="utf-8"))
    names, title = {}, None

    def walk(tokens):
        nonlocal title
        for token in tokens:
            names[token["id"]] = html.unescape(token["name"])
            if token["level"] == 1 and title is None:
                title = names[token["id"]]
            walk(token["children"])

    walk(renderer.toc_tokens)
    return title, names


def heading_anchors(page):
    """The heading ids of a page (see page_headings)."""
    return set(page_headings(page)[1])
