"""The handouts of the built site: the page with every chapter to print, and the summary sheets.

What each must hold is read from the built chapter pages (their <h1>, <math>, <svg>), and the chapters
and their order from the built navigation, not from sitegen/handouts.py. Printing is Chromium's
(page.pdf on A4 at scale 1, the site's print style sheets), read back with pypdf. That the new pages
are A4 at full size with nothing clipped, and pass axe in both schemes, is tested with every page of
the navigation (test_print.py, test_accessibility.py): both are in it."""
import html
import io
import re
from collections import Counter

import pytest
from site_server import only_local

from sitegen import handouts

pypdf = pytest.importorskip("pypdf", reason="the pypdf package is missing (the pdf extra)")

CHAPTERS = {"rnn", "gru", "lstm", "gru-vs-lstm", "conventions"}  # the list
PRINT_PAGE = "print.html"
SETTLED = "document.fonts.ready.then(() => new Promise(done => requestAnimationFrame(() => done(true))))"

ARTICLE = re.compile(r"<article\b[^>]*>(.*)</article>", re.DOTALL)
SECTION = re.compile(r'<section class="gr-print-chapter" id="([^"]+)">')
H1 = re.compile(r"<h1\b[^>]*>(.*?)</h1>", re.DOTALL)
MATH_TEX = re.compile(r'<math\b[^>]*\salttext="([^"]*)"')
DISPLAY_TEX = re.compile(r'<div class="gr-math-display"><math\b[^>]*\salttext="([^"]*)"')
SVG = re.compile(r"<svg\b")
FIGURE_ID = re.compile(r'<figure class="gr-figure gr-diagram" id="([^"]+)"')
ID = re.compile(r'\sid="([^"]*)"')
REFERENCES = re.compile(r'\s(?:href="#([^"]*)"|(?:for|aria-labelledby|aria-describedby)="([^"]*)")|url\(#([^)]*)\)')

# What each sheet must hold, from the chapter as a reader knows it: its cell's equations (a display
# formula that starts so) and its diagram (a generated figure, by the cell and reset it draws).
SHEET_EQUATIONS = {"rnn": r"H_t = \tanh", "gru": r"u_t &amp;= \sigma", "lstm": r"f_t &amp;= \sigma",
                   "gru-vs-lstm": r"\text{GRU:}", "conventions": r"\text{reset after:}"}
SHEET_DIAGRAMS = {"rnn": ["rnn-figure"], "gru": ["gru-after-figure"], "lstm": ["lstm-figure"], "gru-vs-lstm": [],
                  "conventions": ["gru-after-figure", "gru-before-figure"]}


def text(fragment):
    fragment = re.sub(r'<a class="headerlink".*?</a>', "", fragment, flags=re.DOTALL)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", fragment)).split())


def article(site_dir, page):
    return ARTICLE.search((site_dir / page).read_text(encoding="utf-8")).group(1)


def without_scripts(fragment):
    """What a chapter shows without its scripts: no <template> (the explorables' controls) and no <script>
    (the quizzes' numbered versions), which the print page leaves out."""
    return re.sub(r"<(template|script)\b.*?</\1>", "", fragment, flags=re.DOTALL)


def contents(fragment):
    """What a reader gets of a chapter: its title, its formulas (as TeX, in order) and its SVG pictures."""
    return {"h1": text(H1.search(fragment).group(1)), "math": MATH_TEX.findall(fragment),
            "svg": len(SVG.findall(fragment))}


@pytest.fixture(scope="module")
def chapters(site_url, pages):
    """Chapter names in the navigation's order."""
    ordered = [page.removesuffix(".html") for page in pages if page.removesuffix(".html") in CHAPTERS]
    assert set(ordered) == CHAPTERS, f"chapters in the navigation: {ordered}"
    return ordered


@pytest.fixture(scope="module")
def print_sections(site_url):
    """[(chapter, HTML of its section)] of the print page, in page order."""
    body = article(site_url[1], PRINT_PAGE)
    starts = list(SECTION.finditer(body))
    return [(start.group(1), body[start.end():end.start() if end else len(body)])
            for start, end in zip(starts, starts[1:] + [None])]


