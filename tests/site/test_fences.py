"""The Markdown fences: options are checked, errors are loud and name the page, the source shown is real."""
import html
import inspect
import pathlib
import re
import subprocess
import sys

import pytest
from pymdownx.superfences import SuperFencesException

import gru_ref.cells
from sitegen import cache, fences, source

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("fence,body,message", [
    ("gru-example", "cell: gru\nstep: 4", "unknown option(s) ['step']"),
    ("gru-example", "cell: transformer", "option 'cell' must be one of ['rnn', 'gru', 'lstm'], got 'transformer'"),
    ("gru-example", "cell: gru\nsteps: '4'", "option 'steps' must be one of [1, 4], got '4'"),
    ("gru-diagram", "reset: after", "option 'cell' must be one of"),
    ("gru-table", "table: [cost", "not valid YAML"),
    ("gru-source", "just text", "expected 'option: value' lines"),
    ("gru-plot", "plot: gradient-norm\ncells: [gru, transformer]", "option 'cells' must be a non-empty list of"),
    ("gru-plot", "plot: gradient-norm\ncells: gru", "option 'cells' must be a non-empty list of"),
])
def test_bad_options_raise_an_error_naming_the_fence_and_the_option(fence, body, message):
    with pytest.raises(SuperFencesException) as error:
        fences.parse_options(fence, body)
    assert f"```{fence}" in str(error.value) and message in str(error.value)


def test_defaults_fill_missing_options():
    assert fences.parse_options("gru-example", "cell: lstm") == {"cell": "lstm", "steps": 1, "reset": "after"}


def test_list_options_accept_any_order_of_allowed_items():
    options = fences.parse_options("gru-plot", "plot: gradient-norm\ncells: [lstm, rnn]")
    assert options["cells"] == ("lstm", "rnn")


@pytest.mark.parametrize("function", ["gru_step", "lstm_step", "rnn_step"])
def test_source_fence_shows_the_file_lines_it_names(function):
    shown = source.source_html(function)
    first, last = map(int, re.search(r"lines (\d+)–(\d+)", shown).groups())
    code = html.unescape(re.sub(r"<[^>]+>", "", shown.split("<code>", 1)[1].split("</code>", 1)[0]))
    file_lines = pathlib.Path(inspect.getsourcefile(gru_ref.cells)).read_text().splitlines()[first - 1:last]
    assert code.splitlines() == file_lines
    assert f"def {function}(" in code


def test_a_page_with_a_bad_fence_fails_the_build_and_names_the_page(tmp_path):
    cache.copy_project(tmp_path)
    page = tmp_path / "docs" / "lstm.md"
    page.write_text(page.read_text() + "\n```gru-example\ncell: lstm\nsteps: 3\n```\n")
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-d", str(tmp_path / "site")],
                            cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode != 0
    assert "lstm.md" in result.stderr and "option 'steps' must be one of [1, 4], got 3" in result.stderr


def test_every_fence_mkdocs_yml_names_is_the_formatter_of_that_fence_with_its_options():
    """mkdocs.yml's custom_fences, the generators' table and the options' table name the same fences, and
    each formatter mkdocs.yml names writes its own fence (a wrong pairing would give one fence another's
    content)."""
    named = dict(re.findall(r"- name: (gru-[a-z]+)\n\s+class: \1\n\s+format: !!python/name:sitegen\.fences\.(\w+)",
                            (ROOT / "mkdocs.yml").read_text(encoding="utf-8")))
    assert set(named) == set(fences.GENERATORS) == set(fences.fence_options())
    for fence, formatter in named.items():
        with pytest.raises(SuperFencesException, match=f"```{fence}: unknown option"):
            getattr(fences, formatter)("no_such_option: 1\n", fence, fence, {}, None)
