"""A chapter's slide deck (reveal.js, vendored in docs/javascripts/reveal/), made from the chapter's
rendered page: never a second copy of the notes.

deck_html(chapter, page_html, page_url) takes the HTML MkDocs wrote for the chapter (the fences have
already drawn its diagrams, MathML, worked examples and quizzes) and returns the deck:
  - a title slide: the chapter's title and its learning objectives (the gru-objectives fence);
  - per H2 section (an H3 starts a new slide): the section's display equations, figures, tables,
    worked examples and code, packed into as many slides as keep them at a readable size; the
    section's prose (paragraphs, lists, admonitions) becomes the speaker notes of the slide showing
    what it introduces, and a list of that prose (its key points) is also shown on that slide when it
    fits there whole. A section with nothing to show shows its first list (or paragraph);
  - a few of the chapter's quiz questions, whose answer and explanation appear on the next step.
Everything shown is the page's own markup, moved, never rewritten; only links are re-aimed from the
deck's folder. What the page keeps folded (a worked example's per-step <details>) and what needs the
page's scripts (the explorable's controls, the quiz widget) stay on the page.

Plain Python, no MkDocs: sitegen/mkdocs_hooks.py hands over each chapter's output and writes the decks.
"""
import html
import json
import posixpath

from selectolax.lexbor import LexborHTMLParser

from quiz import bank
from sitegen.mathml import DISPLAY_CLASS

CHAPTERS = bank.CHAPTERS  # every chapter has a page, questions and a deck
FOLDER = "slides"
WIDTH, HEIGHT = 1280, 720  # reveal.js lays a slide out at this size and scales it to the screen
QUIZ_SLIDES = 3
# Vertical room for a slide's content under its title, in CSS px at the deck's size (slides.css:
# title, margins). Heights below are estimates from the markup, checked by tests/site/test_slides.py,
# which fails on any slide that overflows.
ROOM = 560
STYLESHEETS = ("javascripts/reveal/reveal.css", "stylesheets/site.css", "stylesheets/diagrams.css",
               "stylesheets/generated.css", "stylesheets/slides.css")
SCRIPTS = ("javascripts/reveal/reveal.js", "javascripts/reveal/plugin/notes.js")
ANSWERABLE = ("single", "multiple")  # questions whose options a slide can show and mark
LINK_CLASS = "gr-slides-link"  # the chapter's link to its deck, which the deck leaves out
ICON = "assets/images/favicon.png"  # Material's, as the pages have it


class SlidesError(ValueError):
    pass


def deck_path(chapter):
    """The deck's path in the site."""
    return f"{FOLDER}/{chapter}.html"


# --- reading the page ---------------------------------------------------------------------------


def _classes(node):
    return set((node.attributes.get("class") or "").split())


def _text(node):
    return " ".join(node.text(deep=True).split())


def _heading_text(node):
    for link in node.css("a.headerlink"):
        link.decompose()
    return _text(node)


# Classes of the blocks the deck knows (it shows them, reads them or leaves them on the page). A <div> of
# none of these is a wrapper (e.g. md_in_html's), whose blocks the deck takes as if they stood outside it.
KNOWN = {"admonition", "highlight", DISPLAY_CLASS, "gr-scroll", "gr-worked", "gr-explore", "gr-quiz",
         "gr-objectives", "gr-exercises"}
ON_THE_PAGE = {"gr-quiz", "gr-exercises"}  # practice, which needs the page (its script, its folded solutions)


def _blocks(parent):
    for node in parent.iter():
        if node.tag == "div" and not _classes(node) & KNOWN:
            yield from _blocks(node)
        elif node.is_element_node:
            yield node