def test_the_print_page_and_the_sheets_are_in_the_navigation(pages, chapters):
    assert PRINT_PAGE in pages
    missing = [f"summaries/{name}.html" for name in chapters if f"summaries/{name}.html" not in pages]
    assert not missing, f"summary sheets not in the navigation: {missing}"


def test_the_home_page_and_every_chapter_link_their_handouts(site_url, chapters):
    _, site_dir = site_url
    assert 'href="print.html"' in article(site_dir, "index.html")
    unlinked = [name for name in chapters if f'href="summaries/{name}.html"' not in article(site_dir, f"{name}.html")]
    assert not unlinked, f"chapters without a link to their summary sheet: {unlinked}"


def test_the_print_page_holds_every_chapter_whole_in_navigation_order(site_url, chapters, print_sections):
    _, site_dir = site_url
    assert [name for name, _ in print_sections] == chapters
    for name, section in print_sections:
        expected, found = contents(without_scripts(article(site_dir, f"{name}.html"))), contents(section)
        assert found["h1"] == expected["h1"], name
        assert found["math"] == expected["math"], \
            f"{name}: {len(found['math'])} formulas on the print page, {len(expected['math'])} in the chapter"
        assert found["svg"] == expected["svg"], f"{name}: {found['svg']} SVG pictures, {expected['svg']} in the chapter"
    assert len(MATH_TEX.findall(article(site_dir, PRINT_PAGE))) == \
        sum(len(contents(without_scripts(article(site_dir, f"{n}.html")))["math"]) for n in chapters)


def test_the_print_page_has_unique_ids_and_every_reference_finds_its_target(site_url):
    _, site_dir = site_url
    page = (site_dir / PRINT_PAGE).read_text(encoding="utf-8")
    ids = Counter(ID.findall(page))
    assert not [i for i, n in ids.items() if n > 1], f"ids used twice: {[i for i, n in ids.items() if n > 1][:20]}"
    targets = {target for match in REFERENCES.finditer(page) for group in match.groups() if group
               for target in group.split()}
    assert targets, "no in-page references found: the pattern is wrong"
    dangling = sorted(target for target in targets if target not in ids)
    assert not dangling, f"references to no element: {dangling[:20]}"


def test_the_print_page_shows_the_quizzes_as_they_print_with_unique_ids_once_its_scripts_ran(browser, site_url,
                                                                                          chapters):
    url, site_dir = site_url
    questions = sum(len(re.findall(r'<section class="gr-q"', article(site_dir, f"{name}.html"))) for name in chapters)
    page = browser.new_page()
    try:
        page.goto(url + PRINT_PAGE, wait_until="load")
        page.evaluate(SETTLED)
        shown = page.evaluate("""() => ({questions: document.querySelectorAll('.gr-q').length,
            live: document.querySelectorAll('.gr-quiz--live, .gr-explore-live, .gr-q-form').length,
            choices: [...document.querySelectorAll('.gr-q[data-type=single], .gr-q[data-type=multiple]')]
              .filter(q => !q.querySelector('.gr-q-options li') || q.querySelector('.gr-q-options').offsetHeight === 0)
              .map(q => q.id),
            search: document.forms.namedItem('search') !== null})""")
        twice = page.evaluate("""() => { const seen = {}; document.querySelectorAll('[id]').forEach(
            e => { seen[e.id] = (seen[e.id] || 0) + 1; }); return Object.keys(seen).filter(k => seen[k] > 1); }""")
    finally:
        page.close()
    assert shown["questions"] == questions, f"{shown['questions']} questions on the page, {questions} in the chapters"
    assert shown["live"] == 0, "quiz or explorable controls on the print page: it should show them as they print"
    assert not shown["choices"], f"choice questions without their options shown: {shown['choices'][:10]}"
    assert not shown["search"], "the print page has the search box, whose index takes it over the weight budget"
    assert not twice, f"ids used twice: {twice[:20]}"


def test_the_print_page_opens_from_disk_without_errors_or_requests_to_a_host(browser, site_url):
    _, site_dir = site_url
    context = browser.new_context()
    refused, errors = [], []
    context.route("**/*", only_local(refused))
    page = context.new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    try:
        page.goto((site_dir / PRINT_PAGE).as_uri(), wait_until="load")
        page.evaluate(SETTLED)
        chapters_shown = page.evaluate("document.querySelectorAll('.gr-print-chapter h1').length")
    finally:
        context.close()
    assert not refused and not errors, f"requests to hosts: {refused}; errors: {errors}"
    assert chapters_shown == len(CHAPTERS)


