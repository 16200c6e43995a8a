"""The explorable (docs/javascripts/explorable.js; markup and data: sitegen/explorable.py) in Chromium, offline.

The script's step functions against gru_ref on random cases (all three cells, both reset placements);
then the pages as a reader uses them: controls by keyboard, presets, new weights, the sequence mode,
dark mode, a phone, file://, no script, print. Screenshots of every preset go to $GRU_REF_SCREENSHOTS
when it is set.
"""
import gzip
import json
import os
import re
from pathlib import Path

import numpy as np
import pytest
from site_server import only_local

from gru_ref import registry
from gru_ref.cells import run_sequence
from sitegen import diagrams, examples, explorable

PAGES = {"rnn": "rnn.html", "gru": "gru.html", "lstm": "lstm.html"}
KINDS = (("rnn", {"nonlinearity": "tanh"}), ("rnn", {"nonlinearity": "relu"}), ("gru", {"reset": "after"}),
         ("gru", {"reset": "before"}), ("lstm", {}))
NO_SEARCH_SCRIPT = r"ERR_FILE_NOT_FOUND|search_index"  # file://: Material asks for a search index MkDocs never writes

# What the page shows, read from the DOM: each node's and wire's numbers in the visible live diagram, the table.
SHOWN = """root => {
  const explorable = window.gruExplorable.instances.find(e => e.root === root);
  const figure = [...root.querySelectorAll(".gr-explore-figure")].find(f => !f.hidden);
  const nodes = {}, wires = {}, table = {};
  figure.querySelectorAll("[data-node]").forEach(n => {
    const text = n.querySelector(":scope > text.gr-value");
    if (text) nodes[n.dataset.node] = [...text.children].map(t => t.textContent);
  });
  figure.querySelectorAll(".gr-wire[data-value]").forEach(w => { wires[w.id] = [w.dataset.src, w.dataset.value]; });
  root.querySelectorAll("tr[data-field]").forEach(r => {
    table[r.dataset.field] = [...r.querySelectorAll("td.gr-num")].map(c => c.textContent);
  });
  return {nodes, wires, table, values: explorable.values, reset: explorable.reset, figure: figure.dataset.reset || null,
          visible: getComputedStyle(figure).display !== "none"};
}"""


@pytest.fixture(scope="session")
def site(site_url):
    """The session's one build of the site (tests/site/conftest.py)."""
    return site_url


class Visit:
    """A page in a fresh context that may reach 127.0.0.1 and file:// only; console errors and warnings,
    page errors and remote requests are recorded, and leaving the block asserts there were none."""

    def __init__(self, browser, url, color_scheme="light", width=1280, height=900, javascript=True, ignore=None):
        self.errors, self.remote, self.ignore = [], [], ignore
        self.context = browser.new_context(color_scheme=color_scheme, viewport={"width": width, "height": height},
                                           java_script_enabled=javascript)
        self.context.route("**/*", only_local(self.remote))
        self.page = self.context.new_page()
        self.page.on("console", lambda message: message.type in ("error", "warning") and self.errors.append(
            f"console {message.type}: {message.text}"))
        self.page.on("pageerror", lambda error: self.errors.append(f"page error: {error}"))
        self.responses = []
        self.page.on("response", lambda response: self.responses.append(response))
        self.page.goto(url, wait_until="load")
        self.root = self.page.locator(".gr-explore").first


    def shown(self):
        return self.root.evaluate(SHOWN)

    def control(self, name, entry):
        return self.root.locator(f'input[type=range][data-name="{name}"][data-entry="{entry}"]')

    def press(self, selector):
        self.root.locator(selector).click()

    def __enter__(self):
        return self

    def __exit__(self, kind, value, traceback):
        try:
            if kind is None:
                errors = [e for e in self.errors if not (self.ignore and re.search(self.ignore, e))]
                assert not errors, errors
                assert not self.remote, f"requests to other hosts: {self.remote}"
        finally:
            self.context.close()


@pytest.fixture
def visit(browser, site):
    url, _ = site

    def open_page(cell, **options):
        return Visit(browser, url + PAGES[cell], **options)
    return open_page


# ---------------------------------------------------------------- gru_ref, for the same numbers