class _Page:
    """The chapter's article, with its links re-aimed from the deck's folder."""

    def __init__(self, chapter, page_html, page_url):
        self.chapter = chapter
        document = LexborHTMLParser(page_html)
        self.root = document.css_first("article") or document.body  # a whole page, or its content only
        self.url = page_url
        for link in self.root.css("a[href]"):
            link.attrs["href"] = self._from_deck(link.attributes["href"])
        self.blocks = list(_blocks(self.root))
        title = next((node for node in self.blocks if node.tag == "h1"), None)
        if title is None:
            raise self.error("no <h1> title (expected the chapter's rendered page)")
        self.title = _heading_text(title)

    def _from_deck(self, href):
        if "://" in href or href.startswith(("mailto:", "/")):
            return href
        target = self.url + href if href.startswith("#") else posixpath.join(posixpath.dirname(self.url), href)
        return posixpath.relpath(target.split("#")[0], FOLDER) + ("#" + href.split("#", 1)[1] if "#" in href else "")

    def error(self, what):
        return SlidesError(f"slides for {self.chapter} ({self.url}): {what}")


# --- what a slide shows, and how tall it is -------------------------------------------------------


def _math_rows(node):
    """Lines of a display formula: the rows of an aligned block, one otherwise; a fraction or a
    matrix makes its line about twice as tall."""
    table = node.css_first("math > mrow > mtable, math > mtable")
    rows = table.css("mtable > mtr") if table is not None else []
    lines = [row for row in rows if row.parent == table] or [node]  # lexbor's nodes compare by ==, not is
    return sum(2 if line.css_first("mfrac, mtable") else 1 for line in lines)


