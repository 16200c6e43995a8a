"""The quiz widget's HTML: each question rendered for readers without JavaScript (and for print),
with every numbered version and its answer as JSON data for docs/javascripts/quiz.js.

Markup (the contract the script and the tests rely on):
  <div class="gr-quiz" data-quiz="{name}" [data-filters]>       one quiz; progress is kept per page and name;
                                                                data-filters: the script adds chapter/type filters
    <p class="gr-quiz-title">
    <section class="gr-q" id="q-{id}" data-id data-type data-chapter>
      <h3 class="gr-q-title">Question n</h3>                    no id: no search entry per question
      <p class="gr-q-source">                                  with data-filters only: the chapter and section
      <div class="gr-q-prompt" id="q-{id}-prompt">...</div>    the first version's prompt; labels the controls
      <ol class="gr-q-options">                                 single / multiple: the options as text
      <ul class="gr-q-items">                                   order: the items, shuffled
      <div class="gr-q-explanation" hidden>                     shown after answering
      <script type="application/json" class="gr-q-data">      question_data, less what the markup above holds
The script leaves the static prompt and lists in place (they are what prints) and adds the controls.
Site search (Material's data-search-exclude) indexes a chapter quiz's prompts only: never the
explanations (answers) or option lists, and nothing of a quiz that mixes chapters (Practice repeats them).

Data (question_data): {"id", "type", "chapter", "chapterTitle", "section", "sectionTitle", "href",
"variants": [...]}; each variant has "prompt" and "explanation" (HTML) and by type:
  single, multiple: "options": [{"key", "html", "feedback"}] in display order, "answer": a key or keys
  numeric: "answer", "digits", "bands": [{"low", "high", "verdict", "feedback"}] in the order they are
           tried (quiz/judging.py decides them; the script only looks a value up): verdict right,
           misconception (feedback: what to say) or close
  order:   "items": [{"key", "html"}] in display order, "answer": the keys in the right order
  text:    "answer": the accepted spellings (compared ignoring case and spacing)
The page's JSON leaves out version 0's prompt, explanation and option/item "html": the static
markup above holds them and the script reads them from there (page_data), so a page carries each
text once. All text is escaped or MathML made here; nothing from a quiz file reaches the page as markup.
"""
import functools
import html
import re

import numpy as np

from sitegen.inline import blocks_html, inline_html, script_json

from . import bank, checks, judging
from . import misconceptions as mis

PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")


def fill(text, values, where):
    """Put a version's values into {{name}} placeholders; an unknown name is an error, not a blank."""
    def value(match):
        name = match.group(1)
        if name not in values:
            raise ValueError(f"{where}: placeholder {{{{{name}}}}} has no value; the check provides "
                             f"{sorted(values)}")
        return values[name]
    return PLACEHOLDER.sub(value, text)


def _order(keys, question_id):
    """A fixed shuffle per question: the right option is not always first, and every build agrees."""
    rng = np.random.default_rng(checks.variant_seed(question_id, -1))
    return [keys[k] for k in rng.permutation(len(keys))]


def _misconception_feedback(name):
    return inline_html(mis.feedback(name))


def _variant_data(item, variant, index):
    q = item.question
    where = item.where()
    values = variant.values if variant else {}
    data = {"prompt": blocks_html(fill(q.prompt, values, where)),
            "explanation": blocks_html(fill(q.explanation, values, where))}
    if q.type in ("single", "multiple"):
        if variant is not None and variant.options:
            digits = int(q.params.get("decimals", 3))
            options = [{"key": o.key, "html": inline_html(checks.option_text(o.value, digits)),
                        "feedback": _misconception_feedback(o.misconception) if o.misconception
                        else inline_html(o.feedback)} for o in variant.options]
            answer = variant.answer
        else:
            options = [{"key": o.key, "html": inline_html(fill(o.text, values, where)),
                        "feedback": inline_html(fill(o.feedback, values, where))} for o in q.options]
            answer = q.answer
        by_key = {o["key"]: o for o in options}
        data["options"] = [by_key[k] for k in _order(list(by_key), f"{q.id}/{index}")]
        data["answer"] = answer
    elif q.type == "numeric":
        answer = variant.answer if variant is not None else q.answer
        wrong = variant.wrong if variant is not None else {}
        bands = judging.bands(float(answer), q.digits, q.tolerance.absolute, q.tolerance.relative, wrong)
        data.update(answer=float(answer), digits=q.digits, bands=[
            {"low": b.low, "high": b.high, "verdict": b.verdict,
             "feedback": _misconception_feedback(b.misconception) if b.misconception else None} for b in bands])
    elif q.type == "order":
        items = {i.key: inline_html(i.text) for i in q.items}
        data["items"] = [{"key": k, "html": items[k]} for k in _order(list(items), f"{q.id}/{index}")]
        data["answer"] = q.answer
    else:
        data["answer"] = list(q.answer)
    return data


