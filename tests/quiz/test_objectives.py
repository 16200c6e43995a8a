"""Learning objectives (quizzes/objectives.yml): the real file validates, every problem in it stops
with one error naming file, line, objective and what was expected, and the block at the top of each
chapter links to headings and questions that exist on that page, numbered as the page numbers them."""
import html
import re
import shutil

import pytest

from quiz import bank, objectives, render
from sitegen import cache, fences

REAL = objectives.FILE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def items():
    return bank.load_bank()


def line_of(text, marker):
    """The line (from 1) on which `marker` first occurs in `text`."""
    assert marker in text, marker
    return text.count("\n", 0, text.index(marker)) + 1


def error_of(tmp_path, text, items):
    path = tmp_path / "objectives.yml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(bank.BankError) as raised:
        objectives.load_objectives(path, items)
    return path, str(raised.value)


def objective_blocks(text, chapter):
    """The '  - text: ...' blocks of one chapter, as they stand in the file."""
    body = re.search(rf"^{re.escape(chapter)}:\n(.*?)(?=^\S|\Z)", text, re.MULTILINE | re.DOTALL).group(1)
    return re.findall(r"^  - .*?(?=^  - |\Z)", body, re.MULTILINE | re.DOTALL)


def test_the_real_file_validates(items):
    found = objectives.load_objectives(items=items)
    assert tuple(found) == bank.CHAPTERS
    for chapter, located in found.items():
        assert objectives.FEWEST <= len(located) <= objectives.MOST, chapter
        anchors = bank.heading_anchors(bank.DOCS / f"{chapter}.md")
        own = {item.question.id for item in items if item.chapter == chapter}
        for entry in located:
            assert entry.objective.section in anchors
            assert set(entry.objective.questions) <= own
            assert len(set(entry.objective.questions)) == len(entry.objective.questions)
            assert REAL.splitlines()[entry.line - 1].lstrip().startswith("- text:")


def test_the_bank_loader_passes_over_the_objectives_file_only(tmp_path, items):
    directory = tmp_path / "quizzes"
    shutil.copytree(bank.BANK, directory)
    assert (directory / "objectives.yml").exists()
    assert [item.question.id for item in bank.load_bank(directory)] == [item.question.id for item in items]
    (directory / "objective.yml").write_text("[]\n", encoding="utf-8")  # a near miss is still not a chapter
    with pytest.raises(bank.BankError, match=r"files \['objective.yml'\] are not chapters"):
        bank.load_bank(directory)


def _replace(old, new):
    def change(text):
        assert text.count(old) == 1, old
        return text.replace(old, new)
    return change


def _drop_objectives(chapter, keep):
    def change(text):
        blocks = objective_blocks(text, chapter)
        return text.replace("".join(blocks), "".join(blocks[:keep]))
    return change


def _drop_chapter(chapter):
    def change(text):
        return re.sub(rf"^{re.escape(chapter)}:\n.*?(?=^\S|\Z)", "", text, flags=re.MULTILINE | re.DOTALL)
    return change


def _repeat_objective(chapter):
    def change(text):
        first = objective_blocks(text, chapter)[0]
        return text.replace(first, first * 2, 1)
    return change


QUESTIONS_OF_RESET = "questions: [gru-reset-before-entry, gru-reset-forms-statements, gru-layer-reset-placement]"
FROM_RNN = QUESTIONS_OF_RESET.replace("gru-layer-reset-placement", "rnn-bptt-name")
UNROLL = "  - text: Unroll an RNN over time and explain why back-propagation through time adds no parameters\n"


