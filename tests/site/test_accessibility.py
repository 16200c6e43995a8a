"""axe-core (through axe-playwright-python, which bundles it: no network) on every page of the
navigation in the light and the dark scheme: no serious or critical violation.

The schemes differ only in colours (Material swaps CSS custom properties), so every rule runs on
the light scheme and the rules about colour on the dark one. There they skip the formulas: <math>
takes the colour of its text (site.css), and its thousands of one-glyph elements would take axe
about half a minute more on two cores."""
import pytest

DESKTOP = {"width": 1280, "height": 900}
BLOCKING = ("serious", "critical")
SETTLED = "document.fonts.ready.then(() => new Promise(done => requestAnimationFrame(() => done(true))))"
SCHEME = "document.body.getAttribute('data-md-color-scheme')"


COLOUR_RULES = ["color-contrast", "link-in-text-block"]


@pytest.mark.parametrize("color_scheme,material_scheme,rules", [("light", "default", None),
                                                                ("dark", "slate", COLOUR_RULES)])
def test_axe_finds_no_serious_or_critical_violation_on_any_page(browser, site_url, pages, color_scheme,
                                                                  material_scheme, rules):
    axe = pytest.importorskip("axe_playwright_python.sync_playwright", reason="axe-playwright-python is missing")
    url, _ = site_url
    context = browser.new_context(color_scheme=color_scheme, viewport=DESKTOP)
    page = context.new_page()
    problems, summary = [], []
    try:
        for name in pages:
            page.goto(url + name, wait_until="load")
            page.evaluate(SETTLED)
            assert page.evaluate(SCHEME) == material_scheme
            options = {"resultTypes": ["violations"]}
            scope = None
            if rules:
                options["runOnly"] = {"type": "rule", "values": rules}
                scope = {"exclude": [["math"]]}
            violations = axe.Axe().run(page, context=scope, options=options).response["violations"]
            blocking = [v for v in violations if v["impact"] in BLOCKING]
            summary.append(f"{name} {sum(len(v['nodes']) for v in blocking)}"
                           f"/{sum(len(v['nodes']) for v in violations if v not in blocking)}")
            for violation in blocking:
                for node in violation["nodes"][:5]:
                    problems.append(f"{name}: {violation['id']} ({violation['impact']}) {node['target']}: "
                                    f"{' '.join(node['failureSummary'].split())[:300]}")
    finally:
        context.close()
    print(f"\naxe, {color_scheme}: serious or critical / minor or moderate elements per page: " + ", ".join(summary))
    assert not problems, "\n".join(problems)
