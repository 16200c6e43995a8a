"""The built chapter pages show their exercises: under an "Exercises" heading before the closing quiz,
each solution in a closed <details> that the keyboard opens, with every placeholder filled and all TeX
turned into MathML."""
import re

import pytest
from site_server import build_site, serve

from quiz import exercises


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    site_dir = tmp_path_factory.mktemp("exercises") / "site"
    process = build_site(site_dir)
    assert process.returncode == 0, f"mkdocs build failed:\n{process.stdout}\n{process.stderr}"
    return site_dir


def chapters():
    return sorted({item.chapter for item, _ in exercises.load_exercises()})


def exercises_section(page):
    """The HTML from the page's "Exercises" heading to its next H2."""
    match = re.search(r'<h2 id="exercises">.*?(?=<h2 |</article>)', page, re.DOTALL)
    assert match, "no <h2 id=\"exercises\"> on the page"
    return match.group(0)


@pytest.mark.parametrize("chapter", chapters())
def test_chapter_page_shows_its_exercises_with_closed_solutions(site, chapter):
    page = (site / f"{chapter}.html").read_text(encoding="utf-8")
    section = exercises_section(page)
    expected = [item.exercise.id for item, _ in exercises.load_exercises() if item.chapter == chapter]
    assert re.findall(r'<section class="gr-exercise" id="ex-([a-z0-9-]+)"', section) == expected
    details = re.findall(r"<details[^>]*>", section)
    assert len(details) == len(expected) and not [tag for tag in details if re.search(r"\sopen\b", tag)], details
    assert section.count("<summary>Solution</summary>") == len(expected)
    assert "{{" not in section and "$" not in section and "<math" in section
    later = re.findall(r'<h2 id="([^"]+)"', page[page.index('<h2 id="exercises">'):])[1:]
    assert set(later) <= {"check-yourself"}, f"the exercises close the chapter, before its quiz; after: {later}"


def test_the_keyboard_opens_a_solution(site, browser):
    with serve(site) as url:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(url + "gru.html")
        summary = page.locator("details.gr-exercise-solution > summary").first
        solution = summary.locator("xpath=..")
        assert solution.evaluate("d => d.open") is False
        summary.focus()
        page.keyboard.press("Enter")
        assert solution.evaluate("d => d.open") is True
        assert solution.locator("math").first.is_visible()
        page.close()


@pytest.mark.parametrize("color_scheme, rules", [("light", None), ("dark", ["color-contrast", "link-in-text-block"])])
def test_axe_finds_nothing_serious_in_the_open_solutions(site, browser, color_scheme, rules):
    """The site's axe test sees the solutions closed; here they are open, in both schemes."""
    axe = pytest.importorskip("axe_playwright_python.sync_playwright", reason="axe-playwright-python is missing")
    problems = []
    with serve(site) as url:
        context = browser.new_context(color_scheme=color_scheme, viewport={"width": 1280, "height": 900})
        page = context.new_page()
        for chapter in chapters():
            page.goto(url + f"{chapter}.html")
            page.evaluate("document.querySelectorAll('details.gr-exercise-solution').forEach(d => d.open = true)")
            options = {"resultTypes": ["violations"]}
            if rules:
                options["runOnly"] = {"type": "rule", "values": rules}
            scope = {"include": [[".gr-exercises"]], "exclude": [["math"]] if rules else []}
            for violation in axe.Axe().run(page, context=scope, options=options).response["violations"]:
                if violation["impact"] in ("serious", "critical"):
                    problems += [f"{chapter}: {violation['id']} {node['target']}" for node in violation["nodes"][:5]]
        context.close()
    assert not problems, "\n".join(problems)
