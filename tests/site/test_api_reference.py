"""docs/api.md, gru_ref's API reference made by mkdocstrings from the docstrings: every public name has
an anchor, the docstrings' TeX came out as MathML (as many <math> as the docstrings have formulas),
no TeX or `$` is left in the text, the build is clean and the page is in the navigation."""

import importlib
import inspect
import pkgutil
import re
from html.parser import HTMLParser

import numpy as np
import pytest
from site_server import CONFIG, RAW_TEX, build_site, docs_dir, nav_pages

import gru_ref
from sitegen.mathml import latex_to_mathml

PAGE = "api.html"
# Written here rather than taken from sitegen.mathml, so that the count does not trust the code it checks:
# $$...$$ (may span lines) or $...$ on one line. gru_ref's docstrings write no literal dollar.
TEX = re.compile(r"\$\$(?P<display>.+?)\$\$|\$(?P<inline>[^$\n]+)\$", re.DOTALL)
DIRECTIVE = re.compile(r"^::: (\S+)", re.MULTILINE)
# The functions that compute the notes' equations: their docstrings must state them.
STATE_THEIR_EQUATIONS = ("cells.rnn_step", "cells.gru_step", "cells.lstm_step", "convert.to_torch",
                         "convert.from_torch", "convert.to_keras", "convert.from_keras", "counts.parameter_count",
                         "train.Adam")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """(site directory, build output) of one `mkdocs build --strict` of the real site."""
    site_dir = tmp_path_factory.mktemp("api") / "site"
    process = build_site(site_dir)
    assert process.returncode == 0, f"mkdocs build failed:\n{process.stdout}\n{process.stderr}"
    return site_dir, process.stdout + process.stderr


@pytest.fixture(scope="module")
def article(built):
    site_dir, _ = built
    html = (site_dir / PAGE).read_text(encoding="utf-8")
    return html.split("<article", 1)[1].split("</article>", 1)[0]


class _Sections(HTMLParser):
    """The article cut at its headings: (heading id, text outside code and math, <math> count) for each
    heading, the part before the first heading under None."""

    HIDDEN = {"code", "pre", "math", "script", "style", "svg"}

    def __init__(self):
        super().__init__()
        self.sections = [[None, [], 0]]
        self.hidden = 0

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if re.fullmatch(r"h[1-6]", tag) and attributes.get("id"):
            self.sections.append([attributes["id"], [], 0])
        if tag == "math":
            self.sections[-1][2] += 1
        if tag in self.HIDDEN:
            self.hidden += 1

    def handle_endtag(self, tag):
        if tag in self.HIDDEN:
            self.hidden -= 1

    def handle_data(self, data):
        if not self.hidden:
            self.sections[-1][1].append(data)


def sections(article):
    parser = _Sections()
    parser.feed(article)
    return [(anchor, "".join(text), maths) for anchor, text, maths in parser.sections]


def documented_modules():
    """The modules docs/api.md documents, from its `::: gru_ref.x` lines."""
    return [name for name in DIRECTIVE.findall((docs_dir() / "api.md").read_text(encoding="utf-8"))]


def resolve(path):
    """The object behind a dotted path such as gru_ref.train.Adam.step (modules imported on the way)."""
    parts = path.split(".")
    for split in range(len(parts), 0, -1):
        try:
            found = importlib.import_module(".".join(parts[:split]))
        except ModuleNotFoundError:
            continue
        for name in parts[split:]:
            found = getattr(found, name)
        return found
    raise LookupError(path)


def own_docstring(obj):
    """obj's docstring as written (not cleaned), or "" when it has none."""
    return obj.__doc__ if isinstance(obj.__doc__, str) else ""


def formulas(text):
    return [(match.group("display") or match.group("inline"), match.group("display") is not None)
            for match in TEX.finditer(text)]


