"""The built site in Chromium, offline: every page in the navigation loads without errors or
third-party requests, math is real MathML, diagrams have accessible names, dark mode works.
Screenshots of the GRU and LSTM pages in both schemes go to $GRU_REF_SCREENSHOTS for humans."""

import gzip
import os
from pathlib import Path

import pytest
from site_server import RAW_TEX, fence_counts, has_math, only_local, page_source

SCREENSHOT_PAGES = ("gru", "lstm")
PAGE_BUDGET = 300_000  # bytes a page costs as a host that gzips text sends it (DEVELOPERS.md's budget)
# What a gzip-serving host compresses; fonts (woff2 is compressed already) and images go as they are.
TEXT_TYPES = ("text/", "application/javascript", "application/json", "image/svg+xml", "application/xml")
MATH_FONT = "STIX Two Math"

VISIBLE_TEXT = """() => {
  const article = document.querySelector("article").cloneNode(true);
  article.querySelectorAll("pre, code, math, script, style, svg").forEach(node => node.remove());
  return article.textContent;
}"""
ACCESSIBLE_NAMES = """() => [...document.querySelectorAll('svg[role="img"]')].map(svg => {
  const label = (svg.getAttribute("aria-label") || "").trim();
  const labelledBy = (svg.getAttribute("aria-labelledby") || "").split(/\\s+/).filter(Boolean)
    .map(id => (document.getElementById(id) || {}).textContent || "").join(" ").trim();
  const title = svg.querySelector(":scope > title");
  return label || labelledBy || (title ? title.textContent.trim() : "");
})"""
DUPLICATE_IDS = """() => {
  const seen = new Set(), duplicates = new Set();
  document.querySelectorAll("[id]").forEach(node => seen.has(node.id) ? duplicates.add(node.id) : seen.add(node.id));
  return [...duplicates];
}"""
MATH_DISPLAYS = """() => [...document.querySelectorAll("math")].map(math => getComputedStyle(math).display)"""


@pytest.fixture(scope="session")
def screenshot_dir(tmp_path_factory):
    directory = Path(os.environ.get("GRU_REF_SCREENSHOTS") or tmp_path_factory.mktemp("screenshots"))
    directory.mkdir(parents=True, exist_ok=True)
    return directory


class Visit:
    """One page in a fresh browser context that refuses to reach any host but 127.0.0.1."""

    def __init__(self, browser, url, color_scheme="light"):
        self.errors, self.remote_requests = [], []
        self.context = browser.new_context(color_scheme=color_scheme)
        self.context.route("**/*", only_local(self.remote_requests))
        self.page = self.context.new_page()
        self.responses = []
        self.page.on("response", lambda response: self.responses.append(response))
        self.page.on("console", lambda message: message.type == "error" and self.errors.append(message.text))
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.goto(url, wait_until="networkidle")


    def transferred(self):
        """URL -> bytes this page fetched, text gzipped at level 6 (a common host default)."""
        sizes = {}
        for response in self.responses:
            if response.status != 200 or response.url in sizes:
                continue
            body = response.body()
            kind = response.headers.get("content-type", "")
            sizes[response.url] = len(gzip.compress(body, 6, mtime=0)) if kind.startswith(TEXT_TYPES) else len(body)
        return sizes

    def math_fonts(self):
        """Font family -> glyphs Chromium drew with it inside <math> (DevTools' CSS.getPlatformFontsForNode)."""
        cdp = self.context.new_cdp_session(self.page)
        cdp.send("DOM.enable")
        cdp.send("CSS.enable")
        root = cdp.send("DOM.getDocument", {"depth": -1})["root"]["nodeId"]
        tokens = cdp.send("DOM.querySelectorAll", {"nodeId": root, "selector": "math mi, math mo, math mn, math mtext"})
        glyphs = {}
        for node in tokens["nodeIds"]:
            for font in cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]:
                glyphs[font["familyName"]] = glyphs.get(font["familyName"], 0) + font["glyphCount"]
        return glyphs

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.context.close()


@pytest.fixture(scope="session")
def reports(browser, site_url, pages):
    """What each page showed, from one visit per page (Chromium is slow on two cores)."""
    url, _ = site_url
    found = {}
    for page in pages:
        with Visit(browser, url + page) as visit:
            found[page] = {
                "errors": visit.errors,
                "remote_requests": visit.remote_requests,
                "duplicate_ids": visit.page.evaluate(DUPLICATE_IDS),
                "math_displays": visit.page.evaluate(MATH_DISPLAYS),
                "visible_text": visit.page.evaluate(VISIBLE_TEXT),
                "svg_names": visit.page.evaluate(ACCESSIBLE_NAMES),
                "transferred": visit.transferred(),
                "math_fonts": visit.math_fonts(),
            }
    return found