def reference(cell, values, reset=None):
    """Every value of one step as gru_ref computes it for the page's values (x, states, weights)."""
    entry = registry.cell(cell)
    weights = entry.weights(**{f: np.array(values[f], dtype=float) for f in entry.weights.__dataclass_fields__})
    states = [np.array(values[f"{s}_prev"], dtype=float) for s in entry.states]
    trace = entry.step(np.array(values["x"], dtype=float), *states, weights, **({"reset": reset} if reset else {}))
    return {"x": values["x"], **{f"{s}_prev": v for s, v in zip(entry.states, states)}, **trace.as_dict()}


def assert_shows_gru_refs_numbers(cell, shown):
    """Every number in the live diagram (nodes and wires) and in the step table is gru_ref's, as the site writes it."""
    expected = {name: diagrams.entries(v) for name, v in reference(cell, shown["values"], shown["reset"]).items()}
    assert shown["visible"] and shown["figure"] == shown["reset"]
    assert shown["nodes"] and shown["wires"] and shown["table"]
    for name, texts in shown["nodes"].items():
        assert texts == expected[name], f"{cell} diagram, node {name}: page {texts}, gru_ref {expected[name]}"
    for wire, (src, value) in shown["wires"].items():
        assert value == "[" + ", ".join(expected[src]) + "]", f"{cell} diagram, {wire}: {value}"
    assert shown["table"] == {field: expected[field] for field in shown["table"]}
    assert set(shown["table"]) == set(expected)


# ---------------------------------------------------------------- the port against gru_ref

def random_cases(count, seed=20240515):
    """Random sizes, weights scaled from small to saturating, inputs and states; every kind in turn."""
    rng = np.random.default_rng(seed)
    cases = []
    for n in range(count):
        cell, options = KINDS[n % len(KINDS)]
        entry = registry.cell(cell)
        D, H = int(rng.integers(1, 7)), int(rng.integers(1, 6))
        scale = float(rng.choice([0.3, 1.0, 3.0, 8.0]))
        weights = entry.weights.random(D, H, seed=int(rng.integers(2**31)))
        weights = entry.weights(**{k: v * scale for k, v in weights.arrays().items()})
        x = rng.normal(0, 2, D)
        states = [rng.normal(0, 1 if s == "H" else 2, H) for s in entry.states]
        cases.append({"cell": cell, "options": options, "x": x, "states": states, "weights": weights})
    return cases


def test_the_scripts_step_functions_equal_gru_ref_on_random_cases(browser, site):
    url, _ = site
    cases = random_cases(explorable.CHECKED_CASES)
    assert len(cases) >= 50 and {(c["cell"], c["options"].get("reset")) for c in cases} >= {
        ("rnn", None), ("gru", "after"), ("gru", "before"), ("lstm", None)}
    sent = [{"cell": c["cell"], "options": c["options"], "x": c["x"].tolist(),
             "states": [s.tolist() for s in c["states"]],
             "w": {name: value.tolist() for name, value in c["weights"].arrays().items()}} for c in cases]
    with Visit(browser, url + PAGES["gru"]) as v:
        got = v.page.evaluate("cases => cases.map(c => Object.entries(window.gruExplorable.step("
                              "c.cell, c.x, c.states, c.w, c.options)))", sent)
    worst, where = 0.0, None
    for n, (case, fields) in enumerate(zip(cases, got)):
        entry = registry.cell(case["cell"])
        trace = entry.step(case["x"], *case["states"], case["weights"], **case["options"]).as_dict()
        assert [name for name, _ in fields] == list(trace), f"case {n}: fields differ"
        for name, values in fields:
            error = float(np.max(np.abs(np.array(values) - trace[name])))
            if error > worst:
                worst, where = error, f"case {n} ({case['cell']} {case['options']}), {name}"
    print(f"\nexplorable.js against gru_ref: {len(cases)} cases, worst absolute error {worst:.3g} at {where}")
    assert worst <= explorable.TOLERANCE, f"worst error {worst} at {where}"


def test_numbers_are_written_as_the_diagrams_write_them(browser, site):
    """3 decimals, a true minus, no negative zero, and exact ties rounded to even as Python does."""
    url, _ = site
    values = [0.0625, -0.0625, 0.1875, -0.1875, 0.3125, 2.4375, 0.0005, -0.0005, -0.0004, 1e-12, -1e-12, 0.9995,
              -0.9995, 0.125, 12.3456] + np.random.default_rng(3).normal(0, 2, 200).tolist()
    with Visit(browser, url + PAGES["rnn"]) as v:
        shown = v.page.evaluate("values => values.map(x => window.gruExplorable.shown(x))", values)
    assert shown == diagrams.entries(values)


# ---------------------------------------------------------------- the pages