def _headings(chapter):
    """(page title, {heading id: heading text}) of docs/<chapter>.md."""
    title, names = bank.page_headings(bank.DOCS / f"{chapter}.md")
    return title or chapter, names


def question_data(item):
    """Everything the widget needs for one question: one entry per numbered version."""
    q = item.question
    generated = q.check in checks.GENERATORS
    versions = checks.variants(q) if generated else [None]
    title, sections = _headings(item.chapter)
    # Pages are <chapter>.html side by side (mkdocs.yml: use_directory_urls: false), so this link
    # works from every page of the site.
    return {"id": q.id, "type": q.type, "chapter": item.chapter, "chapterTitle": title,
            "section": q.section, "sectionTitle": sections.get(q.section, q.section),
            "href": f"{item.chapter}.html#{q.section}",
            "variants": [_variant_data(item, v, k) for k, v in enumerate(versions)]}


# Material's search skips an element with this attribute (and whatever it holds, as long as no element
# of the same tag is nested in it: its parser matches elements by tag).
NO_SEARCH = " data-search-exclude"


def _static(data, mixed=False):
    """The first version as plain HTML: what a reader without JavaScript, or a printer, gets.
    mixed: a quiz of several chapters, which names each question's section and stays out of search."""
    first = data["variants"][0]
    qid = html.escape(data["id"])
    parts = []
    if mixed:
        parts.append(f'<p class="gr-q-source"{NO_SEARCH}><a href="{html.escape(data["href"])}">'
                     f'{html.escape(data["chapterTitle"])}: {html.escape(data["sectionTitle"])}</a></p>')
    parts.append(f'<div class="gr-q-prompt" id="q-{qid}-prompt"{NO_SEARCH if mixed else ""}>{first["prompt"]}</div>')
    if "options" in first:
        parts.append(f'<ol class="gr-q-options" type="A"{NO_SEARCH}>'
                     + "".join(f'<li data-key="{html.escape(o["key"])}">{o["html"]}</li>' for o in first["options"])
                     + "</ol>")
    if "items" in first:
        parts.append(f'<ul class="gr-q-items"{NO_SEARCH}>'
                     + "".join(f'<li data-key="{html.escape(i["key"])}">{i["html"]}</li>' for i in first["items"])
                     + "</ul>")
    parts.append(f'<div class="gr-q-explanation" hidden{NO_SEARCH}>{first["explanation"]}</div>')
    return "".join(parts)


def page_data(data):
    """question_data as the page's JSON carries it: without version 0's HTML, which the static markup holds."""
    first = {key: value for key, value in data["variants"][0].items() if key not in ("prompt", "explanation")}
    for name in ("options", "items"):
        if name in first:
            first[name] = [{key: value for key, value in o.items() if key != "html"} for o in first[name]]
    return {**data, "variants": [first, *data["variants"][1:]]}


def question_anchor(question_id):
    """The id of a question's <section> on the page that shows it: what a link to the question names."""
    return f"q-{question_id}"


def quiz_html(items, name, title="Check yourself", filters=False):
    """The questions as one quiz; filters: the script offers chapter and type filters, and each
    question names the chapter and section it comes from (for a page that mixes chapters)."""
    sections = []
    for number, item in enumerate(items, start=1):
        data = question_data(item)
        q = item.question
        qid = html.escape(q.id)
        sections.append(
            f'<section class="gr-q" id="{html.escape(question_anchor(q.id))}" data-id="{qid}" data-type="{q.type}" '
            f'data-chapter="{html.escape(item.chapter)}"><h3 class="gr-q-title">Question {number}</h3>'
            + _static(data, mixed=filters)
            + f'<script type="application/json" class="gr-q-data">{script_json(page_data(data))}</script></section>')
    return (f'<div class="gr-quiz" data-quiz="{html.escape(name)}"{" data-filters" if filters else ""}>'
            f'<p class="gr-quiz-title">{html.escape(title)}</p>{"".join(sections)}</div>')