def test_every_page_loads_offline_without_errors(reports):
    problems = {}
    for page, report in reports.items():
        found = {kind: report[kind] for kind in ("errors", "remote_requests", "duplicate_ids") if report[kind]}
        if found:
            problems[page] = found
    assert not problems, problems


def test_math_is_rendered_mathml_and_no_raw_tex_is_visible(reports):
    problems = {}
    for page, report in reports.items():
        displays = report["math_displays"]
        raw = [match.group(0) for match in RAW_TEX.finditer(report["visible_text"])]
        if has_math(page_source(page)) and not displays:
            problems[page] = "the page writes math but shows no <math>"
        elif any("math" not in display for display in displays):
            problems[page] = f"<math> not laid out as MathML (CSS display {set(displays)})"
        elif raw:
            problems[page] = f"raw TeX visible: {raw[:5]}"
    assert not problems, problems


def test_every_page_fits_the_weight_budget(reports):
    """Everything a first visit fetches (HTML, CSS, JS, the search index, fonts, images), as sent."""
    weights = {page: sum(report["transferred"].values()) for page, report in reports.items()}
    heaviest = max(weights, key=weights.get)
    print(f"\npage weights (text gzipped): home {weights['index.html'] / 1000:.0f} KB, heaviest {heaviest} "
          f"{weights[heaviest] / 1000:.0f} KB; " + ", ".join(f"{p} {w / 1000:.0f}" for p, w in weights.items()))
    for page, report in reports.items():
        assert weights[page] <= PAGE_BUDGET, (
            f"{page} sends {weights[page]} bytes > {PAGE_BUDGET}; largest: "
            f"{sorted(report['transferred'].items(), key=lambda item: -item[1])[:4]}")
    assert all(any(url.endswith(".html") for url in report["transferred"]) for report in reports.values())


def test_math_is_drawn_entirely_with_the_served_math_font(reports):
    """The served font is a subset (sitegen/fonts.py): a glyph missing from it would fall back to another font."""
    drawn = {page: report["math_fonts"] for page, report in reports.items() if report["math_fonts"]}
    assert drawn, "no page drew any math"
    others = {page: fonts for page, fonts in drawn.items() if set(fonts) != {MATH_FONT}}
    assert not others, f"math glyphs drawn with fonts other than {MATH_FONT}: {others}"


def test_every_diagram_fence_gave_an_svg_with_an_accessible_name(reports):
    problems = {}
    diagrams_seen = 0
    for page, report in reports.items():
        names = report["svg_names"]
        diagrams = fence_counts(page_source(page)).get("gru-diagram", 0)
        diagrams_seen += diagrams
        if len(names) < diagrams:
            problems[page] = f"{diagrams} gru-diagram fences but {len(names)} <svg role='img'>"
        elif not all(names):
            problems[page] = f"{names.count('')} of {len(names)} <svg role='img'> have no accessible name"
    assert not problems, problems
    assert diagrams_seen, "no page uses a gru-diagram fence, so nothing was checked"


def test_palette_follows_the_system_and_toggles_by_keyboard_and_click(browser, site_url):
    url, _ = site_url
    scheme = "document.body.getAttribute('data-md-color-scheme')"
    with Visit(browser, url + "index.html", color_scheme="dark") as visit:
        assert visit.page.evaluate(scheme) == "slate"
    with Visit(browser, url + "index.html", color_scheme="light") as visit:
        page = visit.page
        assert page.evaluate(scheme) == "default"
        for _ in range(20):  # the toggle is reachable with Tab
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.getAttribute('aria-label')") == "Switch to dark mode":
                break
        else:
            pytest.fail("Tab never reached the 'Switch to dark mode' control")
        page.keyboard.press("Enter")
        page.wait_for_function(f"{scheme} === 'slate'", timeout=5000)
        page.get_by_title("Switch to light mode").click()
        page.wait_for_function(f"{scheme} === 'default'", timeout=5000)
        assert not visit.errors


def test_screenshots_of_gru_and_lstm_in_light_and_dark(browser, site_url, pages, screenshot_dir):
    url, _ = site_url
    for name in SCREENSHOT_PAGES:
        path_of_page = next((page for page in pages if page.removesuffix(".html").removesuffix("/index") == name),
                            None)
        assert path_of_page, f"no {name} page in the navigation {pages}"
        for color_scheme in ("light", "dark"):
            with Visit(browser, url + path_of_page, color_scheme=color_scheme) as visit:
                path = screenshot_dir / f"{name}-{color_scheme}.png"
                visit.page.screenshot(path=str(path), full_page=True)
            assert path.stat().st_size > 10_000, f"{path} looks empty"
    print(f"\nscreenshots in {screenshot_dir}")