def gru_ref_docstrings():
    """(name, docstring) of every module, class, function, method and property in gru_ref."""
    found = []
    for module_info in pkgutil.iter_modules(gru_ref.__path__, "gru_ref."):
        module = importlib.import_module(module_info.name)
        found.append((module.__name__, own_docstring(module)))
        for name, obj in vars(module).items():
            if not (inspect.isclass(obj) or inspect.isfunction(obj)) or obj.__module__ != module.__name__:
                continue
            found.append((f"{module.__name__}.{name}", own_docstring(obj)))
            for member_name, member in vars(obj).items() if inspect.isclass(obj) else ():
                if inspect.isfunction(member) or isinstance(member, property):
                    found.append((f"{module.__name__}.{name}.{member_name}", own_docstring(member)))
    return found


def test_the_build_prints_no_warning(built):
    _, output = built
    warnings = [line for line in output.splitlines() if "WARNING" in line]
    assert not warnings, "\n".join(warnings)


def test_no_inventory_is_fetched_from_the_web():
    # mkdocstrings downloads every objects.inv listed under `inventories` at each build; the site builds offline.
    from mkdocs.config import load_config

    config = load_config(str(CONFIG))
    handlers = config.plugins["mkdocstrings"].config.handlers
    assert handlers, "no mkdocstrings handler configured"
    for name, handler in handlers.items():
        assert not handler.get("inventories"), f"mkdocstrings handler {name} lists inventories to download"


def test_the_page_is_in_the_navigation_after_how_we_know(built):
    site_dir, _ = built
    pages = nav_pages(site_dir)
    assert PAGE in pages, pages
    assert pages[pages.index(PAGE) - 1] == "how-we-know.html", pages


def test_every_public_name_and_documented_module_has_a_heading(article):
    anchors = {anchor for anchor, _, _ in sections(article)}
    modules = documented_modules()
    assert "gru_ref" in modules and "gru_ref.convert" in modules, modules
    expected = {f"gru_ref.{name}" for name in gru_ref.__all__} | set(modules)
    for name in (module for module in modules if module != "gru_ref"):  # and what each module defines
        module = importlib.import_module(name)
        expected |= {f"{name}.{member}" for member, obj in vars(module).items()
                     if not member.startswith("_") and (inspect.isclass(obj) or inspect.isfunction(obj))
                     and obj.__module__ == name}
    missing = sorted(expected - anchors)
    assert not missing, f"no heading with these ids on {PAGE}: {missing}"


def test_every_docstring_formula_became_one_math_element(article):
    page_source = (docs_dir() / "api.md").read_text(encoding="utf-8")
    cut = sections(article)
    expected_total = len(formulas(page_source.split(":::", 1)[0]))  # the page's own introduction
    for anchor, _, maths in cut[1:]:
        if anchor == "gru_ref-api":  # the page title: the introduction follows it
            continue
        expected = len(formulas(own_docstring(resolve(anchor))))
        assert maths == expected, f"{anchor}: {maths} <math> elements, its docstring has {expected} formulas"
        expected_total += expected
    total = sum(maths for _, _, maths in cut)
    assert total == expected_total and total > 20, f"{total} <math> on the page, {expected_total} formulas"


def test_no_dollar_or_raw_tex_is_left_in_the_text(article):
    for anchor, text, _ in sections(article):
        assert "$" not in text, f"{anchor}: a '$' outside code and math: {text!r}"
        raw = RAW_TEX.search(text)
        assert raw is None, f"{anchor}: raw TeX {raw.group(0)!r} in {text!r}"


@pytest.mark.parametrize("name", STATE_THEIR_EQUATIONS)
def test_the_functions_that_compute_equations_state_them(name):
    docstring = own_docstring(resolve(f"gru_ref.{name}"))
    assert any(display for _, display in formulas(docstring)), f"gru_ref.{name}: no $$...$$ equation"


def _docstring_formulas():
    return [pytest.param(tex, display, id=f"{name}:{number}")
            for name, docstring in gru_ref_docstrings()
            for number, (tex, display) in enumerate(formulas(docstring))]


@pytest.mark.parametrize("tex,display", _docstring_formulas())
def test_every_docstring_formula_converts_to_mathml(tex, display):
    assert latex_to_mathml(tex, display).startswith("<math")


