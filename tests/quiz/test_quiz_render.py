"""The quiz markup (quiz/render.py): static questions that need no script, JSON that cannot end its
<script> early, nothing from a quiz file reaching the page as markup, and the data the widget reads."""
import inspect
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from quiz import bank, render

FIXTURE_BANK = Path(__file__).parent / "widget_bank" / "gru.yml"


@pytest.fixture(scope="module")
def items():
    return {item.question.id: item for item in bank.load_file(FIXTURE_BANK, "gru")}


@pytest.fixture(scope="module")
def markup(items):
    return render.quiz_html(list(items.values()), "fixture", "Fixture <quiz>")


class Elements(HTMLParser):
    """Every start tag with its attributes, and the text of each <script>."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.scripts, self._in_script = [], [], False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "script":
            self._in_script = True
            self.scripts.append("")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.scripts[-1] += data


def parse(text):
    parser = Elements()
    parser.feed(text)
    parser.close()
    return parser


def page_json(markup):
    return [json.loads(script) for script in parse(markup).scripts]


def test_fence_html_keeps_its_signature():
    assert str(inspect.signature(render.fence_html)) == "(chapter, section=None, title='Check yourself', skip=None)"


def test_every_question_has_the_markup_the_script_relies_on(markup, items):
    tags = parse(markup).tags
    quiz = [attrs for tag, attrs in tags if "gr-quiz" in (attrs.get("class") or "").split()]
    assert quiz == [{"class": "gr-quiz", "data-quiz": "fixture"}]
    sections = [attrs for tag, attrs in tags if tag == "section"]
    assert [s["data-id"] for s in sections] == list(items)
    for s in sections:
        qid = s["data-id"]
        assert s == {"class": "gr-q", "id": f"q-{qid}", "data-id": qid, "data-type": items[qid].question.type,
                     "data-chapter": "gru"}  # no accessible name: 100 questions are not 100 landmarks
    ids = [attrs["id"] for _, attrs in tags if "id" in attrs]
    assert len(ids) == len(set(ids)), "duplicate ids"
    for qid in items:
        assert f'<div class="gr-q-prompt" id="q-{qid}-prompt">' in markup
    # headings without ids: Material's search makes an entry of every heading with an id
    assert markup.count('<h3 class="gr-q-title">Question ') == len(items)
    # the explanation is there for the script, hidden from readers without it and from search
    assert markup.count('<div class="gr-q-explanation" hidden data-search-exclude>') == len(items)
    assert "&lt;quiz&gt;" in markup


def test_static_lists_show_options_and_items_without_answers(markup, items):
    for qid, item in items.items():
        section = re.search(rf'<section[^>]*data-id="{qid}".*?</section>', markup, re.DOTALL).group(0)
        static = section.split('<div class="gr-q-explanation"')[0]
        q = item.question
        options = getattr(q, "options", None) or ()
        if options:
            assert '<ol class="gr-q-options" type="A" data-search-exclude>' in static
            assert static.count("<li data-key=") == len(options)
        if q.type == "order":
            assert '<ul class="gr-q-items" data-search-exclude>' in static
            assert static.count("<li data-key=") == len(q.items)
        if q.type in ("numeric", "text"):
            assert "<li" not in static
        for option in options:  # per-option feedback is only in the data
            assert render.inline_html(option.feedback) not in static


def test_the_json_cannot_end_its_script_element_and_reads_back(markup):
    scripts = re.findall(r'<script type="application/json" class="gr-q-data">(.*?)</script>', markup, re.DOTALL)
    assert len(scripts) == len(page_json(markup)) == 8
    for text in scripts:
        assert "</" not in text and "<!--" not in text
        json.loads(text)


def test_nothing_from_a_quiz_file_becomes_markup(markup, items):
    parsed = parse(markup)
    assert [tag for tag, _ in parsed.tags].count("script") == len(items)  # only the JSON data blocks
    assert not [tag for tag, _ in parsed.tags if tag in ("img", "b", "i", "iframe", "style")]
    assert not [(tag, name) for tag, attrs in parsed.tags for name in attrs if name.startswith("on")]
    inert = next(data for data in page_json(markup) if data["id"] == "w-inert")
    everything = json.dumps(inert)
    assert "<script>" not in everything and "<img" not in everything and "<b>" not in everything
    assert "&lt;script&gt;window.pwned = 1&lt;/script&gt;" in markup


def test_the_page_json_holds_what_the_markup_does_not(markup, items):
    """Version 0's prompt, explanation and option texts are in the markup only; later versions in the JSON."""
    for data in page_json(markup):
        item = items[data["id"]]
        full = render.question_data(item)
        assert render.page_data(full) == data
        first = data["variants"][0]
        assert "prompt" not in first and "explanation" not in first
        assert all("html" not in o for o in first.get("options", []) + first.get("items", []))
        assert full["variants"][0]["prompt"] in markup and full["variants"][0]["explanation"] in markup
        for later, whole in zip(data["variants"][1:], full["variants"][1:]):
            assert later == whole and "prompt" in later
        assert {key: data[key] for key in ("chapter", "section", "href")} == {
            "chapter": "gru", "section": item.question.section, "href": f"gru.html#{item.question.section}"}
        assert data["chapterTitle"] == "The gated recurrent unit"
        assert data["sectionTitle"] == render._headings("gru")[1][item.question.section]


