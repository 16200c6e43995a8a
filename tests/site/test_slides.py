"""The chapters' slide decks (sitegen/slides.py, reveal.js) in the built site, in Chromium.

Each chapter page links its deck; a reader steps through it with the keyboard to the last slide;
every slide shows something, fits the deck's size and has speaker notes; the equations, figures
and worked-example rows are the page's own markup (and every display equation and figure of the
page is there); the quiz slides mark the answers the quiz bank decides; ?print-pdf prints one page
per slide; axe finds nothing serious; a deck weighs what a page may; the speaker view works offline.
"""
import io
from pathlib import Path

import pytest
from selectolax.lexbor import LexborHTMLParser
from site_server import only_local
from test_browser import PAGE_BUDGET, Visit

from quiz import bank, checks
from sitegen import slides

CHAPTERS = ("rnn", "gru", "lstm", "gru-vs-lstm", "conventions")  # the list
SLIDE = {"width": 1280, "height": 720}
BLOCKING = ("serious", "critical")
READY = "() => window.Reveal && Reveal.isReady()"

# For the current slide: how far its content reaches (in the deck's own px, undoing reveal's scaling),
# whether something besides the title is visible, and its speaker notes' text.
CURRENT_SLIDE = """() => {
  const slide = Reveal.getCurrentSlide(), box = slide.getBoundingClientRect(), scale = Reveal.getScale();
  let right = 0, bottom = 0, shown = 0;
  for (const node of slide.querySelectorAll("*")) {
    if (node.closest("aside.notes")) continue;
    const r = node.getBoundingClientRect();
    if (!r.width || !r.height) continue;
    right = Math.max(right, r.right); bottom = Math.max(bottom, r.bottom);
    const content = node.matches("math, svg, td, li, pre, p") && !node.closest("h1, h2");
    if (content && getComputedStyle(node).visibility !== "hidden") shown += 1;
  }
  const notes = slide.querySelector("aside.notes");
  return {index: Reveal.getIndices().h, title: (slide.querySelector("h1, h2") || {}).textContent,
          width: (right - box.left) / scale, height: (bottom - box.top) / scale, shown,
          notes: notes ? notes.textContent.trim() : "", fragments: slide.querySelectorAll(".fragment").length};
}"""
# The markup of the nodes a selector finds in the HTML at a URL as served (parsed by the browser, no
# script run), outside speaker notes, links made absolute so that the page's and the deck's compare.
MARKUP = """async ([url, selectors]) => {
  const text = await (await fetch(url)).text();
  const parsed = new DOMParser().parseFromString(text.replace("<head>", `<head><base href="${url}">`), "text/html");
  const found = {};
  for (const [name, selector] of Object.entries(selectors)) {
    found[name] = [...parsed.querySelectorAll(selector)].filter(node => !node.closest("aside.notes")).map(node => {
      const copy = node.cloneNode(true);
      copy.querySelectorAll("a[href]").forEach(link => link.setAttribute("href", new URL(link.getAttribute("href"),
                                                                                         url)));
      return copy.outerHTML;
    });
  }
  return found;
}"""
# What the chapter itself says: not a quiz's, an exercise's, a list's, an admonition's or a folded <details>'.
OWN = ":not(.gr-quiz *, .gr-exercises *, li *, .admonition *, details *)"


def deck_url(site_url, chapter):
    url, _ = site_url
    return f"{url}slides/{chapter}.html"


def open_deck(browser, url, color_scheme="light"):
    visit = Visit(browser, url, color_scheme=color_scheme)
    visit.page.set_viewport_size(SLIDE)
    visit.page.wait_for_function(READY)
    return visit