@pytest.mark.parametrize("cell", PAGES)
def test_the_page_opens_on_the_worked_example_with_the_static_diagrams_numbers(visit, cell):
    with visit(cell) as v:
        shown = v.shown()
        assert_shows_gru_refs_numbers(cell, shown)
        static = v.root.locator(":scope > figure text.gr-value").all_text_contents()
        live = v.root.locator(".gr-explore-figure:not([hidden]) text.gr-value").all_text_contents()
        assert static == live, "the live diagram does not start with the static one's numbers"
        assert not v.root.locator(":scope > figure").is_visible(), "the static diagram should give way on screen"
        ex = examples.example(cell, 1)
        assert shown["values"]["x"] == pytest.approx(ex.xs[0].tolist())


@pytest.mark.parametrize("cell", PAGES)
def test_moving_controls_by_keyboard_updates_every_value_to_gru_refs(visit, cell):
    with visit(cell) as v:
        before = v.shown()
        bias = v.root.locator("fieldset[data-name^=b]").first.get_attribute("data-name")
        moves = [("x", 0, "ArrowRight", 3), ("H_prev", 1, "ArrowLeft", 2), (bias, 0, "PageUp", 1)]
        if cell == "lstm":
            moves.append(("C_prev", 0, "ArrowRight", 4))
        for name, entry, key, times in moves:
            control = v.control(name, entry)
            control.focus()
            for _ in range(times):
                control.press(key)
        after = v.shown()
        assert after["values"]["x"][0] == pytest.approx(before["values"]["x"][0] + 0.3)
        assert after["values"]["H_prev"][1] == pytest.approx(before["values"]["H_prev"][1] - 0.2)
        assert after["values"][bias][0] > before["values"][bias][0]
        assert after["table"]["H"] != before["table"]["H"]
        assert_shows_gru_refs_numbers(cell, after)
        if cell == "gru":  # the reset switch, by keyboard: the other diagram, the other numbers, still gru_ref's
            v.root.locator("input[type=radio][value=after]").focus()
            v.page.keyboard.press("ArrowDown")
            switched = v.shown()
            assert switched["reset"] == "before" and switched["figure"] == "before"
            assert switched["table"]["reset_H"] != after["table"]["reset_H"]
            assert_shows_gru_refs_numbers(cell, switched)
        v.page.wait_for_function("document.querySelector('.gr-explore-status').textContent.length > 0")
        status = v.root.locator(".gr-explore-status").text_content()
        assert status.startswith(("new hidden state", "Reset applied")) and len(status) < 120, status


def press_preset(v, name):
    v.press(f'button[data-preset="{name}"]')
    return v.shown()


def test_rnn_preset_saturates_the_units(visit):
    with visit("rnn") as v:
        shown = press_preset(v, "saturate")
        assert shown["table"]["H"] == ["1.000", "1.000"]
        v.control("x", 0).focus()
        v.page.keyboard.press("PageDown")
        v.control("H_prev", 0).focus()
        v.page.keyboard.press("PageUp")
        assert v.shown()["table"]["H"] == ["1.000", "1.000"]
        assert v.root.locator('p.gr-explore-idea[data-preset="saturate"]').is_visible()
        assert_shows_gru_refs_numbers("rnn", v.shown())


def test_gru_presets_keep_the_state_and_close_the_reset_gate(visit):
    with visit("gru") as v:
        shown = press_preset(v, "keep")
        assert v.root.locator('button[data-preset="keep"]').get_attribute("aria-pressed") == "true"
        assert v.root.locator('p.gr-explore-idea[data-preset="keep"]').is_visible()
        for _ in range(3):  # whatever the weights: the unit copies H_{t-1}
            assert shown["table"]["H"] == shown["table"]["H_prev"], shown["table"]
            assert_shows_gru_refs_numbers("gru", shown)
            v.press(".gr-explore-new")
            shown = v.shown()
        shown = press_preset(v, "keep")  # pressed again: the example's bias is back
        assert v.root.locator('button[data-preset="keep"]').get_attribute("aria-pressed") == "false"
        assert shown["values"]["b_u"] == examples.example("gru", 1).weights.b_u.tolist()
        press_preset(v, "example")
        for reset in ("after", "before"):
            v.root.locator(f"input[type=radio][value={reset}]").check()
            closed = press_preset(v, "ignore")
            v.control("H_prev", 0).focus()
            v.page.keyboard.press("PageUp")
            v.page.keyboard.press("PageUp")
            moved = v.shown()
            assert moved["values"]["H_prev"] != closed["values"]["H_prev"]
            assert moved["table"]["H_tilde"] == closed["table"]["H_tilde"], f"reset {reset}: the candidate moved"
            assert moved["table"]["keep"] != closed["table"]["keep"]
            assert_shows_gru_refs_numbers("gru", moved)
            press_preset(v, "example")


