"""Layout in Chromium: on a 1280 px desktop nothing in an article needs sideways scrolling or
sticks out of it; on a 390 px phone no diagram label is drawn under 9 px, and what scrolls
sideways there can be reached with the keyboard (docs/javascripts/scroll.js)."""

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
SMALLEST_LABEL = 9.0  # CSS px

# Every element of the article (details opened: the later steps of a worked example are in closed
# ones) that scrolls sideways or is clipped, or that reaches past the article's edges without a
# clipping ancestor. Visually hidden text (a 1 px box, for screen readers) is clipped on purpose.
OVERFLOWS = r"""(openDetails) => {
  const article = document.querySelector("article");
  if (openDetails) article.querySelectorAll("details").forEach(details => { details.open = true; });
  const edges = article.getBoundingClientRect();
  const name = element => element.tagName.toLowerCase() + (element.id ? "#" + element.id : "")
    + [...element.classList].map(c => "." + c).join("");
  const clipped = element => {
    for (let up = element.parentElement; up && up !== article; up = up.parentElement) {
      if (getComputedStyle(up).overflowX !== "visible") return true;
    }
    return false;
  };
  const problems = [];
  for (const element of [article, ...article.querySelectorAll("*")]) {
    if (element.closest("svg") && element.tagName.toLowerCase() !== "svg") continue;
    const box = element.getBoundingClientRect();
    if (box.width <= 1 || box.height <= 1) continue;
    const text = (element.textContent || "").replace(/\s+/g, " ").trim().slice(0, 60);
    if (getComputedStyle(element).overflowX !== "visible" && element.scrollWidth > element.clientWidth + 1) {
      problems.push(`${name(element)} holds ${element.scrollWidth} px in ${element.clientWidth} px: "${text}"`);
    } else if ((box.right > edges.right + 1 || box.left < edges.left - 1) && !clipped(element)) {
      problems.push(`${name(element)} spans ${Math.round(box.left)}-${Math.round(box.right)} px, the article `
                    + `${Math.round(edges.left)}-${Math.round(edges.right)} px: "${text}"`);
    }
  }
  return problems;
}"""

# Each label of each diagram: its font size times the scale at which its SVG is drawn (and the
# pinch zoom, should a page be wider than the phone).
DIAGRAM_LABELS = r"""() => [...document.querySelectorAll("article svg.gr-diagram text")]
  .filter(text => text.textContent.trim())
  .map(text => {
    const size = parseFloat(getComputedStyle(text).fontSize) * text.getScreenCTM().a * visualViewport.scale;
    return [text.closest("svg").id || text.closest("figure").id, text.textContent.trim(), size];
  })"""

SCROLLERS = r"""() => [...document.querySelectorAll(".gr-scroll, .gr-figure.gr-diagram, .gr-math-display")]
  .filter(element => element.checkVisibility())  // not in a closed <details>
  .map(element => ({
    name: element.id || element.className,
    overflows: element.scrollWidth > element.clientWidth + 1,
    tabindex: element.getAttribute("tabindex"),
    label: element.getAttribute("aria-label") || "",
  }))"""

SETTLED = "document.fonts.ready.then(() => new Promise(done => requestAnimationFrame(() => done(true))))"


def _each_page(browser, url, pages, check, **context_options):
    """check(page) for every page in one browser context; returns {page: what check found, if anything}."""
    context = browser.new_context(**context_options)
    page = context.new_page()
    found = {}
    try:
        for name in pages:
            page.goto(url + name, wait_until="load")
            page.evaluate(SETTLED)
            result = check(page)
            if result:
                found[name] = result
    finally:
        context.close()
    return found


def test_at_1280_px_nothing_in_an_article_scrolls_sideways_or_sticks_out(browser, site_url, pages):
    url, _ = site_url
    problems = _each_page(browser, url, pages, lambda page: page.evaluate(OVERFLOWS, True), viewport=DESKTOP)
    assert not problems, problems


def test_on_a_phone_every_diagram_label_is_at_least_9_px_and_what_scrolls_is_a_named_tab_stop(
        browser, site_url, pages):
    url, _ = site_url
    labels, scrollers = {}, {}

    def check(page):
        labels[page.url] = page.evaluate(DIAGRAM_LABELS)
        page.wait_for_timeout(50)  # scroll.js reacts to the layout through a ResizeObserver
        scrollers[page.url] = page.evaluate(SCROLLERS)

    _each_page(browser, url, pages, check, viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=3)
    drawn = [(page, *label) for page, found in labels.items() for label in found]
    assert len({(page, figure) for page, figure, _, _ in drawn}) >= 4, "fewer diagrams than the chapters draw"
    small = [f"{page} {figure}: {text!r} at {size:.1f} px" for page, figure, text, size in drawn
             if size < SMALLEST_LABEL]
    print(f"\nphone: {len(drawn)} diagram labels, the smallest {min(size for *_, size in drawn):.1f} px")
    assert not small, small
    wrong = [f"{page} {s['name']}: overflows={s['overflows']} tabindex={s['tabindex']} label={s['label']!r}"
             for page, found in scrollers.items() for s in found
             if s["overflows"] != (s["tabindex"] == "0" and "(scrolls sideways)" in s["label"])]
    assert not wrong, wrong
    assert any(s["overflows"] for found in scrollers.values() for s in found), "nothing scrolls on a phone?"