def test_each_chapter_page_links_its_deck(site_url):
    _, site_dir = site_url
    for chapter in CHAPTERS:
        page = (site_dir / f"{chapter}.html").read_text(encoding="utf-8")
        assert f'href="slides/{chapter}.html"' in page, f"{chapter}.html does not link its deck"
        assert (site_dir / "slides" / f"{chapter}.html").stat().st_size > 10_000


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_keyboard_steps_through_every_slide_offline(browser, site_url, chapter):
    with open_deck(browser, deck_url(site_url, chapter)) as visit:
        page = visit.page
        config = page.evaluate("(({width, height}) => ({width, height}))(Reveal.getConfig())")
        assert config == SLIDE
        total = page.evaluate("Reveal.getTotalSlides()")
        assert total >= 5, f"{chapter}: only {total} slides"
        seen, problems = [], []
        for press in range(3 * total):  # a quiz slide takes two presses: the answer, then the next slide
            slide = page.evaluate(CURRENT_SLIDE)
            if not seen or seen[-1]["index"] != slide["index"]:
                seen.append(slide)
            if page.evaluate("Reveal.isLastSlide() && !Reveal.availableFragments().next"):
                break
            page.keyboard.press("ArrowRight" if press % 2 else "Space")
        assert [slide["index"] for slide in seen] == list(range(total)), f"{chapter}: the keys visited {seen}"
        for slide in seen:
            where = f"{chapter} slide {slide['index']} ({slide['title']})"
            if slide["width"] > SLIDE["width"] + 1 or slide["height"] > SLIDE["height"] + 1:
                problems.append(f"{where} overflows: {slide['width']:.0f} x {slide['height']:.0f}")
            if not slide["shown"]:
                problems.append(f"{where} shows nothing but its title")
            if len(slide["notes"]) < 40:
                problems.append(f"{where} has no speaker notes: {slide['notes']!r}")
        assert not problems, "\n".join(problems)
        assert not visit.remote_requests and not visit.errors, (visit.remote_requests, visit.errors)


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_deck_shows_the_pages_own_equations_figures_and_worked_rows(browser, site_url, chapter):
    url, _ = site_url
    with Visit(browser, f"{url}{chapter}.html") as visit:
        found = {"page": visit.page.evaluate(MARKUP, [f"{url}{chapter}.html", {
            "math": "article math", "svg": "article svg", "tr": "article tr",
            "display": f".gr-math-display{OWN} math", "figure": f"figure{OWN} svg",
            "worked": f".gr-worked{OWN} > .gr-scroll tr"}]),
            "deck": visit.page.evaluate(MARKUP, [deck_url(site_url, chapter), {
                "math": ".slides math", "svg": ".slides svg", "tr": ".slides tr"}])}
    page, deck = ({name: set(markup) for name, markup in found[side].items()} for side in ("page", "deck"))
    for kind in ("math", "svg", "tr"):
        assert deck[kind] <= page[kind], f"{chapter}: {len(deck[kind] - page[kind])} <{kind}> are not the page's"
    assert page["display"], f"{chapter}: the page has no display equation to look for"
    assert page["worked"] or chapter not in ("rnn", "gru", "lstm"), f"{chapter}: no worked example to look for"
    missing = {name: len(page[name] - deck[kind]) for name, kind in (("display", "math"), ("figure", "svg"),
                                                                     ("worked", "tr"))}
    assert not any(missing.values()), f"{chapter}: the deck leaves out of the page's: {missing}"


def bank_answer(question):
    """The answer the bank gives to version 0, as a set of option keys."""
    if question.check in checks.GENERATORS:
        answer = checks.variants(question)[0].answer
    else:
        answer = question.answer
    return {answer} if isinstance(answer, str) else set(answer)


QUIZ_SLIDES = """() => [...document.querySelectorAll("section.gr-quiz-slide")].map(slide => ({
  id: slide.dataset.question,
  marked: [...slide.querySelectorAll(".gr-slide-correct")].map(li => li.dataset.key),
  options: [...slide.querySelectorAll("ol.gr-q-options > li")].map(li => li.dataset.key),
  answerLine: slide.querySelector(".gr-slide-answer strong").textContent,
}))"""
ANSWER_SHOWN = """() => { const answer = Reveal.getCurrentSlide().querySelector(".gr-slide-answer");
  return answer ? getComputedStyle(answer).opacity : null; }"""


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_quiz_slides_reveal_the_banks_answers_on_the_next_step(browser, site_url, chapter):
    questions = {item.question.id: item for item in bank.load_bank()}
    with open_deck(browser, deck_url(site_url, chapter)) as visit:
        found = visit.page.evaluate(QUIZ_SLIDES)
        assert 2 <= len(found) <= 3, f"{chapter}: {len(found)} quiz slides"
        for slide in found:
            item = questions[slide["id"]]
            assert item.chapter == chapter
            expected = bank_answer(item.question)
            assert set(slide["marked"]) == expected, (slide, expected)
            letters = ", ".join(chr(ord("A") + slide["options"].index(key)) for key in sorted(
                expected, key=slide["options"].index))
            assert slide["answerLine"] == f"Answer: {letters}."
        page = visit.page
        page.evaluate("Reveal.slide(Reveal.getTotalSlides() - 1)")
        page.wait_for_timeout(600)  # the deck fades from slide to slide
        assert float(page.evaluate(ANSWER_SHOWN)) == 0, "the answer shows before the next step"
        page.keyboard.press("ArrowRight")
        page.wait_for_function(f"({ANSWER_SHOWN})() === '1'", timeout=5000)


