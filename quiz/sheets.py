"""Printable question sheets and answer keys: one standalone HTML file per chapter.

The sheet is the site's static rendering of each question's first version (render.question_data:
the same prompt, options in the same order, math as MathML made by sitegen's latex_to_mathml), with
questions numbered and options lettered; the answer key lists each question's answer and its
explanation under the same numbers and letters. HTML rather than PDF: every browser prints it, the
MathML needs no TeX installation, and the file has no external resources (styles inline, system
math fonts), so it can be mailed or put on a course page as it is.
"""
import html

from . import bank, checks, render
from .export import exported

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"

STYLE = """
:root { color-scheme: light; }
body { font: 11pt/1.45 "Charter", "Bitstream Charter", "Georgia", "DejaVu Serif", serif; color: #111;
       max-width: 46rem; margin: 2rem auto; padding: 0 1rem; }
math { font-family: "Latin Modern Math", "STIX Two Math", "Cambria Math", "DejaVu Math TeX Gyre", math;
       font-size: 1.05em; }
h1 { font-size: 17pt; margin: 0 0 .2rem; }
.sub { color: #444; margin: 0 0 1.5rem; }
.question { break-inside: avoid; page-break-inside: avoid; margin: 0 0 1.4rem; }
.question h2 { font-size: 12pt; margin: 0 0 .3rem; }
.question p { margin: .3rem 0; }
ol.options, ol.items { list-style-type: upper-alpha; margin: .3rem 0 .3rem 1.5rem; padding-left: 1rem; }
ol.options li, ol.items li { margin: .15rem 0; padding-left: .3rem; }
.blank { margin: .6rem 0 0; }
.blank span { display: inline-block; min-width: 12rem; border-bottom: 1px solid #111; }
.answer { font-weight: bold; }
.explanation { margin-top: .2rem; }
code { font-family: "DejaVu Sans Mono", "Consolas", monospace; font-size: .92em; }
footer { color: #555; font-size: 10pt; border-top: 1px solid #bbb; margin-top: 2rem; padding-top: .4rem; }
@page { size: A4; margin: 18mm 16mm; }
@media print { body { margin: 0; max-width: none; } a { color: inherit; text-decoration: none; } }
"""

INSTRUCTIONS = {"single": "Choose one.", "multiple": "Choose every option that applies.",
                "numeric": "Give a number.", "order": "Write the letters in order, first to last.",
                "text": "Write a word or phrase."}


def chapter_title(chapter):
    """The first heading of the chapter's page, as the site titles it."""
    page = bank.DOCS / f"{chapter}.md"
    if page.exists():
        for line in page.read_text(encoding="utf-8").splitlines():
            if line.startswith("# "):
                return line[2:].strip()
    return chapter


def _answer_html(item, data, entry):
    """The first version's answer as HTML: letters and option text, a number, an order, spellings."""
    first, version = data["variants"][0], entry.versions[0]
    if entry.type in ("single", "multiple"):
        keys = [version.answer] if isinstance(version.answer, str) else list(version.answer)
        letters = {o["key"]: (LETTERS[i], o["html"]) for i, o in enumerate(first["options"])}
        return "; ".join(f'<span class="answer">{letters[k][0]}</span>: {letters[k][1]}' for k in keys)
    if entry.type == "numeric":
        number = checks.tex_number(version.answer, version.digits)
        margin = f" (within ±{version.margin:.6g})" if version.margin else " (exactly)"
        return f'<span class="answer">{html.escape(number)}</span>{margin}'
    if entry.type == "order":
        letters = {o["key"]: (LETTERS[i], o["html"]) for i, o in enumerate(first["items"])}
        return ("<span class=\"answer\">" + " ".join(letters[k][0] for k in version.answer) + "</span>: "
                + ", ".join(letters[k][1] for k in version.answer))
    return " or ".join(f'<span class="answer">{html.escape(s)}</span>' for s in version.answer)


def _question_html(number, item, data):
    first = data["variants"][0]
    q = item.question
    parts = [f'<section class="question" id="q-{q.id}"><h2>Question {number}</h2>', first["prompt"],
             f"<p><em>{INSTRUCTIONS[q.type]}</em></p>"]
    if "options" in first:
        parts.append('<ol class="options" type="A">' + "".join(f"<li>{o['html']}</li>" for o in first["options"])
                     + "</ol>")
    if "items" in first:
        parts.append('<ol class="items" type="A">' + "".join(f"<li>{i['html']}</li>" for i in first["items"])
                     + "</ol>")
    if q.type in ("numeric", "text", "order"):
        parts.append('<p class="blank">Answer: <span></span></p>')
    parts.append("</section>")
    return "".join(parts)


def _key_html(number, item, data, entry):
    first = data["variants"][0]
    return (f'<section class="question" id="a-{item.question.id}"><h2>Question {number}</h2>'
            f"<p>{_answer_html(item, data, entry)}</p>"
            f'<div class="explanation">{first["explanation"]}</div></section>')


def sheet(items, chapter, answers=False):
    """The standalone HTML of a chapter's question sheet (answers=False) or answer key (answers=True)."""
    name = chapter_title(chapter)
    kind = "Answer key" if answers else "Question sheet"
    body = []
    for number, item in enumerate(items, start=1):
        data = render.question_data(item)
        if answers:
            body.append(_key_html(number, item, data, exported(item, limit=1)))
        else:
            body.append(_question_html(number, item, data))
    generated = any(item.question.check in checks.GENERATORS and item.question.variants > 1 for item in items)
    note = " Generated questions show their first version." if generated else ""
    return ("<!DOCTYPE html>\n"
            f'<html lang="en"><head><meta charset="utf-8"><title>{html.escape(name)}: {kind}</title>'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"><style>{STYLE}</style></head>'
            f"<body><header><h1>{html.escape(name)}</h1><p class=\"sub\">{kind}: {len(items)} questions."
            f"{note}</p></header><main>{''.join(body)}</main>"
            f"<footer>GRU vs LSTM, chapter “{html.escape(chapter)}”: made by gru-quiz sheet from "
            f"quizzes/{html.escape(chapter)}.yml.</footer></body></html>\n")