# (the change, the text on the line the error must name (None: line 1), what the error must say:
# one text, or the objective it names and then the problem)
@pytest.mark.parametrize("change, marker, expected", [
    (_replace("\nlstm:\n", "\nlstms:\n"), "lstms:",
     "'lstms' is not a chapter; expected one of rnn, gru, lstm, gru-vs-lstm, conventions"),
    (_replace("section: the-update-gate", "section: the-updte-gate"), "section: the-updte-gate",
     ("objective 2 of 'gru' (\"Predict the candidat", "…\"): section 'the-updte-gate' is not "
     "a heading anchor of docs/gru.md; expected one of [")),
    (_replace("gru-reset-gate-name]", "gru-reset-gate-nme]"), "gru-reset-gate-nme]",
     ("objective 2 of 'gru' (\"Predict the candidat", "…\"): question 'gru-reset-gate-nme' is "
     "not in quizzes/gru.yml; did you mean 'gru-reset-gate-name'?")),
    (_replace(QUESTIONS_OF_RESET, FROM_RNN), FROM_RNN,
     ("objective 4 of 'gru' (\"Tell the reset-after", "…\"): question 'rnn-bptt-name' belongs to "
     "chapter 'rnn' (quizzes/rnn.yml:")),
    (_drop_objectives("rnn", keep=2), "rnn:", "chapter 'rnn' has 2 objective(s); expected 3 to 5"),
    (_repeat_objective("conventions"), "conventions:", "chapter 'conventions' has 6 objective(s); expected 3 to 5"),
    (_replace("    section: unrolling-over-time\n", "    section: unrolling-over-time\n    level: basic\n"),
     "level: basic", ("objective 3 of 'rnn' (\"Unroll an RNN over t", "…\"): level: unknown key; expected only "
     "text, section and questions")),
    (_replace("[rnn-unrolled-parameter-count, rnn-bptt-name]",
              "[rnn-unrolled-parameter-count,\n                rnn-unrolled-parameter-count, rnn-bptt-name]"),
     "                rnn-unrolled-parameter-count",
     ("objective 3 of 'rnn' (\"Unroll an RNN over t", "…\"): question "
     "'rnn-unrolled-parameter-count' is listed twice (entries 1 and 2); expected each question once")),
    (_replace("[rnn-unrolled-parameter-count, rnn-bptt-name]", "[]"), "questions: []",
     ("objective 3 of 'rnn' (\"Unroll an RNN over t", "…\"): questions: expected at least one "
     "question id")),
    (_replace("    section: unrolling-over-time\n", ""), UNROLL,
     ("objective 3 of 'rnn' (\"Unroll an RNN over t", "…\"): section: missing; an objective has "
     "text, section and questions")),
    (_replace(UNROLL, "  - text: |\n      Unroll an RNN over time\n      and explain why\n"),
     "  - text: |", ("objective 3 of 'rnn' (\"Unroll an RNN over t", "\"): text: expected one line of text")),
    (_drop_chapter("conventions"), None, "no objectives for chapter(s) ['conventions']; expected 3 to 5"),
    (lambda text: text + "\nrnn:\n  - text: again\n", "rnn:\n  - text: again", "key 'rnn' given twice (first on line "),
])
def test_each_problem_names_file_line_objective_and_what_was_expected(tmp_path, items, change, marker, expected):
    text = change(REAL)
    assert text != REAL
    path, message = error_of(tmp_path, text, items)
    line = 1 if marker is None else line_of(text, marker)
    assert message.startswith(f"{path}:{line}: "), message
    for part in (expected,) if isinstance(expected, str) else expected:  # who, then what
        assert part in message, message


def test_what_is_not_a_mapping_of_lists_of_mappings(tmp_path, items):
    path, message = error_of(tmp_path, "- text: a list, not a mapping\n", items)
    assert message == (f"{path}:1: expected a mapping of each chapter to its objectives ('gru:' then '  - text: ...'), "
                       f"got a list")
    path, message = error_of(tmp_path, REAL.replace("\ngru:\n  - text:", "\ngru: text\nx:\n  - text:"), items)
    assert message.startswith(f"{path}:{line_of(REAL, chr(10) + 'gru:') + 1}: chapter 'gru': expected a list")
    path, message = error_of(tmp_path, "", items)
    assert message == f"{path}:1: the file is empty; expected a mapping of each chapter to its objectives"


# ---------------------------------------------------------------- the block on the page

def quizzes_on_page(chapter):
    """{question anchor: (quiz title, "Question n")} as the page's own gru-quiz fences render them."""
    shown = {}
    for match in cache.QUIZ_FENCE.finditer((bank.DOCS / f"{chapter}.md").read_text(encoding="utf-8")):
        quiz = render.fence_html(**fences.parse_options("gru-quiz", match.group(1)))
        title = html.unescape(re.search(r'<p class="gr-quiz-title">(.*?)</p>', quiz).group(1))
        for anchor, number in re.findall(r'<section class="gr-q" id="([^"]+)".*?<h3 class="gr-q-title">([^<]+)</h3>',
                                         quiz):
            shown.setdefault(anchor, (title, number))
    return shown