TEXT_SIZES = """() => [...document.querySelectorAll(".slides section :is(p, li, td, math):not(aside.notes *)")]
  .map(node => getComputedStyle(node).fontSize)"""


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_print_pdf_gives_one_page_per_slide(browser, site_url, chapter):
    pypdf = pytest.importorskip("pypdf", reason="the pypdf package is missing (the pdf extra)")
    with open_deck(browser, deck_url(site_url, chapter)) as visit:
        total = visit.page.evaluate("Reveal.getTotalSlides()")
        on_screen = visit.page.evaluate(TEXT_SIZES)
    with open_deck(browser, deck_url(site_url, chapter) + "?print-pdf") as visit:
        visit.page.wait_for_function("document.querySelectorAll('.pdf-page').length > 0")
        pdf = visit.page.pdf(prefer_css_page_size=True, print_background=True)
        visit.page.emulate_media(media="print")
        assert visit.page.evaluate(TEXT_SIZES) == on_screen, "a printed slide sets its text at other sizes"
    pages = pypdf.PdfReader(io.BytesIO(pdf)).pages
    assert len(pages) == total, f"{chapter}: {len(pages)} printed pages for {total} slides"
    width, height = float(pages[0].mediabox.width), float(pages[0].mediabox.height)
    assert abs(width / height - SLIDE["width"] / SLIDE["height"]) < 0.01, (width, height)


FRAGMENTS_SHOWN = """() => [...Reveal.getCurrentSlide().querySelectorAll(".fragment")]
  .every(fragment => getComputedStyle(fragment).opacity === "1")"""


def axe_problems(axe, page, where, options):
    """(serious or critical violations, how many elements passed) of one axe run."""
    response = axe.Axe().run(page, options=options).response
    return [f"{where}: {violation['id']} ({violation['impact']}) {node['target']}: "
            f"{' '.join(node['failureSummary'].split())[:300]}" for violation in response["violations"]
            if violation["impact"] in BLOCKING for node in violation["nodes"][:5]], \
        sum(len(rule["nodes"]) for rule in response["passes"])


def test_axe_finds_nothing_serious_on_any_slide_light_or_dark(browser, site_url):
    """Every rule on the print layout, which shows all slides at once (in the light colours); the rules
    about colour on each slide in turn in the dark scheme, which only a screen shows."""
    axe = pytest.importorskip("axe_playwright_python.sync_playwright", reason="axe-playwright-python is missing")
    problems = []
    for chapter in CHAPTERS:
        with open_deck(browser, deck_url(site_url, chapter) + "?print-pdf") as visit:
            visit.page.wait_for_function("document.querySelectorAll('.pdf-page').length > 0")
            problems += axe_problems(axe, visit.page, chapter, {})[0]
        with open_deck(browser, deck_url(site_url, chapter), "dark") as visit:
            assert visit.page.evaluate("document.body.getAttribute('data-md-color-scheme')") == "slate"
            colour_rules = {"runOnly": {"type": "rule", "values": ["color-contrast", "link-in-text-block"]}}
            visit.page.evaluate("Reveal.configure({transition: 'none'})")  # no fade to wait for
            checked = 0
            for index in range(visit.page.evaluate("Reveal.getTotalSlides()")):
                visit.page.evaluate(f"Reveal.slide({index}, 0, 99)")  # the slide with every fragment shown
                visit.page.wait_for_function(FRAGMENTS_SHOWN)  # their fade-in is over
                found, passed = axe_problems(axe, visit.page, f"{chapter} dark, slide {index}", colour_rules)
                problems += found
                checked += passed
            assert checked, f"{chapter}: axe could not tell the contrast of any text in the dark scheme"
    assert not problems, "\n".join(problems)


