"""The notebooks (docs/notebooks/*.py, executed at build time by mkdocs-jupyter; sitegen/notebooks.py):
each page shows the outputs of a real run and no error, its math is MathML, it loads nothing from
elsewhere and offers the notebook for download; the PyTorch notebook, which the build leaves
unexecuted, runs under nbclient here.

The pages come from a build with an empty cache directory, so every notebook is executed by it; the
browser tests (page weight, axe in both schemes, layout, print) reach the notebook pages through the
navigation, like every other page."""
import ast
import base64
import html
import json
import re
from html.parser import HTMLParser

import numpy as np
import pytest
import yaml
from site_server import RAW_TEX, ROOT, build_site, nav_pages

from sitegen import examples, notebooks

NOTEBOOKS = ROOT / "docs" / "notebooks"
SOURCES = sorted(NOTEBOOKS.glob("*.py"))
NBCONVERT_PLACEHOLDER = "No description has been provided for this image"
# What a notebook may import: the site's subject (gru_ref), numpy, matplotlib, the standard library
# modules a figure needs, IPython's display (always there in a Jupyter kernel); and the oracle in the
# notebook that the build does not run.
ALLOWED_IMPORTS = {"numpy", "gru_ref", "matplotlib", "base64", "html", "io", "IPython"}
ORACLE_IMPORTS = {"torch"}
CODE_WIDTH = 79  # characters: a code cell then fits its box at 1280 px and on A4 (tests/site/test_layout.py)


def plugin_options():
    config = yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=yaml.BaseLoader)
    for plugin in config["plugins"]:
        if isinstance(plugin, dict) and "mkdocs-jupyter" in plugin:
            return plugin["mkdocs-jupyter"]
    raise AssertionError("mkdocs.yml has no mkdocs-jupyter plugin")


def executed(source):
    ignored = plugin_options().get("execute_ignore", [])
    return not any(source.match(pattern) for pattern in ignored)


def page_of(source):
    return f"notebooks/{source.stem}.html"


def code_cells(source):
    import jupytext

    return [cell for cell in jupytext.read(source).cells if cell.cell_type == "code"]


@pytest.fixture(scope="module")
def build(tmp_path_factory):
    """A build whose notebook cache starts empty: every notebook is executed by it."""
    scratch = tmp_path_factory.mktemp("notebooks")
    process = build_site(scratch / "site", {"GRU_REF_CACHE_DIR": str(scratch / "cache")})
    assert process.returncode == 0, f"mkdocs build failed:\n{process.stdout}\n{process.stderr}"
    return scratch / "site", scratch / "cache", process


@pytest.fixture(scope="module")
def site(build):
    return build[0]


class _Page(HTMLParser):
    """The elements a notebook page is checked for: links, images, scripts, styles, visible text."""

    HIDDEN = {"pre", "code", "math", "script", "style", "svg"}

    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.links, self.images, self.scripts, self.styles, self.text = [], [], [], [], []
        self._hidden, self._inside = 0, None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "a":
            self.links.append(attributes)
        elif tag == "img":
            self.images.append(attributes)
        if tag in ("script", "style"):
            self._inside = (tag, attributes, [])
        if tag in self.HIDDEN:
            self._hidden += 1

    def handle_endtag(self, tag):
        if self._inside and tag == self._inside[0]:
            (self.scripts if tag == "script" else self.styles).append((self._inside[1], "".join(self._inside[2])))
            self._inside = None
        if tag in self.HIDDEN and self._hidden:
            self._hidden -= 1

    def handle_data(self, data):
        if self._inside:
            self._inside[2].append(data)
        elif not self._hidden:
            self.text.append(data)


def read(site, source):
    return (site / page_of(source)).read_text(encoding="utf-8")


# -- the sources ---------------------------------------------------------------------------------


def test_there_are_notebooks_and_one_is_left_to_the_tests():
    assert len([s for s in SOURCES if executed(s)]) >= 3, SOURCES
    assert [s.name for s in SOURCES if not executed(s)] == ["gru-step-vs-pytorch.py"]