def test_lstm_presets_hold_the_cell_and_hide_it(visit):
    with visit("lstm") as v:
        shown = press_preset(v, "hold")
        for _ in range(3):
            assert shown["table"]["C"] == shown["table"]["C_prev"], shown["table"]
            v.press(".gr-explore-new")
            shown = v.shown()
        press_preset(v, "example")
        v.control("C_prev", 1).fill("2.5")  # a large cell, hidden by the closed output gate
        shown = press_preset(v, "hide")
        assert shown["table"]["H"] == ["0.000", "0.000"] and shown["table"]["C"] != ["0.000", "0.000"]
        assert_shows_gru_refs_numbers("lstm", shown)


def test_new_weights_are_seeded_one_decimal_and_computed_like_gru_ref(visit):
    drawn = []
    for _ in range(2):
        with visit("gru") as v:
            v.press(".gr-explore-new")
            v.press(".gr-explore-new")
            shown = v.shown()
            assert "seed 2" in v.root.locator(".gr-explore-weights-note").text_content()
            assert_shows_gru_refs_numbers("gru", shown)
            drawn.append(shown["values"])
            text = v.root.locator(".gr-explore-weights").text_content()
            assert text.index("U_u = [[") < text.index("W_u = [[") < text.index("b_u = [")  # the registry's order
    assert drawn[0] == drawn[1], "the same presses should draw the same weights"
    example = examples.example("gru", 1).weights.arrays()
    assert drawn[0]["U_u"] != example["U_u"].tolist() and drawn[0]["b_u"] == example["b_u"].tolist()
    entries = np.concatenate([np.ravel(drawn[0][name]) for name in example])
    assert np.all(np.abs(entries) <= 0.9) and np.allclose(entries * 10, np.round(entries * 10))


def sequence_cells(v):
    return v.root.evaluate("""root => { const cells = {};
      root.querySelectorAll("td[data-step]").forEach(c => {
        (cells[c.dataset.row + c.dataset.entry] = cells[c.dataset.row + c.dataset.entry] || []).push(c.textContent);
      }); return cells; }""")


def test_sequence_mode_steps_plays_pauses_and_restarts(visit):
    with visit("gru") as v:
        start = v.shown()["values"]
        data = json.loads(v.root.locator("script.gr-explore-data").text_content())
        for _ in range(3):
            v.press('button[data-seq="step"]')
        assert v.root.locator(".gr-explore-seq-status").text_content() == "Step 3 of 8"
        entry = registry.cell("gru")
        weights = entry.weights(**{f: np.array(start[f]) for f in entry.weights.__dataclass_fields__})
        traces = run_sequence(entry.step, np.array(data["sequence"]), (np.array(start["H_prev"]),), weights,
                              reset="after")
        cells = sequence_cells(v)
        for name in ("u", "r", "H"):
            for k in range(2):
                expected = [f"{getattr(t, name)[k]:.2f}".replace("-", "−") for t in traces[:3]]
                assert cells[f"{name}{k}"][:3] == [e.replace("−0.00", "0.00") for e in expected]
                assert cells[f"{name}{k}"][3:] == [""] * 5
        assert_shows_gru_refs_numbers("gru", v.shown())  # the diagram shows step 3
        v.press('button[data-seq="play"]')
        assert v.root.locator('button[data-seq="play"]').text_content() == "Pause"
        v.page.wait_for_function("document.querySelector('.gr-explore-seq-status').textContent === 'Step 5 of 8'",
                                 timeout=5000)
        v.press('button[data-seq="play"]')  # pause
        paused = v.root.locator(".gr-explore-seq-status").text_content()
        v.page.wait_for_timeout(1500)
        assert v.root.locator(".gr-explore-seq-status").text_content() == paused
        v.press('button[data-seq="restart"]')
        assert v.root.locator(".gr-explore-seq-status").text_content() == "Step 0 of 8"
        assert all(text == "" for texts in sequence_cells(v).values() for text in texts)
        assert v.shown()["values"] == start