# -- the steps' docstring equations compute what the steps compute ------------------------------------
# Each display equation of rnn_step, gru_step and lstm_step is read as numpy (x_t -> x, H_{t-1} -> H_prev,
# \tilde{H}_t -> H_tilde, U_u -> w.U_u, a space between two operands -> @) and evaluated line by line.
TEX_TOKEN = re.compile(r"\s+|&|\\tilde\{(?P<tilde>[A-Z])\}_t|(?P<prev>[A-Z])_\{t-1\}"
                       r"|(?P<weight>[UWb])(?:_\{(?P<long>\w+)\}|_(?P<short>[a-z]))?(?![\w{])"
                       r"|(?P<value>[A-Za-z])_t|\\(?P<command>sigma|tanh|odot)|(?P<number>\d+)|(?P<symbol>[()+\-=])")
COMMANDS = {"sigma": "sigmoid", "tanh": "tanh", "odot": "*"}
SEPARATOR = re.compile(r"\\\\|,\s*\\qquad")


def as_numpy(tex):
    """`lhs = rhs` in TeX -> (lhs name, rhs as a Python expression)."""
    tokens, position = [], 0
    while position < len(tex):
        match = TEX_TOKEN.match(tex, position)
        assert match and match.end() > position, f"cannot read {tex[position:]!r} in {tex!r}"
        position, kind = match.end(), match.lastgroup
        if kind is None:
            continue
        text = match.group(kind)
        operand = {"tilde": f"{text}_tilde", "prev": f"{text}_prev", "value": text, "number": text,
                   "short": f"w.{match.group('weight')}_{text}", "long": f"w.{match.group('weight')}_{text}",
                   "weight": f"w.{text}"}.get(kind)
        if operand is not None and tokens and (tokens[-1][0] == "operand" or tokens[-1][1] == ")"):
            tokens.append(("symbol", "@"))  # two operands side by side: a matrix product
        if operand is None:
            text = COMMANDS.get(text, text)
        if kind == "symbol" and text == "(" and tokens and tokens[-1][0] == "operand":
            tokens.append(("symbol", "@"))
        tokens.append(("operand" if operand is not None else "symbol", operand or text))
    expression = " ".join(text for _, text in tokens)
    lhs, rhs = expression.split(" = ")
    return lhs, rhs


def step_equations(docstring):
    """The display equations of a step's docstring as numpy, and its inline formulas (TeX) that are equations."""
    shown = formulas(docstring)
    display = [as_numpy(part) for tex, is_display in shown if is_display
               for part in SEPARATOR.split(tex.replace(r"\begin{aligned}", "").replace(r"\end{aligned}", ""))
               if "=" in part]
    inline = [tex for tex, is_display in shown if not is_display and "=" in tex]
    return display, inline


def evaluate(equations, **values):
    names = {"sigmoid": lambda a: 1 / (1 + np.exp(-a)), "tanh": np.tanh, **values}
    for lhs, rhs in equations:
        names[lhs] = eval(rhs, {}, names)
    return names


@pytest.mark.parametrize("cell,options", [("rnn", {}), ("gru", {"reset": "after"}), ("gru", {"reset": "before"}),
                                          ("lstm", {})])
def test_the_steps_docstring_equations_compute_what_the_step_computes(cell, options):
    entry = gru_ref.registry.cell(cell)
    display, inline = step_equations(own_docstring(entry.step))
    if options.get("reset") == "before":  # the docstring gives the reset-before candidate inline
        alternative = dict(as_numpy(tex) for tex in inline if tex.startswith(r"\tilde{H}_t"))
        display = [(lhs, alternative.get(lhs, rhs)) for lhs, rhs in display]
    rng = np.random.default_rng(7)
    w = entry.weights.random(input_size=3, hidden_size=4, seed=7)
    states = {name: rng.standard_normal((2, 4)) for name in ("H_prev", "C_prev")[:len(entry.states)]}
    x = rng.standard_normal((2, 3))
    trace = entry.step(x, *states.values(), w, **options)
    computed = evaluate(display, x=x, w=w, **states)
    checked = [lhs for lhs, _ in display]
    assert set(checked) >= {"H"} | {block.output for block in entry.gates}, checked
    for name in checked:
        np.testing.assert_allclose(computed[name], getattr(trace, name), rtol=1e-12, atol=1e-12, err_msg=name)
