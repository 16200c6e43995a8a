"""Handouts made from the rendered chapters: every chapter on one page to print, and a summary sheet
per chapter. Nothing is written twice: the print page is the chapters' own HTML, and a sheet is the
blocks a chapter marks for it by wrapping them in `<div class="gr-sheet" markdown>` (its equations,
its diagram, its key facts), taken from the chapter as rendered.

A page asks for a handout with a marker, which this module replaces:

    <!-- handout: all chapters -->      docs/print.md
    <!-- handout: sheet gru -->         docs/summaries/gru.md

The print page holds the chapters only (quiz.bank.CHAPTERS, the issue's list): the practice, evidence
and notebook pages are not chapters, and would take it over the weight budget (gzipped, practice sends
94 KB and two notebooks 75 and 79 KB; the chapters leave the page 46 KB of room).

Plain string work on the HTML that Python-Markdown wrote, without MkDocs: mkdocs_hooks.on_page_context
hands over a marked page and every page's rendered content (MkDocs renders all pages before it
puts any into its template).

mkdocs-print-site-plugin 2.9 did this job too slowly (its update_anchor_ids rescans the page for every
tag: 80 s of a build for these chapters) and left the diagrams' SVG ids duplicated across chapters.
"""
import html
import re

CHAPTERS_MARKER = "all chapters"
MARKER = re.compile(r"<!-- handout: ([^>]*?) -->")
SHEET_BLOCK = re.compile(r'<div class="gr-sheet">')
H1 = re.compile(r'<h1 id="([^"]*)">(.*?)</h1>', re.DOTALL)
HEADERLINK = re.compile(r'<a class="headerlink"[^>]*>.*?</a>')  # the permalink mark that toc adds
TAGS = re.compile(r"<[^>]*>")

# The attributes that hold an element id or a list of them, and the two forms of an in-page reference.
ID = re.compile(r'(?<=\s)id="([^"]*)"')
ID_LISTS = re.compile(r'(?<=\s)(for|aria-(?:labelledby|describedby|controls|owns|details|flowto|errormessage|'
                      r'activedescendant))="([^"]*)"')
FRAGMENT = re.compile(r"url\(#([^)\"']+)\)")
LINK = re.compile(r'(?<=\s)((?:xlink:)?href|src)="([^"]*)"')
EXTERNAL = re.compile(r"^(?:[a-z][a-z0-9+.-]*:|/)", re.IGNORECASE)  # a scheme, or the site's root


# Paper needs neither the quizzes' numbered versions nor the explorables' controls, and one page cannot
# carry them for every chapter (a quarter of its weight): the print page keeps what they print (each
# question's first version, the worked diagram) and marks them ready, so that their scripts leave them be.
LIVE_ONLY = re.compile(r'<script type="application/json" class="gr-(?:q|explore)-data">.*?</script>'
                       r'|<template class="gr-explore-live"[^>]*>.*?</template>', re.DOTALL)
WIDGET = re.compile(r'<div class="(gr-quiz|gr-explore)"')
# Material's search box, which fetches the search index (80 KB with its worker) when the page opens.
SEARCH_BUTTON = re.compile(r'<label class="md-header__button md-icon" for="__search">.*?</label>', re.DOTALL)
SEARCH_BOX = re.compile(r'<div class="md-search"')


class HandoutError(Exception):
    """A marker that names no chapter, or a chapter with nothing marked for its sheet."""


def fill(source, url, content, pages):
    """The content of the page at `source` (its path in docs/) and `url`, with its markers replaced.
    pages: {source: (URL, rendered content)} of every page; a chapter whose content is None was not
    rendered in this build (`mkdocs serve --dirty`), and the page is then left as it is."""
    from quiz.bank import CHAPTERS  # the chapters, in the navigation's order (gru-notes pdf prints the same)

    missing = [name for name in CHAPTERS if f"{name}.md" not in pages]
    if missing:
        raise HandoutError(f"docs/{source}: the chapters {', '.join(missing)} are not pages of this site")
    chapters = {name: pages[f"{name}.md"] for name in CHAPTERS}
    if any(chapter_content is None for _, chapter_content in chapters.values()):
        return content

    def replace(marker):
        request = marker.group(1)
        if request == CHAPTERS_MARKER:
            return all_chapters([(name, chapter_content) for name, (_, chapter_content) in chapters.items()])
        kind, _, name = request.partition(" ")
        if kind != "sheet" or name not in chapters:
            raise HandoutError(f"docs/{source}: <!-- handout: {request} -->: expected "
                               f"'{CHAPTERS_MARKER}' or 'sheet NAME' with NAME one of {', '.join(chapters)}")
        return sheet(name, *chapters[name], url)

    return MARKER.sub(replace, content)