def test_lstm_sequence_with_the_cell_held(visit):
    with visit("lstm") as v:
        press_preset(v, "hold")
        held = v.shown()["table"]["C_prev"]
        for _ in range(8):
            v.press('button[data-seq="step"]')
        cells = sequence_cells(v)
        for k in range(2):
            assert set(cells[f"C{k}"]) == {f"{float(held[k].replace('−', '-')):.2f}".replace("-", "−")}


# Every control of the panel: its key (a radio group is one stop of Tab) and its accessible name.
CONTROLS = """root => {
  window.grControls = [...root.querySelectorAll(".gr-explore-panel button, .gr-explore-panel input, "
                                                + ".gr-explore-panel summary")];
  window.grKey = n => n.type === "radio" ? "radio:" + n.name : String(window.grControls.indexOf(n));
  return window.grControls.map(n => ({key: window.grKey(n), name: (n.getAttribute("aria-label")
    || (n.labels && n.labels.length ? n.labels[0].textContent : "") || n.textContent).trim()}));
}"""


@pytest.mark.parametrize("cell", ["gru", "lstm"])
def test_every_control_is_labelled_and_reached_with_tab(visit, cell):
    with visit(cell) as v:
        controls = v.root.evaluate(CONTROLS)
        assert all(c["name"] for c in controls), [c for c in controls if not c["name"]]
        sliders = v.root.locator("input[type=range]")
        labels = [sliders.nth(k).get_attribute("aria-label") for k in range(sliders.count())]
        assert len(set(labels)) == len(labels), "two sliders share a name"
        v.root.locator('button[data-preset="example"]').focus()
        reached = []
        for _ in range(len(controls) + 5):
            reached.append(v.page.evaluate("window.grKey(document.activeElement)"))
            v.page.keyboard.press("Tab")
        missing = [c["name"] for c in controls if c["key"] not in reached]
        assert not missing, f"never reached with Tab: {missing}"


@pytest.mark.parametrize("color_scheme", ["light", "dark"])
def test_axe_finds_nothing_serious_in_the_explorable(visit, color_scheme):
    axe = pytest.importorskip("axe_playwright_python.sync_playwright", reason="axe-playwright-python is missing")
    with visit("lstm", color_scheme=color_scheme) as v:
        for _ in range(3):
            v.press('button[data-seq="step"]')
        press_preset(v, "hold")
        results = axe.Axe().run(v.page, context=".gr-explore-panel").response
        serious = [f"{x['id']} ({x['impact']}): {[n['target'] for n in x['nodes']]}" for x in results["violations"]
                   if x["impact"] in ("serious", "critical")]
        assert not serious, "\n".join(serious)
        colours = v.root.evaluate("""root => ({
          value: getComputedStyle(root.querySelector(".gr-explore-figure:not([hidden]) .gr-value")).fill,
          text: getComputedStyle(root.querySelector(".gr-explore-panel")).color})""")
        light = [luminance(c) > 0.5 for c in colours.values()]
        assert light == [color_scheme == "dark"] * 2, colours