def test_each_deck_fits_the_weight_budget(browser, site_url):
    weights = {}
    for chapter in CHAPTERS:
        with open_deck(browser, deck_url(site_url, chapter)) as visit:
            visit.page.evaluate("document.fonts.ready")
            sent = visit.transferred()
            weights[chapter] = sum(sent.values())
            assert any(url.endswith("stix-two-math.woff2") for url in sent), f"{chapter}: the math font did not load"
    print("\ndeck weights (text gzipped): " + ", ".join(f"{c} {w / 1000:.0f} KB" for c, w in weights.items()))
    assert all(weight <= PAGE_BUDGET for weight in weights.values()), weights


def test_a_deck_opened_from_disk_loads_everything_from_disk(browser, site_url):
    _, site_dir = site_url
    refused, failed = [], []
    context = browser.new_context(viewport=SLIDE)
    context.route("**/*", only_local(refused))
    page = context.new_page()
    page.on("requestfailed", lambda request: failed.append(request.url))
    try:
        page.goto((Path(site_dir) / "slides" / "gru.html").as_uri(), wait_until="load")
        page.wait_for_function(READY)
        loaded = page.evaluate("[...document.styleSheets].map(sheet => sheet.href.split('/').pop())")
        assert {"reveal.css", "site.css", "diagrams.css", "generated.css", "slides.css"} <= set(loaded)
        assert page.evaluate("document.fonts.check('16px \"STIX Two Math\"')")
    finally:
        context.close()
    assert not refused and not failed, (refused, failed)


def test_speaker_view_opens_with_the_slides_notes(browser, site_url):
    with open_deck(browser, deck_url(site_url, "gru")) as visit:
        page = visit.page
        page.keyboard.press("ArrowRight")
        notes = page.evaluate("Reveal.getCurrentSlide().querySelector('aside.notes').textContent")
        first_words = " ".join(notes.split()[:6])
        with visit.context.expect_page() as opened:
            page.keyboard.press("s")
        speaker = opened.value
        speaker.wait_for_function("words => (document.querySelector('.speaker-controls-notes') || {}).textContent"
                                  "?.replace(/\\s+/g, ' ').includes(words)", arg=first_words, timeout=10_000)
        assert not visit.remote_requests and not visit.errors


def html_without(page_html, selector):
    document = LexborHTMLParser(page_html)
    for node in document.css(selector):
        node.decompose()
    return document.html


@pytest.mark.parametrize("removed,expected", [
    ("h1", "no <h1> title"),
    (".gr-objectives", "no learning objectives"),
    ("h2", "no H2 section"),
    (".gr-quiz", "found 0 quiz questions"),
])
def test_a_page_without_what_a_deck_needs_is_an_error_naming_the_chapter(site_url, removed, expected):
    _, site_dir = site_url
    page_html = (Path(site_dir) / "lstm.html").read_text(encoding="utf-8")
    slides.deck_html("lstm", page_html, "lstm.html")  # the page as built makes a deck
    with pytest.raises(slides.SlidesError, match=f"slides for lstm .*{expected}"):
        slides.deck_html("lstm", html_without(page_html, removed), "lstm.html")


def section_slides(markup):
    root = LexborHTMLParser(f"<article>{markup}</article>").css_first("article")
    return slides._section_slides("A section", "a-section", list(slides._blocks(root)))


EQUATION = '<div class="gr-math-display"><math display="block"><mi>u</mi></math></div>'


def test_a_sections_list_of_key_points_shows_on_its_slide_when_it_fits_whole():
    points = "<ul><li>near 1: keep</li><li>near 0: replace</li></ul>"
    [slide] = section_slides(f"<p>The gate decides:</p>{EQUATION}{points}")
    shown = slide.html().split('<aside class="notes">')[0]
    assert shown.index("<math") < shown.index("<li>near 1: keep</li>") < shown.index("<li>near 0: replace</li>")
    assert "<li>near 1: keep</li>" in slide.html().split('<aside class="notes">')[1]  # and still in the notes
    items = "".join(f"<li>point {k} {'words ' * 30}</li>" for k in range(12))  # far more than a slide holds
    [slide] = section_slides(f"{EQUATION}<ul>{items}</ul>")
    assert "point 0" not in slide.html().split('<aside class="notes">')[0]


def test_a_section_with_nothing_to_show_is_an_error_not_a_missing_slide():
    [slide] = section_slides('<div class="admonition note"><p>Only a note.</p></div>')
    assert "Only a note." in slide.html().split('<aside class="notes">')[0]
    with pytest.raises(slides.SlidesError, match="section 'A section' has nothing a slide could show"):
        section_slides('<div class="gr-explore"></div>')
