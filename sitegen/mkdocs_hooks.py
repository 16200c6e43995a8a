"""MkDocs hooks: let `mkdocs serve` follow edits to the Python that generates the pages.

MkDocs only knows about docs/ and mkdocs.yml. The pages' numbers, tables and figures come from
gru_ref, sitegen, quiz and quizzes/, so without this hook editing them would neither trigger
a rebuild nor, if one happened, take effect: Python keeps imported modules for the whole life
of the `mkdocs serve` process.
"""

import importlib
import os
import subprocess
import sys
from pathlib import Path

from mkdocs.plugins import CombinedEvent, event_priority
from mkdocs.structure.files import File

ROOT = Path(__file__).resolve().parent.parent
WATCHED = ("gru_ref", "sitegen", "quiz", "quizzes", "evidence")
RELOADED_PACKAGES = ("gru_ref", "sitegen", "quiz", "evidence")
# Kept: this module (MkDocs holds its functions) and sitegen.fences (mkdocs.yml holds its formatter
# functions; they import the modules doing the work when called, so they reach the fresh code).
KEPT = {__name__, "sitegen.mkdocs_hooks", "sitegen.fences"}


def on_config(config):
    # The only date in a build is MkDocs' build date (page dates, sitemap.xml.gz header). Taking it
    # from the last commit makes two builds of one commit identical on any day.
    if "SOURCE_DATE_EPOCH" not in os.environ:
        commit_time = subprocess.run(["git", "log", "-1", "--format=%ct"], cwd=ROOT, capture_output=True, text=True)
        if commit_time.returncode == 0 and commit_time.stdout.strip().isdigit():
            os.environ["SOURCE_DATE_EPOCH"] = commit_time.stdout.strip()
    # The notebooks' Jupyter environment (sitegen/notebooks.py).
    importlib.import_module("sitegen.notebooks").configure(config)
    return config


def on_serve(server, config, builder):
    for name in WATCHED:
        if (ROOT / name).is_dir():  # quizzes/ may not exist yet
            server.watch(str(ROOT / name))
    return server


def on_pre_build(config):
    # Forgetting a module makes the next import run its current source. Dropping rather than
    # importlib.reload-ing also clears modules whose file was deleted or renamed.
    stale = [name for name in sys.modules
             if name.split(".")[0] in RELOADED_PACKAGES and name not in KEPT]
    for name in stale:
        del sys.modules[name]
    # The notebooks' cache directory, from the current sources; those it lacks start running now.
    global NOTEBOOKS
    NOTEBOOKS = None  # not the last build's (already finished) runs, should this build fail to start its own
    NOTEBOOKS = importlib.import_module("sitegen.notebooks").Runs(config)


NOTEBOOKS = None  # sitegen.notebooks.Runs of the current build


def on_files(files, config):
    # The chapters' slide decks (sitegen/slides.py), listed before the pages are rendered so that a
    # chapter's link to its deck validates; on_env fills them in from the rendered chapters.
    slides = importlib.import_module("sitegen.slides")
    for chapter in slides.CHAPTERS:
        files.append(File.generated(config, slides.deck_path(chapter), content=""))
    return files


def on_env(env, config, files):
    # Every page is rendered now and nothing is written yet: the decks are copied with the static files.
    slides = importlib.import_module("sitegen.slides")
    for chapter in slides.CHAPTERS:
        page = files.get_file_from_path(f"{chapter}.md").page
        deck = files.get_file_from_path(slides.deck_path(chapter))
        if page.content is None:  # `mkdocs serve --dirty` did not render this chapter: keep the deck built before
            files.remove(deck)
        else:
            deck.content_string = slides.deck_html(chapter, page.content, page.url)
    return env


def on_pre_page(page, config, files):
    if NOTEBOOKS.is_notebook(page):
        NOTEBOOKS.wait(page)
    return page


SET_ASIDE = {}  # page -> the formulas and drawings search does not read (sitegen/search_view.py)


@event_priority(100)  # before Material's search plugin indexes the page
def _before_search(context, page, config, nav):
    if page.content:
        page.content, SET_ASIDE[page.file.src_uri] = importlib.import_module("sitegen.search_view").set_aside(
            page.content)
    return context


@event_priority(-100)  # after it
def _after_search(context, page, config, nav):
    if page.content:
        kept = SET_ASIDE.pop(page.file.src_uri)
        page.content = importlib.import_module("sitegen.search_view").put_back(page.content, kept)
    # The print page and the summary sheets (sitegen/handouts.py), filled in from the rendered chapters
    # after search has indexed them as written (so search does not find every chapter twice).
    handouts = importlib.import_module("sitegen.handouts")
    if page.content and handouts.MARKER.search(page.content):
        pages = {other.file.src_uri: (other.url, other.content) for other in nav.pages}
        page.content = handouts.fill(page.file.src_uri, page.url, page.content, pages)
    return context


on_page_context = CombinedEvent(_before_search, _after_search)


def on_page_content(html, page, config, files):
    return NOTEBOOKS.page_content(html, page) if NOTEBOOKS.is_notebook(page) else html


# Material's search is a dialog without a name (axe-core: aria-dialog-name); name it after its purpose.
SEARCH_DIALOG = '<div class="md-search" data-md-component="search" role="dialog">'


def on_post_page(output, page, config):
    if NOTEBOOKS.is_notebook(page):
        NOTEBOOKS.write_downloads(page)
    output = importlib.import_module("sitegen.handouts").finish(page.markdown or "", output)
    return output.replace(SEARCH_DIALOG, SEARCH_DIALOG[:-1] + ' aria-label="Search the notes">', 1)


def on_build_error(error):
    if NOTEBOOKS is not None:
        NOTEBOOKS.finish()


def on_post_build(config):
    NOTEBOOKS.finish()
    # The math font is cut down to the characters the built pages use (sitegen/fonts.py).
    importlib.import_module("sitegen.fonts").write_subset(config["site_dir"])