def test_data_per_type(markup):
    data = {d["id"]: d for d in page_json(markup)}
    single = data["w-single"]["variants"][0]
    assert single["answer"] == "previous" and {o["key"] for o in single["options"]} == {"previous", "candidate", "zero"}
    assert all(o["feedback"] for o in single["options"])
    assert data["w-multiple"]["variants"][0]["answer"] == ["update", "reset"]
    numeric = data["w-numeric"]["variants"][0]
    assert (numeric["answer"], numeric["digits"]) == (-0.73, 2)
    assert [(b["verdict"], b["feedback"]) for b in numeric["bands"]] == [("right", None), ("close", None),
                                                                         ("close", None)]
    right, close, rounding = numeric["bands"]
    assert right["low"] == pytest.approx(-0.73 - 0.0015) and right["high"] == pytest.approx(-0.73 + 0.0015)
    assert close["low"] == pytest.approx(-0.73 - 0.015) and rounding["high"] == pytest.approx(-0.65)
    generated = data["w-generated"]["variants"]
    assert len(generated) == 3 and len({v["answer"] for v in generated}) == 3
    mistakes = [b for v in generated for b in v["bands"] if b["verdict"] == "misconception"]
    assert mistakes and all(b["feedback"].startswith("This is what ") for b in mistakes)
    assert data["w-order"]["variants"][0]["answer"] == ["gates", "candidate", "mix", "output"]
    assert sorted(i["key"] for i in data["w-order"]["variants"][0]["items"]) == sorted(
        ["gates", "candidate", "mix", "output"])
    assert data["w-text"]["variants"][0]["answer"] == ["update gate", "u_t"]


def test_options_are_shuffled_the_same_on_every_build(items):
    first = render.question_data(items["w-order"])
    again = render.question_data(items["w-order"])
    assert first == again
    order = [i["key"] for i in first["variants"][0]["items"]]
    assert order != first["variants"][0]["answer"]  # this fixture's fixed shuffle is not the answer


def test_a_mixed_quiz_has_filters_and_names_each_questions_section(items):
    mixed = render.quiz_html(list(items.values()), "all", filters=True)
    assert 'data-quiz="all" data-filters>' in mixed
    sources = re.findall(r'<p class="gr-q-source" data-search-exclude><a href="([^"]+)">([^<]+)</a></p>', mixed)
    assert len(sources) == len(items)
    assert ("gru.html#the-update-gate", "The gated recurrent unit: The update gate") in sources
    assert mixed.count('<div class="gr-q-prompt" id="q-w-single-prompt" data-search-exclude>') == 1
    assert "gr-q-source" not in render.quiz_html(list(items.values()), "gru")


def test_section_titles_come_from_the_chapter_page():
    title, sections = render._headings("gru")
    assert title == "The gated recurrent unit"
    assert sections["the-update-gate"] == "The update gate"
    assert render._headings("no-such-chapter") == ("no-such-chapter", {})