def all_chapters(chapters):
    """[(name, rendered content)] as one article: a list of the chapters, then each chapter in a section
    of its own, its ids prefixed with its name so that they stay unique on the page."""
    names = [name for name, _ in chapters]
    contents, contents_list = [], []
    for name, content in chapters:
        content = WIDGET.sub(r'<div class="\1" data-gr-ready', LIVE_ONLY.sub("", prefix_ids(content, name, names)))
        heading = H1.search(content)
        contents_list.append(f'<li><a href="#{heading.group(1)}">{title(heading)}</a></li>')
        contents.append(f'<section class="gr-print-chapter" id="{name}">\n{content}\n</section>')
    return ('<nav class="gr-print-contents" aria-label="Chapters"><ol>' + "".join(contents_list) + "</ol></nav>\n"
            + "\n".join(contents))


def finish(markdown, page):
    """A built page that holds a handout, as it is sent: the print page (its Markdown asks for all
    chapters) without Material's search box, whose index alone would take it over the weight budget
    (search finds the chapters on their own pages). The box's hidden toggle stays: Material's keyboard
    shortcuts look for it."""
    if CHAPTERS_MARKER not in (match.group(1) for match in MARKER.finditer(markdown)):
        return page
    box = SEARCH_BOX.search(page)
    if box is None:
        return page
    return SEARCH_BUTTON.sub("", page[:box.start()] + page[box.start() + len(element(page, box.start())):], count=1)


def prefix_ids(content, name, chapters):
    """Every id in a chapter's content and every reference to one as `name--id` ('--' is in no chapter's
    name and starts no id, so two chapters' prefixed ids never meet); links to a chapter page become
    links to its section of this page."""
    def prefixed(value):
        return f"{name}--{value}"

    def link(match):
        attribute, target = match.groups()
        path, hash_, fragment = html.unescape(target).partition("#")
        if not path:
            return f'{attribute}="#{prefixed(fragment)}"'
        chapter = path.removesuffix(".html")
        if chapter in chapters and attribute != "src":
            return f'{attribute}="#{chapter}--{fragment}"' if fragment else f'{attribute}="#{chapter}"'
        return match.group(0)

    content = ID.sub(lambda match: f'id="{prefixed(match.group(1))}"', content)
    content = ID_LISTS.sub(lambda match: f'{match.group(1)}="{" ".join(map(prefixed, match.group(2).split()))}"',
                           content)
    content = FRAGMENT.sub(lambda match: f"url(#{prefixed(match.group(1))})", content)
    return LINK.sub(link, content)


def sheet(name, chapter_url, content, sheet_url):
    """The blocks a chapter marks with gr-sheet, in its order, with a line that names the chapter.
    Links are rebased from the chapter's URL to the sheet's; a link within the chapter to something the
    sheet leaves out goes to the chapter."""
    blocks = [element(content, match.start()) for match in SHEET_BLOCK.finditer(content)]
    if not blocks:
        raise HandoutError(f"docs/{name}.md: nothing marked for its summary sheet; expected blocks wrapped in "
                           f'<div class="gr-sheet" markdown> ... </div>')
    kept = set(ID.findall("".join(blocks)))
    to_root = "../" * sheet_url.count("/")
    chapter_from_sheet = to_root + chapter_url

    def link(match):
        attribute, target = match.groups()
        if target.startswith("#"):
            return match.group(0) if target[1:] in kept else f'{attribute}="{chapter_from_sheet}{target}"'
        if EXTERNAL.match(target):
            return match.group(0)
        return f'{attribute}="{to_root}{target}"'

    source = (f'<p class="gr-sheet-source">From the chapter <a href="{chapter_from_sheet}">'
              f'{title(H1.search(content))}</a>, word for word.</p>')
    return source + "\n" + LINK.sub(link, "\n".join(blocks))


def title(heading):
    """The text of an <h1> match, as HTML, without its permalink mark."""
    return TAGS.sub("", HEADERLINK.sub("", heading.group(2))).strip()


def element(content, start):
    """The element whose start tag begins at `start`, up to its matching end tag (nested elements of the
    same name are counted; a gr-sheet block holds no markup in scripts or comments)."""
    name = re.match(r"<([a-zA-Z][\w-]*)", content[start:]).group(1)
    depth = 0
    for tag in re.compile(rf"<(/?){name}\b[^>]*>").finditer(content, start):
        depth += -1 if tag.group(1) else 1
        if depth == 0:
            return content[start:tag.end()]
    raise HandoutError(f"a <{name}> marked gr-sheet is never closed")