@pytest.mark.parametrize("source", SOURCES, ids=lambda s: s.stem)
def test_a_notebook_is_a_percent_script_that_round_trips_through_jupytext(source):
    import jupytext

    text = source.read_text(encoding="utf-8")
    assert text.startswith("# ---\n# jupyter:\n") and "\n# %%" in text
    notebook = jupytext.reads(text, fmt="py:percent")
    assert jupytext.writes(notebook, fmt="py:percent") == text
    assert notebook.metadata["kernelspec"]["name"] == "python3"
    assert all("outputs" not in cell or not cell.outputs for cell in notebook.cells)


@pytest.mark.parametrize("source", SOURCES, ids=lambda s: s.stem)
def test_a_notebook_imports_only_gru_ref_numpy_and_matplotlib(source):
    allowed = ALLOWED_IMPORTS | (set() if executed(source) else ORACLE_IMPORTS)
    imported = set()
    for cell in code_cells(source):
        for node in ast.walk(ast.parse(cell.source)):
            if isinstance(node, ast.Import):
                imported.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                imported.add(node.module.split(".")[0])
    assert imported <= allowed, imported - allowed
    assert "gru_ref" in imported


@pytest.mark.parametrize("source", SOURCES, ids=lambda s: s.stem)
def test_code_lines_fit_the_page(source):
    long = [line for cell in code_cells(source) for line in cell.source.splitlines() if len(line) > CODE_WIDTH]
    assert not long, long


@pytest.mark.parametrize("notebook", ["gru-step-by-hand.py", "gru-step-vs-pytorch.py"])
def test_the_hand_computation_starts_from_the_gru_pages_example(notebook):
    """The given numbers typed into the notebook are the worked example the GRU page generates. (Each
    notebook is downloaded and run alone, so each types them out.)"""
    namespace = {}
    for cell in code_cells(NOTEBOOKS / notebook):
        exec(cell.source, namespace)
        if "w" in namespace:
            break
    example = examples.example("gru", 1)
    np.testing.assert_array_equal(namespace["x"], example.xs[0])
    np.testing.assert_array_equal(namespace["H_prev"], example.initial[0])
    for name, value in example.weights.arrays().items():
        np.testing.assert_array_equal(getattr(namespace["w"], name), value, err_msg=name)
    assert example.options == {"reset": "after"}


# -- the build -----------------------------------------------------------------------------------


def test_the_build_that_runs_the_notebooks_prints_nothing_but_its_log(build):
    """No warning from any part: MkDocs, the plugin, nbconvert, the kernels (ipykernel 7 warns on
    stderr when it runs over TCP without encryption, unless the kernel manager gives it keys)."""
    _, _, process = build
    lines = (process.stdout + process.stderr).splitlines()
    assert not [line for line in lines if "WARNING" in line]
    foreign = [line for line in lines if line.strip() and not re.match(r"(INFO|DEBUG) +- ", line)]
    assert not foreign, foreign


def test_the_notebook_cache_is_keyed_on_the_code(build):
    """The entries sit in a directory named after the sources and the Jupyter setup, so an edit of
    gru_ref (which the plugin's own key ignores) is never served stale outputs."""
    _, cache_dir, _ = build
    entries = sorted((cache_dir / "notebooks").glob("*/*.json"))
    assert {entry.parent.name for entry in entries} == {notebooks.cache_key()}
    assert len(entries) == len(SOURCES)


def test_the_cache_key_follows_gru_ref_and_the_jupyter_setup(tmp_path):
    import shutil
    import subprocess
    import sys

    for name in ("gru_ref", "sitegen"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))

    def key():
        probe = "from sitegen import notebooks; print(notebooks.cache_key())"
        return subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True,
                              check=True, env={"PYTHONPATH": str(tmp_path), "PATH": ""}).stdout.strip()

    keys = [key()]
    for edited in ("gru_ref/cells.py", "sitegen/jupyter/share/nbconvert/templates/mkdocs_html/notebook.css"):
        path = tmp_path / edited
        path.write_text(path.read_text() + "\n/* an edit */\n" if edited.endswith(".css")
                        else path.read_text() + "\n# an edit\n")
        keys.append(key())
    assert len(set(keys)) == 3, keys


def test_every_notebook_is_a_page_of_the_navigation(site):
    assert set(map(page_of, SOURCES)) <= set(nav_pages(site))


