"""Executed notebooks on the site: docs/notebooks/*.py, run at build time by mkdocs-jupyter.

The notebooks are jupytext percent-format scripts without outputs. mkdocs-jupyter 0.26.3 (mkdocs.yml)
makes each one a page, executed (`execute: true`, `allow_errors: false`) and rendered by nbconvert,
and copies the .py beside the page (`include_source`). This module, called from sitegen/mkdocs_hooks.py,
adds what the plugin leaves to the project:

- The Jupyter setup of the build (`configure`), kept in sitegen/jupyter/ and found through
  JUPYTER_CONFIG_DIR and JUPYTER_PATH, which the build sets for itself (a user's own Jupyter settings
  must not change the site): the kernel manager gives each kernel CurveZMQ keys, so ipykernel 7 has no
  reason to warn that it runs over TCP without encryption; the kernel is this Python, and it sends
  what a cell prints in one piece when the cell ends (kernel.json sets the streams' flush interval:
  ipykernel would otherwise cut the text wherever 0.2 s passed, and two builds would show one cell's
  output split into different boxes; nbclient's coalesce_streams would do it but is not configurable);
  and the template
  mkdocs_html/notebook.html.j2 replaces the plugin's (no JupyterLab CSS, no CDN script, no random ids).
- Math: nbconvert leaves `$...$` and `$$...$$` in Markdown cells to MathJax, which the site does not
  have. `use_mathml` makes nbconvert's Markdown renderer emit the site's MathML instead, at the point
  where its parser has recognised the math, so code spans and escaped dollars stay what they are.
- A cache that follows the code: the plugin keys its cache on the notebook's text and its options
  only, so after an edit of gru_ref it would serve old outputs. Each build points it at a directory
  named after everything that can change an output (sitegen.cache.sources_digest(), the files of
  sitegen/jupyter, the versions of the Jupyter stack); `GRU_REF_CACHE=off` gives it a fresh directory
  per build, `GRU_REF_CACHE_DIR` moves it with the fragment cache.
- Speed: a notebook costs a kernel start (over half a second) plus its run. `Runs` starts every
  notebook the cache lacks at the beginning of the build, each in a thread calling the plugin's own
  converter with the plugin's options, and writes the plugin's cache entry; when MkDocs reaches the
  page, the plugin finds the entry. The kernels run beside the rest of the build.
- Downloads: each page links its .py (copied by the plugin) and an .ipynb written here without
  outputs, with cell ids numbered from the cell's position (jupytext makes random ones).
"""
import hashlib
import importlib.metadata
import json
import os
import shutil
import tempfile
import threading
from html import escape
from pathlib import Path

from . import cache

ROOT = Path(__file__).resolve().parent.parent
JUPYTER = Path(__file__).resolve().parent / "jupyter"
JUPYTER_CONFIG = JUPYTER / "config"
JUPYTER_DATA = JUPYTER / "share"
PLUGIN = "mkdocs-jupyter"
# What shapes a notebook page besides the sources sitegen.cache already hashes.
LIBRARIES = ("mkdocs-jupyter", "nbconvert", "nbclient", "nbformat", "jupytext", "ipykernel", "ipython",
             "jupyter_client", "mistune", "pygments", "matplotlib", "beautifulsoup4", "pyzmq")
# The plugin's options that nbconvert receives, as its on_pre_page passes them to convert.nb2html.
CONVERT_OPTIONS = ("kernel_name", "theme", "allow_errors", "show_input", "no_input", "no_prompt",
                   "remove_tag_config", "highlight_extra_classes", "include_requirejs", "custom_mathjax_url")


def environment():
    """The variables under which the build runs Jupyter: this project's config and data folders."""
    data_path = [str(JUPYTER_DATA)] + [p for p in os.environ.get("JUPYTER_PATH", "").split(os.pathsep)
                                       if p and p != str(JUPYTER_DATA)]
    return {"JUPYTER_CONFIG_DIR": str(JUPYTER_CONFIG), "JUPYTER_PATH": os.pathsep.join(data_path),
            # the path layout jupyter_core 6 will use; without it jupyter_core 5 warns that it will change
            "JUPYTER_PLATFORM_DIRS": "1"}


def jupyter_config():
    """The build's Jupyter configuration, for a client that reads no config files (nbclient in tests)."""
    from traitlets.config import Config

    return Config(json.loads((JUPYTER_CONFIG / "jupyter_config.json").read_text(encoding="utf-8")))


def plugin(config):
    return config.plugins[PLUGIN]


def cache_key():
    """One hash over what can change a notebook's outputs or markup, besides the notebook itself."""
    digest = hashlib.sha256(cache.sources_digest().encode())
    for path in sorted(JUPYTER.rglob("*")):
        if path.is_file():
            digest.update(str(path.relative_to(JUPYTER)).encode() + b"\0" + path.read_bytes() + b"\0")
    versions = {name: importlib.metadata.version(name) for name in LIBRARIES}
    digest.update(json.dumps(versions, sort_keys=True).encode())
    return digest.hexdigest()


def configure(config):
    """Called from on_config: the Jupyter environment of the build."""
    os.environ.update(environment())
    plugin(config).config["cache"] = True  # the plugin's cache is how a page receives what `Runs` computed
    return config


def cache_directory():
    """Where this build's notebook pages are cached: named by `cache_key`, or a fresh directory."""
    if cache.enabled():
        return cache.directory() / "notebooks" / cache_key()
    return Path(tempfile.mkdtemp(prefix="gru-ref-notebooks-"))