@functools.lru_cache(maxsize=1)
def _bank():
    # Loaded (and every check run) once per build; the serve hook reloads this module before each build.
    return tuple(bank.load_bank())


def fence_html(chapter, section=None, title="Check yourself", skip=None):
    """The `gru-quiz` fence: a chapter's questions (chapter "all": every chapter's), or one section's.

    skip: comma-separated sections left out, because a quiz of their own sits on the same page.
    """
    chosen, name = _chosen(chapter, section, skip)
    return quiz_html(chosen, name, title, filters=chapter == "all")


def _chosen(chapter, section=None, skip=None):
    """The questions a `gru-quiz` fence with these options shows, in order, and the quiz's name."""
    skipped = {s.strip() for s in (skip or "").split(",") if s.strip()}
    in_chapter = [item for item in _bank() if chapter in ("all", item.chapter)]
    sections = {item.question.section for item in in_chapter}
    unknown = sorted(skipped - sections) + ([section] if section is not None and section not in sections else [])
    if unknown:
        raise ValueError(f"no question of chapter {chapter!r} has section(s) {unknown}; sections with questions: "
                         f"{sorted(sections)}")
    chosen = [item for item in in_chapter if item.question.section not in skipped
              and (section is None or item.question.section == section)]
    name = chapter if section is None else f"{chapter}#{section}"
    return chosen, name


# ---------------------------------------------------------------- learning objectives

def page_quizzes(chapter):
    """Where the `gru-quiz` fences of docs/<chapter>.md show each question on that page:
    {question id: (quiz's place on the page from 0, quiz title, the question's number in it)}."""
    from sitegen.cache import QUIZ_FENCE  # the cache keys the objectives on these fences
    from sitegen.fences import parse_options

    text = (bank.DOCS / f"{chapter}.md").read_text(encoding="utf-8")
    places = {}
    for place, match in enumerate(QUIZ_FENCE.finditer(text)):
        options = parse_options("gru-quiz", match.group(1))
        chosen, _ = _chosen(options["chapter"], options["section"], options["skip"])
        for number, item in enumerate(chosen, start=1):
            places.setdefault(item.question.id, (place, options["title"], number))
    return places


@functools.lru_cache(maxsize=1)
def _objectives():
    from . import objectives
    return objectives.load_objectives(items=_bank())


def objectives_html(chapter):
    """The `gru-objectives` fence: the chapter's learning objectives (quizzes/objectives.yml) as an
    admonition for the top of its page, titled "After this chapter you can".

    Each objective's text links to the section that teaches it (`#anchor`: the block belongs on its
    chapter's page) and is followed by links to the questions that practise it, where the page's
    own quizzes show them (`#q-{id}`), numbered as those quizzes number them and in page order;
    with several quizzes on the page, each group of numbers is named by its quiz's title.
    """
    places = page_quizzes(chapter)
    several = len({place for place, _, _ in places.values()}) > 1
    entries = []
    for located in _objectives()[chapter]:
        o = located.objective
        missing = [q for q in o.questions if q not in places]
        if missing:
            raise ValueError(f"{located.where()}: question(s) {missing} are in no quiz on docs/{chapter}.md; "
                             f"an objective links to the questions its chapter's page shows")
        groups = {}
        for question_id in sorted(o.questions, key=lambda q: (places[q][0], places[q][2])):
            place, title, number = places[question_id]
            groups.setdefault((place, title), []).append(
                f'<a href="#{html.escape(question_anchor(question_id))}"><span class="gr-sr">Question </span>'
                f'{number}</a>')
        practice = "; ".join((f"{html.escape(title)} " if several else "") + ", ".join(links)
                             for (_, title), links in groups.items())
        entries.append(f'<li><a href="#{html.escape(o.section)}">{inline_html(o.text)}</a> '
                       f'<small class="gr-objective-practice"{NO_SEARCH}>Practice: {practice}</small></li>')
    return ('<div class="admonition abstract gr-objectives"><p class="admonition-title">After this chapter you can</p>'
            f'<ol>{"".join(entries)}</ol></div>')