@pytest.mark.parametrize("source", SOURCES, ids=lambda s: s.stem)
def test_a_notebook_page_shows_every_cell_and_no_error(site, source):
    text = read(site, source)
    assert text.count('<div class="gr-nb-code">') == len(code_cells(source))
    outputs = text.count('class="gr-nb-outputs"')
    if executed(source):
        assert outputs >= 3
    else:
        assert outputs == 0
    for sign in ("gr-nb-error", "gr-nb-stderr", "Traceback"):
        assert sign not in text, sign


@pytest.mark.parametrize("source", SOURCES, ids=lambda s: s.stem)
def test_math_is_mathml_and_no_mathjax_or_other_script_is_left(site, source):
    text = read(site, source)
    page = _Page(text)
    notebook = text[text.index('<div class="gr-notebook">'):text.index("</article>")]
    assert "<math" in notebook
    assert "mathjax" not in text.lower()
    assert "<script" not in notebook
    for _, body in page.scripts:
        assert not re.search(r"https?://", body), body[:200]
    leftovers = [m.group(0) for chunk in page.text for m in RAW_TEX.finditer(chunk)]
    assert not leftovers, leftovers
    # none of JupyterLab's stylesheet (575 KB) is inlined: the cells are styled as the site's own
    styles = "".join(body for _, body in page.styles)
    assert ".jp-" not in styles and len(styles) < 5000, len(styles)