def printed(browser, url):
    page = browser.new_page()
    try:
        page.goto(url, wait_until="load")
        page.emulate_media(media="print")
        page.evaluate(SETTLED)
        pdf = page.pdf(prefer_css_page_size=True, print_background=True, scale=1)
    finally:
        page.close()
    return [" ".join((pdf_page.extract_text() or "").split()) for pdf_page in pypdf.PdfReader(io.BytesIO(pdf)).pages]


def test_printed_every_chapter_starts_a_new_page_in_order(browser, site_url, chapters, print_sections):
    url, _ = site_url
    texts = printed(browser, url + PRINT_PAGE)
    titles = [text(H1.search(section).group(1)) for _, section in print_sections]
    starts = [title for page_text in texts for title in titles if page_text.startswith(title)]
    print(f"\nprint page: {len(texts)} A4 pages")
    assert starts == titles, f"chapter titles that start a page: {starts}"
    assert all(texts), f"blank pages: {[n for n, t in enumerate(texts, start=1) if not t]}"


@pytest.mark.parametrize("name", sorted(CHAPTERS))
def test_summary_sheet_holds_the_chapters_equations_and_diagram(site_url, name):
    _, site_dir = site_url
    chapter, sheet = article(site_dir, f"{name}.html"), article(site_dir, f"summaries/{name}.html")
    sheet_display = DISPLAY_TEX.findall(sheet)
    assert any(SHEET_EQUATIONS[name] in tex for tex in sheet_display), \
        f"{name}: no display formula on the sheet holds {SHEET_EQUATIONS[name]}"
    # every formula and figure of the sheet is the chapter's own, in the chapter's order
    chapter_math = MATH_TEX.findall(chapter)
    position = 0
    for tex in MATH_TEX.findall(sheet):
        assert tex in chapter_math[position:], f"{name}: a formula not in the chapter (in its order): {tex[:80]}"
        position = chapter_math.index(tex, position) + 1
    assert FIGURE_ID.findall(sheet) == SHEET_DIAGRAMS[name]
    assert all(figure in FIGURE_ID.findall(chapter) for figure in SHEET_DIAGRAMS[name])
    for figure in SHEET_DIAGRAMS[name]:
        drawn = re.search(rf'id="{figure}".*?</svg>', chapter, re.DOTALL).group(0)
        assert re.sub(r'href="[^"]*"', "", drawn) in re.sub(r'href="[^"]*"', "", sheet), \
            f"{name}: the diagram {figure} differs from the chapter's"
    assert f'href="../{name}.html"' in sheet, f"{name}: the sheet does not link its chapter"


def test_every_summary_sheet_prints_on_one_or_two_a4_pages(browser, site_url, chapters):
    url, _ = site_url
    counts, problems = {}, []
    for name in chapters:
        texts = printed(browser, f"{url}summaries/{name}.html")
        counts[name] = len(texts)
        if len(texts) not in (1, 2):
            problems.append(f"{name}: {len(texts)} pages")
        problems += [f"{name}: page {n} is blank" for n, page_text in enumerate(texts, start=1) if not page_text]
    print("\nsummary sheets (A4 pages): " + ", ".join(f"{name} {count}" for name, count in counts.items()))
    assert not problems, "\n".join(problems)


# sitegen.handouts on hand-written HTML: what it rewrites, and the errors a page author sees.
RENDERED = {f"{name}.md": (f"{name}.html", f'<h1 id="{name}-title">{name}</h1>') for name in CHAPTERS}


