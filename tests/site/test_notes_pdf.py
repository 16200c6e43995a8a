"""gru-notes pdf: the chapters printed by headless Chromium and joined into one PDF, read back with pypdf.

The command runs in a subprocess: Playwright's sync API allows one session per process, and the
session's `browser` fixture may hold it. The chapters' titles are read from the built pages' <h1>,
not from sitegen/notes_pdf.py, and their order from the built navigation. Uses the session's built
site (--site), so nothing is built twice."""
import html
import re
import subprocess
import sys
from pathlib import Path

import pytest
from site_server import ROOT, nav_pages

from quiz.bank import CHAPTERS

CHROMIUM = Path("/usr/bin/chromium")  # as tests/conftest.py's browser fixture

pypdf = pytest.importorskip("pypdf", reason="the pypdf package is missing (the pdf extra)")
pytest.importorskip("playwright.sync_api", reason="the playwright package is missing (the pdf extra)")
if not CHROMIUM.exists():
    pytest.skip(f"no Chromium at {CHROMIUM} (tests/install_browser.py)", allow_module_level=True)

from sitegen import notes_pdf  # noqa: E402

H1 = re.compile(r"<h1[^>]*>(.*?)</h1>", re.DOTALL)


def h1_title(page_html):
    heading = H1.search(page_html).group(1)
    heading = re.sub(r"<a[^>]*headerlink[^>]*>.*?</a>", "", heading, flags=re.DOTALL)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", heading)).split())


@pytest.fixture(scope="module")
def chapters(site_url):
    """[(chapter, title)] in the navigation's order, titles from the built pages."""
    _, site_dir = site_url
    ordered = [page.removesuffix(".html") for page in nav_pages(site_dir) if page.removesuffix(".html") in CHAPTERS]
    assert sorted(ordered) == sorted(CHAPTERS), f"chapters in the navigation: {ordered}"
    return [(name, h1_title((site_dir / f"{name}.html").read_text(encoding="utf-8"))) for name in ordered]


def written(site_dir, output, *chapter):
    command = [sys.executable, "-m", "sitegen.notes_pdf", "pdf", "--site", str(site_dir), "-o", str(output), *chapter]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert not done.stderr, done.stderr
    print(done.stdout)  # the page count, for -s and for failures
    return pypdf.PdfReader(output)


def page_texts(reader):
    return [" ".join(page.extract_text().split()) for page in reader.pages]


def starting_titles(texts, titles):
    """The chapter titles that begin a page, in page order: where each chapter starts."""
    return [title for text in texts for title in titles if text.startswith(title)]


@pytest.fixture(scope="module")
def whole(site_url, tmp_path_factory):
    """The PDF of every chapter."""
    return written(site_url[1], tmp_path_factory.mktemp("notes") / "notes.pdf")


def test_all_chapters_in_nav_order_with_no_blank_page(whole, chapters):
    texts = page_texts(whole)
    titles = [title for _, title in chapters]
    blank = [number for number, text in enumerate(texts, start=1) if not text]
    assert not blank, f"blank pages: {blank} of {len(texts)}"
    missing = [title for title in titles if title not in " ".join(texts)]
    assert not missing, f"chapter titles not in the PDF's text: {missing}"
    assert starting_titles(texts, titles) == titles, "the chapters do not start pages in the navigation's order"
    assert texts[0].startswith(titles[0])
    assert whole.metadata.title == notes_pdf.site_name()
    print(f"all chapters: {len(texts)} pages")


def test_one_chapter_only(site_url, whole, chapters, tmp_path):
    _, site_dir = site_url
    titles = [title for _, title in chapters]
    whole_pages = len(whole.pages)
    name, title = chapters[2]
    reader = written(site_dir, tmp_path / f"{name}.pdf", "--chapter", name)
    texts = page_texts(reader)
    assert all(texts), "a blank page"
    # only this chapter starts a page (the text may name other chapters: the GRU chapter links to them)
    assert starting_titles(texts, titles) == [title]
    assert 0 < len(texts) < whole_pages
    assert reader.metadata.title.endswith(title)
    print(f"{name}: {len(texts)} of {whole_pages} pages")


def test_an_unknown_chapter_is_refused_by_name(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit:
        notes_pdf.main(["pdf", "--chapter", "transformers", "-o", str(tmp_path / "x.pdf")])
    assert exit.value.code == 2
    error = capsys.readouterr().err
    assert "argument --chapter" in error and "'transformers'" in error
    assert all(name in error for name in CHAPTERS)
    assert not (tmp_path / "x.pdf").exists()