@pytest.mark.parametrize("source", SOURCES, ids=lambda s: s.stem)
def test_every_figure_has_a_text_alternative(site, source):
    for image in _Page(read(site, source)).images:
        alt = image.get("alt") or ""
        assert len(alt) >= 40 and NBCONVERT_PLACEHOLDER not in alt, image.get("src", "")[:80]
        assert image["src"].startswith("data:image/png;base64,")
        assert base64.b64decode(image["src"].split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("source", SOURCES, ids=lambda s: s.stem)
def test_a_notebook_page_offers_the_notebook_as_ipynb_and_as_py(site, source):
    import jupytext
    import nbformat

    links = {link["href"] for link in _Page(read(site, source)).links if "download" in link}
    assert links == {f"{source.stem}.ipynb", f"{source.stem}.py"}
    folder = site / "notebooks"
    assert (folder / source.name).read_bytes() == source.read_bytes()
    notebook = nbformat.reads((folder / f"{source.stem}.ipynb").read_text(encoding="utf-8"), as_version=4)
    nbformat.validate(notebook)
    assert [cell.id for cell in notebook.cells] == [f"cell-{k}" for k in range(1, len(notebook.cells) + 1)]
    assert all(cell.outputs == [] and cell.execution_count is None
               for cell in notebook.cells if cell.cell_type == "code")
    assert notebook.metadata.kernelspec.name == "python3"
    script = jupytext.read(source)
    assert [(c.cell_type, c.source) for c in notebook.cells] == [(c.cell_type, c.source) for c in script.cells]
    assert jupytext.writes(notebook, fmt="py:percent") == source.read_text(encoding="utf-8")


# -- what the executed pages show ------------------------------------------------------------------


def test_the_hand_computation_ran_its_checks_and_shows_gru_refs_numbers(site):
    text = html.unescape(read(site, NOTEBOOKS / "gru-step-by-hand.py"))
    trace = examples.example("gru", 1).traces[0]
    assert "all 10 intermediates agree with gru_ref within 4 ulp" in text
    # the new state: first with every digit, then rounded as the GRU page prints it
    every_digit, rounded = re.findall(r"^ +H  \[(.*?)\]$", text, re.MULTILINE)
    np.testing.assert_allclose([float(v) for v in every_digit.split(",")], trace.H, rtol=1e-15, atol=0)
    assert rounded.split(", ") == examples.shown(trace.H)


def test_the_gradient_figure_reports_the_rnns_one_step_jacobian(site):
    """The notebook's first value for the RNN, k = 1, against the chapter's closed form: the Jacobian
    of one RNN step is W_hh^T diag(1 - H_T^2) (row vectors), here averaged over the sequences."""
    import gru_ref

    text = read(site, NOTEBOOKS / "vanishing-gradients.py")
    (image,) = _Page(text).images
    n, T, sequences = 16, 40, 8
    xs = np.random.default_rng(1).standard_normal((T, sequences, n))
    layer = gru_ref.RNN(n, n, seed=0, dtype=np.float64)
    out, _ = layer(xs, np.zeros((1, sequences, n)))
    W_hh = layer.state_dict()["weight_hh_l0"]
    norms = [np.linalg.norm(W_hh.T * (1 - h * h), 2) for h in out[-1]]
    assert f"RNN: {np.mean(norms):.2g} at k = 1" in image["alt"]
    for name in ("RNN", "GRU", "LSTM", "GRU, update-gate bias +1", "LSTM, forget-gate bias +1"):
        assert f"{name}: " in image["alt"]
        assert re.search(rf"{re.escape(name)} +0\.\d{{3}} per step", html.unescape(text)), name


def test_the_training_page_shows_the_run_it_describes(site):
    """The learning curve, the gate figure and the marked steps on the page are those of the run
    and the sequence the notebook states: trained again here with the same call."""
    from gru_ref import tasks, train

    text = html.unescape(read(site, NOTEBOOKS / "adding-problem.py"))
    task = tasks.get("adding", length=20)
    run = train.train("gru", task, hidden_size=16, steps=300, seed=0)
    for step, loss in zip(run.steps, run.losses):
        assert f"step {step:>3}: loss {loss:.4f}" in text
    example = task.sample(np.random.default_rng(1), batch_size=1)
    marked = np.flatnonzero(example.inputs[:, 0, 1]) + 1
    shown = re.search(r"marked steps: \[([\d ]+)\]", text).group(1).split()
    assert [int(s) for s in shown] == marked.tolist()
    curve, gates = _Page(read(site, NOTEBOOKS / "adding-problem.py")).images
    assert f"{run.losses[-1]:.3f} at step 300" in curve["alt"]
    assert f"marked steps, {marked[0]} and {marked[1]}" in gates["alt"]


# -- the notebook the build leaves to the tests --------------------------------------------------


def test_the_pytorch_notebook_runs_under_nbclient(monkeypatch):
    pytest.importorskip("torch", reason="the PyTorch notebook needs torch (the oracles extra)")
    import jupytext
    from nbclient import NotebookClient

    for name, value in notebooks.environment().items():
        monkeypatch.setenv(name, value)
    notebook = jupytext.read(NOTEBOOKS / "gru-step-vs-pytorch.py")
    client = NotebookClient(notebook, kernel_name="python3", timeout=120, allow_errors=False,
                            config=notebooks.jupyter_config(), resources={"metadata": {"path": str(ROOT)}})
    client.execute()
    cells = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert all(cell.execution_count is not None for cell in cells)
    outputs = [output for cell in cells for output in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error" or o.get("name") == "stderr"], outputs
    assert "PyTorch agrees with gru_ref" in cells[-1].outputs[-1].text
    json.dumps(notebook)  # a plain notebook again, outputs and all


# -- mkdocs serve ----------------------------------------------------------------------------------


def test_under_serve_a_gru_ref_edit_reaches_the_notebook_outputs(tmp_path):
    """The plugin's cache would serve the outputs from before the edit (its key is the notebook's
    text); the build's cache directory is named after the sources as they are at that build."""
    import os
    import subprocess
    import sys
    import time

    from test_serve import free_port, page_text, wait_for

    from sitegen import cache

    cache.copy_project(tmp_path)
    port = free_port()
    env = dict(os.environ, PYTHONPATH=str(tmp_path), GRU_REF_CACHE_DIR=str(tmp_path / "cache"))
    server = subprocess.Popen([sys.executable, "-m", "mkdocs", "serve", "-a", f"127.0.0.1:{port}"],
                              cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        url = f"http://127.0.0.1:{port}/notebooks/gru-step-by-hand.html"
        # print(trace) in the notebook: gru_ref's Trace.__str__ shows four decimals
        assert wait_for(lambda: "u       = [0.8429 0.178 ]" in page_text(url), 120), "no first build"
        time.sleep(1.0)  # let the watcher settle
        cells = tmp_path / "gru_ref" / "cells.py"
        source = cells.read_text()
        assert source.count("np.printoptions(precision=4") == 1
        cells.write_text(source.replace("np.printoptions(precision=4", "np.printoptions(precision=6"))
        assert wait_for(lambda: "u       = [0.842905 0.177994]" in page_text(url), 120), \
            "the notebook page still shows the outputs from before the edit"
    finally:
        server.terminate()
        server.wait(timeout=30)