def test_prefix_ids_renames_ids_and_every_kind_of_reference_to_them():
    chapter = ('<h2 id="a">A</h2><a href="#a">here</a> <a href="gru.html#b">GRU</a> <a href="gru.html">all</a> '
               '<a href="practice.html#c">practice</a> <label for="i">x</label><input id="i">'
               '<svg aria-labelledby="t d"><title id="t">T</title><desc id="d">D</desc>'
               '<marker id="m"/><path marker-end="url(#m)"/></svg><span data-id="kept">')
    assert handouts.prefix_ids(chapter, "rnn", ["rnn", "gru"]) == (
        '<h2 id="rnn--a">A</h2><a href="#rnn--a">here</a> <a href="#gru--b">GRU</a> <a href="#gru">all</a> '
        '<a href="practice.html#c">practice</a> <label for="rnn--i">x</label><input id="rnn--i">'
        '<svg aria-labelledby="rnn--t rnn--d"><title id="rnn--t">T</title><desc id="rnn--d">D</desc>'
        '<marker id="rnn--m"/><path marker-end="url(#rnn--m)"/></svg><span data-id="kept">')


def test_a_sheet_takes_the_marked_blocks_and_rebases_their_links():
    chapter = ('<h1 id="t">The GRU<a class="headerlink" href="#t">&para;</a></h1><p>not this</p>'
               '<div class="gr-sheet"><div class="inner"><a href="#t">top</a> <a href="#kept">in</a></div></div>'
               '<p>nor this</p><div class="gr-sheet"><p id="kept"><a href="lstm.html">LSTM</a></p></div>')
    sheet = handouts.sheet("gru", "gru.html", chapter, "summaries/gru.html")
    assert "not this" not in sheet and "nor this" not in sheet
    assert '<a href="../gru.html">The GRU</a>' in sheet
    assert '<div class="inner"><a href="../gru.html#t">top</a> <a href="#kept">in</a></div>' in sheet
    assert '<p id="kept"><a href="../lstm.html">LSTM</a></p>' in sheet


def test_a_marker_that_names_no_chapter_is_an_error_naming_page_and_choices():
    with pytest.raises(handouts.HandoutError, match=r"docs/summaries/x\.md: <!-- handout: sheet nope -->: "
                                                     r"expected 'all chapters' or 'sheet NAME' with NAME one of"):
        handouts.fill("summaries/x.md", "summaries/x.html", "<!-- handout: sheet nope -->", RENDERED)


def test_a_chapter_with_nothing_marked_is_an_error_naming_its_file():
    with pytest.raises(handouts.HandoutError, match=r"docs/lstm\.md: nothing marked for its summary sheet"):
        handouts.fill("summaries/lstm.md", "summaries/lstm.html", "<!-- handout: sheet lstm -->", RENDERED)


def test_the_print_page_keeps_what_widgets_print_and_leaves_their_scripts_nothing_to_do():
    chapter = ('<h1 id="t">T</h1><div class="gr-quiz" data-quiz="rnn"><section class="gr-q" id="q1"><p>Q?</p>'
               '<script type="application/json" class="gr-q-data">{"variants": []}</script></section></div>'
               '<div class="gr-explore" id="e"><figure>drawn</figure><template class="gr-explore-live" data-x>'
               '<input id="c"></template><script type="application/json" class="gr-explore-data">{}</script></div>')
    page = handouts.all_chapters([("rnn", chapter)])
    assert ('<div class="gr-quiz" data-gr-ready data-quiz="rnn"><section class="gr-q" id="rnn--q1"><p>Q?</p></section>'
            in page)
    assert '<div class="gr-explore" data-gr-ready id="rnn--e"><figure>drawn</figure></div>' in page
    assert "<script" not in page and "<template" not in page


HEADER = ('<header><label class="md-header__button md-icon" for="__search"><svg></svg></label>'
          '<div class="md-search" data-md-component="search" role="dialog"><div class="md-search__inner">'
          '<form class="md-search__form" name="search"></form></div></div></header>')


def test_the_print_page_is_sent_without_the_search_box_and_other_pages_with_it():
    assert handouts.finish("# Print\n\n<!-- handout: all chapters -->\n", HEADER) == "<header></header>"
    assert handouts.finish("# Sheet\n\n<!-- handout: sheet gru -->\n", HEADER) == HEADER


def test_a_page_is_left_alone_when_its_chapters_were_not_rendered():
    unrendered = {**RENDERED, "gru.md": ("gru.html", None)}
    marked = "<p>before</p><!-- handout: all chapters -->"
    assert handouts.fill("print.md", "print.html", marked, unrendered) == marked