def luminance(css):
    r, g, b = (int(c) / 255 for c in re.findall(r"\d+", css)[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def test_on_a_phone_nothing_overflows_and_controls_are_big_enough(visit):
    with visit("lstm", width=390, height=844) as v:
        assert v.page.evaluate("document.documentElement.scrollWidth") <= 390
        boxes = v.root.evaluate("""root => [...root.querySelectorAll(
            ".gr-explore-panel input[type=range], .gr-explore-panel button")].map(n => n.getBoundingClientRect())
            .map(r => [r.left, r.right, r.height])""")
        assert all(left >= 0 and right <= 390 for left, right, _ in boxes), boxes
        assert all(height >= 24 for _, _, height in boxes), boxes
        v.control("x", 1).focus()
        v.page.keyboard.press("ArrowRight")
        assert_shows_gru_refs_numbers("lstm", v.shown())


def test_works_from_file_urls(browser, site):
    _, site_dir = site
    with Visit(browser, (site_dir / "gru.html").as_uri(), ignore=NO_SEARCH_SCRIPT) as v:
        before = v.shown()
        v.control("x", 2).focus()
        v.page.keyboard.press("ArrowLeft")
        after = v.shown()
        assert after["table"]["H"] != before["table"]["H"]
        assert_shows_gru_refs_numbers("gru", after)


@pytest.mark.parametrize("cell", PAGES)
def test_without_javascript_the_static_diagram_shows_the_worked_example(visit, cell):
    with visit(cell, javascript=False) as v:
        figure = v.root.locator(":scope > figure")
        assert figure.is_visible()
        assert v.page.locator(".gr-explore-panel").count() == 0, "the live part must stay in its <template>"
        ex = examples.example(cell, 1)
        state = registry.cell(cell).states
        expected = reference(cell, {"x": ex.xs[0], **{f"{s}_prev": x for s, x in zip(state, ex.initial)},
                                    **ex.weights.arrays()}, "after" if cell == "gru" else None)
        for node in figure.locator("[data-node]").all():
            texts = node.locator(":scope > text.gr-value tspan").all_text_contents()
            if texts:
                assert texts == diagrams.entries(expected[node.get_attribute("data-node")])


def test_print_shows_the_static_diagram_not_the_panel(visit):
    with visit("gru") as v:
        v.page.emulate_media(media="print")
        assert v.root.locator(":scope > figure").is_visible()
        assert not v.root.locator(".gr-explore-panel").is_visible()


def test_script_and_styles_are_small_and_the_pages_fit_the_budget(visit, site):
    _, site_dir = site
    sizes = {name: (len((site_dir / name).read_bytes()), len(gzip.compress((site_dir / name).read_bytes(), 6, mtime=0)))
             for name in ("javascripts/explorable.js", "stylesheets/explorable.css")}
    assert sizes["javascripts/explorable.js"][1] <= 6000 and sizes["stylesheets/explorable.css"][1] <= 2000, sizes
    weights = {}
    for cell in PAGES:
        with visit(cell) as v:
            sent = {}
            for response in v.responses:
                if response.status == 200 and response.url not in sent:
                    body = response.body()
                    text = response.headers.get("content-type", "").startswith(("text/", "application/javascript",
                                                                                "application/json", "image/svg+xml"))
                    sent[response.url] = len(gzip.compress(body, 6, mtime=0)) if text else len(body)
            weights[cell] = sum(sent.values())
    print(f"\nexplorable.js and .css (raw, gzipped): {sizes}; page weights: {weights}")
    assert all(weight <= 300_000 for weight in weights.values()), weights


def test_screenshots_of_every_preset_light_dark_desktop_phone(browser, site, tmp_path):
    """For people to look at: each page's explorable after each preset, 1280 and 390 pixels wide; then,
    with the last preset, four steps of the sequence."""
    url, _ = site
    directory = Path(os.environ.get("GRU_REF_SCREENSHOTS") or tmp_path)
    directory.mkdir(parents=True, exist_ok=True)
    box = "n => { const r = n.getBoundingClientRect(); return {x: r.x + scrollX, y: r.y + scrollY, " \
          "width: r.width, height: r.height}; }"
    for cell in PAGES:
        presets = ["example"] + [p.name for p in explorable.PRESETS[cell]]
        for color_scheme in ("light", "dark"):
            with Visit(browser, url + PAGES[cell], color_scheme=color_scheme) as v:
                for preset in presets + ["sequence"]:
                    if preset == "sequence":
                        for _ in range(4):
                            v.press('button[data-seq="step"]')
                    else:
                        press_preset(v, "example")
                        if preset != "example":
                            press_preset(v, preset)
                    for width in (1280, 390):
                        v.page.set_viewport_size({"width": width, "height": 900})
                        v.page.evaluate("scrollTo(0, 0)")  # Material's header is fixed: keep it at the top
                        path = directory / f"explorable-{cell}-{preset}-{color_scheme}-{width}.png"
                        panel = v.root.locator(".gr-explore-panel")
                        v.page.screenshot(path=str(path), full_page=True, clip=panel.evaluate(box))
                        assert path.stat().st_size > 10_000, f"{path} looks empty"
    print(f"\nexplorable screenshots in {directory}")


# ---------------------------------------------------------------- the generator

def test_the_data_names_fields_the_registry_has():
    for cell in PAGES:
        entry, data = registry.cell(cell), explorable.explorable_data(cell)
        assert data["fields"] == list(entry.trace.__dataclass_fields__)
        assert set(data["example"]) == {"x", *(f"{s}_prev" for s in entry.states), *entry.weights.__dataclass_fields__}
        for preset in data["presets"]:
            assert set(preset["set"]) <= set(entry.weights.__dataclass_fields__)
        assert np.all(np.abs(np.array(data["sequence"])) <= 1)


def test_a_bad_reset_is_an_error():
    with pytest.raises(ValueError, match="reset: expected one of"):
        explorable.explorable_html("gru", "sideways")