def _height(node):
    """Estimated height in px of one block on a slide."""
    classes = _classes(node)
    if DISPLAY_CLASS in classes:
        return 20 + 56 * _math_rows(node)
    if node.tag == "figure":
        return ROOM  # slides.css fits a figure to the slide: it has the slide to itself
    if node.tag == "tr":  # a worked example's row writes its formula, then the numbers, on lines of their own
        matrix = max((len(m.css("mtr")) for m in node.css("mtable")), default=0)
        lines = max(len(node.css(".gr-formula, .gr-with")), matrix, 1 + len(_text(node)) // 70)
        return 18 + 31 * lines
    if node.tag == "p":  # a line of a worked example's given values
        matrix = max((len(m.css("mtr")) for m in node.css("mtable")), default=0)
        return 14 + 34 * max(matrix, 1)
    if node.tag in ("ul", "ol"):
        return sum(_height(item) for item in node.css("li"))
    return 10 + 40 * (1 + len(_text(node)) // 66)  # a line of text holds about 66 characters


class _Piece:
    """Markup shown on a slide, with its estimated height."""

    def __init__(self, markup, height):
        self.markup, self.height = markup, height


def _start_tag(node):
    attributes = "".join(f' {name}="{html.escape(value or "", quote=True)}"' if value is not None else f" {name}"
                         for name, value in node.attributes.items())
    return f"<{node.tag}{attributes}>"


def _table_pieces(wrapper):
    """A table as pieces of rows that fit a slide; each piece repeats the caption and the header."""
    table = wrapper.css_first("table")
    head = "".join(part.html for part in table.css("caption, thead"))
    head_height = 50 * len(table.css("caption, thead tr"))
    rows = table.css("tbody > tr") or table.css("tr")
    pieces, chunk, used = [], [], head_height
    for row in rows:
        height = _height(row)
        if chunk and used + height > ROOM:
            pieces.append((chunk, used))
            chunk, used = [], head_height
        chunk.append(row.html)
        used += height
    pieces.append((chunk, used))
    return [_Piece(f'{_start_tag(wrapper)}{_start_tag(table)}{head}<tbody>{"".join(chunk)}</tbody></table></div>',
                   used) for chunk, used in pieces]


CODE_LINE, CODE_LINES = 27, 18  # slides.css: 20 px code at 1.35 line height; under a file name


def _code_lines(code):
    """The lines of a highlighted block, each as markup: Pygments' spans hold text only, so a span
    that runs over a line end is closed at it and opened again on the next line."""
    lines = [""]
    for child in code.iter(include_text=True):
        text = child.text(deep=True)
        for number, part in enumerate(text.split("\n")):
            if number:
                lines.append("")
            if part:
                lines[-1] += html.escape(part, quote=False) if child.is_text_node else \
                    f"{_start_tag(child)}{html.escape(part, quote=False)}</{child.tag}>"
    return lines[:-1] if lines[-1] == "" else lines


def _code_pieces(block):
    """A code block as pieces of CODE_LINES lines, each under the block's file name."""
    code = block.css_first("pre code")
    name = block.css_first(".filename")
    lines = _code_lines(code)
    return [_Piece(f'{_start_tag(block)}{name.html if name is not None else ""}<pre><code>'
                   + "\n".join(lines[start:start + CODE_LINES]) + "</code></pre></div>",
                   40 + CODE_LINE * len(lines[start:start + CODE_LINES]))
            for start in range(0, len(lines), CODE_LINES)]


def _shown(node):
    """The pieces a block puts on slides (empty for prose and for what stays on the page)."""
    classes = _classes(node)
    if "highlight" in classes and node.css_first("pre code") is not None:
        return _code_pieces(node)
    if DISPLAY_CLASS in classes or node.tag == "figure":
        return [_Piece(node.html, _height(node))]
    if "gr-scroll" in classes and node.css_first("table") is not None:
        return _table_pieces(node)
    if "gr-worked" in classes:  # the given values line by line, then each table; <details> stay folded
        given = node.css_first(".gr-given")
        pieces = [_Piece(f'<div class="gr-given">{line.html}</div>', _height(line))
                  for line in (given.css("p") if given is not None else [])]
        for child in node.iter():
            if "gr-scroll" in _classes(child):
                pieces += _table_pieces(child)
        return pieces
    if "gr-explore" in classes:  # the step's diagram with its values; the controls need the page's script
        figure = node.css_first("figure")
        return [_Piece(figure.html, ROOM)] if figure is not None else []
    return []


def _is_prose(node):
    return node.tag in ("p", "ul", "ol", "dl", "blockquote") or "admonition" in _classes(node)


# --- slides ---------------------------------------------------------------------------------------


class _Slide:
    def __init__(self, title, subtitle=None, anchor=None):
        self.title, self.subtitle, self.anchor = title, subtitle, anchor
        self.pieces, self.notes, self.used = [], [], 0

    def fits(self, piece):
        return not self.pieces or self.used + piece.height <= ROOM

    def add(self, piece):
        self.pieces.append(piece.markup)
        self.used += piece.height

    def html(self):
        anchor = f' id="{html.escape(self.anchor)}"' if self.anchor else ""
        subtitle = f'<p class="gr-slide-sub">{html.escape(self.subtitle)}</p>' if self.subtitle else ""
        notes = f'<aside class="notes">{"".join(self.notes)}</aside>' if self.notes else ""
        return (f'<section class="gr-slide"{anchor}><h2>{html.escape(self.title)}</h2>{subtitle}'
                f'<div class="gr-slide-body">{"".join(self.pieces)}</div>{notes}</section>')


def _section_slides(title, anchor, blocks):
    """One H2 section's slides: its shown blocks packed in order, each H3 starting a new slide, and
    its prose as notes of the slide that shows what the prose introduces (what follows it). A slide
    whose blocks have no prose of their own (a long block going on, a second figure) repeats the
    last prose as its notes: the lecturer is still talking about it."""
    slides, pending, introduced, subtitle = [], [], [], None
    current = None
    for node in blocks:
        if node.tag == "h3":
            subtitle, current = _heading_text(node), None
            continue
        if _is_prose(node):
            pending.append(node.html)
            continue
        introduced = pending or introduced
        for piece in _shown(node):
            if current is None or not current.fits(piece):
                current = _Slide(title, subtitle, anchor if not slides else None)
                slides.append(current)
                pending = pending or introduced  # a block going on over slides: its introduction again
            current.add(piece)
            current.notes += pending
            pending = []
    practice = [n for n in blocks if _classes(n) & ON_THE_PAGE]
    if not slides and practice and all(n in practice or n.tag == "p" for n in blocks):
        return []  # a section for practice (some of the quiz's questions close the deck)
    if not slides:  # nothing to show: the section's first list (an admonition's too) says it in short
        lists = [found for n in blocks if _is_prose(n)
                 for found in ([n] if n.tag in ("ul", "ol") else n.css("ul, ol"))]
        paragraph = next((n for n in blocks if n.tag == "p"), None) or next((n for n in blocks if _is_prose(n)), None)
        if not lists and paragraph is None:
            raise SlidesError(f"section {title!r} has nothing a slide could show (no figure, formula, "
                              "table, code, list or paragraph)")
        pieces = _list_pieces(lists[0]) if lists else [_Piece(paragraph.html, 0)]
        for piece in pieces:
            slides.append(_Slide(title, None, None if slides else anchor))
            slides[-1].add(piece)
            slides[-1].notes += pending
        return slides
    slides[-1].notes += pending
    _show_key_points(slides, blocks)
    return slides


def _show_key_points(slides, blocks):
    """A list in the section's prose is its key points in short: shown on the slide whose notes hold
    it, under what the slide shows, when it fits there whole (it stays in the notes too)."""
    for node in blocks:
        if node.tag not in ("ul", "ol"):
            continue
        pieces = _list_pieces(node)
        slide = next((slide for slide in slides if node.html in slide.notes), None)
        if slide is not None and len(pieces) == 1 and slide.used + pieces[0].height <= ROOM:
            slide.add(pieces[0])


def _list_pieces(node):
    """A list as pieces of items that fit a slide (an <ol> numbers each piece on from the last)."""
    pieces, chunk, used, first = [], [], 0, 1
    for item in node.css(f"{node.tag} > li"):
        if chunk and used + _height(item) > ROOM:
            pieces.append((first, chunk, used))
            first, chunk, used = first + len(chunk), [], 0
        chunk.append(item.html)
        used += _height(item)
    pieces.append((first, chunk, used))
    numbered = node.tag == "ol"
    return [_Piece(f"<{node.tag}" + (f' start="{start}"' if numbered and start > 1 else "") + f'>{"".join(items)}'
                   f"</{node.tag}>", used) for start, items, used in pieces]


def _sections(page):
    """(title, anchor, blocks) of each H2 section, and the blocks before the first H2."""
    intro, sections = [], []
    for node in page.blocks:
        if node.tag == "h2":
            sections.append((_heading_text(node), node.attributes.get("id"), []))
        elif sections:
            sections[-1][2].append(node)
        else:
            intro.append(node)
    if not sections:
        raise page.error("its page has no H2 section to make slides of")
    return intro, sections


def _title_slide(page, intro):
    objectives = next((n for n in intro if "gr-objectives" in _classes(n)), None)
    if objectives is None or objectives.css_first("ol") is None:
        raise page.error("no learning objectives under the title (expected a gru-objectives fence's list)")
    items = "".join(f"<li>{(item.css_first('a') or item).inner_html}</li>" for item in objectives.css("ol > li"))
    heading = _text(objectives.css_first(".admonition-title") or objectives)
    notes = "".join(n.html for n in intro if n.tag == "p" and n.css_first(f"a.{LINK_CLASS}") is None)
    return (f'<section class="gr-slide gr-title-slide"><h1>{html.escape(page.title)}</h1>'
            f'<p class="gr-slide-sub">{html.escape(heading)}</p><ol class="gr-objectives-list">{items}</ol>'
            f'<p class="gr-slide-back"><a href="{html.escape(posixpath.relpath(page.url, FOLDER))}">The chapter'
            f" as notes</a></p>" + (f'<aside class="notes">{notes}</aside>' if notes else "") + "</section>")


def _question_fits(question):
    prompt = question.css_first(".gr-q-prompt")
    options = question.css("ol.gr-q-options > li")
    explanation = question.css_first(".gr-q-explanation")
    if prompt is None or not options or explanation is None or prompt.css_first("table, mtable"):
        return False
    return _height(prompt) + sum(_height(o) for o in options) + _height(explanation) * 0.8 <= ROOM - 60


def _quiz_slides(page):
    """QUIZ_SLIDES of the page's answerable questions that fit a slide, from different sections."""
    chosen, sections = [], set()
    for question in page.root.css(".gr-quiz section.gr-q"):
        if question.attributes.get("data-type") not in ANSWERABLE or not _question_fits(question):
            continue
        data = json.loads(question.css_first("script.gr-q-data").text(deep=True))
        if data["section"] in sections:
            continue
        sections.add(data["section"])
        chosen.append((question, data))
        if len(chosen) == QUIZ_SLIDES:
            break
    if len(chosen) < 2:
        raise page.error(f"found {len(chosen)} quiz questions with options that fit a slide (expected at "
                         f"least 2 of type {' or '.join(ANSWERABLE)} from a gru-quiz fence)")
    return [_quiz_slide(question, data, number) for number, (question, data) in enumerate(chosen, start=1)]


def _quiz_slide(question, data, number):
    first = data["variants"][0]
    answer = first["answer"] if isinstance(first["answer"], list) else [first["answer"]]
    feedback = {option["key"]: option["feedback"] for option in first["options"]}
    options, notes = [], []
    for option in question.css("ol.gr-q-options > li"):
        key = option.attributes["data-key"]
        right = ' class="gr-slide-correct"' if key in answer else ""
        options.append(f'<li data-key="{html.escape(key)}"{right}>{option.inner_html}</li>')
        notes.append(f"<li>{feedback[key]}</li>")
    letters = ", ".join(chr(ord("A") + i) for i, option in enumerate(question.css("ol.gr-q-options > li"))
                        if option.attributes["data-key"] in answer)
    return (f'<section class="gr-slide gr-quiz-slide" data-question="{html.escape(data["id"])}">'
            f"<h2>Check yourself {number}</h2>"
            f'<div class="gr-slide-body">{question.css_first(".gr-q-prompt").inner_html}'
            f'<ol class="gr-q-options" type="A">{"".join(options)}</ol>'
            f'<div class="fragment gr-slide-answer"><p><strong>Answer: {letters}.</strong></p>'
            f'{question.css_first(".gr-q-explanation").inner_html}</div></div>'
            f'<aside class="notes"><p>What each option tells the reader who picks it:</p>'
            f'<ol type="A">{"".join(notes)}</ol></aside></section>')


# --- the deck -------------------------------------------------------------------------------------

SCHEME = """const dark = matchMedia("(prefers-color-scheme: dark)");
const scheme = () => document.body.setAttribute("data-md-color-scheme", dark.matches ? "slate" : "default");
scheme(); dark.addEventListener("change", scheme);"""


def deck_html(chapter, page_html, page_url):
    """The deck of one chapter, from the HTML of its built page at site path page_url ("gru.html")."""
    page = _Page(chapter, page_html, page_url)
    intro, sections = _sections(page)
    slides = [_title_slide(page, intro)]
    for title, anchor, blocks in sections:
        try:
            slides += [slide.html() for slide in _section_slides(title, anchor, blocks)]
        except SlidesError as error:
            raise page.error(str(error)) from None
    slides += _quiz_slides(page)
    up = posixpath.relpath(".", FOLDER)
    links = "".join(f'<link rel="stylesheet" href="{up}/{sheet}">' for sheet in STYLESHEETS)
    scripts = "".join(f'<script src="{up}/{script}"></script>' for script in SCRIPTS)
    config = json.dumps({"width": WIDTH, "height": HEIGHT, "hash": True, "center": False, "transition": "fade",
                         "slideNumber": "c/t", "pdfSeparateFragments": False})  # print: a slide on one page
    return (f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<title>{html.escape(page.title)}: slides</title><link rel="icon" href="{up}/{ICON}">{links}</head>'
            f'<body data-md-color-scheme="default"><script>{SCHEME}</script>'
            f'<div class="reveal"><div class="slides md-typeset">{"".join(slides)}</div></div>{scripts}'
            f"<script>Reveal.initialize({{...{config}, plugins: [RevealNotes]}});</script></body></html>\n")