@pytest.mark.parametrize("chapter", bank.CHAPTERS)
def test_every_link_of_the_block_resolves_on_its_page(chapter, items):
    block = render.objectives_html(chapter)
    assert block.startswith('<div class="admonition abstract gr-objectives"><p class="admonition-title">'
                            'After this chapter you can</p><ol><li>')
    headings = bank.heading_anchors(bank.DOCS / f"{chapter}.md")
    shown = quizzes_on_page(chapter)
    several = len({title for title, _ in shown.values()}) > 1
    located = objectives.load_objectives(items=items)[chapter]
    entries = re.findall(r"<li>(.*?)</li>", block)
    assert len(entries) == len(located)
    for entry, objective in zip(entries, (o.objective for o in located)):
        text_link, practice = entry.split('<small class="gr-objective-practice" data-search-exclude>Practice: ')
        assert re.match(r'<a href="#([^"]+)">', text_link).group(1) == objective.section
        assert objective.section in headings
        links = re.findall(r'<a href="#([^"]+)"><span class="gr-sr">Question </span>(\d+)</a>', practice)
        assert sorted(anchor for anchor, _ in links) == sorted(f"q-{q}" for q in objective.questions)
        for anchor, number in links:
            title, heading = shown[anchor]  # the question is on this page ...
            assert heading == f"Question {number}"  # ... under the number the link shows
            assert (html.escape(title) in practice) == several


def test_a_question_the_page_does_not_show_is_an_error_not_a_dead_link(monkeypatch):
    shown = render.page_quizzes("rnn")
    del shown["rnn-bptt-name"]  # as if the page's quiz had left it out
    monkeypatch.setattr(render, "page_quizzes", lambda chapter: shown)
    with pytest.raises(ValueError, match=r"objective 3 of 'rnn' .*: question\(s\) \['rnn-bptt-name'\] are in no quiz "
                                         r"on docs/rnn.md"):
        render.objectives_html("rnn")


def test_nothing_from_the_file_becomes_markup(tmp_path, items, monkeypatch):
    path = tmp_path / "objectives.yml"
    path.write_text(REAL.replace("Unroll an RNN over time", "Unroll <b>an</b> RNN over `<script>` time"),
                    encoding="utf-8")
    monkeypatch.setattr(render, "_objectives", lambda: objectives.load_objectives(path, items))
    block = render.objectives_html("rnn")
    assert "Unroll &lt;b&gt;an&lt;/b&gt; RNN over <code>&lt;script&gt;</code> time" in block
    assert "<b>" not in block and "<script>" not in block


@pytest.mark.parametrize("chapter", bank.CHAPTERS)
def test_each_chapter_opens_with_its_objectives(chapter):
    page = (bank.DOCS / f"{chapter}.md").read_text(encoding="utf-8")
    fence = f"```gru-objectives\nchapter: {chapter}\n```"
    assert page.startswith("# ") and page.count("```gru-objectives") == 1
    assert page.index(fence) < page.index("\n## "), "the objectives come before the first section"


def test_the_fence_is_registered_and_checks_its_chapter():
    assert fences.parse_options("gru-objectives", "chapter: lstm") == {"chapter": "lstm"}
    with pytest.raises(fences.SuperFencesException, match="option 'chapter' must be one of"):
        fences.parse_options("gru-objectives", "chapter: transformer")
    config = (bank.ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    assert ("- name: gru-objectives\n          class: gru-objectives\n"
            "          format: !!python/name:sitegen.fences.gru_objectives") in config


def test_the_cache_key_follows_the_quizzes_of_the_pages_not_their_prose(tmp_path, monkeypatch):
    shutil.copytree(bank.DOCS, tmp_path / "docs", ignore=shutil.ignore_patterns("notebooks", "assets", "javascripts"))
    monkeypatch.setattr(cache, "ROOT", tmp_path)

    def digest():
        cache.quiz_fences_digest.cache_clear()
        return cache.quiz_fences_digest()

    try:
        page = tmp_path / "docs" / "gru.md"
        before = digest()
        page.write_text(page.read_text(encoding="utf-8").replace("The gated recurrent unit (GRU) was",
                                                                 "The GRU was"), encoding="utf-8")
        assert digest() == before
        page.write_text(page.read_text(encoding="utf-8").replace("title: Compute a gate by hand",
                                                                 "title: By hand"), encoding="utf-8")
        assert digest() != before
    finally:
        cache.quiz_fences_digest.cache_clear()