def use_mathml():
    """nbconvert's Markdown renderer writes the math it recognises as the site's MathML (sitegen.mathml)."""
    from nbconvert.filters.markdown_mistune import IPythonRenderer

    from .mathml import DISPLAY_CLASS, inline_math_html, latex_to_mathml

    def display(tex):
        return f'<span class="{DISPLAY_CLASS}">{latex_to_mathml(tex, display=True)}</span>'

    IPythonRenderer.inline_math = lambda self, body: inline_math_html(latex_to_mathml(body))
    IPythonRenderer.block_math = lambda self, body: display(body)
    IPythonRenderer.latex_environment = lambda self, name, body: display(rf"\begin{{{name}}}{body}\end{{{name}}}")


class _Source:
    """What the plugin's should_include reads of a MkDocs File."""

    def __init__(self, path):
        self.abs_src_path = str(path)


def notebook_jobs(config):
    """(notebook path, cache entry path, nb2html options) of each notebook the plugin will render."""
    from mkdocs_jupyter import plugin as plugin_module

    nb_plugin = plugin(config)
    options = nb_plugin.config
    jobs = []
    for path in sorted(Path(config["docs_dir"]).rglob("*")):
        if not nb_plugin.should_include(_Source(path)):
            continue
        execute = options["execute"] and not any(Path(path).match(p) for p in options["execute_ignore"])
        key = plugin_module._compute_cache_key(str(path), options, execute)
        convert_options = {name: options[name] for name in CONVERT_OPTIONS}
        jobs.append((path, plugin_module._get_cache_path(options["cache_dir"], key),
                     dict(convert_options, execute=execute, toc_depth=options["toc_depth"])))
    return jobs


class Runs:
    """The notebooks the cache lacks, each converted in a thread of its own from the start of the build.

    A thread spends its time waiting for its kernel, a process of its own, so the kernels run side by
    side while MkDocs builds the other pages. The conversion is the plugin's own (convert.nb2html with
    the plugin's options); its one global, a counter for the copy buttons of the plugin's template, is
    not used by this project's template, so conversions may run at the same time."""

    def __init__(self, config):
        # Set here, after the hook has made Python forget the project's modules, not in on_config: under
        # `mkdocs serve` on_config still sees the previous build's modules, whose sources_digest is the
        # one from before an edit.
        plugin(config).config["cache_dir"] = str(cache_directory())
        self.config = config
        self.running = {}
        use_mathml()
        for path, entry, options in notebook_jobs(config):
            if not entry.exists():
                job = _Job(path, entry, options)
                job.start()
                self.running[str(path)] = job

    def is_notebook(self, page):
        return plugin(self.config).should_include(page.file)

    def wait(self, page):
        """Before a notebook page is rendered: its conversion has finished and written the cache entry."""
        job = self.running.pop(page.file.abs_src_path, None)
        if job is None:
            return
        job.join()
        if job.error is not None:
            from mkdocs.exceptions import PluginError

            raise PluginError(f"the notebook {page.file.src_uri} did not run through: {job.error}") from job.error

    def finish(self):
        """After the build, or when it failed: no conversion outlives it (each kernel is shut down by
        its own thread, so a failed build waits for the conversions it started)."""
        for job in self.running.values():
            job.join()
        self.running.clear()
        if not cache.enabled():
            shutil.rmtree(plugin(self.config).config["cache_dir"], ignore_errors=True)

    def page_content(self, html, page):
        return page_content(html, page)

    def write_downloads(self, page):
        write_downloads(page)


def download_names(page):
    source = Path(page.file.abs_src_path)
    return source.name, source.with_suffix(".ipynb").name


def page_content(html, page):
    """The page's HTML with the download links under its title."""
    script, notebook = download_names(page)
    links = (f'<p class="gr-nb-downloads">Download this notebook: <a href="{escape(notebook)}" download>'
             f"{escape(notebook)}</a> (Jupyter notebook, without outputs) or "
             f'<a href="{escape(script)}" download>{escape(script)}</a> (the same cells as a jupytext '
             "percent-format script).</p>")
    end_of_title = html.find("</h1>")
    if end_of_title < 0:
        return links + html
    end_of_title += len("</h1>")
    return html[:end_of_title] + links + html[end_of_title:]


def ipynb_text(path):
    """The notebook as .ipynb text, without outputs, with cell ids that are the same at every build."""
    import jupytext

    notebook = jupytext.read(path)
    for number, cell in enumerate(notebook.cells, start=1):
        cell["id"] = f"cell-{number}"
    return jupytext.writes(notebook, fmt="ipynb")


def write_downloads(page):
    """The .ipynb beside the page (the plugin copies the .py there)."""
    _, notebook = download_names(page)
    target = Path(page.file.abs_dest_path).parent / notebook
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(ipynb_text(page.file.abs_src_path), encoding="utf-8")


class _Job(threading.Thread):
    def __init__(self, path, entry, options):
        super().__init__(name=f"notebook {Path(path).name}", daemon=True)
        self.args, self.error = (path, entry, dict(options)), None

    def run(self):
        try:
            convert(*self.args)
        except Exception as error:  # handed to the build by Runs.wait
            self.error = error


def convert(path, entry, options):
    """What the plugin's page.render does on a cache miss, written to its cache entry."""
    from mkdocs_jupyter import convert as nbconvert_for_mkdocs
    from mkdocs_jupyter import plugin as plugin_module

    use_mathml()
    toc_depth = options.pop("toc_depth")
    body = nbconvert_for_mkdocs.nb2html(str(path), **options)
    toc_tokens, title = plugin_module._get_nb_toc_tokens(str(path), toc_depth)
    entry = Path(entry)
    entry.parent.mkdir(parents=True, exist_ok=True)
    # written to a temporary file and renamed: a build running beside this one never reads half an entry
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=entry.parent, delete=False, suffix=".tmp") as out:
        out.write(json.dumps({"content": body, "toc_tokens": toc_tokens, "title": title}))
    os.replace(out.name, entry)

